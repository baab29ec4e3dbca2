"""Prompts pushed to every phone at once: polls, word clouds, scales and ready
checks, with live or revealed results. New prompt kinds build on `Prompt`."""
from . import events  # noqa: F401  (registers its socket events)
from .kinds import KINDS, Prompt

__all__ = ["KINDS", "Prompt"]
