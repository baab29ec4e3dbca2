"""Small runs of every benchmark, so that none can silently rot.

They check that each benchmark still runs against the real app and reports
correct counts; the figures of a run this small mean nothing and are not read.
"""
import json
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.live

SMOKE = {
    "abuse": ["--flood-seconds", "2", "--cap", "20", "--extra", "2"],
    "join_broadcast": ["--phones", "20", "--reps", "2"],
    "qa_votes": ["--phones", "30", "--reps", "1", "--questions", "4",
                 "--votes-per-phone", "2"],
    "poll_burst": ["--phones", "30", "--reps", "1", "--resends", "3", "--changes", "3",
                   "--burst-seconds", "1"],
    "pairing_rounds": ["--rosters", "24", "--sizes", "2,4", "--rounds", "3", "--seeds", "2"],
    "planner": ["--only", "5-3-7", "4-4-5", "--time-limit", "2"],
    "scaleout": ["--phones", "20", "--reps", "2"],
    "loop_lag": ["--phones", "30", "--reps", "1", "--settle", "0.2"],
    "reconnect_storm": ["--phones", "30", "--reps", "1", "--restart-delay", "0"],
}


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs_and_reports(name):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *SMOKE[name]],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    report = json.loads(done.stdout)
    assert "error" not in report, report.get("error")
