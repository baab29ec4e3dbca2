"""What each screen is sent of the run sheet and the live state."""
from ..store import Store
from . import domain


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
