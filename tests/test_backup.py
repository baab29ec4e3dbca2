"""`python -m facilitator.backup`: a safe copy of the live database."""
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from facilitator.backup import main
from facilitator.store import Store, now


@pytest.fixture
def database(app, workshops):
    """The app's database file, holding a workshop with a delegate."""
    w = workshops.create("Backup day")
    workshops.phone(w, "Imogen Travers", "Hospice")
    return app.config["DATABASE"]


def rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_copies_the_database_into_one_private_file(database, tmp_path, capsys):
    dest = tmp_path / "copies" / "event.db"
    dest.parent.mkdir()
    assert main([str(dest), "--database", database]) == 0
    out = capsys.readouterr().out
    assert f"to {dest}" in out and "(1 workshop, 1 delegate)" in out
    assert rows(dest, "select name from delegates") == [("Imogen Travers",)]
    assert rows(dest, "pragma journal_mode") == [("delete",)]  # no -wal needed beside it
    assert rows(dest, "pragma integrity_check") == [("ok",)]
    assert dest.stat().st_mode & 0o777 == 0o600
    assert sorted(os.listdir(dest.parent)) == ["event.db"]  # no partial file left


def test_a_folder_gets_a_dated_copy(database, tmp_path, capsys):
    assert main([str(tmp_path), "--database", database]) == 0
    made = [p for p in tmp_path.iterdir() if p.name.startswith("facilitator-")]
    assert len(made) == 1 and made[0].suffix == ".db"
    assert str(made[0]) in capsys.readouterr().out


def test_an_existing_file_is_kept_unless_forced(database, tmp_path, capsys):
    dest = tmp_path / "event.db"
    dest.write_bytes(b"an older copy")
    assert main([str(dest), "--database", database]) == 1
    assert "already exists; add --force to overwrite it" in capsys.readouterr().err
    assert dest.read_bytes() == b"an older copy"
    assert main([str(dest), "--database", database, "--force"]) == 0
    assert rows(dest, "select count(*) from workshops") == [(1,)]


@pytest.mark.parametrize("case, message", [
    ("missing", "there is no database at"),
    ("not a database", "file is not a database"),
    ("no folder", "does not exist"),
    ("itself", "cannot be the database itself"),
])
def test_problems_exit_non_zero_with_one_clear_line(database, tmp_path, capsys, case, message):
    source, dest = database, tmp_path / "copy.db"
    if case == "missing":
        source = str(tmp_path / "nothing-here.db")
    elif case == "not a database":
        source = tmp_path / "notes.txt"
        source.write_text("not a database, just some notes " * 100)
    elif case == "no folder":
        dest = tmp_path / "no" / "such" / "folder" / "copy.db"
    elif case == "itself":
        dest = database
    assert main([str(dest), "--database", str(source), "--force"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "copy.db").exists()
    assert [p for p in tmp_path.iterdir() if "partial" in p.name] == []
    if case == "missing":
        assert not (tmp_path / "nothing-here.db").exists()  # never created


def test_copies_are_consistent_while_another_connection_writes(database, tmp_path, capsys):
    writer = Store(database)  # as a running server would: its own connection
    workshop_id = writer.one("select id from workshops")["id"]
    stop, written, errors = threading.Event(), [0], []

    def write():
        try:
            while not stop.is_set():
                with writer.write() as db:  # a delegate and their contact, together
                    delegate_id = db["delegates"].insert({
                        "workshop_id": workshop_id, "name": f"Person {written[0]}",
                        "source": "walk-in", "created_at": now()}).last_pk
                    db["contacts"].insert({"delegate_id": delegate_id,
                                           "workshop_id": workshop_id, "contact": "x"})
                written[0] += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        counts = []
        for n in range(5):
            while written[0] < 50 * (n + 1):
                time.sleep(0.01)
            dest = tmp_path / f"copy-{n}.db"
            assert main([str(dest), "--database", database]) == 0
            assert rows(dest, "pragma integrity_check") == [("ok",)]
            delegates, contacts = rows(dest, "select (select count(*) from delegates), "
                                             "(select count(*) from contacts)")[0]
            assert delegates == contacts + 1  # never half a write
            counts.append(contacts)
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert errors == []
    assert counts == sorted(counts) and counts[0] >= 50 and written[0] >= counts[-1]


def test_runs_as_a_module_on_the_configured_database(database, tmp_path):
    env = {**os.environ, "FACILITATOR_DATABASE": database}
    dest = tmp_path / "event.db"
    command = [sys.executable, "-m", "facilitator.backup", str(dest)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Backed up {database} to {dest}")
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 1 and "add --force" in again.stderr
