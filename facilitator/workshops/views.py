"""What each screen is sent about a workshop and its delegates."""
import time

from ..realtime import Connection, registry
from ..rehearsal import runner
from ..rehearsal.domain import SIMULATED
from ..runsheet import live
from ..runsheet import views as runsheet_views
from ..store import Store
from . import domain, organisations


def workshop_public(workshop: dict) -> dict:
    """Workshop facts any screen may see."""
    return {"title": workshop["title"], "code": workshop["code"],
            "require_name": bool(workshop["require_name"]), "doors": workshop["doors"],
            "blank": bool(workshop["screen_blank"])}


def me(delegate: dict) -> dict:
    """A delegate as their own phone sees them."""
    return {"id": delegate["id"], "name": delegate["name"],
            "organisation": delegate["organisation"], "role": delegate["role"]}


def delegate(d: dict, online: set[int], name=None) -> dict:
    """A delegate as the control screen lists them: `organisation` as it is counted
    (see organisations.namer), `typed` as they gave it when that differs."""
    out = {**me(d), "sector": d["sector"], "source": d["source"],
           "joined": d["token_hash"] is not None, "online": d["id"] in online,
           "removed": d["removed_at"] is not None}
    if name is not None and (counted := name(d["organisation"])) != d["organisation"]:
        out.update(organisation=counted, typed=d["organisation"])
    return out


def delegates(store: Store, workshop_id: int, online: set[int]) -> list[dict]:
    """Every delegate as the control screen lists them."""
    name = organisations.namer(store, workshop_id)
    return [delegate(d, online, name) for d in domain.list_delegates(store, workshop_id)]


def organisation_variants(store: Store, workshop_id: int) -> dict:
    """For the control screen: names that look like one organisation, and the merges
    made."""
    return {"suggestions": organisations.merge_suggestions(store, workshop_id),
            "merged": organisations.merged(store, workshop_id)}


def roster_match(d: dict) -> dict:
    """An unclaimed roster entry offered to a phone ("that's me")."""
    return {"id": d["id"], "name": d["name"], "organisation": d["organisation"],
            "role": d["role"]}


def links(workshop: dict, facilitator_key: str) -> dict:
    """Paths of the current panel and projector links."""
    keys = domain.screen_keys(workshop, facilitator_key)
    return {"panel": f"/panel/{keys['panel']}", "screen": f"/screen/{keys['screen']}"}


def presence(store: Store, workshop_id: int, online: set[int] | None = None) -> dict:
    """Joined and connected-now counts, and how many of those joined are a rehearsal's
    simulated delegates."""
    online = registry.online(workshop_id) if online is None else online
    joined = store.one("select count(*) as n, coalesce(sum(source = ?), 0) as simulated "
                       "from delegates where workshop_id = ? and token_hash is not null",
                       [SIMULATED, workshop_id])
    return {"joined": joined["n"], "online": len(online), "simulated": joined["simulated"]}


def snapshot(store: Store, conn: Connection, workshop: dict, **extra) -> dict:
    """Everything a screen needs to draw itself from scratch after a (re)connect."""
    out = {"role": conn.role, "workshop": workshop_public(workshop),
           "live": live.state(store, workshop, conn.role), "server_time": time.time(),
           **extra}
    if conn.role == "delegate":
        if conn.delegate_id is not None:
            out["me"] = me(domain.get_delegate(store, workshop["id"], conn.delegate_id))
            out["live"]["mine"] = live.mine(store, workshop, conn.delegate_id)["mine"]
        else:
            out["me"] = None
            out["organisations"] = domain.organisations(store, workshop["id"])
    elif conn.role == "facilitator":
        online = registry.online(workshop["id"])
        out.update(
            runsheet=runsheet_views.runsheet(store, workshop["id"]),
            delegates=delegates(store, workshop["id"], online),
            organisations=organisation_variants(store, workshop["id"]),
            presence=presence(store, workshop["id"], online),
            links=links(workshop, conn.facilitator_key),
            rehearsal=runner.status(store, workshop["id"]))
    elif conn.role == "screen":
        out["presence"] = presence(store, workshop["id"])
    elif conn.role == "panel":
        out["runsheet"] = runsheet_views.outline(store, workshop["id"])
    return out
