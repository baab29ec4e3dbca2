"""Workshops and delegates: every write about them happens here."""
import json
import logging
import sqlite3
import time

from .. import security
from ..store import Store, now
from ..validation import Problem, name_key
from . import roster as roster_csv

SCREENS = ("panel", "screen")

log = logging.getLogger(__name__)


# --- workshops -------------------------------------------------------------

def create_workshop(store: Store, title: str) -> tuple[dict, str]:
    """Create a workshop; return it and its facilitator key (never stored)."""
    key = security.new_token()
    row = {"title": title, "created_at": now(),
           "facilitator_hash": security.token_hash(key)}
    for screen in SCREENS:
        row[f"{screen}_hash"] = security.token_hash(security.derived_key(key, screen, 0))
    for _ in range(20):
        row["code"] = security.new_join_code()
        try:
            with store.write() as db:
                workshop_id = db["workshops"].insert(row).last_pk
            return get(store, workshop_id), key
        except sqlite3.IntegrityError:
            continue  # the code was taken: draw another
    raise Problem("server_error", "Could not allocate a join code; try again.")


def get(store: Store, workshop_id: int) -> dict | None:
    """A workshop by id."""
    return store.one("select * from workshops where id = ?", [workshop_id])


def by_code(store: Store, raw_code) -> dict | None:
    """A workshop by its join code as a person typed it."""
    code = security.normalise_code(raw_code)
    return store.one("select * from workshops where code = ?", [code]) if code else None


def by_code_from(store: Store, raw_code, address: str) -> dict | None:
    """by_code for a person at a network address; wrong codes from one address are
    throttled (a Problem `too_many_attempts` while it must wait)."""
    wait = security.guesses.wait(address or "")
    if wait:
        raise Problem("too_many_attempts",
                      "Too many wrong codes from this network. Wait a few seconds, "
                      "check the code on the big screen and try again.")
    workshop = by_code(store, raw_code)
    if workshop is None:
        security.guesses.wrong(address or "")
    return workshop


def by_facilitator_key(store: Store, key) -> dict | None:
    """The workshop a facilitator link opens."""
    if not isinstance(key, str) or not 16 <= len(key) <= 100:
        return None
    return store.one("select * from workshops where facilitator_hash = ?",
                     [security.token_hash(key)])


def by_screen_key(store: Store, screen: str, key) -> dict | None:
    """The workshop a panel or projector link opens."""
    if screen not in SCREENS or not isinstance(key, str) or not 16 <= len(key) <= 100:
        return None
    return store.one(f"select * from workshops where {screen}_hash = ?",
                     [security.token_hash(key)])


def screen_keys(workshop: dict, facilitator_key: str) -> dict:
    """The current panel and projector link keys, recomputed from the facilitator's."""
    return {screen: security.derived_key(facilitator_key, screen,
                                         workshop[f"{screen}_generation"])
            for screen in SCREENS}


def regenerate_link(store: Store, workshop: dict, facilitator_key: str,
                    screen: str) -> dict:
    """Give a panel or projector link a new key, revoking the old one."""
    if screen not in SCREENS:
        raise Problem("invalid", "Only the panel and projector links can be regenerated.",
                      "screen")
    with store.write() as db:
        current = db["workshops"].get(workshop["id"])
        generation = current[f"{screen}_generation"] + 1
        new_key = security.derived_key(facilitator_key, screen, generation)
        db["workshops"].update(workshop["id"], {
            f"{screen}_generation": generation,
            f"{screen}_hash": security.token_hash(new_key)})
    return get(store, workshop["id"])


def update_settings(store: Store, workshop_id: int, changes: dict) -> dict:
    """Change the title or whether delegates must give a name."""
    if changes:
        with store.write() as db:
            db["workshops"].update(workshop_id, changes)
    return get(store, workshop_id)


# --- delegates -------------------------------------------------------------

def delegate_by_token(store: Store, workshop_id: int, token) -> dict | None:
    """The delegate a phone's token belongs to, in this workshop only."""
    if not isinstance(token, str) or not 16 <= len(token) <= 100:
        return None
    return store.one("select * from delegates where token_hash = ? and workshop_id = ?",
                     [security.token_hash(token), workshop_id])


def get_delegate(store: Store, workshop_id: int, delegate_id) -> dict:
    """A delegate of this workshop, or a not-found problem."""
    row = None
    if isinstance(delegate_id, int) and not isinstance(delegate_id, bool):
        row = store.one("select * from delegates where id = ? and workshop_id = ?",
                        [delegate_id, workshop_id])
    if row is None:
        raise Problem("not_found", "That delegate is not in this workshop.", "delegate_id")
    return row


def list_delegates(store: Store, workshop_id: int) -> list[dict]:
    """Every delegate of a workshop, roster and walk-ins, in name order."""
    return store.all("select * from delegates where workshop_id = ? "
                     "order by name_key, id", [workshop_id])


def organisations(store: Store, workshop_id: int) -> list[str]:
    """Organisation names already known in this workshop, for suggestions."""
    rows = store.all("select organisation, count(*) as n from delegates "
                     "where workshop_id = ? and organisation != '' "
                     "group by organisation order by n desc, organisation limit 300",
                     [workshop_id])
    return [r["organisation"] for r in rows]


def join(store: Store, workshop: dict, name: str, organisation: str,
         role: str) -> tuple[dict, str]:
    """Add a walk-in delegate; return them and their token."""
    key = name_key(name)
    if key:
        clash = store.one("select token_hash is not null as claimed from delegates "
                          "where workshop_id = ? and name_key = ? limit 1",
                          [workshop["id"], key])
        if clash and clash["claimed"]:
            raise Problem("name_taken",
                          f"Someone has already joined as {name}. If that is you, "
                          "ask the facilitator to release the name.", "name")
        if clash:
            raise Problem("on_roster",
                          f"{name} is on the delegate list: choose “That's me” "
                          "to join as them.", "name")
    token = security.new_token()
    stamp = now()
    with store.write() as db:
        delegate_id = db["delegates"].insert({
            "workshop_id": workshop["id"], "token_hash": security.token_hash(token),
            "name": name, "name_key": key, "organisation": organisation,
            "role": role, "sector": "", "source": "walk-in",
            "created_at": stamp, "joined_at": stamp}).last_pk
    return get_delegate(store, workshop["id"], delegate_id), token


def claim(store: Store, workshop: dict, delegate_id) -> tuple[dict, str]:
    """A phone claims an imported roster entry ("that's me")."""
    delegate = get_delegate(store, workshop["id"], delegate_id)
    if delegate["removed_at"]:
        raise Problem("removed", f"{delegate['name']} was removed from this workshop by "
                                 "the facilitator.", "delegate_id")
    token = security.new_token()
    with store.write() as db:
        # The WHERE makes the claim atomic: two phones cannot both win it.
        cursor = db.execute(
            "update delegates set token_hash = ?, joined_at = ? "
            "where id = ? and token_hash is null and removed_at is null",
            [security.token_hash(token), now(), delegate["id"]])
    if cursor.rowcount != 1:
        raise Problem("name_taken",
                      f"{delegate['name']} has already been claimed. If that is you, "
                      "ask the facilitator to release the name.", "delegate_id")
    return get_delegate(store, workshop["id"], delegate["id"]), token


def release(store: Store, workshop_id: int, delegate_id) -> dict:
    """The facilitator frees a claimed (or removed) name: its phone loses it, anyone
    may claim it."""
    delegate = get_delegate(store, workshop_id, delegate_id)
    with store.write() as db:
        db["delegates"].update(delegate["id"], {"token_hash": None, "joined_at": None,
                                                "removed_at": None})
    return get_delegate(store, workshop_id, delegate["id"])


def remove(store: Store, workshop_id: int, delegate_id) -> dict:
    """The facilitator removes a delegate: signed out, and their name cannot be
    claimed again. What they contributed stays (moderate it, or delete the workshop)."""
    delegate = get_delegate(store, workshop_id, delegate_id)
    with store.write() as db:
        db["delegates"].update(delegate["id"], {"token_hash": None, "joined_at": None,
                                                "removed_at": now()})
    return get_delegate(store, workshop_id, delegate["id"])


def search_roster(store: Store, workshop_id: int, query: str, limit=8) -> list[dict]:
    """Unclaimed roster entries whose name contains what the phone typed."""
    key = name_key(query)
    if len(key) < 2:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return store.all("select * from delegates where workshop_id = ? and token_hash is null "
                     "and removed_at is null "
                     "and name_key like ? escape '\\' order by name_key limit ?",
                     [workshop_id, pattern, limit])


def import_roster(store: Store, workshop_id: int, raw: bytes) -> dict:
    """Add a CSV roster's delegates, unclaimed; skip those already present."""
    rows, problems = roster_csv.parse(raw)
    existing = {(r["name_key"], r["organisation"].casefold())
                for r in store.all("select name_key, organisation from delegates "
                                   "where workshop_id = ?", [workshop_id])}
    fresh, stamp = [], now()
    for row in rows:
        key = (name_key(row["name"]), row["organisation"].casefold())
        if key in existing:
            continue
        existing.add(key)
        fresh.append({**row, "workshop_id": workshop_id, "name_key": key[0],
                      "source": "roster", "created_at": stamp, "token_hash": None})
    if fresh:
        with store.write() as db:
            db["delegates"].insert_all(fresh)
    return {"added": len(fresh), "already_present": len(rows) - len(fresh),
            "problems": problems}


# --- a workshop's data: export and deletion ----------------------------------

def _in(column: str, ids: str) -> str:
    return f"{column} in (select value from json_each(:{ids}))"


# Every table, and which of its rows belong to one workshop: children before
# parents, the order deletion needs. A condition may use :workshop (its id) and
# the JSON lists of its :delegates, :activities, :rounds and :questions. A new
# table must be added here, or tests/test_privacy.py fails.
OWNED = [
    ("qa_votes", f"{_in('question_id', 'questions')} or {_in('delegate_id', 'delegates')}"),
    ("qa_silenced", f"workshop_id = :workshop or {_in('delegate_id', 'delegates')}"),
    ("qa_questions", f"workshop_id = :workshop or {_in('id', 'questions')}"),
    ("response_ids", _in("delegate_id", "delegates")),
    ("responses", " or ".join(["workshop_id = :workshop", _in("activity_id", "activities"),
                               _in("delegate_id", "delegates")])),
    ("prompt_state", _in("activity_id", "activities")),
    ("contacts", f"workshop_id = :workshop or {_in('delegate_id', 'delegates')}"),
    ("acquaintances", " or ".join(["workshop_id = :workshop", _in("a", "delegates"),
                                   _in("b", "delegates"), _in("declared_by", "delegates")])),
    ("connect_members", f"{_in('round_id', 'rounds')} or {_in('delegate_id', 'delegates')}"),
    ("connect_groups", _in("round_id", "rounds")),
    ("connect_people", f"{_in('activity_id', 'activities')} or {_in('delegate_id', 'delegates')}"),
    ("connect_state", _in("activity_id", "activities")),
    ("connect_rounds", f"workshop_id = :workshop or {_in('id', 'rounds')}"),
    ("plans", "workshop_id = :workshop"),
    ("activities", "workshop_id = :workshop"),
    ("delegates", "workshop_id = :workshop"),
    ("workshops", "id = :workshop"),
]

# Hashes of the secret links and phone tokens: never part of an export.
SECRET_COLUMNS = frozenset({"facilitator_hash", "panel_hash", "screen_hash", "token_hash"})
# Columns stored as JSON text, exported as JSON.
JSON_COLUMNS = frozenset({"config", "phases", "result", "value"})


def _owned_ids(store: Store, workshop_id: int) -> dict:
    """The ids a workshop's rows are found by, as query parameters."""
    params = {"workshop": workshop_id}
    for name, sql in (
            ("delegates", "select id from delegates where workshop_id = :workshop"),
            ("activities", "select id from activities where workshop_id = :workshop"),
            ("rounds", "select id from connect_rounds where workshop_id = :workshop or "
                       + _in("activity_id", "activities")),
            ("questions", "select id from qa_questions where workshop_id = :workshop or "
                          + _in("activity_id", "activities"))):
        params[name] = json.dumps([r["id"] for r in store.all(sql, params)])
    return params


def _exported(row: dict) -> dict:
    out = {}
    for column, value in row.items():
        if column in SECRET_COLUMNS:
            continue
        if column in JSON_COLUMNS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[column] = value
    return out


def workshop_tables(store: Store, workshop_id: int):
    """(table, rows) for every table, parents first: every row that belongs to a
    workshop, without the secret hashes; what an export holds and what deletion
    removes. One table at a time, so a caller can let others run in between."""
    owned = _owned_ids(store, workshop_id)
    for table, condition in reversed(OWNED):
        yield table, [_exported(r) for r in store.all(
            f"select * from {table} where {condition} order by rowid", owned)]


def delete_workshop(store: Store, workshop_id: int, owned: dict | None = None,
                    clear: bool = True) -> dict:
    """Delete a workshop and every row that belongs to it, then (with `clear`) clear
    them from the database files.

    Returns the ids the rows were found by: pass them back as `owned` to
    delete again whatever a screen still connected wrote in the meantime.
    """
    owned = owned or _owned_ids(store, workshop_id)
    with store.write() as db:
        for table, condition in OWNED:
            db.execute(f"delete from {table} where {condition}", owned)
    if clear:
        clear_deleted(store)
    return owned


def clear_deleted(store: Store, patience: float = 10.0) -> bool:
    """Make deleted rows unrecoverable from the database files; False if that must wait.

    With secure_delete on (see Store) SQLite overwrites deleted rows with
    zeros, but moving rows between pages can leave fragments of them in a
    page's free space, and the write-ahead log still holds older copies of
    the pages. So rebuild the file (VACUUM: a few hundred milliseconds for a
    large event, during which the server waits), copy the log into it and
    truncate the log to nothing.
    """
    deadline = time.monotonic() + patience
    steps = ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"]
    while steps:
        with store.lock:
            if not store.db.conn.in_transaction:  # no group commit under way
                try:
                    row = store.db.execute(steps[0]).fetchone()
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode & 0xff != sqlite3.SQLITE_BUSY:
                        raise
                    row = (1,)  # another process is writing: try again
                if not (row and row[0]):  # the checkpoint answers (busy, ...)
                    steps.pop(0)
                    continue
        if time.monotonic() > deadline:
            log.warning("another connection kept the database busy: deleted rows stay "
                        "in its free space or write-ahead log until the next deletion")
            return False
        time.sleep(0.01)
    return True
