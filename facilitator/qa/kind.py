"""The Q&A activity kind: its settings and what each screen sees of it."""
from ..hookspecs import Export, Kind
from ..plugins import package_blueprint
from ..validation import boolean, choice, integer, invalid, text_list
from . import domain, exports, tables, views

MODERATORS = ("facilitator", "panel")


class Posts(Kind):
    """Delegates post short texts that moderators may review: questions, reflections, ideas."""

    defaults = {"name_mode": "choice", "auto_publish": False, "voting": True}
    script = "qa.js"
    settings_template = "qa/settings.html"
    blueprint = package_blueprint(__name__.rpartition(".")[0])
    collections = ("questions",)
    migrations = tables.MIGRATIONS
    owned = tables.OWNED
    exports = (Export("questions", "Questions", exports.questions),)
    examples = {"settings": {"auto_publish": False, "min_interval": 0}, "actions": [
        ("delegate", "qa:ask", {"client_id": "$client", "text": "What changes for carers?"}),
        ("facilitator", "qa:moderate", {"activity_id": "$activity",
                                        "question_id": "$last.question.id",
                                        "action": "approve"}),
        ("delegate", "qa:ask", {"client_id": "$client", "text": "Who pays?",
                                "anonymous": True}),
        ("panel", "qa:moderate", {"activity_id": "$activity",
                                  "question_id": "$last.question.id", "action": "dismiss"}),
    ]}
    not_live = "Questions are not open just now."

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

    @classmethod
    def view(cls, store, activity, role, only=None):
        """Phones and the projector: the published posts (and the counts when chosen).
        Moderators: every open post as they see it, the counts and the held words."""
        if role in MODERATORS:
            return views.moderation(store, activity, only)
        return views.public(store, activity, only)

    @staticmethod
    def mine(store, activity, delegate_id):
        """The phone's own posts and votes."""
        return views.personal(store, activity, delegate_id)

    @staticmethod
    def mine_for_all(store, activity):
        """Before anyone has posted or voted, every phone has nothing of its own."""
        if domain.any_posts(store, activity["id"]):  # votes are for posts
            return False, None
        return True, views.personal(store, activity, None)

    @classmethod
    def report(cls, store, activity):
        """The published posts and the counts."""
        return {"view": views.public(store, activity),
                "counts": domain.counts(store, activity["id"])}


# Votes, for the kinds that have them.
VOTE = [("delegate", "qa:ask", {"client_id": "$client", "text": "Can we share the data?"}),
        ("facilitator", "qa:moderate", {"activity_id": "$activity",
                                        "question_id": "$last.question.id",
                                        "action": "approve"}),
        ("delegate", "qa:vote", {"question_id": "$last.questions.0.id", "up": True})]


class QA(Posts):
    """Delegates ask and vote; moderators curate; panellists read."""

    name, label = "qa", "Q&A"
    description = "delegates ask and vote, moderators curate"
    examples = {**Posts.examples, "actions": Posts.examples["actions"] + VOTE}


class Reflection(Posts):
    """Open reflections shown as a wall, with optional moderation."""

    name, label = "reflection", "Open reflection"
    description = "free text on a wall"
    defaults = {"name_mode": "anonymous", "auto_publish": True, "voting": False}


class Ideas(Posts):
    """An idea board: delegates post ideas and vote; top ideas rise."""

    name, label = "ideas", "Idea board"
    description = "post ideas and vote"
    examples = {**Posts.examples, "actions": Posts.examples["actions"] + VOTE}
    defaults = {"name_mode": "choice", "auto_publish": True, "voting": True}


KINDS = [QA, Reflection, Ideas]
