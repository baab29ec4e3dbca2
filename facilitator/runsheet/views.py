"""What each screen is sent of the run sheet and the live state."""
from ..store import Store
from . import domain
from .kinds import KINDS


def activity(a: dict) -> dict:
    """An activity as the control screen edits it."""
    return {"id": a["id"], "kind": a["kind"], "title": a["title"],
            "position": a["position"], "config": a["config"], "updated_at": a["updated_at"]}


def runsheet(store: Store, workshop_id: int) -> list[dict]:
    """The whole run sheet for the control screen."""
    return [activity(a) for a in domain.list_activities(store, workshop_id)]


def outline(store: Store, workshop_id: int) -> list[dict]:
    """The run sheet without settings, for panel screens."""
    return [{"id": a["id"], "kind": a["kind"], "title": a["title"]}
            for a in domain.list_activities(store, workshop_id)]


def live(store: Store, workshop: dict) -> dict:
    """The live state every screen renders from."""
    current = domain.live_activity(store, workshop)
    shown, extra = None, {}
    if current is not None:
        kind = KINDS[current["kind"]]
        shown = {"id": current["id"], "kind": current["kind"], "title": current["title"],
                 **kind.public(store, current)}
        same, mine = kind.mine_for_all(store, current)
        if same:  # every phone's own view is this: none needs to ask (`live:mine`)
            extra["mine"] = mine
    return {"activity": shown, "since": workshop["live_since"],
            "version": workshop["state_version"], **extra}
