"""Reconnect storm: the server is killed and restarted under N joined phones; every phone
comes back by itself, identified and current.

    python bench/reconnect_storm.py [--mode eventlet|gevent] [--phones 500] [--reps 3]
                                    [--restart-delay 1] [--rep-timeout 60] [--keep-logs]

This process is the single load generator (asyncio + python-socketio AsyncClients over
WebSocket). It starts the real app as a subprocess on 127.0.0.1 only
(`python run.py --host 127.0.0.1 --port P --database DB --async-mode M`), connects a
control screen and N phones (joined in waves of `--wave`), and makes a poll live.

Every client reconnects by itself, as the browser does (static/js/live.js): python-socketio
reconnection on, first delay 0.5 s doubling to at most 4 s, a random +-0.5 s on each
(python-socketio's jitter is additive), and each attempt given 8 s to connect (the
browser's `timeout`; python-socketio's own default is 1 s). Each phone's `auth` is read
at every attempt and carries the token it stored when it joined.

Each repetition: every phone answers the live poll (a choice that differs from the last
repetition's) and is acknowledged; then the server gets SIGKILL and, after
`--restart-delay` s (deploy/facilitator@.service restarts after 1 s), is started again on
the same database and port. Measured, per phone, from the moment the restarted server
accepts connections (this process polls the port every 5 ms):

  * until its fresh `snapshot` says `token_status` "ok" and carries its own answer in
    `mine` (p50/p99/max), and how many failed: never reconnected within `--rep-timeout`,
    a snapshot with another `token_status`, or one without the phone's answer;
  * split in two: the wait for its next attempt (the client's back-off, which the server
    cannot shorten) and the attempt itself until that snapshot (the server's and this
    process's work); attempts per phone;
  * also: kill to accepting (process start), kill to each phone noticing the disconnect,
    the control screen's return, the restarted server's loop stalls during the storm
    (GET /healthz `loop`), its CPU, and this process's loop lag.

Target: all N back and current within 5 s of the server accepting connections. It prints
one JSON object with per-repetition figures and their medians; every wait is bounded;
the server is killed at the end.
"""
import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    column,
    disconnect_all,
    finish,
    in_waves,
    join_delegate,
    lag_monitor,
    median,
    ms,
    open_client,
    summary,
)
from join_broadcast import (
    HOST,
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

NOTE = ("The load generator (one asyncio process running N Socket.IO clients, all "
        "reconnecting at once) and the server share a noisy 2-core machine that other work "
        "was also using: the load generator's own CPU is part of every figure. The client "
        "back-off part of the wait is set by the clients' delays, not by the server. "
        "Compare medians over repetitions.")

TARGET_S = 5.0
OPTIONS = 4
# static/js/live.js: reconnectionDelay 500, reconnectionDelayMax 4000, timeout 8000.
RECONNECT = {"reconnection": True, "reconnection_attempts": 0, "reconnection_delay": 0.5,
             "reconnection_delay_max": 4.0, "randomization_factor": 0.5}
ATTEMPT_TIMEOUT = 8.0

CLIENT_LOG, CLIENT_WARNINGS = client_log("reconnect_storm.client")


class Storm:
    """What the clients' handlers share during one repetition."""

    def __init__(self):
        self.killed_at = None       # monotonic; None outside a storm
        self.expected = 0
        self.current = 0
        self.all_current = asyncio.Event()
        self.fac_back = asyncio.Event()


class Client(socketio.AsyncClient):
    """A reconnecting client that notes the start of every connection attempt."""

    def __init__(self, storm: Storm):
        super().__init__(request_timeout=ATTEMPT_TIMEOUT, logger=CLIENT_LOG,
                         engineio_logger=CLIENT_LOG, **RECONNECT)
        self.storm = storm
        self.attempts = []      # monotonic start of each connection attempt
        self.down_at = None     # first disconnect seen after the kill

        @self.on("disconnect")
        def on_disconnect(*args):
            if self.storm.killed_at is not None and self.down_at is None:
                self.down_at = time.monotonic()

    async def connect(self, *args, wait_timeout=ATTEMPT_TIMEOUT, **kwargs):
        # python-socketio's reconnect loop calls this without wait_timeout (1 s by default).
        self.attempts.append(time.monotonic())
        return await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


class Phone(Client):
    """A phone that keeps its token, as static/js/phone.js keeps it in localStorage."""

    def __init__(self, storm: Storm, code: str, index: int):
        super().__init__(storm)
        self.code, self.index = code, index
        self.token = None
        self.snapshots = asyncio.Queue()
        self.expected_choice = None
        self.back = None        # (monotonic, token_status, current?) of the first snapshot
        self.on("snapshot", self.on_snapshot)

    def auth(self):
        data = {"role": "delegate", "code": self.code}
        if self.token:
            data["token"] = self.token
        return data

    def on_snapshot(self, snap):
        t = time.monotonic()
        if snap.get("token"):
            self.token = snap["token"]
        if self.storm.killed_at is None:
            self.snapshots.put_nowait(snap)
            return
        if self.back is not None:
            return
        answer = (snap.get("mine") or {}).get("answer") or {}
        current = (snap.get("token_status") == "ok"
                   and answer.get("choices") == [self.expected_choice])
        self.back = (t, snap.get("token_status"), current)
        if current:
            self.storm.current += 1
            if self.storm.current >= self.storm.expected:
                self.storm.all_current.set()


async def join_phones(storm, url, code, count, wave, wave_timeout):
    """Connect and join `count` phones, `wave` at a time (nothing timed but the total)."""
    async def one(i):
        phone = Phone(storm, code, i)
        ack = await join_delegate(phone, url, phone.auth, i)
        phone.token = ack["token"]
        return phone

    return await in_waves(one, count, wave, wave_timeout)


async def start_again(server: Server, log_path: Path, timeout=60.0) -> float:
    """Start the server process again; the monotonic time it first accepts a connection."""
    server.log_path = log_path
    # Here, not in a thread: a thread would only delay the start being timed.
    server.spawn()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            _, writer = await asyncio.open_connection(HOST, server.port)
        except OSError:
            await asyncio.sleep(0.005)
            continue
        accepted = time.monotonic()
        writer.close()
        return accepted
    raise RuntimeError(f"server did not start within {timeout}s")


async def one_rep(rep: int, args, storm: Storm, fac, phones, poll_id: int, server: Server,
                  http: aiohttp.ClientSession, logs: list) -> dict:
    # Every phone answers: a new choice each repetition, so a stale answer shows.
    for phone in phones:
        phone.expected_choice = (phone.index + rep + 1) % OPTIONS
    replies = await asyncio.gather(*[phone.call("prompt:answer", {
        "client_id": f"r{rep}-p{phone.index}", "activity_id": poll_id,
        "choices": [phone.expected_choice]}, timeout=60) for phone in phones],
        return_exceptions=True)
    answered = sum(1 for r in replies if isinstance(r, dict) and r.get("ok"))
    if answered < len(phones):
        raise RuntimeError(f"only {answered} of {len(phones)} answers acknowledged")
    await asyncio.sleep(1.0)

    for client in (fac, *phones):
        client.down_at = None
    for phone in phones:
        phone.back = None
    storm.expected, storm.current = len(phones), 0
    storm.all_current.clear()
    storm.fac_back.clear()
    lags, stop = [], asyncio.Event()
    monitor = asyncio.ensure_future(lag_monitor(stop, 0.02, lags.append))

    warned = dict(CLIENT_WARNINGS.counts)
    CLIENT_WARNINGS.counts.clear()
    killed = storm.killed_at = time.monotonic()
    server.proc.send_signal(signal.SIGKILL)
    await asyncio.to_thread(server.proc.wait, 10)
    server.log.close()
    logs.append(server.log_problems())
    await asyncio.sleep(args.restart_delay)
    accepted = await start_again(server, args.tmp / f"server-{rep + 1}.log")
    wall_accepted = time.time() - (time.monotonic() - accepted)
    cpu0, own_cpu0 = server.cpu_s(), time.process_time()
    try:
        await asyncio.wait_for(storm.all_current.wait(), args.rep_timeout)
    except TimeoutError:
        pass
    all_back = time.monotonic() if storm.all_current.is_set() else None
    cpu, own_cpu = server.cpu_s() - cpu0, time.process_time() - own_cpu0
    try:
        await asyncio.wait_for(storm.fac_back.wait(), 10)
    except TimeoutError:
        pass
    fac_back = getattr(fac, "back_at", None)
    stop.set()
    await monitor
    storm.killed_at = None
    async with http.get(server.url + "/healthz") as response:
        loop = (await response.json())["loop"]
    end_wall = time.time()
    # The clients' log lines from the kill on (a socket closed under them, a refused
    # attempt) belong to this storm; any earlier ones go back to the run's.
    storm_warnings = dict(CLIENT_WARNINGS.counts)
    CLIENT_WARNINGS.counts.clear()
    CLIENT_WARNINGS.counts.update(warned)
    stalls = [entry[1] for entry in loop["recent"] if wall_accepted <= entry[0] <= end_wall]

    back = [p for p in phones if p.back is not None]
    current = [p for p in back if p.back[2]]
    statuses = {}
    for p in back:
        statuses[p.back[1]] = statuses.get(p.back[1], 0) + 1
    waits, attempts_to_snapshot, attempts_after = [], [], []
    for p in back:
        # The attempt that succeeded: the last one started before its snapshot.
        last = max((a for a in p.attempts if a <= p.back[0]), default=None)
        if last is not None:
            waits.append(max(0.0, last - accepted))
            attempts_to_snapshot.append(p.back[0] - max(last, accepted))
        attempts_after.append(sum(1 for a in p.attempts if killed < a <= p.back[0]))
    downs = [p.down_at - killed for p in phones if p.down_at is not None]
    latest = max((p.back[0] for p in current), default=None)
    return {
        "rep": rep + 1,
        "answers_acked_before_kill": answered,
        "kill_to_accepting_s": round(accepted - killed, 2),
        "restart_delay_s": args.restart_delay,
        "disconnect_seen_after_kill": {**summary(downs),
                                       "not_seen": len(phones) - len(downs)},
        "back_and_current_after_accepting": summary([p.back[0] - accepted for p in current]),
        "all_back_and_current_s": round(all_back - accepted, 2) if all_back else None,
        "last_current_s": round(latest - accepted, 2) if latest else None,
        "failed": {"not_reconnected": len(phones) - len(back),
                   "token_not_ok": sum(1 for p in back if p.back[1] != "ok"),
                   "answer_not_current": sum(1 for p in back
                                             if p.back[1] == "ok" and not p.back[2])},
        "token_status": statuses,
        "client_wait_for_next_attempt": summary(waits),
        "attempt_to_snapshot": summary(attempts_to_snapshot),
        "attempts_per_phone": {"p50": median(attempts_after), "max": max(attempts_after,
                                                                        default=None)},
        "control_screen_back_after_accepting_ms": ms(fac_back - accepted)
        if fac_back else None,
        "server_loop": {"longest_stall_ms": max(stalls, default=0.0), "stalls": len(stalls),
                        "stalls_ms": sorted(stalls, reverse=True)[:12]},
        "server_cpu_s_until_all_back": round(cpu, 2),
        "load_generator_cpu_s_until_all_back": round(own_cpu, 2),
        "load_generator_lag_max_ms": ms(max(lags)) if lags else None,
        "client_log_warnings": storm_warnings,
        "meets_target": bool(all_back and all_back - accepted < TARGET_S),
    }


async def scenario(server: Server, args, out: dict):
    storm = Storm()
    clients = []
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    logs = []
    try:
        w = await asyncio.to_thread(create_workshop, server.url, "Reconnect day")
        fac = Client(storm)
        fac.snapshots = asyncio.Queue()

        @fac.on("snapshot")
        def fac_snapshot(snap):
            if storm.killed_at is None:
                fac.snapshots.put_nowait(snap)
            else:
                fac.back_at = time.monotonic()
                storm.fac_back.set()

        clients.append(fac)
        await open_client(fac, server.url, {"role": "facilitator", "key": w["key"]})
        ack = await fac.call("activity:add", {
            "kind": "poll", "title": "Which talk next?",
            "options": [f"Option {chr(65 + k)}" for k in range(OPTIONS)],
            "results": "live", "timer_seconds": 0}, timeout=30)
        assert ack["ok"], ack
        poll_id = ack["activity"]["id"]
        assert (await fac.call("live:set", {"activity_id": poll_id}, timeout=30))["ok"]

        phones, join_s, failures = await join_phones(storm, server.url, w["code"],
                                                     args.phones, args.wave, args.wave_timeout)
        clients.extend(phones)
        out["join"] = {"phones": len(phones), "total_s": join_s, "failed": failures}
        if not phones:
            raise RuntimeError("no phone joined")
        await asyncio.sleep(1.0)

        out["reps_detail"] = []
        for rep in range(args.reps):
            fac.back_at = None
            out["reps_detail"].append(await one_rep(rep, args, storm, fac, phones, poll_id,
                                                    server, http, logs))
            # Phones still away (counted as failed) get a moment before the next round.
            await asyncio.sleep(1.0)
        out["phones_connected_at_end"] = sum(1 for p in phones if p.connected)
    finally:
        out["server_logs_before_kills"] = logs
        out["client_log_warnings"] = dict(CLIENT_WARNINGS.counts)
        CLIENT_WARNINGS.counts.clear()
        for client in clients:  # no reconnecting while the server is torn down
            client.reconnection = False
        await disconnect_all(clients)
        await http.close()


def medians(reps: list) -> dict:
    def col(*path):
        return column(reps, path)

    figures = {
        "back_p50_ms": ("back_and_current_after_accepting", "p50_ms"),
        "back_p99_ms": ("back_and_current_after_accepting", "p99_ms"),
        "back_max_ms": ("back_and_current_after_accepting", "max_ms"),
        "client_wait_p50_ms": ("client_wait_for_next_attempt", "p50_ms"),
        "client_wait_max_ms": ("client_wait_for_next_attempt", "max_ms"),
        "attempt_to_snapshot_p50_ms": ("attempt_to_snapshot", "p50_ms"),
        "attempt_to_snapshot_p99_ms": ("attempt_to_snapshot", "p99_ms"),
        "attempt_to_snapshot_max_ms": ("attempt_to_snapshot", "max_ms"),
        "kill_to_accepting_s": ("kill_to_accepting_s",),
        "server_loop_longest_stall_ms": ("server_loop", "longest_stall_ms"),
        "server_cpu_s_until_all_back": ("server_cpu_s_until_all_back",),
        "load_generator_lag_max_ms": ("load_generator_lag_max_ms",),
    }
    out = {name: median(col(*path)) for name, path in figures.items()}
    out["per_rep"] = {
        "all_back_and_current_s": col("all_back_and_current_s"),
        "back_p99_ms": col("back_and_current_after_accepting", "p99_ms"),
        "back_max_ms": col("back_and_current_after_accepting", "max_ms"),
        "failed": [sum(r["failed"].values()) for r in reps]}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--restart-delay", type=float, default=1.0,
                        help="seconds between the kill and the new process (systemd: 1)")
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--wave-timeout", type=float, default=120.0)
    parser.add_argument("--rep-timeout", type=float, default=60.0,
                        help="longest wait for every phone to be back in one repetition")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="give up (and kill the server) after this many seconds")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the temp dir with the server logs and database")
    args = parser.parse_args()
    if not (1 <= args.phones <= 5000 and 1 <= args.reps <= 20 and 1 <= args.wave
            and 0 <= args.restart_delay <= 60 and 1 <= args.rep_timeout <= 600):
        parser.error("phones 1..5000, reps 1..20, restart delay 0..60 s, rep timeout 1..600 s")

    nofile = prepare_load_generator()

    tmp = Path(tempfile.mkdtemp(prefix="bench-reconnect-storm-"))
    args.tmp = tmp
    server = app_server(tmp, args.mode, "server-0.log")
    out = {"benchmark": "reconnect_storm", "mode": args.mode, "phones": args.phones,
           "reps": args.reps, "restart_delay_s": args.restart_delay,
           "target": {"all_back_and_current_within_s": TARGET_S},
           "client_reconnection": {**RECONNECT, "attempt_timeout_s": ATTEMPT_TIMEOUT,
                                   "jitter": "additive, seconds"},
           "machine": machine(nofile),
           "versions": versions(),
           "note": NOTE}
    started = time.monotonic()

    run_against(server, scenario, args, out)
    keep_or_remove(tmp, args, out)

    reps = out.get("reps_detail", [])
    if reps:
        out["median"] = medians(reps)
        out["target"]["met"] = all(r["meets_target"] for r in reps)
        times = [r["all_back_and_current_s"] for r in reps]
        out["target"]["worst_all_back_s"] = None if None in times else max(times)
        out["checks"] = {
            "every_phone_back_identified_and_current": all(
                not sum(r["failed"].values()) for r in reps),
            "every_answer_acked_before_each_kill": all(
                r["answers_acked_before_kill"] == out["join"]["phones"] for r in reps),
        }
    return finish(out, started)


if __name__ == "__main__":
    sys.exit(main())
