"""Live server under faults: a crash mid-burst, a phone away, the control screen gone,
two control screens at once.

Phones here behave as the pages in static/js do: every submission has its own
client_id, and one that was not acknowledged is sent again, under the same client_id,
once the connection is back. The database file is read directly to check what stuck.
"""
import asyncio
import json
import sqlite3
from collections import Counter
from contextlib import closing

import aiohttp
import pytest
import socketio
from conftest import hold

pytestmark = pytest.mark.live

OPTIONS = ["Soup", "Salad", "Pie"]


async def until(condition, timeout=20, what="condition"):
    """Wait (bounded) until condition() holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def rows(server, sql, params=()):
    """Rows straight from the server's SQLite file (committed data only)."""
    with closing(sqlite3.connect(server.database, timeout=10)) as db:
        return db.execute(sql, params).fetchall()


class Client:
    """A python-socketio client that reconnects by itself (with the same auth), keeps
    the events named in `inbox` queues, and resends a request until it is answered.
    What it holds of the live state (`held`) is built from every snapshot, `live`,
    `view` and `mine`, and the own view acks carry, as the pages build it.

    It brings its own HTTP session: engineio leaves an unclosed one behind when the
    server dies under it, so the test closes this one itself.
    """

    def __init__(self, events=()):
        self.session = aiohttp.ClientSession()
        self.sio = socketio.AsyncClient(reconnection_delay=0.1, reconnection_delay_max=0.5,
                                        http_session=self.session)
        self.snapshots = []
        self.inbox = {name: asyncio.Queue() for name in events}
        self.log = []  # (event or "ack:<event>", payload) in the order they arrived
        self.waiting = set()
        self.held = {"activity": None, "mine": None, "views": {}}
        self.sio.on("snapshot", self._snapshot)
        for name in {*events, "live", "view", "mine"} - {"snapshot"}:
            self.sio.on(name, lambda data, name=name: self._received(name, data))
        self.sio.on("disconnect", self._lost)

    def _received(self, name, data):
        hold(self, name, data)
        self.log.append((name, data))
        if name in self.inbox:
            self.inbox[name].put_nowait(data)

    def _snapshot(self, data):
        self.snapshots.append(data)
        hold(self, "snapshot", data)
        if "snapshot" in self.inbox:
            self._received("snapshot", data)

    def _lost(self, *reason):
        for future in self.waiting:  # the answer will never come on this connection
            if not future.done():
                future.set_exception(ConnectionError("disconnected"))

    async def connect(self, server, auth):
        await self.sio.connect(server.url, auth=auth, transports=["websocket"],
                               wait_timeout=10)
        await until(lambda: self.snapshots and self.online, what="the first snapshot")
        return self

    @property
    def online(self):
        # The server sends `snapshot` just before the namespace's CONNECT packet; this
        # client (unlike the browser's) hands it over at once, so wait for the CONNECT.
        return "/" in self.sio.namespaces

    async def call(self, event, data=None, timeout=10):
        """Emit once and return the ack (None if the connection went first)."""
        if not self.online:
            return None
        future = asyncio.get_running_loop().create_future()

        def answered(ack=None):
            self.log.append((f"ack:{event}", ack))  # in order with the events around it
            if isinstance(ack, dict) and ack.get("ok") and "mine" in ack \
                    and self.held["activity"]:
                hold(self, "mine", {"activity_id": self.held["activity"]["id"],
                                    "mine": ack["mine"]})
            if not future.done():
                future.set_result(ack)

        self.waiting.add(future)
        try:
            await self.sio.emit(event, data if data is not None else {}, callback=answered)
            return await asyncio.wait_for(future, timeout)
        except (ConnectionError, TimeoutError, socketio.exceptions.SocketIOError):
            return None
        finally:
            self.waiting.discard(future)

    async def request(self, event, data, timeout=60):
        """Send until the server answers (as the pages resend after reconnecting)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await until(lambda: self.online, timeout=max(0.1, deadline - loop.time()),
                        what="the client to reconnect")
            ack = await self.call(event, data)
            if ack is not None:
                return ack
            assert loop.time() < deadline, f"no answer to {event}"
            await asyncio.sleep(0.05)

    async def next(self, name, timeout=10):
        """The next payload of an event kept in the inbox."""
        return await asyncio.wait_for(self.inbox[name].get(), timeout)

    async def close(self):
        await self.sio.disconnect()
        await self.session.close()


async def phone(server, w, name, organisation, events=()):
    """A phone that has joined as a walk-in and keeps its token for reconnects."""
    auth = {"role": "delegate", "code": w["code"]}
    p = await Client(events).connect(server, lambda: auth)
    ack = await p.call("delegate:join", {"name": name, "organisation": organisation},
                       timeout=20)
    assert ack["ok"], ack
    auth["token"] = ack["token"]  # as the page keeps it in localStorage
    p.auth, p.me = auth, ack["me"]
    await until(lambda: len(p.snapshots) == 2, what="the joined snapshot")
    return p


async def held_until(client, condition, timeout=15, what="the screen to show it"):
    """Wait until condition(what the client holds) is true; return what it holds."""
    await until(lambda: condition(client.held), timeout=timeout, what=what)
    return client.held


async def facilitator(server, w, events=("live",)):
    """A control screen; its connect snapshot is in .snapshots."""
    return await Client(events).connect(server, {"role": "facilitator", "key": w["key"]})


async def add(fac, **activity):
    ack = await fac.call("activity:add", activity)
    assert ack["ok"], ack
    return ack["activity"]["id"]


class Crash:
    """Kill the server once `threshold` of a burst's submissions are acknowledged, and
    note what each phone had been told was stored at that moment."""

    def __init__(self, server, threshold):
        self.server, self.threshold = server, threshold
        self.acked = 0
        self.before = self.snapshots_before = None

    def acknowledged(self):
        self.acked += 1

    async def run(self, phones, record):
        await until(lambda: self.acked >= self.threshold, timeout=30, what="the burst")
        self.server.stop(kill=True)
        # Nothing more can be acknowledged now: this is what each phone knows is stored.
        self.before = [record(p) for p in phones]
        self.snapshots_before = [len(p.snapshots) for p in phones]
        self.server.start()


# --------------------------------------------------------------------- 1. crash mid-event

N_PHONES = 200
VOTES_EACH = 3


def test_a_crash_mid_burst_loses_no_acknowledged_submission_and_repeats_none(live_server):
    async def scenario():
        w = live_server.create_workshop()
        fac = await facilitator(live_server, w)
        qa_id = await add(fac, kind="qa", title="Questions", auto_publish=True,
                          min_interval=0)
        poll_id = await add(fac, kind="poll", title="Lunch?", options=OPTIONS,
                            results="live")
        phones = []
        for batch in range(4):
            phones += await asyncio.gather(*[
                phone(live_server, w, f"Delegate {batch * 50 + i}", f"Org {i % 7}")
                for i in range(50)])
        assert (await fac.call("live:set", {"activity_id": qa_id}))["ok"]

        # --- Q&A: each phone asks one question, then votes for its neighbours' three.
        for p in phones:
            p.asked, p.voted, p.sent_votes = {}, set(), set()
        question_of = [None] * N_PHONES
        ready = [asyncio.Event() for _ in phones]
        crash = Crash(live_server, threshold=(N_PHONES * (1 + VOTES_EACH)) // 2)

        async def ask_and_vote(i, p):
            item = {"client_id": f"q-{i}", "text": f"Question {i}: what happens next?",
                    "anonymous": False}
            ack = await p.request("qa:ask", item)
            assert ack["ok"], ack
            assert ack["question"]["client_id"] == item["client_id"]
            p.asked[item["client_id"]] = question_of[i] = ack["question"]["id"]
            crash.acknowledged()
            ready[i].set()
            for k in range(1, VOTES_EACH + 1):
                j = (i + k) % N_PHONES
                await ready[j].wait()  # a phone votes for questions it has seen
                p.sent_votes.add(question_of[j])
                ack = await p.request("qa:vote", {"question_id": question_of[j], "up": True})
                assert ack["ok"], ack
                p.voted.add(question_of[j])
                crash.acknowledged()

        killer = asyncio.ensure_future(crash.run(
            phones, lambda p: (dict(p.asked), set(p.voted))))
        await asyncio.gather(*[ask_and_vote(i, p) for i, p in enumerate(phones)])
        await killer

        # Every phone reconnected by itself and was shown at least what it had been
        # told was stored; nothing it never sent.
        await until(lambda: all(len(p.snapshots) > n for p, n in
                                zip(phones, crash.snapshots_before)), what="snapshots")
        for i, (p, n, (asked, voted)) in enumerate(zip(phones, crash.snapshots_before,
                                                       crash.before)):
            snap = p.snapshots[n]
            assert snap["token_status"] == "ok" and snap["me"]["id"] == p.me["id"]
            assert snap["live"]["activity"]["id"] == qa_id
            shown = {q["client_id"]: q["id"] for q in snap["live"]["mine"]["questions"]}
            assert asked.items() <= shown.items(), (p.me, asked, shown)
            assert set(shown) <= {f"q-{i}"}
            assert voted <= set(snap["live"]["mine"]["voted"]) <= p.sent_votes

        # An ack lost on the way: each phone sends its question (its id is what counts,
        # not its text) and a vote again.
        for i, p in enumerate(phones):
            ack = await p.request("qa:ask", {"client_id": f"q-{i}", "text": "changed?"})
            assert ack["ok"] and ack["question"]["id"] == question_of[i], ack
            ack = await p.request("qa:vote", {"question_id": question_of[(i + 1) % N_PHONES],
                                              "up": True})
            assert ack["ok"], ack

        # --- Poll: each phone answers, then changes its mind.
        assert (await fac.call("live:set", {"activity_id": poll_id}))["ok"]
        for i, p in enumerate(phones[:20]):  # a question whose ack was lost, resent now
            ack = await p.request("qa:ask", {"client_id": f"q-{i}", "text": "?"})
            assert ack["ok"] and ack["question"]["id"] == question_of[i], ack
        for p in phones:
            p.answers_sent, p.answers_acked = [], []
        crash = Crash(live_server, threshold=N_PHONES)

        async def answer_twice(i, p):
            for n, choice in enumerate((i % 3, (i + 1) % 3)):
                item = {"client_id": f"a-{i}-{n}", "activity_id": poll_id, "choices": [choice]}
                p.answers_sent.append(item)
                ack = await p.request("prompt:answer", item)
                stored = {"choices": [choice], "other": ""}
                # A resend of one stored before the crash is acked from what is stored
                # (the phone's own view then comes with its snapshot).
                assert ack in ({"ok": True, "answer": stored, "mine": {"answer": stored}},
                               {"ok": True, "answer": stored}), ack
                p.answers_acked.append(item)
                crash.acknowledged()

        killer = asyncio.ensure_future(crash.run(phones, lambda p: list(p.answers_acked)))
        await asyncio.gather(*[answer_twice(i, p) for i, p in enumerate(phones)])
        await killer
        await until(lambda: all(len(p.snapshots) > n for p, n in
                                zip(phones, crash.snapshots_before)), what="snapshots")
        for p, n, acked in zip(phones, crash.snapshots_before, crash.before):
            snap = p.snapshots[n]
            assert snap["live"]["activity"]["id"] == poll_id
            # The last answer it was told was stored, or the one in flight at the crash.
            possible = [a["choices"] for a in p.answers_sent[max(0, len(acked) - 1):]]
            shown = snap["live"]["mine"]["answer"]
            if shown is None:
                assert not acked, (p.me, acked)
            else:
                assert shown["choices"] in possible, (p.me, acked, shown)
        for i, p in enumerate(phones):  # the first answer again, its ack lost: no change
            ack = await p.request("prompt:answer", p.answers_sent[0])
            assert ack["ok"] and ack["answer"]["choices"] == [(i + 1) % 3], ack

        # --- The database: every acknowledged submission once, and nothing else.
        ids = {p.me["id"]: i for i, p in enumerate(phones)}
        stored = rows(live_server, "select delegate_id, client_id, id, votes from "
                                   "qa_questions where activity_id = ?", [qa_id])
        assert sorted((ids[d], c, q) for d, c, q, _ in stored) == sorted(
            (i, f"q-{i}", question_of[i]) for i in range(N_PHONES))
        votes = rows(live_server, "select v.delegate_id, v.question_id from qa_votes v "
                                  "join qa_questions q on q.id = v.question_id "
                                  "where q.activity_id = ?", [qa_id])
        expected = {(p.me["id"], q) for p in phones for q in p.voted}
        assert len(votes) == len(set(votes)) and set(votes) == expected
        assert all(len(p.voted) == VOTES_EACH for p in phones)
        # Each question's total is its distinct voters, as the screens are told.
        assert {q: n for _, _, q, n in stored} == Counter(q for _, q in votes) == {
            q: VOTES_EACH for q in question_of}
        answers = rows(live_server, "select delegate_id, value, client_id from responses "
                                    "where activity_id = ?", [poll_id])
        assert sorted((ids[d], json.loads(v)["choices"], c) for d, v, c in answers) == [
            (i, [(i + 1) % 3], f"a-{i}-1") for i in range(N_PHONES)]
        applied = rows(live_server, "select delegate_id, client_id from response_ids "
                                    "where client_id like ?", [f"{poll_id}:%"])
        assert sorted(applied) == sorted((p.me["id"], f"{poll_id}:a-{i}-{n}")
                                         for i, p in enumerate(phones) for n in (0, 1))
        # And a control screen draws the same counts.
        fresh = await facilitator(live_server, w)
        snap = fresh.snapshots[0]
        tally = [0, 0, 0]
        for i in range(N_PHONES):
            tally[(i + 1) % 3] += 1
        assert snap["live"]["activity"]["id"] == poll_id
        assert snap["live"]["activity"]["results"]["counts"] == tally
        assert snap["live"]["activity"]["results"]["total"] == N_PHONES
        for client in phones + [fac, fresh]:
            await client.close()

    asyncio.run(scenario())


# --------------------------------------------------------------------- 2. a phone away
# The server knows how long a phone was away only through presence: a phone that left
# less than OFFLINE_GRACE (120 s) ago still counts as present, so a phone away for 60 s
# is grouped in a round that starts meanwhile and finds its card when it is back. The
# boundary is checked in-process below, on the server's own clock; the live tests take
# the phone away for a moment, which goes down the same path (a 60 s sleep also ends
# its socket: the server's ping gives up after 40 s, and the page comes back on a new
# one, as here). Prompts do not look at presence, so away is away however long.

def test_a_phone_away_within_the_grace_counts_as_present_and_beyond_it_does_not(
        monkeypatch, app, workshops):
    import time

    from facilitator import realtime
    from facilitator.connect.kind import OFFLINE_GRACE

    w = workshops.create()
    me = workshops.phone(w).me
    app.app_context().push()
    app.extensions["facilitator.store"].db.execute(  # they have taken part
        "update delegates set active_at = 1 where id = ?", [me["id"]])
    registry = realtime.Registry()
    registry.add("sid-1", realtime.Connection(workshop_id=w["id"], role="delegate",
                                              delegate_id=me["id"]))
    assert registry.present(w["id"], OFFLINE_GRACE) == {me["id"]}
    registry.remove("sid-1")  # the phone went to sleep
    left = time.time()
    try:
        for away, present in ((60, {me["id"]}), (OFFLINE_GRACE - 1, {me["id"]}),
                              (OFFLINE_GRACE + 1, set())):
            monkeypatch.setattr(realtime.time, "time", lambda away=away: left + away)
            assert registry.present(w["id"], OFFLINE_GRACE) == present, away
            assert registry.online(w["id"]) == set()
    finally:
        monkeypatch.undo()
        realtime.reset()  # the presence updates it queued


def test_a_phone_away_during_a_connect_round_comes_back_to_the_next_round(live_server):
    async def scenario():
        w = live_server.create_workshop()
        fac = await facilitator(live_server, w)
        phones = [await phone(live_server, w, f"Person {i}", f"Org {i}", events=("live", "mine"))
                  for i in range(6)]
        away = phones[0]
        connect_id = await add(fac, kind="connect", title="Meet", group_size=2, round_count=3)
        ack = await fac.call("connect:start", {"activity_id": connect_id, "round": 1})
        assert ack == {"ok": True, "round": 1}
        cards = await asyncio.gather(*[held_until(p, lambda held: held["mine"] is not None)
                                       for p in phones])
        assert cards[0]["mine"]["group"]["round"] == 1
        # It has taken part (a phone that never tapped anything is not kept once gone).
        assert (await away.call("connect:sit_out", {"sitting_out": False}))["ok"]

        await away.sio.disconnect()  # asleep in a pocket; it meant to tap "found"
        queued = {"activity_id": connect_id, "round": 1}
        assert (await fac.call("connect:end_round", {"activity_id": connect_id}))["ok"]
        for p in phones[1:]:
            live = await live_until(p, lambda live: not live["activity"]["round"]["running"])
            assert live["activity"]["round"]["number"] == 1
        ack = await fac.call("connect:start", {"activity_id": connect_id, "round": 2})
        assert ack == {"ok": True, "round": 2}
        # Away for less than the grace, it is still grouped, and its partner told so.
        held = await held_until(fac, lambda held: held["activity"]["control"]["progress"]
                                ["round"] == 2)
        control = held["activity"]["control"]
        [group] = [g for g in control["groups"]
                   if away.me["id"] in {m["id"] for m in g["members"]}] or [None]
        assert group, "the phone away (within the grace) was left out of round 2"
        mates = {m["id"] for m in group["members"]} - {away.me["id"]}
        assert mates
        for p in phones[1:]:
            held = await held_until(p, lambda held: (held["mine"]["group"] or {}).get(
                "round") == 2)
            card = held["mine"]
            if p.me["id"] in mates:
                assert away.me["id"] in {m["id"] for m in card["group"]["members"]}

        # Back: the snapshot is the current round and its card, not the old one.
        seen = len(away.snapshots)
        await away.sio.connect(live_server.url, auth=lambda: away.auth,
                               transports=["websocket"], wait_timeout=10)
        await until(lambda: len(away.snapshots) > seen and away.online, what="the snapshot")
        snap = away.snapshots[-1]
        assert snap["token_status"] == "ok"
        round_ = snap["live"]["activity"]["round"]
        assert (round_["number"], round_["running"]) == (2, True)
        assert snap["live"]["mine"]["group"]["round"] == 2
        assert {m["id"] for m in snap["live"]["mine"]["group"]["members"]} == mates
        assert not snap["live"]["mine"]["group"]["found"]

        # The tap queued for round 1 is refused, not counted in round 2.
        ack = await away.call("connect:found", queued)
        assert ack["ok"] is False and ack["error"] == "not_running", ack
        assert ack["message"]
        assert rows(live_server, "select m.found_at from connect_members m join connect_rounds r "
                                 "on r.id = m.round_id where r.activity_id = ? and r.number = 2 "
                                 "and m.delegate_id = ?",
                    [connect_id, away.me["id"]]) == [(None,)]
        # One for the round it is in now is kept.
        ack = await away.call("connect:found", {"activity_id": connect_id, "round": 2})
        assert ack == {"ok": True}, ack
        for client in phones + [fac]:
            await client.close()

    asyncio.run(scenario())


def test_a_phone_away_during_a_poll_gets_its_queued_answer_kept_or_clearly_refused(live_server):
    async def scenario():
        w = live_server.create_workshop()
        fac = await facilitator(live_server, w)
        ann, bo, cy, dee = [await phone(live_server, w, name, "Org", events=("live",))
                            for name in ("Ann", "Bo", "Cy", "Dee")]
        poll_id = await add(fac, kind="poll", title="Lunch?", options=OPTIONS)
        next_id = await add(fac, kind="poll", title="Dessert?", options=OPTIONS)
        assert (await fac.call("live:set", {"activity_id": poll_id}))["ok"]
        for p in (ann, bo, cy, dee):
            assert (await p.next("live"))["activity"]["id"] == poll_id

        def answer(p, n, choice, activity_id=poll_id):
            return {"client_id": f"{p.me['name']}-{n}", "activity_id": activity_id,
                    "choices": [choice]}

        assert (await bo.call("prompt:answer", answer(bo, 1, 0)))["ok"]
        # Dee's answer is stored, but say the ack never reached the page: it stays queued.
        assert (await dee.call("prompt:answer", answer(dee, 1, 1)))["ok"]
        for p in (ann, bo, cy, dee):
            await p.sio.disconnect()
        # Typed while away, queued on the phone.
        queued = {ann: answer(ann, 1, 2), bo: answer(bo, 2, 2), cy: answer(cy, 1, 0),
                  dee: answer(dee, 1, 1)}

        async def back(p):
            seen = len(p.snapshots)
            await p.sio.connect(live_server.url, auth=lambda: p.auth, transports=["websocket"],
                                wait_timeout=10)
            await until(lambda: len(p.snapshots) > seen and p.online, what="the snapshot")
            return p.snapshots[-1]

        # Still open when Ann is back: kept.
        snap = await back(ann)
        assert snap["live"]["activity"]["id"] == poll_id and snap["live"]["activity"]["open"]
        assert snap["live"]["mine"] == {"answer": None}
        assert await ann.call("prompt:answer", queued[ann]) == {
            "ok": True, "answer": {"choices": [2], "other": ""},
            "mine": {"answer": {"choices": [2], "other": ""}}}
        assert ann.held["mine"] == {"answer": {"choices": [2], "other": ""}}

        # The poll closes while Bo and Dee are away.
        assert (await fac.call("prompt:close", {"activity_id": poll_id, "closed": True}))["ok"]
        snap = await back(bo)
        assert snap["live"]["activity"]["id"] == poll_id
        assert not snap["live"]["activity"]["open"]
        assert snap["live"]["mine"] == {"answer": {"choices": [0], "other": ""}}
        ack = await bo.call("prompt:answer", queued[bo])
        assert ack["ok"] is False and ack["error"] == "closed" and ack["message"], ack
        # Dee's was stored before the close: the resend says so, and changes nothing.
        snap = await back(dee)
        assert snap["live"]["mine"] == {"answer": {"choices": [1], "other": ""}}
        assert await dee.call("prompt:answer", queued[dee]) == {
            "ok": True, "answer": {"choices": [1], "other": ""}}

        # Another poll goes live while Cy is away.
        assert (await fac.call("live:set", {"activity_id": next_id}))["ok"]
        snap = await back(cy)
        assert snap["live"]["activity"]["id"] == next_id and snap["live"]["activity"]["open"]
        assert snap["live"]["mine"] == {"answer": None}
        ack = await cy.call("prompt:answer", queued[cy])
        assert ack["ok"] is False and ack["error"] == "not_live" and ack["message"], ack
        # Dee's stored answer resent once more, now that its poll has gone: still "stored".
        assert await dee.call("prompt:answer", queued[dee]) == {
            "ok": True, "answer": {"choices": [1], "other": ""}}

        stored = rows(live_server, "select r.activity_id, d.name, r.value from responses r "
                                   "join delegates d on d.id = r.delegate_id order by d.name")
        assert [(a, n, json.loads(v)["choices"]) for a, n, v in stored] == [
            (poll_id, "Ann", [2]), (poll_id, "Bo", [0]), (poll_id, "Dee", [1])]
        for client in (ann, bo, cy, dee, fac):
            await client.close()

    asyncio.run(scenario())


# --------------------------------------------------------------------- 3. control screen gone

async def live_until(client, condition, timeout=15):
    """The next `live` that satisfies condition(live)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        live = await client.next("live", timeout=max(0.1, deadline - loop.time()))
        if condition(live):
            return live


def test_with_the_control_screen_gone_timers_end_on_the_server_and_it_resumes(live_server):
    import time

    async def scenario():
        w = live_server.create_workshop()
        fac = await facilitator(live_server, w)
        phones = [await phone(live_server, w, f"Person {i}", f"Org {i}", events=("live",))
                  for i in range(4)]
        connect_id = await add(fac, kind="connect", title="Meet", group_size=2, round_count=2)
        poll_id = await add(fac, kind="poll", title="Lunch?", options=OPTIONS,
                            timer_seconds=2, results="live")

        # A Connect round with its deadline five seconds away; then the laptop drops.
        assert (await fac.call("connect:start", {"activity_id": connect_id}))["ok"]
        ack = await fac.call("connect:extend", {"activity_id": connect_id, "seconds": -600})
        ends_at = ack["ends_at"]
        assert ends_at - time.time() < 6
        held = await held_until(fac, lambda held: held["activity"]["control"]["groups"])
        groups = sorted(sorted(m["id"] for m in g["members"])
                        for g in held["activity"]["control"]["groups"])
        assert sum(map(len, groups)) == 4
        await fac.close()

        for p in phones:  # the round ends on the server's clock, with nobody at the controls
            live = await live_until(p, lambda live: not live["activity"]["round"]["running"])
            assert live["activity"]["id"] == connect_id
            assert live["activity"]["round"]["ends_at"] == ends_at
        assert time.time() >= ends_at
        rounds = rows(live_server, "select number, ended_at from connect_rounds "
                                   "where activity_id = ?", [connect_id])
        assert rounds == [(1, ends_at)]

        fac = await facilitator(live_server, w)
        snap = fac.snapshots[0]
        assert snap["live"]["activity"]["id"] == connect_id
        round_ = snap["live"]["activity"]["round"]
        assert (round_["number"], round_["running"], round_["ends_at"]) == (1, False, ends_at)
        assert snap["live"]["activity"]["next"]["number"] == 2
        assert sorted(sorted(m["id"] for m in g["members"])
                      for g in snap["live"]["activity"]["control"]["groups"]) == groups
        assert snap["live"]["activity"]["progress"]["round"] == 1

        # A poll with a two-second timer; two phones answer; the laptop drops again.
        assert (await fac.call("live:set", {"activity_id": poll_id}))["ok"]
        lives = [await live_until(p, lambda live: live["activity"]["id"] == poll_id)
                 for p in phones]
        deadline = lives[0]["activity"]["deadline"]
        assert lives[0]["activity"]["open"] and deadline
        for i, p in enumerate(phones[:2]):
            ack = await p.call("prompt:answer", {"client_id": "1", "activity_id": poll_id,
                                                 "choices": [i]})
            assert ack["ok"], ack
        await fac.close()

        for p in phones:  # "time's up" on every phone, with nobody at the controls
            live = await live_until(p, lambda live: not live["activity"]["open"])
            assert live["activity"]["id"] == poll_id
        assert time.time() >= deadline
        ack = await phones[3].call("prompt:answer", {"client_id": "1", "activity_id": poll_id,
                                                     "choices": [2]})
        assert ack["ok"] is False and ack["error"] == "closed", ack

        fac = await facilitator(live_server, w)
        snap = fac.snapshots[0]
        activity = snap["live"]["activity"]
        assert (activity["id"], activity["open"], activity["deadline"]) == (poll_id, False,
                                                                           deadline)
        assert activity["results"]["counts"] == [1, 1, 0]
        assert activity["results"]["total"] == 2
        for client in phones + [fac]:
            await client.close()

    asyncio.run(scenario())


# --------------------------------------------------------------------- 4. two control screens

async def both(a, b, event, data_a, data_b):
    """Two control screens send at the same instant; their acks."""
    return await asyncio.gather(a.call(event, data_a), b.call(event, data_b))


def one_wins(acks, error=("conflict",)):
    """Exactly one ack is ok; the other is a refusal (one of `error`) with a message.
    Index of the winner."""
    assert sorted(ack["ok"] for ack in acks) == [False, True], acks
    loser = acks[0] if not acks[0]["ok"] else acks[1]
    assert loser["error"] in error and loser["message"], loser
    return 0 if acks[0]["ok"] else 1


def saw_before_ack(client, event, name, condition):
    """The client had a `name` event satisfying condition before its ack to `event`."""
    names = [n for n, _ in client.log]
    ack = len(names) - 1 - names[::-1].index(f"ack:{event}")
    return any(n == name and condition(data) for n, data in client.log[:ack])


def test_two_control_screens_at_once_one_command_applies_and_both_see_which(live_server):
    async def scenario():
        w = live_server.create_workshop()
        screens = [await facilitator(live_server, w, events=("live", "runsheet"))
                   for _ in range(2)]
        a, b = screens
        p, *others = [await phone(live_server, w, f"Person {i}", f"Org {i}", events=("live",))
                      for i in range(3)]  # three, for a Connect round
        messages = [await add(a, kind="message", title=f"Slide {i}") for i in range(4)]
        connect_id = await add(a, kind="connect", title="Meet", group_size=2, round_count=3)
        version = a.snapshots[0]["live"]["version"]

        async def settled(expected):
            """Both screens and the phone got the `live` of the winner, and no other (the
            phone its own projection of the same activity)."""
            phone_lives = []
            for client in (a, b, p):
                await until(lambda c=client: any(n == "live" and d["version"] == expected["version"]
                                                 for n, d in c.log), what="the winning live")
                lives = [d for n, d in client.log
                         if n == "live" and d["version"] == expected["version"]]
                if client is p:
                    phone_lives = lives
                else:
                    assert all(d == expected for d in lives)
            assert all(d == phone_lives[0] for d in phone_lives)
            assert (phone_lives[0]["since"], phone_lives[0]["activity"]["id"]) == \
                (expected["since"], expected["activity"]["id"])

        # Both "go live" with a different activity against the same version, three times.
        for n in range(3):
            targets = (messages[n], messages[n + 1])
            acks = await both(a, b, "live:set", {"activity_id": targets[0], "version": version},
                              {"activity_id": targets[1], "version": version})
            winner = one_wins(acks)
            assert acks[winner]["version"] == version + 1
            live = await live_until(screens[1 - winner],
                                    lambda live, v=version: live["version"] > v)
            assert live["activity"]["id"] == targets[winner] and live["version"] == version + 1
            await settled(live)
            # The loser's screen already showed the winner when its conflict ack came.
            assert saw_before_ack(screens[1 - winner], "live:set", "live",
                                  lambda d, v=version + 1: d["version"] == v)
            version += 1

        # Both press "next" on the same version, one step from the end of the run sheet:
        # it moves on once, and the other screen hears why it did not ("conflict", not
        # "that was the last activity").
        ack = await a.call("live:set", {"activity_id": messages[3], "version": version})
        version = ack["version"]
        acks = await both(a, b, "live:next", {"version": version}, {"version": version})
        winner = one_wins(acks)
        live = await live_until(a, lambda live: live["version"] > version)
        assert live["activity"]["id"] == connect_id and live["version"] == version + 1
        await settled(live)
        assert saw_before_ack(screens[1 - winner], "live:next", "live",
                              lambda d, v=version + 1: d["version"] == v)

        # Both start round 1 of a Connect activity: one round starts, not two.
        acks = await both(a, b, "connect:start", {"activity_id": connect_id, "round": 1},
                          {"activity_id": connect_id, "round": 1})
        winner = one_wins(acks)
        assert acks[winner]["round"] == 1
        assert "round 1" in acks[1 - winner]["message"]
        for client in (a, b, p):
            await live_until(client, lambda live: live["activity"]["id"] == connect_id
                             and live["activity"]["round"] is not None)
        assert saw_before_ack(screens[1 - winner], "connect:start", "live",
                              lambda d: d["activity"]["id"] == connect_id
                              and (d["activity"]["round"] or {}).get("number") == 1)
        assert rows(live_server, "select number, ended_at from connect_rounds "
                                 "where activity_id = ?", [connect_id]) == [(1, None)]

        # Both end it: it ends once; the other screen is told it ended already (or, if
        # the first had finished, that no round is running).
        acks = await both(a, b, "connect:end_round", {"activity_id": connect_id},
                          {"activity_id": connect_id})
        one_wins(acks, error=("conflict", "not_running"))
        for client in (a, b, p):
            live = await live_until(client, lambda live: not live["activity"]["round"]["running"])
            assert live["activity"]["round"]["number"] == 1
        [(ended_at,)] = rows(live_server, "select ended_at from connect_rounds "
                                          "where activity_id = ?", [connect_id])
        assert ended_at is not None

        # Both edit the same activity from what their screens showed: one edit applies.
        sheet = [d for n, d in b.log if n == "runsheet"][-1]
        shown = next(x for x in sheet if x["id"] == messages[0])
        acks = await both(a, b, "activity:update",
                          {"activity_id": messages[0], "title": "From A", "body": "A",
                           "updated_at": shown["updated_at"]},
                          {"activity_id": messages[0], "title": "From B", "body": "B",
                           "updated_at": shown["updated_at"]})
        winner = one_wins(acks)
        title = ("From A", "From B")[winner]
        for client in (a, b):
            sheet = await client.next("runsheet")
            while next(x for x in sheet if x["id"] == messages[0])["title"] != title:
                sheet = await client.next("runsheet")
        assert saw_before_ack(screens[1 - winner], "activity:update", "runsheet",
                              lambda d: any(x["title"] == title for x in d))
        assert rows(live_server, "select title from activities where id = ?",
                    [messages[0]]) == [(title,)]
        for client in [a, b, p] + others:
            await client.close()

    asyncio.run(scenario())


# ------------------------------------------------------- a crash half-way through a write

def test_a_crash_half_way_through_starting_a_round_leaves_no_half_round(tmp_path):
    from conftest import LiveServer

    server = LiveServer(tmp_path / "round.db",
                        env={"FACILITATOR_TEST_PAUSE": "connect round:30"}).start()

    async def scenario():
        w = server.create_workshop()
        fac = await facilitator(server, w)
        await asyncio.gather(*[phone(server, w, f"Person {i}", f"Org {i}") for i in range(8)])
        connect_id = await add(fac, kind="connect", title="Meet", group_size=2, round_count=2)
        await fac.sio.emit("connect:start", {"activity_id": connect_id, "round": 1})
        log = server.database.with_suffix(".log")
        await until(lambda: b"paused at connect round" in log.read_bytes(), timeout=15,
                    what="the round half-written")
        server.stop(kill=True)  # groups inserted, members not yet, nothing committed
        await fac.close()
        return w, connect_id

    try:
        w, connect_id = asyncio.run(scenario())
        assert rows(server, "select count(*) from connect_rounds") == [(0,)]
        assert rows(server, "select count(*) from connect_groups") == [(0,)]
        assert rows(server, "select count(*) from connect_members") == [(0,)]
        server.env.pop("FACILITATOR_TEST_PAUSE")
        server.start()

        async def again():
            fac = await facilitator(server, w)
            await asyncio.gather(*[phone(server, w, f"Back {i}", f"Org {i}") for i in range(4)])
            ack = await fac.call("connect:start", {"activity_id": connect_id, "round": 1})
            assert ack == {"ok": True, "round": 1}, ack
            await fac.close()
        asyncio.run(again())
        assert rows(server, "select count(*) from connect_rounds") == [(1,)]
    finally:
        server.stop()
