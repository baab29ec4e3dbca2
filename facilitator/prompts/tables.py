"""The prompts' tables: each delegate's current answer, the answers applied, timers."""
from ..hookspecs import ACTIVITIES, DELEGATES, Migration


def _answers(db):
    """Prompts: each delegate's current answer, the answers already applied, timers."""
    db["responses"].create({
        "id": int, "workshop_id": int, "activity_id": int, "delegate_id": int,
        "value": str, "client_id": str, "created_at": float, "updated_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "activity_id", "delegate_id", "value"})
    # One current answer per delegate per prompt; changing it replaces it.
    db["responses"].create_index(["activity_id", "delegate_id"], unique=True)
    # Every answer's client-made id, so a resend is applied once.
    db["response_ids"].create({"delegate_id": int, "client_id": str},
                              pk=("delegate_id", "client_id"))
    db["prompt_state"].create({
        "activity_id": int, "opened_at": float, "closed_at": float, "deadline": float,
        "paused_remaining": float, "revealed": int,
    }, pk="activity_id", defaults={"revealed": 0})


MIGRATIONS = (Migration("prompts:1", _answers, before=5),)

OWNED = (
    ("response_ids", f"delegate_id in {DELEGATES}"),
    ("responses", f"workshop_id = :workshop or activity_id in {ACTIVITIES} "
                  f"or delegate_id in {DELEGATES}"),
    ("prompt_state", f"activity_id in {ACTIVITIES}"),
)
