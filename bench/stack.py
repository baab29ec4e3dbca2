"""The documented deployment on loopback: Redis, several `run.py` processes on
one database, and HAProxy with `deploy/haproxy.cfg` terminating TLS in front.

Used by `join_broadcast.py --through` and the scale-out tests. Needs Debian's
`redis-server`, `haproxy` and `openssl`.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, ROOT, Server, app_server, free_port  # noqa: E402

TOOLS = ("redis-server", "haproxy", "openssl")


def tool(name: str) -> str | None:
    """A program's path; Debian puts haproxy in /usr/sbin, not always on PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def missing_tools() -> list[str]:
    """Programs the stack needs that are not installed."""
    return [name for name in TOOLS if tool(name) is None]


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and HAProxy's PEM (certificate and key)."""
    cert, key, pem = directory / "cert.pem", directory / "key.pem", directory / "haproxy.pem"
    subprocess.run([tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return cert, pem


class Stack:
    """Redis, `workers` app processes (eventlet or gevent) and HAProxy, on loopback.

    With workers=1 the proxy's two servers both point at the one process, so
    the path through proxy and Redis is the same as with two.
    """

    def __init__(self, directory: Path, workers=2, mode="eventlet", env=None):
        self.dir, self.mode, self.extra_env = Path(directory), mode, env or {}
        self.dir.mkdir(parents=True, exist_ok=True)
        self.database = self.dir / "stack.db"
        self.redis_port, self.https_port, self.http_port = free_port(), free_port(), free_port()
        self.worker_ports = [free_port() for _ in range(workers)]
        self.redis = self.proxy = None
        self.workers: list[Server | None] = []

    @property
    def url(self) -> str:
        """Where phones connect: HAProxy's HTTPS address."""
        return f"https://{HOST}:{self.https_port}"

    def start(self):
        """Start Redis, the workers, then the proxy; each waits until it listens."""
        self.cert, pem = self_signed(self.dir)
        self.redis = Server("redis", [
            tool("redis-server"), "--port", str(self.redis_port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", str(self.dir)],
            self.dir / "redis.log", self.redis_port).start()
        self.workers = [None] * len(self.worker_ports)
        for index in range(len(self.worker_ports)):
            self.start_worker(index)
        env = {**os.environ, "FACILITATOR_TLS_PEM": str(pem),
               "FACILITATOR_HTTPS_BIND": f"{HOST}:{self.https_port}",
               "FACILITATOR_HTTP_BIND": f"{HOST}:{self.http_port}",
               "FACILITATOR_WORKER1": f"{HOST}:{self.worker_ports[0]}",
               "FACILITATOR_WORKER2": f"{HOST}:{self.worker_ports[-1]}"}
        self.proxy = Server("haproxy", [
            tool("haproxy"), "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
            self.dir / "haproxy.log", self.https_port, env=env).start()
        return self

    def start_worker(self, index: int):
        """(Re)start worker `index` on its port."""
        env = {**os.environ, **self.extra_env,
               "FACILITATOR_REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
               "FACILITATOR_TRUSTED_PROXIES": "1", "FACILITATOR_PUBLIC_URL": self.url}
        self.workers[index] = app_server(self.dir, self.mode, f"worker{index + 1}.log",
                                         f"worker{index + 1}", env, self.database,
                                         self.worker_ports[index]).start()
        return self.workers[index]

    def log_problems(self) -> dict:
        """Each worker's log problems (see Server), by name."""
        return {server.name: server.log_problems() for server in self.workers if server}

    def rss_kb(self) -> int:
        """The workers' memory (KB), together."""
        return sum(server.rss_kb() for server in self.workers)

    def cpu_s(self) -> float:
        """The workers' CPU time (s), together."""
        return sum(server.cpu_s() for server in self.workers)

    def kill_worker(self, index: int):
        """SIGKILL one worker, as a crash would."""
        self.workers[index].proc.kill()
        self.workers[index].proc.wait(10)
        self.workers[index].log.close()

    def stop(self):
        """Stop everything (always safe to call)."""
        for server in [self.proxy, *self.workers, self.redis]:
            if server is not None:
                server.stop()
