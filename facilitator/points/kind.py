"""The points kind: share a budget (100 points, say) across 2–10 options.

By default everyone spends the whole budget (the "100-point method"), so each
answer weighs the same; the facilitator may let people keep some back.
"""
from ..prompts.kinds import Prompt, common_settings, option_list
from ..validation import boolean, integer, invalid


class Points(Prompt):
    """Share a budget of points across the options."""

    name, label = "points", "Points"
    description = "share a budget of points across options"
    examples = {"settings": {"options": ["Training", "Equipment", "Staffing"], "budget": 100},
                "answers": [{"points": [50, 30, 20]}, {"points": [0, 0, 100]},
                            {"points": [40, 40, 20]}]}

    @staticmethod
    def config(data):
        return {"options": option_list(data, "options", "option", most=10),
                "budget": integer(data, "budget", "The points to share", low=10, high=1000,
                                  required=False, default=100),
                "spend_all": boolean(data, "spend_all", "Spend every point", default=True),
                **common_settings(data)}

    public = ("options", "budget", "spend_all")

    @staticmethod
    def answer(config, data):
        points, budget = data.get("points"), config["budget"]
        if not isinstance(points, list) or len(points) != len(config["options"]) or any(
                isinstance(p, bool) or not isinstance(p, int) for p in points):
            raise invalid("Give a whole number of points for each option.", "points")
        if any(p < 0 for p in points):
            raise invalid("Points cannot be negative.", "points")
        spent = sum(points)
        if spent > budget:
            raise invalid(f"That is {spent} points: you have {budget} to share.", "points")
        if config["spend_all"] and spent < budget:
            raise invalid(f"Share all {budget} points: {budget - spent} are left.", "points")
        if not spent:
            raise invalid("Give at least one point.", "points")
        return {"points": points}

    @classmethod
    def tally(cls, config, values):
        values = [v for v in values if cls.fits(config, v)]
        totals = [0] * len(config["options"])
        for value in values:
            for option, points in enumerate(value["points"]):
                totals[option] += points
        total = len(values)
        return {"totals": totals,
                "averages": [round(t / total, 1) if total else 0 for t in totals],
                "total": total}

    @staticmethod
    def readable(config, value):
        return "; ".join(f"{option}: {p}" for option, p in zip(config["options"],
                                                                value["points"], strict=True))

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Most of the budget on one or two of the room's favourites, a little on a
        few more, in round numbers; where they may, some keep points back."""
        def answer(shown):
            n, budget = len(shown["options"]), shown["budget"]
            if not shown.get("spend_all", True) and who.rng.random() < 0.15:
                budget = max(1, round(budget * who.rng.uniform(0.5, 0.95)))
            picked = who.favourites(range(n), min(n, who.rng.choice((1, 2, 2, 3, 3, 4))))
            shares = [0.0] * n
            for place, option in enumerate(picked):
                shares[option] = who.rng.uniform(0.6, 1.4) / (place + 1)
            step = 5 if budget >= 50 else 1  # people give 30 and 15, not 31 and 14
            points = [step * int(budget * s / sum(shares) / step) for s in shares]
            points[picked[0]] += budget - sum(points)
            return {"points": points}
        return super().rehearse(activity, mine, who, answer)
