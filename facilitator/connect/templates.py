"""Conversation prompts and ready-made Connect exercises (from Liberating Structures).

Pure data and functions: a Connect activity's settings expand into its rounds here.
"""

# Good openers for people from different organisations; the facilitator edits freely.
PROMPT_LIBRARY = [
    "What brought you into this work, and what keeps you in it?",
    "What is one thing your organisation does well that others could learn from?",
    "Where do our organisations' work overlap, and where do we trip over each other?",
    "What is one challenge you are facing this month that someone here might help with?",
    "Tell a story of a time partnership across organisations made a real difference.",
    "What do people who use our services wish we understood about each other?",
    "What would you stop doing tomorrow if you could?",
    "What is one small thing we could do together in the next month?",
    "Who else in this room should you talk to, and why?",
    "What have you heard today that surprised you?",
    "What does good look like for the people we serve in five years?",
    "What is something you are proud of that few people know about?",
]

TEMPLATES = {
    "custom": {
        "label": "Custom rounds",
        "description": "Your own group size, number of rounds, timings and prompts.",
    },
    "impromptu": {
        "label": "Impromptu Networking",
        "description": "Three rounds of pairs, each answering two questions, a few minutes each.",
        "rounds": [
            {"kind": "groups", "size": 2, "minutes": 4,
             "prompt": "What big challenge do you bring to this gathering? "
                       "What do you hope to get from, and give to, this group?"},
            {"kind": "groups", "size": 2, "minutes": 4,
             "prompt": "What big challenge do you bring to this gathering? "
                       "What do you hope to get from, and give to, this group?"},
            {"kind": "groups", "size": 2, "minutes": 4,
             "prompt": "What big challenge do you bring to this gathering? "
                       "What do you hope to get from, and give to, this group?"},
        ],
    },
    "one_two_four_all": {
        "label": "1-2-4-All",
        "description": "A minute alone, then pairs, then fours made of two pairs, then the "
                       "whole room.",
        "rounds": [
            {"kind": "solo", "size": 1, "minutes": 1,
             "prompt": "On your own: what opportunities do you see for working together?"},
            {"kind": "groups", "size": 2, "minutes": 2,
             "prompt": "In pairs: build on each other's ideas."},
            {"kind": "merge", "size": 4, "minutes": 4,
             "prompt": "In fours: notice similarities and differences; which idea stands out?"},
            {"kind": "all", "size": 0, "minutes": 5,
             "prompt": "Whole room: what is one idea that stood out in your conversation?"},
        ],
    },
    "troika": {
        "label": "Troika Consulting",
        "description": "Trios; each person in turn is the client while the other two "
                       "consult, with timed phases shown on every phone.",
        "rounds": [
            {"kind": "groups", "size": 3, "minutes": 24,
             "prompt": "Client: what challenge would you like help with? "
                       "What kind of help do you need?",
             "turns": 3,
             "phases": [
                 {"label": "Client shares the challenge", "seconds": 120},
                 {"label": "Consultants ask clarifying questions", "seconds": 60},
                 {"label": "Client turns around; consultants discuss ideas", "seconds": 240},
                 {"label": "Client shares what was most useful", "seconds": 60},
             ]},
        ],
    },
}

ROUND_KINDS = ("groups", "merge", "solo", "all")


def expand(config: dict) -> list[dict]:
    """The rounds an activity's settings describe, each with its own prompt."""
    template = TEMPLATES[config["template"]]
    prompts = config.get("prompts") or []
    if "rounds" in template:
        rounds = [dict(r) for r in template["rounds"]]
        if config["template"] == "troika":
            # Phases scale with the minutes chosen; trios stay trios.
            base = sum(p["seconds"] for p in rounds[0]["phases"]) * rounds[0]["turns"] / 60
            scale = config["minutes"] / base
            rounds[0]["phases"] = [{**p, "seconds": max(15, round(p["seconds"] * scale))}
                                   for p in rounds[0]["phases"]]
            rounds[0]["minutes"] = config["minutes"]
        elif config["template"] == "impromptu":
            rounds = [{**r, "minutes": config["minutes"]} for r in rounds]
    else:
        rounds = [{"kind": "groups", "size": config["group_size"], "minutes": config["minutes"],
                   "prompt": PROMPT_LIBRARY[i % len(PROMPT_LIBRARY)]}
                  for i in range(config["round_count"])]
    for i, round_ in enumerate(rounds):
        if i < len(prompts) and prompts[i]:
            round_["prompt"] = prompts[i]
    return rounds


def round_seconds(round_: dict) -> int:
    """How long a round lasts."""
    if round_.get("phases"):
        return sum(p["seconds"] for p in round_["phases"]) * round_.get("turns", 1)
    return round(round_["minutes"] * 60)
