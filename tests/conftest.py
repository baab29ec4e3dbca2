"""Fixtures for every test layer: app and socket clients, and a real server."""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facilitator import create_app, socketio
from facilitator import realtime

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples"  # sample rosters, fictional delegates


@pytest.fixture
def app(tmp_path):
    """An app on a fresh database, served in threading mode for the test clients."""
    application = create_app({"DATABASE": str(tmp_path / "test.db"),
                              "ASYNC_MODE": "threading", "SECRET_KEY": "test",
                              "PUBLIC_URL": "http://venue.test:5000",
                              # Tests run the heartbeat themselves, deterministically.
                              "HEARTBEAT_INTERVAL": 3600})
    realtime.reset()  # connections are per process; start each test with none
    yield application
    realtime.reset()
    application.extensions["facilitator.store"].close()


@pytest.fixture
def client(app):
    """An HTTP test client."""
    return app.test_client()


class Workshops:
    """Create workshops and connect screens to them in tests."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def create(self, title="Leadership day") -> dict:
        """Create a workshop over HTTP; return its key, code and id."""
        page = self.client.post("/", data={"title": title}).get_data(as_text=True)
        key = re.search(r"/control/([A-Za-z0-9_-]+)", page).group(1)
        code = re.search(r'class="code">([A-Z0-9]+)<', page).group(1)
        store = self.app.extensions["facilitator.store"]
        row = store.one("select id from workshops where code = ?", [code])
        return {"key": key, "code": code, "id": row["id"]}

    def connect(self, **auth):
        """A Socket.IO test client with this auth; its connect snapshot is read off."""
        sio = socketio.test_client(self.app, auth=auth)
        assert sio.is_connected(), auth
        sio.snapshot = self.last(sio, "snapshot")
        return sio

    def facilitator(self, w):
        """A control screen of workshop w."""
        return self.connect(role="facilitator", key=w["key"])

    def phone(self, w, name="Ann Lee", organisation="Surrey County Council", role="Nurse"):
        """A phone that has joined workshop w as a walk-in."""
        sio = self.connect(role="delegate", code=w["code"])
        if name is not None:
            ack = sio.emit("delegate:join", {"name": name, "organisation": organisation,
                                             "role": role}, callback=True)
            assert ack["ok"], ack
            sio.token, sio.me = ack["token"], ack["me"]
            sio.snapshot = self.last(sio, "snapshot")
        return sio

    def links(self, facilitator_client):
        """The panel and projector keys a control screen was given."""
        links = facilitator_client.snapshot["links"]
        return {k: v.rsplit("/", 1)[1] for k, v in links.items()}

    def projector_and_panel(self, facilitator_client):
        """A projector, then a panel, connected by the links a control screen was given."""
        links = self.links(facilitator_client)
        return (self.connect(role="screen", key=links["screen"]),
                self.connect(role="panel", key=links["panel"]))

    @staticmethod
    def take(sio) -> list:
        """Every event the client received since last asked; each also updates what the
        screen holds (see `held`)."""
        got = sio.get_received()
        for e in got:
            hold(sio, e["name"], e["args"][0] if e["args"] else None)
        return got

    @staticmethod
    def received(sio, name):
        """Payloads of every event called `name` the client has received since last asked."""
        return [e["args"][0] for e in Workshops.take(sio) if e["name"] == name]

    @staticmethod
    def drain(sio) -> dict:
        """Everything received since last asked: event name -> latest payload."""
        return {e["name"]: e["args"][0] for e in Workshops.take(sio)}

    @staticmethod
    def last(sio, name):
        """The latest payload of event `name`, or None."""
        found = Workshops.received(sio, name)
        return found[-1] if found else None

    @staticmethod
    def held(sio) -> dict:
        """What the screen holds now of the live state, built from every event it got
        as the screens build it: {"activity": ..., "mine": ..., "views": {id: view}}
        (views: activities a control screen or panel follows while not live)."""
        Workshops.take(sio)
        return sio.held

    @staticmethod
    def view(sio) -> dict | None:
        """The live activity as the screen holds it now."""
        return Workshops.held(sio)["activity"]

    @staticmethod
    def send(sio, event: str, payload: dict) -> dict:
        """Emit an event and return its ack; a phone's own view in the ack (`mine`) is
        applied after what it received before, as the phone applies it."""
        ack = sio.emit(event, payload, callback=True)
        held = Workshops.held(sio)
        if isinstance(ack, dict) and ack.get("ok") and "mine" in ack \
                and held["activity"] is not None:
            hold(sio, "mine", {"activity_id": held["activity"]["id"], "mine": ack["mine"]})
        return ack


def hold(sio, name: str, data):
    """Apply one event to what a test client holds, as static/js/state.js does."""
    held = sio.__dict__.setdefault("held", {"activity": None, "mine": None, "views": {}})
    if name == "snapshot":
        held.update(activity=data["live"]["activity"], mine=data["live"].get("mine"), views={})
    elif name == "live":
        before = held["activity"]
        if "mine" in data or before is None or data["activity"] is None \
                or before["id"] != data["activity"]["id"]:
            held["mine"] = data.get("mine")
        held["activity"] = data["activity"]
    elif name == "view":
        current = held["activity"]
        target = current if current and current["id"] == data["activity_id"] else \
            held["views"].setdefault(data["activity_id"], {})
        for key, value in data["view"].items():
            if key in data.get("patch", ()):
                items = {item["id"]: item for item in target.get(key, [])}
                items.update((item["id"], item) for item in value)
                for gone in data["removed"].get(key, ()):
                    items.pop(gone, None)
                target[key] = list(items.values())
            else:
                target[key] = value
    elif name == "mine":
        if held["activity"] and held["activity"]["id"] == data["activity_id"]:
            held["mine"] = data["mine"]


@pytest.fixture
def workshops(app, client):
    """The Workshops helper."""
    return Workshops(app, client)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortTaken(RuntimeError):
    """Another process took the port between free_port() and the server's start."""


class LiveServer:
    """`python run.py` in a subprocess on 127.0.0.1, restartable on the same database."""

    def __init__(self, database: Path, mode="eventlet", env=None):
        self.database, self.mode, self.port = database, mode, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "FACILITATOR_PUBLIC_URL": self.url, **(env or {})}
        self.proc = None

    def start(self):
        """Start the server and wait until it answers. A port taken meanwhile (free_port
        cannot reserve it) is swapped for another, a few times."""
        for _ in range(3):
            try:
                return self._start()
            except PortTaken:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
                self.env["FACILITATOR_PUBLIC_URL"] = self.url
        return self._start()

    def _start(self):
        self.log = open(self.database.with_suffix(".log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port",
             str(self.port), "--database", str(self.database), "--async-mode", self.mode],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                self.proc = None
                log = self.database.with_suffix(".log").read_text()
                if f"Port {self.port} is already in use" in log:
                    raise PortTaken(self.port)
                raise RuntimeError(f"server exited: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self, kill=False):
        """Stop the server (SIGKILL with kill=True)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(10)
        if self.proc:
            self.log.close()
        self.proc = None

    def create_workshop(self, title="Live day") -> dict:
        """Create a workshop over real HTTP."""
        import requests
        page = requests.post(self.url + "/", data={"title": title}, timeout=10).text
        return {"key": re.search(r"/control/([A-Za-z0-9_-]+)", page).group(1),
                "code": re.search(r'class="code">([A-Z0-9]+)<', page).group(1)}


@pytest.fixture
def live_server(tmp_path):
    """A real server (eventlet) on a free port; stopped after the test."""
    server = LiveServer(tmp_path / "live.db").start()
    yield server
    server.stop()
