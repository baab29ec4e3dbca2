"""A rehearsal's simulated delegate as a kind's `rehearse` sees them (see hookspecs).

A stand-in is made afresh each time a kind is asked for a plan, with the same seeds,
so the same delegate rolls the same dice for the same activity every time: a plan
made again is the same plan. The room's taste (which options it favours, where its
mean lies) is seeded by the activity alone, so every delegate leans the same way.
"""
import random
import uuid

from ..hookspecs import Act


class StandIn:
    """One simulated delegate, for one activity: `seed` is theirs, `keen` (0-1) how
    keen they are, `me` who they are ({"id", "name", "organisation", "role"})."""

    def __init__(self, seed, activity_id, keen=0.5, me=None):
        self.seed, self.activity_id, self.keen, self.me = seed, activity_id, keen, me or {}
        self.rng = self.dice()

    def dice(self, *what) -> random.Random:
        """This delegate's dice for one part of the activity (a round, say): the same
        rolls every time they are asked for the same part."""
        return random.Random(repr((self.seed, self.activity_id, what)))

    def taste(self, *what) -> random.Random:
        """The room's dice for one thing about the activity: the same for every
        delegate, so the room leans one way."""
        return random.Random(repr(("room", self.activity_id, what)))

    @staticmethod
    def act(key, event, payload, think=0.0, by=None, retry=None) -> Act:
        """An Act (see hookspecs.Act)."""
        return Act(tuple(key) if isinstance(key, (tuple, list)) else (key,), event, payload,
                   think, by, retry or {})

    @staticmethod
    def new_id() -> str:
        """A fresh client-made id for a submission."""
        return uuid.uuid4().hex

    def favourites(self, items, k=1, distinct=True) -> list:
        """k of the items, the room's favourites likelier (a long tail, as rooms
        vote); with distinct=False an item may come more than once."""
        items = list(items)
        self.taste("order", len(items), repr(items)).shuffle(items)
        weights = [1 / (rank + 1) ** 1.2 for rank in range(len(items))]
        if not distinct:
            return self.rng.choices(items, weights, k=k) if items else []
        picked = []
        while items and len(picked) < k:
            i = self.rng.choices(range(len(items)), weights)[0]
            picked.append(items.pop(i))
            weights.pop(i)
        return picked

    def order(self, items) -> list:
        """All the items in this delegate's order: near the room's, each person
        swapping a few neighbours (rankings agree more than they differ)."""
        items = list(items)
        self.taste("order", len(items), repr(items)).shuffle(items)
        score = {item: place + self.rng.gauss(0, 1.2) for place, item in enumerate(items)}
        return sorted(items, key=score.__getitem__)

    def around(self, low, high, *what, where=None, spread=None) -> int:
        """A whole number from low to high near the room's view of `what`: the room's
        mean falls at `where` (0-1 of the way up; by default somewhere from a third to
        four fifths, as the room leans), each delegate about `spread` from it."""
        if where is None:
            where = self.taste("around", low, high, *what).uniform(0.35, 0.8)
        spread = (high - low) / 5 if spread is None else spread
        return min(high, max(low, round(self.rng.gauss(low + where * (high - low), spread))))
