"""What the benchmarks share: the app as a subprocess on 127.0.0.1, the workshop and its
screens, figures in ms and the report, probes of the server process, paced bursts, pings.

Each phone benchmark is one asyncio process (the load generator) driving the simulated
clients of facilitator/rehearsal/phone.py (a rehearsal's phones) against `python run.py
--host 127.0.0.1 --port P --database TMP --async-mode M`; it prints one JSON object,
bounds every wait and kills the server at the end.
"""
import argparse
import asyncio
import contextlib
import gc
import json
import logging
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from importlib.metadata import distributions
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from facilitator.rehearsal.phone import (  # noqa: E402,F401 - the benchmarks' clients
    ATTEMPT_TIMEOUT, BROWSER_RECONNECT, Client, Crowd, Phone, Refused, close_all, in_waves,
    outcome, raise_file_limit, wait_for)

HOST = "127.0.0.1"
# Every simulated phone joins from 127.0.0.1: the servers the benchmarks start lift the
# per-address join and creation limits, which protect a venue from one client faking a
# crowd (unless the environment sets them).
SERVER_ENV = {"FACILITATOR_JOIN_LIMIT": "1000000 per 1 second",
              "FACILITATOR_CREATE_LIMIT": "1000000 per 1 second"}
# What every report says of its figures (and each benchmark adds its own).
NOTE = ("The load generator (one asyncio process decoding every frame its clients get) and "
        "the server share this machine, which other work may be using too: every time "
        "includes CPU contention and client-side queueing. Compare medians over repetitions, "
        "and figures of one run, rather than absolute figures across runs.")
# How clients reach the server: join_broadcast.py --through sets these for HTTPS with its
# own certificate (TLS context for HTTP, options for the Socket.IO clients).
TLS_CONTEXT = None
CLIENT_OPTIONS = {}

# ---------------------------------------------------------------- figures


def pct(values, p):
    """Nearest-rank percentile, in ms to 0.1, of a list of seconds (None if empty)."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000, 1) \
        if values else None


def ms(seconds):
    """Seconds in ms to 0.1 (None stays None)."""
    return None if seconds is None else round(seconds * 1000, 1)


def median(values, digits=1):
    """The median of the values that are not None, rounded (None if there are none)."""
    values = [v for v in values if v is not None]
    return round(statistics.median(values), digits) if values else None


def summary(values, percentiles=(50, 99)):
    """n, the percentiles and the max, in ms, of a list of seconds."""
    return {"n": len(values), **{f"p{p}_ms": pct(values, p) for p in percentiles},
            "max_ms": pct(values, 100)}


def ratio(a, b):
    """a / b to 0.01 (None without both)."""
    return round(a / b, 2) if a is not None and b else None


def column(records, path):
    """Each record's value at a dotted `path` of keys (None where one is missing)."""
    values = []
    for v in records:
        for key in path.split("."):
            v = v.get(key) if isinstance(v, dict) else None
        values.append(v)
    return values


def figure_table(text: str) -> dict:
    """{name: (path, digits)} from lines of "name path [digits, 1]": the figures reported."""
    return {name: (path, int(digits[0]) if digits else 1)
            for name, path, *digits in (line.split() for line in text.strip().splitlines())}


def per_rep(reps: list, figures: dict, each=()) -> dict:
    """The median over repetitions of each of `figures` (see figure_table), and the values
    of each repetition of those named in `each` under "per_rep"."""
    return {**{name: median(column(reps, path), digits)
               for name, (path, digits) in figures.items()},
            "per_rep": {name: column(reps, figures[name][0]) for name in each}}


def finish(out: dict, started: float, ok=None) -> int:
    """End a run: add the load average and the time since `started` (monotonic) to `out`
    and print it as indented JSON, each list of numbers and nulls on one line; the exit
    status: 0 if no error and `ok` (None: every check)."""
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    print(re.sub(r"\[\s+([-\d.,\snul]+?)\s+\]",
                 lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                 json.dumps(out, indent=1)))
    ok = all(out.get("checks", {"ran": False}).values()) if ok is None else ok
    return 0 if ok and "error" not in out else 1


# ---------------------------------------------------------------- the server process

def free_port() -> int:
    """A TCP port nobody listens on now (as tests/conftest.py does)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """A subprocess on 127.0.0.1 whose output goes to a log file; always killable."""

    def __init__(self, name, argv, log_path: Path, port: int, env=None):
        self.name, self.argv, self.log_path, self.port = name, argv, log_path, port
        self.env, self.proc = env, None

    def spawn(self):
        """Start the process, output to `log_path`, without waiting."""
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdout=self.log,
                                     env={**SERVER_ENV, **(self.env or os.environ)},
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.ps = psutil.Process(self.proc.pid)

    def start(self, timeout=30):
        """Spawn the process and wait until it accepts connections."""
        self.spawn()
        self.listening(timeout)
        return self

    def listening(self, timeout=30, every=0.05) -> float:
        """Wait until the process accepts a connection (polled every `every` s); when."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.2):
                    return time.monotonic()
            except OSError:
                time.sleep(every)
        raise RuntimeError(f"{self.name} did not start within {timeout}s")

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def rss_kb(self) -> int:
        return self.ps.memory_info().rss // 1024

    def cpu_s(self) -> float:
        return sum(self.ps.cpu_times()[:2])

    def stop(self):
        """Terminate it (kill it if it does not stop within 5 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            self.proc.kill()  # (nothing if it has stopped)
            self.proc.wait(5)
        if self.proc is not None:
            self.log.close()

    def log_problems(self, limit=15):
        """Lines of the server log that look like errors or warnings."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return {"lines": 0, "problem_lines": 0, "first": []}
        pattern = re.compile(r"Traceback|Error|Exception|error|exception|WARNING|"
                             r"warning|failed|Too many open files|refused")
        hits = [line for line in lines if pattern.search(line)]
        return {"lines": len(lines), "problem_lines": len(hits),
                "first": list(dict.fromkeys(line[:300] for line in hits))[:limit]}


def app_server(tmp: Path, mode: str, log_name="server.log", name="product", env=None,
               database=None, port=None) -> Server:
    """The app (run.py) on a free port (or `port`), its database (or `database`) and log in
    `tmp`; the links it hands out point at it unless `env` says otherwise."""
    port = port or free_port()
    env = {"FACILITATOR_PUBLIC_URL": f"http://{HOST}:{port}", **(env or os.environ)}
    return Server(name, [sys.executable, str(ROOT / "run.py"), "--host", HOST, "--port",
                         str(port), "--database", str(database or tmp / "bench.db"),
                         "--async-mode", mode], tmp / log_name, port, env)


def schedstat(pid: int):
    """(on-CPU s, waiting-for-a-CPU s) summed over a process's threads, from
    /proc/<pid>/task/*/schedstat; None where the kernel does not provide it."""
    on = wait = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "schedstat").read_text().split()
            on, wait = on + int(fields[0]), wait + int(fields[1])
    except (OSError, IndexError, ValueError):
        return None
    return on / 1e9, wait / 1e9


# Written to a temp dir put first on the servers' PYTHONPATH, where Python imports
# `sitecustomize` at start-up, before run.py monkey-patches (the app is not changed): it
# logs the server's garbage collections ("G wall monotonic seconds generation": each of
# generation 2 or over BENCH_PROBE_GC_OVER s) and, with BENCH_PROBE_STACKS_EVERY, has an OS
# thread sample the main thread's Python stack, the greenlet on the loop ("S wall stack").
PROBE = r'''
import _thread, gc, os, sys, time
_path = os.environ.get("BENCH_PROBE_LOG")
if _path:
    _log, _start = open(_path, "a", buffering=1), [None, None]
    _over = float(os.environ.get("BENCH_PROBE_GC_OVER", "0"))
    _every = float(os.environ.get("BENCH_PROBE_STACKS_EVERY", "0"))

    def _gc_timer(phase, info):
        if phase == "start":
            _start[:] = time.time(), time.monotonic()
        elif _start[0] is not None:
            took = time.monotonic() - _start[1]
            if info["generation"] == 2 or took > _over:
                _log.write(f"G {_start[0]:.4f} {_start[1]:.6f} {took:.6f} {info['generation']}\n")

    def _frames(frame):
        names = []
        while frame is not None and len(names) < 60:
            name = frame.f_code.co_filename
            if "/site-packages/" in name:
                name = name.rsplit("/site-packages/", 1)[1]
            elif "/lib/python3." in name:
                name = name.rsplit("/lib/python3.", 1)[1].split("/", 1)[-1]
            names.append(f"{name}:{frame.f_code.co_name}:{frame.f_lineno}")
            frame = frame.f_back
        return ";".join(reversed(names))

    def _sample(main, sleep=time.sleep):  # the real sleep, before any monkey-patching
        while True:
            sleep(_every)
            frame = sys._current_frames().get(main)
            if frame is not None:
                _log.write(f"S {time.time():.4f} {_frames(frame)}\n")

    gc.callbacks.append(_gc_timer)
    if _every:
        _thread.start_new_thread(_sample, (_thread.get_ident(),))
'''


def add_probe(tmp: Path, gc_over=0.0, stacks_every=0.0) -> Path:
    """Have the servers started from now on run PROBE, logging to a file in `tmp`: its path."""
    (tmp / "probe").mkdir()
    (tmp / "probe" / "sitecustomize.py").write_text(PROBE)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tmp / "probe"), os.environ.get("PYTHONPATH")) if p)
    os.environ.update(BENCH_PROBE_LOG=str(tmp / "probe.log"), BENCH_PROBE_GC_OVER=str(gc_over),
                      BENCH_PROBE_STACKS_EVERY=str(stacks_every))
    return tmp / "probe.log"


def read_probe(path: Path):
    """PROBE's log: the stack samples as (wall time, stack) and the collections as (wall
    time, monotonic time, seconds, generation)."""
    samples, collections = [], []
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            kind, _, rest = line.partition(" ")
            with contextlib.suppress(ValueError):
                if kind == "S" and " " in rest:
                    at, stack = rest.split(" ", 1)
                    samples.append((float(at), stack))
                elif kind == "G":
                    wall, mono, took, gen = rest.split()
                    collections.append((float(wall), float(mono), float(took), int(gen)))
    return samples, collections


def commit_cost(directory: Path, n=50) -> dict:
    """What one write costs on this disk just now, committed as the app's store does
    (WAL, synchronous=FULL): mean and max in ms."""
    path, times = directory / "commit-probe.db", []
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; create table t (x);")
    for i in range(n):
        start = time.perf_counter()
        db.execute("insert into t values (?)", [i])
        db.commit()
        times.append(time.perf_counter() - start)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"mean_ms": round(statistics.fmean(times) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2)}


MONITOR_PERIOD = 0.02  # the server's loop monitor sleeps this long (facilitator/health.py)


def loop_stalls(url: str, since: float, until: float | None = None, intervals=False) -> dict:
    """The server loop's stalls (its own monitor: /healthz `loop.recent`, the wake-ups 20
    ms or more late, on the server's wall clock) overlapping [since, until]: the longest,
    how many, their total and the 12 longest in ms, the server's own full collections then
    ([ms, kind]) and, with `intervals`, each stall as [stamped at, ms late] (it ran from
    the stamp - late - MONITOR_PERIOD to the stamp)."""
    with urllib.request.urlopen(url + "/healthz", timeout=20, context=TLS_CONTEXT) as response:
        loop = json.loads(response.read())["loop"]
    until, recent = until or time.time(), loop["recent"]
    inside = [(at, late) for at, late in recent
              if at >= since and at - late / 1000 - MONITOR_PERIOD <= until]
    stalls = [late for _, late in inside]
    return {"longest_stall_ms": max(stalls, default=0.0), "stalls": len(stalls),
            "stalled_ms_total": round(sum(stalls), 1),
            "stalls_ms": sorted(stalls, reverse=True)[:12],
            # the monitor keeps the last 200: older stalls in the window are lost
            **({"stall_log_truncated": True} if len(recent) >= 200 and recent[0][0] > since
               else {}),
            "collections": [[took, kind] for at, took, kind in loop.get("full_collections", [])
                            if since <= at <= until],
            **({"intervals": inside} if intervals else {})}


# ---------------------------------------------------------------- the run

def machine(**extra) -> dict:
    """What the figures were measured on."""
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "mem_total_mb": psutil.virtual_memory().total // 2**20,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()], **extra}


def parser(doc: str, phones: int | None, reps=1, time_limit=900.0, options=()):
    """The options of every benchmark of the app (--mode, --time-limit, --keep-logs and,
    unless `phones` is None, --phones, --reps, --wave, --wave-timeout), then `options`:
    (flag, default, help) each, of the default's type (False: a switch)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    crowd = [("--phones", phones, None), ("--reps", reps, None),
             ("--wave", 50, "phones joining at once"), ("--wave-timeout", 120.0, None)]
    for flag, default, text in [
            *(crowd if phones is not None else []),
            ("--time-limit", time_limit, "give up (and kill the servers) after this many s"),
            ("--keep-logs", False, "keep the temp dir with the server logs and databases"),
            *options]:
        p.add_argument(flag, help=text, **({"action": "store_true"} if default is False
                                           else {"type": type(default), "default": default}))
    return p


def parse(p, argv=None, extra=None, **bounds):
    """Parse the arguments; each named in `bounds` must lie in its (low, high), and
    `extra(args)` (a message) be None, or the parser says so and exits."""
    args = p.parse_args(argv)
    wrong = [f"{name.replace('_', '-')} {low}..{high}" for name, (low, high) in bounds.items()
             if not low <= getattr(args, name) <= high] + [m for m in [extra and extra(args)] if m]
    if wrong:
        p.error("need " + ", ".join(wrong))
    return args


def begin(name: str, args, note="", tmp_dir=None, **settings):
    """Ready this process (the open-file limit; SIGTERM and SIGHUP exit, so that the
    `finally` blocks still kill the servers) and make the run's temp dir; the temp dir and
    the report's head (settings, machine, library versions, NOTE and `note`);
    `args.started`."""
    nofile = raise_file_limit()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name.replace('_', '-')}-", dir=tmp_dir))
    found = {d.metadata["Name"].lower(): d.version for d in distributions()}
    args.started = time.monotonic()
    libraries = ("python-socketio", "python-engineio", "flask-socketio", "eventlet", "gevent",
                 "aiohttp")
    return tmp, {"benchmark": name, "mode": args.mode,
                 **{k: getattr(args, k) for k in ("phones", "reps") if hasattr(args, k)},
                 **settings, "machine": machine(load_generator_nofile=nofile),
                 "versions": {lib: found.get(lib) for lib in libraries},
                 "note": f"{NOTE} {note}".strip()}


def run_against(servers, scenario, args, out: dict, tmp: Path | None = None,
                full_collections=True):
    """Start the server (or each of a list), run `scenario(*servers, args, out)` within the
    time limit, stop them. An error goes in out["error"], the log summary in
    out["server_log"] (or out["server_logs"] by name). With `tmp`, the temp dir is then kept
    (--keep-logs) or removed. full_collections=False: see generator_without_full_collections."""
    many = isinstance(servers, list)
    servers = servers if many else [servers]

    async def go():
        for server in servers:
            server.start()
        await scenario(*servers, args, out)

    try:
        with contextlib.nullcontext() if full_collections else generator_without_full_collections():
            asyncio.run(asyncio.wait_for(go(), args.time_limit))
    except BaseException as error:  # noqa: BLE001 - report, then clean up and fail
        out["error"] = f"{type(error).__name__}: {error}"
    finally:
        for server in servers:
            server.stop()
        out.update({"server_logs": {server.name: server.log_problems() for server in servers}}
                   if many else {"server_log": servers[0].log_problems()})
    if tmp is not None:
        keep_or_remove(tmp, args, out, "server_logs" if many else "server_log")


def keep_or_remove(tmp: Path, args, out: dict, key="server_log"):
    """With --keep-logs the report names the temp dir (logs, database), which stays."""
    if args.keep_logs:
        out.setdefault(key, {})["dir"] = str(tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def generator_without_full_collections():
    """This process holds thousands of clients: a full garbage collection of it
    takes hundreds of milliseconds, which would show up as the servers' latency.
    Only young objects are collected while it runs (memory grows a little)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


class ClientLog(logging.Handler):
    """A logger for the clients (`logger`) that counts, rather than prints, the client
    library's warnings and errors (an unknown ack id, a bad frame) by their text; `take()`
    returns the counts so far, which start again from nothing."""

    def __init__(self, name: str):
        super().__init__(logging.WARNING)
        self.counts, self.logger = Counter(), logging.getLogger(name)
        self.logger.addHandler(self)
        self.logger.setLevel(logging.WARNING)
        self.logger.propagate = False

    def emit(self, record):
        self.counts[record.getMessage()[:80]] += 1

    def take(self) -> dict:
        counts, self.counts = dict(self.counts), Counter()
        return counts


# ---------------------------------------------------------------- the workshop

def create_workshop(url: str, title="Benchmark day") -> dict:
    """POST the create form and scrape the control key and code (as LiveServer does)."""
    body = urllib.parse.urlencode({"title": title}).encode()
    with urllib.request.urlopen(urllib.request.Request(url + "/", data=body),
                                timeout=20, context=TLS_CONTEXT) as response:
        page = response.read().decode()
    return {"key": re.search(r"/control/([A-Za-z0-9_-]+)", page).group(1),
            "code": re.search(r'class="code">([A-Z0-9]+)<', page).group(1)}


async def open_workshop(url: str, title: str, roles=(), pingers=0, **options):
    """Create a workshop and open its control screen, then a screen of each of `roles`
    ("screen", "panel") and `pingers` phones that never join (their events touch no
    table); the workshop (key, code) and the clients by role ("pingers": a list)."""
    w = await asyncio.to_thread(create_workshop, url, title)
    options = {**CLIENT_OPTIONS, **options}
    screens = {"facilitator": Client(url, {"role": "facilitator", "key": w["key"]}, **options)}
    snap = await screens["facilitator"].connect()
    for role in roles:
        screens[role] = Client(url, {"role": role, "key": snap["links"][role].rsplit("/")[-1]},
                               **options)
    screens["pingers"] = [Client(url, {"role": "delegate", "code": w["code"]}, **options)
                          for _ in range(pingers)]
    for client in clients_of(screens)[1:]:
        await client.connect()
    return w, screens


def clients_of(screens: dict, crowd=None) -> list:
    """Every client of open_workshop's screens, and the crowd's phones."""
    return [c for c in screens.values() if isinstance(c, Client)] + screens.get(
        "pingers", []) + (crowd.phones if crowd else [])


async def add_activity(fac, live=False, **settings) -> int:
    """Add an activity to the run sheet (and make it live); its id."""
    ack = await fac.call("activity:add", settings, timeout=30)
    if not ack.get("ok"):
        raise RuntimeError(f"activity:add: {ack}")
    if live and not (await fac.call("live:set", {"activity_id": ack["activity"]["id"]},
                                    timeout=30)).get("ok"):
        raise RuntimeError("live:set refused")
    return ack["activity"]["id"]


def poll(title: str, options=4) -> dict:
    """A poll's settings: `options` options A, B..., results shown live, no timer."""
    return {"kind": "poll", "title": title, "results": "live", "timer_seconds": 0,
            "options": [f"Option {chr(65 + k)}" for k in range(options)]}


def qa(title: str) -> dict:
    """A Q&A session's settings: published at once, no wait between questions."""
    return {"kind": "qa", "title": title, "auto_publish": True, "min_interval": 0,
            "max_questions": 100}


# ---------------------------------------------------------------- clients

class Count:
    """How many clients reached something; `at` is when `expected` had (monotonic)."""

    def __init__(self, expected=0):
        self.n, self.expected, self.at, self.reached = 0, expected, None, asyncio.Event()

    def add(self, k=1):
        self.n += k
        if self.at is None and self.expected and self.n >= self.expected:
            self.at = time.monotonic()
            self.reached.set()

    async def wait(self, timeout) -> bool:
        """Wait until `expected` did, at most `timeout` s; whether they did."""
        return await wait_for(self.reached, timeout)


class Watch:
    """The state `events` each client got about one activity, and when each first held
    what `marks` look for ({name: fn(client) -> bool}, read from the state it holds, as its
    screen shows it): `at[name][client]`, counted by `reached[name]`."""

    def __init__(self, clients, activity_id: int, events=("live", "view"), **marks):
        self.activity_id, self.marks, self.kinds = activity_id, marks, events
        self.events = {client: [] for client in clients}
        self.at = {name: {} for name in marks}
        self.reached = {name: Count(len(self.events)) for name in marks}
        # One listener per registry: a crowd's phones share theirs.
        self.registries = list({id(c.listeners): c for c in self.events}.values())
        self.listen("on")

    def listen(self, how):
        for client in self.registries:
            for event in self.kinds:
                getattr(client, how)(event, self.seen)

    def seen(self, client, data):
        if client not in self.events or self.activity_id not in (
                data.get("activity_id"), (data.get("activity") or {}).get("id")):
            return
        t = time.monotonic()
        self.events[client].append(t)
        for name, mark in self.marks.items():
            if client not in self.at[name] and mark(client):
                self.at[name][client] = t
                self.reached[name].add()

    def receipts(self, client, name, t0, last_ack) -> dict:
        """One client's figures: when it first held `name`, after the last ack and after
        `t0`, and the events it got until then, per second, their smallest and largest
        gap, and how many came after."""
        matched, events = self.at[name].get(client), self.events[client]
        during = [t for t in events if matched is None or t <= matched]
        gaps = [b - a for a, b in zip(during, during[1:])]
        span = (matched or last_ack or time.monotonic()) - t0
        return {"final_after_last_ack_ms": ms(matched - last_ack) if matched and last_ack
                else None, "final_after_first_ms": ms(matched - t0) if matched else None,
                "events": len(during), "events_after_final": len(events) - len(during),
                "events_per_s": round(len(during) / span, 2) if span > 0 else None,
                "min_gap_ms": ms(min(gaps)) if gaps else None,
                "max_gap_ms": ms(max(gaps)) if gaps else None}


async def go_live(fac, crowd, activity_id: int, timeout: float) -> dict:
    """`live:set` on the control screen, then wait until every phone of the crowd has its
    own view of the activity (from `live` itself, or by asking `live:mine`). Times in ms
    from the call: its ack, every phone told and every view (None if not all), with the
    counts of phones told, that asked and whose asking failed."""
    n = len(crowd.phones)
    viewed, asked, errors = Count(n), Count(), Count()
    watch = Watch(crowd.phones, activity_id, ("live",), told=lambda p: p.live_id == activity_id)
    told = watch.reached["told"]

    def on_view(phone, shown, was_asked, ok):
        if shown == activity_id:
            viewed.add()
            asked.add(was_asked)
            errors.add(not ok)

    crowd.on("own_view", on_view)
    try:
        t0 = time.monotonic()
        ack = await fac.call("live:set", {"activity_id": activity_id}, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"live:set refused: {ack}")
        t_ack = time.monotonic()
        await viewed.wait(timeout)
        await told.wait(0 if viewed.at else timeout)
    finally:
        watch.listen("off")
        crowd.off("own_view", on_view)
    return {"ack_ms": ms(t_ack - t0), "end_ms": ms(time.monotonic() - t0),
            "told_ms": ms(told.at and told.at - t0), "viewed_ms": ms(viewed.at and viewed.at - t0),
            "told": told.n, "viewed": viewed.n, "asked": asked.n, "errors": errors.n,
            "phones": n}


async def timed(call):
    """(send time, ack time or None, the ack or the exception) of one call, e.g.
    `timed(phone.vote(question_id))`."""
    t_send = time.monotonic()
    try:
        ack = await call
        return t_send, time.monotonic(), ack
    except Exception as error:  # noqa: BLE001 - counted by the caller
        return t_send, None, error


async def paced(jobs, seconds: float, timeout: float):
    """Start each job (an async callable) at an even pace over `seconds`, then wait for
    them all at most `timeout` s: the start, the end of the starting, and each job's
    result (None if it had not finished)."""
    tasks, t0 = [], time.monotonic()
    for s, job in enumerate(jobs):
        delay = t0 + s * seconds / len(jobs) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(job()))
    last_sent = time.monotonic()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
    for task in tasks:
        task.cancel()
    return t0, last_sent, [t.result() if t.done() and not t.cancelled() else None
                           for t in tasks]


async def paced_calls(calls, seconds: float, timeout: float):
    """Make each call (e.g. `phone.found`), paced and waited for as in `paced`, each one
    timed: the start, the end of the sending, then the replies' tally."""
    t0, last_sent, replies = await paced([lambda c=c: timed(c()) for c in calls], seconds,
                                         timeout)
    return (t0, last_sent, *tally(replies))


def tally(replies):
    """Timed calls' (send, ack, reply) (None: unfinished): the latencies of those acked,
    the failures counted by their outcome, and the last ack (monotonic, None if none)."""
    latencies, errors, acked = [], Counter(), []
    for reply in replies:
        if reply and reply[1] is not None:
            latencies.append(reply[1] - reply[0])
            acked.append(reply[1])
        result = outcome(reply and reply[2])
        if result != "ok":
            errors[result] += 1
    return latencies, dict(errors), max(acked, default=None)


async def join_storm(server, join, per="phone"):
    """Have clients join in waves (`join(after_wave)`, as in_waves), then let the server
    settle for 2 s: the clients, the join figures (from each client's timings), the
    server's memory figures, its memory after each wave and the storm's wall-clock span."""
    curve, rss0, cpu0, wall0 = [], server.rss_kb(), server.cpu_s(), time.time()
    clients, total, errors = await join(lambda n: curve.append((n, server.rss_kb() - rss0)))
    cpu, window = server.cpu_s() - cpu0, (wall0, time.time())
    await asyncio.sleep(2.0)  # presence ticks at 0.5 s
    rss1, n = server.rss_kb(), len(clients)
    phases = {name: [c.timings[name] for c in clients] for name in
              (clients[0].timings if clients else ())}
    figures = {**summary([sum(c.timings.values()) for c in clients], (50, 90, 99)),
               "total_s": total, "failed": errors, "server_cpu_s": round(cpu, 2),
               "phases_p50_p99_ms": {name: [pct(v, 50), pct(v, 99)] for name, v in phases.items()}}
    rss = {"before_kb": rss0, "after_kb": rss1, "connected": n,
           f"kb_per_{per}": round((rss1 - rss0) / n, 1) if n else None}
    return clients, figures, rss, curve, window


async def join_measured(server, crowd, args, out: dict, **join) -> list:
    """Join args.phones phones of the crowd (as join_storm) and record out["join"] with the
    server's memory growth; the phones (raises if none joined)."""
    phones, figures, rss, _, _ = await join_storm(server, lambda after_wave: crowd.join(
        args.phones, args.wave, args.wave_timeout, after_wave, **join))
    out["join"] = {"phones": len(phones), "total_s": figures["total_s"],
                   "failed": figures["failed"],
                   "server_rss_growth_kb": rss["after_kb"] - rss["before_kb"]}
    if not phones:
        raise RuntimeError("no phone joined")
    return phones


async def lag_monitor(stop: asyncio.Event, period: float, record):
    """This process's own loop lag: sleep `period` s at a time until stop, and pass how
    late each wake-up was (s) to `record`."""
    while not stop.is_set():
        t = time.monotonic()
        await asyncio.sleep(period)
        record(max(0.0, time.monotonic() - t - period))


async def ping_in_turn(pingers, stop: asyncio.Event, every: float, record, lag=None,
                       lag_period=0.02):
    """A no-op event every `every` s until stop, sent by the pingers in turn: an unjoined
    phone's `prompt:answer`, answered at once as `not_joined` without touching the
    database. `record(wall time, monotonic time, ok, round trip s)` for each; with `lag`,
    this process's loop lag goes to `lag` meanwhile (as lag_monitor)."""
    monitor = lag and asyncio.ensure_future(lag_monitor(stop, lag_period, lag))
    turn = 0
    while not stop.is_set():
        pinger, turn, wall = pingers[turn % len(pingers)], turn + 1, time.time()
        t0, _, reply = await timed(pinger.call("prompt:answer", {}, timeout=10))
        rtt = time.monotonic() - t0  # a lost ping waits out its 10 s
        record(wall, t0, outcome(reply) == "not_joined", rtt)
        await wait_for(stop, max(0.0, every - rtt))
    if monitor:
        await monitor
