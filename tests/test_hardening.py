"""Misbehaviour contained: flooding, a database that refuses writes, join-code
guessing, and a delegate the facilitator removes."""
import asyncio
import sqlite3
import time

import pytest

from facilitator import realtime, security
from facilitator.throttle import limiter


def store_of(app):
    return app.extensions["facilitator.store"]


# --- flooding ---------------------------------------------------------------

def test_a_flooding_phone_is_limited_then_disconnected_and_kept_out(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    flood = workshops.phone(w, "Flo Odd", "Noisy Trust")
    calm = workshops.phone(w, "Cal M", "Quiet Council")
    acks = [flood.emit("roster:search", {"q": "zz"}, callback=True) for _ in range(60)]
    burst, seconds = realtime.Quotas.RATES["delegate"]
    allowed = [a for a in acks if a["ok"]]
    assert burst <= len(allowed) < burst + 5, "the burst passes, then the quota bites"
    refused = [a for a in acks if not a["ok"]]
    assert refused and all(a["error"] == "rate_limited" and a["message"] for a in refused)
    # Everyone else is served meanwhile.
    assert calm.emit("roster:search", {"q": "zz"}, callback=True)["ok"]
    assert fac.emit("workshop:update", {"title": "Still fine"}, callback=True)["ok"]

    while flood.is_connected():  # past the threshold the server hangs up
        flood.emit("roster:search", {"q": "zz"}, callback=True)
    # ... and the same delegate cannot come straight back.
    again = realtime.socketio.test_client(workshops.app, auth={
        "role": "delegate", "code": w["code"], "token": flood.token})
    assert not again.is_connected()
    assert calm.emit("roster:search", {"q": "zz"}, callback=True)["ok"]


def test_quotas_refill_over_time():
    quotas = realtime.Quotas(rates={"delegate": (5, 1)})
    conn = realtime.Connection(1, "delegate", 7)
    assert all(quotas.allow(conn, "sid") for _ in range(5))
    assert not quotas.allow(conn, "sid")
    time.sleep(1.1)
    assert quotas.allow(conn, "sid")
    # One delegate's phones share a bucket; another delegate has their own.
    other = realtime.Connection(1, "delegate", 8)
    assert quotas.allow(other, "another-sid")


@pytest.mark.live
def test_while_one_phone_floods_a_prompt_reaches_every_other_phone(live_server):
    from test_live_server import join, next_event, open_workshop

    async def scenario():
        w, fac = await open_workshop(live_server)
        phones = await asyncio.gather(*[join(live_server, w, f"Phone {i}") for i in range(30)])
        flooder = await join(live_server, w, "Flood Er")
        flooder.reconnection = False
        answers = {"ok": 0, "rate_limited": 0}

        async def flood():
            while flooder.connected:
                try:
                    ack = await flooder.call("roster:search", {"q": "zz"}, timeout=2)
                    answers["ok" if ack["ok"] else ack["error"]] += 1
                except Exception:  # noqa: BLE001 - hung up on
                    break
                for _ in range(20):  # and fire-and-forget on top, as fast as it can
                    if flooder.connected:
                        await flooder.emit("roster:search", {"q": "zz"})

        flooding = asyncio.ensure_future(flood())
        await asyncio.sleep(0.3)
        ack = await fac.call("activity:add", {"kind": "message", "title": "Break"})
        sent = time.monotonic()
        assert (await fac.call("live:set", {"activity_id": ack["activity"]["id"]}))["ok"]
        received = await asyncio.gather(*[next_event(p, "live") for p in phones])
        took = time.monotonic() - sent
        assert {r["activity"]["title"] for r in received} == {"Break"}
        assert took < 1.0, f"the prompt took {took:.2f} s to reach every phone"
        await asyncio.wait_for(flooding, 20)
        assert not flooder.connected and answers["rate_limited"] > 0
        for client in phones + [fac]:
            await client.disconnect()

    asyncio.run(scenario())


# --- the database refuses a write -------------------------------------------

def test_a_full_disk_is_reported_and_nothing_is_half_written(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w)
    store = store_of(app)
    before = store.one("select count(*) as n from activities")["n"]
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages}")  # the disk is now full
    try:
        saved = 0
        for n in range(40):  # until the pages still free run out
            ack = fac.emit("activity:add", {"kind": "message", "title": f"Lunch {n}",
                                            "body": "Soup and sandwiches. " * 95},
                           callback=True)
            if not ack["ok"]:
                break
            saved += 1
        assert ack["ok"] is False and ack["error"] == "storage", ack
        assert "disk is full" in ack["message"] and "Nothing was changed" in ack["message"]
        problem = workshops.last(fac, "server:problem")
        assert problem["error"] == "storage" and "disk is full" in problem["message"]
        # Every acknowledged activity is stored, and nothing of the refused one.
        assert store.one("select count(*) as n from activities")["n"] == before + saved
        # The server keeps serving reads meanwhile.
        assert phone.emit("roster:search", {"q": "an"}, callback=True)["ok"]
    finally:
        store.db.execute("PRAGMA max_page_count=1073741823")
    ack = fac.emit("activity:add", {"kind": "poll", "title": "Lunch?",
                                    "options": ["Soup", "Pie"]}, callback=True)
    assert ack["ok"], ack


def test_a_database_locked_by_another_program_is_reported(app, workshops, tmp_path):
    w = workshops.create()
    fac = workshops.facilitator(w)
    workshops.drain(fac)
    store = store_of(app)
    store.lock_patience = 0.2
    other = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a database browser left open mid-edit
    try:
        ack = fac.emit("workshop:update", {"title": "New title"}, callback=True)
        assert ack["error"] == "storage" and "locked" in ack["message"]
        assert "locked" in workshops.last(fac, "server:problem")["message"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert fac.emit("workshop:update", {"title": "New title"}, callback=True)["ok"]


# --- join-code guessing -----------------------------------------------------

def test_wrong_codes_are_throttled_per_address_without_locking_out_others(client, workshops,
                                                                          monkeypatch):
    monkeypatch.setattr(security, "guesses", security.GuessThrottle(burst=30, seconds=2))
    w = workshops.create()
    guesser = {"REMOTE_ADDR": "198.51.100.7"}
    venue = {"REMOTE_ADDR": "203.0.113.1"}
    for n in range(security.guesses.burst):
        page = client.get(f"/join?code=AAAA{n % 10}A", environ_base=guesser)
        assert page.status_code == 404
    # Out of guesses: even the right code waits, for this address only.
    refused = client.get(f"/j/{w['code']}", environ_base=guesser)
    assert refused.status_code == 429 and "Too many wrong codes" in refused.get_data(as_text=True)
    assert client.get(f"/j/{w['code']}", environ_base=venue).status_code == 200
    # Right codes never count: a hall behind one address joins freely.
    for _ in range(3 * security.guesses.burst):
        assert client.get(f"/j/{w['code']}", environ_base=venue).status_code == 200
    # A try comes back once the oldest wrong code is a window old.
    time.sleep(2.1)
    assert client.get(f"/j/{w['code']}", environ_base=guesser).status_code == 200


def test_the_throttle_refuses_socket_connections_with_a_reason(workshops, client):
    w = workshops.create()
    for _ in range(security.guesses.burst):
        security.guesses.wrong("127.0.0.1")
    sio = realtime.socketio.test_client(workshops.app, flask_test_client=client,
                                        auth={"role": "delegate", "code": w["code"]})
    assert not sio.is_connected()
    limiter.reset()
    assert workshops.connect(role="delegate", code=w["code"]).is_connected()


# --- removing a delegate ----------------------------------------------------

def test_the_facilitator_removes_a_delegate(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w, "Rob Royal", "Harbour Trust")
    other = workshops.phone(w, "Ann Lee", "Surrey County Council")
    ack = fac.emit("delegate:remove", {"delegate_id": phone.me["id"]}, callback=True)
    assert ack["ok"] and ack["delegate"]["removed"] and not ack["delegate"]["joined"]
    assert workshops.last(fac, "delegate")["removed"] is True
    assert not phone.is_connected()
    assert other.is_connected()
    # The old token no longer works; the name cannot be claimed or found.
    back = workshops.connect(role="delegate", code=w["code"], token=phone.token)
    assert back.snapshot["me"] is None and back.snapshot["token_status"] == "unknown"
    search = back.emit("roster:search", {"q": "rob"}, callback=True)
    assert search["matches"] == []
    claim = back.emit("delegate:claim", {"delegate_id": phone.me["id"]}, callback=True)
    assert claim["error"] == "removed"
    # Releasing the name lets them back in.
    assert fac.emit("delegate:release", {"delegate_id": phone.me["id"]}, callback=True)["ok"]
    claim = back.emit("delegate:claim", {"delegate_id": phone.me["id"]}, callback=True)
    assert claim["ok"], claim


def test_a_page_that_cannot_save_says_so(app, client):
    store = store_of(app)
    store.lock_patience = 0.1
    other = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        page = client.post("/", data={"title": "Locked out"})
        assert page.status_code == 503
        assert "locked by another program" in page.get_data(as_text=True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.post("/", data={"title": "Locked out"}).status_code == 200


def test_behind_a_trusted_proxy_each_phone_is_known_by_its_own_address(tmp_path):
    from facilitator import create_app
    app = create_app({"DATABASE": str(tmp_path / "p.db"), "ASYNC_MODE": "threading",
                      "SECRET_KEY": "test", "TRUSTED_PROXIES": 1})
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(security.guesses.burst):
        client.get("/join?code=AAAAAA", environ_base=proxy,
                   headers={"X-Forwarded-For": "198.51.100.7"})
    guesser = client.get("/join?code=AAAAAA", environ_base=proxy,
                         headers={"X-Forwarded-For": "198.51.100.7"})
    neighbour = client.get("/join?code=AAAAAA", environ_base=proxy,
                           headers={"X-Forwarded-For": "203.0.113.9"})
    assert guesser.status_code == 429 and neighbour.status_code == 404
    app.extensions["facilitator.store"].close()
    limiter.reset()


# --- message size -------------------------------------------------------------

@pytest.mark.live
def test_a_message_over_16_kib_is_refused_and_the_room_carries_on(live_server):
    import socketio as sio_client
    from test_live_server import join, open_workshop

    async def scenario():
        w, fac = await open_workshop(live_server)
        other = await join(live_server, w, "Ann Lee")
        heavy = sio_client.AsyncClient(reconnection=False)
        gone = asyncio.Event()
        heavy.on("disconnect", lambda *args: gone.set())
        await heavy.connect(live_server.url, auth={"role": "delegate", "code": w["code"]},
                            transports=["websocket"], wait_timeout=10)
        # Just under the cap: read, and answered with a clear error.
        ack = await heavy.call("roster:search", {"q": "x" * (15 * 1024)}, timeout=10)
        assert ack["ok"] is False and ack["error"] == "invalid" and ack["message"]
        # Over it: the connection is closed instead of the message being read.
        await heavy.emit("roster:search", {"q": "x" * (17 * 1024)})
        await asyncio.wait_for(gone.wait(), 10)
        # Everyone else is served as before.
        assert (await other.call("roster:search", {"q": "an"}, timeout=10))["ok"]
        ack = await fac.call("activity:add", {"kind": "message", "title": "Still here"})
        assert ack["ok"]
        for client in (fac, other):
            await client.disconnect()

    asyncio.run(scenario())
