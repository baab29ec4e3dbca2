"""Socket.IO events for answering prompts and running them from the control screen."""
from .. import store
from ..realtime import coalesced, emit, every_beat, handler, mark, room
from ..runsheet import domain as runsheet
from ..runsheet.events import send_live, when_live
from ..validation import Problem, boolean, choice, integer, text
from ..workshops import domain as workshops
from ..workshops import views as workshop_views
from . import domain, views
from .kinds import PROMPTS


def _live_prompt(workshop_id: int) -> dict:
    return runsheet.live_of(store(), workshops.get(store(), workshop_id), PROMPTS,
                            "There is no question to answer just now.")


def _named(conn, data) -> dict:
    return runsheet.activity_of(store(), conn.workshop_id, data.get("activity_id"), PROMPTS,
                                "a prompt")


@coalesced("prompt")
def send_results(workshop_id: int):
    """Results once a beat: to control screens always; to the projector when shown live;
    to everyone once revealed."""
    activity = runsheet.live_activity(store(), workshops.get(store(), workshop_id))
    if activity is None or activity["kind"] not in PROMPTS:
        return
    control = views.control(store(), activity)
    emit("control", control, to=room(workshop_id, "facilitator"))
    payload = {"activity_id": activity["id"], "results": control["results"]}
    if domain.state(store(), activity["id"])["revealed"]:
        emit("results", payload, to=room(workshop_id))
    elif activity["config"]["results"] == "live":
        emit("results", payload, to=room(workshop_id, "screen"))
        emit("results", payload, to=room(workshop_id, "panel"))


@handler("prompt:answer", roles=("delegate",), takes_part=True)
def answer(conn, data):
    """Phone answers the live prompt: {client_id, activity_id?, ...answer} -> ack {answer}.

    Poll {choices: [index], other?}, word cloud {entries: [text]}, scale {value},
    ready check {ready}. Changing an answer replaces it; a resent client_id applies once.
    """
    if conn.delegate_id is None:
        raise Problem("not_joined", "Join the workshop first.")
    named = data.get("activity_id")
    stored = _stored_before(conn, data, named)
    if stored is not None:
        return stored
    activity = _live_prompt(conn.workshop_id)
    if named is not None and named != activity["id"]:
        # Saved offline for a prompt that has moved on: never count it on another one.
        raise Problem("not_live", "That question has closed, so your answer was not counted.")
    client_id = text(data, "client_id", "The answer's id", max_len=64)
    value = PROMPTS[activity["kind"]].answer(activity["config"], data)
    current = domain.answer(store(), activity, conn.delegate_id, client_id, value)
    mark("prompt", conn.workshop_id)
    return {"answer": current}


def _stored_before(conn, data, named):
    """The ack for a resend of an answer already stored (its first ack was lost on the
    way), whatever is live now; None for anything else."""
    if isinstance(named, bool) or not isinstance(named, int):
        return None
    try:
        client_id = text(data, "client_id", "The answer's id", max_len=64)
    except Problem:
        return None
    if not domain.applied(store(), named, conn.delegate_id, client_id):
        return None
    return {"answer": domain.mine(store(), named, conn.delegate_id)}


@handler("prompt:close", roles=("facilitator",))
def close(conn, data):
    """Facilitator closes (or reopens) {activity_id, closed}; everyone gets `live`."""
    activity = _named(conn, data)
    domain.close(store(), activity["id"], boolean(data, "closed", "Closed", default=True))
    send_live(conn.workshop_id)
    mark("prompt", conn.workshop_id)
    return {}


@handler("prompt:timer", roles=("facilitator",))
def timer(conn, data):
    """Facilitator runs the countdown: {activity_id, action, seconds?}; everyone gets `live`.

    action: start (seconds, else the prompt's own), pause, resume, extend (±seconds), clear.
    """
    activity = _named(conn, data)
    action = choice(data, "action", "The timer action",
                    ("start", "pause", "resume", "extend", "clear"))
    seconds = integer(data, "seconds", "Seconds", low=-3600, high=3600, required=False,
                      default=0)
    row = domain.timer(store(), activity, action, seconds)
    send_live(conn.workshop_id)
    mark("prompt", conn.workshop_id)
    return {"deadline": row["deadline"], "paused_remaining": row["paused_remaining"]}


@handler("prompt:reveal", roles=("facilitator",))
def reveal(conn, data):
    """Facilitator shows (or hides) the results: {activity_id, revealed}; everyone gets `live`."""
    activity = _named(conn, data)
    domain.reveal(store(), activity["id"], boolean(data, "revealed", "Revealed", default=True))
    send_live(conn.workshop_id)
    return {}


@handler("screen:blank", roles=("facilitator",))
def blank(conn, data):
    """Facilitator blanks (or restores) the projector: {blank}; everyone gets `workshop`."""
    on = boolean(data, "blank", "Blank", default=True)
    workshop = workshops.update_settings(store(), conn.workshop_id, {"screen_blank": int(on)})
    emit("workshop", workshop_views.workshop_public(workshop), to=room(conn.workshop_id))
    return {"blank": on}


@every_beat
def tick():
    """Close prompts on the server's deadline; everyone sees "time's up"."""
    for activity_id in domain.close_expired(store()):
        row = store().one("select workshop_id from activities where id = ?", [activity_id])
        if row:
            send_live(row["workshop_id"])


@when_live
def on_live(workshop: dict, activity: dict | None):
    """A prompt opens when it first goes live."""
    if activity is not None and activity["kind"] in PROMPTS:
        domain.open_prompt(store(), activity)
