"""What each screen is shown of a prompt."""
from .. import plugins
from ..realtime import registry
from ..store import Store
from ..workshops import domain as workshops
from . import domain


def timing(row: dict) -> dict:
    """Open or closed, the deadline (server time) and a paused countdown."""
    return {"open": domain.is_open(row), "deadline": row["deadline"],
            "paused_remaining": row["paused_remaining"], "revealed": bool(row["revealed"])}


def view(store: Store, activity: dict, role: str, results=None) -> dict:
    """The prompt and its timing for every screen; its results for control screens
    always, for the projector and panels while shown live, for everyone once revealed.
    `results`: a function giving them, if they are counted already."""
    row = domain.state(store, activity["id"])
    kind = plugins.KINDS[activity["kind"]]
    in_room = bool(row["revealed"]) or activity["config"]["results"] == "live"
    shown = row["revealed"] or role == "facilitator" or (role != "delegate" and in_room)
    out = {**kind.public_settings(kind.settings_of(store, activity)), **timing(row),
           "results_mode": activity["config"]["results"],
           # Whether the projector shows the results: the control screen's preview
           # follows it.
           "results_shown": in_room,
           "results": (results or (lambda: kind.results(store, activity)))() if shown
           else None}
    if role == "facilitator":
        out["online"] = len(registry.online(activity["workshop_id"]))
    return out


def personal(store: Store, activity: dict, delegate_id: int) -> dict:
    """The phone's current answer (none if it was given by a released name's earlier
    holder)."""
    since = workshops.held_since(store, delegate_id) if delegate_id is not None else 0
    return {"answer": domain.mine(store, activity["id"], delegate_id, since)}
