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

SMOKE = {  # name: the script in bench/ and its arguments
    "abuse": ["abuse.py", "--flood-seconds", "2", "--cap", "20", "--extra", "2"],
    "join_broadcast": ["join_broadcast.py", "--phones", "20", "--reps", "2"],
    "qa_votes": ["burst.py", "votes", "--phones", "30", "--reps", "1", "--questions", "4",
                 "--votes-per-phone", "2"],
    "poll_burst": ["burst.py", "poll", "--phones", "30", "--reps", "1", "--resends", "3",
                   "--changes", "3", "--burst-seconds", "1"],
    "pairing_rounds": ["pairing_rounds.py", "--rosters", "24", "--sizes", "2,4", "--rounds",
                       "3", "--seeds", "2"],
    "planner": ["planner.py", "--only", "5-3-7", "4-4-5", "--time-limit", "2"],
    "scaleout": ["join_broadcast.py", "--through", "direct,1,2", "--phones", "20", "--reps", "2"],
    "loop_lag": ["loop_lag.py", "--phones", "30", "--reps", "1", "--settle", "0.2"],
    "reconnect_storm": ["reconnect_storm.py", "--phones", "30", "--reps", "1",
                        "--restart-delay", "0"],
}


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs_and_reports(name):
    script, *args = SMOKE[name]
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    report = json.loads(done.stdout)
    assert "error" not in report, report.get("error")


def test_simulated_phones_take_part_as_delegates_do(live_server):
    """The simulated phones (facilitator/rehearsal/phone.py) against the real server: a
    crowd arriving over a second, a roster claim, every prompt kind, Q&A, a Connect round,
    a reconnect with the token and the page's assets."""
    import asyncio

    import requests
    from facilitator.rehearsal.phone import Client, Crowd, Refused

    w = live_server.create_workshop()
    requests.post(f"{live_server.url}/control/{w['key']}/roster", timeout=10, files={
        "file": ("roster.csv", "name,organisation\nAda Lovelace,Engines Ltd\n")}).raise_for_status()

    async def until(condition, timeout=10):
        for _ in range(int(timeout / 0.02)):
            if condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out")

    async def scenario():
        fac = Client(live_server.url, {"role": "facilitator", "key": w["key"]})
        await fac.connect()
        crowd = Crowd(live_server.url, w["code"])
        phones, _, failures = await crowd.arrive(6, seconds=1.0)
        assert len(phones) == 6 and not failures
        ada = crowd.phone(99)
        assert (await ada.claim("Lovelace"))["me"]["name"] == "Ada Lovelace"
        with pytest.raises(Refused):
            await crowd.phone(100).claim("Lovelace")
        phones.append(ada)

        async def go_live(**settings):
            ack = await fac.call("activity:add", settings)
            assert (await fac.call("live:set", {"activity_id": ack["activity"]["id"]}))["ok"]
            await until(lambda: all(p.live_id == ack["activity"]["id"] for p in phones))

        for settings in ({"kind": "poll", "title": "Lunch?", "options": ["Soup", "Salad", "Pie"],
                          "multiple": True, "other": True},
                         {"kind": "wordcloud", "title": "One word", "entries": 2},
                         {"kind": "scale", "title": "How sure?", "high": 10},
                         {"kind": "ready", "title": "Ready?"}):
            await go_live(**settings)
            acks = await asyncio.gather(*[p.take_part() for p in phones])
            assert all(a["ok"] for a in acks), acks
        await go_live(kind="qa", title="Questions", auto_publish=True, min_interval=0)
        asked = await asyncio.gather(*[p.ask() for p in phones[:3]])
        assert all(a["ok"] for a in asked), asked
        ids = [a["question"]["id"] for a in asked]
        votes = await asyncio.gather(*[p.vote(ids[i % 3]) for i, p in enumerate(phones[3:])])
        assert all(v["ok"] for v in votes), votes
        await go_live(kind="connect", title="Meet", group_size=2, round_count=2)
        assert (await fac.call("connect:start", {"activity_id": phones[0].live_id}))["ok"]
        await until(lambda: all((p.mine or {}).get("group") for p in phones))
        assert (await phones[0].sit_out())["ok"]
        taps = await asyncio.gather(*[p.found() for p in phones[1:]])
        assert all(t["ok"] or t["error"] == "already_found" for t in taps), taps

        phone = phones[1]
        await phone.close()
        snapshot = await phone.connect()
        assert snapshot["token_status"] == "ok" and snapshot["me"] == phone.me
        assert set((await phone.load_page()).values()) == {200}
        await asyncio.gather(fac.close(), crowd.close(), ada.close())

    asyncio.run(scenario())
