"""Planning a whole rotation ahead, for fixed cohorts and printed tables.

The planner searches for up to its time limit, so it runs in its own process:
the server keeps serving every phone while it works.
"""
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from ..validation import Problem

TIME_LIMIT = 8  # seconds of search; the page waits this long at most
ROOT = Path(__file__).resolve().parents[2]  # where `python -m facilitator...` resolves


def plan(people: list[dict] | int, group_size: int, rounds: int,
         separate_organisations: bool = True) -> dict:
    """{"rounds": [[[name, ...], ...], ...], "stats": {...}} from the planner command."""
    command = [sys.executable, "-m", "facilitator.pairing", "plan", "--group-size",
               str(group_size), "--rounds", str(rounds), "--time-limit", str(TIME_LIMIT),
               "--json"]
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8",
                                     newline="") as roster:
        if isinstance(people, int):
            command += ["--people", str(people)]
        else:
            writer = csv.writer(roster)
            writer.writerow(["name", "organisation", "role", "sector"])
            for person in people:
                writer.writerow([person["name"],
                                 person["organisation"] if separate_organisations else "",
                                 person["role"], person["sector"]])
            roster.flush()
            command += ["--roster", roster.name]
        try:
            # subprocess is cooperative under the async server: other phones keep going.
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIME_LIMIT + 20, cwd=ROOT)
        except subprocess.TimeoutExpired:
            raise Problem("timeout", "Planning took too long; try fewer rounds.") from None
    if done.returncode != 0:
        raise Problem("invalid", done.stderr.strip().splitlines()[-1] if done.stderr.strip()
                      else "The planner could not make that schedule.")
    return json.loads(done.stdout)

