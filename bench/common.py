"""Helpers the phone benchmarks share: figures in ms and the printed report, probes of
the server process, and clients joined, pinged and closed the same way.

join_broadcast.py holds the rest of the harness (the server subprocess, the workshop,
the machine's description).
"""
import asyncio
import json
import math
import os
import re
import statistics
import time
from pathlib import Path

import socketio

# Every simulated phone joins from 127.0.0.1: the servers the benchmarks start lift the
# per-address join and creation limits, which protect a venue from one client faking a
# crowd (unless the environment sets them).
SERVER_ENV = {"FACILITATOR_JOIN_LIMIT": "1000000 per 1 second",
              "FACILITATOR_CREATE_LIMIT": "1000000 per 1 second"}
# ---------------------------------------------------------------- figures

def pct(values, p):
    """Nearest-rank percentile, in ms to 0.1, of a list of seconds (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return round(ordered[index] * 1000, 1)


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def median(values, digits=1):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), digits) if values else None


def summary(values):
    """n, p50/p99/max in ms of a list of seconds."""
    return {"n": len(values), "p50_ms": pct(values, 50), "p99_ms": pct(values, 99),
            "max_ms": pct(values, 100)}


def column(records, path):
    """Each record's value at `path`, a sequence of keys into nested dicts (None where
    one is missing)."""
    values = []
    for r in records:
        v = r
        for key in path:
            v = v.get(key) if isinstance(v, dict) else None
        values.append(v)
    return values


def print_report(out: dict, nulls=True):
    """Print `out` as indented JSON, with each list of numbers (and, if `nulls`, of
    numbers and nulls) on one line, so the per-repetition figures stay readable."""
    items = r"[-\d.,\snul]" if nulls else r"[-\d.,\s]"
    text = json.dumps(out, indent=1)
    print(re.sub(r"\[\s+(" + items + r"+?)\s+\]",
                 lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                 text))


def finish(out: dict, started: float, nulls=True) -> int:
    """End a run: add the load average and the elapsed time (since the monotonic
    `started`) to `out`, print it, and return the exit status: 0 if there was no error
    and every check passed."""
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    print_report(out, nulls)
    ok = "error" not in out and all(out.get("checks", {"ran": False}).values())
    return 0 if ok else 1


# ---------------------------------------------------------------- the server process

def schedstat(pid: int):
    """(on-CPU s, waiting-for-a-CPU s) summed over a process's threads, from
    /proc/<pid>/task/*/schedstat; None where the kernel does not provide it."""
    on = wait = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "schedstat").read_text().split()
            on, wait = on + int(fields[0]), wait + int(fields[1])
    except (OSError, IndexError, ValueError):
        return None
    return on / 1e9, wait / 1e9


def add_sitecustomize(directory: Path, source: str):
    """Have the servers started from now on import `source` at start-up: written as
    `sitecustomize.py` to `directory`, put first on PYTHONPATH (the app is not changed)."""
    directory.mkdir()
    (directory / "sitecustomize.py").write_text(source)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(directory), os.environ.get("PYTHONPATH")) if p)


# ---------------------------------------------------------------- clients

def counted_client(run, logger):
    """A client that does not reconnect, queues its snapshots in `client.snapshots` and
    counts its disconnects in `run.disconnects`; `logger` takes the library's warnings."""
    client = socketio.AsyncClient(reconnection=False, request_timeout=30, logger=logger,
                                  engineio_logger=logger)
    client.snapshots = asyncio.Queue()
    client.on("snapshot", client.snapshots.put_nowait)

    @client.on("disconnect")
    def on_disconnect(*args):
        run.disconnects += 1

    return client


async def open_client(client, url: str, auth, timeout=20):
    """Connect over WebSocket and wait for the first snapshot, which it returns."""
    await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=timeout)
    return await asyncio.wait_for(client.snapshots.get(), timeout)


async def join_delegate(client, url: str, auth, i: int, **details):
    """Connect a phone, wait for its snapshot and join it as delegate i (name and
    organisation from i, plus `details`); the join's ack. On any failure the phone is
    disconnected and the error raised."""
    await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=30)
    try:
        await asyncio.wait_for(client.snapshots.get(), 30)
        ack = await client.call("delegate:join", {
            "name": f"Delegate {i:04d}", "organisation": f"Organisation {i % 37}", **details},
            timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack.get('error')}")
    except BaseException:
        await client.disconnect()
        raise
    return ack


async def in_waves(open_one, count: int, wave: int, wave_timeout=None):
    """Run `open_one(i)` for i in 0..count-1, `wave` at a time, each wave bounded by
    `wave_timeout` s (None: unbounded); nothing is timed but the total.

    Returns what the successful calls returned in order of i, the total time (s) and
    the failures counted by error."""
    opened, failures = [], {}
    start = time.monotonic()
    for first in range(0, count, wave):
        results = await asyncio.wait_for(asyncio.gather(
            *[open_one(i) for i in range(first, min(first + wave, count))],
            return_exceptions=True), wave_timeout)
        for result in results:
            if isinstance(result, BaseException):
                name = f"{type(result).__name__}: {str(result)[:80]}"
                failures[name] = failures.get(name, 0) + 1
            else:
                opened.append(result)
    return opened, round(time.monotonic() - start, 2), failures


async def join_measured(server, joining, clients: list, out: dict) -> list:
    """Await `joining` (phones, seconds, failures, as from `in_waves`), add the phones to
    `clients` and, after 2 s of quiet, record out["join"] with the server's memory growth.
    Returns the phones; raises if none joined."""
    rss0 = server.rss_kb()
    phones, join_s, failures = await joining
    clients.extend(phones)
    await asyncio.sleep(2.0)
    out["join"] = {"phones": len(phones), "total_s": join_s, "failed": failures,
                   "server_rss_growth_kb": server.rss_kb() - rss0}
    if not phones:
        raise RuntimeError("no phone joined")
    return phones


async def disconnect(client, timeout=10):
    """Disconnect one client, whatever goes wrong."""
    try:
        await asyncio.wait_for(client.disconnect(), timeout)
    except Exception:  # noqa: BLE001, S110 - teardown must go on
        pass


async def disconnect_all(clients):
    """Disconnect every client at once, giving up after a minute."""
    try:
        await asyncio.wait_for(asyncio.gather(*[disconnect(c) for c in clients]), 60)
    except TimeoutError:
        pass


async def lag_monitor(stop: asyncio.Event, period: float, record):
    """This process's own loop lag: sleep `period` s at a time until stop, and pass
    how late each wake-up was (s) to `record`."""
    while not stop.is_set():
        t = time.monotonic()
        await asyncio.sleep(period)
        record(max(0.0, time.monotonic() - t - period))


async def ping_in_turn(pingers, stop: asyncio.Event, every: float, record):
    """A no-op event every `every` s until stop, sent by the pingers in turn: an unjoined
    phone's `prompt:answer`, answered at once as `not_joined` without touching the
    database. `record(wall time, monotonic time, ok, round trip s)` for each."""
    turn = 0
    while not stop.is_set():
        pinger = pingers[turn % len(pingers)]
        turn += 1
        wall, t0 = time.time(), time.monotonic()
        try:
            ack = await pinger.call("prompt:answer", {}, timeout=10)
            ok = ack.get("error") == "not_joined"
        except Exception:  # noqa: BLE001 - a lost ping is a 10 s stall; count it
            ok = False
        rtt = time.monotonic() - t0
        record(wall, t0, ok, rtt)
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, every - rtt))
        except TimeoutError:
            pass
