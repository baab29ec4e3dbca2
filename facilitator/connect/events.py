"""Socket.IO events for running Connect rounds and for what phones do in them."""
from .. import store
from ..realtime import (coalesced, delegate_room, emit, every_beat, handler, mark, on_arrival,
                        registry, room)
from ..runsheet import domain as runsheet
from ..runsheet.events import send_live, shows_winner
from ..store import now
from ..validation import Problem, boolean, integer, text
from ..workshops import domain as workshops
from . import domain, views
from .kind import OFFLINE_GRACE, Connect


def _activity(conn, data) -> dict:
    """The Connect activity a control screen names."""
    return runsheet.activity_of(store(), conn.workshop_id, data.get("activity_id"),
                                (Connect.name,), "a Connect activity")


def _live_connect(workshop_id: int) -> dict:
    """The Connect activity live now, for a phone's action."""
    return runsheet.live_of(store(), workshops.get(store(), workshop_id), (Connect.name,),
                            "Connect is not running just now.")


def _card(conn, data) -> tuple[dict, int | None]:
    """The live Connect activity and the round a phone's tap is about.

    The page names the activity and round of the card it shows, so a tap that arrives
    after its round (sent late, or again after a reconnect) is refused rather than
    counted in a later one.
    """
    activity = _live_connect(conn.workshop_id)
    named = data.get("activity_id")
    if named is not None and named != activity["id"]:
        raise Problem("not_live", "That activity has ended, so that was not recorded.")
    return activity, integer(data, "round", "The round", low=1, high=1000, required=False)


def _send_cards(workshop_id: int, activity: dict, only=None):
    """Each delegate's own card, to their phones only."""
    for delegate_id, card in views.cards(store(), workshop_id, activity, only).items():
        emit("mine", card, to=delegate_room(delegate_id))


@coalesced("connect")
def send_control(workshop_id: int):
    """Groups for control screens and counts for the projector, once per beat."""
    activity = runsheet.live_activity(store(), workshops.get(store(), workshop_id))
    if activity is None or activity["kind"] != Connect.name:
        return
    emit("control", Connect.control(store(), activity), to=room(workshop_id, "facilitator"))
    progress = Connect.progress(store(), activity)
    emit("progress", progress, to=room(workshop_id, "facilitator"))
    emit("progress", progress, to=room(workshop_id, "screen"))


def _changed(workshop_id: int, activity: dict, delegates):
    if delegates:
        _send_cards(workshop_id, activity, set(delegates))
    mark("connect", workshop_id)


# --- control screens -------------------------------------------------------

@handler("connect:start", roles=("facilitator",))
def start(conn, data):
    """Facilitator starts the next round of {activity_id, round?}, making it live if it is not.

    With `round` (the number the screen shows as next), a round another screen has just
    started is not started again: the ack is `conflict`.

    Everyone gets `live`; every phone gets its `mine` card; control screens get
    `control` and `progress`.
    """
    activity = _activity(conn, data)
    expected = integer(data, "round", "The round", low=1, high=1000, required=False)
    with shows_winner(conn, "live"):
        domain.expect_next(store(), activity["id"], expected)
        workshop = workshops.get(store(), conn.workshop_id)
        if workshop["live_activity_id"] != activity["id"]:
            runsheet.set_live(store(), workshop, activity["id"])
        present = registry.present(conn.workshop_id, OFFLINE_GRACE)
        round_ = domain.start_round(store(), conn.workshop_id, activity, present,
                                    expected=expected)
    send_live(conn.workshop_id)
    _send_cards(conn.workshop_id, activity)
    send_control(conn.workshop_id)
    return {"round": round_["number"]}


@handler("connect:end_round", roles=("facilitator",))
def end_round(conn, data):
    """Facilitator ends the running round of {activity_id} now; everyone gets `live`."""
    activity = _activity(conn, data)
    domain.end_round(store(), activity["id"])
    send_live(conn.workshop_id)
    mark("connect", conn.workshop_id)
    return {}


@handler("connect:extend", roles=("facilitator",))
def extend(conn, data):
    """Facilitator adds {seconds} (negative to take away) to the running round."""
    activity = _activity(conn, data)
    seconds = integer(data, "seconds", "The change", low=-600, high=600)
    round_ = domain.extend(store(), activity["id"], seconds)
    send_live(conn.workshop_id)
    return {"ends_at": round_["ends_at"]}


@handler("connect:summary", roles=("facilitator",))
def summary(conn, data):
    """Facilitator shows (or hides) the results: {activity_id, show}.

    Everyone gets `live` (with the summary); phones get `mine` with the people they met.
    """
    activity = _activity(conn, data)
    show = boolean(data, "show", "Show", default=True)
    domain.show_summary(store(), activity["id"], show)
    send_live(conn.workshop_id)
    _send_cards(conn.workshop_id, activity)
    return {}


# --- phones ----------------------------------------------------------------

def _joined(conn) -> int:
    if conn.delegate_id is None:
        raise Problem("not_joined", "Join the workshop first.")
    return conn.delegate_id


@handler("connect:found", roles=("delegate",), takes_part=True)
def found(conn, data):
    """Phone: "We've found each other" {activity_id?, round?}. The group's phones get `mine`."""
    activity, number = _card(conn, data)
    group = domain.mark_found(store(), activity["id"], _joined(conn), number)
    _changed(conn.workshop_id, activity, group)
    return {}


@handler("connect:know", roles=("delegate",), takes_part=True)
def know(conn, data):
    """Phone: "We already know each other" about {delegate_id} in the same group."""
    activity, number = _card(conn, data)
    group = domain.declare_known(store(), conn.workshop_id, activity["id"], _joined(conn),
                                 data.get("delegate_id"), number)
    _changed(conn.workshop_id, activity, group)
    return {}


@handler("connect:cant_find", roles=("delegate",), takes_part=True)
def cant_find(conn, data):
    """Phone: "I can't find them" -> ack {regroup_at}; regrouped once the grace period ends."""
    activity, number = _card(conn, data)
    regroup_at = domain.cant_find(store(), activity["id"], _joined(conn), number)
    affected = {conn.delegate_id}
    if now() >= regroup_at:
        round_ = domain.latest_round(store(), activity["id"])
        affected |= domain.regroup_due(store(), conn.workshop_id, round_, activity["config"])
    _changed(conn.workshop_id, activity, affected)
    return {"regroup_at": regroup_at}


@handler("connect:sit_out", roles=("delegate",), takes_part=True)
def sit_out(conn, data):
    """Phone: "I'm sitting this one out" {sitting_out: true} or "back again" (false)."""
    activity = _live_connect(conn.workshop_id)
    out = boolean(data, "sitting_out", "Sitting out")
    affected = domain.set_sitting_out(store(), conn.workshop_id, activity, _joined(conn), out)
    _changed(conn.workshop_id, activity, affected)
    return {}


@handler("connect:contact", roles=("delegate",), takes_part=True)
def contact(conn, data):
    """Phone shares {contact} (an email or phone number) with people met who share too.

    An empty contact stops sharing. The phones of the people met get `mine`.
    """
    activity = _live_connect(conn.workshop_id)
    value = text(data, "contact", "Your contact details", max_len=120, required=False)
    delegate_id = _joined(conn)
    domain.save_contact(store(), conn.workshop_id, delegate_id, value or None)
    met = views.met_lists(store(), conn.workshop_id, activity, [delegate_id])[delegate_id]
    _changed(conn.workshop_id, activity, {delegate_id} | {m["id"] for m in met})
    return {"contact": value}


# --- timers and arrivals ---------------------------------------------------

@every_beat
def tick():
    """End rounds on the server's deadline; regroup the unfound after the grace period."""
    db = store()
    for round_ in domain.close_expired(db):
        send_live(round_["workshop_id"])
        mark("connect", round_["workshop_id"])
    for round_ in db.all("select * from connect_rounds where ended_at is null"):
        activity = runsheet.get_activity(db, round_["workshop_id"], round_["activity_id"])
        round_ = domain.latest_round(db, activity["id"])
        affected = domain.regroup_due(db, round_["workshop_id"], round_, activity["config"])
        if affected:
            _changed(round_["workshop_id"], activity, affected)


@on_arrival
def arrival(workshop_id: int, delegate_id: int):
    """A delegate arriving mid-round joins a group if the activity allows it."""
    activity = runsheet.live_activity(store(), workshops.get(store(), workshop_id))
    if activity is None or activity["kind"] != Connect.name:
        return
    affected = domain.place_late(store(), workshop_id, activity, delegate_id)
    if affected:
        _changed(workshop_id, activity, affected - {delegate_id})
