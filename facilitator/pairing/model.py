"""Plain data shared by the live grouper and the planner."""
from dataclasses import dataclass
from typing import Hashable

PersonId = Hashable


@dataclass(frozen=True)
class Person:
    """Someone who can be grouped."""

    id: PersonId
    organisation: str = ""
    role: str = ""
    sector: str = ""
    present: bool = True


@dataclass(frozen=True)
class MixRules:
    """Which likenesses to keep apart, after repeats (always avoided first)."""

    separate_organisations: bool = True
    separate_roles: bool = False
    separate_sectors: bool = False


def pair(a: PersonId, b: PersonId) -> frozenset:
    """An unordered pair of people."""
    return frozenset((a, b))


def group_sizes(n: int, size: int) -> list[int]:
    """Sizes of the groups n people form with groups of `size`, largest first.

    Sizes stay within size and size+1 where possible (an odd count turns a pair
    into a trio); where too few groups exist to absorb the remainder, the people
    are spread evenly over one more group, so a group may have fewer than `size`
    members only when there are not enough people. Nobody is ever alone unless
    n is 1.
    """
    if n <= 0:
        return []
    if size <= 1:
        return [1] * n
    groups, rest = divmod(n, size)
    if groups == 0:
        return [n]
    if rest > groups:
        groups += 1
    base, extra = divmod(n, groups)
    return [base + 1] * extra + [base] * (groups - extra)
