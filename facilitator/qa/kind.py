"""The Q&A activity kind: its settings and what each screen sees of it."""
from ..hookspecs import Export, Kind
from ..validation import boolean, choice, integer, invalid, text_list
from . import domain, exports, tables, views

MODERATORS = ("facilitator", "panel")


class Posts(Kind):
    """Delegates post short texts that moderators may review: questions, reflections, ideas."""

    defaults = {"name_mode": "choice", "auto_publish": False, "voting": True}
    script = "qa.js"
    settings_template = "qa/settings.html"
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
            "hide_votes": boolean(data, "hide_votes", "Hide vote counts on the projector",
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
    def anyone_has_mine(store, activity):
        """Before anyone has posted or voted, every phone has nothing of its own."""
        return domain.any_posts(store, activity["id"])  # votes are for posts

    @classmethod
    def report(cls, store, activity):
        """The published posts and the counts."""
        return {"view": views.public(store, activity),
                "counts": domain.counts(store, activity["id"])}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Some post a question (a reflection, an idea) or two, named or not as the
        session allows; the keen vote for a few of those published, the more voted
        likelier (a room agrees)."""
        # A stem and a topic each: a room's posts are alike, seldom word for word.
        stems = {
            "reflection": ("Hearing about {} from other sectors helped me most.",
                           "We need more time to talk about {} like this.",
                           "I will follow up on {} with two people I met today.",
                           "The figures on {} made the problem real for me.",
                           "I had not realised how much we already share on {}.",
                           "Small changes in {} add up."),
            "ideas": ("A shared plan for {} across every service", "Monthly drop-ins on {}",
                      "One phone number for {}", "Joint training days on {}",
                      "A directory of who does what in {}", "Volunteers to help with {}")}.get(
            cls.name) or (
            "How will {} change next year?", "Who decides on {}?",
            "What does the plan mean for {}?", "How do we share what worked in {}?",
            "When will we hear back about {}?", "What support is there for {}?",
            "How will carers have a say in {}?", "Can we share data on {} across organisations?",
            "What should we stop doing in {}?", "How will we know {} is getting better?")
        topics = ("discharge", "the workforce", "prevention", "mental health services",
                  "housing", "primary care", "digital records", "the voluntary sector",
                  "funding", "waiting lists", "social care", "training")
        settings = activity.get("settings") or {}
        share = (0.25 if cls.name == "qa" else 0.45) * (0.5 + who.keen)
        asks = (who.rng.random() < share) + (who.rng.random() < share / 4)
        votes = who.rng.choice((0, 1, 2, 2, 3, 4, 5)) \
            if who.keen > 0.1 and settings.get("voting", True) else 0
        steps = ["ask"] * asks + ["vote"] * votes
        who.rng.shuffle(steps)

        def vote(shown, own):
            own = own or {}
            mine_ = set() if settings.get("allow_own_vote") else {
                q["id"] for q in own.get("questions") or ()}
            open_ = [q for q in shown.get("questions") or ()
                     if q["id"] not in mine_ | set(own.get("voted") or ())
                     and q.get("status") in ("published", "answering")]
            if not open_:
                return None
            return {"up": True, "question_id": who.rng.choices(
                [q["id"] for q in open_], [1 + (q.get("votes") or 0) for q in open_])[0]}

        plan = []
        for i, step in enumerate(steps):
            if step == "vote":
                plan.append(who.act(("post", i), "qa:vote", vote, think=8))
                continue
            text = who.rng.choice(stems).format(who.rng.choice(topics))
            text = text[:settings.get("max_length") or 280]
            anonymous = {"anonymous": True, "named": False}.get(settings.get("name_mode"),
                                                                who.rng.random() < 0.4)
            # One at a time: a second post too soon waits out the session's interval.
            plan.append(who.act(("post", i), "qa:ask", {
                "client_id": who.new_id(), "text": text, "anonymous": anonymous},
                think=8, retry={"too_soon": 11}))
        return plan


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
