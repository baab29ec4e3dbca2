"""Prompt kinds pushed to every phone: poll, word cloud, scale and ready check.

Each kind validates its settings and a delegate's answer, and counts the answers.
"""
import functools
import json
from collections import Counter
from statistics import fmean

from ..hookspecs import Change, Export, Kind
from ..plugins import package_blueprint
from ..validation import Problem, boolean, choice, integer, invalid, text, text_list
from . import domain, exports, tables, views

blueprint = package_blueprint(__name__.rpartition(".")[0])


@blueprint.app_context_processor
def prompt_kinds():
    """The kinds built on Prompt, for the settings every prompt shares (timer, results)."""
    from ..plugins import of_type
    return {"prompt_kinds": " ".join(of_type(Prompt))}


def common_settings(data: dict, results_default="reveal") -> dict:
    """The settings every prompt has: its countdown and when results show."""
    return {
        "timer_seconds": integer(data, "timer_seconds", "The timer", low=0, high=3600,
                                 required=False, default=0),
        "results": choice(data, "results", "Showing results", ("live", "reveal"),
                          default=results_default),
    }


def option_list(data: dict, field: str, noun: str, *, most: int, max_len=120) -> list[str]:
    """A prompt's options: two to `most` different texts (blank ones dropped)."""
    value = data.get(field)
    if isinstance(value, list) and len(value) > most:
        raise invalid(f"Give at most {most} {noun}s.", field)
    options = [o for o in text_list(data, field, f"Each {noun}", max_items=most,
                                    max_len=max_len) if o]
    if len(options) < 2:
        raise invalid(f"Give at least two {noun}s.", field)
    if len({o.casefold() for o in options}) != len(options):
        raise invalid(f"Each {noun} must be different.", field)
    return options


class Prompt(Kind):
    """A question pushed to every phone: its answers are counted and shown live or
    once revealed, with an optional countdown. A kind built on it supplies its
    settings, how an answer is checked and how answers are counted."""

    script = "prompts.js"
    settings_template = "prompts/settings.html"
    migrations = tables.MIGRATIONS
    owned = tables.OWNED
    exports = (Export("answers", "Answers", exports.answers),)
    not_live = "There is no question to answer just now."

    @staticmethod
    def answer(config: dict, data: dict):
        """Validate one delegate's answer; return the value to store."""
        raise NotImplementedError

    @classmethod
    def settings_of(cls, store, activity: dict) -> dict:
        """The settings answers are checked, counted, shown and worded against: the
        stored ones, plus whatever the kind keeps beside them (override, e.g. for
        options taken from another activity when it went live)."""
        return activity["config"]

    @classmethod
    def check(cls, store, activity: dict, data: dict):
        """Validate an answer to this activity (override to look beyond its settings,
        e.g. at another activity's posts); return the value to store."""
        return cls.answer(cls.settings_of(store, activity), data)

    @staticmethod
    def tally(config: dict, values: list) -> dict:
        """Count the answers."""
        raise NotImplementedError

    @classmethod
    def fits(cls, config: dict, value) -> bool:
        """Whether a stored answer would still be taken: the settings may have been
        edited since (an option removed), and a tally may leave out those that do not."""
        try:
            cls.answer(config, value)
        except Problem:
            return False
        return True

    @staticmethod
    def readable(config: dict, value) -> str:
        """One answer in words, for the CSV file."""
        raise NotImplementedError

    #: The settings phones need to answer (keys of the stored settings).
    public = ()

    @classmethod
    def public_settings(cls, config: dict) -> dict:
        """The settings phones need to answer: those named in `public`."""
        return {key: config[key] for key in cls.public}

    @classmethod
    def results(cls, store, activity: dict) -> dict:
        """The counted answers."""
        return cls.tally(cls.settings_of(store, activity), domain.values(store, activity["id"]))

    @classmethod
    def view(cls, store, activity, role, only=None):
        """The prompt and its timing for every screen; its results for control screens
        always, for the projector and panels while shown live, and for everyone once
        revealed."""
        return views.view(store, activity, role)

    @classmethod
    def views(cls, store, activity, roles, only=None):
        """Every role's view, the answers counted once for all of them."""
        results = functools.cache(lambda: cls.results(store, activity))
        return {role: views.view(store, activity, role, results) for role in roles}

    @staticmethod
    def mine(store, activity, delegate_id):
        """The phone's current answer."""
        return views.personal(store, activity, delegate_id)

    @staticmethod
    def anyone_has_mine(store, activity):
        """Before anyone has answered, every phone's answer is none."""
        return domain.answered(store, activity["id"])

    @staticmethod
    def on_live(store, workshop, activity):
        """A prompt opens when it first goes live."""
        domain.open_prompt(store, activity)

    @classmethod
    def tick(cls, store):
        """Close prompts on the server's deadline; everyone sees "time's up"."""
        from ..runsheet import domain as runsheet
        return [Change(runsheet.get_activity(store, row["workshop_id"], row["id"]))
                for row in store.all(
                    "select id, workshop_id from activities where id in "
                    "(select value from json_each(?))",
                    [json.dumps(domain.close_expired(store))])]

    @classmethod
    def report(cls, store, activity):
        """The prompt and all its results."""
        return {"view": views.view(store, activity, "facilitator")}

    @classmethod
    def rehearse(cls, activity, mine, who, answer=None):
        """Answer once the prompt is open, after a moment's thought and before its
        deadline, mostly; some never answer, a few change their minds. A kind built on
        Prompt says what they answer: it passes `answer`, a function of the activity as
        phones see it (its public settings) making one plausible answer, or None."""
        if answer is None or not activity.get("open") or who.keen < 0.08 \
                or (mine or {}).get("answer") is not None:
            return []
        plan = []
        for turn in range(2 if who.rng.random() < 0.1 else 1):
            value = answer(activity)
            if value is None:
                break
            payload = {**value, "activity_id": activity["id"], "client_id": who.new_id()}
            plan.append(who.act(("answer", turn), "prompt:answer",
                                lambda shown, _, payload=payload:
                                payload if shown.get("open") else None,
                                think=4 + 10 * turn, by=activity.get("deadline")))
        return plan


class Poll(Prompt):
    """Single or multiple choice, with an optional "other"."""

    name, label = "poll", "Poll"
    description = "single or multiple choice"
    examples = {"settings": {"options": ["Yes", "No", "Not sure"], "results": "live"},
                "answers": [{"choices": [0]}, {"choices": [2]}, {"choices": [0]}]}

    @staticmethod
    def readable(config, value):
        picked = [config["options"][c] for c in value["choices"]]
        return "; ".join(picked + ([f"Other: {value['other']}"] if value["other"] else []))

    @staticmethod
    def config(data):
        return {"options": option_list(data, "options", "option", most=20),
                "multiple": boolean(data, "multiple", "Several choices", default=False),
                "other": boolean(data, "other", "An “other” answer", default=False),
                **common_settings(data)}

    public = ("options", "multiple", "other")

    @staticmethod
    def answer(config, data):
        choices = data.get("choices", [])
        if not isinstance(choices, list) or any(
                isinstance(c, bool) or not isinstance(c, int) for c in choices):
            raise invalid("Choices must be a list of option numbers.", "choices")
        if any(not 0 <= c < len(config["options"]) for c in choices):
            raise invalid("That option does not exist.", "choices")
        choices = sorted(set(choices))
        other = ""
        if data.get("other") not in (None, ""):
            if not config["other"]:
                raise invalid("This poll has no “other” answer.", "other")
            other = text(data, "other", "Your other answer", max_len=120)
        picked = len(choices) + bool(other)
        if picked == 0:
            raise invalid("Choose an option.", "choices")
        if picked > 1 and not config["multiple"]:
            raise invalid("Choose one option only.", "choices")
        return {"choices": choices, "other": other}

    @staticmethod
    def tally(config, values):
        counts = [0] * len(config["options"])
        others = []
        for value in values:
            for c in value["choices"]:
                counts[c] += 1
            if value["other"]:
                others.append(value["other"])
        return {"counts": counts, "other": others[-50:], "other_count": len(others),
                "total": len(values)}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """One option (a few, where several may be chosen), the room's favourites
        likelier; now and then an "other"."""
        def answer(shown):
            several = shown.get("multiple")
            picks = sorted(who.favourites(range(len(shown["options"])),
                                          who.rng.choice((1, 1, 2, 3)) if several else 1))
            if shown.get("other") and who.rng.random() < 0.08:
                other = who.rng.choice(("Time", "Trust", "Funding", "Housing", "Staffing"))
                return {"choices": picks if several else [], "other": other}
            return {"choices": picks}
        return super().rehearse(activity, mine, who, answer)


# Endings that look plural but are not: "business", "status", "analysis", "politics".
_NOT_PLURAL = ("ss", "us", "is", "ics")
_SINGULAR_S = {"news", "series", "species", "means", "lens", "always", "perhaps"}


def normalise_word(entry: str, plurals: bool = False) -> str:
    """How a word cloud writes an entry: lower case, single spaces."""
    return " ".join(entry.casefold().split())


def singulars(word: str) -> list[str]:
    """The singulars a word (or a phrase's last word) may be the plural of, likeliest
    first: "teams" -> "team", "boxes" -> "box", "stories" -> "story"."""
    head, _, last = word.rpartition(" ")
    if (len(last) < 4 or not last.endswith("s") or last.endswith(_NOT_PLURAL)
            or last in _SINGULAR_S):
        return []
    found = []
    if last.endswith("ies"):
        found.append(last[:-3] + "y")
    if last.endswith("es"):
        found.append(last[:-2])
    found.append(last[:-1])
    return [f"{head} {f}" if head else f for f in found]


def fold_plurals(words) -> dict[str, str]:
    """Each word as it is counted: a plural folds onto its singular only when the
    singular is among the words too, so no word is turned into one nobody typed."""
    present = set(words)
    return {w: next((s for s in singulars(w) if s in present), w) for w in present}


class WordCloud(Prompt):
    """One to three short entries per delegate, counted."""

    name, label = "wordcloud", "Word cloud"
    description = "a few words each"
    examples = {"settings": {"entries": 2},
                "answers": [{"entries": ["Trust"]}, {"entries": ["trust", "time"]}]}

    @staticmethod
    def readable(config, value):
        return "; ".join(value["entries"])

    @staticmethod
    def config(data):
        return {"entries": integer(data, "entries", "Entries per person", low=1, high=3,
                                   required=False, default=1),
                "plurals": boolean(data, "plurals", "Count plurals together", default=True),
                **common_settings(data)}

    public = ("entries",)

    @staticmethod
    def answer(config, data):
        entries = data.get("entries")
        if not isinstance(entries, list) or not entries:
            raise invalid("Type at least one word.", "entries")
        if len(entries) > config["entries"]:
            raise invalid(f"At most {config['entries']} entries.", "entries")
        cleaned = []
        for entry in entries:
            value = text({"entries": entry}, "entries", "Each entry", max_len=40)
            cleaned.append(value)
        return {"entries": cleaned}

    @staticmethod
    def tally(config, values):
        entries = [normalise_word(e) for value in values for e in value["entries"]]
        folded = fold_plurals(entries) if config["plurals"] else {}
        counts = Counter(folded.get(e, e) for e in entries)
        return {"words": [{"text": w, "count": n} for w, n in counts.most_common(100)],
                "total": len(values)}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """A word or a few, the room's favourites likelier: a cloud with a few big
        words and a long tail, some typed in capitals, some in the plural."""
        words = ("trust", "time", "funding", "people", "data", "care", "change", "teams",
                 "support", "training", "digital", "listening", "housing", "wellbeing",
                 "community", "partners", "prevention", "carers", "workforce", "hope")

        def answer(shown):
            picked = who.favourites(words, who.rng.randint(1, shown.get("entries") or 1))
            return {"entries": [w.capitalize() if who.rng.random() < 0.3 else w
                                for w in picked]}
        return super().rehearse(activity, mine, who, answer)


class Scale(Prompt):
    """1–5 or 1–10 with labelled ends: histogram and mean."""

    name, label = "scale", "Scale"
    description = "1 to 5 or 1 to 10"
    examples = {"settings": {"high": 5, "low_label": "Not at all", "high_label": "Very"},
                "answers": [{"value": 4}, {"value": 5}, {"value": 2}]}

    @staticmethod
    def readable(config, value):
        return str(value["value"])

    @staticmethod
    def config(data):
        return {"high": choice(data, "high", "The top of the scale", (5, 10), default=5),
                "low_label": text(data, "low_label", "The low end's label", max_len=40,
                                  required=False),
                "high_label": text(data, "high_label", "The high end's label", max_len=40,
                                   required=False),
                **common_settings(data)}

    public = ("high", "low_label", "high_label")

    @staticmethod
    def answer(config, data):
        return {"value": integer(data, "value", "Your answer", low=1, high=config["high"])}

    @staticmethod
    def tally(config, values):
        counts = [0] * config["high"]
        for value in values:
            counts[value["value"] - 1] += 1
        numbers = [v["value"] for v in values]
        return {"counts": counts, "mean": round(fmean(numbers), 2) if numbers else None,
                "total": len(values)}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """A value near the room's mean, which falls somewhere above the middle."""
        return super().rehearse(activity, mine, who,
                                lambda shown: {"value": who.around(1, shown.get("high") or 5)})


class Ready(Prompt):
    """"X of Y ready", for pacing an exercise."""

    name, label = "ready", "Ready check"
    description = "“X of Y ready”"
    examples = {"settings": {"button": "We're done"},
                "answers": [{"ready": True}, {"ready": True}]}

    @staticmethod
    def readable(config, value):
        return "ready" if value["ready"] else "not ready"

    @classmethod
    def results(cls, store, activity):
        """Ready, and of how many phones online now."""
        from ..realtime import registry
        return {**super().results(store, activity),
                "of": len(registry.online(activity["workshop_id"]))}

    @staticmethod
    def config(data):
        return {"button": text(data, "button", "The button", max_len=40, required=False)
                or "I'm ready", **common_settings(data, results_default="live")}

    public = ("button",)

    @staticmethod
    def answer(config, data):
        return {"ready": boolean(data, "ready", "Ready", default=True)}

    @staticmethod
    def tally(config, values):
        return {"ready": sum(1 for v in values if v["ready"]), "total": len(values)}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Nearly everyone says they are ready, each in their own time."""
        return super().rehearse(activity, mine, who, lambda shown: {"ready": True})


KINDS = [Poll, WordCloud, Scale, Ready]
