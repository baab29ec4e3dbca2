"""Every write about a rehearsal's simulated delegates happens here."""
import contextlib
import json

from .. import plugins, security
from ..store import Store

SIMULATED = "simulated"  # the `source` of a simulated delegate


def new_secret(store: Store, workshop_id: int) -> str:
    """A fresh secret for this workshop's simulated phones (an older one stops working)."""
    secret = security.new_token()
    with store.write() as db:
        db.execute("update workshops set rehearsal_hash = ? where id = ?",
                   [security.token_hash(secret), workshop_id])
    return secret


def is_rehearsal(workshop: dict, secret) -> bool:
    """Whether a phone's `rehearsal` auth is this workshop's current secret."""
    return bool(isinstance(secret, str) and secret and workshop.get("rehearsal_hash")
                and security.same(security.token_hash(secret), workshop["rehearsal_hash"]))


def simulated_ids(store: Store, workshop_id: int) -> list[int]:
    """The workshop's simulated delegates."""
    return [r["id"] for r in store.all(
        "select id from delegates where workshop_id = ? and source = ?",
        [workshop_id, SIMULATED])]


def _delete(db, workshop_id: int, ids: list[int]):
    params = {"workshop": None, "activities": "[]", "delegates": json.dumps(ids)}
    for table, condition in plugins.owned():
        db.execute(f"delete from {table} where {condition}", params)
    db.execute("delete from delegates where workshop_id = ? and id in "
               "(select value from json_each(?))", [workshop_id, json.dumps(ids)])


def remove_simulated(store: Store, workshop_id: int) -> list[int]:
    """Delete every simulated delegate and all they sent, and retire the rehearsal's
    secret (a phone still holding it joins as anyone else would); return their ids."""
    ids = simulated_ids(store, workshop_id)
    with store.write() as db:
        if ids:
            _delete(db, workshop_id, ids)
        db.execute("update workshops set rehearsal_hash = null where id = ?", [workshop_id])
    return ids


@contextlib.contextmanager
def without_simulated(store: Store, workshop_id: int):
    """A store to read a workshop's report or export from: the store itself, or, while
    simulated delegates are in it, a copy in memory without them and all they sent."""
    ids = simulated_ids(store, workshop_id)
    if not ids:
        yield store
        return
    copy = Store(":memory:")
    with store.lock:
        store.db.conn.backup(copy.db.conn)
    try:
        with copy.write() as db:
            _delete(db, workshop_id, ids)
        yield copy
    finally:
        copy.close()
