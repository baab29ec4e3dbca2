"""Posts from the floor: panel Q&A, open reflections and idea boards, with votes
and moderation."""
from . import events  # noqa: F401  (registers its socket events)
from .kind import KINDS

__all__ = ["KINDS"]
