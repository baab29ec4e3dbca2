"""The grouping engine: who meets whom. Pure functions on plain data, no Flask, no I/O.

- `live.group_round` makes the groups of one live round from the people present
  and the history so far.
- `planner.plan` makes a whole schedule of rounds ahead (fixed cohorts, printed
  rotations): a Social Golfer Problem solver.
- `python -m facilitator.pairing plan ...` is the planner's command line.
"""
from .model import MixRules, Person, group_sizes, pair
from .planner import Plan, plan

__all__ = ["MixRules", "Person", "Plan", "group_sizes", "pair", "plan"]
