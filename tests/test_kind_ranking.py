"""A ranking: settings, answers, scores and what each screen sees, over sockets and in
the browser.

`room`, `go_live`, `answer` and the browser helpers are shared with
tests/test_kind_points.py. The browser tests reuse tests/test_browser.py's fixtures.
"""
import csv
import io
import json
import re

import pytest
from test_browser import (LIVE_TIMEOUT, PHONE, browser, control_links, expect,  # noqa: F401
                          join, screens)

from test_prompt_events import answer, go_live  # noqa: F401 - shared with other kinds' tests

from facilitator import realtime

ITEMS = ["Housing", "Community care", "Transport", "Mental health"]


@pytest.fixture
def room(workshops, app):
    """A workshop with a control screen, a projector, a panel and three phones."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    screen, panel = workshops.projector_and_panel(fac)
    phones = [workshops.phone(w, f"Person {i}", f"Org {i}", f"Role {i}") for i in range(3)]
    app.app_context().push()
    return w, fac, screen, panel, phones


def add(fac, **settings):
    """Add an activity; return the ack."""
    return fac.emit("activity:add", {"title": "What matters most?", **settings}, callback=True)


def refused_settings(fac, kind: str, message: str, **settings):
    """Settings are refused, saying why and naming one of the fields given."""
    ack = add(fac, kind=kind, **settings)
    assert ack["ok"] is False and message in ack["message"], ack
    assert ack["field"] in settings


def refused(workshops, fac, phone, field: str, message: str, **value):
    """An answer is refused as invalid, saying why, and not counted."""
    ack = answer(phone, **value)
    assert ack["ok"] is False and ack["error"] == "invalid" and message in ack["message"], ack
    assert ack["field"] == field
    realtime.beat()
    assert workshops.view(fac)["results"]["total"] == 0


def reveal(workshops, fac, activity_id, phone, mine, others) -> list:
    """Results are hidden from the `others` screens and `phone` keeps its own answer
    (`mine`); then the facilitator reveals them. Returns each other screen's results."""
    for sio in others:
        assert workshops.view(sio)["results"] is None
    assert phone.emit("live:mine", {}, callback=True)["mine"] == {"answer": mine}
    assert fac.emit("prompt:reveal", {"activity_id": activity_id}, callback=True)["ok"]
    return [workshops.view(sio)["results"] for sio in others]


def csv_rows(client, w, activity_id) -> list[list[str]]:
    """The activity's answers CSV file, as rows of cells (the header first)."""
    page = client.get(f"/control/{w['key']}/activities/{activity_id}/answers.csv")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Person" not in text  # answers are exported without names
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def report_section(client, w, activity_id) -> dict:
    """The activity's section of the event report, as the page carries it."""
    html = client.get(f"/control/{w['key']}/report").get_data(as_text=True)
    report = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    return next(s for s in report["sections"] if s["id"] == activity_id)


def test_settings_are_kept_and_a_top_n_of_every_item_is_a_full_ranking(room):
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="ranking", items=[" Housing ", "", "Transport"], top=1)
    assert ack["activity"]["config"] == {"items": ["Housing", "Transport"], "top": 1,
                                         "timer_seconds": 0, "results": "reveal"}
    assert add(fac, kind="ranking", items=ITEMS, top=4)["activity"]["config"]["top"] == 0
    assert add(fac, kind="ranking", items=ITEMS)["activity"]["config"]["top"] == 0


@pytest.mark.parametrize("settings, message", [
    ({"items": ["Only one"]}, "at least two items"),
    ({"items": []}, "at least two items"),
    ({"items": ["Same", "same "]}, "different"),
    ({"items": "Housing\nTransport"}, "list"),
    ({"items": [f"Item {i}" for i in range(11)]}, "at most 10 items"),
    ({"items": ["A", 7]}, "must be text"),
    ({"items": ["A", "x" * 121]}, "too long"),
    ({"items": ["A", "B"], "top": -1}, "between 0 and 10"),
    ({"items": ["A", "B"], "top": "3"}, "whole number"),
    ({"items": ["A", "B"], "top": True}, "whole number"),
    ({"items": ["A", "B"], "timer_seconds": 99999}, "between 0 and 3600"),
])
def test_bad_settings_are_refused(room, settings, message):
    w, fac, screen, panel, phones = room
    refused_settings(fac, "ranking", message, **settings)


def test_every_screen_sees_the_items_and_results_only_where_due(workshops, room):
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="ranking", items=ITEMS, top=2)
    for sio in (fac, screen, panel, *phones):
        view = workshops.view(sio)
        assert view["items"] == ITEMS and view["places"] == 2 and view["open"]
    assert workshops.held(phones[0])["mine"] == {"answer": None}
    assert answer(phones[0], order=[1, 0])["answer"] == {"order": [1, 0]}
    realtime.beat()
    assert workshops.view(fac)["results"]["total"] == 1
    for sio in (screen, panel, *phones):
        assert workshops.view(sio)["results"] is None  # hidden until revealed
    assert fac.emit("prompt:reveal", {"activity_id": activity_id}, callback=True)["ok"]
    for sio in (screen, panel, *phones):
        assert workshops.view(sio)["results"]["items"][0]["item"] == 1


def test_results_shown_live_reach_the_projector_but_not_phones(workshops, room):
    w, fac, screen, panel, phones = room
    go_live(fac, kind="ranking", items=ITEMS, results="live")
    answer(phones[0], order=[3, 2, 1, 0])
    realtime.beat()
    assert workshops.view(screen)["results"]["total"] == 1
    assert workshops.view(panel)["results"]["total"] == 1
    assert workshops.view(phones[1])["results"] is None


def test_scores_ranks_and_spread(workshops, room):
    w, fac, screen, panel, phones = room
    go_live(fac, kind="ranking", items=ITEMS)
    answer(phones[0], order=[1, 0, 2, 3])
    answer(phones[1], order=[1, 2, 0, 3])
    answer(phones[2], "c1", order=[0, 1, 2, 3])
    answer(phones[2], "c2", order=[2, 0, 1, 3])  # changed their mind: replaces the first
    realtime.beat()
    results = workshops.view(fac)["results"]
    assert results["total"] == 3
    # 4 points for 1st, 3 for 2nd, 2 for 3rd, 1 for 4th, averaged over three.
    assert [(r["item"], r["average"], r["rank"]) for r in results["items"]] == [
        (1, 3.33, 1), (2, 3.0, 2), (0, 2.67, 3), (3, 1.0, 4)]
    by_item = {r["item"]: r for r in results["items"]}
    assert by_item[1]["places"] == [2, 0, 1, 0]
    assert by_item[3]["places"] == [0, 0, 0, 3] and by_item[3]["unranked"] == 0


def test_a_top_n_ranking_scores_the_rest_zero(workshops, room):
    w, fac, screen, panel, phones = room
    go_live(fac, kind="ranking", items=ITEMS, top=2)
    answer(phones[0], order=[3, 1])
    answer(phones[1], order=[1, 3])
    realtime.beat()
    results = workshops.view(fac)["results"]
    assert [(r["item"], r["average"], r["rank"]) for r in results["items"]] == [
        (1, 3.5, 1), (3, 3.5, 1), (0, 0, 3), (2, 0, 3)]
    assert results["items"][0]["places"] == [1, 1] and results["items"][2]["unranked"] == 2


@pytest.mark.parametrize("payload, message", [
    ({}, "list of item numbers"),
    ({"order": "0,1,2,3"}, "list of item numbers"),
    ({"order": [0, 1, 2, "3"]}, "list of item numbers"),
    ({"order": [0, 1, 2, 3.0]}, "list of item numbers"),
    ({"order": [0, 1, 2, True]}, "list of item numbers"),
    ({"order": [0, 1, 2, None]}, "list of item numbers"),
    ({"order": [0, 1, 2, 3, 0]}, "list of item numbers"),
    ({"order": list(range(100000))}, "list of item numbers"),
    ({"order": [0, 1, 2, 4]}, "does not exist"),
    ({"order": [0, 1, 2, -1]}, "does not exist"),
    ({"order": [0, 1, 1, 2]}, "once only"),
    ({"order": [0, 1, 2]}, "Place all 4: you placed 3"),
    ({"order": []}, "Place all 4: you placed 0"),
])
def test_bad_answers_are_refused_and_not_counted(workshops, room, payload, message):
    w, fac, screen, panel, phones = room
    go_live(fac, kind="ranking", items=ITEMS)
    refused(workshops, fac, phones[0], "order", message, **payload)


def test_a_top_n_ranking_takes_exactly_n(room):
    w, fac, screen, panel, phones = room
    go_live(fac, kind="ranking", items=ITEMS, top=3)
    assert "Place your top 3: you placed 2" in answer(phones[0], order=[0, 1])["message"]
    assert answer(phones[0], order=[0, 1, 2, 3])["ok"] is False
    assert answer(phones[0], order=[3, 0, 1])["ok"]


def test_times_up_and_answers_no_longer_fitting_edited_items_are_left_out(workshops, room):
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="ranking", items=ITEMS)
    answer(phones[0], order=[3, 2, 1, 0])
    answer(phones[1], order=[0, 1, 2, 3])
    ack = fac.emit("activity:update", {"activity_id": activity_id, "title": "Fewer",
                                       "items": ITEMS[:3]}, callback=True)
    assert ack["ok"], ack
    realtime.beat()
    assert workshops.view(fac)["results"]["total"] == 0  # neither order fits three items
    assert fac.emit("prompt:close", {"activity_id": activity_id, "closed": True},
                    callback=True)["ok"]
    late = answer(phones[2], order=[0, 1, 2])
    assert late["error"] == "closed" and "Time's up" in late["message"]


def test_answers_csv_and_report(client, workshops, room):
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="ranking", items=["=HYPERLINK(1)", "Transport"])
    answer(phones[0], order=[1, 0])
    answer(phones[1], order=[0, 1])
    rows = csv_rows(client, w, activity_id)
    assert rows[0] == ["answer", "organisation", "role", "answered at"]
    assert [r[:3] for r in rows[1:]] == [["1. Transport; 2. =HYPERLINK(1)", "Org 0", "Role 0"],
                                         ["1. =HYPERLINK(1); 2. Transport", "Org 1", "Role 1"]]
    section = report_section(client, w, activity_id)
    assert section["kind"] == "ranking" and section["view"]["results"]["total"] == 2
    assert section["view"]["items"] == ["=HYPERLINK(1)", "Transport"]


# --- in the browser: a phone at 360 px, the projector at 1920 × 1080 ----------------

LONG_ITEMS = ["Community care and support for older people living at home", "Housing",
              "Transport links to the hospital", "Mental health services for young people",
              "Digital inclusion", "Workforce wellbeing and retention", "Prevention and early help",
              "Carers' respite", "Social prescribing", "Hospital discharge delays"]


def open_room(screens, live_server, kind: str, title: str, fields: dict, ticks=None):
    """A control screen that has added an activity by its form (`fields`: text by
    selector, `ticks`: checkboxes by name) and made it live, the projector and one
    joined phone: (control, projector, phone)."""
    workshop = live_server.create_workshop("Priorities day")
    control = screens.open("control", f"/control/{workshop['key']}")
    projector = screens.open("projector", control_links(control)["screen"])
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, "Ann Lee", "Hospice")
    expect(phone.locator(".me-name")).to_have_text("Ann Lee")
    control.locator("#add-activity > summary").click()
    control.select_option("#activity-kind", kind)
    control.fill("#activity-title", title)
    for selector, value in fields.items():
        control.fill(selector, value)
    for name, ticked in (ticks or {}).items():
        control.locator(f".kind-fields:visible [name={name}]").set_checked(ticked)
    control.locator("#activity-save").click()
    expect(control.locator("#runsheet .runsheet-title")).to_have_text([title])
    control.get_by_role("button", name="Go live").click()
    expect(projector.locator(".activity-title")).to_have_text(title)
    expect(phone.locator(".activity-title")).to_have_text(title)
    return control, projector, phone


def fits(page) -> bool:
    """Nothing on the page is wider than its window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fits_the_projector(projector) -> bool:
    """The live activity fits above the join banner, at full size or shrunk to fit."""
    return projector.evaluate("(() => { const live = document.querySelector('.live');"
                              " return live.scrollHeight <= live.clientHeight + 1; })()")


@pytest.mark.browser
def test_a_phone_ranks_by_tapping_and_buttons_and_the_projector_shows_the_order(
        screens, live_server):  # noqa: F811 - the fixture imported below
    title = "What should we fund first?"
    control, projector, phone = open_room(screens, live_server, "ranking", title,
                                          {"#ranking-items": "\n".join(ITEMS)})
    expect(projector.locator(".option-list li")).to_have_text(ITEMS)
    expect(phone.locator(".ranking-help")).to_contain_text("Tap the items in the order")
    send = phone.get_by_role("button", name="Send my ranking")
    expect(send).to_be_disabled()

    # Tap three in order; each is placed next, and the phone says so.
    for item in ("Transport", "Housing", "Mental health"):
        phone.get_by_role("button", name=re.compile(f"^Place {item}")).click()
    placed = phone.locator(".ranking-placed .ranking-text")
    expect(placed).to_have_text(["Transport", "Housing", "Mental health"])
    expect(phone.locator(".ranking-placed .ranking-place")).to_have_text(["1st", "2nd", "3rd"])
    expect(phone.locator(".prompt-note")).to_have_text("Mental health placed 3rd of 4.")
    expect(send).to_be_disabled()

    # A broadcast (the facilitator starts the countdown) keeps the order being built.
    control.get_by_role("button", name="Start countdown").click()
    expect(phone.locator(".timer-value")).to_be_visible()
    expect(placed).to_have_text(["Transport", "Housing", "Mental health"])

    # Move one up with its button: the focus stays on it, and its label follows.
    up = phone.get_by_role("button", name="Move Mental health up, now 3rd of 4")
    up.click()
    expect(placed).to_have_text(["Transport", "Mental health", "Housing"])
    expect(phone.locator(".prompt-note")).to_have_text("Mental health is now 2nd of 4.")
    expect(phone.get_by_role("button", name="Move Mental health up, now 2nd of 4")).to_be_focused()
    # The first cannot go higher: its button says so and keeps the focus.
    top = phone.get_by_role("button", name="Move Transport up, now 1st of 4")
    expect(top).to_have_attribute("aria-disabled", "true")

    # Take one out, then finish by keyboard alone: Tab to an item, Enter to place it.
    phone.get_by_role("button", name="Take Housing out of your ranking").click()
    expect(placed).to_have_text(["Transport", "Mental health"])
    phone.get_by_role("button", name="Place Housing 3rd").focus()
    phone.keyboard.press("Enter")
    expect(placed).to_have_text(["Transport", "Mental health", "Housing"])
    expect(phone.get_by_role("button", name="Place Community care 4th")).to_be_focused()
    phone.keyboard.press("Enter")  # the focus moved on to the one left
    expect(placed).to_have_text(["Transport", "Mental health", "Housing", "Community care"])
    expect(phone.locator(".ranking-pick")).to_have_count(0)
    expect(phone.get_by_role("button", name="Send my ranking")).to_be_focused()
    assert fits(phone)
    phone.keyboard.press("Enter")
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")

    # The control screen counts it; the projector and phone see it once revealed.
    controls = control.locator("#live-controls")
    expect(controls.locator(".ranking-result .ranking-text")).to_have_text(
        ["Transport", "Mental health", "Housing", "Community care"], timeout=LIVE_TIMEOUT)
    expect(controls).to_contain_text("1 of 1 connected answered")
    expect(projector.locator(".ranking-result")).to_have_count(0)
    control.get_by_role("button", name="Reveal results").click()
    rows = projector.locator(".ranking-list .ranking-result")
    expect(rows.locator(".ranking-text")).to_have_text(
        ["Transport", "Mental health", "Housing", "Community care"])
    expect(rows.locator(".ranking-rank")).to_have_text(["1", "2", "3", "4"])
    expect(rows.locator(".ranking-score")).to_have_text(
        ["average score 4.0", "average score 3.0", "average score 2.0", "average score 1.0"])
    expect(projector.locator(".respondents")).to_contain_text("1 ranking")
    expect(phone.locator(".prompt-results .ranking-result")).to_have_count(5)  # with its header

    # Time's up: the phone says so and its buttons no longer act.
    control.get_by_role("button", name="Close answers").click()
    expect(phone.locator(".times-up")).to_have_text("Time's up")
    expect(phone.get_by_role("button", name="Send my ranking")).to_be_disabled()
    screens.assert_no_script_errors()


@pytest.mark.browser
def test_ten_long_items_fit_the_phone_and_the_projector(screens, live_server):  # noqa: F811
    control, projector, phone = open_room(
        screens, live_server, "ranking", "Which of these should the partnership fund first?",
        {"#ranking-items": "\n".join(LONG_ITEMS), "#ranking-top": "3"})
    expect(phone.locator(".ranking-help")).to_contain_text("Tap your top 3 in order")
    for item in LONG_ITEMS[:3]:
        phone.get_by_role("button", name=f"Place {item} ", exact=False).first.click()
    expect(phone.locator(".ranking-pick")).to_have_count(0)  # a top 3: nothing more to place
    assert fits(phone)
    phone.get_by_role("button", name="Send my ranking").click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    control.get_by_role("button", name="Reveal results").click()
    expect(projector.locator(".ranking-list .ranking-result")).to_have_count(10)
    expect(projector.locator(".respondents")).to_contain_text("0 if not placed")
    assert fits_the_projector(projector)
    projector.set_viewport_size({"width": 1280, "height": 720})
    projector.wait_for_timeout(300)
    assert fits_the_projector(projector)
    assert fits(projector)
    screens.assert_no_script_errors()

