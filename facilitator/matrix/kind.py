"""The 2×2 matrix kind: items, two scales, each person's placings and each item's mean."""
from statistics import fmean, pstdev

from ..prompts.kinds import Prompt, common_settings
from ..validation import boolean, invalid, text, text_list

LOW, HIGH = 1, 10
MIDDLE = (LOW + HIGH) / 2
AXES = ("y", "x")  # y: the vertical scale, asked first; x: the horizontal one
DEFAULTS = {"y": "Impact", "x": "Effort"}

# Each corner as (is the vertical scale high, is the horizontal one high).
CORNERS = {"top_left": (True, False), "top_right": (True, True),
           "bottom_left": (False, False), "bottom_right": (False, True)}

# Well-known pairs of scales and their quadrants' usual names, by (is the first
# high, is the second high).
KNOWN_PAIRS = (
    ({"impact", "value", "benefit"}, {"effort", "cost"},
     {(True, False): "Quick wins", (True, True): "Major projects",
      (False, False): "Fill-ins", (False, True): "Thankless tasks"}),
    ({"importance", "important"}, {"urgency", "urgent"},
     {(True, False): "Schedule", (True, True): "Do first",
      (False, False): "Drop", (False, True): "Delegate"}),
)


def quadrants(y: str, x: str) -> dict:
    """The four quadrants' names, by corner: the usual ones for a well-known pair of
    scales (in either order), otherwise "High Y · Low X" and so on."""
    for first, second, names in KNOWN_PAIRS:
        if y.casefold() in first and x.casefold() in second:
            return {c: names[(yh, xh)] for c, (yh, xh) in CORNERS.items()}
        if x.casefold() in first and y.casefold() in second:
            return {c: names[(xh, yh)] for c, (yh, xh) in CORNERS.items()}
    level = {True: "High", False: "Low"}
    return {c: f"{level[yh]} {y} · {level[xh]} {x}" for c, (yh, xh) in CORNERS.items()}


def corner(y: float, x: float) -> str | None:
    """The quadrant a mean falls in, or None on a middle line."""
    if y == MIDDLE or x == MIDDLE:
        return None
    return ("top" if y > MIDDLE else "bottom") + ("_right" if x > MIDDLE else "_left")


def _scales(data: dict) -> dict:
    """The two scales, {"y": {name, low, high}, "x": ...}, with their defaults."""
    given = data.get("scales") or {}
    if not isinstance(given, dict) or any(
            not isinstance(given.get(axis) or {}, dict) for axis in AXES):
        raise invalid("The scales must be {y: {name, low, high}, x: {name, low, high}}.",
                      "scales")

    def field(axis, key, label):  # named as the form names it: scales.y.name
        path = f"scales.{axis}.{key}"
        return text({path: (given.get(axis) or {}).get(key)}, path, label, max_len=30,
                    required=False)

    out = {}
    for axis, which in zip(AXES, ("first", "second")):
        name = field(axis, "name", f"The {which} scale's name") or DEFAULTS[axis]
        out[axis] = {"name": name, **{end: field(axis, end, f"{name}'s {end} label")
                                      or end.capitalize() for end in ("low", "high")}}
    return out


def _value(place: dict, axis: str, scale: dict) -> int:
    """A placing's position on one scale: a whole number from LOW to HIGH."""
    value = place.get(axis)
    if isinstance(value, bool) or not isinstance(value, int) or not LOW <= value <= HIGH:
        raise invalid(f"{scale['name']} must be a whole number from {LOW} to {HIGH}.",
                      "placed")
    return value


def _still_listed(config: dict, value: dict) -> list:
    """An answer's placings of items still in the list (it may be shortened while live)."""
    return [p for p in value["placed"] if p["item"] < len(config["items"])]


class Matrix(Prompt):
    """Each person places each item on two scales; each item is drawn at its mean."""

    name, label = "matrix", "2×2 matrix"
    description = "place items on two scales, e.g. impact and effort"
    examples = {"settings": {"items": ["Online booking", "New signage", "Extra clinic"],
                             "results": "live"},
                "answers": [{"placed": [{"item": 0, "y": 9, "x": 2}, {"item": 1, "y": 3, "x": 2},
                                        {"item": 2, "y": 8, "x": 9}]},
                            {"placed": [{"item": 0, "y": 7, "x": 4}]}]}

    @staticmethod
    def config(data):
        items = [i for i in text_list(data, "items", "Each item", max_items=8, max_len=80)
                 if i]
        if len(items) < 2:
            raise invalid("Give at least two items.", "items")
        if len({i.casefold() for i in items}) != len(items):
            raise invalid("Each item must be different.", "items")
        scales = _scales(data)
        if scales["y"]["name"].casefold() == scales["x"]["name"].casefold():
            raise invalid("Give the two scales different names.", "scales")
        return {"items": items, "scales": scales,
                "skip": boolean(data, "skip", "Items may be left out", default=True),
                "spread": boolean(data, "spread", "The spread on the projector",
                                  default=False),
                **common_settings(data)}

    @staticmethod
    def public_settings(config):
        scales = config["scales"]
        return {"items": config["items"], "scales": scales, "low": LOW, "high": HIGH,
                "skip": config["skip"], "spread": config["spread"],
                "quadrants": quadrants(scales["y"]["name"], scales["x"]["name"])}

    @staticmethod
    def answer(config, data):
        placed = data.get("placed")
        items = config["items"]
        if not isinstance(placed, list) or any(not isinstance(p, dict) for p in placed):
            raise invalid("Placings must be a list of {item, y, x}.", "placed")
        if len(placed) > len(items):
            raise invalid(f"There are only {len(items)} items to place.", "placed")
        out = {}
        for place in placed:
            item = place.get("item")
            if isinstance(item, bool) or not isinstance(item, int) \
                    or not 0 <= item < len(items):
                raise invalid("That item does not exist.", "placed")
            if item in out:
                raise invalid("Each item is placed once.", "placed")
            out[item] = {"item": item, **{axis: _value(place, axis, config["scales"][axis])
                                          for axis in AXES}}
        if not out:
            raise invalid("Place at least one item.", "placed")
        missing = len(items) - len(out)
        if missing and not config["skip"]:
            raise invalid(f"Place every item: {missing} still to place.", "placed")
        return {"placed": [out[i] for i in sorted(out)]}

    @staticmethod
    def tally(config, values):
        by_item = [[] for _ in config["items"]]
        for value in values:
            for place in _still_listed(config, value):
                by_item[place["item"]].append(place)
        labels = quadrants(config["scales"]["y"]["name"], config["scales"]["x"]["name"])
        out = []
        for i, places in enumerate(by_item):
            row = {"id": i, "count": len(places), "y": None, "x": None, "y_spread": None,
                   "x_spread": None, "quadrant": None}
            if places:
                for axis in AXES:
                    numbers = [p[axis] for p in places]
                    row[axis] = round(fmean(numbers), 2)
                    row[f"{axis}_spread"] = round(pstdev(numbers), 2)
                where = corner(row["y"], row["x"])
                row["quadrant"] = labels[where] if where else None
            out.append(row)
        return {"items": out, "total": len(values)}

    @staticmethod
    def readable(config, value):
        scales = config["scales"]
        return "; ".join(f"{config['items'][p['item']]}: {scales['y']['name']} {p['y']}, "
                         f"{scales['x']['name']} {p['x']}" for p in _still_listed(config, value))

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Each item near where the room puts it on both scales (some items clearly in
        a corner, each person a point or two off); where they may, a few leave one out."""
        def answer(shown):
            low, high = shown.get("low", LOW), shown.get("high", HIGH)
            placed = []
            for item in range(len(shown["items"])):
                if shown.get("skip") and placed and who.rng.random() < 0.1:
                    continue
                placed.append({"item": item, **{
                    axis: who.around(low, high, item, axis, where=who.taste(item, axis).uniform(
                        0.1, 0.9), spread=1.5) for axis in AXES}})
            return {"placed": placed}
        return super().rehearse(activity, mine, who, answer)
