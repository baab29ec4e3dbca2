"""Poll burst benchmark: N phones answer a live poll within ~5 s; results reach the projector
coalesced.

    python bench/poll_burst.py [--mode eventlet|gevent] [--phones 2000] [--reps 3]
                               [--burst-seconds 5] [--options 4] [--resends 100]
                               [--changes 100] [--wave 50] [--keep-logs]

This process is the single load generator (asyncio + python-socketio AsyncClients over
WebSocket). It starts the real app as a subprocess on 127.0.0.1 only
(`python run.py --host 127.0.0.1 --port P --database TMP --async-mode M`), connects a
control screen, a projector, six "pingers" (phones that have not joined) and N phones
(connected and joined in waves of `--wave` before anything is timed).

Each repetition adds a new poll (`--options` options, results shown live, no timer) and
makes it live; like the browser, every phone asks `live:mine` when `live` names the new
poll, unless `live` carries its own view (a fresh poll does: nobody has answered). Then every phone answers once (`prompt:answer`, one choice), the N answers paced
evenly over `--burst-seconds`. `--resends` phones send their answer again under the
same client_id once it is acknowledged (it must change nothing) and `--changes` phones
change their mind once acknowledged (new client_id, another option). Measured:

  * answer acks: how many were ok, their latency (send -> ack) p50/p99/max;
  * whether every phone is counted once with its last choice: the final `results` on the
    projector and `control` on the control screen must have total == N and the counts
    of the last choices sent;
  * the projector's receipt of the first `results` with total N and the final counts,
    relative to the last answer's ack (also the first with total N alone: it can come
    before that ack, when the last answers were changes);
  * how many `results` events the projector received during the burst and the smallest
    gap between two (coalesced: at most one per 0.5 s heartbeat, not one per answer);
  * the server's event-loop stalls, seen as the round trip of a no-op event (a pinger
    sends `prompt:answer`, refused at once as `not_joined` without touching the
    database) sampled every 50 ms during the burst; the load generator's own loop lag
    is sampled alongside, since it inflates that round trip too. Unless --no-gc-log, the
    server logs its own garbage collections (a `sitecustomize` put on its PYTHONPATH
    from a temp dir; the app is not changed), and slow pings are matched against them;
  * the server's time on a CPU, waiting for one and off it (I/O, idle) from
    /proc/<pid>/task/*/schedstat, and what a committed SQLite write costs on the
    disk just before the burst (every answer is one such commit).

Results receipt gaps are measured in this process, so one can be shorter than the 0.5 s
beat when the previous frame was delayed in delivery; the coalescing check therefore
counts events against beats.

It prints one JSON object with per-repetition figures and their medians. Every wait is
bounded; the server is killed at the end.
"""
import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    add_sitecustomize,
    column,
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
    pct,
    ping_in_turn,
    schedstat,
    summary,
)
from join_broadcast import (
    Server,
    app_server,
    client_log,
    commit_cost,
    create_workshop,
    keep_or_remove,
    machine,
    prepare_load_generator,
    run_against,
    versions,
)

NOTE = ("The load generator (one asyncio process decoding every frame of N+3 clients) and "
        "the server share a noisy 2-core machine that other work was also using: ack "
        "latencies and ping round trips include CPU contention and client-side queueing. "
        "Compare medians over repetitions; absolute figures across runs only loosely.")


CLIENT_LOG, CLIENT_WARNINGS = client_log("poll_burst.client")


# Written to a temp dir put on the server's PYTHONPATH: Python imports `sitecustomize` at
# start-up, so the server logs its own garbage collections (no change to the app).
GC_PROBE = r'''
import gc, os, time
_path = os.environ.get("POLL_BURST_GC_LOG")
if _path:
    _log = open(_path, "a", buffering=1)
    _start = [None]

    def _gc_timer(phase, info):
        if phase == "start":
            _start[0] = time.monotonic()
        elif _start[0] is not None:
            took = time.monotonic() - _start[0]
            if info["generation"] == 2 or took > 0.005:
                _log.write(f"{info['generation']} {_start[0]:.6f} {took:.6f}\n")

    gc.callbacks.append(_gc_timer)
'''


def gc_figures(path, start, end, pings, slow=0.05):
    """The server's collections in [start, end] (generation 2, or any over 5 ms), and how
    many ping round trips over `slow` s had one running while they waited."""
    if path is None:
        return {}
    runs = []
    try:
        for line in Path(path).read_text().splitlines():
            gen, at, took = line.split()
            if start <= float(at) <= end:
                runs.append((int(gen), float(at), float(took)))
    except (OSError, ValueError):
        return {"server_gc": "unreadable"}
    full = [took for gen, _, took in runs if gen == 2]
    slow_pings = [(t, rtt) for t, rtt in pings if rtt > slow]
    overlapping = sum(1 for t, rtt in slow_pings
                      if any(at < t + rtt and at + took > t for _, at, took in runs))
    return {"server_gc": {"full_collections": len(full),
                          "full_max_ms": ms(max(full)) if full else None,
                          "full_total_ms": ms(sum(full)) if full else None,
                          "other_over_5ms": len(runs) - len(full)},
            "pings_over_50ms": len(slow_pings),
            "pings_over_50ms_during_a_server_gc": overlapping}


class Run:
    """What the clients' handlers share: the live poll and the receipt logs."""

    def __init__(self):
        self.activity_id = None
        self.live_seen = 0                  # phones that saw `live` name the poll
        self.mine_done = 0                  # phones that have their own view of the prompt
        self.mine_asked = 0                 # ... of them, by asking `live:mine`
        self.phone_count = 0
        self.all_live = asyncio.Event()
        self.all_mine = asyncio.Event()
        self.results_log = []               # projector: (monotonic, activity_id, results)
        self.control_log = []               # control screen: (monotonic, activity_id, results)
        self.disconnects = 0
        self.mine_errors = 0


def new_client(run: Run):
    return counted_client(run, CLIENT_LOG)


def new_phone(run: Run):
    """A phone that, like static/js/phone.js, asks `live:mine` when a new prompt goes live,
    unless `live` carries its own view (`mine`, the same for every phone)."""
    client = new_client(run)
    client.seen_activity = None

    async def ask_mine(told):
        if not told:  # `live` did not carry this phone's own view: ask for it
            run.mine_asked += 1
            try:
                ack = await client.call("live:mine", {}, timeout=60)
                if not ack.get("ok"):
                    run.mine_errors += 1
            except Exception:  # noqa: BLE001 - counted, the run goes on
                run.mine_errors += 1
        run.mine_done += 1
        if run.mine_done >= run.phone_count:
            run.all_mine.set()

    @client.on("live")
    def on_live(data):
        activity = (data or {}).get("activity") or {}
        if activity.get("id") == run.activity_id and client.seen_activity != run.activity_id:
            client.seen_activity = run.activity_id
            run.live_seen += 1
            if run.live_seen >= run.phone_count:
                run.all_live.set()
            asyncio.ensure_future(ask_mine("mine" in data))

    return client


async def join_phones(run: Run, url: str, code: str, count: int, wave: int,
                      wave_timeout: float):
    """Connect and join `count` phones, `wave` at a time (nothing timed but the total)."""
    async def one(i):
        client = new_phone(run)
        await join_delegate(client, url, {"role": "delegate", "code": code}, i)
        return client

    return await in_waves(one, count, wave, wave_timeout)


PINGERS = 6


async def sample_pings(pingers, stop: asyncio.Event, every=0.05):
    """(send time, round trip) of a no-op event every `every` s until stop, sent by
    the pingers in turn; and this loop's own lag."""
    samples, lags, errors = [], [], 0

    def record(wall, t0, ok, rtt):
        nonlocal errors
        errors += not ok
        samples.append((t0, rtt))

    monitor = asyncio.ensure_future(lag_monitor(stop, every, lags.append))
    await ping_in_turn(pingers, stop, every, record)
    await monitor
    return samples, lags, errors


def plan(n: int, options: int, rep: int, resends: int, changes: int):
    """Each phone's first choice, and which phones resend or change (spread evenly).

    The first choices are uneven (option A about 4 in 7) and a change always moves to
    another fixed option, so the final counts differ from the first ones: a change
    that was acked but not counted shows."""
    first = [(i + rep) % (options + 3) for i in range(n)]
    first = [c if c < options else 0 for c in first]
    extra = resends + changes
    picks = [j * n // extra for j in range(extra)] if extra else []
    order = picks[0::2] + picks[1::2]  # resends and changes interleaved over the burst
    return first, set(order[:resends]), set(order[resends:])


async def one_rep(rep: int, run: Run, fac, pinger, phones, server: Server, args):
    n = len(phones)
    options = [f"Option {chr(65 + k)}" for k in range(args.options)]
    ack = await fac.call("activity:add", {"kind": "poll", "title": f"Poll {rep + 1}",
                                          "options": options, "results": "live",
                                          "timer_seconds": 0}, timeout=30)
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]

    # Go live: every phone gets `live` and asks for its own view unless `live` carried
    # it, as the browser does.
    run.activity_id, run.live_seen, run.mine_done, run.phone_count = activity_id, 0, 0, n
    run.mine_asked = 0
    run.all_live.clear()
    run.all_mine.clear()
    t0 = time.monotonic()
    ack = await fac.call("live:set", {"activity_id": activity_id}, timeout=60)
    assert ack["ok"], ack
    live_ack = time.monotonic() - t0
    go_live = {"live_set_ack_ms": ms(live_ack)}
    for name, event in (("all_phones_live_ms", run.all_live), ("all_phones_mine_ms",
                                                               run.all_mine)):
        try:
            await asyncio.wait_for(event.wait(), 60)
            go_live[name] = ms(time.monotonic() - t0)
        except TimeoutError:
            go_live[name] = None
    go_live["phones_missing_live"] = n - run.live_seen
    go_live["phones_that_asked_live_mine"] = run.mine_asked
    await asyncio.sleep(1.0)  # let the server and the presence beat settle

    # Idle ping baseline.
    idle_stop = asyncio.Event()
    idle_task = asyncio.ensure_future(sample_pings(pinger, idle_stop))
    await asyncio.sleep(1.0)
    idle_stop.set()
    idle_samples, _, _ = await idle_task

    probe = commit_cost(args.tmp)
    first, resend_set, change_set = plan(n, args.options, rep, args.resends, args.changes)
    final_choice = list(first)
    ack_times = []             # (send, ack) monotonic of every ok ack
    errors = {}
    wrong_answer = 0
    extras_sent = {"resend": 0, "change": 0}

    def record(t_send, t_ack, result, expected_choice):
        nonlocal wrong_answer
        if isinstance(result, BaseException):
            name = f"{type(result).__name__}: {str(result)[:60]}"
            errors[name] = errors.get(name, 0) + 1
            return False
        if not result.get("ok"):
            name = f"{result.get('error')}: {result.get('message', '')[:60]}"
            errors[name] = errors.get(name, 0) + 1
            return False
        ack_times.append((t_send, t_ack))
        if result.get("answer") != {"choices": [expected_choice], "other": ""}:
            wrong_answer += 1
        return True

    async def send(phone, item, expected_choice):
        t_send = time.monotonic()
        try:
            result = await phone.call("prompt:answer", item, timeout=60)
        except Exception as error:  # noqa: BLE001 - counted as a failure
            result = error
        return record(t_send, time.monotonic(), result, expected_choice)

    async def answer(i):
        phone = phones[i]
        item = {"client_id": f"r{rep}-p{i}-a", "choices": [first[i]]}
        if not await send(phone, item, first[i]):
            return
        if i in resend_set:  # the same answer again (a retry after a lost ack)
            extras_sent["resend"] += 1
            await send(phone, item, first[i])
        elif i in change_set:  # a changed mind: a new answer replacing the first
            other = args.options - 1 if first[i] != args.options - 1 else 0
            extras_sent["change"] += 1
            if await send(phone, {"client_id": f"r{rep}-p{i}-b", "choices": [other]}, other):
                final_choice[i] = other

    stop = asyncio.Event()
    cpu0 = server.cpu_s()
    sched0 = schedstat(server.proc.pid)
    burst_start = time.monotonic()
    run.results_log.clear()
    run.control_log.clear()
    pings = asyncio.ensure_future(sample_pings(pinger, stop))
    interval = args.burst_seconds / n
    tasks = []
    for i in range(n):
        delay = burst_start + i * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(answer(i)))
    last_sent = time.monotonic()
    _, pending = await asyncio.wait(tasks, timeout=args.rep_timeout)
    for task in pending:
        task.cancel()
    acks_done = time.monotonic()
    sched1 = schedstat(server.proc.pid)
    expected_counts = [final_choice.count(k) for k in range(args.options)]

    def final(log, counts=None):
        """The first receipt of results with total N (and these counts, if given)."""
        for t, aid, results in log:
            if aid == activity_id and results.get("total") == n and (
                    counts is None or results.get("counts") == counts):
                return t, results
        return None, None

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (final(run.results_log, expected_counts)[0] is not None
                and final(run.control_log, expected_counts)[0] is not None):
            break
        await asyncio.sleep(0.05)
    # One more beat: nothing may change once every answer is in.
    await asyncio.sleep(0.6)
    stop.set()
    samples, lags, ping_errors = await pings
    window_end = time.monotonic()
    cpu = server.cpu_s() - cpu0

    t_first_n, _ = final(run.results_log)
    t_final, _ = final(run.results_log, expected_counts)
    t_control, _ = final(run.control_log, expected_counts)
    last_projector = next((r for _, aid, r in reversed(run.results_log) if aid == activity_id),
                          None)
    last_control = next((r for _, aid, r in reversed(run.control_log) if aid == activity_id),
                        None)
    last_ack = max((a for _, a in ack_times), default=None)
    during = [t for t, aid, _ in run.results_log
              if aid == activity_id and t_final is not None and t <= t_final]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    window = (t_final - burst_start) if t_final is not None else None
    answers_sent = n + extras_sent["resend"] + extras_sent["change"]
    sched = sched0 and sched1 and (sched1[0] - sched0[0], sched1[1] - sched0[1])
    by_second = {}
    for t_send, t_ack in ack_times:
        by_second.setdefault(int(t_send - burst_start), []).append(t_ack - t_send)
    return {
        "rep": rep + 1,
        "activity_id": activity_id,
        "go_live": go_live,
        "answers": {"phones": n, "sent": answers_sent, **extras_sent,
                    "acks_ok": len(ack_times), "failed": errors, "unfinished": len(pending),
                    "ack_answer_mismatch": wrong_answer,
                    "send_span_s": round(last_sent - burst_start, 2),
                    "all_acked_s": round(acks_done - burst_start, 2),
                    "ack_latency": summary([a - s for s, a in ack_times]),
                    "ack_p50_ms_by_second_sent": [pct(by_second[k], 50)
                                                  for k in sorted(by_second)]},
        "counted": {
            "expected_counts": expected_counts,
            "projector_final": last_projector and {"counts": last_projector["counts"],
                                                   "total": last_projector["total"]},
            "control_final": last_control and {"counts": last_control["counts"],
                                               "total": last_control["total"]},
            "projector_ok": bool(last_projector and last_projector["total"] == n
                                 and last_projector["counts"] == expected_counts),
            "control_ok": bool(last_control and last_control["total"] == n
                               and last_control["counts"] == expected_counts),
        },
        "projector": {
            "final_after_last_ack_ms": ms(t_final - last_ack) if t_final and last_ack else None,
            "first_total_n_after_last_ack_ms": ms(t_first_n - last_ack)
            if t_first_n and last_ack else None,
            "control_final_after_last_ack_ms": ms(t_control - last_ack)
            if t_control and last_ack else None,
            "results_events_during_burst": len(during),
            "results_events_per_s": round(len(during) / window, 2) if window else None,
            "beats_in_window": int(window / 0.5) if window else None,
            "min_gap_ms": ms(min(gaps)) if gaps else None,
            "control_events_during_burst": sum(
                1 for t, aid, _ in run.control_log
                if aid == activity_id and t_control is not None and t <= t_control),
        },
        "stall": {"ping_idle": summary([r for _, r in idle_samples]),
                  "ping_burst": summary([r for _, r in samples]),
                  "ping_errors": ping_errors,
                  "load_generator_loop_lag_max_ms": ms(max(lags)) if lags else None,
                  **gc_figures(args.gc_log, burst_start, window_end, samples)},
        "server_cpu_s": round(cpu, 2),
        "server_until_all_acked": sched and {
            "wall_s": round(acks_done - burst_start, 2), "on_cpu_s": round(sched[0], 2),
            "waiting_for_cpu_s": round(sched[1], 2),
            "off_cpu_s": round(acks_done - burst_start - sched[0] - sched[1], 2)},
        "commit_probe_before_burst": probe,
    }


async def scenario(server: Server, args, out: dict):
    run = Run()
    clients = []
    try:
        w = await asyncio.to_thread(create_workshop, server.url, "Poll burst day")
        fac = new_client(run)
        fac.on("control", lambda d: run.control_log.append(
            (time.monotonic(), d.get("activity_id"), d.get("results") or {})))
        clients.append(fac)
        snap = await open_client(fac, server.url, {"role": "facilitator", "key": w["key"]})
        screen_key = snap["links"]["screen"].rsplit("/", 1)[1]
        projector = new_client(run)
        projector.on("results", lambda d: run.results_log.append(
            (time.monotonic(), d.get("activity_id"), d.get("results") or {})))
        clients.append(projector)
        await open_client(projector, server.url, {"role": "screen", "key": screen_key})
        # Phones that never join: their events touch no table. Several, taking turns,
        # so that 20 pings a second stay within each sender's quota (5 a second).
        pinger = []
        for _ in range(PINGERS):
            client = new_client(run)
            clients.append(client)
            await open_client(client, server.url, {"role": "delegate", "code": w["code"]})
            pinger.append(client)

        phones = await join_measured(server, join_phones(
            run, server.url, w["code"], args.phones, args.wave, args.wave_timeout), clients, out)
        out["reps_detail"] = []
        for rep in range(args.reps):
            out["reps_detail"].append(await one_rep(rep, run, fac, pinger, phones, server,
                                                    args))
            await asyncio.sleep(0.5)
        out["client_disconnects_during_run"] = run.disconnects
        out["live_mine_errors"] = run.mine_errors
    finally:
        out["client_log_warnings"] = dict(CLIENT_WARNINGS.counts)
        CLIENT_WARNINGS.counts.clear()
        await disconnect_all(clients)
        # Closing 2,000 sockets at once logs engine.io notices; kept apart from the run's.
        out["client_log_warnings_at_teardown"] = dict(CLIENT_WARNINGS.counts)


def medians(reps: list) -> dict:
    def col(path):
        return column(reps, path)

    figures = {
        "ack_p50_ms": ("answers", "ack_latency", "p50_ms"),
        "ack_p99_ms": ("answers", "ack_latency", "p99_ms"),
        "ack_max_ms": ("answers", "ack_latency", "max_ms"),
        "all_acked_s": ("answers", "all_acked_s"),
        "final_results_after_last_ack_ms": ("projector", "final_after_last_ack_ms"),
        "control_final_after_last_ack_ms": ("projector", "control_final_after_last_ack_ms"),
        "results_events_during_burst": ("projector", "results_events_during_burst"),
        "results_events_per_s": ("projector", "results_events_per_s"),
        "results_min_gap_ms": ("projector", "min_gap_ms"),
        "ping_idle_p50_ms": ("stall", "ping_idle", "p50_ms"),
        "ping_burst_p50_ms": ("stall", "ping_burst", "p50_ms"),
        "ping_burst_p99_ms": ("stall", "ping_burst", "p99_ms"),
        "ping_burst_max_ms": ("stall", "ping_burst", "max_ms"),
        "server_full_gc_max_ms": ("stall", "server_gc", "full_max_ms"),
        "server_full_gcs": ("stall", "server_gc", "full_collections"),
        "load_generator_loop_lag_max_ms": ("stall", "load_generator_loop_lag_max_ms"),
        "server_cpu_s": ("server_cpu_s",),
        "server_on_cpu_s": ("server_until_all_acked", "on_cpu_s"),
        "server_waiting_for_cpu_s": ("server_until_all_acked", "waiting_for_cpu_s"),
        "server_off_cpu_s": ("server_until_all_acked", "off_cpu_s"),
        "commit_probe_mean_ms": ("commit_probe_before_burst", "mean_ms"),
        "live_set_ack_ms": ("go_live", "live_set_ack_ms"),
        "all_phones_live_ms": ("go_live", "all_phones_live_ms"),
        "all_phones_mine_ms": ("go_live", "all_phones_mine_ms"),
    }
    out = {name: median(col(path)) for name, path in figures.items()}
    out["per_rep"] = {name: col(figures[name]) for name in (
        "ack_p50_ms", "ack_p99_ms", "final_results_after_last_ack_ms",
        "results_events_during_burst", "ping_burst_max_ms")}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--burst-seconds", type=float, default=5.0,
                        help="the N first answers are paced evenly over this long")
    parser.add_argument("--options", type=int, default=4)
    parser.add_argument("--resends", type=int, default=100,
                        help="phones that resend their answer under the same client_id")
    parser.add_argument("--changes", type=int, default=100,
                        help="phones that change their answer once acknowledged")
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--wave-timeout", type=float, default=120.0)
    parser.add_argument("--rep-timeout", type=float, default=120.0,
                        help="longest wait for every answer's ack in one repetition")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="give up (and kill the server) after this many seconds")
    parser.add_argument("--no-gc-log", action="store_true",
                        help="do not have the server log its garbage collections")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the temp dir with the server log and database")
    args = parser.parse_args()
    if not (1 <= args.phones <= 5000 and 1 <= args.reps <= 20 and 1 <= args.wave
            and 2 <= args.options <= 20 and 0.1 <= args.burst_seconds <= 120
            and 0 <= args.resends + args.changes <= args.phones):
        parser.error("phones 1..5000, reps 1..20, options 2..20, burst 0.1..120 s, "
                     "resends + changes <= phones")

    nofile = prepare_load_generator()

    tmp = Path(tempfile.mkdtemp(prefix="bench-poll-burst-"))
    args.tmp = tmp
    args.gc_log = None
    if not args.no_gc_log:
        add_sitecustomize(tmp / "gc-probe", GC_PROBE)
        args.gc_log = tmp / "gc.log"
        os.environ["POLL_BURST_GC_LOG"] = str(args.gc_log)
    server = app_server(tmp, args.mode)
    out = {"benchmark": "poll_burst", "mode": args.mode, "phones": args.phones,
           "reps": args.reps, "burst_seconds": args.burst_seconds, "options": args.options,
           "resends": args.resends, "changes": args.changes, "wave": args.wave,
           "machine": machine(nofile),
           "versions": versions(),
           "note": NOTE}
    started = time.monotonic()

    run_against(server, scenario, args, out)
    keep_or_remove(tmp, args, out)

    reps = out.get("reps_detail", [])
    if reps:
        out["median"] = medians(reps)
        out["checks"] = {
            "every_answer_acked_ok": all(
                r["answers"]["acks_ok"] == r["answers"]["sent"] for r in reps),
            "acks_carry_the_stored_answer": all(
                r["answers"]["ack_answer_mismatch"] == 0 for r in reps),
            "each_phone_counted_once_with_its_last_choice": all(
                r["counted"]["projector_ok"] and r["counted"]["control_ok"] for r in reps),
            # Receipt gaps can be shorter than a beat (a frame delayed in delivery), so
            # the check counts: no more events than beats in the window, plus one.
            "coalesced_at_most_one_results_per_beat": all(
                r["projector"]["beats_in_window"] is not None
                and r["projector"]["results_events_during_burst"]
                <= r["projector"]["beats_in_window"] + 1 for r in reps),
        }
    return finish(out, started, nulls=False)


if __name__ == "__main__":
    sys.exit(main())
