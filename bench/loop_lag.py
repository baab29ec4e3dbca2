"""Server loop stalls during heavy single operations, with N joined phones connected.

    python bench/loop_lag.py [--mode eventlet|gevent] [--phones 500] [--reps 5]
                             [--burst-seconds 1] [--group-size 2] [--ping-every 0.025]
                             [--settle 1] [--stall-stacks] [--keep-logs]

What it runs and measures: bench/README.md. Target: every stall under 50 ms.
"""
import asyncio
import bisect
import math
import sys
import time
from collections import Counter
from functools import partial

import aiohttp
from burst import ask_each, plan_votes
from common import (MONITOR_PERIOD, ROOT, ClientLog, Crowd, Watch, add_activity, add_probe,
                    app_server, begin, clients_of, close_all, column, figure_table, finish,
                    go_live, join_measured, keep_or_remove, loop_stalls, ms, open_workshop,
                    paced_calls, parse, parser, per_rep, ping_in_turn, poll, qa, read_probe,
                    run_against, schedstat, summary)

NOTE = ("The server's own loop monitor is the primary stall figure; it records stalls of "
        "20 ms or more only (0: none that long).")
TARGET_MS = 50.0
TAIL = 0.6  # s after an operation's last reply still in its window: a beat of broadcasts
QUESTIONS = 20
STACK_EVERY = 0.002    # seconds between two stack samples with --stall-stacks
PINGS_PER_PINGER = 3.0  # per second: well under a phone's quota of 5 events a second
ROLES = ("Nurse", "Manager", "Doctor", "Analyst")
CLIENT_WARNINGS = ClientLog("loop_lag.client")


def short(frame: str, line=True) -> str:
    path, _, rest = frame.partition(":")
    name = path.split(f"{ROOT}/", 1)[-1].split("/facilitator/", 1)[-1]
    return f"{name}:{rest if line else rest.rsplit(':', 1)[0]}"


def stall_stacks(reps: list, samples: list, collections: list, every: float, top=10) -> dict:
    """Where the loop was during one operation's stalls: the samples inside each stall,
    grouped by the app's outermost function (what ran) and by the innermost frames
    (where), in ms summed over repetitions; the collections overlapping the stalls and all
    those started in the operation's windows."""
    outer, inner, total, covered, gc_in_stalls = Counter(), Counter(), 0, 0.0, 0.0
    times = [ts for ts, _ in samples]
    for record in reps:
        for t, late in record.get("intervals", []):
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
                outer[key_outer] += weight
                inner[key_inner] += weight
            gc_in_stalls += sum(min(t, s + took) - max(start, s) for s, _, took, _ in collections
                                if s < t and s + took > start)
    in_windows = [(took, gen) for s, _, took, gen in collections
                  if any(w0 <= s <= w1 for w0, w1 in (r.get("window", (0, 0)) for r in reps))]
    full = [took for took, gen in in_windows if gen == 2]
    return {"samples_in_stalls": total, "sampled_ms": round(covered * 1000, 1),
            "gc_ms_in_stalls": round(gc_in_stalls * 1000, 1),
            "gc_in_windows": {"collections": len(in_windows),
                              "total_ms": round(sum(t for t, _ in in_windows) * 1000, 1),
                              "full": len(full),
                              "full_max_ms": round(max(full) * 1000, 1) if full else None},
            **{name: [[round(w * 1000, 1), key] for key, w in weights.most_common(top)]
               for name, weights in (("by_app_function_ms", outer), ("by_innermost_ms", inner))}}


class Bench:
    """One run: the server, its clients and every operation's measurements."""

    def __init__(self, server, args, http: aiohttp.ClientSession, crowd: Crowd, fac):
        self.server, self.args, self.http, self.crowd, self.fac = server, args, http, crowd, fac
        self.ops, self.pings, self.lags = {}, [], []  # pings: (wall time sent, rtt, ok)

    async def window(self, w0: float, w1: float) -> dict:
        """Server stalls, pings and this process's lag in [w0, w1] (wall clock)."""
        lags = [lag for t, lag in self.lags if w0 <= t <= w1]
        return {**await asyncio.to_thread(loop_stalls, self.server.url, w0, w1, True),
                "ping": summary([rtt for t, rtt, ok in self.pings if ok and w0 <= t <= w1]),
                "ping_errors": sum(1 for t, _, ok in self.pings if not ok and w0 <= t <= w1),
                "load_generator_lag_max_ms": ms(max(lags)) if lags else None}

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

    async def set_live(self, activity_id: int, everyone=False) -> dict:
        """live:set, then wait for every phone's own view (`everyone`: or fail)."""
        r = await go_live(self.fac, self.crowd, activity_id, self.args.op_timeout)
        if everyone and r["viewed"] < r["phones"]:
            raise RuntimeError(f"making {activity_id} live: {r}")
        return {"latency_ms": r["end_ms"], **r}

    async def connect_round(self, activity_id: int, number: int) -> dict:
        """connect:start, then wait for every phone's card (`mine`) and the control
        screen's progress for the new round (in its `live`)."""
        cards = Watch(self.crowd.phones, activity_id, ("mine",),
                      at=lambda phone: (phone.group or {}).get("round") == number)
        progress = Watch([self.fac], activity_id, ("live",), at=lambda fac: (
            (fac.activity or {}).get("progress") or {}).get("round") == number)
        try:
            t0 = time.monotonic()
            ack = await self.fac.call("connect:start", {"activity_id": activity_id}, timeout=60)
            t_ack = time.monotonic()
            if not ack.get("ok") or ack.get("round") != number:
                raise RuntimeError(f"connect:start: {ack}")
            marks = {label: ms(w.reached["at"].at - t0)
                     if await w.reached["at"].wait(self.args.op_timeout) else None
                     for label, w in (("all_cards_ms", cards), ("control_progress_ms", progress))}
        finally:
            cards.listen("off")
            progress.listen("off")
        done = [v for v in (ms(t_ack - t0), *marks.values()) if v is not None]
        return {"latency_ms": max(done), "ack_ms": ms(t_ack - t0), **marks, "round": number,
                "cards": cards.reached["at"].n, "phones": len(self.crowd.phones)}

    async def burst(self, calls: list) -> dict:
        """Make each call (e.g. `phone.found`), paced evenly over --burst-seconds."""
        t0, last_sent, latencies, errors, last_ack = await paced_calls(
            calls, self.args.burst_seconds, self.args.op_timeout)
        return {"latency_ms": ms(last_ack - t0) if last_ack else None, "sent": len(calls),
                "acks_ok": len(calls) - sum(errors.values()), "failed": errors,
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
            1 / (args.ping_every * PINGS_PER_PINGER)), logger=CLIENT_WARNINGS.logger)
        fac = screens["facilitator"]
        crowd = Crowd(server.url, w["code"], logger=CLIENT_WARNINGS.logger)
        phones = await join_measured(server, crowd, args, out, enter=lambda phone: phone.join(
            role=ROLES[phone.index % 4]))
        n, out["pingers"] = len(phones), len(screens["pingers"])
        bench = Bench(server, args, http, crowd, fac)
        pinging = asyncio.ensure_future(ping_in_turn(
            screens["pingers"], stop, args.ping_every,
            lambda wall, t0, ok, rtt: bench.pings.append((wall, rtt, ok)),
            lag_period=MONITOR_PERIOD, lag=lambda lag: bench.lags.append((time.time(), lag))))

        # Idle baseline: the same window figures with nothing going on.
        await asyncio.sleep(args.settle)
        w0 = time.time()
        await asyncio.sleep(2.0)
        out["idle_2s"] = await bench.window(w0, time.time())
        out["idle_2s"].pop("intervals")

        # (a) Connect rounds.
        connect_id = await add_activity(
            fac, kind="connect", title="Meet someone new", group_size=args.group_size,
            round_count=args.reps, minutes=10)
        await bench.set_live(connect_id, everyone=True)
        for rep in range(args.reps):
            await bench.measure("connect_round", lambda r=rep: bench.connect_round(
                connect_id, r + 1), "a: Connect round")
            # Everyone finds their group, so later rounds avoid these meetings and the
            # meetings export has rows; the second of a pair gets `already_found`.
            await bench.measure("connect_found", lambda: bench.burst(
                [phone.found for phone in phones]), "c: burst of writes")

        # (c) Bursts of writes: a poll per repetition, then Q&A votes.
        poll_id = None
        for rep in range(args.reps):
            poll_id = await add_activity(fac, **poll(f"Poll {rep + 1}"))
            await bench.measure("poll_go_live", lambda a=poll_id: bench.set_live(a),
                                "c: burst of writes")
            answers = [partial(phone.answer, {"choices": [(i + rep) % 4]}, f"p{rep}-{i}",
                               args.op_timeout) for i, phone in enumerate(phones)]
            await bench.measure("poll_answers", lambda c=answers: bench.burst(c),
                                "c: burst of writes")

        qa_id = await add_activity(fac, **qa("Questions for the panel"))
        await bench.set_live(qa_id, everyone=True)
        questions = min(QUESTIONS, n)
        for rep in range(args.reps):  # 20 questions (not timed), then a vote from each phone
            askers = [(rep * questions + m) % n for m in range(questions)]
            ids = await ask_each(phones, askers, rep, anonymous=False)
            votes = [partial(phones[i].vote, ids[m], timeout=args.op_timeout)
                     for i, m in plan_votes(n, askers, 1)]
            await bench.measure("qa_votes", lambda c=votes: bench.burst(c), "c: burst of writes")

        # (b) Exports, fetched while the phones stay connected.
        key, csv = w["key"], f"/control/{w['key']}/activities"
        paths = {"report": f"/control/{key}/report", "export_zip": f"/control/{key}/export",
                 "connect_groups_csv": f"{csv}/{connect_id}/groups.csv",
                 "connect_meetings_csv": f"{csv}/{connect_id}/meetings.csv",
                 "poll_answers_csv": f"{csv}/{poll_id}/answers.csv",
                 "qa_questions_csv": f"{csv}/{qa_id}/questions.csv"}
        out["exports_absent"] = []
        for name, path in paths.items():
            if (await bench.fetch(path))["status"] == 404:  # present? (and a warm-up)
                out["exports_absent"].append(name)
                continue
            for rep in range(args.reps):
                await bench.measure(name, lambda p=path: bench.fetch(p), "b: export")

        stop.set()
        await pinging
        pinging = None
        out["operations"] = bench.ops
        out["client_disconnects_during_run"] = crowd.disconnects
        async with http.get(server.url + "/healthz") as response:
            loop = (await response.json())["loop"]
        out["server_loop_longest_since_start_ms"] = loop["longest_ms"]
    finally:
        stop.set()
        if pinging is not None:
            pinging.cancel()
        out["client_log_warnings"] = CLIENT_WARNINGS.take()
        await close_all(clients_of(screens, crowd))
        await http.close()


OP_FIGURES = figure_table("""
latency_ms                 latency_ms
longest_stall_ms           longest_stall_ms
stalls                     stalls
ping_max_ms                ping.max_ms
ping_p50_ms                ping.p50_ms
load_generator_lag_max_ms  load_generator_lag_max_ms
server_on_cpu_s            server_on_cpu_s             3
server_waiting_for_cpu_s   server_waiting_for_cpu_s    3
""")


def figures(entry: dict) -> dict:
    """Medians over repetitions, some per repetition, and the worst repetition's stall. A
    stall much longer than the server's own time on a CPU in its window, with as long
    waiting for one, was other work on the machine rather than this operation."""
    stalls = column(entry["reps"], "longest_stall_ms")
    return {"group": entry["group"], **per_rep(entry["reps"], OP_FIGURES, (
                "longest_stall_ms", "stalls", "ping_max_ms", "server_waiting_for_cpu_s")),
            "longest_stall_ms_max": max((s for s in stalls if s is not None), default=None),
            "meets_target": all(s is not None and s < TARGET_MS for s in stalls)}


def checks(ops: dict, phones) -> dict:
    def every(name, test):
        return bool(ops.get(name)) and all(test(r) for r in ops[name]["reps"])

    return {
        "every_operation_ran": not any("error" in r for e in ops.values() for r in e["reps"]),
        "every_phone_got_its_connect_card": every(
            "connect_round", lambda r: r.get("cards") == phones),
        "every_phone_got_its_mine_on_go_live": every(
            "poll_go_live", lambda r: r.get("viewed") == phones and not r["errors"]),
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
    probe_log = add_probe(tmp, stacks_every=STACK_EVERY) if args.stall_stacks else None
    run_against(app_server(tmp, args.mode), scenario, args, out)
    ops = out.pop("operations", {})
    if probe_log is not None:
        samples, collections = read_probe(probe_log)
        out["stall_stacks"] = {
            "samples": len(samples),
            **{name: stall_stacks(entry["reps"], samples, collections, STACK_EVERY)
               for name, entry in ops.items()}}
    for entry in ops.values():
        for record in entry["reps"]:
            record.pop("intervals", None)
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
