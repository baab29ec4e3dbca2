"""Bursts of N phones acting at once: every ack timed, and the coalesced broadcast, from
the last ack to each screen holding the final counts (held as the screens hold them).

    python bench/burst.py poll [--mode eventlet|gevent] [--phones 2000] [--reps 3]
                               [--burst-seconds 5] [--options 4] [--resends 100]
                               [--changes 100] [--wave 50] [--keep-logs]
    python bench/burst.py votes [--mode eventlet|gevent] [--phones 500] [--reps 5]
                                [--burst-seconds 2] [--votes-per-phone 3] [--questions 20]
                                [--tmp-dir D]

`poll`: N phones answer a live poll; `votes`: N phones vote in a live Q&A session. What
each runs and measures: bench/README.md.
"""
import asyncio
import sys
import time
from functools import partial

from common import (ClientLog, Crowd, Watch, add_activity, add_probe, app_server, begin,
                    clients_of, close_all, column, commit_cost, figure_table, finish, go_live,
                    join_measured, ms, open_workshop, outcome, paced, paced_calls, parse, parser,
                    pct, per_rep, ping_in_turn, poll, qa, read_probe, run_against, schedstat,
                    summary, timed)

PINGERS = 6  # taking turns, so that 20 pings a second stay within each sender's quota
CLIENT_WARNINGS = ClientLog("burst.client")
# Socket.IO's warnings only: a second ack for one id shows there (Engine.IO's do not count).
LOGS = {"logger": CLIENT_WARNINGS.logger, "engineio_logger": False}


# ---------------------------------------------------------------- poll

def gc_figures(path, start, end, pings, slow=0.05):
    """The server's collections in [start, end] (generation 2, or any over 5 ms), and how
    many ping round trips over `slow` s had one running while they waited."""
    runs = [(gen, at, took) for _, at, took, gen in read_probe(path)[1] if start <= at <= end]
    full = [took for gen, _, took in runs if gen == 2]
    slow_pings = [(t, rtt) for t, rtt in pings if rtt > slow]
    return {"server_gc": {"full_collections": len(full),
                          "full_max_ms": ms(max(full)) if full else None,
                          "full_total_ms": ms(sum(full)) if full else None,
                          "other_over_5ms": len(runs) - len(full)},
            "pings_over_50ms": len(slow_pings),
            "pings_over_50ms_during_a_server_gc": sum(
                1 for t, rtt in slow_pings
                if any(at < t + rtt and at + took > t for _, at, took in runs))}


async def sample_pings(pingers, stop: asyncio.Event, every=0.05):
    """(send time, round trip) of a no-op event every `every` s until stop, this loop's
    own lag and the failed pings."""
    samples, lags, errors = [], [], []
    await ping_in_turn(pingers, stop, every, lambda wall, t0, ok, rtt: (
        errors.append(not ok), samples.append((t0, rtt))), lag=lags.append, lag_period=every)
    return samples, lags, sum(errors)


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


def held(client):
    """The results a screen holds: {counts, total}, or None."""
    r = (client.activity or {}).get("results")
    return {"counts": r.get("counts"), "total": r.get("total")} if r else None


async def poll_rep(rep: int, screens, crowd, server, args) -> dict:
    phones, fac, projector = crowd.phones, screens["facilitator"], screens["screen"]
    n = len(phones)
    activity_id = await add_activity(fac, **poll(f"Poll {rep + 1}", args.options))
    # Go live: every phone gets `live` and asks for its own view unless `live` carried it.
    live = await go_live(fac, crowd, activity_id, 60)
    await asyncio.sleep(1.0)  # let the server and the presence beat settle
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(1.0, stop.set)
    idle_samples, _, _ = await sample_pings(screens["pingers"], stop)

    probe = commit_cost(args.tmp)
    first, resend_set, change_set = plan(n, args.options, rep, args.resends, args.changes)
    final_choice, ack_times, errors = list(first), [], {}
    extras, wrong = {"resend": 0, "change": 0}, [0]

    async def send(phone, choice, client_id):
        t_send, t_ack, result = await timed(phone.answer({"choices": [choice]}, client_id, 60))
        if (error := outcome(result)) != "ok":
            errors[error] = errors.get(error, 0) + 1
            return False
        ack_times.append((t_send, t_ack))
        wrong[0] += result.get("answer") != {"choices": [choice], "other": ""}
        return True

    async def answer(i):
        if not await send(phones[i], first[i], f"r{rep}-p{i}-a"):
            return True
        if i in resend_set:  # the same answer again (a retry after a lost ack)
            extras["resend"] += 1
            await send(phones[i], first[i], f"r{rep}-p{i}-a")
        elif i in change_set:  # a changed mind: a new answer replacing the first
            other = args.options - 1 if first[i] != args.options - 1 else 0
            extras["change"] += 1
            if await send(phones[i], other, f"r{rep}-p{i}-b"):
                final_choice[i] = other
        return True

    def counts():
        return {"counts": [final_choice.count(k) for k in range(args.options)], "total": n}

    watch = Watch([projector, fac], activity_id, final=lambda c: held(c) == counts(),
                  total_n=lambda c: (held(c) or {}).get("total") == n)
    stop, cpu0, sched0 = asyncio.Event(), server.cpu_s(), schedstat(server.proc.pid)
    pings = asyncio.ensure_future(sample_pings(screens["pingers"], stop))
    t0, last_sent, done = await paced([partial(answer, i) for i in range(n)],
                                      args.burst_seconds, args.rep_timeout)
    acks_done, sched1 = time.monotonic(), schedstat(server.proc.pid)
    await watch.reached["final"].wait(10)
    await asyncio.sleep(0.6)  # one more beat: nothing may change once every answer is in
    stop.set()
    samples, lags, ping_errors = await pings
    window_end, cpu = time.monotonic(), server.cpu_s() - cpu0
    watch.listen("off")

    last_ack = max((a for _, a in ack_times), default=None)
    t_final, t_first_n = watch.at["final"].get(projector), watch.at["total_n"].get(projector)
    sched = sched0 and sched1 and (sched1[0] - sched0[0], sched1[1] - sched0[1])
    by_second = {}
    for t_send, t_ack in ack_times:
        by_second.setdefault(int(t_send - t0), []).append(t_ack - t_send)
    return {
        "rep": rep + 1, "activity_id": activity_id,
        "go_live": live,
        "answers": {"phones": n, "sent": n + extras["resend"] + extras["change"], **extras,
                    "acks_ok": len(ack_times), "failed": errors, "unfinished": done.count(None),
                    "ack_answer_mismatch": wrong[0], "send_span_s": round(last_sent - t0, 2),
                    "all_acked_s": round(acks_done - t0, 2),
                    "ack_latency": summary([a - s for s, a in ack_times]),
                    "ack_p50_ms_by_second_sent": [pct(by_second[k], 50)
                                                  for k in sorted(by_second)]},
        "counted": {"expected_counts": counts()["counts"], "projector_final": held(projector),
                    "control_final": held(fac), "projector_ok": held(projector) == counts(),
                    "control_ok": held(fac) == counts()},
        # `live` carrying results until each screen held the final counts
        "projector": {**watch.receipts(projector, "final", t0, last_ack),
                      "first_total_n_after_last_ack_ms": ms(t_first_n and last_ack
                                                            and t_first_n - last_ack),
                      "beats_in_window": t_final and int((t_final - t0) / 0.5)},
        "control": watch.receipts(fac, "final", t0, last_ack),
        "stall": {"ping_idle": summary([r for _, r in idle_samples]),
                  "ping_burst": summary([r for _, r in samples]), "ping_errors": ping_errors,
                  "load_generator_loop_lag_max_ms": ms(max(lags)) if lags else None,
                  **gc_figures(args.gc_log, t0, window_end, samples)},
        "server_cpu_s": round(cpu, 2),
        "server_until_all_acked": sched and {
            "wall_s": round(acks_done - t0, 2), "on_cpu_s": round(sched[0], 2),
            "waiting_for_cpu_s": round(sched[1], 2),
            "off_cpu_s": round(acks_done - t0 - sched[0] - sched[1], 2)},
        "commit_probe_before_burst": probe,
    }


# The medians reported: name, then the path to the figure in each repetition's record.
POLL_FIGURES = figure_table("""
ack_p50_ms                       answers.ack_latency.p50_ms
ack_p99_ms                       answers.ack_latency.p99_ms
ack_max_ms                       answers.ack_latency.max_ms
all_acked_s                      answers.all_acked_s
final_results_after_last_ack_ms  projector.final_after_last_ack_ms
control_final_after_last_ack_ms  control.final_after_last_ack_ms
results_events_during_burst      projector.events
results_events_per_s             projector.events_per_s
results_min_gap_ms               projector.min_gap_ms
ping_idle_p50_ms                 stall.ping_idle.p50_ms
ping_burst_p50_ms                stall.ping_burst.p50_ms
ping_burst_p99_ms                stall.ping_burst.p99_ms
ping_burst_max_ms                stall.ping_burst.max_ms
server_full_gc_max_ms            stall.server_gc.full_max_ms
server_full_gcs                  stall.server_gc.full_collections
load_generator_loop_lag_max_ms   stall.load_generator_loop_lag_max_ms
server_cpu_s                     server_cpu_s
server_on_cpu_s                  server_until_all_acked.on_cpu_s
server_waiting_for_cpu_s         server_until_all_acked.waiting_for_cpu_s
server_off_cpu_s                 server_until_all_acked.off_cpu_s
commit_probe_mean_ms             commit_probe_before_burst.mean_ms
live_set_ack_ms                  go_live.ack_ms
all_phones_live_ms               go_live.told_ms
all_phones_mine_ms               go_live.viewed_ms
""")


def poll_summary(reps, out):
    out["median"] = per_rep(reps, POLL_FIGURES, (
        "ack_p50_ms", "ack_p99_ms", "final_results_after_last_ack_ms",
        "results_events_during_burst", "ping_burst_max_ms"))
    out["live_mine_errors"] = sum(column(reps, "go_live.errors"))
    out["checks"] = {
        "every_answer_acked_ok": all(r["answers"]["acks_ok"] == r["answers"]["sent"]
                                     for r in reps),
        "acks_carry_the_stored_answer": all(r["answers"]["ack_answer_mismatch"] == 0
                                            for r in reps),
        "each_phone_counted_once_with_its_last_choice": all(
            r["counted"]["projector_ok"] and r["counted"]["control_ok"] for r in reps),
        # Receipt gaps can be shorter than a beat (a frame delayed in delivery), so
        # the check counts: no more events than beats in the window, plus one.
        "coalesced_at_most_one_results_per_beat": all(
            r["projector"]["beats_in_window"] is not None
            and r["projector"]["events"] <= r["projector"]["beats_in_window"] + 1 for r in reps)}


# ---------------------------------------------------------------- votes

def plan_votes(n_phones: int, askers: list[int], k: int) -> list[tuple[int, int]]:
    """(phone index, question index) pairs: each phone k different questions, not its own,
    interleaved (every phone's first vote, then every second...), so every question
    gathers votes throughout the burst."""
    q, own = len(askers), {phone: m for m, phone in enumerate(askers)}
    choices = [[m for m in [(i + s) % q for s in range(q)] if own.get(i) != m][:k]
               for i in range(n_phones)]
    return [(i, c[j]) for j in range(k) for i, c in enumerate(choices) if j < len(c)]


async def ask_each(phones, askers, rep, anonymous=True) -> list[int]:
    """Each asker phone asks a question (every other one anonymous); their ids."""
    asks = await asyncio.gather(*[phones[a].ask(
        f"Question {m + 1} of round {rep + 1}: how will the plan change next year?",
        anonymous=anonymous and m % 2 == 0, client_id=f"bench-{rep}-{m}")
        for m, a in enumerate(askers)])
    bad = [a for a in asks if not a.get("ok") or a["question"]["status"] != "published"]
    if bad:
        raise RuntimeError(f"asking failed: {bad[:3]}")
    return [a["question"]["id"] for a in asks]


async def votes_rep(rep: int, screens, crowd, server, args, totals: dict) -> dict:
    """Ask fresh questions, send the paced vote burst, measure; update `totals`."""
    phones, panel, projector = crowd.phones, screens["panel"], screens["screen"]
    n, activity_id = len(phones), args.activity_id
    askers = [(rep * args.questions + m) % n for m in range(args.questions)]
    question_ids = await ask_each(phones, askers, rep)
    totals.update({str(qid): 0 for qid in question_ids})
    await asyncio.sleep(1.5)  # let the questions' broadcasts and the next beat settle
    votes = plan_votes(n, askers, args.votes_per_phone)
    for _, m in votes:
        totals[str(question_ids[m])] += 1
    target = dict(totals)

    def final(client):
        got = {str(q["id"]): q["votes"] for q in (client.activity or {}).get("questions") or ()}
        return all(got.get(qid) == want for qid, want in target.items())

    watch = Watch([panel, projector, *phones], activity_id, final=final)
    warnings_before = sum(CLIENT_WARNINGS.counts.values())
    cpu0, own_cpu0 = server.cpu_s(), time.process_time()
    t0, last_sent, latencies, errors, last_ack = await paced_calls(
        [partial(phones[i].vote, question_ids[m], timeout=args.ack_timeout) for i, m in votes],
        args.burst_seconds, args.ack_timeout)
    await watch.reached["final"].wait(args.settle_timeout)
    await asyncio.sleep(1.0)  # any view after the final one (there should be none)
    cpu, own_cpu = server.cpu_s() - cpu0, time.process_time() - own_cpu0
    watch.listen("off")

    missing = errors.pop("no_ack", 0)
    opened = await panel.call("qa:open", {"activity_id": activity_id}, timeout=30)
    stored = {str(q["id"]): q["votes"] for q in opened["qa"]["questions"]}
    mismatched = {qid: [stored.get(qid), want] for qid, want in target.items()
                  if stored.get(qid) != want}

    got = watch.at["final"]
    phone_delays = [got[p] - last_ack for p in phones if p in got and last_ack]
    return {
        "rep": rep, "votes": len(votes), "questions_total": len(target),
        "sent_over_s": round(last_sent - t0, 2),
        "acked_ok": len(votes) - missing - sum(errors.values()), "ack_errors": errors,
        "missing_acks": missing,
        "duplicate_acks": sum(CLIENT_WARNINGS.counts.values()) - warnings_before,
        "ack_latency": summary(latencies),
        "last_ack_after_first_vote_ms": ms(last_ack - t0) if last_ack else None,
        "acked_per_s": round(len(latencies) / (last_ack - t0)) if last_ack else None,
        "qa_open_totals_match": not mismatched and len(stored) == len(target),
        "mismatched_questions": dict(list(mismatched.items())[:5]),
        "votes_stored_on_new_questions": sum(stored.get(str(q), 0) for q in question_ids),
        # `view` patches until each screen held the totals
        "panel": watch.receipts(panel, "final", t0, last_ack),
        "projector": watch.receipts(projector, "final", t0, last_ack),
        "phones": {"final_after_last_ack": summary(phone_delays),
                   "missing_final": len(phones) - len(phone_delays),
                   "view_events_max": max((len(watch.events[p]) for p in phones), default=None)},
        "server_cpu_s": round(cpu, 2), "load_generator_cpu_s": round(own_cpu, 2),
        "wall_s": round(time.monotonic() - t0, 2),
    }


# The medians reported: name, path in each repetition's record, digits.
VOTES_FIGURES = figure_table("""
sent_over_s                        sent_over_s                        2
ack_p50_ms                         ack_latency.p50_ms
ack_p99_ms                         ack_latency.p99_ms
ack_max_ms                         ack_latency.max_ms
last_ack_after_first_vote_ms       last_ack_after_first_vote_ms
acked_per_s                        acked_per_s                        0
panel_final_after_last_ack_ms      panel.final_after_last_ack_ms
projector_final_after_last_ack_ms  projector.final_after_last_ack_ms
phones_final_after_last_ack_p99_ms phones.final_after_last_ack.p99_ms
panel_view_events                  panel.events
projector_view_events              projector.events
panel_events_per_s                 panel.events_per_s
panel_max_gap_between_events_ms    panel.max_gap_ms
server_cpu_s                       server_cpu_s                       2
load_generator_cpu_s               load_generator_cpu_s               2
wall_s                             wall_s                             2
""")


def votes_summary(reps, out) -> bool:
    screens = column(reps, "panel.final_after_last_ack_ms") + column(
        reps, "projector.final_after_last_ack_ms")
    out["summary"] = figures = {
        "votes_per_rep": reps[0]["votes"] if reps else None,
        "all_acked_ok_once": bool(reps) and all(
            r["acked_ok"] == r["votes"] and not r["ack_errors"] and not r["missing_acks"]
            and not r["duplicate_acks"] for r in reps),
        "qa_open_totals_match": bool(reps) and all(r["qa_open_totals_match"] for r in reps),
        "max_screen_final_after_last_ack_ms": max([v for v in screens if v is not None],
                                                  default=None),
        "phones_missing_final_total": sum(v or 0 for v in column(reps, "phones.missing_final")),
        "events_after_final_total": sum(r[s]["events_after_final"] or 0 for r in reps
                                        for s in ("panel", "projector")),
        "median": per_rep(reps, VOTES_FIGURES, (
            "ack_p50_ms", "ack_p99_ms", "panel_final_after_last_ack_ms",
            "projector_final_after_last_ack_ms", "panel_view_events", "projector_view_events"))}
    out["client_warnings"] = CLIENT_WARNINGS.counts
    return figures["all_acked_ok_once"] and figures["qa_open_totals_match"]


# ---------------------------------------------------------------- the run

async def scenario(server, args, out: dict):
    votes = args.of == "votes"
    w, screens = await open_workshop(server.url, "Q&A benchmark" if votes else "Poll burst day",
                                     ["panel", "screen"] if votes else ["screen"],
                                     pingers=0 if votes else PINGERS, **LOGS)
    crowd, totals, reps = Crowd(server.url, w["code"], **LOGS), {}, []
    try:
        if votes:
            args.activity_id = await add_activity(screens["facilitator"], live=True,
                                                  **qa("Panel questions"))
        await join_measured(server, crowd, args, out)
        if votes and len(crowd.phones) < args.questions + 1:
            raise RuntimeError("too few phones joined")
        for rep in range(args.reps):
            reps.append(await (votes_rep(rep, screens, crowd, server, args, totals) if votes
                               else poll_rep(rep, screens, crowd, server, args)))
            await asyncio.sleep(0.5)
    finally:
        out["per_rep" if votes else "reps_detail"] = reps
        out["client_disconnects_during_run"] = crowd.disconnects
        out["client_log_warnings"] = CLIENT_WARNINGS.take()
        await close_all(clients_of(screens, crowd))
        # Closing 2,000 sockets at once logs engine.io notices; kept apart from the run's.
        out["client_log_warnings_at_teardown"] = CLIENT_WARNINGS.take()


OPTIONS = {  # each kind's own: (flag, default, help)
    "poll": [("--burst-seconds", 5.0, "the N first answers are paced evenly over this long"),
             ("--options", 4, None),
             ("--resends", 100, "phones that resend their answer under the same client_id"),
             ("--changes", 100, "phones that change their answer once acknowledged"),
             ("--rep-timeout", 120.0, "longest wait for every answer's ack in one repetition")],
    "votes": [("--burst-seconds", 2.0, "the votes are paced evenly over this many seconds"),
              ("--votes-per-phone", 3, None), ("--questions", 20, "new questions per rep"),
              ("--ack-timeout", 60.0, None), ("--settle-timeout", 10.0, None),
              ("--tmp-dir", "", "where the database goes (default: the system temp dir); "
                                "e.g. /dev/shm to take the disk's fsync out of the picture")]}


def main(argv=None):
    """Run the kind of burst the first argument names (poll or votes)."""
    of, *argv = (sys.argv[1:] if argv is None else argv) or [None]
    if of not in OPTIONS:
        sys.exit("usage: python bench/burst.py {poll,votes} [options] (see --help of each)")
    votes = of == "votes"
    p = parser(__doc__, phones=500 if votes else 2000, reps=5 if votes else 3,
               time_limit=600.0 if votes else 900.0, options=OPTIONS[of])
    if votes:
        args = parse(p, argv, reps=(1, 100), wave=(1, 5000), questions=(2, 100),
                     burst_seconds=(0.001, 600), extra=lambda a: None if 1 <= a.votes_per_phone
                     < a.questions < a.phones <= 5000 and a.reps * a.questions <= 100 * a.phones
                     else "1 <= votes-per-phone < questions < phones <= 5000")
        tmp, out = begin("qa_votes", args, tmp_dir=args.tmp_dir or None,
                         votes_per_phone=args.votes_per_phone, questions_per_rep=args.questions,
                         burst_seconds=args.burst_seconds)
        out["database_dir"] = str(tmp.parent)
        out["machine"]["sqlite_wal_full_commit_ms"] = commit_cost(tmp)["mean_ms"]
    else:
        args = parse(p, argv, phones=(1, 5000), reps=(1, 20), wave=(1, 5000), options=(2, 20),
                     burst_seconds=(0.1, 120), extra=lambda a: None if a.resends + a.changes
                     <= a.phones else "resends + changes <= phones")
        tmp, out = begin("poll_burst", args, burst_seconds=args.burst_seconds,
                         options=args.options, resends=args.resends, changes=args.changes,
                         wave=args.wave)
        args.gc_log = add_probe(tmp, gc_over=0.005)
    args.of, args.tmp = of, tmp
    run_against(app_server(tmp, args.mode, "product.log" if votes else "server.log"),
                scenario, args, out, tmp)
    reps = out.get("per_rep" if votes else "reps_detail", [])
    if reps and not votes:
        poll_summary(reps, out)
    return finish(out, args.started, ok=votes_summary(reps, out) if votes else None)


if __name__ == "__main__":
    sys.exit(main())
