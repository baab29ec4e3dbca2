"""Running a rehearsal's crowd of simulated phones beside the server.

The crowd runs in a process of its own (`python -m facilitator.rehearsal`),
connecting to this server over loopback as real phones do, so the server
does all it does for real phones and this process's loop is not theirs.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..store import Store

# Where `facilitator` is imported from, whatever the server's working directory.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]

_crowds: dict[int, subprocess.Popen] = {}  # workshop id -> its crowd, in this process
_lock = threading.Lock()


def people(store: Store, workshop_id: int, source: str) -> list[dict]:
    """Organisations and roles for the simulated delegates: the roster's (so groups
    mix as they will on the day), or made up."""
    if source == "roster":
        rows = store.all("select organisation, role from delegates where workshop_id = ? "
                         "and source = 'roster' and organisation != ''", [workshop_id])
        if rows:
            return rows
    return []  # the crowd makes them up from its own list


def start(workshop: dict, url: str, secret: str, phones: int, mix: list[dict],
          seconds: float) -> None:
    """Start (or restart) a workshop's crowd of `phones` simulated phones, joining over
    `seconds`."""
    stop(workshop["id"])
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"people": mix}, spec)
    crowd = subprocess.Popen(
        [sys.executable, "-m", "facilitator.rehearsal", "--url", url,
         "--code", workshop["code"], "--phones", str(phones), "--over", str(seconds),
         "--people", spec.name],
        # The secret goes in the environment, not the command line others can list; of
        # the server's settings only the crowd's own pace goes with it.
        env={**{k: v for k, v in os.environ.items() if not k.startswith("FACILITATOR_")
                or k == "FACILITATOR_REHEARSAL_PACE"},
             "FACILITATOR_REHEARSAL_SECRET": secret},
        cwd=PACKAGE_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with _lock:
        _crowds[workshop["id"]] = crowd


def status(store: Store, workshop_id: int) -> dict:
    """What control screens show of a rehearsal: is a crowd running (in this process),
    and how many simulated delegates are in the workshop."""
    return {"running": running(workshop_id),
            "simulated": store.one("select count(*) as n from delegates where workshop_id = ? "
                                   "and source = 'simulated'", [workshop_id])["n"]}


def running(workshop_id: int) -> bool:
    """Whether this process runs a crowd for the workshop now."""
    with _lock:
        crowd = _crowds.get(workshop_id)
    return crowd is not None and crowd.poll() is None


def stop(workshop_id: int) -> bool:
    """Stop a workshop's crowd, if this process runs one; True if it did."""
    with _lock:
        crowd = _crowds.pop(workshop_id, None)
    if crowd is None or crowd.poll() is not None:
        return False
    crowd.terminate()
    try:
        crowd.wait(timeout=5)
    except subprocess.TimeoutExpired:
        crowd.kill()
    return True
