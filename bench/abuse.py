"""What one hostile client can do to a room, and what everyone else sees meanwhile.

Starts the real app (run.py, the default limits) on 127.0.0.1 with a small phone cap,
then, one after another:

  * join flood: one client opens fresh sockets and joins each as a walk-in, as fast as
    it can, for `--flood-seconds`: how many delegates it made, and how the refusals
    read;
  * slow sockets: sockets that send half a request header, or nothing: how long the
    server keeps each open;
  * at the cap: `--cap` phones connected, then more phones try: how fast each is
    refused and what it is told; meanwhile the control screen connects and the
    control page and /healthz are fetched: their response times.

    python bench/abuse.py [--mode gevent] [--flood-seconds 30] [--cap 200]

Prints one JSON object. Every loop is bounded in count and time; the server is
killed at the end.
"""
import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

# This benchmark measures the limits themselves: keep the app's defaults.
os.environ["FACILITATOR_JOIN_LIMIT"] = "300 per 100 seconds"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import socketio  # noqa: E402
from common import disconnect_all, finish, summary  # noqa: E402
from join_broadcast import (HOST, app_server, create_workshop, machine,  # noqa: E402
                            raise_file_limit, run_against)

QUIET = logging.getLogger("bench.abuse")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


async def join_flood(server, w, seconds: float) -> dict:
    """One client, fresh sockets, walk-in joins as fast as it goes."""
    made, refused, errors = 0, {}, 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline and n < 100_000:
        n += 1
        client = socketio.AsyncClient(reconnection=False, logger=QUIET, engineio_logger=QUIET)
        try:
            await client.connect(server.url, auth={"role": "delegate", "code": w["code"]},
                                 transports=["websocket"], wait_timeout=10)
            ack = await client.call("delegate:join", {"name": f"Fake {n}",
                                                      "organisation": "Flood Ltd"}, timeout=10)
            if ack.get("ok"):
                made += 1
            else:
                refused[ack["error"]] = refused.get(ack["error"], 0) + 1
        except Exception:  # noqa: BLE001 - count it, carry on flooding
            errors += 1
        finally:
            await client.disconnect()
    return {"seconds": seconds, "attempts": n, "delegates_made": made, "refused": refused,
            "errors": errors}


def socket_lifetime(port: int, first_bytes: bytes, limit: float = 90) -> float | None:
    """Seconds until the server closes a socket that sent `first_bytes` and no more."""
    with socket.create_connection((HOST, port), timeout=limit) as sock:
        started = time.monotonic()
        if first_bytes:
            sock.sendall(first_bytes)
        try:
            while sock.recv(4096):
                pass
        except (ConnectionError, TimeoutError):
            pass
        return round(time.monotonic() - started, 2)


async def timed_get(session, url) -> float:
    import aiohttp
    started = time.monotonic()
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
        await response.read()
        assert response.status == 200, response.status
    return time.monotonic() - started


async def at_the_cap(server, w, cap: int, extra: int) -> dict:
    import aiohttp
    phones = []
    for first in range(0, cap, 50):  # fill the room
        batch = [socketio.AsyncClient(reconnection=False, logger=QUIET, engineio_logger=QUIET)
                 for _ in range(min(50, cap - first))]
        await asyncio.gather(*[c.connect(server.url, auth={"role": "delegate", "code": w["code"]},
                                         transports=["websocket"], wait_timeout=20)
                               for c in batch])
        phones += batch
    refusals, told = [], set()
    for _ in range(extra):
        client = socketio.AsyncClient(reconnection=False, logger=QUIET, engineio_logger=QUIET)
        client.on("connect_error", lambda data: told.add(
            data.get("message") if isinstance(data, dict) else str(data)))
        started = time.monotonic()
        try:
            await client.connect(server.url, auth={"role": "delegate", "code": w["code"]},
                                 transports=["websocket"], wait_timeout=10)
            told.add("connected")
        except socketio.exceptions.ConnectionError:
            pass  # what it was told came with connect_error
        refusals.append(time.monotonic() - started)
        await client.disconnect()
    control = socketio.AsyncClient(reconnection=False, logger=QUIET, engineio_logger=QUIET)
    started = time.monotonic()
    await control.connect(server.url, auth={"role": "facilitator", "key": w["key"]},
                          transports=["websocket"], wait_timeout=10)
    control_connect = time.monotonic() - started
    async with aiohttp.ClientSession() as session:
        pages = [await timed_get(session, f"{server.url}/control/{w['key']}") for _ in range(20)]
        health = [await timed_get(session, f"{server.url}/healthz") for _ in range(20)]
    await disconnect_all([*phones, control])
    return {"cap": cap, "phones_connected": len(phones), "over_the_cap": summary(refusals),
            "over_the_cap_told": sorted(told), "control_connect_ms": round(control_connect * 1000, 1),
            "control_page": summary(pages), "healthz": summary(health)}


async def scenario(server, args, out):
    out["join_flood"] = await join_flood(server, create_workshop(server.url), args.flood_seconds)
    kinds = {"half_header": b"GET /healthz HTTP/1.1\r\nHost: x\r\n", "nothing_sent": b""}
    if args.idle:
        kinds["idle_keep_alive"] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    lifetimes = await asyncio.gather(*[asyncio.to_thread(socket_lifetime, server.port, sent)
                                       for sent in kinds.values()])
    out["slow_sockets_s"] = dict(zip(kinds, lifetimes))
    out["at_the_cap"] = await at_the_cap(server, create_workshop(server.url), args.cap, args.extra)
    out["checks"] = {
        "flood_cut_off": out["join_flood"]["delegates_made"] <= 300 + 3 * args.flood_seconds,
        "slow_sockets_closed": all(v < 15 for k, v in out["slow_sockets_s"].items()
                                   if k != "idle_keep_alive"),
        "over_the_cap_refused": out["at_the_cap"]["over_the_cap_told"] == ["room_full"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", default="eventlet", choices=["eventlet", "gevent"])
    parser.add_argument("--flood-seconds", type=float, default=30)
    parser.add_argument("--cap", type=int, default=200, help="FACILITATOR_MAX_CONNECTIONS")
    parser.add_argument("--extra", type=int, default=20, help="phones trying over the cap")
    parser.add_argument("--idle", action="store_true",
                        help="also time an idle keep-alive connection (a minute)")
    parser.add_argument("--time-limit", type=float, default=300)
    args = parser.parse_args()
    started = time.monotonic()
    raise_file_limit()
    os.environ["FACILITATOR_MAX_CONNECTIONS"] = str(args.cap)
    out = {"benchmark": "abuse", "mode": args.mode, "machine": machine(0)}
    with tempfile.TemporaryDirectory() as tmp:
        run_against(app_server(Path(tmp), args.mode), scenario, args, out)
    return finish(out, started)


if __name__ == "__main__":
    sys.exit(main())
