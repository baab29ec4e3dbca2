"""Rehearsal: a real server fills a workshop with a crowd of simulated phones (a process
of its own, `python -m facilitator.rehearsal`) that take part as a room would, marked so
that reports and exports leave them out and one action removes them."""
import asyncio
import csv
import io
import json
import zipfile

import psutil
import pytest
import requests

from conftest import ROOT, LiveServer
from facilitator.rehearsal.phone import Client, Phone, Refused
from facilitator.validation import name_key

pytestmark = pytest.mark.live

PEOPLE = json.loads((ROOT / "facilitator" / "rehearsal" / "people.json").read_text())
# A roster holding a few of the names the crowd makes up, which it must not take.
ROSTER = [f"{first} {last}" for first in PEOPLE["first_names"][:5]
          for last in PEOPLE["surnames"]]


@pytest.fixture
def server(tmp_path):
    """A real server whose crowds are ten times as quick as a room."""
    live = LiveServer(tmp_path / "live.db", env={"FACILITATOR_REHEARSAL_PACE": "0.1"}).start()
    yield live
    live.stop()


def crowds(server) -> list[psutil.Process]:
    """The server's rehearsal crowds running now."""
    return [p for p in psutil.Process(server.proc.pid).children()
            if "facilitator.rehearsal" in " ".join(p.cmdline()) and p.status() != "zombie"]


def upload_roster(server, w, names):
    rows = "".join(f"{name},Roster Trust\n" for name in names)
    requests.post(f"{server.url}/control/{w['key']}/roster", timeout=10, files={
        "file": ("roster.csv", "name,organisation\n" + rows)}).raise_for_status()


async def until(condition, timeout=30, what="the crowd"):
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def delegates(server, w) -> list[dict]:
    """The delegates a control screen lists on connecting."""
    fac = Client(server.url, {"role": "facilitator", "key": w["key"]})
    snap = await fac.connect()
    await fac.close()
    return snap["delegates"]


def test_a_rehearsal_fills_the_room_takes_part_and_leaves_nothing_behind(server):
    w = server.create_workshop()
    upload_roster(server, w, ROSTER)

    async def scenario():
        fac = Client(server.url, {"role": "facilitator", "key": w["key"]})
        await fac.connect()

        async def add(**settings):
            ack = await fac.call("activity:add", settings)
            assert ack["ok"], ack
            return ack["activity"]["id"]

        poll = await add(kind="poll", title="Lunch?", options=["Soup", "Salad", "Pie", "Curry"],
                         results="live")
        qa = await add(kind="qa", title="Questions", auto_publish=True, min_interval=0)
        connect = await add(kind="connect", title="Meet", group_size=2, round_count=2)
        assert (await fac.call("live:set", {"activity_id": poll}))["ok"]

        ack = await fac.call("rehearsal:start", {"phones": 30, "seconds": 2})
        assert ack["ok"] and ack["rehearsal"]["running"], ack
        assert len(crowds(server)) == 1

        # They join, marked as simulated, under names nobody on the roster has.
        simulated = []

        async def joined():
            simulated[:] = [d for d in await delegates(server, w) if d["source"] == "simulated"]
            return len(simulated) == 30
        for _ in range(100):
            if await joined():
                break
            await asyncio.sleep(0.2)
        assert len(simulated) == 30
        taken = {name_key(n) for n in ROSTER}
        assert not taken & {name_key(d["name"]) for d in simulated}
        assert len({d["name"] for d in simulated}) == 30
        assert all(d["organisation"] for d in simulated)

        # The poll: nearly everyone answers, some options favoured.
        await until(lambda: (fac.activity["results"] or {}).get("total", 0) >= 20, what="answers")
        counts = fac.activity["results"]["counts"]
        assert sum(1 for c in counts if c) >= 2 and max(counts) > sum(counts) / len(counts)

        # Q&A: some ask, others vote for what was asked.
        assert (await fac.call("live:set", {"activity_id": qa}))["ok"]
        await until(lambda: len(fac.activity.get("questions") or []) >= 2
                    and sum(q["votes"] for q in fac.activity["questions"]) >= 2, what="Q&A")

        # Connect: they find their groups on their cards.
        assert (await fac.call("connect:start", {"activity_id": connect}))["ok"]
        await until(lambda: fac.activity.get("progress", {}).get("placed", 0) >= 20
                    and fac.activity["progress"]["found"] >= fac.activity["progress"]["placed"]
                    / 2, what="Connect")

        # Reports and exports leave them out, with all they sent.
        names = [d["name"] for d in simulated]
        report = requests.get(f"{server.url}/control/{w['key']}/report", timeout=20).text
        assert not [n for n in names if n in report]
        answers = requests.get(f"{server.url}/control/{w['key']}/activities/{poll}/answers.csv",
                               timeout=20).text
        assert len(list(csv.reader(io.StringIO(answers)))) == 1, "the header alone"
        archive = zipfile.ZipFile(io.BytesIO(requests.get(
            f"{server.url}/control/{w['key']}/export", timeout=20).content))
        data = json.loads(archive.read("data.json"))["tables"]
        assert {d["source"] for d in data["delegates"]} == {"roster"}
        assert not data["responses"] and not data["qa_questions"] and not data["qa_votes"]
        assert not [n for n in names if n in archive.read("csv/delegates.csv").decode()]

        # Stopping removes them all with all they sent, and the crowd.
        ack = await fac.call("rehearsal:stop", {})
        assert ack == {"ok": True, "removed": 30}
        assert not crowds(server)
        assert not [d for d in await delegates(server, w) if d["source"] == "simulated"]
        await until(lambda: not fac.activity["progress"]["placed"], what="an empty round")
        await fac.close()
        with zipfile.ZipFile(io.BytesIO(requests.get(
                f"{server.url}/control/{w['key']}/export", timeout=20).content)) as after:
            rows = json.loads(after.read("data.json"))["tables"]
        assert not rows["responses"] and not rows["qa_questions"] and not rows["qa_votes"]
        assert not rows["connect_members"]

    asyncio.run(scenario())


def test_a_simulated_phone_claims_nobody_and_a_wrong_secret_is_an_ordinary_phone(server):
    from facilitator.rehearsal import domain
    from facilitator.store import Store

    w = server.create_workshop()
    upload_roster(server, w, ["Ada Lovelace"])
    store = Store(str(server.database))
    workshop_id = store.one("select id from workshops where code = ?", [w["code"]])["id"]
    secret = domain.new_secret(store, workshop_id)
    store.close()

    async def scenario():
        phones = [Phone(server.url, w["code"], i, rehearsal=s)
                  for i, s in enumerate([secret, secret, "wrong", "wrong"])]
        with pytest.raises(Refused) as refused:
            await phones[0].claim("Lovelace")
        assert refused.value.ack["error"] == "forbidden"
        assert (await phones[1].join("Sim One"))["ok"]
        assert (await phones[2].join("Ann Other"))["ok"]
        assert (await phones[3].claim("Lovelace"))["me"]["name"] == "Ada Lovelace"
        sources = {d["name"]: d["source"] for d in await delegates(server, w)}
        assert sources == {"Ada Lovelace": "roster", "Sim One": "simulated",
                           "Ann Other": "walk-in"}
        for phone in phones:
            await phone.close()

    asyncio.run(scenario())
