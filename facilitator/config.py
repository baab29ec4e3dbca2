"""Settings from environment variables, with safe defaults."""
import os
import secrets
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
]


def _secret_key(instance: Path) -> str:
    """Return a secret key kept in the instance folder so restarts keep sessions."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


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
        "SECRET_KEY": env["FACILITATOR_SECRET_KEY"] or _secret_key(database.parent),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Coalesced updates (presence, progress) go out at most this often (seconds),
        # and timers are checked as often.
        "HEARTBEAT_INTERVAL": 0.5,
    }
    config.update({k: v for k, v in (overrides or {}).items() if k not in env})
    return config
