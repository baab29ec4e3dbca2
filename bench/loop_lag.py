"""Server loop stalls during heavy single operations, with N joined phones connected.

    python bench/loop_lag.py [--mode eventlet|gevent] [--phones 500] [--reps 5]
                             [--burst-seconds 1] [--group-size 2] [--ping-every 0.025]
                             [--settle 1] [--stall-stacks] [--keep-logs]

This process is the single load generator (asyncio + python-socketio AsyncClients over
WebSocket, aiohttp for HTTP). It starts the real app as a subprocess on 127.0.0.1 only
(`python run.py --host 127.0.0.1 --port P --database TMP --async-mode M`), connects a
control screen, a projector, a few "pingers" (phones that have not joined) and N phones
(connected and joined in waves of `--wave` before anything is timed). Like the browser,
every joined phone asks `live:mine` when `live` names a new activity, unless `live`
carries its own view (`mine`: the same for every phone, e.g. a poll nobody answered).

Each operation below runs `--reps` times, one at a time, after `--settle` seconds of quiet:

  * connect_round: `connect:start` on a live Connect activity (`--group-size`, organisations
    kept apart): the server groups the N phones present. Latency: until the ack, every
    phone's `mine` card for the new round and the control screen's `progress` for it
    (the control view goes out on the next heartbeat), whichever comes last;
  * connect_found: after each round, every phone sends `connect:found`, paced evenly over
    `--burst-seconds` (the second of a pair is answered `already_found`), so later rounds
    avoid these meetings and the meetings export has rows;
  * poll_go_live: `live:set` of a new poll until every phone has its own view (from `live`
    itself for a fresh poll, else its `live:mine` ack);
  * poll_answers: every phone answers the live poll once (`prompt:answer`), the N answers
    paced evenly over `--burst-seconds`; latency: first send to last ack;
  * qa_votes: 20 phones ask a question each (not timed), then every phone up-votes one of
    them (`qa:vote`), paced evenly over `--burst-seconds`; latency: first send to last ack;
  * exports, each its own operation, fetched over HTTP while the phones stay connected:
    the event report (/control/<key>/report), the ZIP of everything
    (/control/<key>/export, when the server has it) and the control screen's CSV
    downloads (Connect groups and meetings, the last poll's answers, the Q&A questions);
    latency: request to the last byte of the body. They run last, so every table has rows.

For each operation and repetition, within its window (from its first request until its
last reply, plus one heartbeat of slack, `TAIL` s, so the coalesced broadcasts it causes
count too):

  * the server's own loop monitor (GET /healthz `loop.recent`: a green thread sleeping
    20 ms that records each wake-up 20 ms or more late, stamped with the server's wall
    clock; this process shares that clock) gives the longest stall and every stall;
  * a client-side cross-check: a pinger sends `prompt:answer`, answered at once as
    `not_joined` without touching the database, every `--ping-every` s throughout the
    run (one at a time, rotating over the pingers so that none exceeds a phone's event
    quota); the round trips sent inside the window. This process's own loop lag is sampled
    alongside, since it inflates those round trips too;
  * the server's time on a CPU and waiting for one (runnable, but the CPUs busy) in the
    window, from /proc/<pid>/task/*/schedstat: a stall longer than the time on a CPU
    was spent waiting for a CPU or blocked (disk, a lock).

With --stall-stacks (a profiling run) the server also samples its own stack every 2 ms
and logs its garbage collections (a `sitecustomize` on its PYTHONPATH; the app is not
changed), and the output says, per operation, in which functions the loop was during the
stalls.

Target: the longest stall under 50 ms for every operation. It prints one JSON object with
per-repetition figures and medians; every wait is bounded; the server is killed at the end.
"""
import argparse
import asyncio
import bisect
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    add_sitecustomize,
    counted_client,
    disconnect_all,
    finish,
    in_waves,
    join_delegate,
    join_measured,
    lag_monitor,
    median,
    ms,
    open_client,
    ping_in_turn,
    schedstat,
    summary,
)
from join_broadcast import (
    Server,
    app_server,
    client_log,
    create_workshop,
    keep_or_remove,
    machine,
    prepare_load_generator,
    run_against,
    versions,
)

NOTE = ("The load generator (one asyncio process decoding every frame of N phones and a few "
        "screens) and the server share a noisy 2-core machine that other work was also using: "
        "latencies "
        "and ping round trips include CPU contention and client-side queueing. The server's "
        "own loop monitor is the primary stall figure; it only records stalls of 20 ms or "
        "more (0 means none that long). Compare medians over repetitions.")

TARGET_MS = 50.0
TAIL = 0.6            # seconds after an operation's last reply still counted in its window
MONITOR_PERIOD = 0.02  # the server's loop monitor sleeps this long (facilitator/realtime.py)
QUESTIONS = 20
STACK_EVERY = 0.002    # seconds between two stack samples with --stall-stacks
PINGS_PER_PINGER = 3.0  # per second: well under a phone's quota of 5 events a second

CLIENT_LOG, CLIENT_WARNINGS = client_log("loop_lag.client")

# With --stall-stacks: written to a temp dir put on the server's PYTHONPATH, where Python
# imports `sitecustomize` at start-up, before run.py monkey-patches (the app is not
# changed). A real OS thread samples the main thread's Python stack (the greenlet running
# on the loop) every few ms, and a gc callback logs collections; the benchmark then reads
# the samples that fall inside each stall the loop monitor reported.
STALL_PROBE = r'''
import _thread, gc, os, sys, time
_path = os.environ.get("LOOP_LAG_STACKS")
if _path:
    _main, _sleep, _every = _thread.get_ident(), time.sleep, float(
        os.environ.get("LOOP_LAG_STACKS_EVERY", "0.002"))
    _log = open(_path, "a", buffering=1)
    _gc_start = [None]

    def _frames(frame):
        names = []
        while frame is not None and len(names) < 60:
            code = frame.f_code
            name = code.co_filename
            if "/site-packages/" in name:
                name = name.rsplit("/site-packages/", 1)[1]
            elif "/lib/python3." in name:
                name = name.rsplit("/lib/python3.", 1)[1].split("/", 1)[-1]
            names.append(f"{name}:{code.co_name}:{frame.f_lineno}")
            frame = frame.f_back
        return ";".join(reversed(names))

    def _sample():
        while True:
            _sleep(_every)
            frame = sys._current_frames().get(_main)
            if frame is not None:
                _log.write(f"S {time.time():.4f} {_frames(frame)}\n")

    def _gc_timer(phase, info):
        if phase == "start":
            _gc_start[0] = time.time()
        elif _gc_start[0] is not None:
            _log.write(f"G {_gc_start[0]:.4f} {time.time() - _gc_start[0]:.4f} "
                       f"{info['generation']}\n")

    gc.callbacks.append(_gc_timer)
    _thread.start_new_thread(_sample, ())
'''


def read_probe(path: Path):
    """(samples as (wall time, stack)), (collections as (start, seconds, generation))."""
    samples, collections = [], []
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return samples, collections
    for line in lines:
        parts = line.split(" ", 2)
        try:
            if parts[0] == "S" and len(parts) == 3:
                samples.append((float(parts[1]), parts[2]))
            elif parts[0] == "G":
                start, took, gen = line.split()[1:4]
                collections.append((float(start), float(took), int(gen)))
        except ValueError:
            continue
    return samples, collections


def app_frames(stack: str):
    """The stack's frames in the app (facilitator/), outermost first, without the
    event wrapper every handler runs in."""
    frames = [f for f in stack.split(";") if "/facilitator/" in f or f.startswith("facilitator/")]
    return [f for f in frames if ":wrapper:" not in f or "/realtime.py" not in f]


def short(frame: str, line=True) -> str:
    path, _, rest = frame.partition(":")
    name = path.split("/work/main/", 1)[-1].split("/facilitator/", 1)[-1]
    return f"{name}:{rest if line else rest.rsplit(':', 1)[0]}"


def stall_stacks(reps: list, samples: list, collections: list, every: float, top=10) -> dict:
    """Where the loop was during one operation's stalls: the samples inside each stall,
    grouped by the app's outermost function (what ran) and by the innermost frames
    (where); and the garbage collections in the operation's windows."""
    outer, inner, total, covered = {}, {}, 0, 0.0
    gc_in_stalls = 0.0
    times = [ts for ts, _ in samples]
    for record in reps:
        for t, late in record.get("stall_intervals", []):
            start = t - late / 1000 - MONITOR_PERIOD
            first = bisect.bisect_left(times, start)
            last = bisect.bisect_right(times, t)
            for k in range(first, last):
                ts, stack = samples[k]
                # A sample stands for the time since the one before (the sampler waits
                # for the interpreter lock while the loop runs Python code).
                weight = min(ts - times[k - 1], 0.1) if k else every
                weight = min(weight, ts - start)
                total += 1
                covered += weight
                frames = app_frames(stack)
                names = stack.split(";")
                leaf = names[-1]
                if "sitecustomize.py:_gc_timer" in leaf:
                    key_outer = key_inner = "(garbage collection)"
                else:
                    key_outer = short(frames[0], line=False) if frames else \
                        "(outside the app) " + short(names[min(3, len(names) - 1)], line=False)
                    key_inner = (short(frames[-1]) + " -> " if frames else "") + short(leaf)
                outer[key_outer] = outer.get(key_outer, 0) + weight
                inner[key_inner] = inner.get(key_inner, 0) + weight
            gc_in_stalls += sum(min(t, s + took) - max(start, s) for s, took, _ in collections
                                if s < t and s + took > start)
    in_windows = [(took, gen) for s, took, gen in collections
                  if any(w0 <= s <= w1 for w0, w1 in (r.get("window", (0, 0)) for r in reps))]
    full = [took for took, gen in in_windows if gen == 2]

    def ranked(weights):
        return [[round(w * 1000, 1), key] for key, w in
                sorted(weights.items(), key=lambda kv: -kv[1])[:top]]

    return {"samples_in_stalls": total, "sampled_ms": round(covered * 1000, 1),
            "gc_ms_in_stalls": round(gc_in_stalls * 1000, 1),
            "gc_in_windows": {"collections": len(in_windows),
                              "total_ms": round(sum(t for t, _ in in_windows) * 1000, 1),
                              "full": len(full),
                              "full_max_ms": round(max(full) * 1000, 1) if full else None},
            "by_app_function_ms": ranked(outer), "by_innermost_ms": ranked(inner)}


class Run:
    """What the clients' handlers share."""

    def __init__(self):
        self.phone_count = 0
        self.mine_for = None        # the activity whose `live:mine` acks are counted
        self.mine_asked = 0         # ... phones that had to ask (`live` did not carry it)
        self.mine_done = 0
        self.mine_errors = 0
        self.all_mine = asyncio.Event()
        self.round = None           # the Connect round whose cards are counted
        self.cards = 0
        self.all_cards = asyncio.Event()
        self.progress_seen = asyncio.Event()
        self.disconnects = 0
        self.pings = []             # (wall time sent, round trip s)
        self.ping_errors = []       # wall time of each failed ping
        self.lags = []              # (wall time, this process's loop lag s)


def new_client(run: Run):
    return counted_client(run, CLIENT_LOG)


def new_phone(run: Run):
    """A phone that asks `live:mine` when `live` names a new activity and does not carry
    its own view, as the browser does, and notes its Connect card for the round being
    timed."""
    client = new_client(run)
    client.live_id = None
    client.joined = False
    client.card_round = None

    async def ask_mine(activity_id, told):
        ok = True
        if not told:  # `live` did not carry this phone's own view: ask for it
            if activity_id == run.mine_for:
                run.mine_asked += 1
            try:
                ack = await client.call("live:mine", {}, timeout=60)
                ok = bool(ack.get("ok"))
            except Exception:  # noqa: BLE001 - counted, the run goes on
                ok = False
        if activity_id == run.mine_for:
            run.mine_done += 1
            run.mine_errors += not ok
            if run.mine_done >= run.phone_count:
                run.all_mine.set()

    @client.on("live")
    def on_live(data):
        activity_id = ((data or {}).get("activity") or {}).get("id")
        if activity_id != client.live_id:
            client.live_id = activity_id
            if activity_id and client.joined:
                asyncio.ensure_future(ask_mine(activity_id, "mine" in data))

    @client.on("mine")
    def on_mine(data):
        group = (data or {}).get("group") or {}
        if run.round is not None and group.get("round") == run.round \
                and client.card_round != run.round:
            client.card_round = run.round
            run.cards += 1
            if run.cards >= run.phone_count:
                run.all_cards.set()

    return client


async def join_phones(run: Run, url: str, code: str, count: int, wave: int,
                      wave_timeout: float):
    """Connect and join `count` phones, `wave` at a time (nothing timed but the total)."""
    async def one(i):
        client = new_phone(run)
        await join_delegate(client, url, {"role": "delegate", "code": code}, i,
                            role=("Nurse", "Manager", "Doctor", "Analyst")[i % 4])
        client.joined = True
        return client

    return await in_waves(one, count, wave, wave_timeout)


async def keep_pinging(run: Run, pingers, stop: asyncio.Event, every: float):
    """The cross-check: a no-op event every `every` s, and this process's loop lag.

    The pings rotate over several unjoined phones, so none goes over a phone's
    event quota (5 a second) and gets refused or disconnected for flooding."""

    def record(wall, t0, ok, rtt):
        if ok:
            run.pings.append((wall, rtt))
        else:
            run.ping_errors.append(wall)

    monitor = asyncio.ensure_future(lag_monitor(
        stop, MONITOR_PERIOD, lambda lag: run.lags.append((time.time(), lag))))
    await ping_in_turn(pingers, stop, every, record)
    await monitor


async def paced(sends, seconds: float, timeout: float) -> dict:
    """Emit (client, event, payload) items evenly over `seconds`; collect every ack."""
    total = len(sends)
    interval = seconds / total if total else 0
    sent_at, acked_at, replies = [None] * total, [None] * total, [None] * total
    done = asyncio.Event()
    state = {"acked": 0}

    def on_ack(s, data=None, *extra):
        if acked_at[s] is None:
            acked_at[s], replies[s] = time.monotonic(), data
            state["acked"] += 1
            if state["acked"] >= total:
                done.set()

    t0 = time.monotonic()
    for s, (client, event, payload) in enumerate(sends):
        delay = t0 + s * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent_at[s] = time.monotonic()
        try:
            await client.emit(event, payload, callback=lambda *a, s=s: on_ack(s, *a))
        except Exception as error:  # noqa: BLE001 - counted below
            replies[s] = error
    last_sent = time.monotonic()
    try:
        await asyncio.wait_for(done.wait(), timeout)
    except TimeoutError:
        pass
    errors, latencies = {}, []
    for s in range(total):
        reply = replies[s]
        if acked_at[s] is not None:
            latencies.append(acked_at[s] - sent_at[s])
        if isinstance(reply, dict) and reply.get("ok"):
            continue
        name = (reply.get("error") if isinstance(reply, dict)
                else type(reply).__name__ if reply is not None else "no_ack")
        errors[name] = errors.get(name, 0) + 1
    last_ack = max((a for a in acked_at if a is not None), default=None)
    return {"latency_ms": ms(last_ack - t0) if last_ack else None, "sent": total,
            "acks_ok": total - sum(errors.values()), "failed": errors,
            "send_span_ms": ms(last_sent - t0), "ack_latency": summary(latencies)}


class Bench:
    """One run: the server, its clients and every operation's measurements."""

    def __init__(self, server: Server, args, run: Run, http: aiohttp.ClientSession):
        self.server, self.args, self.run, self.http = server, args, run, http
        self.ops = {}

    async def health(self) -> dict:
        async with self.http.get(self.server.url + "/healthz") as response:
            return await response.json()

    async def window(self, w0: float, w1: float) -> dict:
        """Server stalls, pings and this process's lag in [w0, w1] (wall clock)."""
        loop = (await self.health())["loop"]
        recent = [(entry[0], entry[1]) for entry in loop["recent"]]  # [time, ms late]
        # A stall stamped at t (its wake-up) ran from t - late - period to t.
        inside = [(t, late) for t, late in recent
                  if t >= w0 and t - late / 1000 - MONITOR_PERIOD <= w1]
        stalls = [late for _, late in inside]
        truncated = len(recent) >= 200 and bool(recent) and recent[0][0] > w0
        # Collections the server reports doing itself, when its /healthz says so.
        collections = [[took, kind] for at, took, kind in loop.get("full_collections", [])
                       if w0 <= at <= w1]
        pings = [rtt for t, rtt in self.run.pings if w0 <= t <= w1]
        lags = [lag for t, lag in self.run.lags if w0 <= t <= w1]
        return {"longest_stall_ms": max(stalls, default=0.0),
                "stalls": len(stalls),
                "stalled_ms_total": round(sum(stalls), 1),
                "stalls_ms": sorted(stalls, reverse=True)[:12],
                **({"stall_log_truncated": True} if truncated else {}),
                **({"server_collections_ms": collections} if collections else {}),
                "ping": summary(pings),
                "ping_errors": sum(1 for t in self.run.ping_errors if w0 <= t <= w1),
                "load_generator_lag_max_ms": ms(max(lags)) if lags else None,
                "stall_intervals": inside}

    async def measure(self, name: str, operation, group: str) -> dict:
        """Run one operation after a quiet spell; its own figures plus its window's."""
        await asyncio.sleep(self.args.settle)
        w0, sched0 = time.time(), schedstat(self.server.proc.pid)
        try:
            result = await operation()
        except Exception as error:  # noqa: BLE001 - recorded, the run goes on
            result = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
        w1 = time.time()
        await asyncio.sleep(TAIL)
        sched1 = schedstat(self.server.proc.pid)
        record = {**result, **await self.window(w0, w1 + TAIL), "window": (w0, w1 + TAIL)}
        if sched0 and sched1:  # the server's threads in the window: on a CPU, waiting for one
            record["server_window_s"] = round(w1 + TAIL - w0, 2)
            record["server_on_cpu_s"] = round(sched1[0] - sched0[0], 3)
            record["server_waiting_for_cpu_s"] = round(sched1[1] - sched0[1], 3)
        entry = self.ops.setdefault(name, {"group": group, "reps": []})
        record["rep"] = len(entry["reps"]) + 1
        entry["reps"].append(record)
        return record

    # ------------------------------------------------------------ operations

    async def set_live(self, fac, activity_id: int, phones) -> dict:
        """live:set, then wait for every phone's `live:mine`."""
        run = self.run
        run.mine_for, run.mine_done, run.mine_errors, run.mine_asked = activity_id, 0, 0, 0
        run.phone_count = len(phones)
        run.all_mine.clear()
        t0 = time.monotonic()
        ack = await fac.call("live:set", {"activity_id": activity_id}, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"live:set refused: {ack}")
        t_ack = time.monotonic()
        try:
            await asyncio.wait_for(run.all_mine.wait(), self.args.op_timeout)
        except TimeoutError:
            pass
        t_end = time.monotonic()
        return {"latency_ms": ms(t_end - t0), "ack_ms": ms(t_ack - t0),
                "mine_acked": run.mine_done, "mine_asked": run.mine_asked,
                "mine_errors": run.mine_errors, "phones": len(phones)}

    async def connect_round(self, fac, activity_id: int, number: int, phones) -> dict:
        run = self.run
        run.round, run.cards, run.phone_count = number, 0, len(phones)
        run.all_cards.clear()
        run.progress_seen.clear()
        t0 = time.monotonic()
        ack = await fac.call("connect:start", {"activity_id": activity_id}, timeout=60)
        t_ack = time.monotonic()
        if not ack.get("ok") or ack.get("round") != number:
            raise RuntimeError(f"connect:start: {ack}")
        marks = {}
        for label, event in (("all_cards_ms", run.all_cards),
                             ("control_progress_ms", run.progress_seen)):
            try:
                await asyncio.wait_for(event.wait(), self.args.op_timeout)
                marks[label] = ms(time.monotonic() - t0)
            except TimeoutError:
                marks[label] = None
        done = [v for v in (ms(t_ack - t0), *marks.values()) if v is not None]
        return {"latency_ms": max(done), "ack_ms": ms(t_ack - t0), **marks,
                "round": number, "cards": run.cards, "phones": len(phones)}

    async def fetch(self, path: str) -> dict:
        t0 = time.monotonic()
        async with self.http.get(self.server.url + path) as response:
            t_head = time.monotonic()
            body = await response.read()
            status = response.status
        t_end = time.monotonic()
        return {"latency_ms": ms(t_end - t0), "headers_ms": ms(t_head - t0),
                "status": status, "bytes": len(body)}


async def scenario(server: Server, args, out: dict):
    run = Run()
    clients = []
    stop = asyncio.Event()
    pinging = None
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
    try:
        w = await asyncio.to_thread(create_workshop, server.url, "Loop lag day")
        fac = new_client(run)

        @fac.on("progress")
        def on_progress(data):
            if run.round is not None and isinstance(data, dict) and data.get("round") == run.round:
                run.progress_seen.set()

        fac.on("control", lambda data: None)
        clients.append(fac)
        snap = await open_client(fac, server.url, {"role": "facilitator", "key": w["key"]})
        screen_key = snap["links"]["screen"].rsplit("/", 1)[1]
        projector = new_client(run)
        projector.on("results", lambda data: None)
        clients.append(projector)
        await open_client(projector, server.url, {"role": "screen", "key": screen_key})
        pingers = []  # phones that never join: their events touch no table
        for _ in range(math.ceil(1 / (args.ping_every * PINGS_PER_PINGER))):
            pinger = new_client(run)
            clients.append(pinger)
            pingers.append(pinger)
            await open_client(pinger, server.url, {"role": "delegate", "code": w["code"]})

        phones = await join_measured(server, join_phones(
            run, server.url, w["code"], args.phones, args.wave, args.wave_timeout), clients, out)
        n = len(phones)

        out["pingers"] = len(pingers)
        pinging = asyncio.ensure_future(keep_pinging(run, pingers, stop, args.ping_every))
        bench = Bench(server, args, run, http)

        # Idle baseline: the same window figures with nothing going on.
        await asyncio.sleep(args.settle)
        w0 = time.time()
        await asyncio.sleep(2.0)
        out["idle_2s"] = await bench.window(w0, time.time())
        out["idle_2s"].pop("stall_intervals")

        # (a) Connect rounds.
        ack = await fac.call("activity:add", {
            "kind": "connect", "title": "Meet someone new", "group_size": args.group_size,
            "round_count": args.reps, "minutes": 10}, timeout=30)
        assert ack["ok"], ack
        connect_id = ack["activity"]["id"]
        setup = await bench.set_live(fac, connect_id, phones)
        if setup["mine_acked"] < n:
            raise RuntimeError(f"making Connect live: {setup}")
        for rep in range(args.reps):
            await bench.measure("connect_round", lambda r=rep: bench.connect_round(
                fac, connect_id, r + 1, phones), "a: Connect round")
            # Everyone finds their group, so later rounds avoid these meetings and the
            # meetings export has rows; the second of a pair gets `already_found`.
            sends = [(phone, "connect:found", {}) for phone in phones]
            await bench.measure("connect_found", lambda s=sends: paced(
                s, args.burst_seconds, args.op_timeout), "c: burst of writes")
        run.round = None

        # (c) Bursts of writes: a poll per repetition, then Q&A votes.
        options = [f"Option {chr(65 + k)}" for k in range(4)]
        poll_id = None
        for rep in range(args.reps):
            ack = await fac.call("activity:add", {
                "kind": "poll", "title": f"Poll {rep + 1}", "options": options,
                "results": "live", "timer_seconds": 0}, timeout=30)
            assert ack["ok"], ack
            poll_id = ack["activity"]["id"]
            await bench.measure("poll_go_live", lambda a=poll_id: bench.set_live(fac, a, phones),
                                "c: burst of writes")
            sends = [(phone, "prompt:answer",
                      {"client_id": f"p{rep}-{i}", "activity_id": poll_id,
                       "choices": [(i + rep) % len(options)]})
                     for i, phone in enumerate(phones)]
            await bench.measure("poll_answers", lambda s=sends: paced(
                s, args.burst_seconds, args.op_timeout), "c: burst of writes")

        ack = await fac.call("activity:add", {
            "kind": "qa", "title": "Questions for the panel", "auto_publish": True,
            "min_interval": 0, "max_questions": 100}, timeout=30)
        assert ack["ok"], ack
        qa_id = ack["activity"]["id"]
        setup = await bench.set_live(fac, qa_id, phones)
        if setup["mine_acked"] < n:
            raise RuntimeError(f"making the Q&A live: {setup}")
        questions = min(QUESTIONS, n)
        for rep in range(args.reps):
            askers = [(rep * questions + m) % n for m in range(questions)]
            asks = await asyncio.gather(*[phones[a].call("qa:ask", {
                "client_id": f"q{rep}-{m}",
                "text": f"Question {m + 1} of round {rep + 1}: what changes next year?"},
                timeout=30) for m, a in enumerate(askers)])
            if not all(a.get("ok") for a in asks):
                raise RuntimeError(f"asking failed: {[a for a in asks if not a.get('ok')][:3]}")
            ids = [a["question"]["id"] for a in asks]
            own = {a: m for m, a in enumerate(askers)}
            sends = []
            for i, phone in enumerate(phones):
                m = i % questions
                if own.get(i) == m:
                    m = (m + 1) % questions
                if own.get(i) == m:  # a single question, asked by this phone
                    continue
                sends.append((phone, "qa:vote", {"question_id": ids[m], "up": True}))
            await bench.measure("qa_votes", lambda s=sends: paced(
                s, args.burst_seconds, args.op_timeout), "c: burst of writes")

        # (b) Exports, fetched while the phones stay connected.
        key = w["key"]
        paths = {"report": f"/control/{key}/report",
                 "export_zip": f"/control/{key}/export",
                 "connect_groups_csv": f"/control/{key}/connect/{connect_id}/groups.csv",
                 "connect_meetings_csv": f"/control/{key}/connect/{connect_id}/meetings.csv",
                 "poll_answers_csv": f"/control/{key}/prompts/{poll_id}/answers.csv",
                 "qa_questions_csv": f"/control/{key}/qa/{qa_id}/questions.csv"}
        out["exports_absent"] = []
        for name, path in paths.items():
            async with http.get(server.url + path) as response:  # present? (and warm-up)
                await response.read()
                if response.status == 404:
                    out["exports_absent"].append(name)
                    continue
            for rep in range(args.reps):
                await bench.measure(name, lambda p=path: bench.fetch(p), "b: export")

        stop.set()
        await pinging
        pinging = None
        out["operations"] = bench.ops
        out["client_disconnects_during_run"] = run.disconnects
        out["server_loop_longest_since_start_ms"] = (await bench.health())["loop"]["longest_ms"]
    finally:
        stop.set()
        if pinging is not None:
            pinging.cancel()
        out["client_log_warnings"] = dict(CLIENT_WARNINGS.counts)
        CLIENT_WARNINGS.counts.clear()
        await disconnect_all(clients)
        await http.close()


def figures(entry: dict) -> dict:
    """Medians over repetitions, and the worst repetition's stall."""
    reps = entry["reps"]

    def col(key, sub=None):
        return [(r.get(key) or {}).get(sub) if sub else r.get(key) for r in reps]

    stalls = col("longest_stall_ms")
    return {
        "group": entry["group"],
        "latency_ms_median": median(col("latency_ms")),
        "longest_stall_ms_median": median(stalls),
        "longest_stall_ms_max": max((s for s in stalls if s is not None), default=None),
        "longest_stall_ms_per_rep": stalls,
        "stalls_per_rep": col("stalls"),
        "ping_max_ms_median": median(col("ping", "max_ms")),
        "ping_max_ms_per_rep": col("ping", "max_ms"),
        "ping_p50_ms_median": median(col("ping", "p50_ms")),
        "load_generator_lag_max_ms_median": median(col("load_generator_lag_max_ms")),
        "server_on_cpu_s_median": median(col("server_on_cpu_s"), 3),
        "server_waiting_for_cpu_s_median": median(col("server_waiting_for_cpu_s"), 3),
        # A stall much longer than the server's own time on a CPU in its window, with as
        # long waiting for one, was other work on the machine rather than this operation.
        "server_waiting_for_cpu_s_per_rep": col("server_waiting_for_cpu_s"),
        "meets_target": all(s is not None and s < TARGET_MS for s in stalls),
    }


def checks(out: dict) -> dict:
    ops = out.get("operations", {})
    phones = out.get("join", {}).get("phones")

    def every(name, test):
        return bool(ops.get(name)) and all(test(r) for r in ops[name]["reps"])

    return {
        "every_operation_ran": not any("error" in r for e in ops.values() for r in e["reps"]),
        "every_phone_got_its_connect_card": every(
            "connect_round", lambda r: r.get("cards") == phones),
        "every_phone_got_its_mine_on_go_live": every(
            "poll_go_live", lambda r: r.get("mine_acked") == phones and not r["mine_errors"]),
        "every_found_acked": every("connect_found", lambda r: r.get("acks_ok", 0) > 0
                                   and set(r["failed"]) <= {"already_found"}),
        "every_answer_acked_ok": every("poll_answers", lambda r: r.get("acks_ok") == r["sent"]),
        "every_vote_acked_ok": every("qa_votes", lambda r: r.get("acks_ok") == r["sent"]),
        "every_export_200": all(r.get("status") == 200 for e in ops.values()
                                if e["group"].startswith("b") for r in e["reps"]),
        "no_ping_lost": not any(r.get("ping_errors") for e in ops.values() for r in e["reps"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reps", type=int, default=5,
                        help="repetitions of each operation (Connect rounds: at most 20)")
    parser.add_argument("--burst-seconds", type=float, default=1.0,
                        help="the write bursts' N sends are paced evenly over this long")
    parser.add_argument("--group-size", type=int, default=2, help="Connect group size")
    parser.add_argument("--ping-every", type=float, default=0.025,
                        help="seconds between two no-op events of the pingers")
    parser.add_argument("--settle", type=float, default=1.0,
                        help="quiet seconds before each operation")
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--wave-timeout", type=float, default=120.0)
    parser.add_argument("--op-timeout", type=float, default=60.0,
                        help="longest wait for one operation's replies")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="give up (and kill the server) after this many seconds")
    parser.add_argument("--stall-stacks", action="store_true",
                        help="sample the server's stack every 2 ms and report where its loop "
                             "was during each operation's stalls (a profiling run)")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the temp dir with the server log and database")
    args = parser.parse_args()
    if not (1 <= args.phones <= 5000 and 1 <= args.reps <= 20 and 1 <= args.wave
            and 2 <= args.group_size <= 6 and 0.1 <= args.burst_seconds <= 60
            and 0.005 <= args.ping_every <= 1 and 0 <= args.settle <= 30):
        parser.error("phones 1..5000, reps 1..20, group size 2..6, burst 0.1..60 s, "
                     "ping every 0.005..1 s, settle 0..30 s")

    nofile = prepare_load_generator()

    tmp = Path(tempfile.mkdtemp(prefix="bench-loop-lag-"))
    probe_log = None
    if args.stall_stacks:
        add_sitecustomize(tmp / "stall-probe", STALL_PROBE)
        probe_log = tmp / "stacks.log"
        os.environ["LOOP_LAG_STACKS"] = str(probe_log)
        os.environ["LOOP_LAG_STACKS_EVERY"] = str(STACK_EVERY)
    server = app_server(tmp, args.mode)
    out = {"benchmark": "loop_lag", "mode": args.mode, "phones": args.phones,
           "reps": args.reps, "burst_seconds": args.burst_seconds,
           "group_size": args.group_size, "ping_every_s": args.ping_every,
           "target": {"longest_stall_ms_below": TARGET_MS},
           "machine": machine(nofile),
           "versions": versions(),
           "note": NOTE,
           "method": ("Operations run one at a time after a quiet spell; each one's window "
                      f"runs from its first request to its last reply plus {TAIL} s (one "
                      "heartbeat, for the coalesced broadcasts it causes). Stalls: /healthz "
                      "loop.recent entries (server wall clock; a stall stamped t covered "
                      "t - late - 20 ms .. t) overlapping the window. Ping: round trips of "
                      "the unjoined pingers' prompt:answer sent inside the window. Order: "
                      "Connect rounds (each followed by connect_found), poll go-live and "
                      "answers, Q&A votes, then exports.")}
    started = time.monotonic()

    run_against(server, scenario, args, out)
    ops = out.get("operations", {})
    if probe_log is not None:
        samples, collections = read_probe(probe_log)
        out["stall_stacks"] = {
            "method": (f"The server's main-thread stack sampled every {STACK_EVERY * 1000:g} "
                       "ms by an OS thread; samples inside each stall grouped by the "
                       "outermost app function and by the innermost frames, in ms (each sample "
                       "weighted by the time since the one before, summed over "
                       "repetitions); gc_ms_in_stalls: collections overlapping stalls; "
                       "gc_in_windows: every collection started in the operation's windows. "
                       "Sampling itself adds a little load."),
            "samples": len(samples),
            **{name: stall_stacks(entry["reps"], samples, collections, STACK_EVERY)
               for name, entry in ops.items()}}
    for entry in ops.values():
        for record in entry["reps"]:
            record.pop("stall_intervals", None)
            record.pop("window", None)
    keep_or_remove(tmp, args, out)

    out.pop("operations", None)
    if ops:
        out["summary"] = {name: figures(entry) for name, entry in ops.items()}
        missed = [name for name, f in out["summary"].items() if not f["meets_target"]]
        out["target"].update({"met": not missed, "missed_by": missed,
                              "worst_stall_ms": max(
                                  (f["longest_stall_ms_max"] or 0
                                   for f in out["summary"].values()), default=None)})
        out["checks"] = checks({**out, "operations": ops})
        out["operations"] = {name: entry["reps"] for name, entry in ops.items()}
    return finish(out, started)


if __name__ == "__main__":
    sys.exit(main())
