"""Join-storm and broadcast benchmark: the real app against a bare Flask-SocketIO server.

    python bench/join_broadcast.py [--mode eventlet|gevent] [--phones 200] [--reps 15]

This process is the single load generator (asyncio + python-socketio AsyncClients
over WebSocket). It starts, as subprocesses on 127.0.0.1 only:

  * the product: `python run.py --host 127.0.0.1 --port P --database TMP --async-mode M`;
  * a bare reference: a tiny Flask-SocketIO app (written to a temp file) with the same
    async mode and Socket.IO settings that, on "push" from a controller, broadcasts
    the payload it was sent (padded to the product's `live` payload size) as "live".

It prints one JSON object. Every wait is bounded; every subprocess is killed at the end.
"""
import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import socketio
from common import SERVER_ENV, disconnect, median, pct, print_report

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

NOTE = ("The load generator (one asyncio process) and the server share a noisy 2-core "
        "machine: absolute latencies include client-side decoding of every frame and CPU "
        "contention. Compare medians over repetitions and the product/bare ratios from "
        "the same run, not absolute figures across runs.")

# The bare reference: same async mode, same Socket.IO settings as facilitator/__init__.py,
# served like run.py serves the product.
BARE_SERVER = r'''
import sys
import warnings
MODE, PORT = sys.argv[1], int(sys.argv[2])
if MODE == "eventlet":
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
else:
    from gevent import monkey
    monkey.patch_all()
import resource
from flask import Flask
from flask_socketio import SocketIO, join_room

LIMIT = 10000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
target = LIMIT + 256 if hard == resource.RLIM_INFINITY else min(LIMIT + 256, hard)
if soft < target:
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE, max_http_buffer_size=16 * 1024,
                    ping_interval=20, ping_timeout=20)


@socketio.on("connect")
def on_connect(auth=None):
    join_room("all")


@socketio.on("hello")
def on_hello(data=None):
    return {"ok": True}


@socketio.on("push")
def on_push(data):
    socketio.emit("live", data, to="all")
    return {"ok": True}


if MODE == "eventlet":
    import eventlet.wsgi
    eventlet.wsgi.server(eventlet.listen(("127.0.0.1", PORT), backlog=2048), app,
                         max_size=LIMIT, log_output=False)
else:
    from gevent.pool import Pool
    from gevent.pywsgi import WSGIServer
    WSGIServer(("127.0.0.1", PORT), app, spawn=Pool(LIMIT), log=None,
               backlog=2048).serve_forever()
'''

MESSAGE_BODY = ("Coffee is in the atrium. We start again at 11:15 sharp in this room; "
                "please bring the worksheet from table one and your questions for the "
                "panel. The slides will be shared after the session.")


# ---------------------------------------------------------------- helpers

def free_port() -> int:
    """A TCP port nobody listens on now (as tests/conftest.py does)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raise_file_limit():
    """Every client holds a socket: lift the soft open-file limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def prepare_load_generator() -> int:
    """Lift the open-file limit (the new limit is returned) and turn SIGTERM and SIGHUP
    into SystemExit, so that the `finally` blocks still kill the servers."""
    nofile = raise_file_limit()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    return nofile


def summary_p90(values):
    """n, p50/p90/p99/max in ms of a list of seconds."""
    return {"n": len(values), "p50_ms": pct(values, 50), "p90_ms": pct(values, 90),
            "p99_ms": pct(values, 99), "max_ms": pct(values, 100)}


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


class Server:
    """A subprocess on 127.0.0.1 whose output goes to a log file; always killable."""

    def __init__(self, name, argv, log_path: Path, port: int, env=None):
        self.name, self.argv, self.log_path, self.port = name, argv, log_path, port
        self.env = env
        self.proc = None

    def spawn(self):
        """Start the process, its output going to `log_path` (it does not wait)."""
        self.log = open(self.log_path, "wb")
        env = {**SERVER_ENV, **(self.env or os.environ)}
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdout=self.log, env=env,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.ps = psutil.Process(self.proc.pid)

    def start(self, timeout=30):
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start within {timeout}s")

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def rss_kb(self) -> int:
        return self.ps.memory_info().rss // 1024

    def cpu_s(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.log.close()

    def log_problems(self, limit=15):
        """Lines of the server log that look like errors or warnings."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {"lines": 0, "problem_lines": 0, "first": []}
        pattern = re.compile(r"Traceback|Error|Exception|error|exception|WARNING|"
                             r"warning|failed|Too many open files|refused")
        hits = [line for line in text.splitlines() if pattern.search(line)]
        first = []
        for line in hits:
            if line not in first:
                first.append(line[:300])
            if len(first) >= limit:
                break
        return {"lines": len(text.splitlines()), "problem_lines": len(hits), "first": first}


def app_server(tmp: Path, mode: str, log_name="server.log") -> Server:
    """The app (run.py) on a free port, with its database and log in `tmp`; the
    links it hands out point at it."""
    port = free_port()
    os.environ.setdefault("FACILITATOR_PUBLIC_URL", f"http://{HOST}:{port}")
    return Server("product", [sys.executable, str(ROOT / "run.py"), "--host", HOST,
                              "--port", str(port), "--database", str(tmp / "bench.db"),
                              "--async-mode", mode], tmp / log_name, port)


# How clients reach the server: scaleout.py sets these for HTTPS with its own
# certificate (TLS context for the create form, options for the Socket.IO clients).
TLS_CONTEXT = None
CLIENT_OPTIONS = {}


def create_workshop(url: str, title="Benchmark day") -> dict:
    """POST the create form and scrape the control key and code (as LiveServer does)."""
    body = urllib.parse.urlencode({"title": title}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "/", data=body),
                                timeout=20, context=TLS_CONTEXT) as response:
        page = response.read().decode()
    return {"key": re.search(r"/control/([A-Za-z0-9_-]+)", page).group(1),
            "code": re.search(r'class="code">([A-Z0-9]+)<', page).group(1)}


# ---------------------------------------------------------------- clients

class Swarm:
    """All clients of one target; shared monotonic clock, shared arrival counter."""

    def __init__(self):
        self.clients = []
        self.disconnects = 0
        self.arrived = 0
        self.expected = 0
        self.all_arrived = asyncio.Event()
        self.unexpected_events = {}

    def new_client(self):
        client = socketio.AsyncClient(reconnection=False, request_timeout=30,
                                      **CLIENT_OPTIONS)
        client.lives = {}        # key (version or seq) -> monotonic receipt time
        client.snapshots = asyncio.Queue()

        @client.on("live")
        def on_live(data):
            t = time.monotonic()
            key = data.get("seq", data.get("version")) if isinstance(data, dict) else None
            client.lives.setdefault(key, t)
            self.arrived += 1
            if self.expected and self.arrived >= self.expected:
                self.all_arrived.set()

        @client.on("snapshot")
        def on_snapshot(data):
            client.snapshots.put_nowait(data)

        @client.on("disconnect")
        def on_disconnect(*args):
            self.disconnects += 1

        @client.on("*")
        def on_other(event, *args):
            self.unexpected_events[event] = self.unexpected_events.get(event, 0) + 1

        return client

    async def close(self):
        await asyncio.wait_for(asyncio.gather(*[disconnect(c) for c in self.clients]), 60)


async def storm(swarm: Swarm, count: int, wave: int, open_one, wave_timeout: float,
                after_wave=None):
    """Connect `count` clients in waves of `wave`, each wave all at once;
    `after_wave(connected)` is called after each wave.

    Returns per-client latencies (s), total time (s) and error counts.
    """
    latencies, errors = [], {}
    start = time.monotonic()
    for first in range(0, count, wave):
        if after_wave and first:
            after_wave(len(swarm.clients))
        tasks = [asyncio.ensure_future(open_one(i)) for i in range(first, min(first + wave, count))]
        done, pending = await asyncio.wait(tasks, timeout=wave_timeout)
        for task in pending:
            task.cancel()
            errors["wave_timeout"] = errors.get("wave_timeout", 0) + 1
        for task in done:
            error = task.exception()
            if error is not None:
                name = f"{type(error).__name__}: {str(error)[:80]}"
                errors[name] = errors.get(name, 0) + 1
            else:
                client, latency = task.result()
                swarm.clients.append(client)
                latencies.append(latency)
    if after_wave:
        after_wave(len(swarm.clients))
    return latencies, time.monotonic() - start, errors


@contextlib.contextmanager
def generator_without_full_collections():
    """This process holds thousands of clients: a full garbage collection of it
    takes hundreds of milliseconds, which would show up as the servers' latency.
    Only young objects are collected while it runs (memory grows a little)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def loop_stalls(url: str, since: float, until: float | None = None) -> dict:
    """The server loop's stalls (its own monitor, via /healthz) between two wall-clock
    times: the longest in ms and how many of 20 ms or more."""
    with urllib.request.urlopen(url + "/healthz", timeout=20, context=TLS_CONTEXT) as response:
        loop = json.loads(response.read())["loop"]
    until = until or time.time()
    hits = [ms for at, ms in loop["recent"] if since <= at <= until]
    return {"longest_ms": max(hits, default=0.0), "stalls_20ms_or_more": len(hits),
            # the server's own garbage collections at quiet moments: [ms, kind]
            "collections": [[ms, kind] for at, ms, kind in loop.get("full_collections", [])
                            if since <= at <= until]}


async def one_broadcast(target, i: int, rep_timeout: float) -> dict:
    """Broadcast i to one target; receipt latency (from t0) of each of its clients.

    `target.send(i)` sends and returns the key (version or seq) the clients will see;
    t0 is taken just before it is called.
    """
    swarm, receivers = target.swarm, target.receivers
    swarm.arrived, swarm.expected = 0, len(receivers)
    swarm.all_arrived.clear()
    t0 = time.monotonic()
    key = await target.send(i)
    sent = time.monotonic() - t0
    try:
        await asyncio.wait_for(swarm.all_arrived.wait(), rep_timeout)
    except asyncio.TimeoutError:
        pass
    swarm.expected = 0
    lat = [c.lives[key] - t0 for c in receivers if key in c.lives]
    return {"rep": i, "warmup": i == 0, "missing": len(receivers) - len(lat),
            "send_ms": round(sent * 1000, 1), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
            "max_ms": pct(lat, 100)}


def rep_figures(results):
    counted = [r for r in results if not r["warmup"]]
    return {
        "median_p50_ms": median([r["p50_ms"] for r in counted]),
        "median_p99_ms": median([r["p99_ms"] for r in counted]),
        "median_max_ms": median([r["max_ms"] for r in counted]),
        "median_send_ms": median([r["send_ms"] for r in counted]),
        "missing_total": sum(r["missing"] for r in counted),
        "per_rep_p50_ms": [r["p50_ms"] for r in counted],
        "per_rep_p99_ms": [r["p99_ms"] for r in counted],
        "per_rep_missing": [r["missing"] for r in counted],
        "warmup": {k: results[0][k] for k in ("p50_ms", "p99_ms", "missing")},
    }


class Target:
    """One server under test, after its storm: what the broadcast phase needs."""

    def __init__(self, server: Server):
        self.server = server
        self.swarm = Swarm()
        self.receivers = []
        self.others = []      # the facilitator / controller
        self.report = {}
        self.results = []

    async def close(self):
        self.report["client_disconnects_during_run"] = self.swarm.disconnects
        await self.swarm.close()
        for client in self.others:
            await disconnect(client)


# ---------------------------------------------------------------- the two targets

async def prepare_product(server: Server, args) -> Target:
    """Create a workshop, connect the facilitator, add two messages, run the join storm."""
    target = Target(server)
    swarm = target.swarm
    w = await asyncio.to_thread(create_workshop, server.url)
    fac = Swarm().new_client()  # its own counters: only phones are measured
    fac_lives = []
    fac.on("live", lambda data: fac_lives.append(data))
    target.others.append(fac)
    await fac.connect(server.url, auth={"role": "facilitator", "key": w["key"]},
                      transports=["websocket"], wait_timeout=20)
    await asyncio.wait_for(fac.snapshots.get(), 20)
    activities = []
    for title in ("Message A", "Message B"):
        ack = await fac.call("activity:add", {"kind": "message", "title": title,
                                              "body": MESSAGE_BODY}, timeout=30)
        assert ack["ok"], ack
        activities.append(ack["activity"]["id"])
    await asyncio.sleep(1.0)
    rss_before = server.rss_kb()
    phases = {"connect": [], "snapshot_after_connect": [], "join_call": []}

    async def join_one(i):
        client = swarm.new_client()
        t0 = time.monotonic()
        await client.connect(server.url, auth={"role": "delegate", "code": w["code"]},
                             transports=["websocket"], wait_timeout=30)
        t1 = time.monotonic()
        try:
            await asyncio.wait_for(client.snapshots.get(), 30)
            t2 = time.monotonic()
            ack = await client.call("delegate:join", {
                "name": f"Delegate {i:04d}", "organisation": f"Organisation {i % 37}",
                "role": "Nurse"}, timeout=60)
            if not ack.get("ok"):
                raise RuntimeError(f"join refused: {ack.get('error')}")
        except BaseException:
            await client.disconnect()
            raise
        t3 = time.monotonic()
        phases["connect"].append(t1 - t0)
        phases["snapshot_after_connect"].append(t2 - t1)
        phases["join_call"].append(t3 - t2)
        return client, t3 - t0

    curve = []
    cpu0, wall0 = server.cpu_s(), time.time()
    latencies, total, errors = await storm(
        swarm, args.phones, args.wave, join_one, args.wave_timeout,
        after_wave=lambda n: curve.append((n, server.rss_kb() - rss_before)))
    cpu_join = server.cpu_s() - cpu0
    join_stalls = await asyncio.to_thread(loop_stalls, server.url, wall0)
    await asyncio.sleep(2.0)  # presence ticks at 0.5 s; let the server settle
    rss_after = server.rss_kb()
    target.receivers = list(swarm.clients)

    async def send(i):
        ack = await fac.call("live:set", {"activity_id": activities[i % 2]}, timeout=60)
        assert ack["ok"], ack
        return ack["version"]

    def payload_size():
        # The facilitator is in the workshop room too: size of the last `live` it saw.
        return len(json.dumps(fac_lives[-1], separators=(",", ":"))) if fac_lives else None

    target.send, target.payload_size = send, payload_size
    n = len(target.receivers)
    target.report = {
        "join": {**summary_p90(latencies), "total_s": round(total, 2),
                 "joins_per_s": round(len(latencies) / total, 1) if total else None,
                 "failed": errors, "server_cpu_s": round(cpu_join, 2),
                 "loop": join_stalls,
                 "phases_p50_p99_ms": {name: [pct(v, 50), pct(v, 99)]
                                       for name, v in phases.items() if v}},
        "rss": {"before_kb": rss_before, "after_kb": rss_after, "connected": n,
                "kb_per_phone": round((rss_after - rss_before) / n, 1) if n else None,
                # [phones connected, KB added] after each wave: is the cost per phone flat?
                "curve": [list(point) for point in sorted(
                    set(curve[::max(1, len(curve) // 10)] + curve[-1:]))]},
    }
    return target


async def prepare_bare(server: Server, args, product_payload_size) -> Target:
    """Connect the controller, then N clients (connect + an acked "hello") in waves."""
    target = Target(server)
    swarm = target.swarm
    ctl = swarm.new_client()
    ctl.on("live", lambda data: None)  # the controller is in the room too; not counted
    target.others.append(ctl)
    await ctl.connect(server.url, transports=["websocket"], wait_timeout=20)
    await asyncio.sleep(1.0)
    rss_before = server.rss_kb()
    phases = {"connect": [], "hello_call": []}

    async def connect_one(i):
        client = swarm.new_client()
        t0 = time.monotonic()
        await client.connect(server.url, transports=["websocket"], wait_timeout=30)
        t1 = time.monotonic()
        try:
            await client.call("hello", {"i": i}, timeout=60)
        except BaseException:
            await client.disconnect()
            raise
        t2 = time.monotonic()
        phases["connect"].append(t1 - t0)
        phases["hello_call"].append(t2 - t1)
        return client, t2 - t0

    cpu0 = server.cpu_s()
    latencies, total, errors = await storm(swarm, args.phones, args.wave, connect_one,
                                           args.wave_timeout)
    cpu_join = server.cpu_s() - cpu0
    await asyncio.sleep(2.0)
    rss_after = server.rss_kb()
    target.receivers = list(swarm.clients)

    def payload(seq):
        data = {"seq": seq, "activity": {"id": 1, "kind": "message", "title": "Message A",
                                         "body": ""}, "since": time.time(), "version": seq}
        # The product's size is known once its first `live` went out (round 0 starts
        # with the product), so both carry the same number of bytes.
        short = (product_payload_size() or 300) - len(json.dumps(data, separators=(",", ":")))
        data["activity"]["body"] = "x" * max(0, short)
        return data

    async def send(i):
        key = 10_000 + i
        await ctl.emit("push", payload(key))
        return key

    def payload_size():
        return len(json.dumps(payload(10_000), separators=(",", ":")))

    target.send, target.payload_size = send, payload_size
    n = len(target.receivers)
    target.report = {
        "connect_and_ack": {**summary_p90(latencies), "total_s": round(total, 2),
                            "failed": errors, "server_cpu_s": round(cpu_join, 2),
                            "phases_p50_p99_ms": {name: [pct(v, 50), pct(v, 99)]
                                                  for name, v in phases.items() if v}},
        "rss": {"before_kb": rss_before, "after_kb": rss_after, "connected": n,
                "kb_per_client": round((rss_after - rss_before) / n, 1) if n else None},
    }
    return target


async def broadcasts(product: Target, bare: Target, args):
    """reps + 1 rounds (round 0 a warm-up); each round one broadcast to each target,
    in alternating order, so drift in the machine's load hits both alike."""
    cpu0 = {t: t.server.cpu_s() for t in (product, bare)}
    wall0 = time.time()
    for i in range(args.reps + 1):
        order = (product, bare) if i % 2 == 0 else (bare, product)
        for target in order:
            target.results.append(await one_broadcast(target, i, args.rep_timeout))
            await asyncio.sleep(0.3)  # let both servers go idle between broadcasts
    for target in (product, bare):
        target.report["broadcast"] = {
            **rep_figures(target.results),
            "server_cpu_s": round(target.server.cpu_s() - cpu0[target], 2),
            "payload_bytes": target.payload_size()}
    product.report["broadcast"]["loop"] = await asyncio.to_thread(
        loop_stalls, product.server.url, wall0)
    per_rep = [(p["p50_ms"] / b["p50_ms"], p["p99_ms"] / b["p99_ms"])
               for p, b in zip(product.results, bare.results)
               if not p["warmup"] and p["p50_ms"] and b["p50_ms"]]
    return {"median_of_per_round_p50_ratio": round(statistics.median(r[0] for r in per_rep), 2)
            if per_rep else None,
            "median_of_per_round_p99_ratio": round(statistics.median(r[1] for r in per_rep), 2)
            if per_rep else None}


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--wave-timeout", type=float, default=120.0)
    parser.add_argument("--rep-timeout", type=float, default=30.0)
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="give up (and kill the servers) after this many seconds")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the temp dir with server logs and databases")
    args = parser.parse_args()
    if not (1 <= args.phones <= 5000 and 1 <= args.reps <= 200 and 1 <= args.wave):
        parser.error("phones must be 1..5000, reps 1..200, wave >= 1")

    nofile = prepare_load_generator()  # the finally below kills the servers

    tmp = Path(tempfile.mkdtemp(prefix="bench-join-broadcast-"))
    bare_file = tmp / "bare_server.py"
    bare_file.write_text(BARE_SERVER)
    product = app_server(tmp, args.mode, "product.log")
    bare_port = free_port()
    bare = Server("bare", [sys.executable, str(bare_file), args.mode, str(bare_port)],
                  tmp / "bare.log", bare_port)

    out = {"benchmark": "join_broadcast", "mode": args.mode, "phones": args.phones,
           "reps": args.reps, "wave": args.wave,
           "machine": machine(nofile),
           "versions": versions(),
           "note": NOTE,
           "method": ("Latencies from one monotonic clock in the load generator. Join: "
                      "connect start -> snapshot -> delegate:join ack. Broadcast: t0 just "
                      "before the facilitator's live:set call (product, alternating two "
                      "message activities) or the controller's emit('push') (bare) -> "
                      "each client's receipt of 'live'; both servers run side by side and "
                      "each round broadcasts once to each (order alternating per round); "
                      "round 0 is a warm-up and excluded; send_ms is the live:set ack "
                      "time (product, includes its SQLite write) or the emit call (bare). "
                      "Storms run one target at a time (product first); the load generator runs no "
                      "full garbage collection (it would pause every receipt). RSS: server "
                      "process, after the facilitator/controller connected vs 2 s after "
                      "all N connected.")}
    started = time.monotonic()

    async def scenario():
        product.start()
        bare.start()
        targets = []
        try:
            targets.append(await prepare_product(product, args))
            targets.append(await prepare_bare(bare, args, targets[0].payload_size))
            out["ratio_product_over_bare_per_round"] = await broadcasts(*targets, args)
        finally:
            for target in targets:
                await target.close()
            out["product"], out["bare"] = (targets + [Target(None)] * 2)[0].report, \
                (targets + [Target(None)] * 2)[1].report
            product.stop()
            bare.stop()

    try:
        with generator_without_full_collections():
            asyncio.run(asyncio.wait_for(scenario(), args.time_limit))
    except BaseException as error:  # noqa: BLE001 - report, then clean up and fail
        out["error"] = f"{type(error).__name__}: {error}"
    finally:
        product.stop()
        bare.stop()
        out["server_logs"] = {"product": product.log_problems(), "bare": bare.log_problems()}
        if args.keep_logs:
            out["server_logs"]["dir"] = str(tmp)
        else:
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()

    p, b = out.get("product", {}).get("broadcast", {}), out.get("bare", {}).get("broadcast", {})
    out["ratio_product_over_bare"] = {
        "broadcast_p50": ratio(p.get("median_p50_ms"), b.get("median_p50_ms")),
        "broadcast_p99": ratio(p.get("median_p99_ms"), b.get("median_p99_ms")),
        "join_p50_vs_bare_connect_p50": ratio(out.get("product", {}).get("join", {}).get("p50_ms"),
                                              out.get("bare", {}).get("connect_and_ack", {})
                                              .get("p50_ms")),
        "rss_per_client": ratio(out.get("product", {}).get("rss", {}).get("kb_per_phone"),
                                out.get("bare", {}).get("rss", {}).get("kb_per_client")),
    }
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    print_report(out, nulls=False)
    return 1 if "error" in out else 0


class CountingHandler(logging.Handler):
    """Counts the client library's warnings and errors (an unknown ack id, a bad frame)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts = {}

    def emit(self, record):
        text = record.getMessage()[:80]
        self.counts[text] = self.counts.get(text, 0) + 1


def client_log(name: str):
    """A logger for the swarm's clients that counts, rather than prints, their warnings."""
    handler = CountingHandler()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    return logger, handler


def commit_cost(directory: Path, n=50) -> dict:
    """What one committed write costs on this disk just now, committed as the app's
    store does (WAL, synchronous=FULL): mean and max in ms."""
    path = directory / "commit-probe.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("create table if not exists t (x)")
    db.commit()
    times = []
    for i in range(n):
        start = time.perf_counter()
        db.execute("insert into t values (?)", [i])
        db.commit()
        times.append(time.perf_counter() - start)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"mean_ms": round(statistics.fmean(times) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2)}


def versions() -> dict:
    """Versions of the libraries a benchmark's figures depend on."""
    return {name: _version(name) for name in
            ("python-socketio", "python-engineio", "flask-socketio", "eventlet", "gevent",
             "aiohttp")}


def machine(nofile: int, **extra) -> dict:
    """What the figures were measured on."""
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "mem_total_mb": psutil.virtual_memory().total // 2**20,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "load_generator_nofile": nofile, **extra}


def run_against(server, scenario, args, out: dict):
    """Start the app, run `scenario(server, args, out)` within the time limit, stop it.

    An error is recorded in out["error"]; the server's log summary in out["server_log"].
    """
    async def go():
        server.start()
        try:
            await scenario(server, args, out)
        finally:
            server.stop()

    try:
        asyncio.run(asyncio.wait_for(go(), args.time_limit))
    except BaseException as error:  # noqa: BLE001 - report, then clean up and fail
        out["error"] = f"{type(error).__name__}: {error}"
    finally:
        server.stop()
        out["server_log"] = server.log_problems()


def keep_or_remove(tmp: Path, args, out: dict):
    """With --keep-logs the report names the temp dir (server log, database), which
    stays; else it is removed."""
    if args.keep_logs:
        out["server_log"]["dir"] = str(tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def _version(name):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
