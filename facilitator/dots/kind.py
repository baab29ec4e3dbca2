"""The dot voting kind: its settings, a person's dots, and the count per option."""
from collections import Counter

from ..prompts.kinds import Prompt, common_settings
from ..validation import boolean, choice, integer, invalid, text_list
from . import domain, tables

SOURCES = ("list", "ideas")


def choices(settings: dict) -> list[dict]:
    """The options, as {id, text}: the listed ones by their place in the list, or the
    idea board's posts by post id (once the vote has gone live: see Dots.settings_of)."""
    if settings["source"] == "list":
        return [{"id": i, "text": text} for i, text in enumerate(settings["options"])]
    return settings.get("board_options", [])


class Dots(Prompt):
    """Each person places a few dots on the options they favour."""

    name, label = "dots", "Dot voting"
    description = "spread a few dots over the options"
    migrations = Prompt.migrations + tables.MIGRATIONS
    owned = Prompt.owned + tables.OWNED
    examples = {"settings": {"options": ["Car sharing", "Bike racks", "Shuttle bus"],
                             "dots": 3, "results": "live"},
                "answers": [{"dots": [0, 0, 2]}, {"dots": [1]}, {"dots": [2, 1, 0]}]}

    @staticmethod
    def config(data):
        source = choice(data, "source", "Where the options come from", SOURCES,
                        default="list")
        options = [o for o in text_list(data, "options", "Each option", max_items=20,
                                        max_len=120) if o]
        if len({o.casefold() for o in options}) != len(options):
            raise invalid("Each option must be different.", "options")
        dots = integer(data, "dots", "Dots per person", low=1, high=20, required=False,
                       default=3)
        stack = boolean(data, "stack", "Several dots on one option", default=True)
        board = None
        if data.get("board") not in (None, ""):  # "": the form's "choose a board"
            board = integer(data, "board", "The idea board", low=1, high=2**62)
        elif source == "ideas":
            raise invalid("Choose the idea board whose ideas are the options.", "board")
        if source == "list":
            if len(options) < 2:
                raise invalid("Give at least two options.", "options")
            if not stack and dots > len(options):
                raise invalid(f"With one dot per option, give at most {len(options)} dots "
                              "(one per option), or allow several dots on one option.",
                              "dots")
        return {"source": source, "options": options, "board": board, "dots": dots,
                "stack": stack, **common_settings(data)}

    @classmethod
    def settings_of(cls, store, activity):
        """An idea board's vote adds its board and the posts it took when it went live."""
        config = activity["config"]
        if config["source"] == "list":
            return config
        board = domain.board(store, activity)
        return {**config, "board_title": board["title"] if board else None,
                "board_options": domain.options(store, activity["id"])}

    @staticmethod
    def on_live(store, workshop, activity):
        """An idea board's posts become the options as the vote goes live (again, until
        someone votes); then it opens."""
        if activity["config"]["source"] == "ideas":
            domain.take_options(store, activity)
        Prompt.on_live(store, workshop, activity)

    @staticmethod
    def public_settings(config):
        return {"options": choices(config), "dots": config["dots"], "stack": config["stack"],
                "source": config["source"], "board_title": config.get("board_title")}

    @staticmethod
    def answer(config, data):
        dots = data.get("dots")
        if not isinstance(dots, list) or any(
                isinstance(d, bool) or not isinstance(d, int) for d in dots):
            raise invalid("Dots must be a list of option ids, one per dot.", "dots")
        options = {o["id"] for o in choices(config)}
        if not options:
            raise invalid("There is nothing to vote on yet.", "dots")
        if not dots:
            raise invalid("Place at least one dot.", "dots")
        if len(dots) > config["dots"]:
            raise invalid(f"You have {config['dots']} dot{'s' * (config['dots'] > 1)} to "
                          f"place, not {len(dots)}.", "dots")
        if any(d not in options for d in dots):
            raise invalid("That option does not exist.", "dots")
        if not config["stack"] and len(set(dots)) != len(dots):
            raise invalid("One dot per option: this vote does not take several dots on "
                          "one option.", "dots")
        return {"dots": sorted(dots)}

    @staticmethod
    def tally(config, values):
        options = choices(config)
        dots, people = Counter(), Counter()
        for value in values:
            dots.update(value["dots"])
            people.update(set(value["dots"]))
        place = {o["id"]: i for i, o in enumerate(options)}
        ranked = sorted(options, key=lambda o: (-dots[o["id"]], place[o["id"]]))
        return {"ranked": [{"id": o["id"], "dots": dots[o["id"]], "people": people[o["id"]]}
                           for o in ranked],
                "dots": sum(dots[o["id"]] for o in options), "total": len(values)}

    @staticmethod
    def readable(config, value):
        counts = Counter(value["dots"])
        return "; ".join(o["text"] + (f" ×{counts[o['id']]}" if counts[o["id"]] > 1 else "")
                         for o in choices(config) if counts[o["id"]])

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Dots on the room's favourites, some stacked on one option where that is
        allowed; a few people keep a dot or two back."""
        def answer(shown):
            ids = [o["id"] for o in shown.get("options") or ()]
            if not ids:
                return None
            k = shown.get("dots") or 1
            k = k if who.rng.random() < 0.85 else who.rng.randint(1, k)
            if shown.get("stack", True):
                return {"dots": who.favourites(ids, k, distinct=who.rng.random() < 0.5)}
            return {"dots": who.favourites(ids, min(k, len(ids)))}
        return super().rehearse(activity, mine, who, answer)
