"""Server loop stalls during heavy single operations, with N joined phones connected.

    python bench/loop_lag.py [--mode eventlet|gevent] [--phones 500] [--reps 5]
                             [--burst-seconds 1] [--group-size 2] [--ping-every 0.025]
                             [--settle 1] [--stall-stacks] [--keep-logs]

With a control screen, a projector, unjoined "pingers" and N joined phones connected, it
runs each operation `--reps` times, one at a time after `--settle` s of quiet: a Connect
round (`connect:start` until every phone has its card) and everyone's `connect:found`, a
poll going live and N answers, 20 questions and N votes (bursts paced over
`--burst-seconds`), then the report, the ZIP export and every CSV over HTTP. In each
operation's window (first request to last reply, plus `TAIL` s) it reports the server's
own loop stalls (/healthz `loop.recent`), a pinger's no-op round trips, this process's
loop lag and the server's time on and waiting for a CPU (schedstat); `--stall-stacks`
samples the server's stack every 2 ms (a `sitecustomize`; the app is not changed) and
says where the loop was during the stalls. Target: every stall under 50 ms.
"""
import asyncio
import bisect
import math
import sys
import time
from functools import partial

import aiohttp
from common import (Count, Crowd, add_activity, add_probe, app_server, begin, clients_of,
                    client_log, close_all, finish, go_live, join_measured, keep_or_remove, median,
                    ms, open_workshop, paced, parse, parser, ping_in_turn, poll, qa, read_probe,
                    run_against, schedstat, summary, tally, timed_call)

NOTE = ("The load generator (one asyncio process decoding every frame of N phones and a few "
        "screens) and the server share a noisy 2-core machine that other work was also using: "
        "latencies and ping round trips include CPU contention and client-side queueing. The "
        "server's own loop monitor is the primary stall figure; it only records stalls of 20 "
        "ms or more (0 means none that long). Compare medians over repetitions.")
METHOD = ("Operations run one at a time after a quiet spell; each one's window "
          "runs from its first request to its last reply plus {TAIL} s (one "
          "heartbeat, for the coalesced broadcasts it causes). Stalls: /healthz "
          "loop.recent entries (server wall clock; a stall stamped t covered "
          "t - late - 20 ms .. t) overlapping the window. Ping: round trips of "
          "the unjoined pingers' prompt:answer sent inside the window. Order: "
          "Connect rounds (each followed by connect_found), poll go-live and "
          "answers, Q&A votes, then exports.")
TARGET_MS = 50.0
TAIL = 0.6            # seconds after an operation's last reply still counted in its window
MONITOR_PERIOD = 0.02  # the server's loop monitor sleeps this long (facilitator/realtime.py)
QUESTIONS = 20
STACK_EVERY = 0.002    # seconds between two stack samples with --stall-stacks
PINGS_PER_PINGER = 3.0  # per second: well under a phone's quota of 5 events a second
ROLES = ("Nurse", "Manager", "Doctor", "Analyst")
CLIENT_LOG, CLIENT_WARNINGS = client_log("loop_lag.client")


def short(frame: str, line=True) -> str:
    path, _, rest = frame.partition(":")
    name = path.split("/work/main/", 1)[-1].split("/facilitator/", 1)[-1]
    return f"{name}:{rest if line else rest.rsplit(':', 1)[0]}"


def stall_stacks(reps: list, samples: list, collections: list, every: float, top=10) -> dict:
    """Where the loop was during one operation's stalls: the samples inside each stall,
    grouped by the app's outermost function (what ran) and by the innermost frames
    (where); and the garbage collections in the operation's windows."""
    outer, inner, total, covered, gc_in_stalls = {}, {}, 0, 0.0, 0.0
    times = [ts for ts, _ in samples]
    for record in reps:
        for t, late in record.get("stall_intervals", []):
            start = t - late / 1000 - MONITOR_PERIOD
            for k in range(bisect.bisect_left(times, start), bisect.bisect_right(times, t)):
                ts, stack = samples[k]
                # A sample stands for the time since the one before (the sampler waits
                # for the interpreter lock while the loop runs Python code).
                weight = min(min(ts - times[k - 1], 0.1) if k else every, ts - start)
                total, covered = total + 1, covered + weight
                names = stack.split(";")
                # The app's frames (facilitator/), outermost first, without the event
                # wrapper every handler runs in.
                frames = [f for f in names if ("/facilitator/" in f or f.startswith(
                    "facilitator/")) and not (":wrapper:" in f and "/realtime.py" in f)]
                if "sitecustomize.py:_gc_timer" in names[-1]:
                    key_outer = key_inner = "(garbage collection)"
                else:
                    key_outer = short(frames[0], line=False) if frames else \
                        "(outside the app) " + short(names[min(3, len(names) - 1)], line=False)
                    key_inner = (short(frames[-1]) + " -> " if frames else "") + short(names[-1])
                outer[key_outer] = outer.get(key_outer, 0) + weight
                inner[key_inner] = inner.get(key_inner, 0) + weight
            gc_in_stalls += sum(min(t, s + took) - max(start, s) for s, _, took, _ in collections
                                if s < t and s + took > start)
    in_windows = [(took, gen) for s, _, took, gen in collections
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


class Bench:
    """One run: the server, its clients and every operation's measurements."""

    def __init__(self, server, args, http: aiohttp.ClientSession, crowd: Crowd, fac):
        self.server, self.args, self.http, self.crowd, self.fac = server, args, http, crowd, fac
        self.ops, self.pings, self.ping_errors, self.lags = {}, [], [], []

    def ping(self, wall, t0, ok, rtt):
        """Note one ping of the cross-check: (wall time sent, round trip) or its failure."""
        if ok:
            self.pings.append((wall, rtt))
        else:
            self.ping_errors.append(wall)

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
        lags = [lag for t, lag in self.lags if w0 <= t <= w1]
        return {"longest_stall_ms": max(stalls, default=0.0), "stalls": len(stalls),
                "stalled_ms_total": round(sum(stalls), 1),
                "stalls_ms": sorted(stalls, reverse=True)[:12],
                **({"stall_log_truncated": True} if truncated else {}),
                **({"server_collections_ms": collections} if collections else {}),
                "ping": summary([rtt for t, rtt in self.pings if w0 <= t <= w1]),
                "ping_errors": sum(1 for t in self.ping_errors if w0 <= t <= w1),
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
            record.update(server_window_s=round(w1 + TAIL - w0, 2),
                          server_on_cpu_s=round(sched1[0] - sched0[0], 3),
                          server_waiting_for_cpu_s=round(sched1[1] - sched0[1], 3))
        entry = self.ops.setdefault(name, {"group": group, "reps": []})
        record["rep"] = len(entry["reps"]) + 1
        entry["reps"].append(record)
        return record

    # ------------------------------------------------------------ operations

    async def set_live(self, activity_id: int) -> dict:
        """live:set, then wait for every phone's own view."""
        r = await go_live(self.fac, self.crowd, activity_id, self.args.op_timeout)
        return {"latency_ms": r["end_ms"], "ack_ms": r["ack_ms"], "mine_acked": r["viewed"],
                "mine_asked": r["asked"], "mine_errors": r["errors"], "phones": r["phones"]}

    async def connect_round(self, activity_id: int, number: int) -> dict:
        """connect:start, then wait for every phone's card (`mine`) and the control
        screen's progress for the new round (in its `live`)."""
        cards, progress, counted = Count(len(self.crowd.phones)), Count(1), set()

        def on_mine(phone, data):
            if (phone.group or {}).get("round") == number and phone not in counted:
                counted.add(phone)
                cards.add()

        def on_live(client, data):
            if ((client.activity or {}).get("progress") or {}).get("round") == number \
                    and not progress.n:
                progress.add()

        self.crowd.on("mine", on_mine)
        self.fac.on("live", on_live)
        try:
            t0 = time.monotonic()
            ack = await self.fac.call("connect:start", {"activity_id": activity_id}, timeout=60)
            t_ack = time.monotonic()
            if not ack.get("ok") or ack.get("round") != number:
                raise RuntimeError(f"connect:start: {ack}")
            marks = {label: ms(count.at - t0) if await count.wait(self.args.op_timeout) else None
                     for label, count in (("all_cards_ms", cards),
                                          ("control_progress_ms", progress))}
        finally:
            self.crowd.off("mine", on_mine)
            self.fac.off("live", on_live)
        done = [v for v in (ms(t_ack - t0), *marks.values()) if v is not None]
        return {"latency_ms": max(done), "ack_ms": ms(t_ack - t0), **marks,
                "round": number, "cards": cards.n, "phones": len(self.crowd.phones)}

    async def burst(self, event: str, sends) -> dict:
        """Send `event` with each (phone, payload), paced evenly over --burst-seconds."""
        timeout = self.args.op_timeout
        t0, last_sent, replies = await paced(
            [partial(timed_call, phone, event, payload, timeout) for phone, payload in sends],
            self.args.burst_seconds, timeout)
        latencies, errors, last_ack = tally(replies)
        return {"latency_ms": ms(last_ack - t0) if last_ack else None, "sent": len(sends),
                "acks_ok": len(sends) - sum(errors.values()), "failed": errors,
                "send_span_ms": ms(last_sent - t0), "ack_latency": summary(latencies)}

    async def fetch(self, path: str) -> dict:
        t0 = time.monotonic()
        async with self.http.get(self.server.url + path) as response:
            t_head = time.monotonic()
            body = await response.read()
        return {"latency_ms": ms(time.monotonic() - t0), "headers_ms": ms(t_head - t0),
                "status": response.status, "bytes": len(body)}


async def scenario(server, args, out: dict):
    stop, pinging, crowd, screens = asyncio.Event(), None, None, {}
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
    try:
        w, screens = await open_workshop(server.url, "Loop lag day", ["screen"], pingers=math.ceil(
            1 / (args.ping_every * PINGS_PER_PINGER)), logger=CLIENT_LOG)
        fac = screens["facilitator"]
        crowd = Crowd(server.url, w["code"], logger=CLIENT_LOG)
        phones = await join_measured(server, crowd, args, out, enter=lambda phone: phone.join(
            role=ROLES[phone.index % 4]))
        n, out["pingers"] = len(phones), len(screens["pingers"])
        bench = Bench(server, args, http, crowd, fac)
        pinging = asyncio.ensure_future(ping_in_turn(
            screens["pingers"], stop, args.ping_every, bench.ping, lag_period=MONITOR_PERIOD,
            lag=lambda lag: bench.lags.append((time.time(), lag))))

        # Idle baseline: the same window figures with nothing going on.
        await asyncio.sleep(args.settle)
        w0 = time.time()
        await asyncio.sleep(2.0)
        out["idle_2s"] = await bench.window(w0, time.time())
        out["idle_2s"].pop("stall_intervals")

        # (a) Connect rounds.
        connect_id = await add_activity(
            fac, kind="connect", title="Meet someone new", group_size=args.group_size,
            round_count=args.reps, minutes=10)
        setup = await bench.set_live(connect_id)
        if setup["mine_acked"] < n:
            raise RuntimeError(f"making Connect live: {setup}")
        for rep in range(args.reps):
            await bench.measure("connect_round", lambda r=rep: bench.connect_round(
                connect_id, r + 1), "a: Connect round")
            # Everyone finds their group, so later rounds avoid these meetings and the
            # meetings export has rows; the second of a pair gets `already_found`.
            await bench.measure("connect_found", lambda: bench.burst(
                "connect:found", [(phone, phone.card_ref()) for phone in phones]),
                "c: burst of writes")

        # (c) Bursts of writes: a poll per repetition, then Q&A votes.
        poll_id = None
        for rep in range(args.reps):
            poll_id = await add_activity(fac, **poll(f"Poll {rep + 1}"))
            await bench.measure("poll_go_live", lambda a=poll_id: bench.set_live(a),
                                "c: burst of writes")
            sends = [(phone, phone.answer_payload({"choices": [(i + rep) % 4]}, f"p{rep}-{i}"))
                     for i, phone in enumerate(phones)]
            await bench.measure("poll_answers", lambda s=sends: bench.burst(
                "prompt:answer", s), "c: burst of writes")

        qa_id = await add_activity(fac, **qa("Questions for the panel"))
        setup = await bench.set_live(qa_id)
        if setup["mine_acked"] < n:
            raise RuntimeError(f"making the Q&A live: {setup}")
        questions = min(QUESTIONS, n)
        for rep in range(args.reps):
            askers = [(rep * questions + m) % n for m in range(questions)]
            asks = await asyncio.gather(*[phones[a].ask(
                f"Question {m + 1} of round {rep + 1}: what changes next year?",
                anonymous=False, client_id=f"q{rep}-{m}") for m, a in enumerate(askers)])
            if not all(a.get("ok") for a in asks):
                raise RuntimeError(f"asking failed: {[a for a in asks if not a.get('ok')][:3]}")
            ids, own = [a["question"]["id"] for a in asks], {a: m for m, a in enumerate(askers)}
            sends = []
            for i, phone in enumerate(phones):
                m = i % questions
                m = (m + 1) % questions if own.get(i) == m else m
                if own.get(i) != m:  # (not a single question, asked by this phone)
                    sends.append((phone, {"question_id": ids[m], "up": True}))
            await bench.measure("qa_votes", lambda s=sends: bench.burst("qa:vote", s),
                                "c: burst of writes")

        # (b) Exports, fetched while the phones stay connected.
        key, csv = w["key"], f"/control/{w['key']}/activities"
        paths = {"report": f"/control/{key}/report", "export_zip": f"/control/{key}/export",
                 "connect_groups_csv": f"{csv}/{connect_id}/groups.csv",
                 "connect_meetings_csv": f"{csv}/{connect_id}/meetings.csv",
                 "poll_answers_csv": f"{csv}/{poll_id}/answers.csv",
                 "qa_questions_csv": f"{csv}/{qa_id}/questions.csv"}
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
        out["client_disconnects_during_run"] = crowd.disconnects
        out["server_loop_longest_since_start_ms"] = (await bench.health())["loop"]["longest_ms"]
    finally:
        stop.set()
        if pinging is not None:
            pinging.cancel()
        out["client_log_warnings"] = CLIENT_WARNINGS.take()
        await close_all(clients_of(screens, crowd))
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
        "longest_stall_ms_per_rep": stalls, "stalls_per_rep": col("stalls"),
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


def checks(ops: dict, phones) -> dict:
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
    p = parser(__doc__, phones=500, reps=5, options=[
        ("--burst-seconds", 1.0, "the write bursts' N sends are paced evenly over this long"),
        ("--group-size", 2, "Connect group size"),
        ("--ping-every", 0.025, "seconds between two no-op events of the pingers"),
        ("--settle", 1.0, "quiet seconds before each operation"),
        ("--op-timeout", 60.0, "longest wait for one operation's replies"),
        ("--stall-stacks", False, "sample the server's stack every 2 ms and report where its "
                                  "loop was during each operation's stalls (a profiling run)")])
    args = parse(p, phones=(1, 5000), reps=(1, 20), wave=(1, 5000), group_size=(2, 6),
                 burst_seconds=(0.1, 60), ping_every=(0.005, 1), settle=(0, 30))
    tmp, out = begin("loop_lag", args, NOTE, burst_seconds=args.burst_seconds,
                     group_size=args.group_size, ping_every_s=args.ping_every,
                     target={"longest_stall_ms_below": TARGET_MS})
    out["method"] = METHOD.format(TAIL=TAIL)
    probe_log = add_probe(tmp, stacks_every=STACK_EVERY) if args.stall_stacks else None
    run_against(app_server(tmp, args.mode), scenario, args, out)
    ops = out.pop("operations", {})
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
    if ops:
        out["summary"] = {name: figures(entry) for name, entry in ops.items()}
        missed = [name for name, f in out["summary"].items() if not f["meets_target"]]
        out["target"].update({"met": not missed, "missed_by": missed,
                              "worst_stall_ms": max((f["longest_stall_ms_max"] or 0
                                                     for f in out["summary"].values()),
                                                    default=None)})
        out["checks"] = checks(ops, out.get("join", {}).get("phones"))
        out["operations"] = {name: entry["reps"] for name, entry in ops.items()}
    return finish(out, args.started)


if __name__ == "__main__":
    sys.exit(main())
