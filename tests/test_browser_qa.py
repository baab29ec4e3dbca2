"""End-to-end Q&A in Debian's Chromium: ask on phones, moderate and read on the panel.

Reuses tests/test_browser.py's fixtures (one Chromium per module, pages that are
screenshotted to test-artifacts/ on failure) and helpers.
"""
import pytest
from test_browser import browser, control_links, expect, join_phones, screens  # noqa: F401

pytestmark = pytest.mark.browser

PANEL = {"width": 1280, "height": 900}
# A socket round trip plus the server's half-second beat (vote totals are coalesced).
LIVE_TIMEOUT = 5000
PLAIN = "How will the funding change next year?"
EVIL = "<img src=x onerror=window.__xss=1> Will <b>this</b> show as text?"


def test_questions_are_asked_moderated_voted_and_answered_on_every_screen(
        screens, live_server):  # noqa: F811 - the fixture imported above
    workshop = live_server.create_workshop("Q&A day")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    links = control_links(control)
    panel = screens.open("panel", links["panel"], viewport=PANEL)
    projector = screens.open("projector", links["screen"])
    phones = join_phones(screens, workshop, [("Ann Lee", "Hospice"), ("Bob Khan", "ICB"),
                                             ("Cat Jones", "Fire Service")])

    # The facilitator adds a Q&A session from the form and makes it live.
    control.locator("#add-activity > summary").click()
    control.select_option("#activity-kind", "qa")
    control.fill("#activity-title", "Questions for the panel")
    control.locator("#activity-save").click()
    expect(control.locator("#runsheet .runsheet-title")).to_have_text(
        ["Questions for the panel"])
    control.get_by_role("button", name="Go live").click()
    expect(projector.locator(".activity-title")).to_have_text("Questions for the panel")

    # Two phones ask; one question carries markup, which must stay text.
    for phone, text in ((phones[0], PLAIN), (phones[1], EVIL)):
        phone.fill("#qa-text", text)
        phone.get_by_role("button", name="Send question").click()
        expect(phone.locator(".qa-note")).to_have_text("Sent: the moderator will review it.")
        expect(phone.locator(".qa-own .question-text")).to_have_text([text])
        expect(phone.locator(".qa-own .chip")).to_have_text(["Waiting for the moderator"])

    # The moderator approves both on the panel.
    qa = panel.locator("#work")

    def card(text):  # not has_text: other rows' "Merge into" menus hold the text too
        return qa.locator(".qa-row").filter(has=panel.locator("p.question-text", has_text=text))

    def take(text):  # the row in hand shows its controls
        card(text).locator("p.question-text").click()
        return card(text)

    states = qa.locator(".qa-states")
    expect(states.get_by_role("button", name="Incoming 2")).to_be_visible()
    for text in (PLAIN, EVIL):
        take(text).get_by_role("button", name="Approve").click()
    expect(states.get_by_role("button", name="Live 2")).to_be_visible()
    expect(states.get_by_role("button", name="Incoming 0")).to_be_visible()
    states.get_by_role("button", name="Live 2").click()

    # The third phone votes for both; the totals reach the other screens.
    voter = phones[2]
    expect(voter.locator(".qa-item")).to_have_count(2)
    for text in (PLAIN, EVIL):
        voter.locator(".qa-item", has_text=text).locator("button.vote").click()
        expect(voter.locator(".qa-item", has_text=text).locator("button.vote")).to_have_attribute(
            "aria-pressed", "true")
    expect(voter.locator("button.vote.voted")).to_have_count(2)
    expect(projector.locator(".top-questions .votes")).to_have_text(["▲ 1", "▲ 1"],
                                                                    timeout=LIVE_TIMEOUT)
    expect(phones[0].locator(".qa-item", has_text=EVIL).locator("button.vote")).to_have_text(
        "▲ 1", timeout=LIVE_TIMEOUT)
    expect(card(PLAIN).locator(".qa-row-meta")).to_contain_text(
        "▲ 1", timeout=LIVE_TIMEOUT)
    # Askers cannot vote for their own question.
    expect(phones[0].locator(".qa-item", has_text=PLAIN).locator("button.vote")).to_be_disabled()

    # What a phone is typing survives every broadcast, and keeps its focus.
    draft = phones[0].locator("#qa-text")
    draft.fill("Half a thought")
    draft.focus()

    # The panel takes one question: it is "Answering now" everywhere.
    take(PLAIN).get_by_role("button", name="Answer now").click()
    expect(qa.locator(".qa-row.answering")).to_contain_text(PLAIN)
    for page in phones:
        now = page.locator(".qa-list .answering-now")
        expect(now.locator(".round-label")).to_have_text("Answering now")
        expect(now.locator(".question-text")).to_have_text(PLAIN)
    now = projector.locator("#live .answering-now")
    expect(now.locator(".round-label")).to_have_text("Answering now")
    expect(now.locator(".question-text")).to_have_text(PLAIN)
    expect(now.locator(".asker")).to_have_text("Ann Lee, Hospice")
    expect(projector.locator(".top-questions .question-text")).to_have_text([EVIL])
    expect(draft).to_have_value("Half a thought")
    expect(draft).to_be_focused()

    # The panellist view shows it in large type, the other question next.
    qa.get_by_role("button", name="Panellist view").click()
    reading = qa.locator(".qa-reading")
    expect(reading.locator(".answering-now .question-text")).to_have_text(PLAIN)
    expect(reading.locator(".reading-list .question-text")).to_have_text([EVIL])
    size = reading.locator(".answering-now .question-text").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")
    body = panel.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 28 and size >= 1.7 * body, (size, body)

    # The markup is shown as text on every screen, and nothing ran.
    for page in (phones[1], voter):
        expect(page.locator(".qa-item .question-text", has_text="onerror")).to_have_text(EVIL)
    for page in (*phones, panel, projector, control):
        expect(page.locator('img[src="x"], b')).to_have_count(0)
        assert page.evaluate("() => window.__xss") is None
    expect(qa.locator(".reading-list .question-text")).to_have_text([EVIL])
    screens.assert_no_script_errors()
