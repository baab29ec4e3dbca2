"""Activity kinds: how each is configured and what screens are shown of it.

A capability adds its kind here; the run sheet, live state and every screen
then handle it without change.
"""
from ..validation import invalid, text


class Message:
    """A title and text pushed to every phone and the projector."""

    name = "message"
    label = "Message"

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the facilitator's settings for this kind."""
        return {"body": text(data, "body", "The message", max_len=2000,
                             required=False, multiline=True)}

    @staticmethod
    def public(activity: dict) -> dict:
        """What phones, panel and projector see while it is live."""
        return {"body": activity["config"].get("body", "")}


KINDS = {kind.name: kind for kind in (Message,)}


def kind_of(name):
    """The kind called `name`, or an invalid-input problem."""
    if name not in KINDS:
        raise invalid("Unknown activity kind; choose one of: " + ", ".join(KINDS) + ".",
                      "kind")
    return KINDS[name]
