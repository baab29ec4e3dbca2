"""Join-storm and broadcast benchmark: the real app against a bare Flask-SocketIO server,
or through the documented deployment, one worker against two.

    python bench/join_broadcast.py [--mode eventlet|gevent] [--phones 200] [--reps 15]
    python bench/join_broadcast.py --through direct,1,2 [--phones 500] [--reps 15]

What it measures, and how: bench/README.md; the bare reference is BARE_SERVER below.
"""
import asyncio
import json
import ssl
import statistics
import sys
import time

import common
from common import (CLIENT_OPTIONS, Client, Count, Crowd, Server, add_activity, app_server, begin,
                    close_all, column, finish, free_port, in_waves, join_storm, keep_or_remove,
                    loop_stalls, median, open_workshop, parse, parser, pct, ratio, run_against)

NOTE = "Read the product/bare ratios of one run."
THROUGH_NOTE = ("HAProxy, Redis and the workers share the machine too: two workers compete "
                "with the load generator and HAProxy for the same cores.")
# What the report compares: {name: (product's figure, bare's figure)}.
RATIOS = {"broadcast_p50": ("product.broadcast.median_p50_ms", "bare.broadcast.median_p50_ms"),
          "broadcast_p99": ("product.broadcast.median_p99_ms", "bare.broadcast.median_p99_ms"),
          "join_p50_vs_bare_connect_p50": ("product.join.p50_ms", "bare.connect_and_ack.p50_ms"),
          "rss_per_client": ("product.rss.kb_per_phone", "bare.rss.kb_per_client")}
MESSAGE_BODY = ("Coffee is in the atrium. We start again at 11:15 sharp in this room; please "
                "bring the worksheet from table one and your questions for the panel. The "
                "slides will be shared after the session.")

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
from flask import Flask
from flask_socketio import SocketIO, join_room

LIMIT = 10000  # connections (its open-file limit is the load generator's, raised in begin)

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


class Target:
    """One server under test: its clients, their receipts of `live` (by version or seq),
    its report; `send(i)` broadcasts and returns the key the clients will see."""

    def __init__(self, server: Server, code=None):
        self.server, self.crowd = server, Crowd(server.url, code, **CLIENT_OPTIONS)
        self.crowd.on("live", lambda client, data: (self.arrivals.setdefault(
            data.get("seq", data.get("version")), []).append(time.monotonic()),
            self.arrived.add()))
        self.receivers, self.others, self.report, self.results = [], [], {}, []
        self.arrivals, self.arrived = {}, Count()

    async def close(self):
        self.report["client_disconnects_during_run"] = self.crowd.disconnects
        await close_all([*self.receivers, *self.others])

    async def broadcast(self, i: int, rep_timeout: float) -> dict:
        """Broadcast i; the receipt latency (from just before sending) of each client."""
        self.arrivals, self.arrived = {}, Count(len(self.receivers))
        t0 = time.monotonic()
        key = await self.send(i)
        sent = time.monotonic() - t0
        await self.arrived.wait(rep_timeout)
        lat = [t - t0 for t in self.arrivals.get(key, [])]
        self.results.append({"rep": i, "warmup": i == 0, "missing": len(self.receivers) - len(lat),
                             "send_ms": round(sent * 1000, 1), "p50_ms": pct(lat, 50),
                             "p99_ms": pct(lat, 99), "max_ms": pct(lat, 100)})


def rep_figures(results):
    """Medians over the counted broadcasts, each one's figures and the warm-up's."""
    counted = [r for r in results if not r["warmup"]]
    return {**{f"median_{k}": median([r[k] for r in counted])
               for k in ("p50_ms", "p99_ms", "max_ms", "send_ms")},
            "missing_total": sum(r["missing"] for r in counted),
            **{f"per_rep_{k}": [r[k] for r in counted] for k in ("p50_ms", "p99_ms", "missing")},
            "warmup": {k: results[0][k] for k in ("p50_ms", "p99_ms", "missing")}}


async def prepare_product(server: Server, args) -> Target:
    """Create a workshop, connect the facilitator, add two messages, run the join storm."""
    w, screens = await open_workshop(server.url, "Benchmark day")
    fac, target = screens["facilitator"], Target(server, w["code"])
    fac.last_live = None
    fac.on("live", lambda client, data: setattr(client, "last_live", data))
    target.others.append(fac)
    activities = [await add_activity(fac, kind="message", title=title, body=MESSAGE_BODY)
                  for title in ("Message A", "Message B")]
    await asyncio.sleep(1.0)

    target.receivers, join, rss, curve, target.window = await join_storm(
        server, lambda after_wave: target.crowd.join(args.phones, args.wave, args.wave_timeout,
                                                     after_wave, lambda p: p.join(role="Nurse")))
    join["joins_per_s"] = round(join["n"] / join["total_s"], 1) if join["total_s"] else None
    join["loop"] = await asyncio.to_thread(loop_stalls, server.url, *target.window)
    # [phones connected, KB added] after each wave: is the cost per phone flat?
    rss["curve"] = [list(point) for point in sorted(
        set(curve[::max(1, len(curve) // 10)] + curve[-1:]))]

    async def send(i):
        ack = await fac.call("live:set", {"activity_id": activities[i % 2]}, timeout=60)
        assert ack["ok"], ack
        return ack["version"]

    target.send, target.report = send, {"join": join, "rss": rss}
    # The facilitator is in the workshop room too: the size of the last `live` it got.
    target.payload_size = lambda: fac.last_live and len(json.dumps(fac.last_live,
                                                                   separators=(",", ":")))
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

    target.receivers, join, rss, _, _ = await join_storm(server, lambda after_wave: in_waves(
        connect_one, args.phones, args.wave, args.wave_timeout, after_wave), per="client")

    def payload(seq):
        data = {"seq": seq, "activity": {"id": 1, "kind": "message", "title": "Message A",
                                         "body": ""}, "since": time.time(), "version": seq}
        # The same number of bytes as the product's `live` (it goes first in round 0).
        short = (product_payload_size() or 300) - len(json.dumps(data, separators=(",", ":")))
        data["activity"]["body"] = "x" * max(0, short)
        return data

    async def send(i):
        await ctl.sio.emit("push", payload(10_000 + i))
        return 10_000 + i

    target.send, target.report = send, {"connect_and_ack": join, "rss": rss}
    target.payload_size = lambda: len(json.dumps(payload(10_000), separators=(",", ":")))
    return target


async def broadcasts(targets: list, args):
    """reps + 1 rounds (round 0 a warm-up); each round one broadcast to each target, in
    alternating order, so drift in the machine's load hits them alike; with two, the
    medians of the product/bare ratios of each round."""
    cpu0, wall0 = {t: t.server.cpu_s() for t in targets}, time.time()
    for i in range(args.reps + 1):
        for target in targets if i % 2 == 0 else targets[::-1]:
            await target.broadcast(i, args.rep_timeout)
            await asyncio.sleep(0.3)  # let the servers go idle between broadcasts
    for target in targets:
        target.report["broadcast"] = {
            **rep_figures(target.results), "payload_bytes": target.payload_size(),
            "server_cpu_s": round(target.server.cpu_s() - cpu0[target], 2)}
    if len(targets) < 2:
        return None
    product, bare = targets
    product.report["broadcast"]["loop"] = await asyncio.to_thread(
        loop_stalls, product.server.url, wall0)
    each = [(p["p50_ms"] / b["p50_ms"], p["p99_ms"] / b["p99_ms"])
            for p, b in zip(product.results, bare.results)
            if not p["warmup"] and p["p50_ms"] and b["p50_ms"]]
    return {f"median_of_per_round_{name}_ratio": round(statistics.median(
        r[k] for r in each), 2) if each else None for k, name in ((0, "p50"), (1, "p99"))}


async def scenario(product, bare, args, out):
    targets = []
    try:
        targets.append(await prepare_product(product, args))
        targets.append(await prepare_bare(bare, args, targets[0].payload_size))
        out["ratio_product_over_bare_per_round"] = await broadcasts(targets, args)
    finally:
        for target in targets:
            await target.close()
        out["product"], out["bare"] = ([t.report for t in targets] + [{}, {}])[:2]


async def through(server, args, out: dict):
    """The join storm and the product's broadcasts through one configuration (`server`:
    its one process or the Stack): its report in `out`."""
    workers = getattr(server, "workers", [server])
    if hasattr(server, "cert"):  # the run's own self-signed certificate, on loopback
        common.TLS_CONTEXT = ssl.create_default_context(cafile=str(server.cert))
        common.CLIENT_OPTIONS.update(ssl_verify=False)
    rss_before = [s.rss_kb() for s in workers]
    target = await prepare_product(server, args)
    try:
        added = [s.rss_kb() - before for s, before in zip(workers, rss_before)]
        await broadcasts([target], args)
        target.report["rss"]["per_worker_added_kb"] = added
    finally:
        await target.close()
    out.update(target.report)


def scaleout(args, p) -> int:
    from stack import Stack, missing_tools
    configs = args.through.split(",")
    if not set(configs) <= {"direct", "1", "2"}:
        p.error("configurations are direct, 1 and 2")
    if missing_tools() and set(configs) - {"direct"}:
        p.error(f"needs {missing_tools()} (Debian packages)")
    tmp, out = begin("scaleout", args, THROUGH_NOTE, configs=configs)
    for name in configs:  # each started fresh, measured and stopped
        (where := tmp / f"config-{name}").mkdir()
        run_against(app_server(where, args.mode, "direct.log", name="direct") if name == "direct"
                    else Stack(where, workers=int(name), mode=args.mode), through, args,
                    out.setdefault(name, {}), full_collections=False)
        if "error" in out[name]:
            out["error"] = f"{name}: {out[name].pop('error')}"
            break
    keep_or_remove(tmp, args, out, "logs")
    got = {name: out[name]["broadcast"] for name in configs if "broadcast" in out.get(name, {})}
    for key, a, b in (("two_over_one", "2", "1"), ("one_behind_proxy_over_direct", "1", "direct")):
        if a in got and b in got:
            out[key] = {f"broadcast_{q}": ratio(got[a][f"median_{q}_ms"], got[b][f"median_{q}_ms"])
                        for q in ("p50", "p99")}
    return finish(out, args.started, ok=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    through = any(a.startswith("--through") for a in argv)  # another run: other defaults
    p = parser(__doc__, phones=500 if through else 200, reps=15,
               time_limit=600.0 if through else 900.0, options=[
                   ("--rep-timeout", 30.0, None),
                   ("--through", "", "configurations, in this order: any of direct, 1, 2 "
                                     "(see bench/README.md)")])
    args = parse(p, argv, phones=(1, 5000), reps=(1, 200), wave=(1, 5000))
    if args.through:
        return scaleout(args, p)
    tmp, out = begin("join_broadcast", args, NOTE, wave=args.wave)
    (tmp / "bare_server.py").write_text(BARE_SERVER)
    port = free_port()
    bare = Server("bare", [sys.executable, str(tmp / "bare_server.py"), args.mode, str(port)],
                  tmp / "bare.log", port)
    run_against([app_server(tmp, args.mode, "product.log"), bare], scenario, args, out, tmp,
                full_collections=False)
    out["ratio_product_over_bare"] = {
        name: ratio(column([out], product)[0], column([out], bare)[0])
        for name, (product, bare) in RATIOS.items()}
    return finish(out, args.started, ok=True)


if __name__ == "__main__":
    sys.exit(main())
