"""Copy the live database to a file: `python -m facilitator.backup DEST [--database F] [--force]`.

Safe while the server runs: SQLite's online backup API copies one consistent
moment of the database (a read transaction; the server keeps writing
meanwhile). The copy is a single self-contained file, readable only by its
owner, written under a temporary name and renamed when complete.
"""
import argparse
import os
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from .config import ROOT, SETTINGS


class BackupError(Exception):
    """A problem worth one clear line to the person running the command."""


def default_database() -> Path:
    """The database the server uses: FACILITATOR_DATABASE, or its default under instance/."""
    default = dict((name, value) for name, value, _ in SETTINGS)["FACILITATOR_DATABASE"]
    path = Path(os.environ.get("FACILITATOR_DATABASE") or default)
    return path if path.is_absolute() else ROOT / path


def backup(source: Path, dest: Path, force: bool = False) -> dict:
    """Copy `source` to `dest` (a file, or a folder to put a dated file in); describe the copy."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if dest.is_dir():
        dest = dest / f"facilitator-{datetime.now():%Y%m%d-%H%M%S}.db"
    dest = dest.resolve()
    if dest == source:
        raise BackupError("the backup cannot be the database itself")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    if dest.exists() and not force:
        raise BackupError(f"{dest} already exists; add --force to overwrite it")
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        # It holds personal data: readable by its owner only, from the start.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        described = _copy(source, temporary)
        os.replace(temporary, dest)
    except OSError as exc:
        raise BackupError(f"could not write {dest}: {exc.strerror or exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return {"source": source, "dest": dest, "bytes": dest.stat().st_size, **described}


def _copy(source: Path, target: Path) -> dict:
    try:
        # mode=rw: a mistyped path is never created. Nothing is written to it.
        src = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise BackupError(f"could not open {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # every page in one step: one consistent snapshot
            # One file on its own: no write-ahead log beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed SQLite's check: {check}")
            tables = {r[0] for r in dst.execute(
                "select name from sqlite_master where type = 'table'")}
            counts = {table: dst.execute(f"select count(*) from {table}").fetchone()[0]
                      for table in ("workshops", "delegates") if table in tables}
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"could not copy {source}: {exc}") from exc
    finally:
        src.close()
    return counts


def main(argv=None) -> int:
    """Run the command; return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m facilitator.backup",
        description="Copy the workshop database safely, even while the server is running.")
    parser.add_argument("dest", type=Path,
                        help="file to write, or an existing folder to put a dated copy in")
    parser.add_argument("--database", type=Path,
                        help="database to copy (default: FACILITATOR_DATABASE, "
                             "or instance/facilitator.db)")
    parser.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    args = parser.parse_args(argv)
    try:
        done = backup(args.database or default_database(), args.dest, args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counted = [f"{done[t]} {t[:-1] if done[t] == 1 else t}" for t in ("workshops", "delegates")
               if t in done]
    what = f" ({', '.join(counted)})" if counted else ""
    print(f"Backed up {done['source']} to {done['dest']}: {done['bytes']:,} bytes{what}.")
    print("It holds personal data: keep it safe, and delete it when you no longer need it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
