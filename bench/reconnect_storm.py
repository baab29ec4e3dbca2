"""Reconnect storm: the server is killed and restarted under N joined phones; every phone
comes back by itself, identified and current.

    python bench/reconnect_storm.py [--mode eventlet|gevent] [--phones 500] [--reps 3]
                                    [--restart-delay 1] [--rep-timeout 60] [--keep-logs]

The phones reconnect as the browser does (BROWSER_RECONNECT), their `auth` and stored
token read at every attempt. What it measures: bench/README.md. Target: all N within 5 s.
"""
import asyncio
import signal
import sys
import time
from collections import Counter

from common import (ATTEMPT_TIMEOUT, BROWSER_RECONNECT, ClientLog, Count, Crowd, add_activity,
                    app_server, begin, close_all, figure_table, finish, join_measured, lag_monitor,
                    loop_stalls, median, ms, open_workshop, outcome, parse, parser, per_rep, poll,
                    run_against, summary)

NOTE = ("The clients all reconnect at once: the load generator's own CPU is part of every "
        "figure. The client back-off part of the wait is set by the clients' delays, not by "
        "the server.")

TARGET_S = 5.0
OPTIONS = 4

CLIENT_WARNINGS = ClientLog("reconnect_storm.client")


class Storm:
    """What the clients' listeners note during one repetition."""

    def __init__(self):
        self.killed_at = None   # monotonic; None outside a storm
        self.expected = {}      # phone -> the choice its snapshot must carry
        self.reset(0)

    def reset(self, phones: int):
        """Ready for a storm of `phones` phones."""
        self.back = {}          # phone -> (monotonic, token_status, current?) of its snapshot
        self.down = {}          # client -> monotonic of the first disconnect after the kill
        self.current, self.fac_back = Count(phones), Count(1)

    def disconnected(self, client, *reason):
        if self.killed_at is not None and client not in self.down:
            self.down[client] = time.monotonic()

    def phone_snapshot(self, phone, snap):
        if self.killed_at is None or phone in self.back:
            return
        answer = (phone.mine or {}).get("answer") or {}  # as the snapshot left it
        current = (snap.get("token_status") == "ok"
                   and answer.get("choices") == [self.expected[phone]])
        self.back[phone] = (time.monotonic(), snap.get("token_status"), current)
        self.current.add(current)

    def fac_snapshot(self, fac, snap):
        if self.killed_at is not None:
            self.fac_back.add()


async def one_rep(rep: int, args, storm: Storm, fac, phones, server, logs: list) -> dict:
    # Every phone answers: a new choice each repetition, so a stale answer shows.
    for phone in phones:
        storm.expected[phone] = (phone.index + rep + 1) % OPTIONS
    replies = await asyncio.gather(*[phone.answer(
        {"choices": [storm.expected[phone]]}, f"r{rep}-p{phone.index}") for phone in phones],
        return_exceptions=True)
    answered = sum(outcome(reply) == "ok" for reply in replies)
    if answered < len(phones):
        raise RuntimeError(f"only {answered} of {len(phones)} answers acknowledged")
    await asyncio.sleep(1.0)

    storm.reset(len(phones))
    lags, stop = [], asyncio.Event()
    monitor = asyncio.ensure_future(lag_monitor(stop, 0.02, lags.append))

    warned = CLIENT_WARNINGS.take()
    killed = storm.killed_at = time.monotonic()
    server.proc.send_signal(signal.SIGKILL)
    await asyncio.to_thread(server.proc.wait, 10)
    server.log.close()
    logs.append(server.log_problems())
    await asyncio.sleep(args.restart_delay)
    server.log_path = args.tmp / f"server-{rep + 1}.log"
    server.spawn()  # here, not in a thread: a thread would only delay the start being timed
    accepted = await asyncio.to_thread(server.listening, 60, 0.005)
    wall_accepted = time.time() - (time.monotonic() - accepted)
    cpu0, own_cpu0 = server.cpu_s(), time.process_time()
    await storm.current.wait(args.rep_timeout)
    all_back = storm.current.at
    cpu, own_cpu = server.cpu_s() - cpu0, time.process_time() - own_cpu0
    await storm.fac_back.wait(10)
    fac_back = storm.fac_back.at
    stop.set()
    await monitor
    storm.killed_at = None
    stalls = await asyncio.to_thread(loop_stalls, server.url, wall_accepted)
    # The clients' log lines from the kill on (a socket closed under them, a refused
    # attempt) belong to this storm; any earlier ones go back to the run's.
    storm_warnings = CLIENT_WARNINGS.take()
    CLIENT_WARNINGS.counts.update(warned)

    back = storm.back
    current = [t for t, _, ok in back.values() if ok]
    waits, attempts_to_snapshot, attempts_after = [], [], []
    for p, (t_back, _, _) in back.items():
        # The attempt that succeeded: the last one started before its snapshot.
        last = max((a for a in p.attempts if a <= t_back), default=None)
        if last is not None:
            waits.append(max(0.0, last - accepted))
            attempts_to_snapshot.append(t_back - max(last, accepted))
        attempts_after.append(sum(1 for a in p.attempts if killed < a <= t_back))
    downs = [storm.down[p] - killed for p in phones if p in storm.down]
    return {
        "rep": rep + 1,
        "answers_acked_before_kill": answered,
        "kill_to_accepting_s": round(accepted - killed, 2),
        "restart_delay_s": args.restart_delay,
        "disconnect_seen_after_kill": {**summary(downs), "not_seen": len(phones) - len(downs)},
        "back_and_current_after_accepting": summary([t - accepted for t in current]),
        "all_back_and_current_s": round(all_back - accepted, 2) if all_back else None,
        "last_current_s": round(max(current) - accepted, 2) if current else None,
        "failed": {"not_reconnected": len(phones) - len(back),
                   "token_not_ok": sum(1 for _, s, _ in back.values() if s != "ok"),
                   "answer_not_current": sum(1 for _, s, ok in back.values()
                                             if s == "ok" and not ok)},
        "token_status": dict(Counter(status for _, status, _ in back.values())),
        "client_wait_for_next_attempt": summary(waits),
        "attempt_to_snapshot": summary(attempts_to_snapshot),
        "attempts_per_phone": {"p50": median(attempts_after), "max": max(attempts_after,
                                                                        default=None)},
        "control_screen_back_after_accepting_ms": ms(fac_back - accepted) if fac_back else None,
        "server_loop": stalls,
        "server_cpu_s_until_all_back": round(cpu, 2),
        "load_generator_cpu_s_until_all_back": round(own_cpu, 2),
        "load_generator_lag_max_ms": ms(max(lags)) if lags else None,
        "client_log_warnings": storm_warnings,
        "meets_target": bool(all_back and all_back - accepted < TARGET_S),
    }


async def scenario(server, args, out: dict):
    storm, clients, logs, crowd = Storm(), [], [], None
    try:
        w, screens = await open_workshop(server.url, "Reconnect day", reconnect=True,
                                         logger=CLIENT_WARNINGS.logger)
        fac = screens["facilitator"]
        clients.append(fac)
        fac.on("snapshot", storm.fac_snapshot)
        fac.on("disconnect", storm.disconnected)
        poll_id = await add_activity(fac, live=True, **poll("Which talk next?", OPTIONS))

        crowd = Crowd(server.url, w["code"], reconnect=True, logger=CLIENT_WARNINGS.logger)
        crowd.on("snapshot", storm.phone_snapshot)
        crowd.on("disconnect", storm.disconnected)
        phones = await join_measured(server, crowd, args, out)
        assert all(phone.live_id == poll_id for phone in phones)

        out["reps_detail"] = []
        for rep in range(args.reps):
            out["reps_detail"].append(await one_rep(rep, args, storm, fac, phones, server, logs))
            # Phones still away (counted as failed) get a moment before the next round.
            await asyncio.sleep(1.0)
        out["phones_connected_at_end"] = sum(1 for p in phones if p.connected)
    finally:
        out["server_logs_before_kills"] = logs
        out["client_log_warnings"] = CLIENT_WARNINGS.take()
        await close_all(clients + (crowd.phones if crowd else []))


# The medians reported: name, then the path to the figure in each repetition's record.
FIGURES = figure_table("""
back_p50_ms                   back_and_current_after_accepting.p50_ms
back_p99_ms                   back_and_current_after_accepting.p99_ms
back_max_ms                   back_and_current_after_accepting.max_ms
client_wait_p50_ms            client_wait_for_next_attempt.p50_ms
client_wait_max_ms            client_wait_for_next_attempt.max_ms
attempt_to_snapshot_p50_ms    attempt_to_snapshot.p50_ms
attempt_to_snapshot_p99_ms    attempt_to_snapshot.p99_ms
attempt_to_snapshot_max_ms    attempt_to_snapshot.max_ms
kill_to_accepting_s           kill_to_accepting_s
all_back_and_current_s        all_back_and_current_s
server_loop_longest_stall_ms  server_loop.longest_stall_ms
server_cpu_s_until_all_back   server_cpu_s_until_all_back
load_generator_lag_max_ms     load_generator_lag_max_ms
""")


def main():
    p = parser(__doc__, phones=500, reps=3, options=[
        ("--restart-delay", 1.0, "seconds between the kill and the new process (systemd: 1)"),
        ("--rep-timeout", 60.0, "longest wait for every phone to be back in one repetition")])
    args = parse(p, phones=(1, 5000), reps=(1, 20), wave=(1, 5000), restart_delay=(0, 60),
                 rep_timeout=(1, 600))
    tmp, out = begin("reconnect_storm", args, NOTE, restart_delay_s=args.restart_delay,
                     target={"all_back_and_current_within_s": TARGET_S},
                     client_reconnection={**BROWSER_RECONNECT,
                                          "attempt_timeout_s": ATTEMPT_TIMEOUT,
                                          "jitter": "additive, seconds"})
    args.tmp = tmp
    run_against(app_server(tmp, args.mode, "server-0.log"), scenario, args, out, tmp)

    reps = out.get("reps_detail", [])
    if reps:
        out["median"] = per_rep(reps, FIGURES, ("all_back_and_current_s", "back_p99_ms",
                                                 "back_max_ms"))
        out["median"]["per_rep"]["failed"] = [sum(r["failed"].values()) for r in reps]
        out["target"]["met"] = all(r["meets_target"] for r in reps)
        times = [r["all_back_and_current_s"] for r in reps]
        out["target"]["worst_all_back_s"] = None if None in times else max(times)
        out["checks"] = {
            "every_phone_back_identified_and_current": all(
                not sum(r["failed"].values()) for r in reps),
            "every_answer_acked_before_each_kill": all(
                r["answers_acked_before_kill"] == out["join"]["phones"] for r in reps),
        }
    return finish(out, args.started)


if __name__ == "__main__":
    sys.exit(main())
