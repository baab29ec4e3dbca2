"""Rate limits: how often an address, a delegate or a screen may do something.

Every limit is a count per moving window, kept by the `limits` library: in this
process's memory alone, or in Redis with FACILITATOR_REDIS_URL, so that every
process of one event counts together. While Redis cannot be reached, each
process counts on its own (and says so, twice a minute at most) rather than
refusing everyone.
"""
import collections
import logging
import threading
import time

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

log = logging.getLogger(__name__)


def per(count: int, seconds: float) -> RateLimitItemPerSecond:
    """At most `count` times in any `seconds` seconds."""
    return RateLimitItemPerSecond(count, max(1, round(seconds)))


class LocalWindows:
    """limits' moving windows in this process's memory, for one process (and for
    each process while Redis is away).

    The library's own memory storage rescans every key a hundred times a second
    from a timer; with a key per phone that would take the server loop a few
    milliseconds in every ten. Here each window is pruned when it is used, and
    idle ones once a minute.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, collections.deque]] = {}  # key -> (expiry, hits)
        self._pruned = time.time()

    def _hits(self, item, ids, now: float) -> collections.deque:
        """The times of the hits in the window now (an empty window is kept)."""
        key = item.key_for(*ids)
        if key not in self._windows:
            self._windows[key] = (item.get_expiry(), collections.deque())
        expiry, hits = self._windows[key]
        while hits and hits[0] <= now - expiry:
            hits.popleft()
        return hits

    def hit(self, item, *ids) -> bool:
        now = time.time()
        with self._lock:
            if now - self._pruned > 60:
                self._pruned = now
                self._windows = {k: (e, h) for k, (e, h) in self._windows.items()
                                 if h and h[-1] > now - e}
            hits = self._hits(item, ids, now)
            if len(hits) >= item.amount:
                return False
            hits.append(now)
            return True

    def test(self, item, *ids) -> bool:
        with self._lock:
            return len(self._hits(item, ids, time.time())) < item.amount

    def get_window_stats(self, item, *ids) -> WindowStats:
        now = time.time()
        with self._lock:
            hits = self._hits(item, ids, now)
            reset = hits[0] + item.get_expiry() if hits else now
            return WindowStats(reset, max(0, item.amount - len(hits)))

    def clear(self, item, *ids):
        with self._lock:
            self._windows.pop(item.key_for(*ids), None)

    def reset(self):
        with self._lock:
            self._windows.clear()


class Throttle:
    """Moving-window counters, in memory or shared through Redis."""

    def __init__(self, redis_url: str = ""):
        self.configure(redis_url)

    def configure(self, redis_url: str = ""):
        """Count in memory, or in Redis when given its URL."""
        self.local = LocalWindows()
        self.shared = None
        if redis_url:
            self.shared = MovingWindowRateLimiter(RedisStorage(
                redis_url, key_prefix="facilitator-limits", wrap_exceptions=True,
                socket_timeout=2))
        self._warned = 0.0

    def _each(self, act):
        if self.shared is not None:
            try:
                return act(self.shared)
            except StorageError as exc:
                if time.monotonic() - self._warned > 30:
                    self._warned = time.monotonic()
                    log.warning("Redis cannot be reached (%s): rate limits are counted "
                                "by each process alone meanwhile", exc)
        return act(self.local)

    def hit(self, limit, *key) -> bool:
        """Count one; False (and nothing counted) if the limit is already reached."""
        return self._each(lambda limiter: limiter.hit(limit, *map(str, key)))

    def wait(self, limit, *key) -> float:
        """Seconds before one more would be allowed (0: now)."""
        def stats(limiter):
            if limiter.test(limit, *map(str, key)):
                return 0.0
            return max(0.0, limiter.get_window_stats(limit, *map(str, key)).reset_time
                       - time.time())
        return self._each(stats)

    def clear(self, limit, *key):
        """Forget what was counted."""
        self._each(lambda limiter: limiter.clear(limit, *map(str, key)))

    def reset(self):
        """Forget everything this process counted (tests, a fresh process)."""
        self.local.reset()


limiter = Throttle()
