"""Simulated phones that speak the Socket.IO protocol (docs/PROTOCOL.md) as the browser does.

`Client` is any screen's connection (control, projector, panel): it connects over
WebSocket with its `auth` read at every attempt and holds the live state as every page
does (`hold`, the rule of static/js/state.js). `Phone` is one delegate's phone, driven as
static/js/phone.js drives it: it joins as a walk-in or claims a roster entry, keeps its
token, fetches its own view of each activity going live (`live:mine`, unless `live`
carries it), takes its own view from the acks that carry one, and takes part in whatever
is live as the live kind says a delegate would (`plan`, from the kind's `rehearse` hook:
answers spread as a room's are), besides helpers for the taps and posts the benchmarks
time. `Crowd` makes many phones of one workshop alike and joins them, in waves or spread
over some seconds. A rehearsal's crowd (`python -m facilitator.rehearsal`) and the
benchmarks in bench/ are made of these.

Every client calls listeners registered with `on(event, fn)` as `fn(client, *args)`, for
any server event (after the state took it in) and for `own_view` (activity id, asked, ok:
the phone has its own view of a newly live activity). Besides the app's own package (the
kinds' `rehearse`), only python-socketio's asyncio client (and aiohttp, which it uses)
is needed: no server runs here.
"""
import asyncio
import random
import re
import resource
import time
import uuid
from urllib.parse import urljoin

import socketio

from .. import plugins
from .standin import StandIn

# static/js/live.js: reconnectionDelay 500, reconnectionDelayMax 4000, timeout 8000
# (python-socketio's jitter is additive: +-0.5 s).
BROWSER_RECONNECT = {"reconnection": True, "reconnection_attempts": 0, "reconnection_delay": 0.5,
                     "reconnection_delay_max": 4.0, "randomization_factor": 0.5}
ATTEMPT_TIMEOUT = 8.0
# What a phone asks when no text is given (a session's own kind has better ones).
QUESTIONS = ("How will this change next year?", "Who decides on the funding?",
             "What does this mean for small teams?", "How do we share what worked?",
             "When will we hear back?", "What support is there for training?")


class Refused(RuntimeError):
    """The server answered an event with `ok: false`; the ack is in `ack`."""

    def __init__(self, event, ack):
        super().__init__(f"{event} refused: {ack.get('error')}")
        self.ack = ack


def outcome(reply) -> str:
    """What came of a call, as a crowd's sends are counted: "ok", the ack's error code,
    "no_ack" (no reply, or none in time), the exception's name or "bad_ack" (not an ack)."""
    if reply is None or isinstance(reply, TimeoutError):
        return "no_ack"
    if isinstance(reply, BaseException):
        return type(reply).__name__
    if not isinstance(reply, dict):
        return "bad_ack"
    return "ok" if reply.get("ok") else reply.get("error")


class Socket(socketio.AsyncClient):
    """python-socketio's client, noting when each connection attempt starts (its own
    reconnections too) and giving each `attempt_timeout` s."""

    def __init__(self, attempt_timeout, **options):
        super().__init__(**options)
        self.attempt_timeout, self.attempts = attempt_timeout, []

    async def connect(self, *args, wait_timeout=None, **kwargs):
        """Connect, noting the attempt; the reconnect loop calls this without a timeout."""
        self.attempts.append(time.monotonic())
        return await super().connect(*args, wait_timeout=wait_timeout or self.attempt_timeout,
                                     **kwargs)


class Listeners:
    """Functions called on events as `fn(client, *args)`; one registry may serve many."""

    listeners: dict

    def on(self, event, fn):
        """Call `fn(client, *args)` on `event`; returns fn."""
        self.listeners.setdefault(event, []).append(fn)
        return fn

    def off(self, event, fn):
        """Stop calling `fn` on `event`."""
        self.listeners[event].remove(fn)


def hold(client, name, data) -> bool:
    """Apply one server event to what a client holds (`activity`, `mine`, `views`: the
    activities a control screen or panel follows while they are not live), as
    static/js/state.js does; whether it was one of the state's events."""
    if name == "snapshot":
        client.snapshot, client.views = data, {}
        client.activity, client.mine = data["live"]["activity"], data["live"].get("mine")
    elif name == "live":
        before, after = client.activity, data["activity"]
        if "mine" in data or not before or not after or before["id"] != after["id"]:
            client.mine = data.get("mine")
        client.activity = after
    elif name == "view":
        target = client.activity
        if not target or target["id"] != data["activity_id"]:
            target = client.views.setdefault(data["activity_id"], {})
        removed = data.get("removed") or {}
        for key, value in data["view"].items():
            if key in data.get("patch", ()):
                items = {item["id"]: item for item in target.get(key) or ()}
                items.update((item["id"], item) for item in value)
                for gone in removed.get(key, ()):
                    items.pop(gone, None)
                value = list(items.values())
            target[key] = value
    elif name == "mine":
        if client.activity and client.activity["id"] == data["activity_id"]:
            client.mine = data["mine"]
    elif name == "workshop" and client.snapshot:
        client.snapshot["workshop"] = data
    else:
        return False
    return True


class Client(Listeners):
    """One screen's Socket.IO connection over WebSocket, holding the live state, with
    every snapshot queued.

    reconnect: reconnect by itself with the browser's delays; compress: offer
    permessage-deflate as browsers do (the server accepts it); logger: where the library's
    warnings go (False: nowhere; engineio_logger, if given, takes Engine.IO's); listeners:
    an `on` registry shared with other clients; other options go to python-socketio's
    AsyncClient (e.g. ssl_verify, http_session).
    """

    def __init__(self, url, auth=None, *, reconnect=False, compress=False, logger=False,
                 listeners=None, **options):
        self.url, self.auth = url, auth
        self.listeners = {} if listeners is None else listeners
        self.snapshots = asyncio.Queue()
        self.snapshot = self.activity = self.mine = None
        self.views, self.timings = {}, {}
        timeout = ATTEMPT_TIMEOUT if reconnect else 30
        if compress:
            options["websocket_extra_options"] = {"compress": 15}
        self.sio = Socket(timeout, request_timeout=timeout, logger=logger,
                          engineio_logger=options.pop("engineio_logger", logger),
                          **(BROWSER_RECONNECT if reconnect else {"reconnection": False}),
                          **options)
        for event in ("snapshot", "live", "view", "mine", "workshop"):
            self.sio.on(event, lambda data, event=event: self.received(event, data))
        self.sio.on("disconnect", lambda *reason: self.fire("disconnect", *reason))
        self.sio.on("connect_error", lambda data=None: self.fire("connect_error", data))
        self.sio.on("*", self.fire)

    def fire(self, event, *args):
        """Call the listeners of `event`."""
        for fn in self.listeners.get(event, ()):
            fn(self, *args)

    def received(self, event, data):
        """A state event: hold it, then tell the listeners."""
        hold(self, event, data)
        if event == "snapshot":
            self.snapshots.put_nowait(data)
        self.fire(event, data)

    @property
    def live_id(self):
        """The id of the activity live now, as this screen holds it (None: nothing)."""
        return (self.activity or {}).get("id")

    @property
    def connected(self):
        """Whether the socket is connected now."""
        return self.sio.connected

    @property
    def attempts(self):
        """The monotonic start of every connection attempt so far."""
        return self.sio.attempts

    def current_auth(self):
        """The `auth` sent with each connection attempt."""
        return self.auth

    async def connect(self, timeout=20, snapshot=True):
        """Connect over WebSocket; the first snapshot (None with snapshot=False). On a
        failure after connecting it disconnects and raises."""
        t0 = time.monotonic()
        await self.sio.connect(self.url, auth=self.current_auth, transports=["websocket"],
                               wait_timeout=timeout)
        t1 = time.monotonic()
        self.timings = {"connect": t1 - t0}
        if not snapshot:
            return None
        try:
            first = await asyncio.wait_for(self.snapshots.get(), timeout)
        except BaseException:
            await self.close()
            raise
        self.timings["snapshot_after_connect"] = time.monotonic() - t1
        return first

    async def call(self, event, payload=None, timeout=30):
        """Send `event` and wait for its ack."""
        return await self.sio.call(event, {} if payload is None else payload, timeout=timeout)

    async def close(self, timeout=10):
        """Disconnect and stop reconnecting, whatever goes wrong."""
        self.sio.reconnection = False
        try:
            await asyncio.wait_for(self.sio.disconnect(), timeout)
        except Exception:  # noqa: BLE001, S110 - teardown must go on
            pass


class Phone(Client):
    """A delegate's phone in workshop `code`; `index` names it ("Delegate 0007") and seeds
    its answers; `rehearsal`: the workshop's rehearsal secret (a simulated delegate)."""

    def __init__(self, url, code, index=0, *, token=None, rehearsal=None, seed=None, **options):
        super().__init__(url, None, **options)
        self.code, self.index, self.token, self.rehearsal = code, index, token, rehearsal
        self.me = None
        self.seed = index if seed is None else seed  # its delegate's dice (see StandIn)
        self.random = random.Random(self.seed)

    def current_auth(self):
        """A delegate's auth, with the stored token if there is one."""
        auth = {"role": "delegate", "code": self.code}
        if self.token:
            auth["token"] = self.token
        if self.rehearsal:
            auth["rehearsal"] = self.rehearsal
        return auth

    def received(self, event, data):
        """Keep the token and who this phone is from each snapshot, as phone.js does, and
        ask for its own view of a newly live activity unless `live` carries it."""
        before = self.live_id
        if event == "snapshot":
            self.me = data.get("me")
            if self.me is None and data.get("token_status") != "ok":
                self.token = None
            self.token = data.get("token") or self.token
        super().received(event, data)
        if event == "live" and self.live_id != before and self.live_id and self.me:
            if "mine" in data:  # the same for every phone: nothing to ask
                self.fire("own_view", self.live_id, False, True)
            else:
                asyncio.ensure_future(self.fetch_mine(self.live_id))

    async def call(self, event, payload=None, timeout=30):
        """Send `event` and wait for its ack; an ack carrying this phone's own view
        (`mine`) is applied as the page applies it."""
        ack = await super().call(event, payload, timeout)
        if isinstance(ack, dict) and ack.get("ok") and "mine" in ack and self.activity:
            hold(self, "mine", {"activity_id": ack.get("activity_id", self.live_id),
                                "mine": ack["mine"]})
        return ack

    async def fetch_mine(self, activity_id=None):
        """Ask for this phone's own view of what is live (`live:mine`); the ack."""
        try:
            ack = await self.call("live:mine", {}, timeout=60)
        except Exception:  # noqa: BLE001 - the phone carries on without it
            ack = {}
        self.fire("own_view", activity_id, True, bool(ack.get("ok")))
        return ack

    # ------------------------------------------------------------ joining

    async def join(self, name=None, organisation=None, role=None, timeout=60, keep=False):
        """Join as a walk-in (connecting first if need be); the ack. Raises (Refused if
        the server says no) and disconnects if that fails (but for a refusal with `keep`,
        to try another name)."""
        details = {"name": f"Delegate {self.index:04d}" if name is None else name,
                   "organisation": organisation or f"Organisation {self.index % 37}"}
        if role:
            details["role"] = role
        return await self._enter("delegate:join", lambda: details, timeout, keep)

    async def claim(self, name, timeout=60):
        """Find `name` on the roster and claim its first match ("That's me"); as join."""
        async def entry():
            found = await self.call("roster:search", {"q": name}, timeout)
            if not found.get("matches"):
                raise Refused("roster:search", {"error": "no_match"})
            return {"delegate_id": found["matches"][0]["id"]}
        return await self._enter("delegate:claim", entry, timeout)

    async def _enter(self, event, payload, timeout, keep=False):
        if not self.connected:
            await self.connect(timeout=min(timeout, 30))
        t0 = time.monotonic()
        try:
            details = payload()
            if asyncio.iscoroutine(details):
                details = await details
            ack = await self.call(event, details, timeout)
            if not ack.get("ok"):
                raise Refused(event, ack)
        except Refused:
            if not keep:
                await self.close()
            raise
        except BaseException:
            await self.close()
            raise
        self.timings["join_call"] = time.monotonic() - t0
        self.token, self.me = ack["token"], ack["me"]
        return ack

    async def leave(self):
        """Leave the workshop (`delegate:leave`); the phone forgets its token."""
        ack = await self.call("delegate:leave")
        self.token = self.me = None
        return ack

    # ------------------------------------------------------------ taking part

    @property
    def kind(self):
        """The kind of the activity live now (None: nothing)."""
        return (self.activity or {}).get("kind")

    def answer_payload(self, answer, client_id=None, activity_id=None):
        """The `prompt:answer` payload the browser sends for `answer`, e.g. {"choices": [1]}."""
        return {**answer, "client_id": client_id or uuid.uuid4().hex,
                "activity_id": activity_id or self.live_id}

    async def answer(self, answer=None, client_id=None, timeout=60):
        """Answer the live prompt (a plausible answer if none is given); the ack."""
        payload = self.answer_payload(answer or self.plausible_answer(), client_id)
        return await self.call("prompt:answer", payload, timeout)

    def plan(self, keen=1.0):
        """What its delegate would do with what is live now, as the live kind's `rehearse`
        says (hookspecs.Kind): a list of Acts, [] when nothing (or no kind this process
        knows) is live or the phone has not joined. `keen` as in StandIn: 1, eager."""
        activity = self.activity
        kind = plugins.load().get((activity or {}).get("kind"))
        if kind is None or not self.me:
            return []
        return kind.rehearse(activity, self.mine, StandIn(self.seed, activity["id"], keen,
                                                          self.me))

    def payload_of(self, act):
        """An Act's payload now (None: there is nothing to do after all)."""
        payload = act.payload
        return payload(self.activity, self.mine) if callable(payload) else payload

    async def do(self, act, timeout=30):
        """Send an Act at once; the ack, or None if it had nothing to send."""
        payload = self.payload_of(act)
        return None if payload is None else await self.call(act.event, payload, timeout)

    def plausible_answer(self):
        """An answer to the live prompt, read from its public settings and spread as a
        room's are (the first answer of `plan`, without its ids), or None."""
        for act in self.plan():
            payload = self.payload_of(act) if act.event == "prompt:answer" else None
            if payload:
                return {k: v for k, v in payload.items() if k not in ("activity_id", "client_id")}
        return None

    async def ask(self, text=None, anonymous=None, client_id=None, timeout=30):
        """Post a question, reflection or idea (a plausible one if no text) to the live
        session; the ack."""
        settings = (self.activity or {}).get("settings") or {}
        if anonymous is None:
            anonymous = {"anonymous": True, "named": False}.get(
                settings.get("name_mode"), self.random.random() < 0.4)
        text = text or self.random.choice(QUESTIONS)
        return await self.call("qa:ask", {
            "client_id": client_id or uuid.uuid4().hex, "anonymous": anonymous,
            "text": text[:settings.get("max_length") or len(text)]}, timeout)

    def votable(self):
        """The live session's posts this phone may vote for now (not voted yet, not its
        own unless the session allows it), or [] where there is no voting."""
        settings = (self.activity or {}).get("settings") or {}
        if "questions" not in (self.activity or {}) or not settings.get("voting", True):
            return []
        mine = self.mine or {}
        own = set() if settings.get("allow_own_vote") else {
            q["id"] for q in mine.get("questions") or ()}
        voted = set(mine.get("voted") or ())
        return [q for q in (self.activity.get("questions") or ())
                if q["id"] not in own | voted and q.get("status") in ("published", "answering")]

    async def vote(self, question_id=None, up=True, timeout=30):
        """Vote for a question (if none is given, one of those it may vote for, the more
        voted likelier: the room agrees); the ack, or None if there is none."""
        if question_id is None:
            shown = self.votable()
            if not shown:
                return None
            question_id = self.random.choices(
                [q["id"] for q in shown], [1 + q.get("votes", 0) for q in shown])[0]
        return await self.call("qa:vote", {"question_id": question_id, "up": up}, timeout)

    @property
    def group(self):
        """This phone's Connect group in the current round (None: none)."""
        return (self.mine or {}).get("group")

    def card_ref(self):
        """The activity and round a Connect tap is about, as the browser sends them."""
        return {"activity_id": self.live_id,
                "round": ((self.activity or {}).get("round") or {}).get("number")}

    async def found(self):
        """"We've found each other" on the Connect card."""
        return await self.call("connect:found", self.card_ref())

    async def cant_find(self):
        """"I can't find them" on the Connect card."""
        return await self.call("connect:cant_find", self.card_ref())

    async def know(self, delegate_id):
        """"We already know each other", of one member of the group."""
        return await self.call("connect:know", {"delegate_id": delegate_id, **self.card_ref()})

    async def sit_out(self, sitting_out=True):
        """Sit out of the Connect rounds (or come back)."""
        return await self.call("connect:sit_out", {"sitting_out": sitting_out})

    async def take_part(self):
        """Do at once the first thing its delegate would do with what is live now (an
        eager one: see `plan`) that has something to send; the ack or None."""
        for act in self.plan():
            if self.payload_of(act) is not None:
                return await self.do(act)
        return None

    async def load_page(self, session=None):
        """Fetch the phone page and what it loads (stylesheets, icon, the JavaScript
        modules they import), as a browser with an empty cache: {path: status}."""
        import aiohttp
        own = session is None
        session = session or aiohttp.ClientSession()
        loaded, queue = {}, [f"/j/{self.code}"]
        try:
            while queue:
                path = queue.pop(0)
                async with session.get(urljoin(self.url, path)) as response:
                    body = await response.text(errors="replace")
                    loaded[path] = response.status
                links = re.findall(r'(?:src|href)="(/(?:static|kinds)/[^"]+)"', body) + [
                    urljoin(path, m) for m in re.findall(
                        r'(?:from|import)\s*[\'"](\.{1,2}/[^\'"]+)[\'"]', body)]
                queue += [p for p in dict.fromkeys(links) if p not in loaded and p not in queue]
        finally:
            if own:
                await session.close()
        return loaded


# ---------------------------------------------------------------- crowds


def raise_file_limit():
    """Every client holds a socket: lift the soft open-file limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def in_waves(start, count, wave, wave_timeout=None, after_wave=None):
    """Run `start(i)` for i in range(count), `wave` at a time, each wave given `wave_timeout`
    s (None: unbounded) and followed by `after_wave(successes so far)`.

    Returns what the calls returned (in order of i), the total time (s) and the failures
    counted by error."""
    results, failures = [], {}
    started = time.monotonic()
    for first in range(0, count, wave):
        tasks = [asyncio.ensure_future(start(i)) for i in range(first, min(first + wave, count))]
        done, _ = await asyncio.wait(tasks, timeout=wave_timeout)
        for task in tasks:
            if task not in done:
                task.cancel()
                name = "wave_timeout"
            elif task.exception() is not None:
                name = f"{type(task.exception()).__name__}: {str(task.exception())[:80]}"
            else:
                results.append(task.result())
                continue
            failures[name] = failures.get(name, 0) + 1
        if after_wave:
            after_wave(len(results))
    return results, round(time.monotonic() - started, 2), failures


async def wait_for(event: asyncio.Event, timeout) -> bool:
    """Wait for the event at most `timeout` s; whether it was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
        return True
    except TimeoutError:
        return False


async def close_all(clients, timeout=60):
    """Disconnect every client at once, giving up after `timeout` s."""
    try:
        await asyncio.wait_for(asyncio.gather(*[c.close() for c in clients]), timeout)
    except TimeoutError:
        pass


class Crowd(Listeners):
    """Phones of one workshop made alike (options as for Phone), sharing their listeners
    and a count of their disconnects; `phones` holds those that joined."""

    def __init__(self, url, code, **options):
        self.url, self.code, self.options = url, code, options
        self.phones, self.listeners, self.disconnects = [], {}, 0
        self.on("disconnect", self._disconnected)

    def _disconnected(self, phone, *reason):
        self.disconnects += 1

    def phone(self, index=0):
        """A new phone of this crowd (not connected)."""
        return Phone(self.url, self.code, index, listeners=self.listeners, **self.options)

    async def join(self, count, wave=50, wave_timeout=None, after_wave=None, enter=None,
                   first=0, spread=0.0):
        """Make `count` phones (indices from `first`) and have each enter, by default as a
        walk-in (`enter(phone)` otherwise), `wave` at a time, each after a random delay of
        up to `spread` s; as in_waves."""
        rng = random.Random(first)
        delays = [rng.uniform(0, spread) if spread else 0 for _ in range(count)]

        async def one(i):
            if delays[i]:
                await asyncio.sleep(delays[i])
            phone = self.phone(first + i)
            await (enter(phone) if enter else phone.join())
            self.phones.append(phone)
            return phone

        return await in_waves(one, count, wave, wave_timeout, after_wave)

    async def arrive(self, count, seconds=5.0, enter=None, first=0):
        """Have `count` phones join at random moments over `seconds`, as a room fills up."""
        return await self.join(count, max(count, 1), enter=enter, first=first, spread=seconds)

    async def close(self, timeout=60):
        """Disconnect every phone at once, giving up after `timeout` s."""
        await close_all(self.phones, timeout)
