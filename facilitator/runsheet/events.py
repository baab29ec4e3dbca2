"""Socket.IO events for preparing the run sheet and stepping through it."""
import contextlib

from flask import request

from .. import socketio, store
from ..realtime import emit, handler, room
from ..validation import Problem, integer, invalid, text
from ..workshops import domain as workshops
from . import domain, views
from .kinds import KINDS, kind_of

TITLE_MAX = 120


def _activity_fields(data: dict, kind_name: str):
    kind = kind_of(kind_name)
    return text(data, "title", "The title", max_len=TITLE_MAX), kind.config(data)


def runsheet_changed(workshop_id: int):
    """Control screens get the whole `runsheet`, panels its outline, after an edit."""
    emit("runsheet", views.runsheet(store(), workshop_id), to=room(workshop_id, "facilitator"))
    emit("runsheet", views.outline(store(), workshop_id), to=room(workshop_id, "panel"))


LIVE_HOOKS = []


def when_live(fn):
    """Register fn(workshop, activity or None), run before a new live state is sent."""
    LIVE_HOOKS.append(fn)
    return fn


def _live_now(workshop_id: int) -> dict:
    """What is live now, after the live hooks."""
    workshop = workshops.get(store(), workshop_id)
    activity = domain.live_activity(store(), workshop)
    for hook in LIVE_HOOKS:
        hook(workshop, activity)
    return views.live(store(), workshop)


def send_live(workshop_id: int):
    """Tell every screen of a workshop what is live now (after the live hooks)."""
    emit("live", _live_now(workshop_id), to=room(workshop_id))


@contextlib.contextmanager
def shows_winner(conn, *events):
    """Around a control screen's command: if it is refused with `conflict`, send that
    screen the state it lost to (`live`, `runsheet`) once that is on disk, before the
    ack, so each screen shows which command applied."""
    try:
        yield
    except Problem as problem:
        if problem.code == "conflict":
            domain.settle(store())
            # Straight down this screen's socket (not through a message queue): before the ack.
            if "live" in events:
                socketio.emit("live", _live_now(conn.workshop_id), to=request.sid,
                              ignore_queue=True)
            if "runsheet" in events:
                socketio.emit("runsheet", views.runsheet(store(), conn.workshop_id),
                              to=request.sid, ignore_queue=True)
        raise


def _version(data: dict):
    return integer(data, "version", "The state version", low=0, high=2**62,
                   required=False)


@handler("activity:add", roles=("facilitator",))
def activity_add(conn, data):
    """Facilitator appends {kind, title, ...kind settings} -> ack {activity}.

    Control screens receive `runsheet`.
    """
    kind = data.get("kind")
    title, config = _activity_fields(data, kind)
    activity = domain.add_activity(store(), conn.workshop_id, kind, title, config)
    runsheet_changed(conn.workshop_id)
    return {"activity": views.activity(activity)}


@handler("activity:update", roles=("facilitator",))
def activity_update(conn, data):
    """Facilitator edits {activity_id, title, ...kind settings} -> ack {activity}.

    Control screens receive `runsheet`; if it is live, every screen gets `live`.
    """
    current = domain.get_activity(store(), conn.workshop_id, data.get("activity_id"))
    title, config = _activity_fields(data, current["kind"])
    seen = data.get("updated_at")
    if seen is not None and (isinstance(seen, bool) or not isinstance(seen, (int, float))):
        raise invalid("updated_at must be the activity's, as this screen was sent it.",
                      "updated_at")
    with shows_winner(conn, "runsheet"):
        activity = domain.update_activity(store(), conn.workshop_id, current["id"], title,
                                          config, seen)
    runsheet_changed(conn.workshop_id)
    workshop = workshops.get(store(), conn.workshop_id)
    if workshop["live_activity_id"] == activity["id"]:
        send_live(workshop["id"])
    return {"activity": views.activity(activity)}


@handler("activity:duplicate", roles=("facilitator",))
def activity_duplicate(conn, data):
    """Facilitator copies {activity_id} to just after it -> ack {activity}; control screens
    get `runsheet`."""
    activity = domain.duplicate_activity(store(), conn.workshop_id, data.get("activity_id"))
    runsheet_changed(conn.workshop_id)
    return {"activity": views.activity(activity)}


@handler("activity:delete", roles=("facilitator",))
def activity_delete(conn, data):
    """Facilitator removes {activity_id}; if it was live, the join screen shows."""
    was_live = domain.delete_activity(store(), conn.workshop_id, data.get("activity_id"))
    runsheet_changed(conn.workshop_id)
    if was_live:
        send_live(conn.workshop_id)
    return {}


@handler("activity:move", roles=("facilitator",))
def activity_move(conn, data):
    """Facilitator moves {activity_id, index} (0 = first); control screens get `runsheet`."""
    index = integer(data, "index", "The position", low=0, high=10_000)
    domain.move_activity(store(), conn.workshop_id, data.get("activity_id"), index)
    runsheet_changed(conn.workshop_id)
    return {}


@handler("live:set", roles=("facilitator",))
def live_set(conn, data):
    """Facilitator makes {activity_id | null, version?} live; every screen gets `live`."""
    activity_id = data.get("activity_id")
    workshop = workshops.get(store(), conn.workshop_id)
    with shows_winner(conn, "live"):
        workshop = domain.set_live(store(), workshop, activity_id, _version(data))
    send_live(workshop["id"])
    return {"version": workshop["state_version"]}


def _step(conn, data, delta):
    workshop = workshops.get(store(), conn.workshop_id)
    with shows_winner(conn, "live"):
        workshop = domain.step(store(), workshop, delta, _version(data))
    send_live(workshop["id"])
    return {"version": workshop["state_version"]}


@handler("live:mine", roles=("delegate",))
def live_mine(conn, data):
    """Phone asks for its own view of the live activity -> ack {mine} (null if none).

    Phones ask after `live` names a new activity, so one broadcast serves the room.
    """
    if conn.delegate_id is None:
        raise Problem("not_joined", "Join the workshop first.")
    workshop = workshops.get(store(), conn.workshop_id)
    activity = domain.live_activity(store(), workshop)
    if activity is None:
        return {"mine": None, "activity_id": None}
    return {"mine": KINDS[activity["kind"]].personal(store(), activity, conn.delegate_id),
            "activity_id": activity["id"]}


@handler("live:next", roles=("facilitator",))
def live_next(conn, data):
    """Facilitator goes live with the next activity {version?}; every screen gets `live`."""
    return _step(conn, data, +1)


@handler("live:previous", roles=("facilitator",))
def live_previous(conn, data):
    """Facilitator goes live with the previous activity {version?}; every screen gets `live`."""
    return _step(conn, data, -1)
