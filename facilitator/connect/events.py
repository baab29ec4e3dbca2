"""Socket.IO events for running Connect rounds and for what phones do in them."""
from ..extensions import get_store
from ..hookspecs import Change
from ..realtime import handler, registry
from ..runsheet import domain as runsheet
from ..runsheet.events import shows_winner
from ..runsheet.live import announce, send_live
from ..store import now
from ..validation import Bool, Id, Int, Problem, Text
from ..workshops import domain as workshops
from . import domain, views
from .kind import OFFLINE_GRACE, Connect


ACTIVITY = {"activity_id": Id(label="That Connect activity")}
ROUND = Int(label="The round", low=1, high=1000, required=False)
# What a phone's tap names: the activity and round of the card it shows.
CARD = {"activity_id": Id(label="That activity", nullable=True), "round": ROUND}


def _activity(conn, args) -> dict:
    """The Connect activity a control screen names."""
    return runsheet.activity_of(get_store(), conn.workshop_id, args["activity_id"],
                                (Connect.name,), "a Connect activity")


def _card(args) -> tuple[dict, int | None]:
    """The live Connect activity and the round a phone's tap is about.

    The page names the activity and round of the card it shows, so a tap that arrives
    after its round (sent late, or again after a reconnect) is refused rather than
    counted in a later one.
    """
    activity = args["activity"]
    if args["activity_id"] is not None and args["activity_id"] != activity["id"]:
        raise Problem("not_live", "That activity has ended, so that was not recorded.")
    return activity, args["round"]


def _changed(activity: dict, delegates):
    """Some delegates' cards changed (sent to their phones at once); the groups and
    counts go to the screens that show them with the next beat."""
    if delegates:
        announce(Change(activity, items={}, people=set(delegates)))
    announce(Change(activity, soon=True))


# --- control screens -------------------------------------------------------

@handler("connect:start", roles=("facilitator",), fields={**ACTIVITY, "round": ROUND})
def start(conn, args):
    """Facilitator starts the next round of {activity_id, round?}, making it live if it is not.

    With `round` (the number the screen shows as next), a round another screen has just
    started is not started again: the ack is `conflict`.

    Every screen gets `live`; every phone in the round gets its card (`mine`).
    """
    activity = _activity(conn, args)
    expected = args["round"]
    with shows_winner(conn, "live"):
        domain.expect_next(get_store(), activity["id"], expected)
        workshop = workshops.get(get_store(), conn.workshop_id)
        if workshop["live_activity_id"] != activity["id"]:
            runsheet.set_live(get_store(), workshop, activity["id"])
        present = registry.present(conn.workshop_id, OFFLINE_GRACE)
        round_ = domain.start_round(get_store(), conn.workshop_id, activity, present,
                                    expected=expected)
    send_live(conn.workshop_id)
    announce(Change(activity, items={}, people=None))
    return {"round": round_["number"]}


@handler("connect:end_round", roles=("facilitator",), fields=ACTIVITY)
def end_round(conn, args):
    """Facilitator ends the running round of {activity_id} now; everyone gets `live`."""
    activity = _activity(conn, args)
    domain.end_round(get_store(), activity["id"])
    announce(Change(activity))
    return {}


@handler("connect:extend", roles=("facilitator",),
         fields={**ACTIVITY, "seconds": Int(label="The change", low=-600, high=600)})
def extend(conn, args):
    """Facilitator adds {seconds} (negative to take away) to the running round."""
    activity = _activity(conn, args)
    round_ = domain.extend(get_store(), activity["id"], args["seconds"])
    announce(Change(activity))
    return {"ends_at": round_["ends_at"]}


@handler("connect:summary", roles=("facilitator",),
         fields={**ACTIVITY, "show": Bool(label="Show", default=True)})
def summary(conn, args):
    """Facilitator shows (or hides) the results: {activity_id, show}.

    Everyone gets `live` (with the summary); phones get `mine` with the people they met.
    """
    activity = _activity(conn, args)
    domain.show_summary(get_store(), activity["id"], args["show"])
    announce(Change(activity, people=None))
    return {}


# --- phones ----------------------------------------------------------------

def tap(event: str, **fields):
    """A phone's action in the live Connect activity (see realtime.handler)."""
    return handler(event, roles=("delegate",), joined=True, live=Connect, takes_part=True,
                   fields=fields)


@tap("connect:found", **CARD)
def found(conn, args):
    """Phone: "We've found each other" {activity_id?, round?}. The group's phones get `mine`."""
    activity, number = _card(args)
    group = domain.mark_found(get_store(), activity["id"], conn.delegate_id, number)
    _changed(activity, group)
    return {}


@tap("connect:know", **CARD, delegate_id=Id(label="That person"))
def know(conn, args):
    """Phone: "We already know each other" about {delegate_id} in the same group.

    Remembered for later rounds; in a pair, the other is swapped with someone from a
    group that can spare one (another pair who know each other, or a trio in a pairs
    round) if that makes no repeat. Ack {swapped}; every phone moved gets `mine`.
    """
    activity, number = _card(args)
    group = domain.declare_known(get_store(), conn.workshop_id, activity["id"],
                                 conn.delegate_id, args["delegate_id"], number)
    moved = domain.swap_known(get_store(), conn.workshop_id, activity, conn.delegate_id,
                              args["delegate_id"])
    if moved:
        round_ = domain.latest_round(get_store(), activity["id"])
        group = set(group) | {m["delegate_id"] for m in
                              domain.members(get_store(), round_["id"], of=sorted(moved))}
    _changed(activity, group)
    return {"swapped": bool(moved)}


@tap("connect:cant_find", **CARD)
def cant_find(conn, args):
    """Phone: "I can't find them" -> ack {regroup_at}; regrouped once the grace period ends."""
    activity, number = _card(args)
    regroup_at = domain.cant_find(get_store(), activity["id"], conn.delegate_id, number)
    affected = {conn.delegate_id}
    if now() >= regroup_at:
        round_ = domain.latest_round(get_store(), activity["id"])
        affected |= domain.regroup_due(get_store(), conn.workshop_id, round_, activity["config"])
    _changed(activity, affected)
    return {"regroup_at": regroup_at}


@tap("connect:sit_out", sitting_out=Bool(label="Sitting out"))
def sit_out(conn, args):
    """Phone: "I'm sitting this one out" {sitting_out: true} or "back again" (false)."""
    activity = args["activity"]
    affected = domain.set_sitting_out(get_store(), conn.workshop_id, activity,
                                      conn.delegate_id, args["sitting_out"])
    _changed(activity, affected)
    return {}


@tap("connect:contact", contact=Text(label="Your contact details", max_len=120,
                                    required=False))
def contact(conn, args):
    """Phone shares {contact} (an email or phone number) with people met who share too.

    An empty contact stops sharing. The phones of the people met get `mine`.
    """
    activity, value, delegate_id = args["activity"], args["contact"], conn.delegate_id
    domain.save_contact(get_store(), conn.workshop_id, delegate_id, value or None)
    met = views.met_lists(get_store(), conn.workshop_id, activity, [delegate_id])[delegate_id]
    _changed(activity, {delegate_id} | {m["id"] for m in met})
    return {"contact": value}
