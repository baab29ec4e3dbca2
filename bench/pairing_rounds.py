"""Live grouping benchmark: consecutive rounds on the sample rosters, timing and quality.

    python bench/pairing_rounds.py [--rosters 120,500] [--sizes 2,3,4,6] [--rounds 12]
                                   [--seeds 20] [--time-budget 0.05] [--separate org]

What it times and counts: bench/README.md. Prints one JSON object.
"""
import argparse
import csv
import gc
import statistics
import sys
import time

from common import ROOT, finish, machine

from facilitator.pairing.live import (group_round, round_pairs, round_stats,
                                      unavoidable_same_org_pairs)
from facilitator.pairing.model import MixRules, Person

NOTE = ("Timed on a noisy shared 2-core virtual machine: the time budget is wall-clock, so "
        "a busy machine both slows each step and cuts hard searches short. Compare p50s; "
        "read p99/max as what a loaded machine can do. The garbage collector stays on, as in "
        "the server: gc_full_collections counts the full (generation 2) collections that ran "
        "inside timed calls, and their longest pause.")


class GcWatch:
    """Full garbage collections (generation 2) while `active`, with their pauses in ms."""

    def __init__(self):
        self.active, self.pauses, self._start = False, [], 0.0
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if info["generation"] != 2 or not self.active:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._start) * 1000)


WATCH = GcWatch()


def load(n: int) -> list[Person]:
    """A sample roster, id = row index."""
    with open(ROOT / "examples" / f"roster-{n}.csv", newline="", encoding="utf-8") as f:
        return [Person(i, r["organisation"], r["role"], r["sector"])
                for i, r in enumerate(csv.DictReader(f))]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def timing(ms: list[float]) -> dict:
    """p50, p99 and max of some durations in ms."""
    return {"p50": round(statistics.median(ms), 2), "p99": round(percentile(ms, 99), 2),
            "max": round(max(ms), 2), "n": len(ms)}


def run(n: int, size: int, rounds: int, seeds: int, budget: float, rules: MixRules) -> dict:
    """All seeds of one roster and size."""
    people = load(n)
    bound = unavoidable_same_org_pairs(people, size)
    ms, last_ms, no_gc_ms = [], [], []
    WATCH.pauses.clear()
    totals = {"repeat_pairs": 0, "same_org_pairs": 0, "same_role_pairs": 0,
              "same_sector_pairs": 0}
    first_repeat, first_org, repeats_by_seed, org_by_seed = [], [], [], []
    for seed in range(seeds):
        met, seed_repeats, seed_org = set(), 0, 0
        first_repeat.append(None)
        first_org.append(None)
        for r in range(rounds):
            collections = len(WATCH.pauses)
            WATCH.active = True
            started = time.perf_counter()
            groups = group_round(people, size, met=met, rules=rules, seed=seed * 1000 + r,
                                 time_budget=budget)
            elapsed = (time.perf_counter() - started) * 1000
            WATCH.active = False
            ms.append(elapsed)
            if len(WATCH.pauses) == collections:
                no_gc_ms.append(elapsed)
            if r == rounds - 1:
                last_ms.append(elapsed)
            stats = round_stats(groups, met, people, rules)
            for key in totals:
                totals[key] += stats[key]
            seed_repeats += stats["repeat_pairs"]
            seed_org += stats["same_org_pairs"]
            if stats["repeat_pairs"] and first_repeat[-1] is None:
                first_repeat[-1] = r + 1
            if stats["same_org_pairs"] > bound and first_org[-1] is None:
                first_org[-1] = r + 1
            met |= round_pairs(groups)
        repeats_by_seed.append(seed_repeats)
        org_by_seed.append(seed_org)

    def earliest(rounds_by_seed):  # over seeds; None if no seed had one
        return min((r for r in rounds_by_seed if r is not None), default=None)

    return {
        "people": n, "size": size, "rounds": rounds, "seeds": seeds,
        "round_ms": timing(ms), "round_ms_without_full_gc": timing(no_gc_ms),
        "last_round_ms": timing(last_ms),
        "repeat_pairs": totals["repeat_pairs"],
        "repeat_pairs_per_seed": [min(repeats_by_seed), max(repeats_by_seed)],
        "first_round_with_repeat": earliest(first_repeat),
        "seeds_with_repeat": sum(r is not None for r in first_repeat),
        "same_org_pairs": totals["same_org_pairs"],
        "same_org_pairs_per_seed": [min(org_by_seed), max(org_by_seed)],
        "unavoidable_same_org_pairs": bound * rounds * seeds,
        "first_round_above_org_bound": earliest(first_org),
        "same_role_pairs": totals["same_role_pairs"],
        "same_sector_pairs": totals["same_sector_pairs"],
        "gc_full_collections": {"count": len(WATCH.pauses),
                                "max_ms": round(max(WATCH.pauses, default=0.0), 2)},
    }


def main() -> int:
    """Run every roster and size, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, default in (("--rosters", "120,500"), ("--sizes", "2,3,4,6"), ("--rounds", 12),
                          ("--seeds", 20), ("--time-budget", 0.05)):
        parser.add_argument(flag, type=type(default), default=default)
    parser.add_argument("--separate", default="org",
                        help="likenesses to keep apart: any of org,role,sector")
    args = parser.parse_args()
    apart = set(args.separate.split(",")) - {""}
    if apart - {"org", "role", "sector"}:
        parser.error("--separate takes org, role and sector")
    rules = MixRules("org" in apart, "role" in apart, "sector" in apart)
    started = time.monotonic()
    results = [run(int(n), int(size), args.rounds, args.seeds, args.time_budget, rules)
               for n in args.rosters.split(",") for size in args.sizes.split(",")]
    return finish({"benchmark": "pairing_rounds", "machine": machine(),
                   "time_budget_s": args.time_budget, "rules": vars(rules), "note": NOTE,
                   "results": results,
                   "worst_round_ms": max(r["round_ms"]["max"] for r in results)}, started, ok=True)


if __name__ == "__main__":
    sys.exit(main())
