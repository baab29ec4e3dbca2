"""Command line: plan a whole schedule of rounds ahead.

    python -m facilitator.pairing plan --people 32 --group-size 4 --rounds 10
    python -m facilitator.pairing plan --roster examples/roster-24.csv --group-size 4 --rounds 5 --json

With --people N the people are 1..N; with --roster they are the roster's
`name` values (CSV with columns name, organisation and optionally role and
sector; UTF-8, a byte-order mark is fine). Exit code 2 on bad arguments or an
unreadable roster, with the reason on stderr.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys

from .model import MixRules, Person
from .planner import plan


class UsageError(Exception):
    """A problem with the arguments or the roster, reported with exit code 2."""


def read_roster(path: str) -> list[Person]:
    """People from a roster CSV (name, organisation[, role][, sector])."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [(h or "").strip().casefold() for h in (reader.fieldnames or [])]
            columns = {h: i for i, h in enumerate(header)}
            if "organization" in columns and "organisation" not in columns:
                columns["organisation"] = columns["organization"]
            missing = [c for c in ("name", "organisation") if c not in columns]
            if missing:
                raise UsageError(f"{path}: missing column(s): {', '.join(missing)} "
                                 f"(need name,organisation[,role][,sector])")
            raw = reader.fieldnames or []

            def get(row, col):
                i = columns.get(col)
                value = row.get(raw[i]) if i is not None else None
                return value.strip() if isinstance(value, str) else ""

            people, seen = [], {}
            for line, row in enumerate(reader, start=2):
                name = get(row, "name")
                if not name:
                    if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                        continue  # a blank line
                    raise UsageError(f"{path}: line {line}: empty name")
                if name in seen:
                    raise UsageError(f"{path}: duplicate name {name!r} "
                                     f"(lines {seen[name]} and {line})")
                seen[name] = line
                people.append(Person(id=name, organisation=get(row, "organisation"),
                                     role=get(row, "role"), sector=get(row, "sector")))
    except OSError as exc:
        raise UsageError(f"cannot read roster {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise UsageError(f"{path}: not a readable CSV file ({exc})") from exc
    return people


def format_table(rounds: list, stats: dict) -> str:
    """Round 1: Group 1: a, b, c | Group 2: ...  and a summary line."""
    lines = []
    for r, rnd in enumerate(rounds, start=1):
        groups = " | ".join(f"Group {g}: " + ", ".join(str(m) for m in grp)
                            for g, grp in enumerate(rnd, start=1))
        lines.append(f"Round {r}: {groups}")
    first = stats.get("first_repeat_round")
    lines.append("")
    lines.append(f"{stats['people']} people, groups of {stats['group_size']}, "
                 f"{stats['rounds']} rounds: {stats['repeat_pairs']} repeated meetings"
                 + (f" (first in round {first})" if first else "")
                 + f", {stats['same_org_pairs']} same-organisation meetings; "
                 f"{stats['method']}, {stats['seconds']} s")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m facilitator.pairing",
                                     description="Grouping tools for workshops.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="plan a whole schedule of rounds without repeats",
                       description="Plan ROUNDS rounds of groups so nobody meets twice "
                                   "(the social golfer problem), keeping organisations apart.")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--people", type=int, metavar="N", help="people 1..N")
    who.add_argument("--roster", metavar="FILE.csv",
                     help="CSV with columns name,organisation[,role][,sector]")
    p.add_argument("--group-size", type=int, required=True, metavar="S")
    p.add_argument("--rounds", type=int, required=True, metavar="W")
    p.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                   help="search time limit (default 10)")
    p.add_argument("--seed", type=int, default=0, metavar="K")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--separate-roles", action="store_true",
                   help="also keep people with the same role apart")
    p.add_argument("--separate-sectors", action="store_true",
                   help="also keep people of the same sector apart")
    p.add_argument("--mix-organisations", action="store_true",
                   help="do not keep organisations apart")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.people is not None:
            if args.people < 2:
                raise UsageError(f"--people must be at least 2 (got {args.people})")
            people: list[Person] | int = args.people
            n = args.people
        else:
            people = read_roster(args.roster)
            n = len(people)
            if n < 2:
                raise UsageError(f"{args.roster}: need at least 2 people (found {n})")
        if args.group_size < 2:
            raise UsageError(f"--group-size must be at least 2 (got {args.group_size})")
        if args.group_size > n:
            raise UsageError(f"--group-size {args.group_size} is larger than the {n} people")
        if args.rounds < 1:
            raise UsageError(f"--rounds must be at least 1 (got {args.rounds})")
        if not (args.time_limit >= 0 and math.isfinite(args.time_limit)):
            raise UsageError(f"--time-limit must be a number of seconds >= 0 (got {args.time_limit})")
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rules = MixRules(separate_organisations=not args.mix_organisations,
                     separate_roles=args.separate_roles,
                     separate_sectors=args.separate_sectors)
    result = plan(people, args.group_size, args.rounds, rules=rules,
                  time_limit=args.time_limit, seed=args.seed)
    if args.json:
        json.dump({"rounds": result.rounds, "stats": result.stats}, sys.stdout,
                  ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_table(result.rounds, result.stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
