"""The SQLite store: one connection, one writer, schema migrations, WAL.

Every write goes through `Store.write()`, which holds the writer lock and
wraps the block in a transaction; callers broadcast only after it returns,
so nothing is announced that is not on disk.
"""
import contextlib
import sqlite3
import threading
import time

import sqlite_utils


def _v1(db):
    """Workshops, their delegates and run sheets."""
    db["workshops"].create({
        "id": int, "code": str, "title": str, "created_at": float,
        "facilitator_hash": str, "panel_hash": str, "panel_generation": int,
        "screen_hash": str, "screen_generation": int,
        "require_name": int, "live_activity_id": int, "live_since": float,
        "state_version": int,
    }, pk="id", not_null={"code", "title", "facilitator_hash"},
        defaults={"require_name": 1, "state_version": 0,
                  "panel_generation": 0, "screen_generation": 0})
    db["workshops"].create_index(["code"], unique=True)
    db["workshops"].create_index(["facilitator_hash"], unique=True)
    db["workshops"].create_index(["panel_hash"], unique=True)
    db["workshops"].create_index(["screen_hash"], unique=True)

    db["delegates"].create({
        "id": int, "workshop_id": int, "token_hash": str, "name": str,
        "name_key": str, "organisation": str, "role": str, "sector": str,
        "source": str, "created_at": float, "joined_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id")],
        not_null={"workshop_id", "source"},
        defaults={"name": "", "name_key": "", "organisation": "", "role": "",
                  "sector": ""})
    db["delegates"].create_index(["token_hash"], unique=True)
    db["delegates"].create_index(["workshop_id", "name_key"])

    db["activities"].create({
        "id": int, "workshop_id": int, "position": int, "kind": str,
        "title": str, "config": str, "created_at": float, "updated_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id")],
        not_null={"workshop_id", "kind"}, defaults={"config": "{}"})
    db["activities"].create_index(["workshop_id", "position"])


# Append-only: each entry moves the schema one version on. Never edit a
# released entry; add a new one (sqlite-utils' transform() helps).
MIGRATIONS = [_v1]


class Store:
    """The database behind the app, shared by every handler."""

    def __init__(self, path: str):
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        if path != ":memory:":
            self.db.enable_wal()
        # FULL: a laptop can lose power mid-event; an acknowledged write must survive.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    @property
    def version(self) -> int:
        """The schema version recorded in the database file."""
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self):
        """Apply the migrations this database has not had yet, each atomically."""
        with self.lock:
            for number, step in enumerate(MIGRATIONS, start=1):
                if self.version >= number:
                    continue
                with self.db.atomic():
                    step(self.db)
                    self.db.execute(f"PRAGMA user_version={number}")

    @contextlib.contextmanager
    def write(self):
        """Hold the one writer's lock for a transaction; commit on leaving."""
        with self.lock, self.db.atomic():
            yield self.db

    def one(self, sql: str, params=()):
        """First row of a query as a dict, or None."""
        with self.lock:
            return next(self.db.query(sql, params), None)

    def all(self, sql: str, params=()):
        """All rows of a query as dicts."""
        with self.lock:
            return list(self.db.query(sql, params))

    def close(self):
        """Close the connection."""
        with self.lock:
            self.db.close()


def now() -> float:
    """Wall-clock seconds, the unit of every stored time."""
    return time.time()
