"""Socket.IO events for answering prompts and running them from the control screen."""
from .. import plugins
from ..extensions import get_store
from ..hookspecs import Change
from ..realtime import handler
from ..runsheet import domain as runsheet
from ..runsheet.live import announce, own_change
from ..validation import Bool, Choice, Id, Int, Problem, Text
from . import domain
from .kinds import Prompt


def _named(conn, args) -> dict:
    return runsheet.activity_of(get_store(), conn.workshop_id, args["activity_id"],
                                plugins.of_type(Prompt), "a prompt")


PROMPT = {"activity_id": Id(label="That prompt")}


def _stored_before(conn, args):
    """The ack for a resend of an answer already stored (its first ack was lost on the
    way), whatever is live now; None for anything else."""
    named = args["activity_id"]
    if named is None or not domain.applied(get_store(), named, conn.delegate_id,
                                           args["client_id"]):
        return None
    return {"answer": domain.mine(get_store(), named, conn.delegate_id)}


@handler("prompt:answer", roles=("delegate",), joined=True, live=Prompt, takes_part=True,
         replay=_stored_before, rest=True,
         fields={"client_id": Text(label="The answer's id", max_len=64),
                 "activity_id": Id(label="That prompt", nullable=True)})
def answer(conn, args):
    """Phone answers the live prompt: {client_id, activity_id?, ...answer} -> ack {answer}.

    The answer's fields are the kind's (see docs/PROTOCOL.md, Prompts). Changing an
    answer replaces it; a resent client_id applies once.
    """
    activity = args["activity"]
    if args["activity_id"] is not None and args["activity_id"] != activity["id"]:
        # Saved offline for a prompt that has moved on: never count it on another one.
        raise Problem("not_live", "That question has closed, so your answer was not counted.")
    value = plugins.KINDS[activity["kind"]].check(get_store(), activity, args)
    current = domain.answer(get_store(), activity, conn.delegate_id, args["client_id"], value)
    announce(Change(activity, soon=True))  # the results
    return {"answer": current, **own_change(conn, activity, {"answer": current}, items={})}


@handler("prompt:close", roles=("facilitator",),
         fields={**PROMPT, "closed": Bool(label="Closed", default=True)})
def close(conn, args):
    """Facilitator closes (or reopens) {activity_id, closed}; every screen gets its view."""
    activity = _named(conn, args)
    domain.close(get_store(), activity["id"], args["closed"])
    announce(Change(activity))
    return {}


@handler("prompt:timer", roles=("facilitator",), fields={
    **PROMPT, "action": Choice(label="The timer action",
                               options=("start", "pause", "resume", "extend", "clear")),
    "seconds": Int(label="Seconds", low=-3600, high=3600, required=False, default=0)})
def timer(conn, args):
    """Facilitator runs the countdown: {activity_id, action, seconds?}; every screen gets
    its view.

    action: start (seconds, else the prompt's own), pause, resume, extend (±seconds), clear.
    """
    activity = _named(conn, args)
    row = domain.timer(get_store(), activity, args["action"], args["seconds"])
    announce(Change(activity))
    return {"deadline": row["deadline"], "paused_remaining": row["paused_remaining"]}


@handler("prompt:reveal", roles=("facilitator",),
         fields={**PROMPT, "revealed": Bool(label="Revealed", default=True)})
def reveal(conn, args):
    """Facilitator shows (or hides) the results: {activity_id, revealed}; every screen
    gets its view (phones the results once revealed)."""
    activity = _named(conn, args)
    domain.reveal(get_store(), activity["id"], args["revealed"])
    announce(Change(activity))
    return {}
