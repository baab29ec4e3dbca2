"""Dot voting's table: the options an idea board gave a vote when it went live."""
from ..hookspecs import ACTIVITIES, DELEGATES, Migration


def _options(db):
    """The idea board's posts a vote runs on, copied when it goes live so that later
    posts and edits do not move the dots placed on them."""
    db["dots_options"].create({
        "workshop_id": int, "activity_id": int, "source_id": int, "position": int,
        "post_id": int, "text": str, "delegate_id": int, "anonymous": int,
        "taken_at": float,
    }, pk=("activity_id", "post_id"), foreign_keys=[("workshop_id", "workshops", "id"),
                                                    ("activity_id", "activities", "id")],
        not_null={"workshop_id", "activity_id", "source_id", "post_id", "text"},
        defaults={"anonymous": 0})


MIGRATIONS = (Migration("dots:1", _options),)

# A copied post goes with the vote, and with the board and the person it came from.
OWNED = (
    ("dots_options", f"workshop_id = :workshop or activity_id in {ACTIVITIES} "
                     f"or source_id in {ACTIVITIES} or delegate_id in {DELEGATES}"),
)
