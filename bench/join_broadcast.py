"""Join-storm and broadcast benchmark: the real app against a bare Flask-SocketIO server.

    python bench/join_broadcast.py [--mode eventlet|gevent] [--phones 200] [--reps 15]

Besides the product (run.py, see common.py), it starts a bare reference on 127.0.0.1: a
tiny Flask-SocketIO app (written to a temp file) with the same async mode and Socket.IO
settings that, on "push" from a controller, broadcasts the payload it was sent (padded
to the product's `live` payload size) as "live". It prints one JSON object.
"""
import asyncio
import json
import statistics
import sys
import time

from common import (CLIENT_OPTIONS, Client, Count, Crowd, Server, add_activity, app_server, begin,
                    column, close_all, finish, free_port, in_waves, loop_stalls, median,
                    open_workshop, parser, pct, ratio, run_against, summary)

NOTE = ("The load generator (one asyncio process) and the server share a noisy 2-core "
        "machine: absolute latencies include client-side decoding of every frame and CPU "
        "contention. Compare medians over repetitions and the product/bare ratios from "
        "the same run, not absolute figures across runs.")
METHOD = ("Latencies from one monotonic clock in the load generator. Join: "
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
          "all N connected.")

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


class Target:
    """One server under test: its clients, their receipts of `live`, its report."""

    def __init__(self, server: Server, code=None):
        self.server, self.crowd = server, Crowd(server.url if server else None, code,
                                                **CLIENT_OPTIONS)
        self.crowd.on("live", self.arrival)
        self.receivers, self.others, self.report, self.results = [], [], {}, []
        self.arrivals, self.arrived = {}, Count()

    def arrival(self, client, data):
        """A client received `live`: note when, under its version (or seq)."""
        t = time.monotonic()
        key = data.get("seq", data.get("version")) if isinstance(data, dict) else None
        self.arrivals.setdefault(key, []).append(t)
        self.arrived.add()

    async def storm(self, args, start, per="phone"):
        """Open args.phones clients, `start(i)` each, in waves: the join figures (from each
        client's timings), the memory figures and the curve of memory after each wave."""
        server, curve = self.server, []
        rss0, cpu0, wall0 = server.rss_kb(), server.cpu_s(), time.time()
        clients, total, errors = await in_waves(
            start, args.phones, args.wave, args.wave_timeout,
            after_wave=lambda n: curve.append((n, server.rss_kb() - rss0)))
        cpu, self.window = server.cpu_s() - cpu0, (wall0, time.time())
        await asyncio.sleep(2.0)  # presence ticks at 0.5 s; let the server settle
        rss1, n = server.rss_kb(), len(clients)
        self.receivers = clients
        phases = {name: [c.timings[name] for c in clients] for name in
                  (clients[0].timings if clients else ())}
        join = {**summary([sum(c.timings.values()) for c in clients], (50, 90, 99)),
                "total_s": total, "failed": errors, "server_cpu_s": round(cpu, 2),
                "phases_p50_p99_ms": {name: [pct(v, 50), pct(v, 99)]
                                      for name, v in phases.items()}}
        rss = {"before_kb": rss0, "after_kb": rss1, "connected": n,
               f"kb_per_{per}": round((rss1 - rss0) / n, 1) if n else None}
        return join, rss, curve

    async def close(self):
        """Disconnect every client."""
        self.report["client_disconnects_during_run"] = self.crowd.disconnects
        await close_all([*self.receivers, *self.others])


async def one_broadcast(target, i: int, rep_timeout: float) -> dict:
    """Broadcast i to one target; receipt latency (from t0) of each of its clients.

    `target.send(i)` sends and returns the key (version or seq) the clients will see;
    t0 is taken just before it is called.
    """
    receivers = target.receivers
    target.arrivals, target.arrived = {}, Count(len(receivers))
    t0 = time.monotonic()
    key = await target.send(i)
    sent = time.monotonic() - t0
    await target.arrived.wait(rep_timeout)
    lat = [t - t0 for t in target.arrivals.get(key, [])]
    return {"rep": i, "warmup": i == 0, "missing": len(receivers) - len(lat),
            "send_ms": round(sent * 1000, 1), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
            "max_ms": pct(lat, 100)}


def rep_figures(results):
    """Medians over the counted broadcasts, each one's figures and the warm-up's."""
    counted = [r for r in results if not r["warmup"]]
    return {
        **{f"median_{k}": median([r[k] for r in counted])
           for k in ("p50_ms", "p99_ms", "max_ms", "send_ms")},
        "missing_total": sum(r["missing"] for r in counted),
        **{f"per_rep_{k}": [r[k] for r in counted] for k in ("p50_ms", "p99_ms", "missing")},
        "warmup": {k: results[0][k] for k in ("p50_ms", "p99_ms", "missing")},
    }


async def prepare_product(server: Server, args) -> Target:
    """Create a workshop, connect the facilitator, add two messages, run the join storm."""
    w, screens = await open_workshop(server.url, "Benchmark day")
    fac = screens["facilitator"]
    fac_lives = []
    fac.on("live", lambda client, data: fac_lives.append(data))
    target = Target(server, w["code"])
    target.others.append(fac)
    activities = [await add_activity(fac, kind="message", title=title, body=MESSAGE_BODY)
                  for title in ("Message A", "Message B")]
    await asyncio.sleep(1.0)

    async def join_one(i):
        phone = target.crowd.phone(i)
        await phone.join(role="Nurse")
        return phone

    join, rss, curve = await target.storm(args, join_one)
    join["joins_per_s"] = round(join["n"] / join["total_s"], 1) if join["total_s"] else None
    join["loop"] = await asyncio.to_thread(loop_stalls, server.url, *target.window)
    # [phones connected, KB added] after each wave: is the cost per phone flat?
    rss["curve"] = [list(point) for point in sorted(
        set(curve[::max(1, len(curve) // 10)] + curve[-1:]))]

    async def send(i):
        ack = await fac.call("live:set", {"activity_id": activities[i % 2]}, timeout=60)
        assert ack["ok"], ack
        return ack["version"]

    def payload_size():
        # The facilitator is in the workshop room too: size of the last `live` it saw.
        return len(json.dumps(fac_lives[-1], separators=(",", ":"))) if fac_lives else None

    target.send, target.payload_size = send, payload_size
    target.report = {"join": join, "rss": rss}
    return target


async def prepare_bare(server: Server, args, product_payload_size) -> Target:
    """Connect the controller, then N clients (connect + an acked "hello") in waves."""
    target = Target(server)
    ctl = Client(server.url)  # in the room too, but its receipts are not counted
    target.others.append(ctl)
    await ctl.connect(snapshot=False)
    await asyncio.sleep(1.0)

    async def connect_one(i):
        client = Client(server.url, listeners=target.crowd.listeners)
        await client.connect(timeout=30, snapshot=False)
        t0 = time.monotonic()
        try:
            await client.call("hello", {"i": i}, timeout=60)
        except BaseException:
            await client.close()
            raise
        client.timings["hello_call"] = time.monotonic() - t0
        return client

    join, rss, _ = await target.storm(args, connect_one, per="client")

    def payload(seq):
        data = {"seq": seq, "activity": {"id": 1, "kind": "message", "title": "Message A",
                                         "body": ""}, "since": time.time(), "version": seq}
        # The product's size is known once its first `live` went out (round 0 starts
        # with the product), so both carry the same number of bytes.
        short = (product_payload_size() or 300) - len(json.dumps(data, separators=(",", ":")))
        data["activity"]["body"] = "x" * max(0, short)
        return data

    async def send(i):
        await ctl.sio.emit("push", payload(10_000 + i))
        return 10_000 + i

    target.send = send
    target.payload_size = lambda: len(json.dumps(payload(10_000), separators=(",", ":")))
    target.report = {"connect_and_ack": join, "rss": rss}
    return target


async def broadcasts(product: Target, bare: Target, args):
    """reps + 1 rounds (round 0 a warm-up); each round one broadcast to each target,
    in alternating order, so drift in the machine's load hits both alike."""
    cpu0 = {t: t.server.cpu_s() for t in (product, bare)}
    wall0 = time.time()
    for i in range(args.reps + 1):
        for target in (product, bare) if i % 2 == 0 else (bare, product):
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
    return {f"median_of_per_round_{name}_ratio": round(statistics.median(
        r[k] for r in per_rep), 2) if per_rep else None for k, name in ((0, "p50"), (1, "p99"))}


async def scenario(product, bare, args, out):
    targets = []
    try:
        targets.append(await prepare_product(product, args))
        targets.append(await prepare_bare(bare, args, targets[0].payload_size))
        out["ratio_product_over_bare_per_round"] = await broadcasts(*targets, args)
    finally:
        for target in targets:
            await target.close()
        out["product"], out["bare"] = [t.report for t in targets + [Target(None)] * 2][:2]


def main():
    p = parser(__doc__, phones=200, reps=15)
    p.add_argument("--rep-timeout", type=float, default=30.0)
    args = p.parse_args()
    if not (1 <= args.phones <= 5000 and 1 <= args.reps <= 200 and 1 <= args.wave):
        p.error("phones must be 1..5000, reps 1..200, wave >= 1")
    tmp, out = begin("join_broadcast", args, NOTE, wave=args.wave)
    out["method"] = METHOD
    (tmp / "bare_server.py").write_text(BARE_SERVER)
    product = app_server(tmp, args.mode, "product.log")
    bare_port = free_port()
    bare = Server("bare", [sys.executable, str(tmp / "bare_server.py"), args.mode,
                           str(bare_port)], tmp / "bare.log", bare_port)

    run_against([product, bare], scenario, args, out, tmp, full_collections=False)

    def of(a, b):
        return ratio(column([out], a)[0], column([out], b)[0])

    out["ratio_product_over_bare"] = {
        "broadcast_p50": of("product.broadcast.median_p50_ms", "bare.broadcast.median_p50_ms"),
        "broadcast_p99": of("product.broadcast.median_p99_ms", "bare.broadcast.median_p99_ms"),
        "join_p50_vs_bare_connect_p50": of("product.join.p50_ms", "bare.connect_and_ack.p50_ms"),
        "rss_per_client": of("product.rss.kb_per_phone", "bare.rss.kb_per_client")}
    return finish(out, args.started, nulls=False, ok=True)


if __name__ == "__main__":
    sys.exit(main())
