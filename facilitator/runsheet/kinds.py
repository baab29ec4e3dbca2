"""Activity kinds: how each is configured and what screens are shown of it.

A capability registers its kind here; the run sheet, live state and every
screen then handle it without change.
"""
from ..validation import invalid, text

KINDS = {}


def register(kind):
    """Add an activity kind to the run sheet (a class decorator)."""
    KINDS[kind.name] = kind
    return kind


class Kind:
    """What every kind provides; the defaults suit a kind with no personal view."""

    name = label = ""

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the facilitator's settings for this kind."""
        raise NotImplementedError

    @staticmethod
    def public(store, activity: dict) -> dict:
        """What every screen sees while it is live (merged into `live.activity`)."""
        return {}

    @staticmethod
    def personal(store, activity: dict, delegate_id: int):
        """What one phone alone sees while it is live (`mine`), or None."""
        return None

    @classmethod
    def mine_for_all(cls, store, activity: dict):
        """(True, mine) when every phone's `mine` is the same right now, so that `live`
        can carry it and no phone needs to ask; (False, None) otherwise."""
        if cls.personal is Kind.personal:  # no personal view at all
            return True, None
        return False, None

    @staticmethod
    def control(store, activity: dict):
        """What control screens alone see while it is live (`control`), or None."""
        return None

    @staticmethod
    def progress(store, activity: dict):
        """Counts for the projector and control screens while it is live, or None."""
        return None

    @classmethod
    def report(cls, store, activity: dict) -> dict:
        """Its section of the event report (the report page draws it)."""
        return {"public": cls.public(store, activity)}


@register
class Message(Kind):
    """A title and text pushed to every phone and the projector."""

    name = "message"
    label = "Message"

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the facilitator's settings for this kind."""
        return {"body": text(data, "body", "The message", max_len=2000,
                             required=False, multiline=True)}

    @staticmethod
    def public(store, activity: dict) -> dict:
        """What phones, panel and projector see while it is live."""
        return {"body": activity["config"].get("body", "")}


def kind_of(name):
    """The kind called `name`, or an invalid-input problem."""
    if name not in KINDS:
        raise invalid("Unknown activity kind; choose one of: " + ", ".join(KINDS) + ".",
                      "kind")
    return KINDS[name]
