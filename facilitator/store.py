"""The SQLite store: one connection, one writer, schema migrations, WAL.

Every write goes through `Store.write()`, which holds the writer lock and
wraps the block in a transaction; callers broadcast only after it returns,
so nothing is announced that is not on disk.
"""
import contextlib
import os
import sqlite3
import sys
import threading
import time

import sqlite_utils

from .hookspecs import Migration


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


def _screen_blank(db):
    """The projector can be blanked."""
    db["workshops"].add_column("screen_blank", int, not_null_default=0)


def _removed(db):
    """A delegate the facilitator removed from the workshop."""
    db["delegates"].add_column("removed_at", float)


def _names_and_doors(db):
    """Look-alike names, a delegate's first action, and a workshop's doors."""
    from .validation import name_skeleton
    db["delegates"].add_column("name_skeleton", str, not_null_default="")
    db["delegates"].add_column("active_at", float)  # first answer, vote, named question or tap
    for row in db.execute("select id, name from delegates").fetchall():
        db.execute("update delegates set name_skeleton = ? where id = ?",
                   [name_skeleton(row[1] or ""), row[0]])
    db["delegates"].create_index(["workshop_id", "name_skeleton"])
    # open: anyone with the code joins; roster: only names on the roster can be
    # claimed; closed: nobody new.
    db["workshops"].add_column("doors", str, not_null_default="open")


def _rehearsals(db):
    """A workshop's rehearsal secret, held by its simulated phones."""
    db["workshops"].add_column("rehearsal_hash", str)


def _organisation_aliases(db):
    """Merged organisation names: a variant's normal form -> the name it counts as."""
    db["organisation_aliases"].create({
        "workshop_id": int, "variant": str, "canonical": str, "created_at": float,
    }, pk=("workshop_id", "variant"), foreign_keys=[("workshop_id", "workshops", "id")])


# The core tables' steps; each kind adds its own (hookspecs.Migration), run
# after these. Append-only: never edit a released step, add a new one
# (sqlite-utils' transform() helps). `before`: the schema version (PRAGMA
# user_version) of the databases made before steps had names that hold it.
MIGRATIONS = [
    Migration("core:1", _v1, before=1),
    Migration("core:2", _screen_blank, before=5),
    Migration("core:3", _removed, before=6),
    Migration("core:4", _names_and_doors, before=7),
    Migration("core:5", _rehearsals),
    Migration("core:6", _organisation_aliases),
]


def steps() -> list[Migration]:
    """Every step of the schema: the core's, then each kind's."""
    from . import plugins
    return MIGRATIONS + plugins.migrations()


# Reads wait this long for a lock (rare with WAL: only around recovery).
BUSY_TIMEOUT_MS = 10_000


class _Commit:
    """One group commit: the writers waiting on it, and how it ended."""

    def __init__(self):
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.leader_chosen = False


class Store:
    """The database behind the app, shared by every handler.

    Writes are group-committed: each write block runs in its own savepoint of
    one shared transaction, and the first writer of a batch yields once, so
    that writers already under way join it, then commits for all of them.
    Every writer returns only after the commit that holds its change, so an
    acknowledgement still follows the disk sync, but a burst of 500 votes
    costs a handful of syncs instead of 500. (SQLite's sync blocks the whole
    server loop while it runs.)
    """

    def __init__(self, path: str):
        conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self._local = threading.local()  # per greenlet under eventlet and gevent
        self._commit: _Commit | None = None
        if path != ":memory:":
            self.db.enable_wal()
        # FULL: a laptop can lose power mid-event; an acknowledged write must survive.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed in the file
        self.migrate()

    def applied(self) -> list[str]:
        """The names of the schema steps this database has had, in order."""
        if not self.db["schema_steps"].exists():
            return []
        return [r[0] for r in self.db.execute("select name from schema_steps order by rowid")]

    def migrate(self):
        """Apply the schema steps this database has not had yet, each atomically.

        Several processes may start at once on one file: each step takes the
        write lock and reads what was applied again before applying anything.
        """
        for step in steps():
            with self.lock:
                self._begin()
                try:
                    self._adopt_versions()
                    if not self.db.execute("select 1 from schema_steps where name = ?",
                                           [step.name]).fetchone():
                        step.fn(self.db)
                        self.db.execute("insert into schema_steps (name, applied_at) "
                                        "values (?, ?)", [step.name, time.time()])
                    self.db.conn.execute("COMMIT")
                except BaseException:
                    self.db.conn.execute("ROLLBACK")
                    raise

    def _adopt_versions(self):
        """Start the table of applied steps; a database made before steps had names
        (numbered by PRAGMA user_version) has every step its number holds."""
        if self.db["schema_steps"].exists():
            return
        self.db.execute("create table schema_steps (name text primary key, applied_at float)")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for step in steps():
            if step.before is not None and step.before <= version:
                self.db.execute("insert into schema_steps (name, applied_at) values (?, ?)",
                                [step.name, time.time()])

    @contextlib.contextmanager
    def write(self):
        """Run a block of writes atomically; return once they are committed to disk."""
        if getattr(self._local, "writing", False):  # nested: part of the outer block
            with self.db.atomic():
                yield self.db
            return
        with self.lock:
            if not self.db.conn.in_transaction:
                self._begin()
            self._local.writing = True
            try:
                with self.db.atomic():  # a savepoint: a failure undoes this block only
                    yield self.db
            except BaseException:
                if self._commit is None:
                    self._finish(_Commit())  # nobody else is waiting: close it now
                raise
            finally:
                self._local.writing = False
            batch = self._commit = self._commit or _Commit()
            lead = not batch.leader_chosen
            batch.leader_chosen = True
        if lead:
            self._gather()
            with self.lock:
                self._commit = None
                self._finish(batch)
        batch.done.wait()
        if batch.error is not None:
            raise batch.error

    @staticmethod
    def _gather():
        """Yield once, so that writers already under way add to this commit."""
        time.sleep(0)

    # How long a write waits for another process's write lock before failing.
    lock_patience = 10.0

    def _begin(self):
        """Open the shared write transaction, waiting politely for other processes.

        IMMEDIATE takes the write lock now, so a transaction never has to
        upgrade (and fail) halfway. SQLite's own busy wait would block this
        whole server while another process commits; instead, try at once and
        sleep between tries (sleeping lets other greenlets run).
        """
        deadline = time.monotonic() + self.lock_patience
        pause = 0.0005
        self.db.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    self.db.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or \
                            time.monotonic() > deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 0.005)
        finally:
            self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _finish(self, batch: _Commit):
        """Commit the shared transaction (under the lock) and release its writers."""
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            batch.error = exc
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
        batch.done.set()

    def one(self, sql: str, params=()):
        """First row of a query as a dict, or None."""
        with self.lock:
            return next(self.db.query(sql, params), None)

    def one_of(self, table: str, row_id, parent: str, parent_id: int, missing: str,
               field: str) -> dict:
        """The row `row_id` of `table` (an id the client sent) whose `parent` column is
        `parent_id`, or a not-found problem saying `missing` about `field`."""
        from .validation import Problem
        row = None
        if isinstance(row_id, int) and not isinstance(row_id, bool):
            row = self.one(f"select * from {table} where id = ? and {parent} = ?",
                           [row_id, parent_id])
        if row is None:
            raise Problem("not_found", missing, field)
        return row

    def committed_one(self, sql: str, params=()):
        """`one`, counting only what is on disk: a row seen inside a group commit
        still under way is returned once that commit is done (None if it failed).

        For the look-ups that answer a resend: the first copy of a resent
        submission may be another writer's, not yet committed, and its ack must
        not go out before it is.
        """
        with self.lock:
            row = next(self.db.query(sql, params), None)
            batch = self._commit if row is not None and self.db.conn.in_transaction else None
        if batch is None:
            return row
        batch.done.wait()
        return self.one(sql, params)

    def all(self, sql: str, params=()):
        """All rows of a query as dicts."""
        with self.lock:
            return list(self.db.query(sql, params))

    def close(self):
        """Close the connection."""
        with self.lock:
            self.db.close()


def why_not_saved(exc: sqlite3.Error) -> str:
    """Why the database refused a write, in words a facilitator can act on."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "the database is locked by another program"
    if code == sqlite3.SQLITE_READONLY:
        return "the database file is read-only"
    return "the database could not be written"


def pause_point(name: str):
    """A hook for crash tests: with FACILITATOR_TEST_PAUSE="<name>:<seconds>" in the
    environment, say so on stderr and sleep here (inside a write, so that a test can
    kill the process half-way through one). Does nothing otherwise."""
    wanted = os.environ.get("FACILITATOR_TEST_PAUSE", "")
    if wanted.rpartition(":")[0] == name:
        print(f"paused at {name}", file=sys.stderr, flush=True)
        time.sleep(float(wanted.rpartition(":")[2]))


def now() -> float:
    """Wall-clock seconds, the unit of every stored time."""
    return time.time()
