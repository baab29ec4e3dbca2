"""Socket layer: a 2×2 matrix's settings, placings, each item's mean and spread, the
quadrants' names and what each screen sees."""
import csv
import io
import json
import math
import re

import pytest
from test_browser import browser, screens  # noqa: F401 - fixtures for the browser test
from test_kind_dots import bot, browser_room, new_activity
from test_kind_ranking import (add, answer, go_live, refused, reveal,  # noqa: F401
                               room)  # `room` is a fixture

from facilitator import realtime
from facilitator.matrix.kind import quadrants

ITEMS = ["Online booking", "New signage", "Extra clinic"]
IMPACT = {"name": "Impact", "low": "Low", "high": "High"}
EFFORT = {"name": "Effort", "low": "Low", "high": "High"}


def place(*placings):
    """{"placed": [...]} from (item, y, x) triples."""
    return {"placed": [{"item": i, "y": y, "x": x} for i, y, x in placings]}


def test_settings_and_their_defaults(room):  # noqa: F811 - the fixture imported above
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="matrix", items=[" Online booking ", "", "New signage"])
    assert ack["activity"]["config"] == {
        "items": ["Online booking", "New signage"], "scales": {"y": IMPACT, "x": EFFORT},
        "skip": True, "spread": False, "timer_seconds": 0, "results": "reveal"}
    config = add(fac, kind="matrix", items=ITEMS, scales={
        "y": {"name": "Reach", "low": "Few", "high": "Everyone"},
        "x": {"name": " Cost ", "low": ""}}, skip=False, spread=True)["activity"]["config"]
    assert config["scales"] == {"y": {"name": "Reach", "low": "Few", "high": "Everyone"},
                                "x": {"name": "Cost", "low": "Low", "high": "High"}}
    assert config["skip"] is False and config["spread"] is True
    ack = add(fac, kind="matrix", items=ITEMS, scales={"x": {"high": "x" * 31}})
    assert ack["field"] == "scales.x.high" and "too long" in ack["message"]


@pytest.mark.parametrize("settings, message", [
    ({"items": ["Only one"]}, "at least two items"),
    ({"items": []}, "at least two items"),
    ({"items": ["Same", "SAME "]}, "different"),
    ({"items": [f"Item {i}" for i in range(9)]}, "at most 8"),
    ({"items": "A\nB"}, "list"),
    ({"items": ["A", None]}, "must be text"),
    ({"items": ["x" * 81, "B"]}, "too long"),
    ({"items": ITEMS, "scales": {"y": {"name": "x" * 31}}}, "too long"),
    ({"items": ITEMS, "scales": {"x": {"high": 10}}}, "must be text"),
    ({"items": ITEMS, "scales": {"y": {"low": ["Low"]}}}, "must be text"),
    ({"items": ITEMS, "scales": {"x": {"name": "impact"}}}, "different names"),
    ({"items": ITEMS, "scales": {"y": {"name": "Cost"}, "x": {"name": "COST"}}},
     "different names"),
    ({"items": ITEMS, "scales": "Impact/Effort"}, "The scales must be"),
    ({"items": ITEMS, "scales": {"y": "Impact"}}, "The scales must be"),
    ({"items": ITEMS, "scales": [{"name": "Impact"}]}, "The scales must be"),
    ({"items": ITEMS, "skip": 1}, "true or false"),
    ({"items": ITEMS, "spread": "no"}, "true or false"),
    ({"items": ITEMS, "timer_seconds": -1}, "between 0 and 3600"),
])
def test_bad_settings_are_refused(room, settings, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="matrix", **settings)
    assert ack["ok"] is False and message in ack["message"], ack
    assert ack["field"].split(".")[0] in settings  # scales.y.name: as the form names it


def test_quadrants_are_named_for_impact_and_effort_and_generically_otherwise():
    assert quadrants("Impact", "Effort") == {
        "top_left": "Quick wins", "top_right": "Major projects",
        "bottom_left": "Fill-ins", "bottom_right": "Thankless tasks"}
    # The other way up: high effort is at the top, low impact on the left.
    assert quadrants("effort", "IMPACT")["bottom_right"] == "Quick wins"
    assert quadrants("Value", "Cost")["top_left"] == "Quick wins"
    assert quadrants("Importance", "Urgency")["top_right"] == "Do first"
    assert quadrants("Reach", "Effort") == {
        "top_left": "High Reach · Low Effort", "top_right": "High Reach · High Effort",
        "bottom_left": "Low Reach · Low Effort", "bottom_right": "Low Reach · High Effort"}


def test_each_items_mean_spread_and_quadrant_and_who_sees_them(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="matrix", items=ITEMS)
    for sio in (fac, screen, panel, *phones):
        view = workshops.view(sio)
        assert view["items"] == ITEMS and view["scales"] == {"y": IMPACT, "x": EFFORT}
        assert (view["low"], view["high"], view["skip"], view["spread"]) == (1, 10, True, False)
        assert view["quadrants"]["top_left"] == "Quick wins"
    ack = answer(phones[0], **place((2, 9, 8), (0, 9, 2)))
    assert ack["answer"] == place((0, 9, 2), (2, 9, 8))  # in the items' order
    assert answer(phones[1], **place((0, 7, 4), (1, 2, 3)))["ok"]
    assert answer(phones[2], "c1", **place((0, 1, 1)))["ok"]
    assert answer(phones[2], "c2", **place((0, 8, 3), (1, 5, 6), (2, 10, 10)))["ok"]
    realtime.beat()
    results = workshops.view(fac)["results"]
    assert results["total"] == 3
    assert results["items"] == [
        {"id": 0, "count": 3, "y": 8.0, "x": 3.0, "y_spread": 0.82, "x_spread": 0.82,
         "quadrant": "Quick wins"},
        {"id": 1, "count": 2, "y": 3.5, "x": 4.5, "y_spread": 1.5, "x_spread": 1.5,
         "quadrant": "Fill-ins"},
        {"id": 2, "count": 2, "y": 9.5, "x": 9.0, "y_spread": 0.5, "x_spread": 1.0,
         "quadrant": "Major projects"}]
    assert reveal(workshops, fac, activity_id, phones[1], place((0, 7, 4), (1, 2, 3)),
                  (screen, panel, *phones)) == [results] * (2 + len(phones))


def test_an_item_nobody_placed_and_one_on_the_middle_line(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="matrix", items=ITEMS, results="live", scales={"y": {"name": "Reach"}})
    answer(phones[0], **place((0, 5, 2)))
    answer(phones[1], **place((0, 6, 9)))
    realtime.beat()
    items = workshops.view(screen)["results"]["items"]
    assert items[0] == {"id": 0, "count": 2, "y": 5.5, "x": 5.5, "y_spread": 0.5,
                        "x_spread": 3.5, "quadrant": None}
    assert items[1] == {"id": 1, "count": 0, "y": None, "x": None, "y_spread": None,
                        "x_spread": None, "quadrant": None}
    assert workshops.view(phones[0])["results"] is None


@pytest.mark.parametrize("payload, message", [
    (place((0, 11, 5)), "Impact must be a whole number from 1 to 10."),
    (place((0, 0, 5)), "Impact must be a whole number from 1 to 10."),
    (place((0, 5, 5.5)), "Effort must be a whole number"),
    (place((0, 5, "5")), "Effort must be a whole number"),
    (place((0, True, 5)), "Impact must be a whole number"),
    (place((0, 10 ** 30, 5)), "Impact must be a whole number"),
    ({"placed": [{"item": 0, "y": 5}]}, "Effort must be a whole number"),
    (place((3, 5, 5)), "That item does not exist."),
    (place((-1, 5, 5)), "That item does not exist."),
    (place(("0", 5, 5)), "That item does not exist."),
    (place((False, 5, 5)), "That item does not exist."),
    (place((0, 5, 5), (0, 6, 6)), "Each item is placed once."),
    (place((0, 5, 5), (1, 5, 5), (2, 5, 5), (0, 5, 5)), "only 3 items"),
    ({"placed": [{"item": 0, "y": 5, "x": 5}] * 10_000}, "only 3 items"),
    ({"placed": []}, "Place at least one item."),
    ({"placed": [[0, 5, 5]]}, "list of {item, y, x}"),
    ({"placed": {"0": [5, 5]}}, "list of {item, y, x}"),
    ({"placed": None}, "list of {item, y, x}"),
    ({}, "list of {item, y, x}"),
])
def test_bad_placings_are_refused(workshops, room, payload, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="matrix", items=ITEMS)
    refused(workshops, fac, phones[0], "placed", message, **payload)


def test_every_item_must_be_placed_when_skipping_is_off(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="matrix", items=ITEMS, skip=False,
            scales={"y": {"name": "Value", "low": "None"}})
    ack = answer(phones[0], **place((0, 5, 5), (2, 5, 5)))
    assert ack["ok"] is False and "Place every item: 1 still to place." in ack["message"]
    assert answer(phones[0], "a2", **place((0, 5, 5), (1, 1, 1), (2, 5, 5)))["ok"]


def test_an_edited_item_list_leaves_out_placings_that_no_longer_fit(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="matrix", items=ITEMS)
    answer(phones[0], **place((0, 5, 5), (2, 8, 8)))
    ack = fac.emit("activity:update", {"activity_id": activity_id, "title": "Two now",
                                       "items": ITEMS[:2]}, callback=True)
    assert ack["ok"], ack
    realtime.beat()
    results = workshops.view(fac)["results"]
    assert results["total"] == 1 and results["items"][0]["count"] == 1
    assert len(results["items"]) == 2


def test_answers_csv_and_report(client, workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="matrix", items=["=cmd|x", "Signage"])
    answer(phones[0], **place((0, 9, 2), (1, 4, 7)))
    answer(phones[1], **place((1, 3, 3)))
    page = client.get(f"/control/{w['key']}/activities/{activity_id}/answers.csv")
    assert page.status_code == 200
    rows = list(csv.reader(io.StringIO(page.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["answer", "organisation", "role"]
    assert [r[:3] for r in rows[1:]] == [
        ["'=cmd|x: Impact 9, Effort 2; Signage: Impact 4, Effort 7", "Org 0", "Role 0"],
        ["Signage: Impact 3, Effort 3", "Org 1", "Role 1"]]
    html = client.get(f"/control/{w['key']}/report").get_data(as_text=True)
    report = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    section = next(s for s in report["sections"] if s["id"] == activity_id)
    assert section["kind"] == "matrix" and section["view"]["items"] == ["=cmd|x", "Signage"]
    assert section["view"]["results"]["items"][1]["y"] == 3.5


# --- in the browser ---------------------------------------------------------------

LONG_ITEMS = ["Introduce a single electronic patient record shared by all community services",
              "Weekend discharge teams in every acute hospital across the system",
              "Shared training passport for care staff moving between employers",
              "One phone number for carers", "Community pharmacy blood-pressure checks",
              "Pool agency spend and negotiate rates together across the whole county",
              "Joint estates strategy", "Digital front door for GP appointments and advice"]


@pytest.mark.browser
def test_placing_items_with_the_keyboard_and_the_grid_on_the_projector(
        screens, live_server):  # noqa: F811 - the fixture imported above
    from test_browser import expect

    workshop, control, projector, phone = browser_room(screens, live_server, "Planning day")
    new_activity(control, "matrix", "Impact and effort")
    control.fill("#matrix-items", "\n".join(LONG_ITEMS))
    control.select_option("#prompt-results", "live")
    control.locator("#activity-save").click()
    control.get_by_role("button", name="Go live").click()
    expect(projector.locator(".activity-title")).to_have_text("Impact and effort")
    expect(projector.locator(".matrix-corner")).to_have_text(
        ["Quick wins", "Major projects", "Fill-ins", "Thankless tasks"])
    expect(projector.locator(".matrix-key-name")).to_have_text(LONG_ITEMS)
    # Its settings come back into the form to be edited, the scales with them.
    control.locator("#runsheet li", has_text="Impact and effort").get_by_role(
        "button", name="Edit").click()
    expect(control.locator("#matrix-y-name")).to_have_value("Impact")
    expect(control.locator("#matrix-x-high")).to_have_value("High")
    expect(control.locator("#matrix-items")).to_have_value("\n".join(LONG_ITEMS))
    control.locator("#activity-cancel").click()

    # Each slider is a native range: the keyboard moves it, and its value shows.
    expect(phone.locator(".matrix-count")).to_contain_text("0 of 8 items placed")
    send = phone.get_by_role("button", name="Send my placings")
    expect(send).to_be_disabled()
    impact = phone.get_by_role("slider", name="Impact").first
    impact.focus()
    for _ in range(4):
        phone.keyboard.press("ArrowRight")
    expect(phone.locator(".matrix-item").first.locator(".matrix-value").first).to_have_text("9")
    expect(phone.locator(".matrix-item").first).to_contain_text("Set Effort too")
    effort = phone.get_by_role("slider", name="Effort").first
    effort.focus()
    for _ in range(3):
        phone.keyboard.press("ArrowLeft")
    expect(phone.locator(".matrix-item").first.locator(".matrix-value")).to_have_text(["9", "2"])
    expect(phone.locator(".matrix-count")).to_contain_text("1 of 8 items placed")
    send.click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")

    # Seven more people place all eight, near one another: their dots must not hide
    # each other, nor the quadrants' names.
    bots = [bot(live_server, workshop, i) for i in range(7)]
    placed = [{"item": item, "y": 9 - (item % 2), "x": 2 + (item % 3)} for item in range(8)]
    for client in bots:
        assert client.call("prompt:answer", {"client_id": "p", "placed": placed})["ok"]
    dots = projector.locator(".matrix-dot")
    expect(dots).to_have_count(8, timeout=5000)
    expect(projector.locator(".matrix-key-means")).to_have_count(8)
    for size in ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720}):
        projector.set_viewport_size(size)
        boxes = [dots.nth(i).locator("circle").last.bounding_box() for i in range(8)]
        corners = [projector.locator(".matrix-corner").nth(i).bounding_box() for i in range(4)]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not _circles_overlap(a, b), (size, a, b)
            for corner in corners:
                assert not _overlap(a, corner), (size, a, corner)
        live = projector.evaluate("() => { const l = document.getElementById('live');"
                                  " return [l.scrollHeight, l.clientHeight]; }")
        assert live[0] <= live[1] + 1, live  # it all fits, with nothing cut off
        key = projector.locator(".matrix-key").bounding_box()
        assert key["y"] + key["height"] <= size["height"]
        assert float(projector.evaluate("getComputedStyle(document.querySelector("
                                        "'.matrix-key-name')).fontSize").rstrip("px")) >= 18
    for client in bots:
        client.disconnect()
    screens.assert_no_script_errors()


def _circles_overlap(a, b) -> bool:
    """Whether two circles, given by their bounding boxes, overlap."""
    centre = [(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2) for box in (a, b)]
    return math.dist(*centre) < (a["width"] + b["width"]) / 2 - 1


def _overlap(a, b, margin=1) -> bool:
    """Whether two boxes overlap by more than `margin` pixels each way."""
    return (a["x"] + a["width"] - margin > b["x"] and b["x"] + b["width"] - margin > a["x"]
            and a["y"] + a["height"] - margin > b["y"] and b["y"] + b["height"] - margin > a["y"])
