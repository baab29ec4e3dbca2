"""Rehearsal: a real server fills a workshop with a crowd of simulated phones (a process
of its own, `python -m facilitator.rehearsal`) that take part as a room would, marked so
that reports and exports leave them out and one action removes them."""
import argparse
import asyncio
import csv
import io
import json
import zipfile

import psutil
import pytest
import requests

from conftest import ROOT, LiveServer
from facilitator import plugins
from facilitator.rehearsal import domain
from facilitator.rehearsal.__main__ import Rehearsal
from facilitator.rehearsal.phone import Client, Phone, Refused
from facilitator.store import Store
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

        # Connect: they find their groups on their cards (a real phone among them).
        real = Phone(server.url, w["code"], 1)
        assert (await real.join("Real Person", "Real Trust"))["ok"]
        assert (await fac.call("connect:start", {"activity_id": connect}))["ok"]
        await until(lambda: ((real.mine or {}).get("group") or {}).get("members"),
                    what="the real phone's group")
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
        assert {d["source"] for d in data["delegates"]} == {"roster", "walk-in"}
        assert not data["responses"] and not data["qa_questions"] and not data["qa_votes"]
        assert not [n for n in names if n in archive.read("csv/delegates.csv").decode()]

        # Stopping removes them all with all they sent, and the crowd.
        ack = await fac.call("rehearsal:stop", {})
        assert ack == {"ok": True, "removed": 30}
        assert not crowds(server)
        assert not [d for d in await delegates(server, w) if d["source"] == "simulated"]
        await until(lambda: fac.activity["progress"]["placed"] == 1, what="a round of one")
        # The real phone's card no longer lists anyone simulated.
        await until(lambda: not real.mine["group"]["members"], what="the real phone's card")
        await real.close()
        await fac.close()
        with zipfile.ZipFile(io.BytesIO(requests.get(
                f"{server.url}/control/{w['key']}/export", timeout=20).content)) as after:
            rows = json.loads(after.read("data.json"))["tables"]
        assert not rows["responses"] and not rows["qa_questions"] and not rows["qa_votes"]
        assert {m["delegate_id"] for m in rows["connect_members"]} == {real.me["id"]}

    asyncio.run(scenario())


def test_a_simulated_phone_claims_nobody_and_a_wrong_secret_is_an_ordinary_phone(server):
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


def phones_act_in(kind) -> bool:
    """Whether delegates' phones send anything in this kind (its examples say)."""
    examples = kind.examples or {}
    return bool(examples.get("answers")) or any(
        role == "delegate" for role, _, _ in examples.get("actions", ()))


def setting_up(kind, activity_id) -> list[tuple[str, dict]]:
    """The facilitator's steps of the kind's examples before any phone acts (starting a
    round, say), for this activity."""
    steps = []
    for role, event, payload in (kind.examples or {}).get("actions", ()):
        if role != "facilitator":
            break
        steps.append((event, {k: activity_id if v == "$activity" else v
                              for k, v in payload.items()}))
    return steps


def owned_rows(store, delegate_ids) -> dict[str, int]:
    """The rows each kind's tables hold of these delegates."""
    params = {"workshop": None, "activities": "[]", "delegates": json.dumps(delegate_ids)}
    return {table: store.one(f"select count(*) as n from {table} where {condition}",
                             params)["n"] for table, condition in plugins.owned()}


def test_the_crowd_takes_part_in_every_kind_and_stop_removes_all_of_it(server):
    """On a run sheet of every registered kind, a crowd sends something the server takes
    in each kind that phones act in: each says how a simulated delegate takes part
    (Kind.rehearse), so a new kind without it fails here. Kinds phones only watch get
    nothing. Stopping removes every simulated delegate with all they sent."""
    kinds, phones = plugins.load(), 16
    w = server.create_workshop()
    store = Store(str(server.database))
    workshop_id = store.one("select id from workshops where code = ?", [w["code"]])["id"]
    secret = domain.new_secret(store, workshop_id)

    async def scenario():
        fac = Client(server.url, {"role": "facilitator", "key": w["key"]})
        await fac.connect()
        ids = {}
        for name, kind in kinds.items():
            ack = await fac.call("activity:add", {"kind": name, "title": kind.label,
                                                  **(kind.examples or {}).get("settings", {})})
            assert ack["ok"], (name, ack)
            ids[name] = ack["activity"]["id"]
        crowd = Rehearsal(argparse.Namespace(url=server.url, code=w["code"], phones=phones,
                                             over=0.3, pace=0.02, seed="every kind"),
                          [], secret)
        running = asyncio.ensure_future(crowd.run())
        await until(lambda: len(crowd.crowd.phones) == phones, what="the crowd to join")

        def taken(name):
            return sum(n for (activity, _, outcome), n in crowd.acks.items()
                       if activity == ids[name] and outcome == "ok")

        for name, kind in kinds.items():
            assert (await fac.call("live:set", {"activity_id": ids[name]}))["ok"]
            for event, payload in setting_up(kind, ids[name]):
                assert (await fac.call(event, payload))["ok"], (name, event)
            if phones_act_in(kind):
                await until(lambda: taken(name) >= 3, timeout=15,
                            what=f"the crowd to take part in {name} ({crowd.acks})")
            else:
                await asyncio.sleep(0.3)
                assert not taken(name), f"{name}: phones only watch it"
        refused = {(event, outcome) for (_, event, outcome), n in crowd.acks.items()
                   if outcome not in ("ok", "not_live")}  # sent as the next went live
        # A second question too soon waits and asks again; a tap for a group a partner
        # tapped for already is what rooms do too. Nothing else is refused.
        assert refused <= {("qa:ask", "too_soon"), ("connect:found", "already_found")}, refused

        simulated = [d["id"] for d in await delegates(server, w) if d["source"] == "simulated"]
        assert len(simulated) == phones
        assert sum(owned_rows(store, simulated).values())
        ack = await fac.call("rehearsal:stop", {})
        assert ack == {"ok": True, "removed": phones}
        crowd.stop.set()
        await running
        await fac.close()
        assert not [d for d in await delegates(server, w) if d["source"] == "simulated"]
        assert owned_rows(store, simulated) == dict.fromkeys(owned_rows(store, []), 0)

    try:
        asyncio.run(scenario())
    finally:
        store.close()
