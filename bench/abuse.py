"""What one hostile client can do to a room, and what everyone else sees meanwhile.

    python bench/abuse.py [--mode gevent] [--flood-seconds 30] [--cap 200] [--idle]

The real app with its default limits and a small phone cap; what it measures:
bench/README.md.
"""
import asyncio
import os
import socket
import sys
import time

import aiohttp
import socketio
from common import (HOST, Client, Crowd, Phone, Refused, app_server, begin, close_all,
                    create_workshop, finish, ms, parse, parser, run_against, summary)

NOTE = ("Read the counts and what the server answered; the times only say whether it kept "
        "serving.")


async def join_flood(server, w, seconds: float) -> dict:
    """One client, fresh sockets, walk-in joins as fast as it goes."""
    made, refused, errors, n = 0, {}, 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and n < 100_000:
        n += 1
        phone = Phone(server.url, w["code"], n)
        try:  # a hostile client does not wait for the snapshot
            await phone.connect(timeout=10, snapshot=False)
            await phone.join(name=f"Fake {n}", organisation="Flood Ltd", timeout=10)
            made += 1
        except Refused as refusal:
            refused[refusal.ack["error"]] = refused.get(refusal.ack["error"], 0) + 1
        except Exception:  # noqa: BLE001 - count it, carry on flooding
            errors += 1
        finally:
            await phone.close()
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
    started = time.monotonic()
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
        await response.read()
        assert response.status == 200, response.status
    return time.monotonic() - started


async def at_the_cap(server, w, cap: int, extra: int) -> dict:
    phones, _, _ = await Crowd(server.url, w["code"]).join(  # fill the room, joining nobody
        cap, 50, enter=lambda phone: phone.connect(snapshot=False))
    refusals, told = [], set()
    for _ in range(extra):
        client = Phone(server.url, w["code"])
        client.on("connect_error", lambda c, data: told.add(
            data.get("message") if isinstance(data, dict) else str(data)))
        started = time.monotonic()
        try:
            await client.connect(timeout=10, snapshot=False)
            told.add("connected")
        except socketio.exceptions.ConnectionError:
            pass  # what it was told came with connect_error
        refusals.append(time.monotonic() - started)
        await client.close()
    control = Client(server.url, {"role": "facilitator", "key": w["key"]})
    started = time.monotonic()
    await control.connect(timeout=10, snapshot=False)
    control_connect = time.monotonic() - started
    async with aiohttp.ClientSession() as session:
        pages = [await timed_get(session, f"{server.url}/control/{w['key']}") for _ in range(20)]
        health = [await timed_get(session, f"{server.url}/healthz") for _ in range(20)]
    await close_all([*phones, control])
    return {"cap": cap, "phones_connected": len(phones), "over_the_cap": summary(refusals),
            "over_the_cap_told": sorted(told), "control_connect_ms": ms(control_connect),
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
    p = parser(__doc__, None, time_limit=300.0, options=[
        ("--flood-seconds", 30.0, None), ("--cap", 200, "FACILITATOR_MAX_CONNECTIONS"),
        ("--extra", 20, "phones trying over the cap"),
        ("--idle", False, "also time an idle keep-alive connection (a minute)")])
    args = parse(p)
    tmp, out = begin("abuse", args, NOTE, cap=args.cap, flood_seconds=args.flood_seconds)
    os.environ["FACILITATOR_MAX_CONNECTIONS"] = str(args.cap)
    # This benchmark measures the limits themselves: keep the app's defaults.
    os.environ["FACILITATOR_JOIN_LIMIT"] = "300 per 100 seconds"
    run_against(app_server(tmp, args.mode), scenario, args, out, tmp)
    return finish(out, args.started)


if __name__ == "__main__":
    sys.exit(main())
