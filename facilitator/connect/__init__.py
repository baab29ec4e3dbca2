"""Connect: rounds that put each delegate with people they have not met, across
organisations, and structured exercises with the groups formed for them."""
from . import events  # noqa: F401  (registers its socket events)
from .kind import Connect

KINDS = [Connect]
