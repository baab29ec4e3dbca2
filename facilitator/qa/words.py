"""Holding back questions whose language needs a moderator's look before publishing."""
import re

# Common English profanity and slurs, as word stems; each workshop can edit its list.
DEFAULT_WORDS = [
    "arse", "arsehole", "asshole", "bastard", "bellend", "bitch", "bollocks", "bugger",
    "bullshit", "cock", "crap", "cunt", "dick", "dickhead", "fuck", "fucker", "fucking",
    "motherfucker", "nigger", "paki", "piss", "prick", "retard", "shag", "shit", "slag",
    "slut", "spastic", "twat", "wanker", "whore",
]


def clean(words) -> list[str]:
    """A word list as stored: lower case, trimmed, unique, sorted."""
    return sorted({w.strip().casefold() for w in words if w and w.strip()})


_ENDINGS = ("", "s", "es", "ed", "er", "ers", "ing", "y")


def flagged(text: str, words) -> list[str]:
    """The listed words (with common endings) that a text contains."""
    if not words:
        return []
    # Punctuation inside a word is dropped, so "f.u.c.k" still matches.
    tokens = set(re.findall(r"\w+", re.sub(r"(?<=\w)[.*_-](?=\w)", "", text.casefold())))
    return sorted({w for w in words if any(w + ending in tokens for ending in _ENDINGS)})
