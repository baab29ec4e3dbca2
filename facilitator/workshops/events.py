"""Socket.IO events for connecting screens, joining, and the workshop itself."""
import time

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from ..extensions import get_store, socketio
from ..cluster import everywhere
from ..realtime import (Connection, coalesced, delegate_room, emit, handler,
                        quotas, registry, room, start_heartbeat)
from ..validation import (Bool, Choice, Id, Int, Problem, Raw, Text, TextList,
                          name_skeleton, text)
from ..rehearsal import domain as rehearsal
from ..runsheet.live import arrived
from . import domain, organisations, views

# Field lengths shared with the join form.
NAME_MAX, ORGANISATION_MAX, ROLE_MAX, TITLE_MAX = 80, 120, 80, 120


@socketio.on("connect")
def on_connect(auth=None):
    """Any screen connects. auth: {role, code, token, rehearsal?} for phones (`rehearsal`:
    the workshop's rehearsal secret, for its simulated phones), {role, key} for others.

    The caller alone receives `snapshot`; a refused connection gets a
    connect_error whose message is `bad_auth`, `unknown_code` or `invalid_link`
    (phones also `room_full`, `too_many_attempts` or `rate_limited`).
    """
    auth = auth if isinstance(auth, dict) else {}
    role = auth.get("role")
    db = get_store()
    extra = {}
    if role == "delegate":
        # The cap is on phones: pages, /healthz and the other screens keep the room
        # the server holds beyond it (see serving.reserve), so the facilitator can
        # still run a full room.
        if registry.sockets("delegate") >= current_app.config["MAX_CONNECTIONS"]:
            raise ConnectionRefusedError("room_full")
        try:
            workshop = domain.by_code_from(db, auth.get("code"), request.remote_addr)
        except Problem:
            raise ConnectionRefusedError("too_many_attempts")
        if workshop is None:
            raise ConnectionRefusedError("unknown_code")
        token = auth.get("token")
        delegate = domain.delegate_by_token(db, workshop["id"], token) if token else None
        if delegate and quotas.banned(workshop["id"], delegate["id"]):
            raise ConnectionRefusedError("rate_limited")
        conn = Connection(workshop["id"], role, delegate["id"] if delegate else None,
                          simulated=rehearsal.is_rehearsal(workshop, auth.get("rehearsal")))
        extra["token_status"] = "ok" if delegate else ("unknown" if token else "none")
    elif role == "facilitator":
        workshop = domain.by_facilitator_key(db, auth.get("key"))
        if workshop is None:
            raise ConnectionRefusedError("invalid_link")
        conn = Connection(workshop["id"], role, facilitator_key=auth["key"])
    elif role in ("panel", "screen"):
        workshop = domain.by_screen_key(db, role, auth.get("key"))
        if workshop is None:
            raise ConnectionRefusedError("invalid_link")
        conn = Connection(workshop["id"], role)
    else:
        raise ConnectionRefusedError("bad_auth")
    join_room(room(workshop["id"]))
    join_room(room(workshop["id"], "delegates" if role == "delegate" else role))
    if conn.delegate_id is not None:
        join_room(delegate_room(conn.delegate_id))
    registry.add(request.sid, conn)
    start_heartbeat(current_app._get_current_object())
    if conn.delegate_id is not None:
        arrived(workshop["id"], conn.delegate_id)
    emit("snapshot", views.snapshot(db, conn, workshop, **extra), to=request.sid)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    """A screen went away; presence catches up on the next tick."""
    registry.remove(request.sid)


@coalesced("presence")
def send_presence(workshop_id: int):
    """Broadcast a workshop's presence after its online set changed."""
    online = registry.online(workshop_id)
    counts = views.presence(get_store(), workshop_id, online)
    emit("presence", {**counts, "online_ids": sorted(online)},
         to=room(workshop_id, "facilitator"))
    emit("presence", counts, to=room(workshop_id, "screen"))


def _resend_snapshot(conn: Connection, workshop: dict, sid: str, **extra):
    emit("snapshot", views.snapshot(get_store(), conn, workshop, **extra), to=sid)


def _delegate_changed(workshop_id: int, delegate: dict):
    """Tell control screens about one delegate's new details."""
    emit("delegate", views.delegate(delegate, registry.online(workshop_id),
                                    organisations.namer(get_store(), workshop_id)),
         to=room(workshop_id, "facilitator"))


def _identified(conn: Connection, delegate: dict, token: str) -> dict:
    """Bind this phone to a delegate and answer with its token."""
    registry.identify(request.sid, delegate["id"])
    join_room(delegate_room(delegate["id"]))
    _delegate_changed(conn.workshop_id, delegate)
    arrived(conn.workshop_id, delegate["id"])
    workshop = domain.get(get_store(), conn.workshop_id)
    # The token rides in this snapshot too: it may arrive before the ack does.
    _resend_snapshot(conn, workshop, request.sid, token_status="ok", token=token)
    return {"token": token, "me": views.me(delegate)}


def _unjoined(conn: Connection):
    if conn.delegate_id is not None:
        raise Problem("already_joined", "This phone has already joined the workshop.")


DELEGATE = {"delegate_id": Id(label="That delegate")}


@handler("delegate:join", roles=("delegate",), fields={
    # Names are cleaned of invisible characters: "Ann Lee" followed by a zero-width
    # space is Ann Lee, and a name of fillers alone is no name.
    "name": Raw(label="Your name"),
    "organisation": Text(label="Your organisation", max_len=ORGANISATION_MAX, name=True),
    "role": Text(label="Your role", max_len=ROLE_MAX, required=False, name=True)})
def delegate_join(conn, args):
    """Phone joins as a walk-in: {name, organisation, role} -> ack {token, me}.

    The phone then receives a fresh `snapshot`; control screens get `delegate`.
    """
    _unjoined(conn)
    workshop = domain.get(get_store(), conn.workshop_id)
    name = text(args, "name", "Your name", max_len=NAME_MAX,
                required=bool(workshop["require_name"]), name=True)
    if name and not name_skeleton(name):
        raise Problem("invalid", "Your name needs at least one letter or digit.", "name")
    if conn.simulated:  # a rehearsal fills the room whatever the doors and limits
        delegate, token = domain.join(get_store(), workshop, name, args["organisation"],
                                      args["role"], source=rehearsal.SIMULATED)
        return _identified(conn, delegate, token)
    domain.admit(workshop, current_app.config["JOIN_LIMIT"], request.remote_addr,
                 walk_in=True)
    delegate, token = domain.join(get_store(), workshop, name, args["organisation"],
                                  args["role"])
    return _identified(conn, delegate, token)


@handler("delegate:claim", roles=("delegate",), fields=DELEGATE)
def delegate_claim(conn, args):
    """Phone claims a roster entry ("that's me"): {delegate_id} -> ack {token, me}."""
    _unjoined(conn)
    if conn.simulated:
        raise Problem("forbidden", "A rehearsal's phone joins as a simulated delegate, "
                                   "never as someone on the roster.")
    workshop = domain.get(get_store(), conn.workshop_id)
    domain.admit(workshop, current_app.config["JOIN_LIMIT"], request.remote_addr,
                 walk_in=False)
    delegate, token = domain.claim(get_store(), workshop, args["delegate_id"])
    return _identified(conn, delegate, token)


@handler("roster:search", roles=("delegate",),
         fields={"q": Text(label="The search", max_len=NAME_MAX, required=False, name=True)})
def roster_search(conn, args):
    """Phone looks itself up on the roster: {q} -> ack {matches: [...]}."""
    matches = domain.search_roster(get_store(), conn.workshop_id, args["q"])
    return {"matches": [views.roster_match(d) for d in matches]}


@handler("delegate:leave", roles=("delegate",), joined=True)
def delegate_leave(conn, args):
    """Phone gives up its identity ("not me"); the name becomes claimable again."""
    _release(conn.workshop_id, conn.delegate_id, reason="left")
    return {}


def _release(workshop_id: int, delegate_id: int, reason: str):
    """Free a delegate's name and send each of their phones back to the join form."""
    delegate = domain.release(get_store(), workshop_id, delegate_id)
    unjoin_phones(workshop_id, delegate_id, reason)
    _delegate_changed(workshop_id, delegate)


@everywhere
def unjoin_phones(workshop_id: int, delegate_id: int, reason: str):
    """Each phone of a released delegate, in any process, returns to the join form."""
    workshop = domain.get(get_store(), workshop_id)
    for sid in registry.sids_of(workshop_id, delegate_id):
        leave_room(delegate_room(delegate_id), sid=sid, namespace="/")
        registry.identify(sid, None)
        conn = registry.get(sid)
        if conn is not None:
            _resend_snapshot(conn, workshop, sid, token_status=reason)


@handler("delegate:release", roles=("facilitator",), fields=DELEGATE)
def delegate_release(conn, args):
    """Facilitator frees a claimed name: {delegate_id}. Its phones return to the join form."""
    _release(conn.workshop_id, args["delegate_id"], reason="released")
    return {}


REMOVED_MESSAGE = "The facilitator has removed you from this workshop."


@handler("delegate:remove", roles=("facilitator",), fields=DELEGATE)
def delegate_remove(conn, args):
    """Facilitator removes a delegate: {delegate_id}. Their phones get `delegate:removed`
    and are disconnected; the name cannot be claimed again until released."""
    delegate = domain.remove(get_store(), conn.workshop_id, args["delegate_id"])
    emit("delegate:removed", {"message": REMOVED_MESSAGE}, to=delegate_room(delegate["id"]))
    drop_phones(conn.workshop_id, [delegate["id"]])
    _delegate_changed(conn.workshop_id, delegate)
    return {"delegate": views.delegate(delegate, registry.online(conn.workshop_id),
                                       organisations.namer(get_store(), conn.workshop_id))}


@handler("delegate:remove_walk_ins", roles=("facilitator",), fields={
    "minutes": Int(label="The minutes", low=1, high=24 * 60),
    "dry_run": Bool(label="Only count", default=False)})
def delegate_remove_walk_ins(conn, args):
    """Facilitator removes, at once, every walk-in who joined in the last {minutes}
    (1-1440) and has never taken part: a burst of fake joins. With {dry_run: true}
    nothing changes. Ack {removed: how many}; control screens get `delegates`."""
    minutes, dry_run = args["minutes"], args["dry_run"]
    registry.store_took_part()  # who took part this last moment counts too
    ids = domain.remove_walk_ins(get_store(), conn.workshop_id, time.time() - 60 * minutes,
                                 dry_run)
    if ids and not dry_run:
        emit("delegate:removed", {"message": REMOVED_MESSAGE},
             to=[delegate_room(i) for i in ids])
        drop_phones(conn.workshop_id, ids)
        roster_imported(conn.workshop_id)
    return {"removed": len(ids), "dry_run": dry_run}


@everywhere
def drop_phones(workshop_id: int, delegate_ids: list[int]):
    """Disconnect each phone of some delegates, in any process."""
    wanted = set(delegate_ids)
    for sid, other in list(registry.connections.items()):
        if other.workshop_id == workshop_id and other.delegate_id in wanted:
            registry.identify(sid, None)
            socketio.server.disconnect(sid, namespace="/")
    registry.forget(workshop_id, wanted)


@handler("workshop:update", roles=("facilitator",), fields={
    "doors": Choice(label="Who may join", options=domain.DOORS, optional=True),
    "title": Text(label="The title", max_len=TITLE_MAX, optional=True),
    "require_name": Bool(label="Require names", optional=True)})
def workshop_update(conn, args):
    """Facilitator changes {title?, require_name?, doors?}; every screen gets `workshop`."""
    changes = {k: int(v) if k == "require_name" else v for k, v in args.items()}
    workshop = domain.update_settings(get_store(), conn.workshop_id, changes)
    emit("workshop", views.workshop_public(workshop), to=room(conn.workshop_id))
    return {"workshop": views.workshop_public(workshop)}


@handler("link:regenerate", roles=("facilitator",),
         fields={"screen": Raw(label="The screen")})
def link_regenerate(conn, args):
    """Facilitator replaces the panel or projector link: {screen: "panel"|"screen"}.

    Screens on the old link receive `revoked` and are disconnected; control
    screens receive `links`.
    """
    screen = args["screen"]
    workshop = domain.regenerate_link(get_store(), domain.get(get_store(), conn.workshop_id),
                                      conn.facilitator_key, screen)
    links = views.links(workshop, conn.facilitator_key)
    emit("revoked", {"message": "This link has been replaced by the facilitator."},
         to=room(conn.workshop_id, screen))
    drop_screens(conn.workshop_id, screen)
    emit("links", links, to=room(conn.workshop_id, "facilitator"))
    return {"links": links}


@everywhere
def drop_screens(workshop_id: int, role: str | None = None):
    """Disconnect a workshop's screens of one role, or all of them (a deleted
    workshop, then forgotten), in any process."""
    for sid, other in list(registry.connections.items()):
        if other.workshop_id == workshop_id and role in (None, other.role):
            socketio.server.disconnect(sid, namespace="/")
    if role is None:
        registry.forget(workshop_id)


def roster_imported(workshop_id: int):
    """After an import over HTTP, or many removed at once: control screens get the
    whole `delegates` list."""
    emit("delegates", views.delegates(get_store(), workshop_id, registry.online(workshop_id)),
         to=room(workshop_id, "facilitator"))


@handler("screen:blank", roles=("facilitator",),
         fields={"blank": Bool(label="Blank", default=True)})
def blank(conn, args):
    """Facilitator blanks (or restores) the projector: {blank}; everyone gets `workshop`."""
    on = args["blank"]
    workshop = domain.update_settings(get_store(), conn.workshop_id, {"screen_blank": int(on)})
    emit("workshop", views.workshop_public(workshop), to=room(conn.workshop_id))
    return {"blank": on}


# --- organisation names: one organisation however it is typed ------------------

@handler("organisation:suggest", roles=("delegate",), fields={
    "q": Text(label="The organisation", max_len=ORGANISATION_MAX, required=False, name=True)})
def organisation_suggest(conn, args):
    """Phone's join form asks which organisations it may mean: {q} -> ack {names}
    (organisation names only, merged variants under their one name; ≤6)."""
    return {"names": organisations.suggest(get_store(), conn.workshop_id, args["q"])}


@handler("delegate:organisation_variants", roles=("facilitator",))
def organisation_variants(conn, args):
    """Facilitator asks which names look like one organisation: {} -> ack
    {suggestions, merged} (as the snapshot's `organisations`)."""
    return views.organisation_variants(get_store(), conn.workshop_id)


ORGANISATION = Text(label="The organisation", max_len=organisations.MAX_NAME, name=True)


@handler("delegate:merge_organisations", roles=("facilitator",), fields={
    "names": TextList(label="The names to merge", max_items=organisations.MAX_NAMES,
                      max_len=organisations.MAX_NAME),
    "canonical": ORGANISATION})
def merge_organisations(conn, args):
    """Facilitator merges organisation names: {names: [2-50 names present here],
    canonical: one of them} -> ack {merged: {canonical, variants}, organisations}.
    Control screens get `delegates`; grouping, the map and the report count them as one."""
    merged = organisations.merge(get_store(), conn.workshop_id, args["names"],
                                 args["canonical"])
    roster_imported(conn.workshop_id)
    return {"merged": merged,
            "organisations": views.organisation_variants(get_store(), conn.workshop_id)}


@handler("delegate:unmerge_organisation", roles=("facilitator",),
         fields={"organisation": ORGANISATION})
def unmerge_organisation(conn, args):
    """Facilitator undoes the merges into {organisation} -> ack {unmerged: how many
    names, organisations}. Control screens get `delegates`."""
    undone = organisations.unmerge(get_store(), conn.workshop_id, args["organisation"])
    if undone:
        roster_imported(conn.workshop_id)
    return {"unmerged": undone,
            "organisations": views.organisation_variants(get_store(), conn.workshop_id)}
