"""Broadcast latency through the documented deployment, one worker against two.

Each configuration starts fresh, joins the phones and times broadcasts as
`join_broadcast.py` does (the facilitator's `live:set` -> every phone's `live`):

- `direct`: one `run.py` process, no Redis, no proxy (the laptop default);
- `1`: Redis, one process, HAProxy with deploy/haproxy.cfg and TLS in front;
- `2`: the same with two processes on one database; phones are spread over
  both by the proxy, the facilitator is on one of them, so every broadcast to
  the other's phones crosses Redis.

Clients connect over WebSocket through the proxy (TLS, a self-signed
certificate made for the run). Prints one JSON object.

    python bench/scaleout.py [--phones 500] [--reps 15] [--mode eventlet]
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import join_broadcast  # noqa: E402
from join_broadcast import (HOST, ROOT, Server, free_port, machine, one_broadcast,  # noqa: E402
                            prepare_load_generator, prepare_product, ratio, rep_figures,
                            versions)
from stack import Stack, missing_tools  # noqa: E402

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
        port = free_port()
        server = Server("direct", [sys.executable, str(ROOT / "run.py"), "--host", HOST,
                                   "--port", str(port), "--database",
                                   str(directory / "bench.db"), "--async-mode", args.mode],
                        directory / "direct.log", port,
                        env={**os.environ, "FACILITATOR_PUBLIC_URL": f"http://{HOST}:{port}"})
        servers, stack = [server.start()], None
        url = server.url
    else:
        stack = Stack(directory, workers=int(name), mode=args.mode).start()
        servers, url = stack.workers, stack.url
        # The run's own self-signed certificate, on loopback.
        join_broadcast.TLS_CONTEXT = ssl.create_default_context(cafile=str(stack.cert))
        join_broadcast.CLIENT_OPTIONS = {"ssl_verify": False}
    try:
        with join_broadcast.generator_without_full_collections():
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--wave", type=int, default=50, help="phones joining at once")
    parser.add_argument("--wave-timeout", type=float, default=120.0)
    parser.add_argument("--rep-timeout", type=float, default=30.0)
    parser.add_argument("--configs", default="direct,1,2",
                        help="comma-separated, run in this order: direct, 1, 2")
    parser.add_argument("--time-limit", type=float, default=600.0,
                        help="per configuration, in seconds")
    args = parser.parse_args()
    configs = args.configs.split(",")
    if not set(configs) <= {"direct", "1", "2"} or not 1 <= args.phones <= 5000:
        parser.error("configs are direct, 1 and 2; phones 1..5000")
    if missing_tools() and set(configs) - {"direct"}:
        parser.error(f"needs {missing_tools()} (Debian packages)")
    nofile = prepare_load_generator()

    out = {"benchmark": "scaleout", "mode": args.mode, "phones": args.phones,
           "reps": args.reps, "configs": configs, "machine": machine(nofile),
           "versions": versions(), "note": NOTE}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        for name in configs:
            try:
                out[name] = run_config(name, args, Path(tmp))
            except BaseException as error:  # noqa: BLE001 - report, then stop
                out["error"] = f"{name}: {type(error).__name__}: {error}"
                break
    figures = {name: out[name]["broadcast"] for name in configs if "broadcast" in out.get(name, {})}
    if "1" in figures and "2" in figures:
        out["two_over_one"] = {
            "broadcast_p50": ratio(figures["2"]["median_p50_ms"], figures["1"]["median_p50_ms"]),
            "broadcast_p99": ratio(figures["2"]["median_p99_ms"], figures["1"]["median_p99_ms"])}
    if "1" in figures and "direct" in figures:
        out["one_behind_proxy_over_direct"] = {
            "broadcast_p50": ratio(figures["1"]["median_p50_ms"],
                                   figures["direct"]["median_p50_ms"]),
            "broadcast_p99": ratio(figures["1"]["median_p99_ms"],
                                   figures["direct"]["median_p99_ms"])}
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(out, indent=1))
    return 1 if "error" in out else 0


if __name__ == "__main__":
    sys.exit(main())
