"""Socket.IO events for preparing the run sheet and stepping through it."""
import contextlib

from flask import request

from ..extensions import get_store, socketio
from ..plugins import kind_of
from ..realtime import emit, handler, room
from ..validation import Bool, Id, Int, Problem, Raw, Text, invalid
from ..workshops import domain as workshops
from . import domain, live, views
from .live import send_live

TITLE_MAX = 120


def runsheet_changed(workshop_id: int):
    """Control screens get the whole `runsheet`, panels its outline, after an edit."""
    emit("runsheet", views.runsheet(get_store(), workshop_id), to=room(workshop_id, "facilitator"))
    emit("runsheet", views.outline(get_store(), workshop_id), to=room(workshop_id, "panel"))


@contextlib.contextmanager
def shows_winner(conn, *events):
    """Around a control screen's command: if it is refused with `conflict`, send that
    screen the state it lost to (`live`, `runsheet`) once that is on disk, before the
    ack, so each screen shows which command applied."""
    try:
        yield
    except Problem as problem:
        if problem.code == "conflict":
            domain.settle(get_store())
            # Straight down this screen's socket (not through a message queue): before the ack.
            if "live" in events:
                workshop = workshops.get(get_store(), conn.workshop_id)
                socketio.emit("live", live.state(get_store(), workshop, conn.role),
                              to=request.sid, ignore_queue=True)
            if "runsheet" in events:
                socketio.emit("runsheet", views.runsheet(get_store(), conn.workshop_id),
                              to=request.sid, ignore_queue=True)
        raise


ACTIVITY = {"activity_id": Id(label="That activity")}
VERSION = {"version": Int(label="The state version", low=0, high=2**62, required=False)}
TITLE = Text(label="The title", max_len=TITLE_MAX)


@handler("activity:add", roles=("facilitator",), rest=True,
         fields={"kind": Raw(label="The kind"), "title": TITLE})
def activity_add(conn, args):
    """Facilitator appends {kind, title, ...kind settings} -> ack {activity}.

    The kind's settings are at the top level, beside `kind` and `title` (see each
    kind in docs/PROTOCOL.md). Control screens receive `runsheet`.
    """
    kind = kind_of(args["kind"])
    activity = domain.add_activity(get_store(), conn.workshop_id, kind.name, args["title"],
                                   kind.config(args))
    runsheet_changed(conn.workshop_id)
    return {"activity": views.activity(activity)}


@handler("activity:update", roles=("facilitator",), rest=True,
         fields={**ACTIVITY, "title": TITLE, "updated_at": Raw(label="updated_at")})
def activity_update(conn, args):
    """Facilitator edits {activity_id, title, updated_at?, ...kind settings} -> ack {activity}.

    Control screens receive `runsheet`; if it is live, every screen gets `live`.
    """
    current = domain.get_activity(get_store(), conn.workshop_id, args["activity_id"])
    config = kind_of(current["kind"]).config(args)
    seen = args["updated_at"]
    if seen is not None and (isinstance(seen, bool) or not isinstance(seen, (int, float))):
        raise invalid("updated_at must be the activity's, as this screen was sent it.",
                      "updated_at")
    with shows_winner(conn, "runsheet"):
        activity = domain.update_activity(get_store(), conn.workshop_id, current["id"],
                                          args["title"], config, seen)
    runsheet_changed(conn.workshop_id)
    workshop = workshops.get(get_store(), conn.workshop_id)
    if workshop["live_activity_id"] == activity["id"]:
        send_live(workshop["id"])
    return {"activity": views.activity(activity)}


@handler("activity:duplicate", roles=("facilitator",), fields=ACTIVITY)
def activity_duplicate(conn, args):
    """Facilitator copies {activity_id} to just after it -> ack {activity}; control screens
    get `runsheet`."""
    activity = domain.duplicate_activity(get_store(), conn.workshop_id, args["activity_id"])
    runsheet_changed(conn.workshop_id)
    return {"activity": views.activity(activity)}


@handler("activity:delete", roles=("facilitator",),
         fields={**ACTIVITY, "discard": Bool(label="Delete what it holds", default=False)})
def activity_delete(conn, args):
    """Facilitator removes {activity_id, discard?}; if it was live, the join screen shows.

    One that holds answers, questions or rounds is refused with `in_use` unless
    `discard` is true; then they are deleted with it.
    """
    was_live = domain.delete_activity(get_store(), conn.workshop_id, args["activity_id"],
                                      args["discard"])
    runsheet_changed(conn.workshop_id)
    if was_live:
        send_live(conn.workshop_id)
    return {}


@handler("activity:move", roles=("facilitator",),
         fields={**ACTIVITY, "index": Int(label="The position", low=0, high=10_000)})
def activity_move(conn, args):
    """Facilitator moves {activity_id, index} (0 = first); control screens get `runsheet`."""
    domain.move_activity(get_store(), conn.workshop_id, args["activity_id"], args["index"])
    runsheet_changed(conn.workshop_id)
    return {}


@handler("live:set", roles=("facilitator",),
         fields={"activity_id": Id(label="That activity", nullable=True), **VERSION})
def live_set(conn, args):
    """Facilitator makes {activity_id | null, version?} live; every screen gets `live`."""
    workshop = workshops.get(get_store(), conn.workshop_id)
    with shows_winner(conn, "live"):
        workshop = domain.set_live(get_store(), workshop, args["activity_id"], args["version"])
    send_live(workshop["id"])
    return {"version": workshop["state_version"]}


def _step(conn, args, delta):
    workshop = workshops.get(get_store(), conn.workshop_id)
    with shows_winner(conn, "live"):
        workshop = domain.step(get_store(), workshop, delta, args["version"])
    send_live(workshop["id"])
    return {"version": workshop["state_version"]}


@handler("live:mine", roles=("delegate",), joined=True)
def live_mine(conn, args):
    """Phone asks for its own view of the live activity -> ack {mine, activity_id}
    (both null if nothing is live).

    Phones ask after `live` names a new activity, so one broadcast serves the room.
    """
    return live.mine(get_store(), workshops.get(get_store(), conn.workshop_id),
                     conn.delegate_id)


@handler("live:next", roles=("facilitator",), fields=VERSION)
def live_next(conn, args):
    """Facilitator goes live with the next activity {version?}; every screen gets `live`."""
    return _step(conn, args, +1)


@handler("live:previous", roles=("facilitator",), fields=VERSION)
def live_previous(conn, args):
    """Facilitator goes live with the previous activity {version?}; every screen gets `live`."""
    return _step(conn, args, -1)
