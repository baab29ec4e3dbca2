"""Q&A vote burst benchmark: N phones vote within ~2 s; totals reach every screen coalesced.

    python bench/qa_votes.py [--mode eventlet|gevent] [--phones 500] [--votes-per-phone 3]
                             [--reps 5] [--burst-seconds 2] [--questions 20] [--tmp-dir D]

This process is the single load generator (asyncio + python-socketio AsyncClients over
WebSocket). It starts the real app as a subprocess on 127.0.0.1 only
(`python run.py --host 127.0.0.1 --port P --database TMP --async-mode M`), then connects
a control screen, a panel screen, a projector and N phones (joined in waves of 50), and
makes a Q&A session live (auto_publish, min_interval 0, max_questions 100).

Each repetition: `--questions` phones ask one new question each (20 by default; askers
rotate, so every repetition votes on fresh questions), then every phone up-votes
`--votes-per-phone` of the new questions (never its own), the N x k votes paced evenly
over `--burst-seconds`. Measured per repetition:

  * every vote's ack (ok, once: a second ack for the same id would show as the client
    library's "Unknown callback received" warning, which is counted), ack latency;
  * the totals a moderator's `qa:open` returns afterwards against the number of
    distinct (phone, question) up-votes sent;
  * the time from the last vote's ack to the panel's, the projector's and each phone's
    receipt of a `qa:votes` whose totals equal those final totals (negative when the
    heartbeat's broadcast overtakes the last ack);
  * how many `qa:votes` events each screen received during the burst (they are
    coalesced: one per heartbeat of 0.5 s, not one per vote).

It prints one JSON object with the medians over repetitions. Every wait is bounded;
the server is killed at the end.
"""
import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    column,
    disconnect,
    in_waves,
    join_delegate,
    median,
    ms,
    pct,
    print_report,
)
from join_broadcast import (
    Server,
    app_server,
    client_log,
    commit_cost,
    create_workshop,
    machine,
    prepare_load_generator,
    run_against,
    versions,
)

NOTE = ("The load generator (one asyncio process decoding every frame of N+3 clients) and "
        "the server share a noisy 2-core machine: ack latencies include CPU contention and "
        "client-side queueing. Compare medians over repetitions, not single figures, and "
        "absolute figures across runs only loosely.")


CLIENT_LOG, CLIENT_WARNINGS = client_log("qa_votes.client")


class Run:
    """Shared state of the load generator: the totals screens should end on."""

    def __init__(self):
        self.target = None          # {"<id>": n} the burst should end on
        self.burst_start = None
        self.screen_done = asyncio.Event()
        self.phones_done = asyncio.Event()
        self.screens_matched = 0
        self.phones_matched = 0
        self.phone_count = 0
        self.disconnects = 0


def new_client(run: Run, label: str, is_phone=False):
    """A client that logs every `qa:votes` of the burst and notes the first final one."""
    client = socketio.AsyncClient(reconnection=False, request_timeout=30, logger=CLIENT_LOG)
    client.label = label
    client.snapshots = asyncio.Queue()
    client.votes_log = []           # (monotonic time, votes) received since burst start
    client.matched_at = None        # first receipt of the target totals

    @client.on("snapshot")
    def on_snapshot(data):
        client.snapshots.put_nowait(data)

    @client.on("qa:votes")
    def on_votes(data):
        t = time.monotonic()
        if run.burst_start is None:
            return
        client.votes_log.append((t, data["votes"]))
        if client.matched_at is None and run.target is not None and data["votes"] == run.target:
            client.matched_at = t
            if is_phone:
                run.phones_matched += 1
                if run.phones_matched >= run.phone_count:
                    run.phones_done.set()
            else:
                run.screens_matched += 1
                if run.screens_matched >= 2:
                    run.screen_done.set()

    @client.on("disconnect")
    def on_disconnect(*args):
        run.disconnects += 1

    return client


async def join_phones(run: Run, url: str, code: str, count: int, wave: int):
    """Connect and join `count` phones, `wave` at a time."""
    async def one(i):
        client = new_client(run, f"phone{i}", is_phone=True)
        await join_delegate(client, url, {"role": "delegate", "code": code}, i)
        return client

    return await in_waves(one, count, wave)


def plan_votes(n_phones: int, askers: list[int], k: int) -> list[tuple[int, int]]:
    """(phone index, question index) pairs: each phone k different questions, not its own.

    Interleaved phone by phone (every phone's first vote, then every second vote...),
    so every question gathers votes throughout the burst.
    """
    q = len(askers)
    own = {phone: m for m, phone in enumerate(askers)}
    choices = []
    for i in range(n_phones):
        picks = [(i + s) % q for s in range(q)]
        choices.append([m for m in picks if own.get(i) != m][:k])
    return [(i, choices[i][j]) for j in range(k) for i in range(n_phones)]


async def one_rep(rep: int, args, run: Run, server: Server, phones, panel, projector,
                  activity_id: int, totals: dict) -> dict:
    """Ask fresh questions, send the paced vote burst, measure; update `totals`."""
    n = len(phones)
    askers = [(rep * args.questions + m) % n for m in range(args.questions)]
    asks = await asyncio.gather(*[phones[a].call("qa:ask", {
        "client_id": f"bench-{rep}-{m}",
        "text": f"Question {m + 1} of round {rep + 1}: how will the plan change next year?",
        "anonymous": m % 2 == 0}, timeout=30) for m, a in enumerate(askers)])
    bad = [a for a in asks if not a.get("ok") or a["question"]["status"] != "published"]
    if bad:
        raise RuntimeError(f"asking failed: {bad[:3]}")
    question_ids = [a["question"]["id"] for a in asks]
    for qid in question_ids:
        totals[str(qid)] = 0
    await asyncio.sleep(1.5)  # let the questions' broadcasts and the next beat settle

    plan = plan_votes(n, askers, args.votes_per_phone)
    for phone_index, m in plan:
        totals[str(question_ids[m])] += 1
    run.target = dict(totals)
    run.screens_matched = run.phones_matched = 0
    run.phone_count = n
    run.screen_done.clear()
    run.phones_done.clear()
    for client in [panel, projector, *phones]:
        client.votes_log, client.matched_at = [], None

    total = len(plan)
    sent_at = [None] * total
    acks = [[] for _ in range(total)]
    acked = asyncio.Event()
    state = {"first_acks": 0}

    def on_ack(s, data=None, *extra):
        acks[s].append((time.monotonic(), data))
        if len(acks[s]) == 1:
            state["first_acks"] += 1
            if state["first_acks"] >= total:
                acked.set()

    warnings_before = sum(CLIENT_WARNINGS.counts.values())
    interval = args.burst_seconds / total
    cpu0, own_cpu0 = server.cpu_s(), time.process_time()
    t0 = time.monotonic()
    run.burst_start = t0
    for s, (phone_index, m) in enumerate(plan):
        delay = t0 + s * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent_at[s] = time.monotonic()
        await phones[phone_index].emit("qa:vote", {"question_id": question_ids[m], "up": True},
                                       callback=lambda *a, s=s: on_ack(s, *a))
    last_sent = time.monotonic()
    try:
        await asyncio.wait_for(acked.wait(), args.ack_timeout)
    except TimeoutError:
        pass
    try:
        await asyncio.wait_for(run.screen_done.wait(), args.settle_timeout)
    except TimeoutError:
        pass
    try:
        await asyncio.wait_for(run.phones_done.wait(), args.settle_timeout)
    except TimeoutError:
        pass
    await asyncio.sleep(1.0)  # any qa:votes after the final one (there should be none)
    cpu, own_cpu = server.cpu_s() - cpu0, time.process_time() - own_cpu0
    run.burst_start = None

    latencies, errors, ok = [], {}, 0
    for s, received in enumerate(acks):
        if not received:
            continue
        t, data = received[0]
        latencies.append(t - sent_at[s])
        if isinstance(data, dict) and data.get("ok"):
            ok += 1
        else:
            code = data.get("error") if isinstance(data, dict) else repr(data)[:40]
            errors[code] = errors.get(code, 0) + 1
    first_ack_times = [r[0][0] for r in acks if r]
    last_ack = max(first_ack_times) if first_ack_times else None

    opened = await panel.call("qa:open", {"activity_id": activity_id}, timeout=30)
    stored = {str(q["id"]): q["votes"] for q in opened["qa"]["questions"]}
    mismatched = {qid: [stored.get(qid), want] for qid, want in run.target.items()
                  if stored.get(qid) != want}

    def screen(client):
        events = client.votes_log
        delay = (client.matched_at - last_ack) if client.matched_at and last_ack else None
        after = sum(1 for t, _ in events if client.matched_at and t > client.matched_at)
        span = (client.matched_at or last_sent) - t0
        times = [t for t, _ in events[:len(events) - after]]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return {"final_after_last_ack_ms": ms(delay),
                "final_after_first_vote_ms": ms(client.matched_at - t0)
                if client.matched_at else None,
                "qa_votes_events": len(events) - after, "events_after_final": after,
                "events_per_s": round((len(events) - after) / span, 1) if span > 0 else None,
                "max_gap_between_events_ms": ms(max(gaps)) if gaps else None}

    phone_delays = [p.matched_at - last_ack for p in phones if p.matched_at and last_ack]
    phone_events = [len(p.votes_log) for p in phones]
    return {
        "rep": rep, "votes": total, "questions_total": len(run.target),
        "sent_over_s": round(last_sent - t0, 2),
        "acked_ok": ok, "ack_errors": errors,
        "missing_acks": sum(1 for r in acks if not r),
        "duplicate_acks": sum(max(0, len(r) - 1) for r in acks)
        + sum(CLIENT_WARNINGS.counts.values()) - warnings_before,
        "ack_p50_ms": pct(latencies, 50), "ack_p99_ms": pct(latencies, 99),
        "ack_max_ms": pct(latencies, 100),
        "last_ack_after_first_vote_ms": ms(last_ack - t0) if last_ack else None,
        "acked_per_s": round(len(first_ack_times) / (last_ack - t0)) if last_ack else None,
        "qa_open_totals_match": not mismatched and len(stored) == len(run.target),
        "mismatched_questions": dict(list(mismatched.items())[:5]),
        "votes_stored_on_new_questions": sum(stored.get(str(q), 0) for q in question_ids),
        "panel": screen(panel), "projector": screen(projector),
        "phones": {"final_after_last_ack_p50_ms": pct(phone_delays, 50),
                   "final_after_last_ack_p99_ms": pct(phone_delays, 99),
                   "final_after_last_ack_max_ms": pct(phone_delays, 100),
                   "missing_final": len(phones) - len(phone_delays),
                   "qa_votes_events_max": max(phone_events) if phone_events else None},
        "server_cpu_s": round(cpu, 2), "load_generator_cpu_s": round(own_cpu, 2),
        "wall_s": round(time.monotonic() - t0, 2),
    }


async def scenario(server: Server, args, out: dict):
    run = Run()
    w = await asyncio.to_thread(create_workshop, server.url, "Q&A benchmark")
    fac = new_client(run, "control")
    await fac.connect(server.url, auth={"role": "facilitator", "key": w["key"]},
                      transports=["websocket"], wait_timeout=20)
    snap = await asyncio.wait_for(fac.snapshots.get(), 20)
    keys = {name: path.rsplit("/", 1)[1] for name, path in snap["links"].items()}
    ack = await fac.call("activity:add", {
        "kind": "qa", "title": "Panel questions", "auto_publish": True, "min_interval": 0,
        "max_questions": 100}, timeout=30)
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]
    assert (await fac.call("live:set", {"activity_id": activity_id}, timeout=30))["ok"]
    panel = new_client(run, "panel")
    await panel.connect(server.url, auth={"role": "panel", "key": keys["panel"]},
                        transports=["websocket"], wait_timeout=20)
    projector = new_client(run, "projector")
    await projector.connect(server.url, auth={"role": "screen", "key": keys["screen"]},
                            transports=["websocket"], wait_timeout=20)
    await asyncio.wait_for(panel.snapshots.get(), 20)
    await asyncio.wait_for(projector.snapshots.get(), 20)

    phones, join_s, failures = await join_phones(run, server.url, w["code"], args.phones,
                                                 args.wave)
    out["join"] = {"phones": len(phones), "total_s": join_s, "failed": failures}
    if len(phones) < args.questions + 1:
        raise RuntimeError("too few phones joined")
    await asyncio.sleep(1.5)

    totals, reps = {}, []
    try:
        for rep in range(args.reps):
            reps.append(await one_rep(rep, args, run, server, phones, panel, projector,
                                      activity_id, totals))
            await asyncio.sleep(0.5)
    finally:
        out["per_rep"] = reps
        out["client_disconnects_during_run"] = run.disconnects
        everyone = [fac, panel, projector, *phones]
        await asyncio.wait_for(asyncio.gather(*[disconnect(c) for c in everyone]), 60)


def summarise(reps: list[dict]) -> dict:
    def col(path):
        return column(reps, path.split("."))

    return {
        "votes_per_rep": reps[0]["votes"] if reps else None,
        "all_acked_ok_once": all(r["acked_ok"] == r["votes"] and not r["ack_errors"]
                                 and not r["missing_acks"] and not r["duplicate_acks"]
                                 for r in reps),
        "qa_open_totals_match": all(r["qa_open_totals_match"] for r in reps),
        "median_sent_over_s": median(col("sent_over_s"), 2),
        "median_ack_p50_ms": median(col("ack_p50_ms")),
        "median_ack_p99_ms": median(col("ack_p99_ms")),
        "median_ack_max_ms": median(col("ack_max_ms")),
        "median_last_ack_after_first_vote_ms": median(col("last_ack_after_first_vote_ms")),
        "median_acked_per_s": median(col("acked_per_s"), 0),
        "median_panel_final_after_last_ack_ms": median(col("panel.final_after_last_ack_ms")),
        "median_projector_final_after_last_ack_ms":
            median(col("projector.final_after_last_ack_ms")),
        "max_screen_final_after_last_ack_ms": max(
            [v for v in col("panel.final_after_last_ack_ms")
             + col("projector.final_after_last_ack_ms") if v is not None], default=None),
        "median_phones_final_after_last_ack_p99_ms":
            median(col("phones.final_after_last_ack_p99_ms")),
        "phones_missing_final_total": sum(v or 0 for v in col("phones.missing_final")),
        "median_panel_qa_votes_events": median(col("panel.qa_votes_events")),
        "median_projector_qa_votes_events": median(col("projector.qa_votes_events")),
        "median_panel_events_per_s": median(col("panel.events_per_s")),
        "events_after_final_total": sum(v or 0 for v in col("panel.events_after_final")
                                        + col("projector.events_after_final")),
        "median_panel_max_gap_between_events_ms":
            median(col("panel.max_gap_between_events_ms")),
        "median_server_cpu_s": median(col("server_cpu_s"), 2),
        "median_load_generator_cpu_s": median(col("load_generator_cpu_s"), 2),
        "median_wall_s": median(col("wall_s"), 2),
        "per_rep_ack_p50_ms": col("ack_p50_ms"),
        "per_rep_ack_p99_ms": col("ack_p99_ms"),
        "per_rep_panel_final_after_last_ack_ms": col("panel.final_after_last_ack_ms"),
        "per_rep_projector_final_after_last_ack_ms": col("projector.final_after_last_ack_ms"),
        "per_rep_panel_qa_votes_events": col("panel.qa_votes_events"),
        "per_rep_projector_qa_votes_events": col("projector.qa_votes_events"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--votes-per-phone", type=int, default=3)
    parser.add_argument("--questions", type=int, default=20, help="new questions per rep")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--burst-seconds", type=float, default=2.0,
                        help="the votes are paced evenly over this many seconds")
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--ack-timeout", type=float, default=60.0)
    parser.add_argument("--settle-timeout", type=float, default=10.0)
    parser.add_argument("--time-limit", type=float, default=600.0,
                        help="give up (and kill the server) after this many seconds")
    parser.add_argument("--tmp-dir", default=None,
                        help="where the database goes (default: the system temp dir); "
                             "e.g. /dev/shm to take the disk's fsync out of the picture")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the temp dir with the server log and database")
    args = parser.parse_args()
    if not (2 <= args.questions <= 100 and 1 <= args.votes_per_phone < args.questions
            and args.questions < args.phones <= 5000 and 1 <= args.reps
            and args.reps * args.questions <= 100 * args.phones and args.burst_seconds > 0
            and args.wave >= 1):
        parser.error("need 2 <= questions <= 100, 1 <= votes-per-phone < questions < phones "
                     "<= 5000, reps >= 1, burst-seconds > 0")

    nofile = prepare_load_generator()

    tmp = Path(tempfile.mkdtemp(prefix="bench-qa-votes-", dir=args.tmp_dir))
    server = app_server(tmp, args.mode, "product.log")
    commit_ms = commit_cost(tmp)["mean_ms"]

    out = {"benchmark": "qa_votes", "mode": args.mode, "phones": args.phones,
           "votes_per_phone": args.votes_per_phone, "questions_per_rep": args.questions,
           "reps": args.reps, "burst_seconds": args.burst_seconds,
           "database_dir": str(tmp.parent),
           "machine": machine(nofile, sqlite_wal_full_commit_ms=commit_ms),
           "versions": versions(),
           "note": NOTE}
    started = time.monotonic()

    run_against(server, scenario, args, out)
    if args.keep_logs:
        out["server_log"]["dir"] = str(tmp)
    else:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    out["summary"] = summarise(out.get("per_rep", []))
    out["client_warnings"] = CLIENT_WARNINGS.counts
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    print_report(out)
    ok = "error" not in out and out["summary"]["all_acked_ok_once"] \
        and out["summary"]["qa_open_totals_match"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
