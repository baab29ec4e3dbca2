"""Points: each delegate shares a budget of points across the options, and the
room's totals are shown as bars, most points first."""
from .kind import Points

KINDS = [Points]
