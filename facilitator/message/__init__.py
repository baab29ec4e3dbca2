"""The message kind: a title and text on every phone and the projector."""
from ..hookspecs import Kind
from ..validation import text


class Message(Kind):
    """A title and text pushed to every phone and the projector."""

    name, label = "message", "Message"
    description = "a title and text on every screen"
    examples = {"settings": {"body": "Coffee is in the atrium.\n\nBack at 11:00."}}

    @staticmethod
    def config(data: dict) -> dict:
        """The text (optional; a title alone is a message too)."""
        return {"body": text(data, "body", "The message", max_len=2000,
                             required=False, multiline=True)}

    @classmethod
    def view(cls, store, activity, role, only=None):
        """Every screen sees the text."""
        return {"body": activity["config"].get("body", "")}

    @classmethod
    def report(cls, store, activity):
        """The text, as shown."""
        return {"view": cls.view(store, activity, "screen")}


KINDS = [Message]
