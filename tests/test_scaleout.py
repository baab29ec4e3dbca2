"""Several processes behind the documented proxy: Redis, two workers on one
database, and HAProxy with deploy/haproxy.cfg terminating TLS, all on loopback.

Phones connect through the proxy as browsers do (long-polling first, then the
WebSocket upgrade, keeping the proxy's cookie), so each lands on one worker
and stays there.
"""
import asyncio
import gc
import re
import sqlite3
import ssl
import sys

import aiohttp
import pytest
import requests
import socketio

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from stack import Stack, missing_tools  # noqa: E402

pytestmark = [
    pytest.mark.live,
    # When a worker dies under them, the client library leaves its sockets to the
    # garbage collector; those are the test clients', not the server's (a subprocess).
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def stack(tmp_path):
    missing = missing_tools()
    if missing:
        pytest.fail(f"needs Debian packages {missing}: tests/run-all.sh installs them")
    deployment = Stack(tmp_path / "stack", workers=2)
    try:
        yield deployment.start()
    finally:
        deployment.stop()
        gc.collect()  # close what the clients left here, under this module's filter


def https(stack) -> requests.Session:
    session = requests.Session()
    session.verify, session.trust_env = str(stack.cert), False
    return session


def create_workshop(stack) -> dict:
    with https(stack) as session:
        page = session.post(stack.url + "/", data={"title": "Regional day"}, timeout=10).text
    return {"key": re.search(r"/control/([A-Za-z0-9_-]+)", page).group(1),
            "code": re.search(r'class="code">([A-Z0-9]+)<', page).group(1)}


async def connect(stack, auth, events=("snapshot", "live")):
    """A client that goes through the proxy as a browser does: its own cookie jar,
    long-polling first, then WebSocket."""
    tls = ssl.create_default_context(cafile=str(stack.cert))
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                 connector=aiohttp.TCPConnector(ssl=tls))
    client = socketio.AsyncClient(http_session=http, reconnection_delay=0.1,
                                  reconnection_delay_max=0.5)
    client.http = http
    client.inbox = {name: asyncio.Queue() for name in events}
    for name in events:
        client.on(name, lambda data, q=client.inbox[name]: q.put_nowait(data))
    await client.connect(stack.url, auth=auth, transports=["polling", "websocket"],
                         wait_timeout=10)
    return client


def worker_of(client) -> str:
    """The worker the proxy's cookie pins this client to (w1 or w2)."""
    return next(c.value for c in client.http.cookie_jar if c.key == "fw_worker")


async def next_event(client, name, timeout=10):
    return await asyncio.wait_for(client.inbox[name].get(), timeout)


async def join(stack, w, name, events=("snapshot", "live")):
    auth = {"role": "delegate", "code": w["code"]}
    phone = await connect(stack, lambda: auth, events)
    await next_event(phone, "snapshot")
    ack = await phone.call("delegate:join", {"name": name, "organisation": "Org"}, timeout=20)
    assert ack["ok"], ack
    auth["token"] = ack["token"]
    phone.delegate_id = ack["me"]["id"]
    await next_event(phone, "snapshot")
    return phone


async def close(*clients):
    for client in clients:
        await client.disconnect()
        await client.http.close()


async def presence_reaches(fac, joined, online, timeout=10):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = []
    while True:
        presence = await next_event(fac, "presence", max(0.01, deadline - loop.time()))
        seen.append((presence["joined"], presence["online"]))
        if seen[-1] == (joined, online):
            return presence


def test_events_reach_phones_on_every_worker(stack):
    async def scenario():
        w = create_workshop(stack)
        fac = await connect(stack, {"role": "facilitator", "key": w["key"]},
                            events=("snapshot", "live", "presence", "delegate"))
        await next_event(fac, "snapshot")
        phones = await asyncio.gather(*[join(stack, w, f"Delegate {i}",
                                             events=("snapshot", "live"))
                                        for i in range(16)])
        by_worker = {}
        for phone in phones:
            by_worker.setdefault(worker_of(phone), []).append(phone)
        assert sorted(by_worker) == ["w1", "w2"], "the proxy spread new phones over both"

        # Who is online counts the phones of both workers on the control screen.
        await presence_reaches(fac, 16, 16)

        # A prompt made live through the facilitator's worker reaches every phone.
        ack = await fac.call("activity:add", {"kind": "message", "title": "Coffee",
                                              "body": "Back at 11:15"})
        assert (await fac.call("live:set", {"activity_id": ack["activity"]["id"]}))["ok"]
        received = await asyncio.gather(*[next_event(p, "live") for p in phones])
        assert {r["activity"]["title"] for r in received} == {"Coffee"}

        # Releasing a name sends that phone back to the join form, whichever worker
        # holds it (the command runs in every process).
        other = next(p for p in phones if worker_of(p) != worker_of(fac))
        assert (await fac.call("delegate:release", {"delegate_id": other.delegate_id}))["ok"]
        snap = await next_event(other, "snapshot")
        assert snap["token_status"] == "released" and snap["me"] is None

        # Phones leaving another worker show up as offline on the control screen.
        leaving = [p for p in phones if p is not other and worker_of(p) != worker_of(fac)]
        await close(*leaving)
        await presence_reaches(fac, 15, 16 - 1 - len(leaving))
        await close(fac, *[p for p in phones if p not in leaving])

    asyncio.run(scenario())


def test_a_worker_killed_mid_event_loses_no_acknowledged_question(stack):
    """Phones ask questions, resending any not acknowledged; one worker is killed
    with SIGKILL halfway. Its phones move to the other worker by themselves, and
    every acknowledged question is stored, once."""
    async def scenario():
        w = create_workshop(stack)
        fac = await connect(stack, {"role": "facilitator", "key": w["key"]})
        await next_event(fac, "snapshot")
        ack = await fac.call("activity:add", {
            "kind": "qa", "title": "Panel", "auto_publish": True, "min_interval": 0,
            "max_questions": 50})
        assert (await fac.call("live:set", {"activity_id": ack["activity"]["id"]}))["ok"]
        phones = await asyncio.gather(*[join(stack, w, f"Asker {i}") for i in range(12)])
        victims = {p for p in phones if worker_of(p) == "w1"}
        assert victims and len(victims) < len(phones)
        acked: dict[str, int] = {}
        killed = asyncio.Event()

        async def ask_all(index, phone, count=20):
            for n in range(count):
                client_id = f"p{index}-q{n}"
                payload = {"client_id": client_id, "text": f"Question {n} from phone {index}"}
                while True:  # as the phone page does: resend until acknowledged
                    try:
                        answer = await phone.call("qa:ask", payload, timeout=3)
                    except (socketio.exceptions.TimeoutError,
                            socketio.exceptions.BadNamespaceError):
                        await asyncio.sleep(0.2)
                        continue
                    assert answer["ok"], answer
                    acked[client_id] = answer["question"]["id"]
                    break
                if index == 0 and n == 8:
                    killed.set()
                await asyncio.sleep(0.02)

        async def kill_when_ready():
            await killed.wait()
            stack.kill_worker(0)

        await asyncio.gather(kill_when_ready(),
                             *[ask_all(i, p) for i, p in enumerate(phones)])
        assert len(acked) == 12 * 20
        # The survivor now holds every phone, including those of the killed worker.
        assert {worker_of(p) for p in phones} == {"w2"}

        with sqlite3.connect(stack.database) as db:
            rows = db.execute("select client_id, id from qa_questions").fetchall()
        stored = dict(rows)
        assert len(rows) == len(stored), "a question was stored twice"
        assert stored == acked
        await close(fac, *phones)

    asyncio.run(scenario())


@pytest.fixture
def redis_url(tmp_path):
    from join_broadcast import Server, free_port
    from stack import tool
    if tool("redis-server") is None:
        pytest.fail("needs Debian's redis-server: tests/run-all.sh installs it")
    port = free_port()
    server = Server("redis", [tool("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                    tmp_path / "redis.log", port).start()
    yield f"redis://127.0.0.1:{port}/0"
    server.stop()


def test_one_process_at_a_time_runs_the_timers(redis_url):
    import time

    from facilitator.cluster import RedisCluster
    first, second = RedisCluster(redis_url, 0.05), RedisCluster(redis_url, 0.05)
    second.worker = "another-process"
    assert first.leads() and first.leads(), "the holder keeps its lease"
    assert not second.leads()
    time.sleep(first.lease_ms / 1000 + 0.1)  # the holder stopped beating (it died)
    assert second.leads() and not first.leads()


def test_processes_see_each_others_delegates_until_one_stops_publishing(redis_url):
    import time

    from facilitator.cluster import RedisCluster
    here, there = RedisCluster(redis_url, 0.05), RedisCluster(redis_url, 0.05)
    there.worker = "another-process"
    there.share({7: {1, 2}}, [])
    assert here.share({7: {3}}, []) == {7}, "a change elsewhere is reported once"
    assert here.remote_online(7) == {1, 2}
    assert here.share({7: {3}}, []) == set()
    there.share({7: {2}}, [(7, 1, time.time())])
    time.sleep(0.06)
    assert here.remote_online(7) == {2}
    assert here.remote_seen(7, time.time() - 60) == {1}
    time.sleep(here.ttl + 0.5)  # the other process died: its delegates drop out
    assert here.remote_online(7) == set()


def test_without_redis_a_process_carries_on_with_its_own_view(caplog):
    from join_broadcast import free_port

    from facilitator.cluster import RedisCluster
    lost = RedisCluster(f"redis://127.0.0.1:{free_port()}/0", 0.05)  # nothing listens there
    assert lost.remote_online(7) == set() and lost.remote_seen(7, 0) == set()
    assert lost.share({7: {1}}, [(7, 2, 1.0)]) == set()
    assert lost.leads() is True, "timers still end, in every process"
    lost.publish("anything", [1])
    assert sum("Redis cannot be reached" in r.message for r in caplog.records) == 1, \
        "one warning, not one per call"


def test_limits_are_counted_once_for_every_process(redis_url):
    from facilitator import realtime, security
    from facilitator.throttle import Throttle, per
    here, there = Throttle(redis_url), Throttle(redis_url)
    joins = per(3, 100)
    assert [here.hit(joins, "join", 1, "203.0.113.1") for _ in range(2)] == [True, True]
    assert there.hit(joins, "join", 1, "203.0.113.1"), "the third, through another process"
    assert not here.hit(joins, "join", 1, "203.0.113.1")
    assert there.wait(joins, "join", 1, "203.0.113.1") > 90
    assert here.hit(joins, "join", 1, "198.51.100.2"), "another address has its own count"
    # The quotas and the join-code throttle count there too.
    from facilitator.throttle import limiter
    try:
        limiter.configure(redis_url)
        conn = realtime.Connection(5, "delegate", 9)
        assert all(realtime.quotas.allow(conn, "sid-a") for _ in range(40))
        burst, seconds = realtime.Quotas.RATES["delegate"]
        assert not there.hit(per(burst, seconds), "quota", "delegate", 5, 9), \
            "the same delegate's quota, seen by another process"
        for _ in range(security.guesses.burst):
            security.guesses.wrong("192.0.2.7")
        assert there.wait(security.guesses.limit, "codes", "192.0.2.7") > 0
    finally:
        limiter.configure("")


def test_without_redis_limits_are_counted_by_each_process_alone(caplog):
    from join_broadcast import free_port

    from facilitator.throttle import Throttle, per
    lost = Throttle(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    one = per(1, 60)
    assert lost.hit(one, "x") and not lost.hit(one, "x"), "counted here meanwhile"
    assert lost.wait(one, "x") > 0
    assert sum("rate limits are counted by each process" in r.message
               for r in caplog.records) == 1, "one warning, not one per call"
