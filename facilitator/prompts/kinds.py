"""Prompt kinds pushed to every phone: poll, word cloud, scale and ready check.

Each kind validates its settings and a delegate's answer, and counts the answers.
"""
import re
from collections import Counter
from statistics import fmean

from ..runsheet.kinds import Kind, register
from ..validation import boolean, choice, integer, invalid, text, text_list
from . import domain, views


def _common(data: dict, results_default="reveal") -> dict:
    return {
        "timer_seconds": integer(data, "timer_seconds", "The timer", low=0, high=3600,
                                 required=False, default=0),
        "results": choice(data, "results", "Showing results", ("live", "reveal"),
                          default=results_default),
    }


class Prompt(Kind):
    """What prompt kinds share; `views` supplies what screens see."""

    @staticmethod
    def answer(config: dict, data: dict):
        """Validate one delegate's answer; return the value to store."""
        raise NotImplementedError

    @staticmethod
    def tally(config: dict, values: list) -> dict:
        """Count the answers."""
        raise NotImplementedError

    @staticmethod
    def public_settings(config: dict) -> dict:
        """The settings phones need to answer."""
        return {}

    @staticmethod
    def public(store, activity):
        """The prompt, its timing, and its results once revealed."""
        return views.public(store, activity)

    @staticmethod
    def personal(store, activity, delegate_id):
        """The phone's current answer."""
        return views.personal(store, activity, delegate_id)

    @staticmethod
    def mine_for_all(store, activity):
        """Before anyone has answered, every phone's answer is none."""
        if domain.answered(store, activity["id"]):
            return False, None
        return True, views.personal(store, activity, None)

    @staticmethod
    def control(store, activity):
        """Results for control screens."""
        return views.control(store, activity)

    @staticmethod
    def progress(store, activity):
        """Results for projector and panel screens, when shown live or revealed."""
        return views.shown_results(store, activity)

    @staticmethod
    def report(store, activity):
        """The prompt and all its results."""
        return {"public": views.public(store, activity),
                "results": views.results(store, activity)}


@register
class Poll(Prompt):
    """Single or multiple choice, with an optional "other"."""

    name, label = "poll", "Poll"

    @staticmethod
    def config(data):
        options = [o for o in text_list(data, "options", "Each option", max_items=20,
                                         max_len=120) if o]
        if len(options) < 2:
            raise invalid("Give at least two options.", "options")
        if len({o.casefold() for o in options}) != len(options):
            raise invalid("Each option must be different.", "options")
        return {"options": options,
                "multiple": boolean(data, "multiple", "Several choices", default=False),
                "other": boolean(data, "other", "An “other” answer", default=False),
                **_common(data)}

    @staticmethod
    def public_settings(config):
        return {"options": config["options"], "multiple": config["multiple"],
                "other": config["other"]}

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


# "teams" -> "team", but not "focus", "analysis" or "progress".
_PLURAL = re.compile(r"(?<![sui])s$")


def normalise_word(entry: str, plurals: bool) -> str:
    """How a word cloud counts an entry: lower case, single spaces, maybe singular."""
    word = " ".join(entry.casefold().split())
    return _PLURAL.sub("", word) if plurals and len(word) > 3 else word


@register
class WordCloud(Prompt):
    """One to three short entries per delegate, counted."""

    name, label = "wordcloud", "Word cloud"

    @staticmethod
    def config(data):
        return {"entries": integer(data, "entries", "Entries per person", low=1, high=3,
                                   required=False, default=1),
                "plurals": boolean(data, "plurals", "Count plurals together", default=True),
                **_common(data)}

    @staticmethod
    def public_settings(config):
        return {"entries": config["entries"]}

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
        counts = Counter(normalise_word(e, config["plurals"])
                         for value in values for e in value["entries"])
        return {"words": [{"text": w, "count": n} for w, n in counts.most_common(100)],
                "total": len(values)}


@register
class Scale(Prompt):
    """1–5 or 1–10 with labelled ends: histogram and mean."""

    name, label = "scale", "Scale"

    @staticmethod
    def config(data):
        return {"high": choice(data, "high", "The top of the scale", (5, 10), default=5),
                "low_label": text(data, "low_label", "The low end's label", max_len=40,
                                  required=False),
                "high_label": text(data, "high_label", "The high end's label", max_len=40,
                                   required=False),
                **_common(data)}

    @staticmethod
    def public_settings(config):
        return {"high": config["high"], "low_label": config["low_label"],
                "high_label": config["high_label"]}

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


@register
class Ready(Prompt):
    """"X of Y ready", for pacing an exercise."""

    name, label = "ready", "Ready check"

    @staticmethod
    def config(data):
        return {"button": text(data, "button", "The button", max_len=40, required=False)
                or "I'm ready", **_common(data, results_default="live")}

    @staticmethod
    def public_settings(config):
        return {"button": config["button"]}

    @staticmethod
    def answer(config, data):
        return {"ready": boolean(data, "ready", "Ready", default=True)}

    @staticmethod
    def tally(config, values):
        return {"ready": sum(1 for v in values if v["ready"]), "total": len(values)}


PROMPTS = {k.name: k for k in (Poll, WordCloud, Scale, Ready)}
