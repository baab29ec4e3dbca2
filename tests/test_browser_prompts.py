"""End-to-end prompts in Debian's Chromium: a poll added on the control screen, answered
on phones and revealed on the projector; an answer kept offline and refused later; a
word cloud, scale and ready check answered, changed and closed on a phone.

Reuses tests/test_browser.py's fixtures (one Chromium per module, pages that are
screenshotted to test-artifacts/ on failure) and helpers.
"""
from contextlib import contextmanager

import pytest
from test_browser import (PHONE, browser, control_links, expect, join,  # noqa: F401
                          join_phones, screens)

pytestmark = pytest.mark.browser

# A socket round trip plus the server's half-second beat (results are coalesced).
LIVE_TIMEOUT = 5000
TITLE = "Where should the next away day be?"
OPTIONS = ["By the sea", "In the hills", "In town"]
PEOPLE = [("Ann Lee", "Hospice", 0), ("Bob Khan", "ICB", 2), ("Cat Jones", "Fire Service", 0)]
# Two chose the first option, one the last: counts and shares as the bars print them.
BAR_VALUES = ["2 67%", "0 0%", "1 33%"]


@contextmanager
def control_socket(live_server, workshop):
    """A control screen's socket to the workshop, as the tests' facilitator."""
    import socketio

    fac = socketio.Client()
    fac.connect(live_server.url, auth={"role": "facilitator", "key": workshop["key"]},
                transports=["websocket"])
    try:
        yield fac
    finally:
        fac.disconnect()


def test_poll_answers_are_counted_then_revealed_on_projector_and_phones(
        screens, live_server):  # noqa: F811 - the fixture imported above
    workshop = live_server.create_workshop("Poll day")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    projector = screens.open("projector", control_links(control)["screen"])
    expect(projector.locator("#join-screen .join-code")).to_have_text(workshop["code"])
    phones = join_phones(screens, workshop, [(name, org) for name, org, _ in PEOPLE])

    # The facilitator adds a poll from the form, results hidden until revealed.
    control.locator("#add-activity > summary").click()
    control.select_option("#activity-kind", "poll")
    control.fill("#activity-title", TITLE)
    expect(control.locator("#poll-options")).to_be_visible()
    control.fill("#poll-options", "\n".join(OPTIONS))
    expect(control.locator("#prompt-results option:checked")).to_have_text(
        "Hidden until I reveal them")
    control.locator("#activity-save").click()
    expect(control.locator("#runsheet .runsheet-title")).to_have_text([TITLE])
    control.get_by_role("button", name="Go live").click()
    expect(control.locator("#live-preview .activity-title")).to_have_text(TITLE)
    expect(projector.locator(".activity-title")).to_have_text(TITLE)
    expect(projector.locator(".option-list li")).to_have_text(OPTIONS)

    for phone, (_, _, choice) in zip(phones, PEOPLE, strict=True):
        expect(phone.locator(".activity-title")).to_have_text(TITLE)
        options = phone.locator("label.option")
        expect(options).to_have_text(OPTIONS)
        options.nth(choice).click()
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
        expect(options.nth(choice).locator("input")).to_be_checked()

    # The control screen counts them (after a beat); nobody else sees results yet.
    controls = control.locator("#live-controls")
    expect(controls.locator(".bar-label")).to_have_text(OPTIONS, timeout=LIVE_TIMEOUT)
    expect(controls.locator(".bar-value")).to_have_text(BAR_VALUES, timeout=LIVE_TIMEOUT)
    expect(controls.locator(".respondents")).to_have_text("3 answers")
    expect(projector.locator(".bar-row")).to_have_count(0)
    for phone in phones:
        expect(phone.locator(".prompt-results .bar-row")).to_have_count(0)

    control.get_by_role("button", name="Reveal results").click()
    expect(control.get_by_role("button", name="Hide results")).to_be_visible()
    expect(projector.locator(".bar-row")).to_have_count(3)
    expect(projector.locator(".bar-label")).to_have_text(OPTIONS)
    expect(projector.locator(".bar-value")).to_have_text(BAR_VALUES)
    expect(projector.locator(".respondents")).to_have_text("3 answers")
    expect(projector.locator(".option-list")).to_have_count(0)
    for phone in phones:
        results = phone.locator(".prompt-results")
        expect(results.locator(".bar-row")).to_have_count(3)
        expect(results.locator(".bar-value")).to_have_text(BAR_VALUES)
    screens.assert_no_script_errors()


def test_an_answer_from_offline_refused_later_is_shown_whatever_is_on_screen(
        screens, live_server):  # noqa: F811 - the fixture imported above
    workshop = live_server.create_workshop("Offline day")
    with control_socket(live_server, workshop) as fac:
        poll = fac.call("activity:add", {"kind": "poll", "title": "Lunch?",
                                         "options": ["Soup", "Pie"]})["activity"]["id"]
        message = fac.call("activity:add", {"kind": "message", "title": "Coffee break"})
        assert fac.call("live:set", {"activity_id": poll})["ok"]
        phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
        join(phone, "Ann Lee", "Hospice")
        expect(phone.locator(".activity-title")).to_have_text("Lunch?")
        # The phone answers while its connection is down: the outbox keeps the answer.
        phone.context.set_offline(True)
        expect(phone.locator("#status")).not_to_have_text("Live", timeout=LIVE_TIMEOUT)
        phone.locator("label.option").nth(1).click()
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator(".prompt-note")).to_contain_text("Saved on this phone")
        expect(phone.locator("label.option").nth(1).locator("input")).to_be_checked()
        # Meanwhile the room moves on; back online, the phone sends what it kept.
        assert fac.call("live:set", {"activity_id": message["activity"]["id"]})["ok"]
        phone.context.set_offline(False)
        expect(phone.locator(".activity-title")).to_have_text("Coffee break", timeout=15000)
        notice = phone.locator("#phone-notice")
        expect(notice).to_be_visible(timeout=LIVE_TIMEOUT)
        expect(notice).to_contain_text("was not counted")
        expect(phone.locator(".activity-title")).to_have_text("Coffee break")
        notice.get_by_role("button", name="OK").click()
        expect(notice).to_be_hidden()


def test_each_prompt_kind_is_answered_changed_and_closed_on_a_phone(
        screens, live_server):  # noqa: F811 - the fixture imported above
    workshop = live_server.create_workshop("Prompt day")
    with control_socket(live_server, workshop) as fac:
        def add(**settings):
            return fac.call("activity:add", settings)["activity"]["id"]

        cloud = add(kind="wordcloud", title="One word for today", entries=2)
        scale = add(kind="scale", title="How useful was it?", low_label="Not at all",
                    high_label="Very")
        ready = add(kind="ready", title="Finished?", button="We're done")
        phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
        join(phone, "Ann Lee", "Hospice")
        note = phone.locator(".prompt-note")

        # A word cloud: two entries, then one changed; the form keeps what was sent.
        assert fac.call("live:set", {"activity_id": cloud})["ok"]
        expect(phone.get_by_label("Word or phrase 1")).to_be_visible()
        phone.get_by_label("Word or phrase 1").fill("Trust")
        phone.get_by_label("Word or phrase 2").fill("time")
        phone.get_by_role("button", name="Send").click()
        expect(note).to_contain_text("Your answer is in")
        phone.get_by_label("Word or phrase 2").fill("coffee")
        phone.get_by_role("button", name="Send").click()
        assert fac.call("prompt:reveal", {"activity_id": cloud, "revealed": True})["ok"]
        # The changed answer replaced the first: "time" is counted no more.
        expect(phone.locator(".prompt-results .word-cloud")).to_have_attribute(
            "aria-label", "Word cloud: trust 1, coffee 1", timeout=LIVE_TIMEOUT)
        expect(phone.get_by_label("Word or phrase 2")).to_have_value("coffee")

        # A scale: the chosen number is pressed; a change of mind moves it.
        assert fac.call("live:set", {"activity_id": scale})["ok"]
        buttons = phone.locator(".scale-button")
        expect(buttons).to_have_count(5)
        expect(phone.locator(".scale-ends span")).to_have_text(["1 Not at all", "5 Very"])
        buttons.nth(3).click()
        expect(buttons.nth(3)).to_have_attribute("aria-pressed", "true")
        buttons.nth(1).click()
        expect(buttons.nth(1)).to_have_attribute("aria-pressed", "true")
        expect(buttons.nth(3)).to_have_attribute("aria-pressed", "false")
        expect(note).to_contain_text("Your answer is in")

        # A ready check: tapped, undone, tapped again; then time is up.
        assert fac.call("live:set", {"activity_id": ready})["ok"]
        button = phone.locator(".ready-button")
        expect(button).to_have_text("We're done")
        button.click()
        expect(button).to_have_text("✓ Ready (tap to undo)")
        button.click()
        expect(button).to_have_text("We're done")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        assert fac.call("prompt:close", {"activity_id": ready, "closed": True})["ok"]
        expect(phone.locator(".times-up")).to_have_text("Time's up")
        expect(button).to_be_disabled()
        expect(button).to_have_text("✓ Ready")
        expect(note).to_have_text("Your answer is in.")
        assert fac.call("prompt:reveal", {"activity_id": ready, "revealed": True})["ok"]
        expect(phone.locator(".prompt-results .ready-count")).to_have_text("1 of 1 ready")
    screens.assert_no_script_errors()
