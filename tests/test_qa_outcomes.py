"""What askers see of their own questions, and the held-words list."""
import json

import pytest
from test_qa_events import ask, moderate, own, panel  # noqa: F401 (a fixture)

from facilitator.extensions import get_store
from facilitator.qa import views, words
from facilitator.runsheet import domain as runsheet


def question(question_id) -> dict:
    """A stored question."""
    return get_store().one("select * from qa_questions where id = ?", [question_id])


def everything_but_mine(workshops, sio) -> str:
    """All a screen holds except its own posts, as text."""
    held = dict(workshops.held(sio))
    held.pop("mine", None)
    return json.dumps(held)


def test_askers_see_what_became_of_each_question(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ann, bo = phones[0], phones[1]
    a = ask(ann, "How will the new funding for carers be shared out between the "
                 "councils and the trusts next year?", client_id="a")["question"]["id"]
    b = ask(ann, "Carers funding: who decides?", client_id="b", anonymous=True)["question"]["id"]
    c = ask(ann, "Secret plan?", client_id="c", anonymous=True)["question"]["id"]
    t = ask(bo, "Who decides how carers' money is spent?", client_id="t")["question"]["id"]
    assert own(workshops, ann)[a]["original_text"] is None  # waiting, as sent
    assert own(workshops, ann)[a]["status"] == "pending"

    moderate(mod, activity_id, a, "approve", text="How will carers' funding be shared out?")
    moderate(mod, activity_id, t, "approve")
    moderate(mod, activity_id, b, "merge", into=t)
    moderate(mod, activity_id, c, "dismiss")
    mine = own(workshops, ann)
    assert mine[a]["text"] == "How will carers' funding be shared out?"
    assert mine[a]["original_text"].startswith("How will the new funding")
    assert mine[b]["merged"] is True
    assert mine[b]["merged_into"] == {"id": t, "text": "Who decides how carers' money is spent?"}
    assert mine[c]["status"] == "dismissed" and mine[c]["merged_into"] is None

    moderate(mod, activity_id, a, "answering")
    moderate(mod, activity_id, t, "answering")  # the one before is done
    mine = own(workshops, ann)
    assert mine[a]["status"] == "answered"

    # No one else learns who asked, or what was sent before a moderator's edit.
    for sio in (bo, phones[2], screen):
        seen = everything_but_mine(workshops, sio)
        assert "How will the new funding" not in seen and "Secret plan" not in seen
        assert "Carers funding: who decides?" not in seen
        theirs = {q["id"] for q in (workshops.held(sio).get("mine") or {}).get("questions", [])}
        assert not theirs & {a, b, c}


def test_a_merge_into_a_question_no_longer_shown_names_no_text(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    b = ask(phones[0], "Duplicate", client_id="b")["question"]["id"]
    t = ask(phones[1], "Target", client_id="t")["question"]["id"]
    moderate(mod, activity_id, t, "approve")
    moderate(mod, activity_id, b, "merge", into=t)
    assert own(workshops, phones[0])[b]["merged_into"]["text"] == "Target"
    moderate(mod, activity_id, t, "dismiss")
    # A phone that connects again is not told the text of a question no longer shown.
    activity = runsheet.get_activity(get_store(), w["id"], activity_id)
    assert views.personal(get_store(), activity, question(b)["delegate_id"])[
        "questions"][0]["merged_into"] is None


@pytest.mark.parametrize("text", [
    "This is bloody ridiculous", "What a load of crap", "Crappy plan", "Bugger that",
    "They're taking the piss", "I'm pissed off", "Can't be arsed", "Sod it", "Damn",
    "That was a shitty meeting", "Total bollocks",
])
def test_default_list_holds_mild_swearing(text):
    assert words.flagged(text, words.DEFAULT_WORDS)


@pytest.mark.parametrize("text", [
    "Scunthorpe and Essex", "A class of its own", "Assess the passage", "Arsenal won",
    "Cocktail hour", "Sodium levels", "Pass the Dickensian papers", "Blood tests",
    "Scrap the crapaud", "Bloodhound",
])
def test_default_list_leaves_innocent_words(text):
    assert words.flagged(text, words.DEFAULT_WORDS) == []


def test_an_edited_list_replaces_the_default(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    assert "bloody" in workshops.view(mod)["words"]
    ack = mod.emit("qa:settings", {"activity_id": activity_id, "words": ["Rubbish", "waffle"]},
                   callback=True)
    assert ack["ok"] and ack["qa"]["words"] == ["rubbish", "waffle"]
    ask(phones[0], "Bloody waffle", client_id="x")
    ask(phones[1], "This is bloody good", client_id="y")
    held = {q["text"]: q["held"] for q in mod.emit(
        "qa:open", {"activity_id": activity_id}, callback=True)["qa"]["questions"]}
    # "waffle" is held; "bloody" is no longer on the list.
    assert held == {"Bloody waffle": "language", "This is bloody good": None}
