"""Socket layer: dot voting's settings, dots and their limits, the count per option,
options taken from an idea board, and what each screen sees."""
import csv
import io
import json
import re

import pytest
from test_browser import browser, screens  # noqa: F401 - fixtures for the browser test
from test_kind_ranking import (add, answer, go_live, refused, reveal,  # noqa: F401
                               room)  # `room` is a fixture

from facilitator import realtime

OPTIONS = ["Car sharing", "Bike racks", "Shuttle bus", "Remote days"]


def test_settings_and_their_defaults(room):  # noqa: F811 - the fixture imported above
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="dots", options=[" Car sharing ", "", "Bike racks"])
    assert ack["activity"]["config"] == {
        "source": "list", "options": ["Car sharing", "Bike racks"], "board": None, "dots": 3,
        "stack": True, "timer_seconds": 0, "results": "reveal"}
    config = add(fac, kind="dots", options=OPTIONS, dots=4, stack=False)["activity"]["config"]
    assert config["dots"] == 4 and config["stack"] is False
    config = add(fac, kind="dots", options=OPTIONS, board="")["activity"]["config"]
    assert config["board"] is None  # the form's "choose a board", for a list of options
    config = add(fac, kind="dots", source="ideas", board=7, dots=20)["activity"]["config"]
    assert config["source"] == "ideas" and config["board"] == 7 and config["options"] == []


@pytest.mark.parametrize("settings, message", [
    ({"options": ["Only one"]}, "at least two options"),
    ({"options": []}, "at least two options"),
    ({"options": ["Same", "same "]}, "different"),
    ({"options": [f"Option {i}" for i in range(21)]}, "at most 20"),
    ({"options": "Car\nBike"}, "list"),
    ({"options": ["Car", 7]}, "must be text"),
    ({"options": ["x" * 121, "Bike"]}, "too long"),
    ({"options": OPTIONS, "dots": 0}, "between 1 and 20"),
    ({"options": OPTIONS, "dots": 21}, "between 1 and 20"),
    ({"options": OPTIONS, "dots": 2.5}, "whole number"),
    ({"options": OPTIONS, "dots": "3"}, "whole number"),
    ({"options": OPTIONS, "dots": True}, "whole number"),
    ({"options": OPTIONS, "stack": "yes"}, "true or false"),
    ({"options": OPTIONS, "dots": 5, "stack": False}, "at most 4 dots"),
    ({"options": OPTIONS, "source": "board"}, "one of: list, ideas"),
    ({"source": "ideas", "board": None}, "Choose the idea board"),
    ({"source": "ideas", "board": ""}, "Choose the idea board"),
    ({"source": "ideas", "board": "3"}, "whole number"),
    ({"source": "ideas", "board": 0}, "between 1"),
    ({"options": OPTIONS, "results": "never"}, "one of"),
])
def test_bad_settings_are_refused(room, settings, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    ack = add(fac, kind="dots", **settings)
    assert ack["ok"] is False and message in ack["message"], ack
    assert ack["field"] in settings


def test_dots_are_counted_per_option_and_shown_to_each_screen_in_turn(
        workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="dots", options=OPTIONS)
    for sio in (fac, screen, panel, *phones):
        view = workshops.view(sio)
        assert view["options"] == [{"id": i, "text": t} for i, t in enumerate(OPTIONS)]
        assert view["dots"] == 3 and view["stack"] is True and view["source"] == "list"
    assert answer(phones[0], dots=[2, 0, 2])["answer"] == {"dots": [0, 2, 2]}
    assert answer(phones[1], dots=[1])["ok"]  # fewer dots than they have is fine
    assert answer(phones[2], "c1", dots=[3, 3, 3])["ok"]
    assert answer(phones[2], "c2", dots=[1, 2, 3])["ok"]  # replaces their first
    realtime.beat()
    assert workshops.view(fac)["results"] == {
        "ranked": [{"id": 2, "dots": 3, "people": 2}, {"id": 1, "dots": 2, "people": 2},
                   {"id": 0, "dots": 1, "people": 1}, {"id": 3, "dots": 1, "people": 1}],
        "dots": 7, "total": 3}
    for results in reveal(workshops, fac, activity_id, phones[2], {"dots": [1, 2, 3]},
                          (screen, panel, *phones)):
        assert results["ranked"][0] == {"id": 2, "dots": 3, "people": 2}


def test_results_shown_live_reach_the_projector_but_not_phones(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="dots", options=OPTIONS[:2], results="live")
    answer(phones[0], dots=[1, 1, 1])
    realtime.beat()
    assert workshops.view(screen)["results"]["ranked"] == [
        {"id": 1, "dots": 3, "people": 1}, {"id": 0, "dots": 0, "people": 0}]
    assert workshops.view(panel)["results"]["total"] == 1
    assert workshops.view(phones[1])["results"] is None


@pytest.mark.parametrize("payload, message", [
    ({"dots": [0, 1, 2, 3]}, "You have 3 dots to place, not 4."),
    ({"dots": [0] * 10_000}, "You have 3 dots to place, not 10000."),
    ({"dots": [9]}, "does not exist"),
    ({"dots": [-1]}, "does not exist"),
    ({"dots": [1.0]}, "option ids"),
    ({"dots": [True]}, "option ids"),
    ({"dots": ["1"]}, "option ids"),
    ({"dots": [[1]]}, "option ids"),
    ({"dots": {"1": 2}}, "option ids"),
    ({"dots": "0,1"}, "option ids"),
    ({"dots": None}, "option ids"),
    ({}, "option ids"),
    ({"dots": []}, "Place at least one dot."),
    ({"dots": [10 ** 30]}, "does not exist"),
])
def test_more_dots_than_allowed_and_other_bad_answers_are_refused(
        workshops, room, payload, message):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="dots", options=OPTIONS)
    refused(workshops, fac, phones[0], "dots", message, **payload)


def test_stacking_dots_is_refused_when_the_facilitator_does_not_allow_it(
        workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    go_live(fac, kind="dots", options=OPTIONS, dots=2, stack=False)
    ack = answer(phones[0], dots=[1, 1])
    assert ack["ok"] is False and "One dot per option" in ack["message"]
    assert answer(phones[0], "a2", dots=[1, 3])["answer"] == {"dots": [1, 3]}
    assert "You have 2 dots to place, not 3" in answer(phones[1], dots=[0, 1, 2])["message"]
    one = go_live(fac, kind="dots", options=OPTIONS, dots=1)
    assert workshops.view(phones[0])["id"] == one
    assert "You have 1 dot to place, not 2" in answer(phones[0], "b1", dots=[0, 0])["message"]


def test_no_dots_after_times_up(workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="dots", options=OPTIONS)
    assert answer(phones[0], dots=[0])["ok"]
    assert fac.emit("prompt:close", {"activity_id": activity_id}, callback=True)["ok"]
    assert workshops.view(phones[0])["open"] is False
    ack = answer(phones[0], "a2", dots=[1])
    assert ack["ok"] is False and ack["error"] == "closed" and "Time's up" in ack["message"]
    assert answer(phones[0], dots=[0])["answer"] == {"dots": [0]}  # a resend is acked


# --- options from an idea board ------------------------------------------------

def board_with_ideas(fac, phones, ideas, title="Ideas for the car park"):
    """An idea board, live, with each idea posted by the next phone; its id and posts."""
    board = go_live(fac, kind="ideas", title=title, min_interval=0)
    posted = []
    for i, idea in enumerate(ideas):
        ack = phones[i % len(phones)].emit("qa:ask", {"client_id": f"idea{i}", "text": idea},
                                           callback=True)
        assert ack["ok"], ack
        posted.append(ack["question"]["id"])
    return board, posted


def moderate(fac, board, post, action, **extra):
    ack = fac.emit("qa:moderate", {"activity_id": board, "question_id": post,
                                   "action": action, **extra}, callback=True)
    assert ack["ok"], ack


def test_an_idea_boards_published_posts_become_the_options_when_the_vote_goes_live(
        workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    board, posts = board_with_ideas(fac, phones, ["Night bus", "Cycle lane", "Drop it"])
    moderate(fac, board, posts[2], "dismiss")
    assert phones[0].emit("qa:vote", {"question_id": posts[1]}, callback=True)["ok"]
    vote = go_live(fac, kind="dots", source="ideas", board=board, dots=2)
    for sio in (fac, screen, panel, *phones):
        view = workshops.view(sio)
        assert view["options"] == [{"id": posts[1], "text": "Cycle lane"},  # most voted first
                                   {"id": posts[0], "text": "Night bus"}]
        assert view["board_title"] == "Ideas for the car park" and view["source"] == "ideas"
    assert answer(phones[0], dots=[posts[0], posts[0]])["ok"]
    assert "does not exist" in answer(phones[1], dots=[posts[2]])["message"]
    assert "does not exist" in answer(phones[1], dots=[0])["message"]

    # The board carries on: new posts and edits do not move the dots placed.
    assert fac.emit("live:set", {"activity_id": board}, callback=True)["ok"]
    assert phones[2].emit("qa:ask", {"client_id": "late", "text": "Park and ride"},
                          callback=True)["ok"]
    moderate(fac, board, posts[0], "edit", text="Night bus to the station")
    assert fac.emit("live:set", {"activity_id": vote}, callback=True)["ok"]
    assert [o["text"] for o in workshops.view(phones[0])["options"]] == ["Cycle lane",
                                                                         "Night bus"]
    assert answer(phones[1], dots=[posts[1]])["ok"]
    realtime.beat()
    assert workshops.view(fac)["results"] == {
        "ranked": [{"id": posts[0], "dots": 2, "people": 1},
                   {"id": posts[1], "dots": 1, "people": 1}], "dots": 3, "total": 2}
    page = fac.emit("activity:update", {"activity_id": vote, "title": "Vote", "source": "ideas",
                                        "board": board, "dots": 2}, callback=True)
    assert page["ok"]  # saving its settings again keeps the options too
    assert len(workshops.view(phones[0])["options"]) == 2


def test_until_someone_votes_going_live_again_takes_the_boards_posts_afresh(
        workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    board, posts = board_with_ideas(fac, phones, ["Night bus"])
    vote = go_live(fac, kind="dots", source="ideas", board=board)
    assert len(workshops.view(phones[0])["options"]) == 1
    assert fac.emit("live:set", {"activity_id": board}, callback=True)["ok"]
    phones[1].emit("qa:ask", {"client_id": "more", "text": "Cycle lane"}, callback=True)
    assert fac.emit("live:set", {"activity_id": vote}, callback=True)["ok"]
    assert [o["text"] for o in workshops.view(phones[0])["options"]] == ["Night bus",
                                                                         "Cycle lane"]


@pytest.mark.parametrize("board", ["poll", "qa", "elsewhere", "missing"])
def test_a_board_that_is_not_this_workshops_idea_board_gives_nothing_to_vote_on(
        workshops, room, board):  # noqa: F811
    w, fac, screen, panel, phones = room
    if board == "poll":
        board_id = add(fac, kind="poll", options=["A", "B"])["activity"]["id"]
    elif board == "qa":  # posts, but a Q&A's
        board_id = go_live(fac, kind="qa", min_interval=0, auto_publish=True)
        assert phones[0].emit("qa:ask", {"client_id": "q", "text": "Why?"},
                              callback=True)["ok"]
    elif board == "elsewhere":
        other = workshops.create("Another day")
        other_fac = workshops.facilitator(other)
        board_id, _ = board_with_ideas(other_fac, [workshops.phone(other, "Zed", "Org Z")],
                                       ["Their idea"])
    else:
        board_id = 10_000
    go_live(fac, kind="dots", source="ideas", board=board_id)
    view = workshops.view(phones[0])
    assert view["options"] == [] and view["board_title"] is None
    ack = answer(phones[0], dots=[1])
    assert ack["ok"] is False and "nothing to vote on" in ack["message"]


def test_the_copied_posts_go_with_the_vote_and_with_the_board(app, workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    store = app.extensions["facilitator.store"]
    board, posts = board_with_ideas(fac, phones, ["Night bus", "Cycle lane"])
    votes = [go_live(fac, kind="dots", source="ideas", board=board) for _ in range(2)]
    count = "select count(*) as n from dots_options where activity_id = ?"
    assert [store.one(count, [v])["n"] for v in votes] == [2, 2]
    # The vote went live but nobody voted: deleting it asks first all the same, as
    # it holds copies of people's posts.
    ack = fac.emit("activity:delete", {"activity_id": votes[0]}, callback=True)
    assert ack["error"] == "in_use"
    assert fac.emit("activity:delete", {"activity_id": votes[0], "discard": True},
                    callback=True)["ok"]
    assert store.one(count, [votes[0]])["n"] == 0
    ack = fac.emit("activity:delete", {"activity_id": board}, callback=True)
    assert ack["error"] == "in_use" and "(4 saved in all)" in ack["message"]  # 2 posts, 2 copies
    assert fac.emit("activity:delete", {"activity_id": board, "discard": True},
                    callback=True)["ok"]
    assert store.one(count, [votes[1]])["n"] == 0
    assert fac.emit("live:set", {"activity_id": votes[1]}, callback=True)["ok"]
    assert workshops.view(phones[0])["options"] == [] and \
        workshops.view(phones[0])["board_title"] is None


def test_answers_csv_and_report(client, workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    activity_id = go_live(fac, kind="dots", options=["=cmd|x", "Staffing", "Parking"])
    answer(phones[0], dots=[0, 0, 1])
    answer(phones[1], dots=[2])
    page = client.get(f"/control/{w['key']}/activities/{activity_id}/answers.csv")
    assert page.status_code == 200
    rows = list(csv.reader(io.StringIO(page.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["answer", "organisation", "role"]
    assert [r[:3] for r in rows[1:]] == [["'=cmd|x ×2; Staffing", "Org 0", "Role 0"],
                                         ["Parking", "Org 1", "Role 1"]]
    html = client.get(f"/control/{w['key']}/report").get_data(as_text=True)
    report = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1))
    section = next(s for s in report["sections"] if s["id"] == activity_id)
    assert section["kind"] == "dots"
    assert section["view"]["results"]["ranked"][0] == {"id": 0, "dots": 2, "people": 1}
    assert section["view"]["options"][0] == {"id": 0, "text": "=cmd|x"}


def test_a_board_votes_csv_words_the_copied_posts(client, workshops, room):  # noqa: F811
    w, fac, screen, panel, phones = room
    board, posts = board_with_ideas(fac, phones, ["Night bus", "Cycle lane"])
    vote = go_live(fac, kind="dots", source="ideas", board=board)
    answer(phones[2], dots=[posts[1], posts[0], posts[1]])
    page = client.get(f"/control/{w['key']}/activities/{vote}/answers.csv")
    rows = list(csv.reader(io.StringIO(page.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "Night bus; Cycle lane ×2"  # in the options' order


# --- in the browser (helpers shared with tests/test_kind_matrix.py) -------------------

def browser_room(screens, live_server, title):
    """A workshop on a control screen, a projector at 1920×1080 and a phone at 360 px
    that has joined; (workshop, control, projector, phone)."""
    from test_browser import PHONE, control_links, expect, join

    workshop = live_server.create_workshop(title)
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    projector = screens.open("projector", control_links(control)["screen"])
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, "Ann Lee", "Hospice")
    expect(phone.locator(".me-name")).to_have_text("Ann Lee")
    return workshop, control, projector, phone


def new_activity(control, kind, title):
    """Start adding an activity of `kind` on the control screen's form."""
    if control.locator("#add-activity").get_attribute("open") is None:
        control.locator("#add-activity > summary").click()
    control.select_option("#activity-kind", kind)
    control.fill("#activity-title", title)


def bot(live_server, workshop, n):
    """Another delegate, through a socket client of their own, joined."""
    import socketio

    client = socketio.Client()
    client.connect(live_server.url, auth={"role": "delegate", "code": workshop["code"]},
                   transports=["websocket"])
    assert client.call("delegate:join", {"name": f"Bot {n}", "organisation": f"Org {n}"})["ok"]
    return client


@pytest.mark.browser
def test_a_vote_on_an_idea_boards_ideas_in_the_browser(
        screens, live_server):  # noqa: F811 - the fixture imported above
    from test_browser import expect

    workshop, control, projector, phone = browser_room(screens, live_server, "Car park day")
    # An idea board, filled with ideas by two other delegates.
    new_activity(control, "ideas", "Ideas for the car park")
    control.locator("input[name=auto_publish]").check()
    control.locator("#activity-save").click()
    control.locator("#runsheet li", has_text="Ideas for the car park").get_by_role(
        "button", name="Go live").click()
    expect(projector.locator(".activity-title")).to_have_text("Ideas for the car park")
    ideas = ["Night bus to the station", "A cycle lane along the river and past the hospital"]
    bots = [bot(live_server, workshop, i) for i in range(len(ideas))]
    posts = []
    for i, (poster, idea) in enumerate(zip(bots, ideas, strict=True)):
        ack = poster.call("qa:ask", {"client_id": f"idea{i}", "text": idea})
        assert ack["ok"], ack
        posts.append(ack["question"]["id"])

    # The vote: the board is chosen from the run sheet's idea boards; one dot each.
    new_activity(control, "dots", "Which should we do first?")
    expect(control.locator("#dots-options")).to_be_visible()
    control.select_option("#dots-source", "ideas")
    expect(control.locator("#dots-options")).to_be_hidden()
    control.select_option("#dots-board", label="Ideas for the car park")
    control.fill("#dots-count", "2")
    control.locator("input[name=stack]").uncheck()
    control.locator("#activity-save").click()
    row = control.locator("#runsheet li", has_text="Which should we do first?")
    row.get_by_role("button", name="Edit").click()  # the board comes back into the form
    expect(control.locator("#dots-board option:checked")).to_have_text("Ideas for the car park")
    expect(control.locator("#dots-count")).to_have_value("2")
    control.locator("#activity-cancel").click()
    row.get_by_role("button", name="Go live").click()
    expect(projector.locator(".activity-title")).to_have_text("Which should we do first?")
    expect(projector.locator(".dots-list li")).to_have_text(ideas)

    # The phone places its two dots: one per idea, and no more than two.
    expect(phone.locator(".dots-text")).to_have_text(ideas)
    expect(phone.locator(".dots-left")).to_contain_text("2 of 2 dots left")
    add = phone.get_by_role("button", name=f"Add a dot to {ideas[0]}")
    add.click()
    expect(add).to_be_disabled()  # one dot per option
    expect(phone.locator(".dots-left")).to_contain_text("1 of 2 dots left")
    phone.get_by_role("button", name=f"Add a dot to {ideas[1]}").click()
    expect(phone.locator(".dots-left")).to_contain_text("0 of 2 dots left")
    phone.get_by_role("button", name=f"Take a dot off {ideas[0]}").click()
    expect(phone.locator(".dots-left")).to_contain_text("1 of 2 dots left")
    phone.get_by_role("button", name="Send my dots").click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    assert bots[0].call("prompt:answer", {"client_id": "v", "dots": [posts[1]]})["ok"]

    controls = control.locator("#live-controls")
    ranked = [ideas[1], ideas[0]]  # most dots first
    expect(controls.locator(".bar-label")).to_have_text(ranked, timeout=5000)
    expect(controls.locator(".bar-value")).to_have_text(["2 dots · 2 people",
                                                         "0 dots · 0 people"])
    expect(projector.locator(".bar-row")).to_have_count(0)  # hidden until revealed
    control.get_by_role("button", name="Reveal results").click()
    expect(projector.locator(".bar-label")).to_have_text(ranked)
    expect(projector.locator(".respondents")).to_have_text("2 dots placed by 2 people")
    expect(phone.locator(".prompt-results .bar-label")).to_have_text(ranked)
    control.get_by_role("button", name="Close answers").click()
    expect(phone.locator(".times-up")).to_have_text("Time's up")
    expect(phone.get_by_role("button", name="Send my dots")).to_be_disabled()
    for client in bots:
        client.disconnect()
    screens.assert_no_script_errors()
