"""Live server: Q&A questions survive a server crash and are stored once, however often resent.

The phone here keeps an outbox as static/js/outbox.js does: a question stays in it
until the server acknowledges it, and everything in it is sent again after every
(re)connect, under its own client_id.
"""
import asyncio

import pytest
import socketio
from test_live_server import connect, join, next_event

pytestmark = pytest.mark.live


class Outbox:
    """The phone's outbox (static/js/outbox.js): kept until acked, resent on every snapshot."""

    def __init__(self, phone):
        self.phone, self.items, self.acks = phone, [], []
        self.resends = []
        queue = phone.inbox["snapshot"]

        def on_snapshot(data):
            queue.put_nowait(data)
            if data.get("me"):
                self.resends.append(asyncio.ensure_future(self.resend()))

        phone.on("snapshot", on_snapshot)  # replaces the queue-only handler

    async def send(self, item):
        """Send one item; keep it unless the server answered (ok or a definite refusal)."""
        try:
            ack = await self.phone.call("qa:ask", item, timeout=5)
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.TimeoutError,
                socketio.exceptions.DisconnectedError):
            return None  # offline or no answer: it stays in the outbox
        self.acks.append(ack)
        self.items = [i for i in self.items if i["client_id"] != item["client_id"]]
        return ack

    async def ask(self, client_id, text):
        item = {"client_id": client_id, "text": text, "anonymous": False}
        self.items.append(item)
        return await self.send(item)

    async def resend(self):
        # The server sends the snapshot just before the namespace's CONNECT packet; the
        # browser client buffers it until then, python-socketio hands it over at once.
        await until(lambda: "/" in self.phone.namespaces)
        for item in list(self.items):
            await self.send(item)


async def live_qa(server):
    """A workshop with a live Q&A session; its control screen and panel key."""
    w = server.create_workshop()
    fac = await connect(server, {"role": "facilitator", "key": w["key"]})
    snap = await next_event(fac, "snapshot")
    ack = await fac.call("activity:add", {"kind": "qa", "title": "Questions",
                                          "min_interval": 0})
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]
    assert (await fac.call("live:set", {"activity_id": activity_id}))["ok"]
    panel_key = snap["links"]["panel"].rsplit("/", 1)[1]
    return w, fac, panel_key, activity_id


async def stored_questions(server, panel_key, activity_id):
    """Every question of the session, as a moderator opening it sees them."""
    mod = await connect(server, {"role": "panel", "key": panel_key})
    await next_event(mod, "snapshot")
    ack = await mod.call("qa:open", {"activity_id": activity_id})
    await mod.disconnect()
    assert ack["ok"], ack
    return ack["qa"]


async def until(condition, timeout=10):
    """Wait (bounded) until condition() holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_question_acked_just_before_a_crash_is_stored_once_when_resent(live_server):
    async def scenario():
        w, fac, panel_key, activity_id = await live_qa(live_server)
        phone = await join(live_server, w, "Ann Lee")
        ack = await phone.call("qa:ask", {"client_id": "ann-1", "text": "What is the budget?",
                                          "anonymous": False})
        assert ack["ok"], ack
        question_id = ack["question"]["id"]
        live_server.stop(kill=True)  # the ack came after the commit: nothing may be lost
        live_server.start()
        # The phone reconnects by itself, with its token, and sees its own question.
        snap = await next_event(phone, "snapshot", timeout=20)
        assert snap["me"]["name"] == "Ann Lee" and snap["token_status"] == "ok"
        assert snap["live"]["activity"]["id"] == activity_id
        assert [q["client_id"] for q in snap["live"]["mine"]["questions"]] == ["ann-1"]
        # It sends the same question again (say the page never saw the ack).
        await until(lambda: "/" in phone.namespaces)
        again = await phone.call("qa:ask", {"client_id": "ann-1",
                                            "text": "What is the budget?", "anonymous": False})
        assert again["ok"] and again["question"]["id"] == question_id
        qa = await stored_questions(live_server, panel_key, activity_id)
        assert [q["text"] for q in qa["questions"]] == ["What is the budget?"]
        assert qa["counts"]["received"] == 1
        await phone.disconnect()
        await fac.disconnect()

    asyncio.run(scenario())


def test_questions_asked_offline_or_in_flight_are_delivered_once_after_reconnect(live_server):
    async def scenario():
        w, fac, panel_key, activity_id = await live_qa(live_server)
        phone = await join(live_server, w, "Bo Chan")
        outbox = Outbox(phone)
        # In flight when the server dies: it may or may not have been stored.
        outbox.items.append({"client_id": "bo-1", "text": "Sent as the server died",
                             "anonymous": False})
        await phone.emit("qa:ask", outbox.items[0])
        live_server.stop(kill=True)
        await until(lambda: not phone.connected)
        # Typed while disconnected: nothing reaches the server; it waits in the outbox.
        assert await outbox.ask("bo-2", "Typed while offline") is None
        assert [i["client_id"] for i in outbox.items] == ["bo-1", "bo-2"]
        live_server.start()
        await next_event(phone, "snapshot", timeout=20)
        await until(lambda: not outbox.items)  # resent on reconnect, and acknowledged
        assert all(ack["ok"] for ack in outbox.acks), outbox.acks
        # A second resend of the same items (an ack lost on the way) changes nothing.
        for item in ({"client_id": "bo-1", "text": "Sent as the server died"},
                     {"client_id": "bo-2", "text": "Typed while offline"}):
            assert (await phone.call("qa:ask", item))["ok"]
        qa = await stored_questions(live_server, panel_key, activity_id)
        assert sorted(q["text"] for q in qa["questions"]) == ["Sent as the server died",
                                                              "Typed while offline"]
        assert qa["counts"]["received"] == 2
        await asyncio.gather(*outbox.resends)
        await phone.disconnect()
        await fac.disconnect()

    asyncio.run(scenario())
