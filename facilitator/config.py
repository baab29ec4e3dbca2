"""Settings from environment variables, with safe defaults."""
import os
import secrets
import time
from pathlib import Path

import limits

ROOT = Path(__file__).resolve().parent.parent

# name, default, help text: the README's settings table is written from this.
SETTINGS = [
    ("FACILITATOR_HOST", "0.0.0.0", "Address to listen on."),
    ("FACILITATOR_PORT", "5000", "Port to listen on."),
    ("FACILITATOR_DATABASE", "instance/facilitator.db",
     "SQLite database file (created on first start)."),
    ("FACILITATOR_ASYNC_MODE", "eventlet",
     "Server: eventlet, gevent or threading (development only)."),
    ("FACILITATOR_PASSWORD", "",
     "If set, creating a workshop asks for this password."),
    ("FACILITATOR_PUBLIC_URL", "",
     "Base URL phones use, e.g. http://192.168.1.20:5000 (detected if empty)."),
    ("FACILITATOR_SECRET_KEY", "",
     "Flask secret key (generated and kept in instance/ if empty)."),
    ("FACILITATOR_MAX_CONNECTIONS", "10000",
     "Most phones connected to one process at once; one more is refused with "
     "\"The room is full\". Pages, /healthz and the facilitator's, panel and "
     "projector screens have room beyond it (a fifth more, at least 100)."),
    ("FACILITATOR_HEADER_TIMEOUT", "10",
     "Seconds a new connection (or a keep-alive one starting a request) has to send "
     "its whole request header before it is closed."),
    ("FACILITATOR_REQUEST_TIMEOUT", "60",
     "Seconds a request (header, body and reply) may take from its first byte before "
     "its connection is closed; an Engine.IO request with a body, at most 20. Long "
     "polls and WebSockets are not cut."),
    ("FACILITATOR_IDLE_TIMEOUT", "60",
     "Seconds a keep-alive connection may wait between requests before it is closed. "
     "Long polls and WebSockets in progress are not cut."),
    ("FACILITATOR_TRUSTED_PROXIES", "0",
     "Proxies in front of the server (1 behind HAProxy): their X-Forwarded-For and "
     "-Proto headers are believed. 0: none, the headers are ignored."),
    ("FACILITATOR_JOIN_LIMIT", "300 per 100 seconds",
     "Most walk-ins joining one workshop from one network address: a burst of 300, "
     "then 3 a second. Phones behind one venue address share it."),
    ("FACILITATOR_CREATE_LIMIT", "20 per 10 minutes",
     "Most workshops created from one network address."),
    ("FACILITATOR_REDIS_URL", "",
     "Redis URL (redis://127.0.0.1:6379/0) shared by several server processes "
     "behind one proxy; see docs/DEPLOY.md. Empty: one process."),
]


def _secret_key(instance: Path) -> str:
    """Return a secret key kept in the instance folder so restarts keep sessions."""
    path = instance / "secret_key"
    try:  # exclusive create: processes starting together agree on one key
        with open(path, "x", opener=lambda p, flags: os.open(p, flags, 0o600)) as file:
            file.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):  # another process may be writing it this instant
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty; delete it or set FACILITATOR_SECRET_KEY")


def _limit(env: dict, name: str):
    """A rate such as "300 per 100 seconds" or "20/10 minutes"."""
    try:
        return limits.parse(env[name])
    except ValueError:
        raise SystemExit(f"{name}={env[name]!r} is not a rate such as "
                         "'300 per 100 seconds'") from None


def load(overrides=None) -> dict:
    """Build the app's config from the environment, then apply overrides."""
    env = {name: os.environ.get(name, default) for name, default, _ in SETTINGS}
    env.update({k: v for k, v in (overrides or {}).items() if k in env})
    database = Path(env["FACILITATOR_DATABASE"])
    if not database.is_absolute():
        database = ROOT / database
    database.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "DATABASE": str(database),
        "ASYNC_MODE": env["FACILITATOR_ASYNC_MODE"],
        "FACILITATOR_PASSWORD": env["FACILITATOR_PASSWORD"],
        "PUBLIC_URL": env["FACILITATOR_PUBLIC_URL"].rstrip("/"),
        "PORT": int(env["FACILITATOR_PORT"]),
        "HOST": env["FACILITATOR_HOST"],
        "MAX_CONNECTIONS": int(env["FACILITATOR_MAX_CONNECTIONS"]),
        "HEADER_TIMEOUT": float(env["FACILITATOR_HEADER_TIMEOUT"]),
        "REQUEST_TIMEOUT": float(env["FACILITATOR_REQUEST_TIMEOUT"]),
        "IDLE_TIMEOUT": float(env["FACILITATOR_IDLE_TIMEOUT"]),
        "REDIS_URL": env["FACILITATOR_REDIS_URL"],
        "JOIN_LIMIT": _limit(env, "FACILITATOR_JOIN_LIMIT"),
        "CREATE_LIMIT": _limit(env, "FACILITATOR_CREATE_LIMIT"),
        "TRUSTED_PROXIES": int(env["FACILITATOR_TRUSTED_PROXIES"]),
        "SECRET_KEY": env["FACILITATOR_SECRET_KEY"] or _secret_key(database.parent),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Coalesced updates (presence, progress) go out at most this often (seconds),
        # and timers are checked as often.
        "HEARTBEAT_INTERVAL": 0.5,
    }
    config.update({k: v for k, v in (overrides or {}).items() if k not in env})
    return config
