"""The run sheet and the one live state: every write about them happens here."""
import json

from ..store import Store, now
from ..validation import Problem
from ..plugins import kind_of
from ..workshops import domain as workshops

MAX_ACTIVITIES = 200


def _decode(row: dict) -> dict:
    row["config"] = json.loads(row["config"] or "{}")
    return row


def list_activities(store: Store, workshop_id: int) -> list[dict]:
    """The run sheet in order."""
    return [_decode(r) for r in store.all(
        "select * from activities where workshop_id = ? order by position, id",
        [workshop_id])]


def get_activity(store: Store, workshop_id: int, activity_id) -> dict:
    """An activity of this workshop, or a not-found problem."""
    return _decode(store.one_of("activities", activity_id, "workshop_id", workshop_id,
                                "That activity is not in this workshop's run sheet.",
                                "activity_id"))


def activity_of(store: Store, workshop_id: int, activity_id, kinds, what: str) -> dict:
    """An activity of this workshop of one of `kinds`, or a problem naming `what` it must be."""
    activity = get_activity(store, workshop_id, activity_id)
    if activity["kind"] not in kinds:
        raise Problem("invalid", f"That activity is not {what}.", "activity_id")
    return activity


def live_of(store: Store, workshop: dict, kinds, message: str) -> dict:
    """The live activity if it is one of `kinds`; otherwise a not-live problem."""
    activity = live_activity(store, workshop)
    if activity is None or activity["kind"] not in kinds:
        raise Problem("not_live", message)
    return activity


def add_activity(store: Store, workshop_id: int, kind: str, title: str,
                 config: dict) -> dict:
    """Append an activity to the run sheet."""
    kind_of(kind)
    with store.write() as db:
        count, last = db.execute(
            "select count(*), coalesce(max(position), -1) from activities "
            "where workshop_id = ?", [workshop_id]).fetchone()
        if count >= MAX_ACTIVITIES:
            raise Problem("limit", f"A run sheet holds at most {MAX_ACTIVITIES} activities.")
        stamp = now()
        activity_id = db["activities"].insert({
            "workshop_id": workshop_id, "position": last + 1, "kind": kind,
            "title": title, "config": json.dumps(config),
            "created_at": stamp, "updated_at": stamp}).last_pk
    return get_activity(store, workshop_id, activity_id)


def duplicate_activity(store: Store, workshop_id: int, activity_id) -> dict:
    """Copy an activity (settings, not answers) to just after itself."""
    original = get_activity(store, workshop_id, activity_id)
    copy = add_activity(store, workshop_id, original["kind"],
                        f"{original['title']} (copy)"[:120], original["config"])
    order = [a["id"] for a in list_activities(store, workshop_id)]
    move_activity(store, workshop_id, copy["id"], order.index(original["id"]) + 1)
    return get_activity(store, workshop_id, copy["id"])


def update_activity(store: Store, workshop_id: int, activity_id, title: str,
                    config: dict, expected_updated_at=None) -> dict:
    """Change an activity's title and settings.

    With `expected_updated_at` (the activity as the screen last saw it), an edit made
    against an older version is refused, so two screens saving at once leave one edit.
    """
    activity = get_activity(store, workshop_id, activity_id)
    with store.write() as db:
        if expected_updated_at is not None and db.execute(
                "select updated_at from activities where id = ?",
                [activity["id"]]).fetchone()[0] != expected_updated_at:
            raise Problem("conflict", "This activity was changed from another screen a "
                                      "moment ago; the run sheet now shows it. Edit it "
                                      "again to change it further.")
        db["activities"].update(activity["id"], {
            "title": title, "config": json.dumps(config), "updated_at": now()})
    return get_activity(store, workshop_id, activity["id"])


def delete_activity(store: Store, workshop_id: int, activity_id, discard=False) -> bool:
    """Remove an activity; return True if it was live (and so no longer is).

    One that holds answers, questions or rounds goes only with `discard`, and
    takes them with it."""
    activity = get_activity(store, workshop_id, activity_id)
    with store.write() as db:
        held = workshops.rows_of_activity(db, activity["id"])
        if held and not discard:
            raise Problem("in_use", "This activity already holds answers, questions or "
                                    f"rounds ({held} saved in all). Deleting it deletes them "
                                    "too: they leave the report and the exports. Confirm to "
                                    "delete it with everything it holds.")
        was_live = db.execute(
            "update workshops set live_activity_id = null, live_since = ?, "
            "state_version = state_version + 1 where id = ? and live_activity_id = ?",
            [now(), workshop_id, activity["id"]]).rowcount == 1
        workshops.delete_rows_of_activity(db, activity["id"])
        db["activities"].delete(activity["id"])
    return was_live


def move_activity(store: Store, workshop_id: int, activity_id, index: int) -> list[dict]:
    """Move an activity to a place in the run sheet (0 = first)."""
    activity = get_activity(store, workshop_id, activity_id)
    order = [a["id"] for a in list_activities(store, workshop_id)]
    order.remove(activity["id"])
    order.insert(max(0, min(index, len(order))), activity["id"])
    with store.write() as db:
        for position, ident in enumerate(order):
            db.execute("update activities set position = ? where id = ?", [position, ident])
    return list_activities(store, workshop_id)


def settle(store: Store):
    """Return once every write under way is on disk (an empty write joins the commit in
    progress), e.g. the change a refused command lost to."""
    with store.write():
        pass


def set_live(store: Store, workshop: dict, activity_id, expected_version=None) -> dict:
    """Make one activity live (None shows the join screen); return the workshop.

    With `expected_version`, a command issued against an older state is refused,
    so two control screens acting at once leave one clear result.
    """
    if activity_id is not None:
        get_activity(store, workshop["id"], activity_id)
    with store.write() as db:
        sql = ("update workshops set live_activity_id = ?, live_since = ?, "
               "state_version = state_version + 1 where id = ?")
        params = [activity_id, now(), workshop["id"]]
        if expected_version is not None:
            sql += " and state_version = ?"
            params.append(expected_version)
        if db.execute(sql, params).rowcount != 1:
            raise _live_changed()
    return store.one("select * from workshops where id = ?", [workshop["id"]])


def _live_changed() -> Problem:
    return Problem("conflict", "Another control screen changed what is live a moment ago; "
                               "your screen now shows the current state.")


def step(store: Store, workshop: dict, delta: int, expected_version=None) -> dict:
    """Go live with the next (+1) or previous (-1) activity in the run sheet."""
    if expected_version is not None and workshop["state_version"] != expected_version:
        raise _live_changed()  # "next" from what this screen showed, not from what is live now
    order = [a["id"] for a in list_activities(store, workshop["id"])]
    if not order:
        raise Problem("empty", "The run sheet is empty: add an activity first.")
    current = workshop["live_activity_id"]
    if current in order:
        index = order.index(current) + delta
    else:
        index = 0 if delta > 0 else len(order) - 1
    if not 0 <= index < len(order):
        raise Problem("end", "That was the last activity." if delta > 0
                      else "That is the first activity.")
    return set_live(store, workshop, order[index], expected_version)


def live_activity(store: Store, workshop: dict | None) -> dict | None:
    """The activity that is live now, if any (none in a workshop just deleted)."""
    if workshop is None or workshop["live_activity_id"] is None:
        return None
    return get_activity(store, workshop["id"], workshop["live_activity_id"])
