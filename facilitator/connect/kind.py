"""The Connect activity kind: its settings and what each screen sees of it."""
from ..hookspecs import Change, Export, Kind
from ..realtime import registry
from ..validation import Problem, boolean, choice, integer, invalid, text_list
from . import domain, exports, tables, templates, views

# Phones offline for longer than this are left out of the next round.
OFFLINE_GRACE = 120


class Connect(Kind):
    """Rounds that put each delegate with people they have not met."""

    name = "connect"
    label = "Connect"
    description = "rounds that put people with someone new"
    pages = (("Plan a rotation ahead", "connect.plan_form",
              "every round's groups at once, for table plans"),)
    migrations = tables.MIGRATIONS
    owned = tables.OWNED
    exports = (Export("groups", "Groups", exports.groups),
               Export("meetings", "Meetings", exports.meetings))
    examples = {"settings": {"group_size": 2, "round_count": 2, "minutes": 5}, "actions": [
        ("facilitator", "connect:start", {"activity_id": "$activity"}),
        ("delegate", "connect:found", {"activity_id": "$activity"}),
        ("delegate", "connect:cant_find", {"activity_id": "$activity"}),
        ("delegate", "connect:sit_out", {"sitting_out": True}),
        ("facilitator", "connect:start", {"activity_id": "$activity"}),
        ("facilitator", "connect:summary", {"activity_id": "$activity", "show": True}),
    ]}
    not_live = "Connect is not running just now."

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
            "table_list": boolean(data, "table_list", "Show the table list on the projector",
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

    @classmethod
    def view(cls, store, activity, role, only=None):
        """Round, prompt and deadline for every screen, and the results once shown;
        placed and found counts for the projector and panels; the groups and
        stragglers for control screens."""
        out = views.public(store, activity)
        if role != "delegate":
            out["progress"] = views.progress(store, activity)
            if activity["config"].get("table_list"):
                out["tables"] = views.table_list(store, activity)
        if role == "facilitator":
            present = registry.present(activity["workshop_id"], OFFLINE_GRACE)
            out["control"] = views.control(store, activity["workshop_id"], activity, present)
        return out

    @staticmethod
    def mine(store, activity, delegate_id):
        """The delegate's own group card."""
        return views.cards(store, activity["workshop_id"], activity, {delegate_id})[delegate_id]

    @staticmethod
    def mine_of(store, activity, delegate_ids):
        """Many delegates' cards at once (everyone in the round for None)."""
        return views.cards(store, activity["workshop_id"], activity, delegate_ids)

    @staticmethod
    def on_arrival(store, activity, delegate_id):
        """A delegate arriving mid-round joins a group if the activity allows it."""
        affected = domain.place_late(store, activity["workshop_id"], activity, delegate_id)
        return Change(activity, people=affected - {delegate_id}) if affected else None

    @classmethod
    def tick(cls, store):
        """End rounds on the server's deadline; regroup the unfound after the grace period."""
        from ..runsheet import domain as runsheet
        changes = []
        for round_ in domain.close_expired(store):
            changes.append(Change(runsheet.get_activity(store, round_["workshop_id"],
                                                        round_["activity_id"])))
        for round_ in store.all("select * from connect_rounds where ended_at is null"):
            activity = runsheet.get_activity(store, round_["workshop_id"], round_["activity_id"])
            round_ = domain.latest_round(store, activity["id"])
            affected = domain.regroup_due(store, round_["workshop_id"], round_,
                                          activity["config"])
            if affected:
                changes.append(Change(activity, people=affected, soon=True))
        return changes

    @staticmethod
    def workshop_files(store, workshop_id):
        """Every rotation planned ahead."""
        return exports.plans(store, workshop_id)

    @classmethod
    def report(cls, store, activity):
        """Headline counts and the connection map."""
        return {"view": views.public(store, activity), "summary": views.summary(store, activity)}

    @classmethod
    def rehearse(cls, activity, mine, who):
        """Most find their group on their card soon, some late; some say they cannot
        find them (and are regrouped), a few sit a round out (half of those come back
        for a later one); once the summary is shown, some share a way to reach them."""
        mine = mine or {}
        round_ = activity.get("round") or {}
        number, group = round_.get("number"), mine.get("group")
        plan = []

        def card(extra=None):
            """The tap, while the card still shows this round's group unfound."""
            def payload(shown, own):
                now = (own or {}).get("group")
                if ((shown.get("round") or {}).get("number") != number or not now
                        or now["found"] or now["number"] != group["number"]):
                    return None
                return {"activity_id": shown["id"], "round": number, **(extra or {})}
            return payload

        if number is not None:
            this_round = who.dice("round", number).random()
            if mine.get("sitting_out"):
                if this_round >= 0.05 and who.dice("back", number).random() < 0.5:
                    plan.append(who.act(("back", number), "connect:sit_out",
                                        {"sitting_out": False}, think=5))
            elif group and not group["found"] and round_.get("running"):
                key = ("meet", number, group["number"])
                roll = who.dice(*key).random()  # a new group (regrouped): a new roll
                if this_round < 0.05:
                    plan.append(who.act(("sit", number), "connect:sit_out",
                                        {"sitting_out": True}, think=3))
                else:
                    think = 45 if roll < 0.25 else 12
                    ends = round_.get("ends_at")
                    if roll < 0.13:
                        plan.append(who.act(key, "connect:cant_find", card(), think, ends))
                    else:
                        strangers = [m for m in group.get("members") or () if not m["known"]]
                        if strangers and who.dice("know", *key).random() < 0.05:
                            plan.append(who.act(("know",) + key, "connect:know", card(
                                {"delegate_id": who.rng.choice(strangers)["id"]}), think, ends))
                            think = 1
                        plan.append(who.act(key, "connect:found", card(), think, ends))
        if mine.get("met") and not mine.get("my_contact") and who.dice("contact").random() < 0.3:
            name = who.me.get("name") or "delegate"
            address = ".".join(p.strip(".").lower() for p in name.split() if len(p) > 2)
            plan.append(who.act(("contact",), "connect:contact",
                                {"contact": f"{address}@example.org"}, think=6))
        return plan


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

