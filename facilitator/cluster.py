"""What several server processes serving one event share, through Redis.

One process (the default) needs none of this: `Cluster` answers for it alone.
With a Redis URL, Socket.IO's message queue carries every broadcast to every
process, and `RedisCluster` adds what the queue does not:

- who is online: each process publishes the delegates it has connected once a
  beat, and reads the others' (at most a beat old);
- timers run once: one process at a time holds a short lease and runs them;
- commands that act on sockets (send a released delegate's phones back to the
  join form, drop screens on a replaced link) run in every process.

The database stays the one shared record of the event; Redis holds nothing
that is not rebuilt within seconds when it restarts.
"""
import json
import logging
import threading
import time
import uuid

from .extensions import get_cluster

log = logging.getLogger(__name__)

COMMANDS = {}


def everywhere(fn):
    """Register fn(*args) as a command that runs in every process when called.

    Arguments must be JSON values. The calling process runs it at once; the
    others when Redis delivers it (a few milliseconds later).
    """
    COMMANDS[fn.__name__] = fn

    def call(*args):
        fn(*args)
        get_cluster().publish(fn.__name__, args)
    call.local = fn
    return call


class Cluster:
    """A single process: it is the whole event."""

    worker = uuid.uuid4().hex[:12]
    shared = False

    def start(self, app):
        """Begin sharing (nothing to share alone)."""

    def remote_online(self, workshop_id: int) -> set[int]:
        """Delegates online through other processes."""
        return set()

    def remote_seen(self, workshop_id: int, since: float) -> set[int]:
        """Delegates whose last phone left another process since `since`."""
        return set()

    def share(self, online: dict[int, set[int]], departures: list[tuple[int, int, float]]):
        """Publish this process's online delegates and recent departures; return the
        workshops whose delegates online through other processes changed."""
        return set()

    def leads(self) -> bool:
        """Whether this process runs the timers now."""
        return True

    def publish(self, name: str, args):
        """Send a command to the other processes (there are none)."""


# Take the lease if free, keep it if ours: one atomic step.
LEASE_SCRIPT = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0
"""


class RedisCluster(Cluster):
    """Several processes sharing presence, timers and commands through Redis."""

    shared = True

    def __init__(self, url: str, interval: float, prefix: str = "facilitator"):
        import redis  # only deployments with several processes need it
        self.redis = redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)
        self.prefix = prefix
        self.interval = interval
        # A process that stops publishing is forgotten after this long.
        self.ttl = max(5.0, 10 * interval)
        self.lease_ms = int(max(2.0, 4 * interval) * 1000)
        self._lease = self.redis.register_script(LEASE_SCRIPT)
        self._cache: dict[int, tuple[float, set[int]]] = {}
        self._lock = threading.Lock()
        self._warned = 0.0

    def _key(self, *parts) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def start(self, app):
        """Listen for other processes' commands (in a background task)."""
        from .extensions import socketio

        def listen():
            while True:
                try:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(self._key("commands"))
                    for message in pubsub.listen():
                        self._run(app, message["data"])
                except Exception:  # noqa: BLE001 - Redis restarts; keep listening
                    self._warn("Redis command channel lost; retrying")
                    socketio.sleep(1)

        socketio.start_background_task(listen)

    def _run(self, app, data):
        try:
            message = json.loads(data)
            if message["from"] == self.worker:
                return
            with app.app_context():
                COMMANDS[message["name"]](*message["args"])
        except Exception:  # noqa: BLE001 - one bad command must not stop the listener
            log.exception("command from another process failed")

    def _warn(self, what: str):
        if time.monotonic() - self._warned > 30:
            self._warned = time.monotonic()
            log.warning(what, exc_info=True)

    def _or(self, fallback, fn, *args):
        """fn(*args), or `fallback` while Redis cannot be reached: this process
        keeps serving its own phones (and warns twice a minute at most)."""
        from redis import RedisError
        try:
            return fn(*args)
        except RedisError:
            self._warn("Redis cannot be reached; carrying on with this process's own view")
            return fallback

    def publish(self, name: str, args):
        """Send a command to every other process."""
        self._or(None, self.redis.publish, self._key("commands"),
                 json.dumps({"from": self.worker, "name": name, "args": list(args)}))

    def share(self, online, departures):
        """Once a beat: this process's online delegates per workshop, and who left;
        the workshops whose delegates online elsewhere changed."""
        return self._or(set(), self._share, online, departures)

    def _share(self, online, departures):
        now = time.time()
        pipe = self.redis.pipeline(transaction=False)
        for workshop_id, delegates in online.items():
            pipe.set(self._key("online", workshop_id, self.worker),
                     json.dumps(sorted(delegates)), ex=int(self.ttl))
            pipe.zadd(self._key("workers", workshop_id), {self.worker: now})
        for workshop_id, delegate_id, when in departures:
            pipe.zadd(self._key("seen", workshop_id), {str(delegate_id): when}, gt=True)
            pipe.expire(self._key("seen", workshop_id), 86400)
        pipe.execute()
        changed = set()
        for workshop_id in online:
            with self._lock:
                before = self._cache.pop(workshop_id, (0, None))[1]
            if self.remote_online(workshop_id) != before:
                changed.add(workshop_id)
        return changed

    def remote_online(self, workshop_id):
        """The other processes' online delegates, read at most once a beat."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(workshop_id)
        if cached and now - cached[0] < self.interval:
            return cached[1]
        return self._or(cached[1] if cached else set(), self._read_online, workshop_id, now)

    def _read_online(self, workshop_id, now):
        key = self._key("workers", workshop_id)
        self.redis.zremrangebyscore(key, "-inf", time.time() - self.ttl)
        workers = [w.decode() for w in self.redis.zrange(key, 0, -1)]
        others = [w for w in workers if w != self.worker]
        found: set[int] = set()
        if others:
            for ids in self.redis.mget([self._key("online", workshop_id, w) for w in others]):
                if ids:
                    found.update(json.loads(ids))
        with self._lock:
            self._cache[workshop_id] = (now, found)
        return found

    def remote_seen(self, workshop_id, since):
        """Delegates seen leaving (by any process) since `since`."""
        return {int(d) for d in self._or([], self.redis.zrangebyscore,
                                         self._key("seen", workshop_id), since, "+inf")}

    def leads(self):
        """Hold (or take) the timer lease; False if another process holds it. Without
        Redis every process runs them: a deadline then ends once per process (the
        writes are conditional), rather than not at all."""
        return bool(self._or(True, self._lease, [self._key("timers")],
                             [self.worker, self.lease_ms]))


def configure(app) -> Cluster:
    """Share with other processes if the app has a Redis URL (see extensions.get_cluster)."""
    url = app.config.get("REDIS_URL")
    cluster = RedisCluster(url, app.config["HEARTBEAT_INTERVAL"]) if url else Cluster()
    app.extensions["facilitator.cluster"] = cluster
    return cluster
