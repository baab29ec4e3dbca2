"""The Connect activity kind: its settings and what each screen sees of it."""
from ..realtime import registry
from ..runsheet.kinds import Kind, register
from ..validation import Problem, boolean, choice, integer, invalid, text_list
from . import templates, views

# Phones offline for longer than this are left out of the next round.
OFFLINE_GRACE = 120


@register
class Connect(Kind):
    """Rounds that put each delegate with people they have not met."""

    name = "connect"
    label = "Connect"

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the facilitator's settings for a Connect activity."""
        template = choice(data, "template", "The exercise", tuple(templates.TEMPLATES),
                          default="custom")
        preset = templates.TEMPLATES[template].get("rounds")
        config = {
            "template": template,
            "group_size": integer(data, "group_size", "Group size", low=2, high=6,
                                  required=False, default=2),
            "round_count": integer(data, "round_count", "Number of rounds", low=1, high=20,
                                   required=False, default=3),
            "minutes": integer(data, "minutes", "Minutes per round", low=1, high=90,
                               required=False,
                               default=24 if template == "troika" else 5),
            "prompts": text_list(data, "prompts", "Each prompt", max_items=20, max_len=300),
            "separate_organisations": boolean(data, "separate_organisations",
                                              "Keep organisations apart", default=True),
            "separate_roles": boolean(data, "separate_roles", "Keep roles apart",
                                      default=False),
            "separate_sectors": boolean(data, "separate_sectors", "Keep sectors apart",
                                        default=False),
            "late_join": boolean(data, "late_join", "Late arrivals join a running round",
                                 default=True),
            "grace_seconds": integer(data, "grace_seconds", "Seconds before regrouping",
                                     low=15, high=600, required=False, default=90),
            "meeting_points": _meeting_points(data.get("meeting_points") or {}),
        }
        if preset and len(config["prompts"]) > len(preset):
            raise invalid(f"{templates.TEMPLATES[template]['label']} has {len(preset)} "
                          "rounds, so at most that many prompts.", "prompts")
        return config

    @staticmethod
    def public(store, activity: dict) -> dict:
        """Round, prompt and deadline for every screen; results once shown."""
        return views.public(store, activity)

    @staticmethod
    def personal(store, activity: dict, delegate_id: int):
        """The delegate's own group card."""
        return views.cards(store, activity["workshop_id"], activity, {delegate_id})[delegate_id]

    @staticmethod
    def control(store, activity: dict):
        """Groups and stragglers for control screens."""
        present = registry.present(activity["workshop_id"], OFFLINE_GRACE)
        return views.control(store, activity["workshop_id"], activity, present)

    @staticmethod
    def progress(store, activity: dict):
        """Placed and found counts for the projector."""
        return views.progress(store, activity)

    @staticmethod
    def report(store, activity: dict):
        """Headline counts and the connection map."""
        return {"public": views.public(store, activity),
                "summary": views.summary(store, activity)}


def _meeting_points(data) -> dict:
    if not isinstance(data, dict):
        raise invalid("Meeting points must be an object.", "meeting_points")
    mode = choice(data, "mode", "Meeting points", ("tables", "spots", "none"), default="none")
    points = {"mode": mode,
              "tables": integer(data, "tables", "Number of tables", low=1, high=500,
                                required=False, default=10),
              "spots": text_list(data, "spots", "Each meeting spot", max_items=100,
                                 max_len=60)}
    points["spots"] = [s for s in points["spots"] if s]
    if mode == "spots" and not points["spots"]:
        raise Problem("invalid", "Name at least one meeting spot.", "meeting_points")
    return points

