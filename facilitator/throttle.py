"""Rate limits: how often an address, a delegate or a screen may do something.

Every limit is a count per moving window, kept by the `limits` library: in this
process's memory alone, or in Redis with FACILITATOR_REDIS_URL, so that every
process of one event counts together. While Redis cannot be reached, each
process counts on its own (and says so, twice a minute at most) rather than
refusing everyone.
"""
import logging
import time

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


def per(count: int, seconds: float) -> RateLimitItemPerSecond:
    """At most `count` times in any `seconds` seconds."""
    return RateLimitItemPerSecond(count, max(1, round(seconds)))


class Throttle:
    """Moving-window counters, in memory or shared through Redis."""

    def __init__(self, redis_url: str = ""):
        self.configure(redis_url)

    def configure(self, redis_url: str = ""):
        """Count in memory, or in Redis when given its URL."""
        self.local = MovingWindowRateLimiter(MemoryStorage())
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
        self.local.storage.reset()


limiter = Throttle()
