"""Checking what clients send, and the errors that answer bad input."""
import unicodedata

# Control characters other than newline and tab have no place in typed text;
# bidi overrides can disguise what a name says.
_BANNED = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {
    "\x7f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069"}


class Problem(Exception):
    """A request that cannot be done, with a message a person can act on."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def ack(self) -> dict:
        """The error acknowledgement sent back to the client."""
        out = {"ok": False, "error": self.code, "message": self.message}
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


def clean_text(value, *, multiline=False) -> str:
    """Normalise typed text: NFC, no control or bidi-override characters, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if ch not in _BANNED)
    if not multiline:
        value = " ".join(value.split())
    return value.strip()


def text(data: dict, field: str, label: str, *, max_len: int,
         required=True, multiline=False) -> str:
    """A text field, cleaned and length-checked."""
    value = data.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(f"{label} must be text.", field)
    # Refuse absurd input before doing any work on it.
    if len(value) > max_len * 4:
        raise invalid(f"{label} is too long (at most {max_len} characters).", field)
    value = clean_text(value, multiline=multiline)
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
    if value not in options:
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
