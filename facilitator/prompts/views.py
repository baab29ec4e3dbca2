"""What each screen is shown of a prompt."""
from ..realtime import registry
from ..runsheet.kinds import KINDS
from ..store import Store
from ..workshops import domain as workshops
from . import domain


def timing(row: dict) -> dict:
    """Open or closed, the deadline (server time) and a paused countdown."""
    return {"open": domain.is_open(row), "deadline": row["deadline"],
            "paused_remaining": row["paused_remaining"], "revealed": bool(row["revealed"])}


def results(store: Store, activity: dict) -> dict:
    """The counted answers."""
    kind = KINDS[activity["kind"]]
    tally = kind.tally(activity["config"], domain.values(store, activity["id"]))
    if activity["kind"] == "ready":
        tally["of"] = len(registry.online(activity["workshop_id"]))
    return tally


def public(store: Store, activity: dict) -> dict:
    """The prompt, its timing, and its results once revealed."""
    row = domain.state(store, activity["id"])
    kind = KINDS[activity["kind"]]
    return {**kind.public_settings(activity["config"]), **timing(row),
            "results_mode": activity["config"]["results"],
            "results": results(store, activity) if row["revealed"] else None}


def personal(store: Store, activity: dict, delegate_id: int) -> dict:
    """The phone's current answer (none if it was given by a released name's earlier
    holder)."""
    since = workshops.held_since(store, delegate_id) if delegate_id is not None else 0
    return {"answer": domain.mine(store, activity["id"], delegate_id, since)}


def control(store: Store, activity: dict) -> dict:
    """Results for control screens, always."""
    return {"activity_id": activity["id"], "results": results(store, activity),
            "online": len(registry.online(activity["workshop_id"]))}


def shown_results(store: Store, activity: dict):
    """{"activity_id", "results"} when the room may see them (live or revealed), else None."""
    row = domain.state(store, activity["id"])
    if activity["config"]["results"] == "live" or row["revealed"]:
        return {"activity_id": activity["id"], "results": results(store, activity)}
    return None
