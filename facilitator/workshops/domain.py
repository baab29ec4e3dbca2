"""Workshops and delegates: every write about them happens here."""
import hmac
import json
import logging
import sqlite3
import time

from .. import plugins, security
from ..store import Store, now, pause_point
from ..throttle import limiter, per
from ..validation import Problem, name_key, name_skeleton
from . import organisations as organisation_names
from . import roster as roster_csv

SCREENS = ("panel", "screen")

# Who may still join: anyone with the code; only people on the roster ("That's
# me"); nobody new. Phones that have joined stay in, whatever the doors.
DOORS = ("open", "roster", "closed")

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


# Wrong passwords for creating a workshop, from one address.
PASSWORD_GUESSES = per(10, 60)


def check_password(expected: str, typed: str, address: str):
    """The facilitator password, with wrong guesses from one address throttled: a
    Problem `forbidden` if wrong, `too_many_attempts` while that address must wait
    (even with the right password, as for join codes)."""
    if limiter.wait(PASSWORD_GUESSES, "password", address or ""):
        raise Problem("too_many_attempts", "Too many wrong passwords from this network: "
                                           "wait a minute, then try again.", "password")
    if not hmac.compare_digest(typed.encode(), expected.encode()):
        limiter.hit(PASSWORD_GUESSES, "password", address or "")
        raise Problem("forbidden", "That password is not right.", "password")


def may_create(limit, address: str):
    """Count a workshop created from this address; a Problem `too_many_workshops`
    once it has created `limit` lately (FACILITATOR_CREATE_LIMIT)."""
    if not limiter.hit(limit, "create", address or ""):
        minutes = int(limiter.wait(limit, "create", address or "") // 60) + 1
        raise Problem("too_many_workshops",
                      f"Too many workshops were created from this network just now. "
                      f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.")


# --- delegates -------------------------------------------------------------

def admit(workshop: dict, limit, address: str, walk_in: bool):
    """Whether a new phone may join now: the doors allow it and its address is under
    the join `limit` (FACILITATOR_JOIN_LIMIT, for walk-ins and for roster claims each);
    a Problem otherwise."""
    doors = workshop["doors"]
    if doors == "closed" or (walk_in and doors == "roster"):
        raise Problem("doors_closed",
                      "The facilitator has closed the doors: nobody new can join now."
                      if doors == "closed" else
                      "Only people on the delegate list can join now: search for your "
                      "name above, or ask the facilitator.")
    # Walk-ins and roster claims are counted apart: a flood of fake walk-ins from a
    # venue's one address leaves the people on the roster free to claim their names.
    if not limiter.hit(limit, "join" if walk_in else "claim", workshop["id"], address or ""):
        raise Problem("too_many_joins",
                      "Too many people joined from this network in the last minute. "
                      "Wait a few seconds and try again.")


def remove_walk_ins(store: Store, workshop_id: int, since: float, dry_run=False) -> list[int]:
    """Remove every walk-in who joined since `since` and has never taken part (a
    flood of fake joins, at once); return their ids. With `dry_run`, only count."""
    ids = [r["id"] for r in store.all(
        "select id from delegates where workshop_id = ? and source = 'walk-in' and "
        "removed_at is null and active_at is null and created_at >= ?",
        [workshop_id, since])]
    if ids and not dry_run:
        with store.write() as db:
            db.execute("update delegates set token_hash = null, joined_at = null, "
                       "removed_at = ? where id in (select value from json_each(?))",
                       [now(), json.dumps(ids)])
    return ids


def delegate_by_token(store: Store, workshop_id: int, token) -> dict | None:
    """The delegate a phone's token belongs to, in this workshop only."""
    if not isinstance(token, str) or not 16 <= len(token) <= 100:
        return None
    return store.one("select * from delegates where token_hash = ? and workshop_id = ?",
                     [security.token_hash(token), workshop_id])


def get_delegate(store: Store, workshop_id: int, delegate_id) -> dict:
    """A delegate of this workshop, or a not-found problem."""
    return store.one_of("delegates", delegate_id, "workshop_id", workshop_id,
                        "That delegate is not in this workshop.", "delegate_id")


def list_delegates(store: Store, workshop_id: int) -> list[dict]:
    """Every delegate of a workshop, roster and walk-ins, in name order."""
    return store.all("select * from delegates where workshop_id = ? "
                     "order by name_key, id", [workshop_id])


def organisations(store: Store, workshop_id: int) -> list[str]:
    """Organisation names already known in this workshop (merged variants under
    their one name), for suggestions."""
    return organisation_names.names(store, workshop_id)


def _match(d: dict) -> dict:
    return {"id": d["id"], "name": d["name"], "organisation": d["organisation"],
            "role": d["role"]}


def _refuse_look_alikes(db, workshop_id: int, key: str, skeleton: str):
    """Refuse a walk-in's name that reads the same as a delegate's already here
    (zero-width characters, "а" for "a", fullwidth letters, spacing or punctuation
    aside): `on_roster` (with the entries to claim instead), `name_taken` or
    `name_removed`."""
    sql = ("select id, name, organisation, role, token_hash is not null as claimed, "
           "removed_at is not null as removed from delegates where workshop_id = ? "
           "and (name_key = ?" + (" or name_skeleton = ?)" if skeleton else ")") +
           " order by id")
    same = list(db.query(sql, [workshop_id, key, skeleton] if skeleton else [workshop_id, key]))
    free = [d for d in same if not d["claimed"] and not d["removed"]]
    if free:
        raise Problem("on_roster",
                      f"{free[0]['name']} is on the delegate list: if that is you, choose "
                      "“That's me”; if not, add something to tell you apart (an initial).",
                      "name", {"match": _match(free[0]),
                               "matches": [_match(d) for d in free[:8]]})
    if any(d["claimed"] for d in same):
        taken = next(d for d in same if d["claimed"])
        raise Problem("name_taken",
                      f"Someone has already joined as {taken['name']}. If that is you, "
                      "ask the facilitator to release the name.", "name")
    if same:
        raise Problem("name_removed",
                      "A delegate with this name was removed by the facilitator; ask them "
                      "if this is a mistake.", "name")


def join(store: Store, workshop: dict, name: str, organisation: str,
         role: str, source: str = "walk-in") -> tuple[dict, str]:
    """Add a walk-in delegate (or a rehearsal's simulated one); return them and their token.

    A name that looks like one already here is refused (see _refuse_look_alikes);
    the check and the insert are one write, so two phones cannot both pass it.
    """
    key, skeleton = name_key(name), name_skeleton(name)
    token = security.new_token()
    stamp = now()
    with store.write() as db:
        if key:
            _refuse_look_alikes(db, workshop["id"], key, skeleton)
        delegate_id = db["delegates"].insert({
            "workshop_id": workshop["id"], "token_hash": security.token_hash(token),
            "name": name, "name_key": key, "name_skeleton": skeleton,
            "organisation": organisation, "role": role, "sector": "", "source": source,
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


def held_since(store: Store, delegate_id: int) -> float:
    """Since when the phone holding this delegate's name has held it: a released name
    claimed again is another person, who must not see what the earlier holder sent."""
    row = store.one("select joined_at from delegates where id = ?", [delegate_id])
    return row["joined_at"] if row and row["joined_at"] is not None else float("inf")


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


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_roster(store: Store, workshop_id: int, query: str, limit=8) -> list[dict]:
    """Unclaimed roster entries whose name contains what the phone typed, or what it
    looks like (typed with look-alike letters: see name_skeleton)."""
    key, skeleton = name_key(query), name_skeleton(query)
    if len(key) < 2:
        return []
    by_look = " or name_skeleton like ? escape '\\'" if len(skeleton) >= 2 else ""
    return store.all("select * from delegates where workshop_id = ? and token_hash is null "
                     "and removed_at is null "
                     f"and (name_key like ? escape '\\'{by_look}) order by name_key limit ?",
                     [workshop_id, _like(key), *([_like(skeleton)] if by_look else []), limit])


# Rows are inserted this many at a time, all in one transaction.
IMPORT_CHUNK = 500


def import_roster(store: Store, workshop_id: int, raw: bytes, pause=None) -> dict:
    """Add a CSV roster's delegates, unclaimed; skip those already present (by a name
    that reads the same, in the same organisation).

    All or nothing: a file that cannot be read whole is a Problem (`too_large` or
    `invalid`), and the rows are added in one transaction. `pause` is called while
    the file is read (see roster.read).
    """
    try:
        rows, problems = roster_csv.read(raw, pause)
    except roster_csv.Refused as refused:
        raise Problem(refused.code, refused.message, "file") from None
    fresh, stamp = [], now()
    with store.write() as db:
        existing = {(r["name_skeleton"] or r["name_key"], name_key(r["organisation"]))
                    for r in db.query("select name_key, name_skeleton, organisation "
                                      "from delegates where workshop_id = ?", [workshop_id])}
        for row in rows:
            key = (row["name_skeleton"] or row["name_key"], name_key(row["organisation"]))
            if key in existing:
                continue
            existing.add(key)
            fresh.append({**row, "workshop_id": workshop_id, "source": "roster",
                          "created_at": stamp, "token_hash": None})
        for start in range(0, len(fresh), IMPORT_CHUNK):
            if start:
                pause_point("roster import")
            db["delegates"].insert_all(fresh[start:start + IMPORT_CHUNK])
    return {"added": len(fresh), "already_present": len(rows) - len(fresh),
            "problems": problems}


# --- a workshop's data: export and deletion ----------------------------------

# The core's tables, and which of their rows belong to one workshop: children
# before parents, the order deletion needs. Each kind lists its own (see
# hookspecs.Kind.owned), deleted before these. A condition may use :workshop (its
# id) and the JSON lists of its :delegates and :activities. A table neither
# lists fails tests/test_privacy.py.
CORE_OWNED = [
    ("activities", "workshop_id = :workshop"),
    ("delegates", "workshop_id = :workshop"),
    ("organisation_aliases", "workshop_id = :workshop"),
    ("workshops", "id = :workshop"),
]


def owned_tables() -> list[tuple[str, str]]:
    """Every table's (table, condition), children before parents."""
    return plugins.owned() + CORE_OWNED


# Hashes of the secret links and phone tokens: never part of an export.
SECRET_COLUMNS = frozenset({"facilitator_hash", "panel_hash", "screen_hash", "token_hash",
                            "rehearsal_hash",
                            # when a delegate first took part: kept for grouping only,
                            # it would time-match their first (perhaps anonymous) post
                            "active_at"})
# Columns stored as JSON text, exported as JSON.
JSON_COLUMNS = frozenset({"config", "phases", "result", "value"})


def _owned_ids(store: Store, workshop_id: int) -> dict:
    """The ids a workshop's rows are found by, as query parameters."""
    params = {"workshop": workshop_id}
    for name in ("delegates", "activities"):
        params[name] = json.dumps([r["id"] for r in store.all(
            f"select id from {name} where workshop_id = ?", [workshop_id])])
    return params


def _of_activity(activity_id: int) -> dict:
    return {"workshop": None, "delegates": "[]", "activities": json.dumps([activity_id])}


def rows_of_activity(db, activity_id: int) -> int:
    """How many rows the kinds keep for one activity (its answers, questions, rounds...)."""
    return sum(db.execute(f"select count(*) from {table} where {condition}",
                          _of_activity(activity_id)).fetchone()[0]
               for table, condition in plugins.owned())


def delete_rows_of_activity(db, activity_id: int):
    """Inside a write: delete every row the kinds keep for one activity, leaving the
    workshop's and its delegates' own (contacts, who knows whom)."""
    for table, condition in plugins.owned():
        db.execute(f"delete from {table} where {condition}", _of_activity(activity_id))


# Who sent an anonymous post (and their name, kept to match a new token) is
# left out of an export, as it is of every screen.
# The phone-made client_id too: it can carry the phone's clock, a fingerprint.
ANONYMOUS_COLUMNS = frozenset({"delegate_id", "name_key", "client_id"})


def _exported(row: dict) -> dict:
    out = {}
    for column, value in row.items():
        if column in SECRET_COLUMNS or (row.get("anonymous") and column in ANONYMOUS_COLUMNS):
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
    for table, condition in reversed(owned_tables()):
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
        for table, condition in owned_tables():
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
