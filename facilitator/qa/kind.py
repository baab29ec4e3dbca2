"""The Q&A activity kind: its settings and what each screen sees of it."""
from ..runsheet.kinds import Kind, register
from ..validation import boolean, choice, integer, invalid, text_list
from . import domain, views


class Posts(Kind):
    """Delegates post short texts that moderators may review: questions, reflections, ideas."""

    defaults = {"name_mode": "choice", "auto_publish": False, "voting": True}

    @classmethod
    def config(cls, data: dict) -> dict:
        """Validate the settings of a session."""
        d = cls.defaults
        labels = [x for x in text_list(data, "labels", "Each label", max_items=20, max_len=40)
                  if x]
        if len(set(labels)) != len(labels):
            raise invalid("Each label must be different.", "labels")
        return {
            "name_mode": choice(data, "name_mode", "Names on posts",
                                ("anonymous", "named", "choice"), default=d["name_mode"]),
            "auto_publish": boolean(data, "auto_publish", "Publish without review",
                                    default=d["auto_publish"]),
            "voting": boolean(data, "voting", "Voting", default=d["voting"]),
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
    def mine_for_all(store, activity: dict):
        """Before anyone has posted or voted, every phone has nothing of its own."""
        if domain.any_posts(store, activity["id"]):  # votes are for posts
            return False, None
        return True, views.personal(store, activity, None)

    @staticmethod
    def control(store, activity: dict):
        """The moderation view for control and panel screens."""
        return views.moderation(store, activity)

    @staticmethod
    def progress(store, activity: dict):
        """Received, published, held and answered counts."""
        return domain.counts(store, activity["id"])

    @staticmethod
    def report(store, activity: dict):
        """The published posts and the counts."""
        return {"public": views.public(store, activity),
                "counts": domain.counts(store, activity["id"])}


@register
class QA(Posts):
    """Delegates ask and vote; moderators curate; panellists read."""

    name, label = "qa", "Q&A"


@register
class Reflection(Posts):
    """Open reflections shown as a wall, with optional moderation."""

    name, label = "reflection", "Open reflection"
    defaults = {"name_mode": "anonymous", "auto_publish": True, "voting": False}


@register
class Ideas(Posts):
    """An idea board: delegates post ideas and vote; top ideas rise."""

    name, label = "ideas", "Idea board"
    defaults = {"name_mode": "choice", "auto_publish": True, "voting": True}


POST_KINDS = (QA.name, Reflection.name, Ideas.name)
