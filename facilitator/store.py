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


def _v2(db):
    """Connect: rounds, their groups and members, acquaintances and contacts."""
    db["connect_rounds"].create({
        "id": int, "workshop_id": int, "activity_id": int, "number": int, "kind": str,
        "size": int, "prompt": str, "seconds": int, "turns": int, "phases": str,
        "grace_seconds": int, "started_at": float, "ends_at": float, "ended_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id")],
        not_null={"workshop_id", "activity_id", "number", "kind"},
        defaults={"phases": "[]", "turns": 1})
    db["connect_rounds"].create_index(["activity_id", "number"], unique=True)
    db["connect_rounds"].create_index(["ended_at"])

    db["connect_groups"].create({
        "id": int, "round_id": int, "number": int, "meeting_point": str,
    }, pk="id", foreign_keys=[("round_id", "connect_rounds", "id")],
        not_null={"round_id", "number"}, defaults={"meeting_point": ""})
    db["connect_groups"].create_index(["round_id"])

    db["connect_members"].create({
        "id": int, "round_id": int, "group_id": int, "delegate_id": int,
        "placed_at": float, "found_at": float, "cant_find_at": float, "left_at": float,
        "late": int,
    }, pk="id", foreign_keys=[("round_id", "connect_rounds", "id"),
                              ("group_id", "connect_groups", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"round_id", "group_id", "delegate_id"}, defaults={"late": 0})
    db["connect_members"].create_index(["round_id", "delegate_id"])
    db["connect_members"].create_index(["group_id"])

    db["connect_people"].create({
        "activity_id": int, "delegate_id": int, "sitting_out": int, "odd_count": int,
    }, pk=("activity_id", "delegate_id"), defaults={"sitting_out": 0, "odd_count": 0})

    db["acquaintances"].create({
        "workshop_id": int, "a": int, "b": int, "declared_by": int, "created_at": float,
    }, pk=("workshop_id", "a", "b"))

    db["contacts"].create({
        "delegate_id": int, "workshop_id": int, "contact": str, "updated_at": float,
    }, pk="delegate_id", foreign_keys=[("delegate_id", "delegates", "id")])

    db["connect_state"].create({
        "activity_id": int, "summary_at": float,
    }, pk="activity_id")


def _v3(db):
    """Rotations planned ahead, kept for printing and download."""
    db["plans"].create({
        "id": int, "workshop_id": int, "created_at": float, "group_size": int,
        "rounds": int, "result": str,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id")],
        not_null={"workshop_id", "result"})


def _v4(db):
    """Q&A: questions, votes, silenced askers and each workshop's held words."""
    db["qa_questions"].create({
        "id": int, "workshop_id": int, "activity_id": int, "delegate_id": int,
        "client_id": str, "text": str, "original_text": str, "anonymous": int,
        "status": str, "held": str, "label": str, "starred": int, "position": float,
        "merged_into": int, "votes": int, "version": int, "created_at": float,
        "published_at": float, "answered_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "activity_id", "delegate_id", "client_id", "text", "status"},
        defaults={"anonymous": 0, "starred": 0, "votes": 0, "version": 0, "label": ""})
    # A resent question (same phone, same client id) is stored once.
    db["qa_questions"].create_index(["delegate_id", "client_id"], unique=True)
    db["qa_questions"].create_index(["activity_id", "status"])

    db["qa_votes"].create({
        "question_id": int, "delegate_id": int, "created_at": float,
    }, pk=("question_id", "delegate_id"),
        foreign_keys=[("question_id", "qa_questions", "id"), ("delegate_id", "delegates", "id")])

    db["qa_silenced"].create({
        "workshop_id": int, "name_key": str, "delegate_id": int, "created_at": float,
    }, pk=("workshop_id", "delegate_id"))

    db["workshops"].add_column("qa_words", str)


def _v5(db):
    """Prompts: each delegate's current answer, the answers already applied, timers."""
    db["responses"].create({
        "id": int, "workshop_id": int, "activity_id": int, "delegate_id": int,
        "value": str, "client_id": str, "created_at": float, "updated_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "activity_id", "delegate_id", "value"})
    # One current answer per delegate per prompt; changing it replaces it.
    db["responses"].create_index(["activity_id", "delegate_id"], unique=True)
    # Every answer's client-made id, so a resend is applied once.
    db["response_ids"].create({"delegate_id": int, "client_id": str},
                              pk=("delegate_id", "client_id"))
    db["prompt_state"].create({
        "activity_id": int, "opened_at": float, "closed_at": float, "deadline": float,
        "paused_remaining": float, "revealed": int,
    }, pk="activity_id", defaults={"revealed": 0})
    db["workshops"].add_column("screen_blank", int, not_null_default=0)


def _v6(db):
    """A delegate the facilitator removed from the workshop."""
    db["delegates"].add_column("removed_at", float)


def _v7(db):
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
    # A silence is made through one question and holds the asker's later posts of
    # the same kind only (anonymous or named): see qa.domain.silence.
    db["qa_silences"].create({
        "question_id": int, "workshop_id": int, "delegate_id": int, "name_key": str,
        "anonymous": int, "created_at": float,
    }, pk="question_id", foreign_keys=[("workshop_id", "workshops", "id"),
                                       ("question_id", "qa_questions", "id"),
                                       ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "delegate_id", "anonymous"}, defaults={"name_key": ""})
    db["qa_silences"].create_index(["workshop_id", "delegate_id"])
    # An older silence held everything its asker sent: keep that, through the
    # asker's latest question of each kind.
    db.execute("insert or ignore into qa_silences (question_id, workshop_id, delegate_id, "
               "name_key, anonymous, created_at) select max(q.id), s.workshop_id, "
               "s.delegate_id, s.name_key, q.anonymous, s.created_at from qa_silenced s "
               "join qa_questions q on q.delegate_id = s.delegate_id "
               "and q.workshop_id = s.workshop_id group by s.delegate_id, q.anonymous")
    db["qa_silenced"].drop()


# Append-only: each entry moves the schema one version on. Never edit a
# released entry; add a new one (sqlite-utils' transform() helps).
MIGRATIONS = [_v1, _v2, _v3, _v4, _v5, _v6, _v7]


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

    @property
    def version(self) -> int:
        """The schema version recorded in the database file."""
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self):
        """Apply the migrations this database has not had yet, each atomically.

        Several processes may start at once on one file: each step takes the
        write lock and reads the version again before applying anything.
        """
        with self.lock:
            while self.version < len(MIGRATIONS):
                self._begin()
                try:
                    number = self.version + 1
                    if number <= len(MIGRATIONS):
                        MIGRATIONS[number - 1](self.db)
                        self.db.execute(f"PRAGMA user_version={number}")
                    self.db.conn.execute("COMMIT")
                except BaseException:
                    self.db.conn.execute("ROLLBACK")
                    raise

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
