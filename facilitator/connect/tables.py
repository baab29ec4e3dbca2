"""Connect's tables: rounds, groups and members, acquaintances, contacts and plans."""
from ..hookspecs import ACTIVITIES, DELEGATES, Migration


def _rounds(db):
    """Connect: rounds, their groups and members, acquaintances and contacts."""
    db["connect_rounds"].create({
        "id": int, "workshop_id": int, "activity_id": int, "number": int, "kind": str,
        "size": int, "prompt": str, "seconds": int, "turns": int, "phases": str,
        "grace_seconds": int, "started_at": float, "ends_at": float, "ended_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id")],
        not_null={"workshop_id", "activity_id", "number", "kind"},
        defaults={"phases": "[]", "turns": 1})
    db["connect_rounds"].create_index(["activity_id", "number"], unique=True)
    db["connect_rounds"].create_index(["ended_at"])

    db["connect_groups"].create({
        "id": int, "round_id": int, "number": int, "meeting_point": str,
    }, pk="id", foreign_keys=[("round_id", "connect_rounds", "id")],
        not_null={"round_id", "number"}, defaults={"meeting_point": ""})
    db["connect_groups"].create_index(["round_id"])

    db["connect_members"].create({
        "id": int, "round_id": int, "group_id": int, "delegate_id": int,
        "placed_at": float, "found_at": float, "cant_find_at": float, "left_at": float,
        "late": int,
    }, pk="id", foreign_keys=[("round_id", "connect_rounds", "id"),
                              ("group_id", "connect_groups", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"round_id", "group_id", "delegate_id"}, defaults={"late": 0})
    db["connect_members"].create_index(["round_id", "delegate_id"])
    db["connect_members"].create_index(["group_id"])

    db["connect_people"].create({
        "activity_id": int, "delegate_id": int, "sitting_out": int, "odd_count": int,
    }, pk=("activity_id", "delegate_id"), defaults={"sitting_out": 0, "odd_count": 0})

    db["acquaintances"].create({
        "workshop_id": int, "a": int, "b": int, "declared_by": int, "created_at": float,
    }, pk=("workshop_id", "a", "b"))

    db["contacts"].create({
        "delegate_id": int, "workshop_id": int, "contact": str, "updated_at": float,
    }, pk="delegate_id", foreign_keys=[("delegate_id", "delegates", "id")])

    db["connect_state"].create({
        "activity_id": int, "summary_at": float,
    }, pk="activity_id")


def _plans(db):
    """Rotations planned ahead, kept for printing and download."""
    db["plans"].create({
        "id": int, "workshop_id": int, "created_at": float, "group_size": int,
        "rounds": int, "result": str,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id")],
        not_null={"workshop_id", "result"})


MIGRATIONS = (Migration("connect:1", _rounds, before=2),
              Migration("connect:2", _plans, before=3))

# Rows of a workshop, its activities or its delegates (see hookspecs.Kind.owned).
_ROUNDS = ("(select id from connect_rounds where workshop_id = :workshop or activity_id in "
           f"{ACTIVITIES})")
OWNED = (
    ("connect_members", f"round_id in {_ROUNDS} or delegate_id in {DELEGATES}"),
    ("connect_groups", f"round_id in {_ROUNDS}"),
    ("connect_people", f"activity_id in {ACTIVITIES} or delegate_id in {DELEGATES}"),
    ("connect_state", f"activity_id in {ACTIVITIES}"),
    ("connect_rounds", f"id in {_ROUNDS}"),
    ("contacts", f"workshop_id = :workshop or delegate_id in {DELEGATES}"),
    ("acquaintances", f"workshop_id = :workshop or a in {DELEGATES} or b in {DELEGATES} "
                      f"or declared_by in {DELEGATES}"),
    ("plans", "workshop_id = :workshop"),
)
