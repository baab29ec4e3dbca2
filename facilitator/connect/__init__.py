"""Connect: rounds that put each delegate with people they have not met, across
organisations, and structured exercises with the groups formed for them."""
from . import events, routes  # noqa: F401  (register its socket events and pages)
from .kind import Connect

KINDS = [Connect]
