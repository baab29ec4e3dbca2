"""The ranking kind: its settings, a delegate's order, and the room's order.

An item placed 1st scores n points, 2nd n - 1, and so on down to 1 for last
(n: the number of items); in a top-N ranking the items left unplaced score 0.
Scores are averaged over everyone who answered.
"""
from ..prompts.kinds import Prompt, common_settings, option_list
from ..validation import integer, invalid


def places(config: dict) -> int:
    """How many items each delegate places: their top N, or all of them."""
    return config["top"] or len(config["items"])


class Ranking(Prompt):
    """Put 2–10 items in order (all of them, or the top N)."""

    name, label = "ranking", "Ranking"
    description = "put items in order of priority"
    examples = {"settings": {"items": ["Housing", "Community care", "Transport"]},
                "answers": [{"order": [1, 0, 2]}, {"order": [0, 1, 2]}, {"order": [1, 2, 0]}]}

    @staticmethod
    def config(data):
        items = option_list(data, "items", "item", most=10)
        top = integer(data, "top", "How many each person ranks", low=0, high=10,
                      required=False, default=0)
        # A top N of all the items (or more) is a full ranking.
        return {"items": items, "top": top if top < len(items) else 0,
                **common_settings(data)}

    @staticmethod
    def public_settings(config):
        return {"items": config["items"], "places": places(config)}

    @staticmethod
    def answer(config, data):
        order, items, wanted = data.get("order"), config["items"], places(config)
        if not isinstance(order, list) or len(order) > len(items) or any(
                isinstance(i, bool) or not isinstance(i, int) for i in order):
            raise invalid("The order must be a list of item numbers, each item once.",
                          "order")
        if any(not 0 <= i < len(items) for i in order):
            raise invalid("That item does not exist.", "order")
        if len(set(order)) != len(order):
            raise invalid("Place each item once only.", "order")
        if len(order) != wanted:
            whole = "all " if wanted == len(items) else "your top "
            raise invalid(f"Place {whole}{wanted}: you placed {len(order)}.", "order")
        return {"order": order}

    @classmethod
    def tally(cls, config, values):
        n, wanted = len(config["items"]), places(config)
        values = [v for v in values if cls.fits(config, v)]
        # counts[item][place]: how many put that item in that place.
        counts = [[0] * wanted for _ in range(n)]
        for value in values:
            for place, item in enumerate(value["order"]):
                counts[item][place] += 1
        scores = [sum(count * (n - place) for place, count in enumerate(row))
                  for row in counts]
        total = len(values)
        items = [{"item": i, "average": round(scores[i] / total, 2) if total else 0,
                  "rank": 1 + sum(s > scores[i] for s in scores), "places": counts[i],
                  "unranked": total - sum(counts[i])} for i in range(n)]
        return {"items": sorted(items, key=lambda row: row["rank"]), "total": total}

    @staticmethod
    def readable(config, value):
        return "; ".join(f"{place}. {config['items'][item]}"
                         for place, item in enumerate(value["order"], 1))

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Each person's order near the room's: people agree on the top and the
        bottom more than on the middle, swapping a few neighbours."""
        return super().rehearse(activity, mine, who, lambda shown: {
            "order": who.order(range(len(shown["items"])))[:shown.get("places")
                                                            or len(shown["items"])]})
