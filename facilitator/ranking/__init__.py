"""Ranking: each delegate puts the facilitator's items in order, and the room's
order is shown by average score."""
from .kind import Ranking

KINDS = [Ranking]
