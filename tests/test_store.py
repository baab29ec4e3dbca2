"""The SQLite store: migrations, durability settings, atomic writes."""
import sqlite3

import pytest
import sqlite_utils

from facilitator import store as store_module
from facilitator.hookspecs import Migration
from facilitator.store import Store, steps


def every_step() -> list[str]:
    return [step.name for step in steps()]


def test_new_database_is_migrated_with_wal_and_full_sync(tmp_path):
    store = Store(str(tmp_path / "a.db"))
    assert store.applied() == every_step()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"workshops", "delegates", "activities"} <= set(store.db.table_names())
    store.close()
    again = Store(str(tmp_path / "a.db"))  # reopening applies nothing twice
    assert again.applied() == every_step()
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


WRITER = """
import sys, threading
from facilitator.store import Store
store = Store(sys.argv[1])
name = sys.argv[2]
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # start together

def writes(thread):
    for n in range(40):
        with store.write() as db:
            db["workshops"].insert({"code": f"{name}{thread}-{n}", "title": "t",
                                    "facilitator_hash": f"{name}{thread}-{n}"})

threads = [threading.Thread(target=writes, args=(t,)) for t in range(4)]
for t in threads: t.start()
for t in threads: t.join()
"""


def test_processes_sharing_one_file_migrate_once_and_lose_no_write(tmp_path):
    """Several server processes on one database: both start on a new file at
    once, then write at the same time; every write lands, none fails."""
    import subprocess
    import sys
    path = str(tmp_path / "shared.db")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, path, name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for name in ("A", "B", "C")]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    store = Store(path)
    assert store.applied() == every_step()
    assert store.one("select count(*) as n from workshops")["n"] == 3 * 4 * 40
    store.close()


def test_step_names_are_unique_and_the_core_comes_first():
    names = every_step()
    assert len(set(names)) == len(names)
    assert names[:len(store_module.MIGRATIONS)] == [s.name for s in store_module.MIGRATIONS]


def counting(monkeypatch, only=None, extra=()) -> list[str]:
    """Make `Store` see these steps (every step, or those named in `only`, then
    `extra`); return the list of the names of the steps it runs, as it runs them."""
    ran = []

    def wrap(step):
        def fn(db):
            ran.append(step.name)
            step.fn(db)
        return Migration(step.name, fn, step.before)

    chosen = [s for s in steps() if only is None or s.name in only] + list(extra)
    monkeypatch.setattr(store_module, "steps", lambda: [wrap(s) for s in chosen])
    return ran


def test_a_database_numbered_before_steps_had_names_is_adopted_and_gets_the_new_steps(
        tmp_path, monkeypatch):
    """A database at user_version 7 (the last number) holds every step numbered
    up to 7: none of them runs again, and the steps added since (and any added
    now) run once."""
    path = str(tmp_path / "v7.db")
    numbered = {s.name for s in steps() if s.before is not None}
    ran = counting(monkeypatch, only=numbered)
    old = Store(path)
    assert sorted(ran) == sorted(numbered)
    with old.write() as db:
        db["workshops"].insert({"id": 1, "code": "ACDEFG", "title": "Kept",
                                "facilitator_hash": "h"})
    old.close()
    with sqlite3.connect(path) as conn:  # as the numbered releases left it
        conn.execute("drop table schema_steps")
        conn.execute("PRAGMA user_version=7")
    conn.close()

    added = Migration("test:added", lambda db: db["test_added"].create({"id": int}, pk="id"))
    monkeypatch.undo()
    ran = counting(monkeypatch, extra=[added])
    store = Store(path)
    new = [s.name for s in steps() if s.before is None] + ["test:added"]
    assert ran == new  # the numbered steps were adopted, not run again
    assert set(store.applied()) == numbered | set(new)
    assert len(store.applied()) == len(numbered) + len(new)
    assert store.one("select title from workshops where id = 1")["title"] == "Kept"
    assert store.db["test_added"].exists()
    store.close()

    again = Store(path)  # and the next start runs nothing
    assert ran == new
    again.close()


def test_a_database_at_version_4_gets_the_steps_it_had_not_had(tmp_path, monkeypatch):
    """user_version 4 held the core tables, Connect's rounds and plans and Q&A's
    first tables: those are adopted, the rest run, and the rows in it are kept
    (an older silence becomes one through the asker's question)."""
    path = str(tmp_path / "v4.db")
    then = ["core:1", "connect:1", "connect:2", "qa:1"]
    db = sqlite_utils.Database(sqlite3.connect(path))
    by_name = {s.name: s for s in steps()}
    for name in then:
        by_name[name].fn(db)
    db["workshops"].insert({"id": 1, "code": "ACDEFG", "title": "Old day",
                            "facilitator_hash": "h"})
    db["delegates"].insert({"id": 1, "workshop_id": 1, "name": "Ann Lee",
                            "name_key": "ann lee", "source": "walk-in"})
    db["activities"].insert({"id": 1, "workshop_id": 1, "position": 1, "kind": "qa",
                             "title": "Questions"})
    db["qa_questions"].insert({"id": 1, "workshop_id": 1, "activity_id": 1,
                               "delegate_id": 1, "client_id": "c1", "text": "Why?",
                               "status": "held"})
    db["qa_silenced"].insert({"workshop_id": 1, "name_key": "ann lee", "delegate_id": 1,
                              "created_at": 1.0})
    db.execute("PRAGMA user_version=4")
    db.conn.commit()
    db.conn.close()

    ran = counting(monkeypatch)
    store = Store(path)
    assert ran == [name for name in every_step() if name not in then]
    assert store.applied()[:len(then)] == then
    assert sorted(store.applied()) == sorted(every_step())
    assert {"responses", "prompt_state", "qa_silences"} <= set(store.db.table_names())
    assert "qa_silenced" not in store.db.table_names()
    assert store.one("select doors, screen_blank from workshops where id = 1") == \
        {"doors": "open", "screen_blank": 0}
    assert store.one("select name_skeleton from delegates where id = 1")["name_skeleton"]
    assert store.all("select question_id, delegate_id, anonymous from qa_silences") == \
        [{"question_id": 1, "delegate_id": 1, "anonymous": 0}]
    store.close()
