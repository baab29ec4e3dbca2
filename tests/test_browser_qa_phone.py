"""A phone at 360 px follows its own questions and what is being answered.

Moderation is driven over Socket.IO, as a panel would send it; the phone is
Debian's Chromium (tests/test_browser.py's fixtures). Screenshots of each state
go to /tmp/shots/qa-phone/.
"""
from pathlib import Path

import pytest
from test_browser import PHONE, browser, expect, join_phones, screens  # noqa: F401

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/qa-phone")
LONG = ("How will the money for carers' breaks be shared between the three councils "
        "and the hospital trust, and who decides when it runs out?")
SHORT = "Who decides how carers' money is shared?"


def test_a_phone_sees_its_outcomes_and_a_cue_for_answering_now(screens, live_server):  # noqa: F811
    import socketio

    SHOTS.mkdir(parents=True, exist_ok=True)
    workshop = live_server.create_workshop("Carers day")
    fac, bot = socketio.Client(), socketio.Client()
    fac.connect(live_server.url, auth={"role": "facilitator", "key": workshop["key"]},
                transports=["websocket"])
    try:
        activity = fac.call("activity:add", {"kind": "qa", "title": "Questions for the panel",
                                             "min_interval": 0, "max_questions": 30})
        activity_id = activity["activity"]["id"]
        assert fac.call("live:set", {"activity_id": activity_id})["ok"]

        def moderate(question_id, action, **extra):
            ack = fac.call("qa:moderate", {"activity_id": activity_id,
                                           "question_id": question_id, "action": action,
                                           **extra})
            assert ack["ok"], ack

        def question(text):
            questions = fac.call("qa:open", {"activity_id": activity_id})["qa"]["questions"]
            return next(q["id"] for q in questions if q["text"] == text)

        phone = join_phones(screens, workshop, [("Ann Lee", "Hospice")])[0]
        for text in (LONG, "Is there money for respite?", "What about young carers?"):
            phone.fill("#qa-text", text)
            phone.get_by_role("button", name="Send question").click()
            expect(phone.locator(".qa-own .question-text").last).to_have_text(text)
        own = phone.locator(".qa-own li")
        expect(own.first).to_contain_text("Waiting for the moderator")

        # Edited (shortened), merged into it, answered: the phone says each.
        long_id = question(LONG)
        moderate(long_id, "approve", text=SHORT)
        first = own.filter(has_text=SHORT)
        expect(first).to_contain_text("A moderator shortened this")
        expect(first).to_contain_text("You sent: " + LONG)
        moderate(question("Is there money for respite?"), "merge", into=long_id)
        merged = own.filter(has_text="Is there money for respite?")
        expect(merged).to_contain_text(f"Merged with a similar question: “{SHORT}”")
        expect(merged).to_contain_text("Its votes moved there")
        young = question("What about young carers?")
        moderate(young, "approve")
        moderate(young, "answering")
        expect(own.filter(has_text="What about young carers?")).to_contain_text(
            "Being answered now")
        moderate(young, "answered")
        expect(own.filter(has_text="What about young carers?")).to_contain_text(
            "Answered at the panel")
        phone.screenshot(path=str(SHOTS / "outcomes.png"), full_page=True)

        # A long list; the phone is scrolled to its foot when the answer moves on.
        bot.connect(live_server.url, auth={"role": "delegate", "code": workshop["code"]},
                    transports=["websocket"])
        assert bot.call("delegate:join", {"name": "Bo Khan", "organisation": "ICB"})["ok"]
        for i in range(14):
            ack = bot.call("qa:ask", {"client_id": f"b{i}", "text": f"Question {i} from the "
                                      "floor about discharge, housing and the workforce?"})
            assert ack["ok"], ack
            moderate(ack["question"]["id"], "approve")
        expect(phone.locator(".qa-item")).to_have_count(16)  # one answered
        cue = phone.locator(".qa-cue")
        moderate(question("Question 3 from the floor about discharge, housing and the "
                          "workforce?"), "answering")
        expect(phone.locator(".answering-now")).to_contain_text("Question 3")
        # Brought into view, the box needs no cue; nor does a change the phone can see.
        phone.locator(".answering-now").scroll_into_view_if_needed()
        expect(cue).to_have_count(0)
        moderate(question("Question 4 from the floor about discharge, housing and the "
                          "workforce?"), "answering")
        expect(phone.locator(".answering-now")).to_contain_text("Question 4")
        expect(phone.locator(".answering-now")).to_be_in_viewport()
        expect(cue).to_have_count(0)
        phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        expect(phone.locator(".answering-now")).not_to_be_in_viewport()
        moderate(question("Question 7 from the floor about discharge, housing and the "
                          "workforce?"), "answering")
        expect(cue).to_be_visible()
        expect(cue).to_contain_text("Now answering: Question 7")
        expect(phone.locator(".qa-cue-region")).to_have_attribute("aria-live", "polite")
        phone.screenshot(path=str(SHOTS / "cue.png"))
        cue.locator(".qa-cue-go").click()
        expect(phone.locator(".answering-now")).to_be_in_viewport(ratio=1)
        expect(phone.locator(".answering-now")).to_be_focused()
        expect(cue).to_have_count(0)
        phone.screenshot(path=str(SHOTS / "after-tap.png"))

        # Dismissed with ×, it stays gone until the next change.
        phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        moderate(question("Question 9 from the floor about discharge, housing and the "
                          "workforce?"), "answering")
        expect(cue).to_contain_text("Question 9")
        phone.get_by_role("button", name="Dismiss").click()
        expect(cue).to_have_count(0)
        expect(phone.locator(".answering-now")).not_to_be_in_viewport()
    finally:
        fac.disconnect()
        if bot.connected:
            bot.disconnect()
    screens.assert_no_script_errors()
