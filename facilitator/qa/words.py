"""Holding back questions whose language needs a moderator's look before publishing."""
import re

# Common English profanity and slurs, with the mild swearing of a British room
# ("bloody", "crap", "sod"), as whole words; each workshop can edit its list.
DEFAULT_WORDS = [
    "arse", "arsehole", "ass", "asshole", "bastard", "bellend", "bitch", "bloody",
    "bollocks", "bugger", "bullshit", "cock", "crap", "cunt", "damn", "dick", "dickhead",
    "fuck", "fucker", "fucking", "goddamn", "knobhead", "motherfucker", "nigger", "paki",
    "pillock", "piss", "prick", "retard", "shag", "shit", "slag", "slut", "sod",
    "spastic", "tosser", "twat", "wank", "wanker", "whore",
]


def clean(words) -> list[str]:
    """A word list as stored: lower case, trimmed, unique, sorted."""
    return sorted({w.strip().casefold() for w in words if w and w.strip()})


_ENDINGS = ("", "s", "es", "ed", "er", "ers", "ing", "y")


def forms(word: str) -> set[str]:
    """A listed word and its common inflections: "piss" -> "pissed", "crap" ->
    "crappy", "arse" -> "arsed"; whole words only, so "class" is not "ass"."""
    found = {word + ending for ending in _ENDINGS}
    if word.endswith("e"):  # "arsed", "arsing"
        found |= {word + "d", word[:-1] + "ing", word[:-1] + "y"}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" \
            and word[-3] not in "aeiou":  # "crappy", "shitting", "twatted"
        found |= {word + word[-1] + ending for ending in ("ed", "er", "ers", "ing", "y")}
    return found


def flagged(text: str, words) -> list[str]:
    """The listed words (with common endings) that a text contains; an entry of
    several words matches those words in a row."""
    if not words:
        return []
    # Punctuation inside a word is dropped, so "f.u.c.k" still matches.
    tokens = re.findall(r"\w+", re.sub(r"(?<=\w)[.*_-](?=\w)", "", text.casefold()))
    single, joined = set(tokens), f" {' '.join(tokens)} "
    return sorted({w for w in words if (forms(w) & single if " " not in w
                                       else f" {' '.join(w.split())} " in joined)})
