"""The live state every screen renders from, and the one step that announces it.

Each screen sees the live activity through its kind's projection for its role
(`Kind.view`, `Kind.mine`): the snapshot on connect and every update below are
built by the same calls, so a screen that reconnects and one that saw every
update show the same.

Events (see docs/PROTOCOL.md): `live` (the whole live state of a role);
`view` (an activity's view again: whole, or with `patch` naming collections of
which it holds only the items that changed, and `removed` the ids of those
gone); and `mine` (one delegate's own view, to their phones alone).
"""
import json
import threading

from flask import request

from .. import plugins
from ..extensions import get_cluster, get_store, socketio
from ..hookspecs import ROLES, Change
from ..realtime import coalesced, delegate_room, every_beat, mark, registry, room
from ..realtime import emit as emit_to
from ..workshops import domain as workshops
from . import domain

# The room each role's screens are in.
AUDIENCE = {"facilitator": "facilitator", "panel": "panel", "screen": "screen",
            "delegate": "delegates"}


def state(store, workshop: dict, role: str, activity: dict | None = None) -> dict:
    """The live state a screen of `role` renders from (`live`, and `snapshot.live`)."""
    if activity is None:
        activity = domain.live_activity(store, workshop)
    shown, extra = None, {}
    if activity is not None:
        kind = plugins.KINDS[activity["kind"]]
        shown = {"id": activity["id"], "kind": activity["kind"], "title": activity["title"],
                 **kind.view(store, activity, role)}
        if role == "delegate":
            same, mine = kind.mine_for_all(store, activity)
            if same:  # every phone's own view is this: none needs to ask (`live:mine`)
                extra["mine"] = mine
    return {"activity": shown, "since": workshop["live_since"],
            "version": workshop["state_version"], **extra}


def mine(store, workshop: dict, delegate_id: int) -> dict:
    """One delegate's own view of what is live: {activity_id, mine}."""
    activity = domain.live_activity(store, workshop)
    if activity is None:
        return {"activity_id": None, "mine": None}
    return {"activity_id": activity["id"],
            "mine": plugins.KINDS[activity["kind"]].mine(store, activity, delegate_id)}


def own_change(conn, activity: dict, **change) -> dict:
    """After a phone changed its delegate's own view (an answer, a vote): announce the
    change, the delegate's other phones getting `mine`; return {"mine"} for the ack,
    which the phone applies as it would `mine`."""
    announce(Change(activity, people={conn.delegate_id}, skip=request.sid, **change))
    return {"mine": plugins.KINDS[activity["kind"]].mine(get_store(), activity,
                                                         conn.delegate_id)}


def _send_each(event: str, workshop_id: int, payloads: dict):
    """Send each role its payload, once per different payload (rooms in one `to`)."""
    by_text: dict[str, list[str]] = {}
    for role, payload in payloads.items():
        text = json.dumps(payload, sort_keys=True)
        by_text.setdefault(text, []).append(room(workshop_id, AUDIENCE[role]))
        # What a role's screens last got whole, to send nothing when it is unchanged.
        _last[(workshop_id, role)] = text if event == "live" else None
    for text, rooms in by_text.items():
        emit_to(event, json.loads(text), to=rooms if len(rooms) > 1 else rooms[0])


def send_live(workshop_id: int):
    """Tell every screen of a workshop what is live now (after the kind's `on_live`)."""
    store = get_store()
    workshop = workshops.get(store, workshop_id)
    activity = domain.live_activity(store, workshop)
    if activity is not None:
        plugins.KINDS[activity["kind"]].on_live(store, workshop, activity)
    _send_each("live", workshop_id,
               {role: state(store, workshop, role, activity) for role in ROLES})


def _changed_roles(workshop: dict, activity: dict, roles) -> dict:
    """The live state of each role whose screens it would change (all of them when
    several processes share the event: another may have sent something since)."""
    store, shared = get_store(), get_cluster().shared
    out = {}
    for role in roles:
        live = state(store, workshop, role, activity)
        if shared or _last.get((workshop["id"], role)) != json.dumps(live, sort_keys=True):
            out[role] = live
    return out


def announce(change: Change):
    """Send each screen its projection of what a change did: at once, or with the
    next beat (coalesced) if `change.soon`."""
    activity = change.activity
    if change.soon:
        with _lock:
            key = (activity["workshop_id"], activity["id"])
            _pending[key] = merge(_pending.get(key), change)
        mark("changes", activity["workshop_id"])
        return
    store = get_store()
    workshop = workshops.get(store, activity["workshop_id"])
    activity = domain.get_activity(store, workshop["id"], activity["id"])  # as it is now
    kind = plugins.KINDS[activity["kind"]]
    live = workshop["live_activity_id"] == activity["id"]
    if change.items is None and live:
        _send_each("live", workshop["id"], _changed_roles(workshop, activity, ROLES))
    elif change.items is None:
        # Control screens and panels follow an activity they may act on before it is live.
        _send_each("view", workshop["id"], {
            role: {"activity_id": activity["id"], "view": kind.view(store, activity, role)}
            for role in ("facilitator", "panel")})
    elif change.items:
        payloads = {}
        for role in ROLES if live else ("facilitator", "panel"):
            view = kind.view(store, activity, role, only=change.items)
            removed = {key: sorted(set(ids) - {item["id"] for item in view[key]})
                       for key, ids in change.items.items()}
            payloads[role] = {"activity_id": activity["id"], "view": view,
                              "patch": sorted(change.items), "removed": removed}
        _send_each("view", workshop["id"], payloads)
    people = change.people
    if change.skip and people and not get_cluster().shared:
        # Nobody but the sender, who has it in its ack: nothing to send.
        people = {d for d in people
                  if registry.sids_of(workshop["id"], d) not in ([], [change.skip])}
    if live and people != set():
        for delegate_id, own in kind.mine_of(store, activity, people).items():
            socketio.emit("mine", {"activity_id": activity["id"], "mine": own},
                          to=delegate_room(delegate_id), skip_sid=change.skip)


def merge(earlier: Change | None, later: Change) -> Change:
    """One change that does what two did."""
    if earlier is None:
        return later
    if earlier.items is None or later.items is None:
        items = None
    else:
        items = {k: sorted(set(earlier.items.get(k, ())) | set(later.items.get(k, ())))
                 for k in earlier.items.keys() | later.items.keys()}
    people = None if earlier.people is None or later.people is None \
        else earlier.people | later.people
    return Change(later.activity, items, people, soon=False,
                  skip=earlier.skip if earlier.skip == later.skip else None)


_pending: dict[tuple[int, int], Change] = {}
_lock = threading.Lock()
_last: dict[tuple[int, str], str | None] = {}  # (workshop, role) -> the last whole `live`


@coalesced("changes")
def send_changes(workshop_id: int):
    """Send a workshop's coalesced changes, once a beat."""
    with _lock:
        due = [_pending.pop(key) for key in [k for k in _pending if k[0] == workshop_id]]
    for change in due:
        change.soon = False
        announce(change)


@every_beat
def ticks():
    """Each kind's timers (in the one process that runs them), then their changes."""
    store = get_store()
    for tick in plugins.each_once("tick"):
        for change in tick(store):
            announce(change)


def arrived(workshop_id: int, delegate_id: int):
    """A joined delegate's phone is here: the live activity may include them."""
    store = get_store()
    activity = domain.live_activity(store, workshops.get(store, workshop_id))
    if activity is not None:
        change = plugins.KINDS[activity["kind"]].on_arrival(store, activity, delegate_id)
        if change is not None:
            announce(change)


def reset():
    """Forget pending changes and what was sent (a fresh process, as in tests)."""
    with _lock:
        _pending.clear()
    _last.clear()
