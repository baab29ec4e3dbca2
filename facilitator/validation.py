"""Checking what clients send, and the errors that answer bad input."""
import functools
from dataclasses import dataclass
import json
import re
import unicodedata
from importlib import resources

# Control characters (C0 and C1) other than newline and tab have no place in typed
# text, nor the noncharacters U+FFFE and U+FFFF; bidi overrides can disguise what a
# name says.
_BANNED = {chr(c) for c in [*range(32), *range(0x7f, 0xa0)] if chr(c) not in "\n\t"} | {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\ufffe", "\uffff"}

# More combining marks than any script stacks on one letter: the rest is smeared
# over the lines around it ("Zalgo" text).
_STACKED_MARKS = re.compile(r"([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                            r"\ufe20-\ufe2f]{4})[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff"
                            r"\u20d0-\u20ff\ufe20-\ufe2f]+")

# A UTF-16 surrogate standing alone (JSON can carry "\ud800") is not a character:
# no encoding can write it, so it would break every file it reached.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Characters that draw nothing, besides the format characters (category Cf: zero-width
# spaces and joiners, soft hyphen, byte-order mark, direction marks): Unicode's
# default-ignorable fillers and variation selectors, and the blank Braille pattern.
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f"
                     "\u2800\u3164\uffa0" + "".join(map(chr, range(0xFE00, 0xFE10)))
                     + "".join(map(chr, range(0xFFF0, 0xFFF9))))


class Problem(Exception):
    """A request that cannot be done, with a message a person can act on."""

    def __init__(self, code: str, message: str, field: str | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}  # more fields for the ack, e.g. a roster match

    def ack(self) -> dict:
        """The error acknowledgement sent back to the client."""
        out = {**self.details, "ok": False, "error": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


def invalid(message: str, field: str | None = None) -> Problem:
    """A payload that is wrong in itself."""
    return Problem("invalid", message, field)


def payload(data) -> dict:
    """The event's payload as a dict ({} for none)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise invalid("Expected an object with named fields.")
    return data


def valid_unicode(value: str) -> str:
    """The text with each lone UTF-16 surrogate replaced by U+FFFD, the replacement
    character; a surrogate pair becomes the character it encodes."""
    if not _SURROGATE.search(value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def invisible(ch: str) -> bool:
    """Whether a character draws nothing on a screen (a format character or a filler)."""
    return unicodedata.category(ch) == "Cf" or ch in _FILLERS or \
        "\U000e0000" <= ch <= "\U000e0fff"


def visible(value: str) -> bool:
    """Whether a text has at least one character a reader can see: a letter, digit,
    punctuation mark or symbol (or a private-use one) that is not a filler."""
    return any((unicodedata.category(ch)[0] in "LNPS" or unicodedata.category(ch) == "Co")
               and not invisible(ch) for ch in value)


def _drawn(value: str) -> str:
    """The text without its invisible characters, except those that build an emoji:
    the joiner in "👩🏽\u200d💻" and the emoji variation selector after a symbol."""
    out = []
    for i, ch in enumerate(value):
        if invisible(ch):
            last = out[-1] if out else " "
            before = unicodedata.category(last)
            if ch in "\ufe0e\ufe0f" and before == "So":
                pass
            elif not (ch == "\u200d" and (before in ("So", "Sk") or last == "\ufe0f")
                      and unicodedata.category(value[i + 1:i + 2] or " ") == "So"):
                continue
        out.append(ch)
    return "".join(out)


def clean_text(value, *, multiline=False, name=False) -> str:
    """Normalise typed text: valid Unicode, NFC, no control or bidi-override
    characters, trimmed; empty if nothing in it is visible.

    With `name` (names, organisations, roles), invisible characters go too (but
    for those inside an emoji), so that two names that look the same are the
    same text.
    """
    value = "".join(ch for ch in valid_unicode(value) if ch not in _BANNED)
    value = unicodedata.normalize("NFC", _drawn(value) if name else value)
    value = _STACKED_MARKS.sub(r"\1", value)
    if not multiline:
        value = " ".join(value.split())
    value = value.strip()
    return value if visible(value) else ""


def text(data: dict, field: str, label: str, *, max_len: int,
         required=True, multiline=False, name=False) -> str:
    """A text field, cleaned (see clean_text) and length-checked."""
    value = data.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(f"{label} must be text.", field)
    # Refuse absurd input before doing any work on it.
    if len(value) > max_len * 4:
        raise invalid(f"{label} is too long (at most {max_len} characters).", field)
    value = clean_text(value, multiline=multiline, name=name)
    if required and not value:
        raise invalid(f"{label} is required.", field)
    if len(value) > max_len:
        raise invalid(f"{label} is too long (at most {max_len} characters).", field)
    return value


def integer(data: dict, field: str, label: str, *, low: int, high: int,
            required=True, default=None):
    """A whole number within bounds."""
    value = data.get(field)
    if value is None and not required:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{label} must be a whole number.", field)
    if not low <= value <= high:
        raise invalid(f"{label} must be between {low} and {high}.", field)
    return value


def boolean(data: dict, field: str, label: str, default=None):
    """A true/false field."""
    value = data.get(field, default)
    if not isinstance(value, bool):
        raise invalid(f"{label} must be true or false.", field)
    return value


def choice(data: dict, field: str, label: str, options, default=None):
    """One of a fixed set of values."""
    value = data.get(field, default)
    # 10.0 == 10 and True == 1: only a value of an option's own type is that option.
    if value not in options or type(value) not in {type(o) for o in options}:
        raise invalid(f"{label} must be one of: {', '.join(map(str, options))}.", field)
    return value


def text_list(data: dict, field: str, label: str, *, max_items: int, max_len: int) -> list[str]:
    """A list of short texts (blank ones kept as '' so positions line up)."""
    value = data.get(field) or []
    if not isinstance(value, list) or len(value) > max_items:
        raise invalid(f"{label} must be a list of at most {max_items} items.", field)
    out = []
    for item in value:
        if not isinstance(item, str):
            raise invalid(f"{label} must be text.", field)
        try:
            out.append(text({field: item}, field, label, max_len=max_len, required=False))
        except Problem as problem:
            raise invalid(f"{problem.message} (item {len(out) + 1})", field) from None
    return out


def name_key(name: str) -> str:
    """How two names are compared: case, accents' encoding and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each character that looks like another, mapped to the one it looks like
    (Unicode's confusables data, as shipped by confusable-homoglyphs)."""
    raw = json.loads(resources.files("confusable_homoglyphs")
                     .joinpath("confusables.json").read_text(encoding="utf-8"))
    table = {}
    for char, glyphs in raw.items():
        # The data links look-alikes both ways; the prototype is the one most
        # other characters point at (Cyrillic "а" -> Latin "a", "0" -> "O").
        best = max((g["c"] for g in glyphs), key=lambda c: len(raw.get(c, ())),
                   default=char)
        if len(char) == 1 and len(raw.get(best, ())) > len(glyphs):
            table[char] = best.replace("\u200e", "")
    return table


def name_skeleton(name: str) -> str:
    """What a name looks like: two names with one skeleton read the same on a screen.

    Compatibility forms, case, look-alike letters from other scripts ("а" for
    "a", "0" for "O", a capital I for an l), accents and other marks (a dot
    above an i draws nothing new), spacing, punctuation, symbols and invisible
    characters are all ignored: what is left is letters and digits. Names that
    differ only by case are compared by name_key as well.
    """
    table = _prototypes()
    value = unicodedata.normalize("NFKC", name)
    for _ in range(2):  # a prototype may itself map on once cased ("0" -> "O" -> "o")
        value = unicodedata.normalize(
            "NFD", "".join(table.get(ch, ch) for ch in value)).casefold()
    return "".join(ch for ch in value if unicodedata.category(ch)[0] in "LN")


# --- payload schemas: each socket handler declares its fields once ------------

@dataclass(frozen=True, kw_only=True)
class Field:
    """One named field of an event's payload and how it is checked (see
    realtime.handler's `fields`). `optional`: when absent it is left out of the
    values, so the handler can tell "not given" from a default."""

    label: str
    optional: bool = False

    def read(self, data: dict, name: str):
        """The checked value of `name` in `data`, or a Problem."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    """Text, cleaned and length-checked (see `text`)."""

    max_len: int
    required: bool = True
    multiline: bool = False
    name: bool = False

    def read(self, data, name):
        return text(data, name, self.label, max_len=self.max_len, required=self.required,
                    multiline=self.multiline, name=self.name)


@dataclass(frozen=True, kw_only=True)
class Int(Field):
    """A whole number within bounds; `default` when absent unless `required`."""

    low: int
    high: int
    required: bool = True
    default: int | None = None

    def read(self, data, name):
        return integer(data, name, self.label, low=self.low, high=self.high,
                       required=self.required, default=self.default)


@dataclass(frozen=True, kw_only=True)
class Id(Field):
    """The id of a row (a delegate, an activity, a question): anything else names
    nothing here. Whose it is, the domain function that looks it up checks.
    `nullable`: null is a value too (no activity)."""

    nullable: bool = False

    def read(self, data, name):
        value = data.get(name)
        if value is None and self.nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**62:
            raise Problem("not_found", f"{self.label} is not in this workshop.", name)
        return value


@dataclass(frozen=True, kw_only=True)
class Bool(Field):
    """True or false; `default` when absent (none: it must be given)."""

    default: bool | None = None

    def read(self, data, name):
        return boolean(data, name, self.label, default=self.default)


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    """One of a fixed set of values."""

    options: tuple
    default: object = None

    def read(self, data, name):
        return choice(data, name, self.label, self.options, default=self.default)


@dataclass(frozen=True, kw_only=True)
class TextList(Field):
    """A list of short texts."""

    max_items: int
    max_len: int

    def read(self, data, name):
        return text_list(data, name, self.label, max_items=self.max_items,
                         max_len=self.max_len)


@dataclass(frozen=True, kw_only=True)
class Raw(Field):
    """Passed on as sent, for a check that needs more than the payload (an activity's
    own limits, a kind's settings)."""

    def read(self, data, name):
        return data.get(name)


def parse(fields: dict, data: dict) -> dict:
    """The declared fields of a payload, each checked: {name: value}."""
    values = {}
    for name, field in fields.items():
        if field.optional and name not in data:
            continue
        values[name] = field.read(data, name)
    return values
