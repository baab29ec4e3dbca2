"""The 2×2 matrix: each person places a few items on two scales (impact and effort,
say); the projector draws each item at its mean."""
from .kind import Matrix

KINDS = [Matrix]
