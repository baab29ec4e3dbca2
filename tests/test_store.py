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
    assert store.version == len(MIGRATIONS)
    assert store.one("select count(*) as n from workshops")["n"] == 3 * 4 * 40
    store.close()
