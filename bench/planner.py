"""Benchmark the schedule planner on published social golfer instances.

For each instance g-s (g groups of s people) it asks `plan` for the best-known
number of rounds w with the time limit (default 10 s); if that schedule has
repeats, it asks again for fewer rounds, down to the rounds the first answer
already had without a repeat (at most --retries more calls). "reached" is the
most rounds planned without any repeat. Prints one JSON object.

    python bench/planner.py                  # all instances, 10 s each
    python bench/planner.py --time-limit 5 --only 8-4-10 5-3-7

The best-known values are the maxima from the literature (Harvey's table for
CSPLib problem 10 and design theory: Kirkman and nearly Kirkman triple
systems, resolvable designs and group divisible designs); where the maximum
is not settled the table gives the best lower bound known to us and says so.
"""
from __future__ import annotations

import argparse
import sys
import time

from common import finish, machine

from facilitator.pairing.planner import max_rounds_bound, plan

# (groups, size, best-known rounds, note)
INSTANCES = [
    (2, 2, 3, "round robin"), (4, 2, 7, "round robin"), (3, 3, 4, "AG(2,3)"),
    (4, 3, 4, "no NKTS(12)"), (5, 3, 7, "Kirkman's schoolgirls, KTS(15)"),
    (6, 3, 8, "NKTS(18)"), (7, 3, 10, "KTS(21)"), (8, 3, 11, "NKTS(24)"), (9, 3, 13, "KTS(27)"),
    (10, 3, 14, "NKTS(30)"), (11, 3, 16, "KTS(33)"), (12, 3, 17, "NKTS(36)"),
    (4, 4, 5, "AG(2,4)"), (5, 4, 5, "5-4-6 open"), (6, 4, 7, "4-RGDD 3^8"),
    (7, 4, 9, "RBIBD(28,4,1)"), (8, 4, 10, "original problem (Aguado 2004)"),
    (9, 4, 11, "upper bound 11"), (10, 4, 13, "RBIBD(40,4,1)"), (13, 4, 17, "RBIBD(52,4,1)"),
    (16, 4, 21, "RBIBD(64,4,1)"), (5, 5, 6, "AG(2,5)"), (6, 5, 6, "upper bound 7"),
    (7, 5, 7, "known >= 7 (transversal design); upper bound 8"), (6, 6, 3, "no 2 MOLS(6)"),
    (7, 7, 8, "AG(2,7)"), (8, 8, 9, "AG(2,8)"), (9, 9, 10, "AG(2,9)"),
]


# Instances often quoted with fewer rounds than the maximum (g, s, w): solved or not.
FIXED = [(8, 4, 9), (8, 3, 10), (7, 3, 9), (9, 4, 10), (8, 4, 10)]


def attempt(n, s, w, time_limit, seed):
    started = time.monotonic()
    result = plan(n, s, w, time_limit=time_limit, seed=seed)
    st = result.stats
    return {"rounds": w, "repeat_pairs": st["repeat_pairs"],
            "rounds_without_repeats": st["rounds_without_repeats"],
            "seconds": round(time.monotonic() - started, 2), "method": st["method"],
            "timed_out": st["timed_out"]}


def bench(g, s, best, note, time_limit, seed, retries):
    n = g * s
    tries = [attempt(n, s, best, time_limit, seed)]
    reached = tries[0]["rounds_without_repeats"]
    w = best - 1
    while tries[-1]["repeat_pairs"] and w > reached and len(tries) <= retries:
        tries.append(attempt(n, s, w, time_limit, seed))
        if tries[-1]["repeat_pairs"] == 0:
            reached = w
        else:
            reached = max(reached, tries[-1]["rounds_without_repeats"])
        w -= 1
    good = [t for t in tries if t["repeat_pairs"] == 0]
    return {
        "instance": f"{g}-{s}-{best}", "people": n, "best_known": best,
        "upper_bound": max_rounds_bound(n, [s] * g), "reached": reached,
        "seconds": good[0]["seconds"] if good else None,
        "method": good[0]["method"] if good else tries[0]["method"],
        "note": note, "attempts": tries,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retries", type=int, default=2,
                        help="further calls with fewer rounds when the best known fails")
    parser.add_argument("--only", nargs="*", metavar="G-S-W",
                        help="instances to run, e.g. 8-4-10")
    args = parser.parse_args(argv)
    chosen = INSTANCES
    if args.only:
        wanted = set(args.only)
        chosen = [i for i in INSTANCES if f"{i[0]}-{i[1]}-{i[2]}" in wanted]
    started = time.monotonic()
    fixed = []
    for g, s, w in ([] if args.only else FIXED):
        tried = attempt(g * s, s, w, args.time_limit, args.seed)
        fixed.append({"instance": f"{g}-{s}-{w}", "solved": tried["repeat_pairs"] == 0,
                      **{k: tried[k] for k in ("repeat_pairs", "seconds", "method")}})
        print(f"{g}-{s}-{w:>2}: {'solved' if fixed[-1]['solved'] else 'NOT solved'} "
              f"({tried['seconds']} s, {tried['method']})", file=sys.stderr, flush=True)
    rows = []
    for g, s, best, note in chosen:
        row = bench(g, s, best, note, args.time_limit, args.seed, args.retries)
        rows.append(row)
        print(f"{row['instance']:>8}: reached {row['reached']:>2} of {best:>2} "
              f"({row['seconds']} s, {row['method']})", file=sys.stderr, flush=True)
    out = {
        "benchmark": "planner", "machine": machine(), "time_limit": args.time_limit,
        "seed": args.seed, "instances": rows,
        "fixed_rounds": fixed,
        "summary": {
            "instances": len(rows),
            "at_best_known": sum(r["reached"] >= r["best_known"] for r in rows),
            "rounds_reached": sum(r["reached"] for r in rows),
            "rounds_best_known": sum(r["best_known"] for r in rows),
        },
    }
    return finish(out, started, ok=True)


if __name__ == "__main__":
    sys.exit(main())
