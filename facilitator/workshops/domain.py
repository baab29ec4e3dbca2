"""Workshops and delegates: every write about them happens here."""
import sqlite3

from .. import security
from ..store import Store, now
from ..validation import Problem, name_key
from . import roster as roster_csv

SCREENS = ("panel", "screen")


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
    token = security.new_token()
    with store.write() as db:
        # The WHERE makes the claim atomic: two phones cannot both win it.
        cursor = db.execute(
            "update delegates set token_hash = ?, joined_at = ? "
            "where id = ? and token_hash is null",
            [security.token_hash(token), now(), delegate["id"]])
    if cursor.rowcount != 1:
        raise Problem("name_taken",
                      f"{delegate['name']} has already been claimed. If that is you, "
                      "ask the facilitator to release the name.", "delegate_id")
    return get_delegate(store, workshop["id"], delegate["id"]), token


def release(store: Store, workshop_id: int, delegate_id) -> dict:
    """The facilitator frees a claimed name: its phone loses it, anyone may claim it."""
    delegate = get_delegate(store, workshop_id, delegate_id)
    with store.write() as db:
        db["delegates"].update(delegate["id"], {"token_hash": None, "joined_at": None})
    return get_delegate(store, workshop_id, delegate["id"])


def search_roster(store: Store, workshop_id: int, query: str, limit=8) -> list[dict]:
    """Unclaimed roster entries whose name contains what the phone typed."""
    key = name_key(query)
    if len(key) < 2:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return store.all("select * from delegates where workshop_id = ? and token_hash is null "
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
