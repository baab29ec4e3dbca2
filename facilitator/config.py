"""Settings from environment variables, with safe defaults."""
import os
import secrets
import time
from pathlib import Path

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
     "Most simultaneous connections one process accepts."),
    ("FACILITATOR_TRUSTED_PROXIES", "0",
     "Proxies in front of the server (1 behind HAProxy): their X-Forwarded-For and "
     "-Proto headers are believed. 0: none, the headers are ignored."),
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
        "REDIS_URL": env["FACILITATOR_REDIS_URL"],
        "TRUSTED_PROXIES": int(env["FACILITATOR_TRUSTED_PROXIES"]),
        "SECRET_KEY": env["FACILITATOR_SECRET_KEY"] or _secret_key(database.parent),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Coalesced updates (presence, progress) go out at most this often (seconds),
        # and timers are checked as often.
        "HEARTBEAT_INTERVAL": 0.5,
    }
    config.update({k: v for k, v in (overrides or {}).items() if k not in env})
    return config
