"""Secrets: random tokens, their stored hashes, and links derived from them."""
import base64
import hashlib
import hmac
import secrets
import threading
import time

# No look-alike characters (0/O/Q, 1/I/L, 2/Z, 5/S, 8/B): read off a projector.
CODE_ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"
CODE_LENGTH = 6


def new_token() -> str:
    """A URL-safe random token of 192 bits."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """The stored form of a token: tokens are random, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def derived_key(facilitator_key: str, screen: str, generation: int) -> str:
    """The private key of a panel or projector link, derived from the facilitator's.

    Only the facilitator key's holder can recompute it, so the server stores
    just its hash; bumping the generation revokes the old link.
    """
    msg = f"{screen}:{generation}".encode()
    digest = hmac.new(facilitator_key.encode(), msg, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def new_join_code() -> str:
    """A short join code from the unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw) -> str:
    """Upper-case a typed code and drop spaces and dashes; '' if it cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 40:
        return ""
    code = "".join(ch for ch in raw.upper() if ch not in " -\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode(), b.encode())


class GuessThrottle:
    """Slows down join-code guessing from one network address.

    Only wrong codes count: each takes a token from the address's bucket
    (`burst` of them, refilled at `per_second`). An empty bucket refuses every
    code from that address until a token is back, a couple of seconds. A hall
    of phones behind one address typing the right code is never slowed, and a
    few typos cost nothing; one address trying codes gets about one try every
    two seconds, so finding one of a dozen live codes in the 191 million
    possible would take years.
    """

    def __init__(self, burst=30, per_second=0.5):
        self.burst, self.rate = burst, per_second
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, time)
        self._pruned = time.monotonic()

    def _tokens(self, address: str, now: float) -> float:
        tokens, then = self._buckets.get(address, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def wait(self, address: str) -> float:
        """Seconds before this address may try a code again (0: now)."""
        with self._lock:
            tokens = self._tokens(address, time.monotonic())
            return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def wrong(self, address: str):
        """Count a wrong code from this address."""
        now = time.monotonic()
        with self._lock:
            if now - self._pruned > 60 or len(self._buckets) > 50_000:
                # Forget addresses whose buckets are full again (a minute after their
                # last wrong code): nothing about them is kept longer than needed.
                self._pruned = now
                self._buckets = {a: b for a, b in self._buckets.items()
                                 if self._tokens(a, now) < self.burst}
            self._buckets[address] = (max(0.0, self._tokens(address, now) - 1), now)


guesses = GuessThrottle()
