"""The Q&A activity kind: its settings and what each screen sees of it."""
from ..runsheet.kinds import Kind, register
from ..validation import boolean, choice, integer, invalid, text_list
from . import domain, views


@register
class QA(Kind):
    """Delegates ask and vote; moderators curate; panellists read."""

    name = "qa"
    label = "Q&A"

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the settings of a Q&A session."""
        labels = [x for x in text_list(data, "labels", "Each label", max_items=20, max_len=40)
                  if x]
        if len(set(labels)) != len(labels):
            raise invalid("Each label must be different.", "labels")
        return {
            "name_mode": choice(data, "name_mode", "Names on questions",
                                ("anonymous", "named", "choice"), default="choice"),
            "auto_publish": boolean(data, "auto_publish", "Publish without review",
                                    default=False),
            "profanity_filter": boolean(data, "profanity_filter", "Hold strong language",
                                        default=True),
            "max_length": integer(data, "max_length", "Longest question", low=40, high=1000,
                                  required=False, default=280),
            "allow_own_vote": boolean(data, "allow_own_vote", "Askers vote for their own",
                                      default=False),
            "min_interval": integer(data, "min_interval", "Seconds between questions", low=0,
                                    high=600, required=False, default=10),
            "max_questions": integer(data, "max_questions", "Questions per person", low=1,
                                     high=100, required=False, default=10),
            "labels": labels,
            "show_counts": boolean(data, "show_counts", "Counts on the projector",
                                   default=False),
        }

    @staticmethod
    def public(store, activity: dict) -> dict:
        """Published questions for every screen."""
        return views.public(store, activity)

    @staticmethod
    def personal(store, activity: dict, delegate_id: int):
        """The phone's own questions and votes."""
        return views.personal(store, activity, delegate_id)

    @staticmethod
    def control(store, activity: dict):
        """The moderation view for control and panel screens."""
        return views.moderation(store, activity)

    @staticmethod
    def progress(store, activity: dict):
        """Received, published, held and answered counts."""
        return domain.counts(store, activity["id"])
