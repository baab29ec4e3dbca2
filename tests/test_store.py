"""The SQLite store: migrations, durability settings, atomic writes."""
import pytest

from facilitator.store import MIGRATIONS, Store


def test_new_database_is_migrated_with_wal_and_full_sync(tmp_path):
    store = Store(str(tmp_path / "a.db"))
    assert store.version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"workshops", "delegates", "activities"} <= set(store.db.table_names())
    store.close()
    again = Store(str(tmp_path / "a.db"))  # reopening applies nothing twice
    assert again.version == len(MIGRATIONS)
    again.close()


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    store = Store(str(tmp_path / "b.db"))
    with pytest.raises(RuntimeError):
        with store.write() as db:
            db["workshops"].insert({"code": "ACDEFG", "title": "t",
                                    "facilitator_hash": "h"})
            raise RuntimeError("disk trouble")
    assert store.one("select count(*) as n from workshops")["n"] == 0
    store.close()
