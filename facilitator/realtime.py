"""Who is connected, as what, and the plumbing every Socket.IO handler shares.

Rooms: `workshop:<id>` (every screen of a workshop), `workshop:<id>:facilitator`,
`workshop:<id>:panel`, `workshop:<id>:screen`, `workshop:<id>:delegates` and
`delegate:<id>` (each phone of one delegate).
"""
import functools
import logging
import threading
from dataclasses import dataclass

from flask import request

from . import socketio
from .validation import Problem, payload

log = logging.getLogger(__name__)

ROLES = ("facilitator", "delegate", "panel", "screen")


@dataclass
class Connection:
    """What the server knows of one socket."""

    workshop_id: int
    role: str
    delegate_id: int | None = None
    facilitator_key: str | None = None  # kept to show the panel/projector links


def room(workshop_id: int, audience: str | None = None) -> str:
    """The room name for a workshop, or one audience within it."""
    return f"workshop:{workshop_id}" + (f":{audience}" if audience else "")


def delegate_room(delegate_id: int) -> str:
    """The room of every phone one delegate has open."""
    return f"delegate:{delegate_id}"


class Registry:
    """Connections by sid and who is online, for this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self.connections: dict[str, Connection] = {}
        self._online: dict[int, dict[int, int]] = {}  # workshop -> delegate -> sockets
        self._dirty: set[int] = set()

    def add(self, sid: str, conn: Connection):
        """Record a new connection."""
        with self._lock:
            self.connections[sid] = conn
            if conn.delegate_id is not None:
                self._count(conn, +1)

    def remove(self, sid: str) -> Connection | None:
        """Forget a connection; return it."""
        with self._lock:
            conn = self.connections.pop(sid, None)
            if conn is not None and conn.delegate_id is not None:
                self._count(conn, -1)
            return conn

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
        if (n == 0 and change < 0) or (n == 1 and change > 0):
            self._dirty.add(conn.workshop_id)

    def get(self, sid: str) -> Connection | None:
        """The connection behind a sid."""
        return self.connections.get(sid)

    def online(self, workshop_id: int) -> set[int]:
        """Delegates with at least one phone connected now."""
        with self._lock:
            return set(self._online.get(workshop_id, ()))

    def take_dirty(self) -> set[int]:
        """Workshops whose online set changed since the last call."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            return dirty

    def sids_of(self, workshop_id: int, delegate_id: int) -> list[str]:
        """Sockets a delegate has open in a workshop."""
        with self._lock:
            return [sid for sid, c in self.connections.items()
                    if c.workshop_id == workshop_id and c.delegate_id == delegate_id]


registry = Registry()


def current() -> Connection | None:
    """The connection of the socket whose event is being handled."""
    return registry.get(request.sid)


def handler(event: str, roles=ROLES, namespace=None):
    """Register a Socket.IO event handler that checks role and payload.

    The wrapped function gets (conn, data) and returns the ack's fields; a
    Problem becomes an error ack, and any other failure a generic one, so a
    bad payload never escapes as an unhandled error.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(data=None, *extra):
            conn = current()
            if conn is None or conn.role not in roles:
                return {"ok": False, "error": "forbidden",
                        "message": "You are not allowed to do that from this screen."}
            try:
                result = fn(conn, payload(data))
            except Problem as problem:
                return problem.ack()
            except Exception:  # noqa: BLE001 - answer, log, keep serving
                log.exception("handler %s failed", event)
                return {"ok": False, "error": "server_error",
                        "message": "Something went wrong on the server; please try again."}
            return {"ok": True, **(result or {})}
        socketio.on_event(event, wrapper, namespace=namespace)
        return wrapper
    return decorate


def emit(event: str, data, to: str):
    """Broadcast to a room (after the write it reports has committed)."""
    socketio.emit(event, data, to=to)
