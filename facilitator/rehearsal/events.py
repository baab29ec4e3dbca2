"""Socket.IO events for filling a workshop with simulated phones and clearing them."""
from flask import current_app, request

from ..cluster import everywhere
from ..extensions import get_store
from ..hookspecs import Change
from ..realtime import emit, handler, mark, room
from ..runsheet import domain as runsheet
from ..runsheet.live import announce, send_live
from ..validation import Choice, Int
from ..workshops import domain as workshops
from ..workshops.events import drop_phones, roster_imported
from . import domain, runner

MOST_PHONES = 2000


def _loopback(host: str) -> str:
    """Where the crowd reaches this very server: loopback, unless it listens on one
    address only."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"[{host}]" if ":" in host else host


def _tell(workshop_id: int):
    emit("rehearsal", runner.status(get_store(), workshop_id),
         to=room(workshop_id, "facilitator"))


@handler("rehearsal:start", roles=("facilitator",), fields={
    "phones": Int(label="Simulated phones", low=1, high=MOST_PHONES),
    "people": Choice(label="Who they are", options=("made_up", "roster"), default="made_up"),
    "seconds": Int(label="Seconds to join over", low=0, high=600, required=False,
                   default=20)})
def start(conn, args):
    """Facilitator fills the workshop with {phones} simulated delegates (organisations and
    roles from the roster, or made up) joining over {seconds} -> ack {rehearsal}.

    They answer prompts, ask and vote, and take part in Connect rounds as a room of
    real phones would; they are marked `simulated`, left out of reports and exports.
    Control screens get `rehearsal`.
    """
    workshop = workshops.get(get_store(), conn.workshop_id)
    secret = domain.new_secret(get_store(), workshop["id"])
    url = f"http://{_loopback(current_app.config['HOST'])}:" \
          f"{request.environ.get('SERVER_PORT') or current_app.config['PORT']}"
    runner.start(workshop, url, secret, args["phones"],
                 runner.people(get_store(), workshop["id"], args["people"]), args["seconds"])
    _tell(workshop["id"])
    return {"rehearsal": runner.status(get_store(), workshop["id"])}


@handler("rehearsal:stop", roles=("facilitator",))
def stop(conn, args):
    """Facilitator ends the rehearsal: its crowd stops, and every simulated delegate is
    removed with all they sent -> ack {removed}. Their phones are disconnected; control
    screens get `delegates` and `rehearsal`; every screen gets `live` and `presence`
    again, and every phone its own view (`mine`: a Connect card without them)."""
    stop_crowd(conn.workshop_id)
    ids = domain.remove_simulated(get_store(), conn.workshop_id)
    if ids:
        drop_phones(conn.workshop_id, ids)
        roster_imported(conn.workshop_id)
        send_live(conn.workshop_id)
        activity = runsheet.live_activity(get_store(), workshops.get(get_store(),
                                                                     conn.workshop_id))
        if activity is not None:
            announce(Change(activity, items={}, people=None))
        # Their phones may have gone (the crowd stopped) before they were removed: the
        # count of those who joined changes now.
        mark("presence", conn.workshop_id)
    _tell(conn.workshop_id)
    return {"removed": len(ids)}


@everywhere
def stop_crowd(workshop_id: int):
    """Stop the workshop's crowd, in whichever process runs it."""
    runner.stop(workshop_id)
