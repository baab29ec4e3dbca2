"""Who is connected, as what, and the plumbing every Socket.IO handler shares.

Rooms: `workshop:<id>` (every screen of a workshop), `workshop:<id>:facilitator`,
`workshop:<id>:panel`, `workshop:<id>:screen`, `workshop:<id>:delegates` and
`delegate:<id>` (each phone of one delegate).
"""
import functools
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass

from flask import request

from .extensions import get_cluster, get_store, socketio
from .health import full_collections, loop_monitor
from .hookspecs import ROLES
from .store import why_not_saved
from .throttle import limiter, per
from .validation import Problem, parse, payload

log = logging.getLogger(__name__)


@dataclass
class Connection:
    """What the server knows of one socket."""

    workshop_id: int
    role: str
    delegate_id: int | None = None
    facilitator_key: str | None = None  # kept to show the panel/projector links
    simulated: bool = False  # a rehearsal's phone (see facilitator.rehearsal)


def room(workshop_id: int, audience: str | None = None) -> str:
    """The room name for a workshop, or one audience within it."""
    return f"workshop:{workshop_id}" + (f":{audience}" if audience else "")


def delegate_room(delegate_id: int) -> str:
    """The room of every phone one delegate has open."""
    return f"delegate:{delegate_id}"


class Registry:
    """Connections by sid for this process; who is online in every process."""

    def __init__(self):
        self._lock = threading.Lock()
        self.connections: dict[str, Connection] = {}
        self._roles: dict[str, int] = {}  # role -> sockets connected here
        self._online: dict[int, dict[int, int]] = {}  # workshop -> delegate -> sockets
        self._last_seen: dict[tuple[int, int], float] = {}  # (workshop, delegate) -> time
        self._departures: list[tuple[int, int, float]] = []  # not yet shared
        self._shared_workshops: set[int] = set()
        self._took_part: set[int] = set()  # delegates known to have taken part
        self._to_store: set[int] = set()  # ... not yet stored

    def add(self, sid: str, conn: Connection):
        """Record a new connection."""
        with self._lock:
            old = self.connections.get(sid)
            if old is not None:
                self._roles[old.role] -= 1
            self.connections[sid] = conn
            self._roles[conn.role] = self._roles.get(conn.role, 0) + 1
            if conn.delegate_id is not None:
                self._count(conn, +1)

    def remove(self, sid: str) -> Connection | None:
        """Forget a connection; return it."""
        with self._lock:
            conn = self.connections.pop(sid, None)
            if conn is not None:
                self._roles[conn.role] -= 1
            if conn is not None and conn.delegate_id is not None:
                self._count(conn, -1)
            return conn

    def sockets(self, role: str) -> int:
        """Sockets of one role (phones: "delegate") connected to this process now."""
        with self._lock:
            return self._roles.get(role, 0)

    def identify(self, sid: str, delegate_id: int | None):
        """Attach (or detach) a delegate to a phone's connection after it joins."""
        with self._lock:
            conn = self.connections.get(sid)
            if conn is None or conn.delegate_id == delegate_id:
                return
            if conn.delegate_id is not None:
                self._count(conn, -1)
            conn.delegate_id = delegate_id
            if delegate_id is not None:
                self._count(conn, +1)

    def _count(self, conn: Connection, change: int):
        people = self._online.setdefault(conn.workshop_id, {})
        n = people.get(conn.delegate_id, 0) + change
        if n > 0:
            people[conn.delegate_id] = n
        else:
            people.pop(conn.delegate_id, None)
            if not people:
                del self._online[conn.workshop_id]
            seen = self._last_seen[(conn.workshop_id, conn.delegate_id)] = time.time()
            self._departures.append((conn.workshop_id, conn.delegate_id, seen))
        if (n == 0 and change < 0) or (n == 1 and change > 0):
            mark("presence", conn.workshop_id)

    def forget(self, workshop_id: int, delegate_ids=None):
        """Drop what is remembered of a deleted workshop's delegates (or of those of
        `delegate_ids` only, removed from it), so that none counts as present."""
        gone = None if delegate_ids is None else set(delegate_ids)
        with self._lock:
            if gone is None:
                self._online.pop(workshop_id, None)
            self._last_seen = {k: t for k, t in self._last_seen.items()
                               if k[0] != workshop_id or (gone is not None and k[1] not in gone)}
            self._took_part -= gone or set()

    def get(self, sid: str) -> Connection | None:
        """The connection behind a sid."""
        return self.connections.get(sid)

    def online(self, workshop_id: int) -> set[int]:
        """Delegates with at least one phone connected now, here or in another process."""
        with self._lock:
            here = set(self._online.get(workshop_id, ()))
        return here | get_cluster().remote_online(workshop_id)

    def present(self, workshop_id: int, within: float) -> set[int]:
        """Delegates online now, or seen within the last `within` seconds if they have
        taken part: a phone that joined and went without a tap is not kept as present
        (a flood of fake joins, or someone who left at once)."""
        since = time.time() - within
        with self._lock:
            recent = {d for (w, d), seen in self._last_seen.items()
                      if w == workshop_id and seen >= since}
        online = self.online(workshop_id)
        recent = (recent | get_cluster().remote_seen(workshop_id, since)) - online
        if recent - self._took_part:
            recent = (recent & self._took_part) | {row["id"] for row in get_store().all(
                "select id from delegates where id in (select value from json_each(?)) "
                "and active_at is not null", [json.dumps(sorted(recent - self._took_part))])}
        return online | recent

    def took_part(self, delegate_id: int):
        """Note that a delegate has taken part; stored with the next beat, once."""
        if delegate_id not in self._took_part:
            with self._lock:
                self._took_part.add(delegate_id)
                self._to_store.add(delegate_id)

    def store_took_part(self):
        """Store who took part since the last beat (one write, however many)."""
        with self._lock:
            ids, self._to_store = self._to_store, set()
        if ids:
            with get_store().write() as db:
                db.execute("update delegates set active_at = ? where id in (select value "
                           "from json_each(?)) and active_at is null",
                           [time.time(), json.dumps(sorted(ids))])

    def share(self):
        """Publish who is online here, and who left, for the other processes; when
        who is online elsewhere changed, send presence again."""
        if not get_cluster().shared:
            return
        with self._lock:
            online = {w: set(people) for w, people in self._online.items()}
            # Workshops whose last phone left here publish an empty set once.
            for workshop_id in self._shared_workshops - online.keys():
                online[workshop_id] = set()
            self._shared_workshops = {w for w, people in online.items() if people}
            departures, self._departures = self._departures, []
        for workshop_id in get_cluster().share(online, departures):
            mark("presence", workshop_id)

    def phones_here(self, workshop_id: int, delegate_id: int) -> int:
        """How many sockets a delegate has open in this process."""
        with self._lock:
            return self._online.get(workshop_id, {}).get(delegate_id, 0)

    def sids_of(self, workshop_id: int, delegate_id: int) -> list[str]:
        """Sockets a delegate has open in a workshop."""
        with self._lock:
            return [sid for sid, c in self.connections.items()
                    if c.workshop_id == workshop_id and c.delegate_id == delegate_id]


registry = Registry()


# --- the heartbeat: coalesced updates and timers ---------------------------
# Busy events (a phone joining, a group found) only mark a topic as changed;
# one background loop sends each changed topic at most once per beat, however
# many phones acted, and runs the timers (round deadlines, grace periods).

_pending: set[tuple[str, int]] = set()
_pending_lock = threading.Lock()
FLUSHERS = {}
TICKERS = []


def coalesced(topic: str):
    """Register fn(workshop_id) to send `topic` once per beat after mark()."""
    def decorate(fn):
        FLUSHERS[topic] = fn
        return fn
    return decorate


def every_beat(fn):
    """Register fn() to run on every beat."""
    TICKERS.append(fn)
    return fn


def mark(topic: str, workshop_id: int):
    """Note that a workshop's `topic` changed; it is sent on the next beat."""
    with _pending_lock:
        _pending.add((topic, workshop_id))


def beat():
    """Run the timers (in one process), then send what changed since the last beat,
    what the timers changed included."""
    full_collections.beat()
    registry.share()
    registry.store_took_part()
    if get_cluster().leads():
        for tick in TICKERS:
            tick()
    with _pending_lock:
        due = sorted(_pending)
        _pending.clear()
    for topic, workshop_id in due:
        FLUSHERS[topic](workshop_id)


def reset():
    """Forget every connection, quota and pending update (a fresh process, as in tests)."""
    from .runsheet import live
    registry.__init__()
    limiter.reset()
    with _pending_lock:
        _pending.clear()
    live.reset()


def start_heartbeat(app):
    """Start the app's heartbeat and loop monitor once (on the first connection)."""
    if app.extensions.get("facilitator.heartbeat"):
        return
    app.extensions["facilitator.heartbeat"] = True

    def loop():
        while True:
            socketio.sleep(app.config["HEARTBEAT_INTERVAL"])
            try:
                with app.app_context():
                    beat()
            except Exception:  # noqa: BLE001 - the loop must outlive a bad beat
                log.exception("heartbeat failed")

    socketio.start_background_task(loop)
    if not loop_monitor.started:  # one per process
        loop_monitor.started = True
        socketio.start_background_task(loop_monitor.run)


def current() -> Connection | None:
    """The connection of the socket whose event is being handled."""
    return registry.get(request.sid)


class Quotas:
    """Events each sender may send, kept server-side: a count per moving window per
    delegate (all their phones together) or per screen, by role.

    An event over quota is refused at once, before it costs anything; a sender
    refused `strikes` times within `window` seconds is disconnected, and a
    delegate is kept out for `cooldown` seconds. With Redis, every process
    counts together (see throttle).
    """

    # role: (events, in any this many seconds): a burst, then that rate on average
    RATES = {"delegate": (40, 8), "facilitator": (200, 7), "panel": (80, 8),
             "screen": (40, 8)}

    def __init__(self, strikes=100, window=10.0, cooldown=30.0, rates=None):
        self.rates = {role: per(*rate) for role, rate in (rates or self.RATES).items()}
        self.strikes = per(strikes - 1, window)
        self.cooldown = per(1, cooldown)

    @staticmethod
    def key(conn: Connection, sid: str) -> tuple:
        if conn.delegate_id is not None:
            return ("delegate", conn.workshop_id, conn.delegate_id)
        return ("sid", sid)

    def allow(self, conn: Connection, sid: str) -> bool:
        """Count one event of the sender's; False if over quota."""
        return limiter.hit(self.rates[conn.role], "quota", *self.key(conn, sid))

    def strike(self, conn: Connection, sid: str) -> bool:
        """Count a refusal; True once the sender has earned a disconnection."""
        key = self.key(conn, sid)
        if limiter.hit(self.strikes, "strikes", *key):
            return False
        limiter.clear(self.strikes, "strikes", *key)
        if conn.delegate_id is not None:
            limiter.hit(self.cooldown, "banned", *key)
        return True

    def banned(self, workshop_id: int, delegate_id: int) -> float:
        """Seconds a delegate must still wait before connecting again (0: none)."""
        return limiter.wait(self.cooldown, "banned", "delegate", workshop_id, delegate_id)


quotas = Quotas()

RATE_LIMITED = {"ok": False, "error": "rate_limited",
                "message": "Too many actions at once: wait a moment, then try again."}
FORBIDDEN = {"ok": False, "error": "forbidden",
             "message": "You are not allowed to do that from this screen."}
SERVER_ERROR = {"ok": False, "error": "server_error",
                "message": "Something went wrong on the server; please try again."}


@dataclass(frozen=True)
class Contract:
    """What a socket handler declares: who may send it, what must be live, its payload."""

    event: str
    roles: tuple
    joined: bool = False
    live: type | None = None
    fields: dict | None = None
    rest: bool = False
    replay: object = None
    takes_part: bool = False


CONTRACTS: dict[str, Contract] = {}

NOT_JOINED = "Join the workshop first."


def _live_activity(conn: Connection, base) -> dict:
    """The live activity, if it is a kind built on `base`; otherwise `not_live`."""
    from . import plugins
    from .runsheet import domain as runsheet
    from .workshops import domain as workshops
    return runsheet.live_of(get_store(), workshops.get(get_store(), conn.workshop_id),
                            plugins.of_type(base), base.not_live)


def _arguments(contract: Contract, conn: Connection, data) -> dict | tuple:
    """The handler's checked arguments, or ("replay", ack) for a resend already stored."""
    data = payload(data)
    if contract.joined and conn.delegate_id is None:
        raise Problem("not_joined", NOT_JOINED)
    args = parse(contract.fields or {}, data)
    if contract.rest:
        args = {**data, **args}
    if contract.replay is not None:
        stored = contract.replay(conn, args)
        if stored is not None:
            return ("replay", stored)
    if contract.live is not None:
        args["activity"] = _live_activity(conn, contract.live)
    return args


def handler(event: str, roles=ROLES, *, joined=False, live=None, fields=None, rest=False,
            replay=None, takes_part=False, namespace=None):
    """Register a Socket.IO event handler with its contract, checked before it runs.

    roles: who may send it (others get `forbidden`). joined: phones only once they
    have joined (else `not_joined`). live: a Kind base (e.g. Posts): one of its kinds
    must be live (else `not_live`, with the base's `not_live` message); the handler
    gets it as args["activity"]. fields: {name: validation.Field}: the payload's
    shape, checked, so the handler gets typed values (`rest`: the other fields too,
    for a kind's own check). replay(conn, args): the ack for a resend already
    stored, or None, asked before `live` (an acked question whose ack was lost is
    acked again after its session ends). takes_part: a delegate who sends it (an
    answer, a vote, a Connect tap) has taken part, so counts as present for a while
    after their phone goes (see Registry.present).

    The wrapped function gets (conn, args) and returns the ack's fields; a
    Problem becomes an error ack, a database that refuses the write a
    `storage` error ack (and a `server:problem` to the workshop's control
    screens), and any other failure a generic one, so a bad payload never
    escapes as an unhandled error. The contracts are listed in CONTRACTS, and
    tests/test_access.py checks its table against them.
    """
    contract = Contract(event, tuple(roles), joined, live, fields, rest, replay, takes_part)

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(data=None, *extra):
            full_collections.events += 1
            conn = current()
            if conn is None:
                return FORBIDDEN
            if not quotas.allow(conn, request.sid):
                if quotas.strike(conn, request.sid):
                    log.warning("disconnecting a %s for flooding (workshop %s)",
                                conn.role, conn.workshop_id)
                    socketio.server.disconnect(request.sid, namespace=namespace or "/")
                return RATE_LIMITED
            if conn.role not in contract.roles:
                return FORBIDDEN
            try:
                args = _arguments(contract, conn, data)
                if isinstance(args, tuple):
                    return {"ok": True, **args[1]}
                result = fn(conn, args)
            except Problem as problem:
                return problem.ack()
            except sqlite3.Error as exc:  # nothing of this write was kept
                log.error("handler %s could not write: %s", event, exc)
                why = why_not_saved(exc)
                emit("server:problem", {
                    "error": "storage", "at": time.time(),
                    "message": f"The server could not save a change: {why}. Nothing "
                               "half-written was kept; fix this, and the app carries on."},
                     to=room(conn.workshop_id, "facilitator"))
                return {"ok": False, "error": "storage",
                        "message": f"Not saved: {why}. Nothing was changed; try again "
                                   "in a moment."}
            except Exception:  # noqa: BLE001 - answer, log, keep serving
                log.exception("handler %s failed", event)
                return SERVER_ERROR
            if contract.takes_part and conn.delegate_id is not None:
                registry.took_part(conn.delegate_id)
            return {"ok": True, **(result or {})}
        CONTRACTS[event] = contract
        socketio.on_event(event, wrapper, namespace=namespace)
        return wrapper
    return decorate


def emit(event: str, data, to: str):
    """Broadcast to a room (after the write it reports has committed)."""
    socketio.emit(event, data, to=to)
