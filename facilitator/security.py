"""Secrets: random tokens, their stored hashes, and links derived from them."""
import base64
import hashlib
import hmac
import secrets

from .throttle import limiter, per

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

    Only wrong codes count: `burst` of them in any `seconds` from one address,
    then every code from that address is refused until the oldest is a window
    old. A hall of phones behind one address typing the right code is never
    slowed, and a few typos cost nothing; one address trying codes gets about
    one try every two seconds, so finding one of a dozen live codes in the 191
    million possible would take years. Counted for every process with Redis.
    """

    def __init__(self, burst=30, seconds=60):
        self.burst = burst
        self.limit = per(burst, seconds)

    def wait(self, address: str) -> float:
        """Seconds before this address may try a code again (0: now)."""
        return limiter.wait(self.limit, "codes", address)

    def wrong(self, address: str):
        """Count a wrong code from this address."""
        limiter.hit(self.limit, "codes", address)


guesses = GuessThrottle()
