"""Dot voting: each person spreads a few dots over options that the facilitator
lists or that an idea board's published posts supply."""
from .kind import Dots

KINDS = [Dots]
