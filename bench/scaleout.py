"""Broadcast latency through the documented deployment, one worker against two.

    python bench/scaleout.py [--phones 500] [--reps 15] [--mode eventlet] [--configs direct,1,2]

Each configuration starts fresh, joins the phones and times broadcasts as join_broadcast.py
does: `direct` is one `run.py` process, no Redis, no proxy; `1` is Redis, one process and
HAProxy with deploy/haproxy.cfg and TLS (a certificate made for the run) in front; `2` the
same with two processes on one database, the phones spread over both by the proxy, so every
broadcast to the other worker's phones crosses Redis. Prints one JSON object.
"""
import asyncio
import ssl
import sys
from pathlib import Path

import common
from common import (Server, app_server, begin, finish, generator_without_full_collections,
                    keep_or_remove, parser, ratio)
from join_broadcast import one_broadcast, prepare_product, rep_figures
from stack import Stack, missing_tools

NOTE = ("Load generator (one asyncio process), proxy, Redis and workers share one noisy "
        "2-core machine: two workers compete with the load generator and HAProxy for the "
        "same two cores. Compare configurations of one run, not absolute figures.")


class Processes:
    """The app processes of one configuration, seen as one server by the harness."""

    def __init__(self, url: str, servers: list[Server]):
        self.url, self.servers = url, servers

    def rss_kb(self) -> int:
        return sum(s.rss_kb() for s in self.servers)

    def cpu_s(self) -> float:
        return sum(s.cpu_s() for s in self.servers)

    def per_worker_rss_kb(self) -> list[int]:
        return [s.rss_kb() for s in self.servers]


async def measure(processes: Processes, args) -> dict:
    rss_before = processes.per_worker_rss_kb()
    target = await prepare_product(processes, args)
    try:
        rss_after = processes.per_worker_rss_kb()
        for i in range(args.reps + 1):
            target.results.append(await one_broadcast(target, i, args.rep_timeout))
            await asyncio.sleep(0.3)
        report = target.report
        report["broadcast"] = rep_figures(target.results)
        report["rss"]["per_worker_added_kb"] = [a - b for a, b in zip(rss_after, rss_before)]
    finally:
        await target.close()
    report["client_disconnects_during_run"] = target.report["client_disconnects_during_run"]
    return report


def run_config(name: str, args, tmp: Path) -> dict:
    directory = tmp / f"config-{name}"
    directory.mkdir()
    if name == "direct":
        server = app_server(directory, args.mode, "direct.log", name="direct").start()
        servers, stack, url = [server], None, server.url
    else:
        stack = Stack(directory, workers=int(name), mode=args.mode).start()
        servers, url = stack.workers, stack.url
        # The run's own self-signed certificate, on loopback.
        common.TLS_CONTEXT = ssl.create_default_context(cafile=str(stack.cert))
        common.CLIENT_OPTIONS.update(ssl_verify=False)
    try:
        with generator_without_full_collections():
            report = asyncio.run(asyncio.wait_for(measure(Processes(url, servers), args),
                                                  args.time_limit))
    finally:
        if stack:
            stack.stop()
        else:
            servers[0].stop()
    report["server_logs"] = {s.name: s.log_problems() for s in servers}
    return report


def main():
    p = parser(__doc__, phones=500, reps=15, time_limit=600.0)
    p.add_argument("--rep-timeout", type=float, default=30.0)
    p.add_argument("--configs", default="direct,1,2",
                   help="comma-separated, run in this order: direct, 1, 2")
    args = p.parse_args()  # --time-limit is per configuration
    configs = args.configs.split(",")
    if not set(configs) <= {"direct", "1", "2"} or not 1 <= args.phones <= 5000:
        p.error("configs are direct, 1 and 2; phones 1..5000")
    if missing_tools() and set(configs) - {"direct"}:
        p.error(f"needs {missing_tools()} (Debian packages)")
    tmp, out = begin("scaleout", args, NOTE, configs=configs)
    for name in configs:
        try:
            out[name] = run_config(name, args, tmp)
        except BaseException as error:  # noqa: BLE001 - report, then stop
            out["error"] = f"{name}: {type(error).__name__}: {error}"
            break
    keep_or_remove(tmp, args, out, "logs")
    figures = {name: out[name]["broadcast"] for name in configs if "broadcast" in out.get(name, {})}

    def compare(a, b):
        return {f"broadcast_{p}": ratio(figures[a][f"median_{p}_ms"], figures[b][f"median_{p}_ms"])
                for p in ("p50", "p99")}

    if "1" in figures and "2" in figures:
        out["two_over_one"] = compare("2", "1")
    if "1" in figures and "direct" in figures:
        out["one_behind_proxy_over_direct"] = compare("1", "direct")
    return finish(out, args.started, nulls=False, ok=True)


if __name__ == "__main__":
    sys.exit(main())
