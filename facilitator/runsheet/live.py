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
    return states(store, workshop, (role,), activity)[role]


def states(store, workshop: dict, roles, activity: dict | None = None) -> dict:
    """`state` of each of `roles`, by role (the kind's views made together)."""
    if activity is None:
        activity = domain.live_activity(store, workshop)
    out = {role: {"activity": None, "since": workshop["live_since"],
                  "version": workshop["state_version"]} for role in roles}
    if activity is None:
        return out
    kind = plugins.of(activity)
    for role, view in kind.views(store, activity, roles).items():
        out[role]["activity"] = {"id": activity["id"], "kind": activity["kind"],
                                 "title": activity["title"], **view}
    if "delegate" in out:
        same, mine = kind.mine_for_all(store, activity)
        if same:  # every phone's own view is this: none needs to ask (`live:mine`)
            out["delegate"]["mine"] = mine
    return out


def mine(store, workshop: dict, delegate_id: int) -> dict:
    """One delegate's own view of what is live: {activity_id, mine}."""
    activity = domain.live_activity(store, workshop)
    if activity is None:
        return {"activity_id": None, "mine": None}
    return {"activity_id": activity["id"],
            "mine": plugins.of(activity).mine(store, activity, delegate_id)}


def own_change(conn, activity: dict, mine=None, **change) -> dict:
    """After a phone changed its delegate's own view (an answer, a vote): announce the
    change, the delegate's other phones getting `mine`; return {"mine"} for the ack,
    which the phone applies as it would `mine` (`mine`: that view, if the handler
    has it at hand). With no other phone (and one process, which knows), only the
    change's `items`, if any, are for others to see."""
    alone = not get_cluster().shared and \
        registry.phones_here(conn.workshop_id, conn.delegate_id) <= 1
    if not alone or change.get("items"):
        announce(Change(activity, people=set() if alone else {conn.delegate_id},
                        skip=request.sid, **change))
    if mine is None:
        mine = plugins.of(activity).mine(get_store(), activity, conn.delegate_id)
    return {"mine": mine}


def _send_each(event: str, workshop_id: int, payloads: dict, unless_unchanged=False):
    """Send each role its payload, once per different payload (rooms in one `to`).
    `unless_unchanged`: leave out a role whose screens already hold this `live` (unless
    several processes share the event: another may have sent something since)."""
    skip_same = unless_unchanged and not get_cluster().shared
    by_text: dict[str, tuple[dict, list[str]]] = {}
    for role, payload in payloads.items():
        text = json.dumps(payload, sort_keys=True)
        last = _last.get((workshop_id, role))
        # A `live` that only leaves out the `mine` every phone was given (last[1]) is
        # nothing new: each phone holds its own (it answered since, or it holds that one).
        if skip_same and last and text in last:
            continue
        by_text.setdefault(text, (payload, []))[1].append(room(workshop_id, AUDIENCE[role]))
        if event == "live":
            # What the role's screens now hold whole, to send nothing when it is unchanged.
            _last[(workshop_id, role)] = (text, text if "mine" not in payload else json.dumps(
                {k: v for k, v in payload.items() if k != "mine"}, sort_keys=True))
            shown = payload["activity"] and payload["activity"]["id"]
        else:
            _last[(workshop_id, role)] = None
            shown = None if "patch" in payload else payload["activity_id"]
        _rest.pop((shown, role), None)  # a whole view: its rest goes with the next patch
    for payload, rooms in by_text.values():
        emit_to(event, payload, to=rooms if len(rooms) > 1 else rooms[0])


def send_live(workshop_id: int):
    """Tell every screen of a workshop what is live now (after the kind's `on_live`)."""
    store = get_store()
    workshop = workshops.get(store, workshop_id)
    activity = domain.live_activity(store, workshop)
    if activity is not None:
        plugins.of(activity).on_live(store, workshop, activity)
    _send_each("live", workshop_id, states(store, workshop, ROLES, activity))


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
    kind = plugins.of(activity)
    live = workshop["live_activity_id"] == activity["id"]
    if change.items is None and live:
        _send_each("live", workshop["id"], states(store, workshop, ROLES, activity),
                   unless_unchanged=True)
    elif change.items is None:
        # Control screens and panels follow an activity they may act on before it is live.
        _send_each("view", workshop["id"], {
            role: {"activity_id": activity["id"], "view": view}
            for role, view in kind.views(store, activity, ("facilitator", "panel")).items()})
    elif change.items:
        payloads, shared = {}, get_cluster().shared
        for role, view in kind.views(store, activity, ROLES if live else ("facilitator", "panel"),
                                     only=change.items).items():
            removed = {key: sorted(set(ids) - {item["id"] for item in view[key]})
                       for key, ids in change.items.items()}
            # The rest of the view goes with the items only when it changed since the
            # role's screens last got it (a vote changes one question, not the settings).
            rest = json.dumps({k: v for k, v in view.items() if k not in change.items},
                              sort_keys=True)
            if not shared and _rest.get((activity["id"], role)) == rest:
                view = {key: view[key] for key in change.items}
            _rest[(activity["id"], role)] = rest
            payloads[role] = {"activity_id": activity["id"], "view": view,
                              "patch": sorted(change.items), "removed": removed}
        _send_each("view", workshop["id"], payloads)
    if live and change.people != set():
        for delegate_id, own in kind.mine_of(store, activity, change.people).items():
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
# (workshop, role) -> the last whole `live` as text, and as text without its `mine`
_last: dict[tuple[int, str], tuple[str, str] | None] = {}
# (activity, role) -> the last rest of a view sent with a patch (see announce)
_rest: dict[tuple[int, str], str] = {}


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
        change = plugins.of(activity).on_arrival(store, activity, delegate_id)
        if change is not None:
            announce(change)


def reset():
    """Forget pending changes and what was sent (a fresh process, as in tests)."""
    with _lock:
        _pending.clear()
    _last.clear()
    _rest.clear()
