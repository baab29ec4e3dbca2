"""Live server: a poll answer survives a server crash, can be changed afterwards, and counts once.

The phone here behaves as its outbox (static/js/outbox.js) does: every answer has its own
client_id, and an answer that may not have arrived is sent again, under the same
client_id, once the connection is back.
"""
import asyncio

import pytest
from test_live_server import connect, join, next_event

pytestmark = pytest.mark.live

OPTIONS = ["Soup", "Salad", "Pie"]


async def namespace_connected(client, timeout=10):
    """Wait until the client has the server's CONNECT for "/": on a reconnect the server
    sends `snapshot` from its connect handler, just before that packet, and this client
    (unlike the browser's, which holds events back) passes it on at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while "/" not in client.namespaces:
        assert loop.time() < deadline, "the namespace did not connect"
        await asyncio.sleep(0.01)


async def control_until(fac, expected, timeout=10):
    """The live prompt as the control screen holds it, once it shows `expected` results
    (counts, total)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = []
    while True:
        activity = fac.held["activity"]
        results = activity and activity["results"]
        if results and (results["counts"], results["total"]) == expected:
            return activity
        if results and (not seen or seen[-1] != (results["counts"], results["total"])):
            seen.append((results["counts"], results["total"]))
        if loop.time() > deadline:
            raise AssertionError(f"no results {expected}; saw {seen}")
        await asyncio.sleep(0.02)


def answered(choices) -> list[dict]:
    """The acks an answer may get: a new one with the phone's own view; a resend of one
    already stored, from what is stored."""
    answer = {"choices": choices, "other": ""}
    return [{"ok": True, "answer": answer, "mine": {"answer": answer}},
            {"ok": True, "answer": answer}]


def test_changed_answer_after_a_crash_counts_once(live_server):
    async def scenario():
        w = live_server.create_workshop()
        fac = await connect(live_server, {"role": "facilitator", "key": w["key"]},
                            events=("snapshot", "live"))
        await next_event(fac, "snapshot")
        ann = await join(live_server, w, "Ann Lee")
        bo = await join(live_server, w, "Bo Chan")
        ack = await fac.call("activity:add", {"kind": "poll", "title": "Lunch?",
                                              "options": OPTIONS, "results": "live"})
        assert ack["ok"], ack
        poll_id = ack["activity"]["id"]
        assert (await fac.call("live:set", {"activity_id": poll_id}))["ok"]
        live = await next_event(ann, "live")
        assert live["activity"]["id"] == poll_id and live["activity"]["open"]

        first = {"client_id": "ann-answer-1", "choices": [0]}
        ack = await ann.call("prompt:answer", first)
        assert ack == answered([0])[0]
        assert (await bo.call("prompt:answer", {"client_id": "bo-answer-1",
                                                "choices": [2]}))["ok"]
        # Acknowledged means committed: a crash straight after loses neither answer.
        await control_until(fac, ([1, 0, 1], 2))

        live_server.stop(kill=True)
        live_server.start()

        # Each client reconnects by itself (the phones with their stored token).
        snap = await next_event(ann, "snapshot", timeout=20)
        assert snap["me"]["name"] == "Ann Lee" and snap["token_status"] == "ok"
        assert snap["live"]["activity"]["id"] == poll_id
        assert snap["live"]["mine"] == {"answer": {"choices": [0], "other": ""}}
        await next_event(bo, "snapshot", timeout=20)
        fac_snap = await next_event(fac, "snapshot", timeout=20)
        assert fac_snap["live"]["activity"]["results"]["counts"] == [1, 0, 1]
        assert fac_snap["live"]["activity"]["results"]["total"] == 2

        # The phone resends the answer it sent before the crash: nothing changes.
        await namespace_connected(ann)
        ack = await ann.call("prompt:answer", first)
        assert ack in answered([0])  # stored already: nothing changes
        # Ann changes her mind; then both of her answers arrive again (a flaky network).
        second = {"client_id": "ann-answer-2", "choices": [1]}
        ack = await ann.call("prompt:answer", second)
        assert ack == answered([1])[0]
        for item in (second, first):
            ack = await ann.call("prompt:answer", item)
            assert ack in answered([1]), item

        # After a heartbeat the control screen counts Ann once, with her new choice.
        control = await control_until(fac, ([0, 1, 1], 2))
        assert control["id"] == poll_id
        assert control["online"] == 2
        # And a control screen opened now draws the same from its snapshot.
        fresh = await connect(live_server, {"role": "facilitator", "key": w["key"]})
        fresh_snap = await next_event(fresh, "snapshot")
        assert fresh_snap["live"]["activity"]["results"]["counts"] == [0, 1, 1]
        assert fresh_snap["live"]["activity"]["results"]["total"] == 2
        assert fresh_snap["live"]["activity"] == fac.held["activity"]
        for client in (ann, bo, fac, fresh):
            await client.disconnect()

    asyncio.run(scenario())
