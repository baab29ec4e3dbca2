"""Live server: the real app under eventlet, driven by real python-socketio clients."""
import asyncio

import pytest
import socketio
from conftest import hold

pytestmark = pytest.mark.live


async def connect(server, auth, events=("snapshot", "live")):
    """A real client over WebSocket that queues the events named (in `inbox`, which may
    be given more later) and holds the live state as the pages do (see conftest.hold)."""
    client = socketio.AsyncClient(reconnection_delay=0.1, reconnection_delay_max=0.5)
    client.inbox = {name: asyncio.Queue() for name in events}

    def on(name):
        def received(data):
            hold(client, name, data)
            if name in client.inbox:
                client.inbox[name].put_nowait(data)
        return received

    for name in {*events, "snapshot", "live", "view", "mine"}:
        client.on(name, on(name))
    await client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=10)
    return client


async def next_event(client, name, timeout=10):
    """The next payload of an event, waiting for it."""
    return await asyncio.wait_for(client.inbox[name].get(), timeout)


async def join(server, w, name):
    """A phone that has joined as a walk-in."""
    auth = {"role": "delegate", "code": w["code"]}
    phone = await connect(server, lambda: auth)
    await next_event(phone, "snapshot")
    ack = await phone.call("delegate:join", {"name": name, "organisation": f"Org {name[-1]}"},
                           timeout=20)
    assert ack["ok"], ack
    phone.auth_token = auth["token"] = ack["token"]  # as the page keeps it in localStorage
    phone.me_name = name
    await next_event(phone, "snapshot")
    return phone


async def open_workshop(server, events=("snapshot", "live")):
    """A new workshop and its control screen (a real client queuing `events`), past the
    screen's first snapshot."""
    w = server.create_workshop()
    fac = await connect(server, {"role": "facilitator", "key": w["key"]}, events=events)
    await next_event(fac, "snapshot")
    return w, fac


def test_two_hundred_phones_join_and_all_receive_a_pushed_message(live_server):
    async def scenario():
        w, fac = await open_workshop(live_server, events=("snapshot", "live", "presence"))
        phones = []
        for batch in range(4):  # 4 x 50 joining at once
            phones += await asyncio.gather(*[join(live_server, w, f"Delegate {batch}-{i}")
                                             for i in range(50)])
        # Presence is coalesced: wait for the update that counts everyone.
        presence = await next_event(fac, "presence")
        while (presence["joined"], presence["online"]) != (200, 200):
            presence = await next_event(fac, "presence")
        ack = await fac.call("activity:add", {"kind": "message", "title": "Coffee",
                                              "body": "Back at 11:15"})
        assert (await fac.call("live:set", {"activity_id": ack["activity"]["id"]}))["ok"]
        received = await asyncio.gather(*[next_event(p, "live") for p in phones])
        assert all(r["activity"]["title"] == "Coffee" for r in received)
        assert len({p.auth_token for p in phones}) == 200
        for client in phones + [fac]:
            await client.disconnect()

    asyncio.run(scenario())


def test_phone_keeps_identity_and_view_across_a_server_crash(live_server):
    async def scenario():
        w, fac = await open_workshop(live_server)
        phone = await join(live_server, w, "Ann Lee")
        # The acknowledgement means it is on disk: a crash straight after loses nothing.
        ack = await fac.call("activity:add", {"kind": "message", "title": "Hello"})
        await fac.call("live:set", {"activity_id": ack["activity"]["id"]})
        await next_event(phone, "live")
        live_server.stop(kill=True)
        live_server.start()
        # The client reconnects by itself with the same auth and gets a fresh snapshot.
        snap = await next_event(phone, "snapshot", timeout=20)
        assert snap["me"]["name"] == "Ann Lee" and snap["token_status"] == "ok"
        assert snap["live"]["activity"]["title"] == "Hello"
        await phone.disconnect()
        await fac.disconnect()

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_reloaded_phone_with_stored_token_is_the_same_delegate(tmp_path, mode):
    from conftest import LiveServer
    server = LiveServer(tmp_path / f"{mode}.db", mode=mode).start()

    async def scenario():
        w = server.create_workshop()
        phone = await join(server, w, "Bo Chan")
        token = phone.auth_token
        await phone.disconnect()
        again = await connect(server, {"role": "delegate", "code": w["code"],
                                       "token": token})
        snap = await next_event(again, "snapshot")
        assert snap["me"]["name"] == "Bo Chan"
        await again.disconnect()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_two_connect_rounds_give_each_phone_the_card_the_server_stored(live_server):
    import csv
    import io

    import requests

    async def scenario():
        w, fac = await open_workshop(live_server)
        phones = [await join(live_server, w, f"Person {i}") for i in range(10)]
        for phone in phones:
            phone.inbox["mine"] = asyncio.Queue()
        ack = await fac.call("activity:add", {"kind": "connect", "title": "Meet",
                                              "group_size": 3, "round_count": 2})
        activity_id = ack["activity"]["id"]
        names = {}
        for number in (1, 2):
            assert (await fac.call("connect:start", {"activity_id": activity_id}))["ok"]
            sent = await asyncio.gather(*[next_event(p, "mine") for p in phones])
            assert {m["activity_id"] for m in sent} == {activity_id}
            cards = [m["mine"] for m in sent]
            export = requests.get(f"{live_server.url}/control/{w['key']}/activities/"
                                  f"{activity_id}/groups.csv", timeout=10)
            rows = [r for r in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))
                    if r["round"] == str(number)]
            stored = {}
            for row in rows:
                stored.setdefault(row["group"], set()).add(row["name"])
            for phone, card in zip(phones, cards, strict=True):
                assert phone.held["mine"] == card
                me = phone.me_name
                names[me] = card
                group = {m["name"] for m in card["group"]["members"]} | {me}
                assert group == stored[str(card["group"]["number"])]
                assert card["group"]["round"] == number
            assert sorted(len(g) for g in stored.values()) == [3, 3, 4]
        for client in phones + [fac]:
            await client.disconnect()

    asyncio.run(scenario())
