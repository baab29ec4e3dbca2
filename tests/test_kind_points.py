"""A points question: settings, budget, totals and what each screen sees, over sockets
and in the browser."""
import pytest
from test_browser import LIVE_TIMEOUT, browser, expect, screens  # noqa: F401 - fixtures
from test_kind_ranking import (add, answer, csv_rows, fits, fits_the_projector,  # noqa: F401
                               go_live, open_room, refused, refused_settings,
                               report_section, reveal, room)

from facilitator import realtime

OPTIONS = ["Training", "Equipment", "Staffing"]


def test_settings_and_their_defaults(room):  # noqa: F811 - the fixture imported above
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="points", options=OPTIONS)
    assert ack["activity"]["config"] == {"options": OPTIONS, "budget": 100, "spend_all": True,
                                         "timer_seconds": 0, "results": "reveal"}
    ack = add(fac, kind="points", options=OPTIONS, budget=10, spend_all=False)
    assert ack["activity"]["config"]["budget"] == 10
    assert ack["activity"]["config"]["spend_all"] is False


@pytest.mark.parametrize("settings, message", [
    ({"options": ["Only one"]}, "at least two options"),
    ({"options": ["Same", "SAME"]}, "different"),
    ({"options": [f"Option {i}" for i in range(11)]}, "at most 10 options"),
    ({"options": {"a": 1}}, "list"),
    ({"options": OPTIONS, "budget": 9}, "between 10 and 1000"),
    ({"options": OPTIONS, "budget": 1001}, "between 10 and 1000"),
    ({"options": OPTIONS, "budget": 50.5}, "whole number"),
    ({"options": OPTIONS, "budget": "100"}, "whole number"),
    ({"options": OPTIONS, "spend_all": "yes"}, "true or false"),
    ({"options": OPTIONS, "results": "never"}, "one of"),
])
def test_bad_settings_are_refused(room, settings, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    refused_settings(fac, "points", message, **settings)


def test_totals_averages_and_who_sees_them(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="points", options=OPTIONS)
    for sio in (fac, screen, panel, *phones):
        view = workshops.view(sio)
        assert view["options"] == OPTIONS and view["budget"] == 100 and view["spend_all"]
    assert answer(phones[0], points=[50, 30, 20])["answer"] == {"points": [50, 30, 20]}
    assert answer(phones[1], points=[0, 0, 100])["ok"]
    assert answer(phones[2], "c1", points=[100, 0, 0])["ok"]
    assert answer(phones[2], "c2", points=[40, 40, 20])["ok"]  # replaces their first
    realtime.beat()
    assert workshops.view(fac)["results"] == {"totals": [90, 70, 140],
                                              "averages": [30.0, 23.3, 46.7], "total": 3}
    for results in reveal(workshops, fac, activity_id, phones[2], {"points": [40, 40, 20]},
                          (screen, panel, *phones)):
        assert results["totals"] == [90, 70, 140]


@pytest.mark.parametrize("payload, message", [
    ({"points": [50, 30, 21]}, "That is 101 points: you have 100 to share."),
    ({"points": [1000, 0, 0]}, "That is 1000 points"),
    ({"points": [50, 30, 10]}, "Share all 100 points: 10 are left."),
    ({"points": [150, -50, 0]}, "cannot be negative"),
    ({"points": [50, 50]}, "each option"),
    ({"points": [50, 50, 0, 0]}, "each option"),
    ({"points": [50, 50.0, 0]}, "whole number"),
    ({"points": [50, "50", 0]}, "whole number"),
    ({"points": [99, True, 0]}, "whole number"),
    ({"points": {"0": 100}}, "each option"),
    ({"points": None}, "each option"),
    ({}, "each option"),
    ({"points": [10 ** 30, -(10 ** 30) + 100, 0]}, "negative"),
])
def test_more_than_the_budget_and_other_bad_answers_are_refused(
        workshops, room, payload, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="points", options=OPTIONS)
    refused(workshops, fac, phones[0], "points", message, **payload)


def test_points_may_be_kept_back_when_the_facilitator_allows(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="points", options=OPTIONS, budget=10, spend_all=False, results="live")
    assert answer(phones[0], points=[3, 0, 0])["ok"]
    assert "Give at least one point" in answer(phones[1], points=[0, 0, 0])["message"]
    assert "That is 11 points: you have 10" in answer(phones[1], points=[5, 5, 1])["message"]
    realtime.beat()
    assert workshops.view(screen)["results"] == {"totals": [3, 0, 0],
                                                 "averages": [3.0, 0, 0], "total": 1}


def test_an_edited_option_list_leaves_out_answers_that_no_longer_fit(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="points", options=OPTIONS)
    answer(phones[0], points=[50, 30, 20])
    ack = fac.emit("activity:update", {"activity_id": activity_id, "title": "Two now",
                                       "options": OPTIONS[:2]}, callback=True)
    assert ack["ok"], ack
    realtime.beat()
    assert workshops.view(fac)["results"] == {"totals": [0, 0], "averages": [0, 0], "total": 0}


def test_answers_csv_and_report(client, workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="points", options=["=cmd|x", "Staffing"])
    answer(phones[0], points=[100, 0])
    answer(phones[1], points=[25, 75])
    rows = csv_rows(client, w, activity_id)
    assert [r[:3] for r in rows[1:]] == [["'=cmd|x: 100; Staffing: 0", "Org 0", "Role 0"],
                                         ["'=cmd|x: 25; Staffing: 75", "Org 1", "Role 1"]]
    assert client.get(f"/control/{w['key']}/activities/{activity_id}/nothing.csv"
                      ).status_code == 404
    section = report_section(client, w, activity_id)
    assert section["kind"] == "points" and section["view"]["results"]["totals"] == [125, 75]


# --- in the browser: a phone at 360 px, the projector at 1920 × 1080 ----------------

@pytest.mark.browser
def test_a_phone_shares_its_points_and_cannot_give_more_than_it_has(
        screens, live_server):  # noqa: F811 - the fixtures imported above
    control, projector, phone = open_room(screens, live_server, "points", "Share the budget",
                                          {"#points-options": "\n".join(OPTIONS)})
    expect(projector.locator(".option-list li")).to_have_text(OPTIONS)
    left = phone.locator(".points-left")
    expect(left).to_have_text("100 of 100 points left")
    send = phone.get_by_role("button", name="Send my points")
    expect(send).to_be_disabled()

    phone.get_by_role("button", name="5 more for Training").click()
    phone.get_by_role("button", name="5 more for Training").click()
    expect(phone.locator("#points-0")).to_have_value("10")
    expect(left).to_have_text("90 of 100 points left")
    # Typing more than is left gives what is left, and says so.
    phone.fill("#points-1", "500")
    phone.locator("#points-1").press("Tab")
    expect(phone.locator("#points-1")).to_have_value("90")
    expect(left).to_have_text("0 of 100 points left")
    expect(phone.locator(".prompt-note")).to_have_text("That is every point left: Equipment has 90.")
    expect(phone.get_by_role("button", name="5 more for Staffing")).to_have_attribute(
        "aria-disabled", "true")
    # Every point must be shared (the default): with some left, it cannot be sent.
    phone.fill("#points-1", "60")
    phone.locator("#points-1").press("Tab")
    expect(left).to_have_text("30 of 100 points left")
    expect(send).to_be_disabled()
    expect(phone.locator(".points-form .hint")).to_have_text("Share every point to send.")
    # A broadcast (the facilitator starts the countdown) keeps what is being shared.
    control.get_by_role("button", name="Start countdown").click()
    expect(phone.locator(".timer-value")).to_be_visible()
    expect(phone.locator("#points-1")).to_have_value("60")
    phone.fill("#points-2", "30")
    phone.locator("#points-2").press("Tab")
    assert fits(phone)
    send.click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")

    controls = control.locator("#live-controls")
    expect(controls.locator(".bar-label")).to_have_text(["Equipment", "Staffing", "Training"],
                                                        timeout=LIVE_TIMEOUT)
    expect(controls).to_contain_text("1 of 1 connected answered")
    control.get_by_role("button", name="Reveal results").click()
    expect(projector.locator(".bar-label")).to_have_text(["Equipment", "Staffing", "Training"])
    expect(projector.locator(".bar-value")).to_have_text(["60 · 60 avg", "30 · 30 avg",
                                                          "10 · 10 avg"])
    expect(projector.locator(".respondents")).to_contain_text("1 person shared 100 points")
    expect(phone.locator(".prompt-results .bar-row")).to_have_count(3)
    assert fits_the_projector(projector)
    control.get_by_role("button", name="Close answers").click()
    expect(phone.locator(".times-up")).to_have_text("Time's up")
    expect(send).to_be_disabled()
    screens.assert_no_script_errors()


LONG_OPTIONS = ["Training for new staff in every team across the county", "Equipment", "Staffing",
                "Buildings and maintenance of the older sites", "Community outreach",
                "Digital tools", "Evaluation", "Volunteers", "Marketing", "Contingency"]


@pytest.mark.browser
def test_ten_long_options_fit_and_points_may_be_kept_back(screens, live_server):  # noqa: F811
    control, projector, phone = open_room(
        screens, live_server, "points", "Where should next year's money go?",
        {"#points-options": "\n".join(LONG_OPTIONS), "#points-budget": "10"},
        ticks={"spend_all": False})
    expect(phone.locator(".points-help")).to_contain_text("Share up to 10 points")
    # By keyboard: + until nothing is left; the focus stays on it.
    more = phone.get_by_role("button", name="1 more for Staffing")
    more.focus()
    for _ in range(12):
        phone.keyboard.press("Enter")
    expect(phone.locator(".points-left")).to_have_text("0 of 10 points left")
    expect(phone.locator("#points-2")).to_have_value("10")
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-disabled", "true")
    phone.fill("#points-2", "2")
    expect(phone.locator(".points-left")).to_have_text("8 of 10 points left")
    assert fits(phone)
    phone.get_by_role("button", name="Send my points").click()  # 8 kept back
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    control.get_by_role("button", name="Reveal results").click()
    expect(projector.locator(".bar-row")).to_have_count(10)
    expect(projector.locator(".bar-label").first).to_have_text("Staffing")
    expect(projector.locator(".respondents")).to_contain_text("shared up to 10 points")
    assert fits_the_projector(projector) and fits(projector)
    projector.set_viewport_size({"width": 1280, "height": 720})
    projector.wait_for_timeout(300)
    assert fits_the_projector(projector) and fits(projector)
    screens.assert_no_script_errors()
