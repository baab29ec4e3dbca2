"""The prioritisation kinds in Debian's Chromium, as a room uses them: a ranking, points
to share, dot voting and a 2×2 matrix, each answered on a phone 360 px wide (by keyboard
alone, or by taps alone: nothing is dragged), counted by the server (its answers CSV
file), shown on the control screen and revealed on the projector at 1920 × 1080 and
1280 × 720, with nothing wider than the screen.

One server, workshop, control screen, projector and set of phones serve the whole module
(each page load costs seconds; each test adds its own activities and delegates); one
Chromium, from tests/test_browser.py; every page is screenshotted to test-artifacts/
when a test fails.
"""
import csv
import io
import re

import pytest
import requests
from conftest import LiveServer
from test_browser import PHONE, Screens, browser, control_links, expect, join  # noqa: F401
from test_browser_prompts import control_socket

pytestmark = pytest.mark.browser

# A socket round trip plus the server's half-second beat (results are coalesced).
LIVE_TIMEOUT = 5000
PROJECTORS = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}]
SLOW = 15000  # a page's first load and connection


# --- helpers ------------------------------------------------------------------------

class Room:
    """One workshop for the module, on one live server: a control socket that adds
    activities, the control screen, the projector at 1920 × 1080 and phones 360 px wide;
    each test adds its own activities and delegates."""

    def __init__(self, chromium, server, fac, workshop):
        self.server, self.fac, self.workshop = server, fac, workshop
        self.screens = Screens(chromium, server.url)  # every page of the module
        self.control = self.screens.open("control", f"/control/{workshop['key']}")
        # A loaded machine may take seconds to load the first pages.
        expect(self.control.locator("#status")).to_have_text("Live", timeout=SLOW)
        self.projector = self.screens.open("projector", control_links(self.control)["screen"])
        self.people, self.phones, self.taken, self.clients = 0, {}, {}, []

    def start(self):
        """A test begins: its delegates are its own."""
        self.screens.errors.clear()
        self.taken, self.clients = {}, []
        self.projector.set_viewport_size(PROJECTORS[0])

    def finish(self, failed: bool, name: str):
        """A test ends: screenshot every page if it failed; its delegates leave."""
        if failed:
            self.screens.screenshot_all(name)
        for client in self.clients:
            client.disconnect()

    def assert_no_script_errors(self):
        """No uncaught exception or console error on any page since the test began."""
        assert self.screens.errors == []

    def phone(self, touch=False):
        """A phone 360 px wide whose delegate has joined; with `touch`, one that can only
        be tapped (Playwright's tap needs a touch screen). The module's phones serve every
        test (each page load costs seconds): the first asked for in a test, then the next."""
        kind = "touch" if touch else "phone"
        self.taken[kind] = self.taken.get(kind, 0) + 1
        label = f"{kind}{self.taken[kind]}"
        if label not in self.phones:
            self.phones[label] = self._open_phone(label, touch)
        page = self.phones[label]
        page.evaluate("window.scrollTo(0, 0)")
        return page

    def _open_phone(self, label, touch):
        self.people += 1
        name, screens = f"Person {self.people}", self.screens
        if not touch:
            page = screens.open(label, f"/j/{self.workshop['code']}", viewport=PHONE)
        else:
            context = screens.browser.new_context(viewport=PHONE, has_touch=True,
                                                  is_mobile=True)
            screens.contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda exc: screens.errors.append(f"{label}: {exc}"))
            page.on("console", lambda msg: screens._console(label, msg))
            screens.pages[label] = page
            page.goto(self.server.url + f"/j/{self.workshop['code']}")
        join(page, name, f"Organisation {self.people}")
        expect(page.locator(".me-name")).to_have_text(name, timeout=SLOW)
        return page

    def delegate(self):
        """Another delegate, on a socket of their own, joined."""
        import socketio

        self.people += 1
        client = socketio.Client()
        client.connect(self.server.url, auth={"role": "delegate", "code": self.workshop["code"]},
                       transports=["websocket"])
        assert client.call("delegate:join", {"name": f"Delegate {self.people}",
                                             "organisation": f"Org {self.people}"})["ok"]
        self.clients.append(client)
        return client

    def live(self, **settings) -> int:
        """Add an activity and make it live; its id."""
        ack = self.fac.call("activity:add", settings)
        assert ack["ok"], ack
        activity_id = ack["activity"]["id"]
        assert self.fac.call("live:set", {"activity_id": activity_id})["ok"]
        expect(self.projector.locator(".activity-title")).to_have_text(settings["title"])
        expect(self.control.locator("#live-preview .activity-title")).to_have_text(
            settings["title"])
        return activity_id

    def reveal(self):
        """Reveal the live activity's results, as the control screen's button does; the
        control screen, results and all, is no wider than its window."""
        self.control.get_by_role("button", name="Reveal results").click()
        expect(self.control.get_by_role("button", name="Hide results")).to_be_visible()
        fits_across(self.control)

    def answers(self, activity_id) -> list[str]:
        """The answers the server holds, in words (the answers CSV file's first column)."""
        page = requests.get(f"{self.server.url}/control/{self.workshop['key']}/activities/"
                            f"{activity_id}/answers.csv", timeout=10)
        assert page.status_code == 200
        rows = list(csv.reader(io.StringIO(page.text.lstrip("\ufeff"))))
        return [row[0] for row in rows[1:]]


@pytest.fixture(scope="module")
def hall(browser, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """The module's server, workshop, control screen and projector (started once: each
    start costs seconds)."""
    server = LiveServer(tmp_path_factory.mktemp("kinds") / "live.db").start()
    try:
        workshop = server.create_workshop("Priorities day")
        with control_socket(server, workshop) as fac:
            opened = Room(browser, server, fac, workshop)
            yield opened
            opened.screens.close()
    finally:
        server.stop()


@pytest.fixture
def room(hall, request):
    """The hall, for one test: its delegates leave after it."""
    failed_before = request.session.testsfailed
    hall.start()
    yield hall
    hall.finish(request.session.testsfailed > failed_before, request.node.name)


def fits_across(page):
    """Nothing on the page is wider than its window."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


def fits_the_projector(projector):
    """At 1920 × 1080 and 1280 × 720 the live activity fits: nothing wider than the
    screen, nothing cut off below (screen.js shrinks the text until it fits)."""
    for size in PROJECTORS:
        projector.set_viewport_size(size)
        projector.wait_for_timeout(100)  # the resize handler fits the text again
        fits_across(projector)
        heights = projector.evaluate("() => { const live = document.getElementById('live');"
                                     " return [live.scrollHeight, live.clientHeight]; }")
        assert heights[0] <= heights[1] + 1, (size, heights)
    projector.set_viewport_size(PROJECTORS[0])


def revealed_bars(room, order, values, respondents):
    """The control screen's bars in `order`; revealed, the projector's too, with these
    `values` and the count of `respondents`, in large type that fits the screen."""
    expect(room.control.locator("#live-controls .bar-label")).to_have_text(
        order, timeout=LIVE_TIMEOUT)
    room.reveal()
    expect(room.projector.locator(".bar-label")).to_have_text(order)
    expect(room.projector.locator(".bar-value")).to_have_text(values, use_inner_text=True)
    expect(room.projector.locator(".respondents")).to_contain_text(respondents)
    assert font_px(room.projector.locator(".bar-label").first) >= 32
    fits_the_projector(room.projector)


def font_px(locator) -> float:
    """A text's computed font size, in CSS pixels."""
    return float(locator.evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))


def press_tab_until(page, selector: str, most=40, key="Tab"):
    """Press Tab (or `key`) until the focus is on an element matching `selector`."""
    for _ in range(most):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {selector}")


def focused_label(page) -> str:
    """The accessible name of the focused element, as its aria-label or text."""
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e.getAttribute('aria-label') || e.textContent.trim(); }")


# --- ranking --------------------------------------------------------------------------

ITEMS = ["Housing", "Community care", "Transport", "Mental health"]


def test_ranking_by_keyboard_alone_on_a_phone(room):
    ranking = room.live(kind="ranking", title="What should we fund first?", items=ITEMS)
    phone = room.phone()
    placed = phone.locator(".ranking-placed .ranking-text")
    expect(phone.locator(".ranking-pick")).to_have_count(4)
    fits_across(phone)

    # Tab to the first item and place it with Enter: the focus goes to the next to place.
    press_tab_until(phone, ".ranking-pick")
    assert focused_label(phone).startswith("Place Housing")
    phone.keyboard.press("Enter")
    expect(placed).to_have_text(["Housing"])
    expect(phone.locator(".ranking-pick").first).to_be_focused()
    # Tab past Community care to Transport; Space places it.
    phone.keyboard.press("Tab")
    assert focused_label(phone).startswith("Place Transport")
    phone.keyboard.press(" ")
    expect(placed).to_have_text(["Housing", "Transport"])
    expect(phone.locator(".ranking-pick").first).to_be_focused()
    phone.keyboard.press("Enter")  # Community care, now first of those left
    expect(placed).to_have_text(["Housing", "Transport", "Community care"])
    expect(phone.locator(".ranking-pick").first).to_be_focused()
    phone.keyboard.press("Enter")  # Mental health, the last: the focus goes to Send
    expect(placed).to_have_text(["Housing", "Transport", "Community care", "Mental health"])
    expect(phone.get_by_role("button", name="Send my ranking")).to_be_focused()

    # Back (Shift+Tab) to Mental health's ↑ and raise it twice; the focus stays on it.
    press_tab_until(phone, "[aria-label^='Move Mental health up']", key="Shift+Tab")
    phone.keyboard.press("Enter")
    expect(placed).to_have_text(["Housing", "Transport", "Mental health", "Community care"])
    expect(phone.locator(".prompt-note")).to_have_text("Mental health is now 3rd of 4.")
    expect(phone.locator("[aria-label^='Move Mental health up']")).to_be_focused()
    phone.keyboard.press(" ")
    expect(placed).to_have_text(["Housing", "Mental health", "Transport", "Community care"])
    expect(phone.locator("[aria-label='Move Mental health up, now 2nd of 4']")).to_be_focused()
    # On to Housing's ↓ (Shift+Tab again), pressed once.
    press_tab_until(phone, "[aria-label^='Move Housing down']", key="Shift+Tab")
    phone.keyboard.press("Enter")
    order = ["Mental health", "Housing", "Transport", "Community care"]
    expect(placed).to_have_text(order)
    expect(phone.locator(".ranking-placed .ranking-place")).to_have_text(
        ["1st", "2nd", "3rd", "4th"])
    fits_across(phone)
    press_tab_until(phone, ".ranking-send")
    phone.keyboard.press("Enter")
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")

    # The server holds that order; the control screen counts it; the projector shows
    # it once revealed, with each item's spread over the places.
    assert room.answers(ranking) == ["1. Mental health; 2. Housing; 3. Transport; "
                                     "4. Community care"]
    controls = room.control.locator("#live-controls")
    expect(controls.locator(".ranking-list .ranking-text")).to_have_text(order,
                                                                         timeout=LIVE_TIMEOUT)
    expect(room.projector.locator(".ranking-result")).to_have_count(0)
    room.reveal()
    rows = room.projector.locator(".ranking-list .ranking-result")
    expect(rows.locator(".ranking-text")).to_have_text(order)
    expect(rows.locator(".ranking-rank")).to_have_text(["1", "2", "3", "4"])
    expect(rows.locator(".ranking-score")).to_have_text(
        ["average score 4.0", "average score 3.0", "average score 2.0", "average score 1.0"])
    expect(rows.locator(".ranking-spread").first).to_have_attribute(
        "aria-label", "Mental health was placed 1st by 1, 2nd by 0, 3rd by 0, 4th by 0")
    expect(room.projector.locator(".ranking-axis span")).to_have_text(["1st", "4th"])
    assert font_px(rows.locator(".ranking-text").first) >= 32  # read from the back
    fits_the_projector(room.projector)
    expect(phone.locator(".prompt-results .ranking-list .ranking-text")).to_have_text(order)
    fits_across(phone)
    room.assert_no_script_errors()


def test_ranking_by_taps_alone_with_a_top_three(room):
    ranking = room.live(kind="ranking", title="Your top three?", items=ITEMS + ["Parks"],
                        top=3)
    phones = [room.phone(touch=True), room.phone(touch=True)]
    tap = lambda page, name: page.get_by_role("button", name=name).tap()  # noqa: E731

    first = phones[0]
    expect(first.locator(".ranking-help")).to_contain_text("Tap your top 3 in order")
    for item in ("Parks", "Transport", "Housing"):
        first.get_by_role("button", name=re.compile(f"^Place {item}")).tap()
    placed = first.locator(".ranking-placed .ranking-text")
    expect(placed).to_have_text(["Parks", "Transport", "Housing"])
    expect(first.locator(".ranking-pick")).to_have_count(0)  # three placed: no more
    tap(first, "Move Housing up, now 3rd of 3")
    expect(placed).to_have_text(["Parks", "Housing", "Transport"])
    tap(first, "Take Parks out of your ranking")
    expect(placed).to_have_text(["Housing", "Transport"])
    first.get_by_role("button", name=re.compile("^Place Mental health")).tap()
    tap(first, "Move Mental health up, now 3rd of 3")
    tap(first, "Move Transport up, now 3rd of 3")
    expect(placed).to_have_text(["Housing", "Transport", "Mental health"])
    fits_across(first)
    tap(first, "Send my ranking")
    expect(first.locator(".prompt-note")).to_contain_text("Your answer is in")

    second = phones[1]
    for item in ("Housing", "Mental health", "Parks"):
        second.get_by_role("button", name=re.compile(f"^Place {item}")).tap()
    tap(second, "Start again")
    expect(second.locator(".ranking-placed")).to_have_count(0)
    for item in ("Housing", "Mental health", "Parks"):
        second.get_by_role("button", name=re.compile(f"^Place {item}")).tap()
    tap(second, "Send my ranking")
    expect(second.locator(".prompt-note")).to_contain_text("Your answer is in")

    assert sorted(room.answers(ranking)) == ["1. Housing; 2. Mental health; 3. Parks",
                                             "1. Housing; 2. Transport; 3. Mental health"]
    # Scores (5 for 1st … 3 for 3rd, 0 unplaced), averaged: Housing 5, Mental health
    # 3.5, Transport 2, Parks 1.5, Community care 0.
    order = ["Housing", "Mental health", "Transport", "Parks", "Community care"]
    expect(room.control.locator("#live-controls .ranking-list .ranking-text")).to_have_text(
        order, timeout=LIVE_TIMEOUT)
    room.reveal()
    rows = room.projector.locator(".ranking-list .ranking-result")
    expect(rows.locator(".ranking-text")).to_have_text(order)
    expect(rows.locator(".ranking-score")).to_have_text(
        [f"average score {s}" for s in ("5.0", "3.5", "2.0", "1.5", "0.0")])
    expect(rows.nth(1).locator(".ranking-spread")).to_have_attribute(
        "aria-label", "Mental health was placed 1st by 0, 2nd by 1, 3rd by 1")
    expect(room.projector.locator(".respondents")).to_contain_text("0 if not placed")
    fits_the_projector(room.projector)
    for phone in phones:
        expect(phone.locator(".prompt-results .ranking-list .ranking-text")).to_have_text(order)
        fits_across(phone)
    room.assert_no_script_errors()


# --- points ---------------------------------------------------------------------------

OPTIONS = ["Training", "Equipment", "Staffing", "Community outreach and engagement events"]


def test_points_show_what_is_left_and_refuse_more_than_the_budget(room):
    points = room.live(kind="points", title="Share 100 points", options=OPTIONS)
    phone = room.phone()
    left = phone.locator(".points-left")
    send = phone.get_by_role("button", name="Send my points")
    expect(left).to_have_text("100 of 100 points left")
    fits_across(phone)

    # Typed numbers count at once; more than is left is cut to what is left.
    phone.get_by_label("Training", exact=True).fill("60")
    expect(left).to_have_text("40 of 100 points left")
    expect(send).to_be_disabled()  # every point must be shared
    expect(phone.locator(".points-form .hint")).to_have_text("Share every point to send.")
    phone.get_by_label("Equipment", exact=True).fill("55")
    expect(phone.get_by_label("Equipment", exact=True)).to_have_value("40")
    expect(phone.locator(".prompt-note")).to_have_text(
        "That is every point left: Equipment has 40.")
    expect(left).to_have_text("0 of 100 points left")
    # With none left, every + says it cannot give more (and still keeps the focus).
    for option in OPTIONS:
        plus = phone.get_by_role("button", name=f"5 more for {option}")
        expect(plus).to_have_attribute("aria-disabled", "true")
    phone.get_by_role("button", name="5 more for Staffing").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_label("Staffing", exact=True)).to_have_value("0")
    expect(left).to_have_text("0 of 100 points left")
    # Five back from Equipment, onto Staffing with the keyboard.
    phone.get_by_role("button", name="5 fewer for Equipment").click()
    expect(left).to_have_text("5 of 100 points left")
    phone.get_by_role("button", name="5 more for Staffing").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_label("Staffing", exact=True)).to_have_value("5")
    expect(left).to_have_text("0 of 100 points left")
    fits_across(phone)
    send.click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")

    # The server refuses more than the budget whatever a phone sends.
    other = room.delegate()
    ack = other.call("prompt:answer", {"client_id": "a", "activity_id": points,
                                       "points": [60, 50, 0, 0]})
    assert ack["ok"] is False and ack["error"] == "invalid", ack
    assert "you have 100 to share" in ack["message"]
    assert other.call("prompt:answer", {"client_id": "b", "activity_id": points,
                                        "points": [0, 0, 30, 70]})["ok"]
    assert sorted(room.answers(points)) == sorted([
        "Training: 60; Equipment: 35; Staffing: 5; Community outreach and engagement events: 0",
        "Training: 0; Equipment: 0; Staffing: 30; Community outreach and engagement events: 70"])

    # Totals, most first, with the average per person.
    order = ["Community outreach and engagement events", "Training", "Equipment", "Staffing"]
    values = ["70 · 35 avg", "60 · 30 avg", "35 · 17.5 avg", "35 · 17.5 avg"]
    revealed_bars(room, order, values, "2 people shared 100 points")
    expect(phone.locator(".prompt-results .bar-value")).to_have_text(values)
    fits_across(phone)
    room.assert_no_script_errors()


def test_a_set_budget_may_be_kept_back(room):
    points = room.live(kind="points", title="Share 1000 points", options=OPTIONS[:3],
                       budget=1000, spend_all=False)
    phone = room.phone(touch=True)
    left = phone.locator(".points-left")
    expect(left).to_have_text("1000 of 1000 points left")
    training = phone.get_by_label("Training", exact=True)
    training.fill("1200")  # more than the budget: cut to the budget, shown whole
    expect(training).to_have_value("1000")
    expect(left).to_have_text("0 of 1000 points left")
    assert training.evaluate("e => e.scrollWidth <= e.clientWidth")
    for _ in range(4):
        phone.get_by_role("button", name="50 fewer for Training").tap()
    for _ in range(3):
        phone.get_by_role("button", name="50 more for Staffing").tap()
    expect(left).to_have_text("50 of 1000 points left")
    fits_across(phone)
    phone.get_by_role("button", name="Send my points").tap()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    assert room.answers(points) == ["Training: 800; Equipment: 0; Staffing: 150"]
    room.reveal()
    expect(room.projector.locator(".bar-value")).to_have_text(
        ["800 · 800 avg", "150 · 150 avg", "0 · 0 avg"])
    expect(room.projector.locator(".respondents")).to_contain_text("up to 1000 points each")
    fits_the_projector(room.projector)
    room.assert_no_script_errors()


# --- dots -----------------------------------------------------------------------------

def test_dots_stacked_on_one_option_and_counted_live(room):
    options = ["Car sharing", "Bike racks", "Shuttle bus from the station", "Night bus"]
    dots = room.live(kind="dots", title="Where should we start?", options=options, dots=4,
                     stack=True, results="live")
    phone = room.phone(touch=True)
    left = phone.locator(".dots-left")
    expect(left).to_contain_text("4 of 4 dots left")
    fits_across(phone)
    add = lambda option: phone.get_by_role("button", name=f"Add a dot to {option}")  # noqa: E731
    before = add("Night bus").bounding_box()
    for _ in range(3):
        add("Night bus").tap()
    after = add("Night bus").bounding_box()
    assert (after["x"], after["y"]) == (before["x"], before["y"])  # the row does not reflow
    expect(phone.locator(".dots-option", has_text="Night bus").locator(".dots-count")
           ).to_have_text("3")
    add("Bike racks").tap()
    expect(left).to_contain_text("0 of 4 dots left")
    for option in options:  # no dots left: no + acts
        expect(add(option)).to_be_disabled()
    phone.get_by_role("button", name="Take a dot off Night bus").tap()
    add("Car sharing").tap()
    expect(left).to_contain_text("0 of 4 dots left")
    phone.get_by_role("button", name="Send my dots").tap()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    assert room.answers(dots) == ["Car sharing; Bike racks; Night bus ×2"]

    # Shown live: the projector counts them as they come, without a reveal.
    other = room.delegate()
    assert other.call("prompt:answer", {"client_id": "a", "activity_id": dots,
                                        "dots": [3, 3, 3, 3]})["ok"]
    ack = other.call("prompt:answer", {"client_id": "b", "activity_id": dots,
                                       "dots": [0, 0, 0, 0, 0]})
    assert ack["ok"] is False and ack["error"] == "invalid", ack  # more dots than allowed
    order = ["Night bus", "Car sharing", "Bike racks", "Shuttle bus from the station"]
    projector = room.projector
    expect(projector.locator(".bar-label")).to_have_text(order, timeout=LIVE_TIMEOUT)
    # The projector shows the count alone (the control screen says whose, too).
    expect(projector.locator(".bar-value")).to_have_text(["6", "1", "1", "0"], use_inner_text=True)
    expect(projector.locator(".respondents")).to_have_text("8 dots placed by 2 people")
    expect(room.control.locator("#live-controls .bar-value")).to_have_text(
        ["6 dots · 2 people", "1 dot · 1 person", "1 dot · 1 person", "0 dots · 0 people"])
    fits_the_projector(projector)
    room.assert_no_script_errors()


def test_one_dot_per_post_of_an_idea_board(room):
    board = room.live(kind="ideas", title="Ideas for the car park", auto_publish=True,
                      min_interval=0)
    ideas = ["Night bus to the station",
             "A cycle lane along the river and past the hospital to the town centre",
             "Car sharing"]
    posters = [room.delegate() for _ in range(2)]
    posts = []
    for i, idea in enumerate(ideas):
        ack = posters[i % 2].call("qa:ask", {"client_id": f"idea{i}", "text": idea})
        assert ack["ok"], ack
        posts.append(ack["question"]["id"])
    vote = room.live(kind="dots", title="Which first?", source="ideas", board=board, dots=2,
                     stack=False)
    phone = room.phone()
    expect(phone.locator(".dots-source")).to_have_text(
        "The ideas from “Ideas for the car park”.")
    expect(phone.locator(".dots-text")).to_have_count(3)
    listed = phone.locator(".dots-text").all_text_contents()  # the board's order
    assert sorted(listed) == sorted(ideas)
    expect(room.projector.locator(".dots-list li")).to_have_count(3)
    left = phone.locator(".dots-left")
    expect(left).to_contain_text("2 of 2 dots left")

    # By keyboard: Enter on a +; then that idea takes no second dot.
    add = phone.get_by_role("button", name=f"Add a dot to {ideas[1]}")
    add.focus()
    phone.keyboard.press("Enter")
    expect(left).to_contain_text("1 of 2 dots left")
    expect(add).to_be_disabled()
    phone.get_by_role("button", name=f"Add a dot to {ideas[2]}").focus()
    phone.keyboard.press(" ")
    expect(left).to_contain_text("0 of 2 dots left")
    for idea in ideas:
        expect(phone.get_by_role("button", name=f"Add a dot to {idea}")).to_be_disabled()
    fits_across(phone)
    phone.get_by_role("button", name="Send my dots").click()
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    assert room.answers(vote) == ["; ".join(i for i in listed if i in ideas[1:])]
    ack = posters[0].call("prompt:answer", {"client_id": "v", "activity_id": vote,
                                            "dots": [posts[1], posts[1]]})
    assert ack["ok"] is False and "One dot per option" in ack["message"]
    assert posters[0].call("prompt:answer", {"client_id": "w", "activity_id": vote,
                                             "dots": [posts[1], posts[0]]})["ok"]

    # Most dots first; ties in the board's order.
    order = [ideas[1], *(i for i in listed if i != ideas[1])]
    revealed_bars(room, order, ["2", "1", "1"], "4 dots placed by 2 people")
    expect(phone.locator(".prompt-results .bar-label")).to_have_text(order)
    fits_across(phone)
    room.assert_no_script_errors()


# --- matrix ---------------------------------------------------------------------------

def test_matrix_sliders_by_keyboard_and_the_grid_on_the_projector(room):
    items = ["Shared referral form", "Monthly carers' drop-in", "Volunteer drivers"]
    matrix = room.live(kind="matrix", title="Impact and effort", items=items, skip=False)
    phone = room.phone()
    send = phone.get_by_role("button", name="Send my placings")
    expect(phone.locator(".matrix-count")).to_contain_text("0 of 3 items placed")
    expect(send).to_be_disabled()
    fits_across(phone)

    # Tab to each slider: arrows move it a step, Home and End to its ends, PageUp by
    # more; Enter takes a slider's value where it stands.
    press_tab_until(phone, "#matrix-0-y")
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    value = phone.locator(".matrix-item").nth(0).locator(".matrix-value")
    expect(value).to_have_text(["8", "not set"])
    expect(phone.locator(".matrix-item").nth(0)).to_contain_text("Set Effort too")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Home")
    expect(value).to_have_text(["8", "1"])
    expect(phone.locator(".matrix-count")).to_contain_text("1 of 3 items placed")
    press_tab_until(phone, "#matrix-1-y")
    phone.keyboard.press("End")
    phone.keyboard.press("Tab")
    phone.keyboard.press("ArrowLeft")
    phone.keyboard.press("ArrowDown")
    expect(phone.locator(".matrix-item").nth(1).locator(".matrix-value")).to_have_text(
        ["10", "3"])
    press_tab_until(phone, "#matrix-2-y")
    phone.keyboard.press("ArrowLeft")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")  # the middle, as it stands
    expect(phone.locator(".matrix-item").nth(2).locator(".matrix-value")).to_have_text(
        ["4", "5"])
    expect(phone.locator(".matrix-count")).to_contain_text("3 of 3 items placed")
    fits_across(phone)
    press_tab_until(phone, ".matrix-send")
    phone.keyboard.press("Enter")
    expect(phone.locator(".prompt-note")).to_contain_text("Your answer is in")
    assert len(room.answers(matrix)) == 1

    # A second person, for means between theirs.
    other = room.delegate()
    assert other.call("prompt:answer", {"client_id": "a", "activity_id": matrix, "placed": [
        {"item": 0, "y": 10, "x": 3}, {"item": 1, "y": 8, "x": 9},
        {"item": 2, "y": 2, "x": 7}]})["ok"]
    means = ["Impact 9.0 · Effort 2.0 · 2 people · Quick wins",
             "Impact 9.0 · Effort 6.0 · 2 people · Major projects",
             "Impact 3.0 · Effort 6.0 · 2 people · Thankless tasks"]
    expect(room.control.locator("#live-controls .matrix-key-means")).to_have_text(
        means, timeout=LIVE_TIMEOUT)
    room.reveal()
    projector = room.projector
    expect(projector.locator(".matrix-dot")).to_have_count(3)
    expect(projector.locator(".matrix-corner")).to_have_text(
        ["Quick wins", "Major projects", "Fill-ins", "Thankless tasks"])
    expect(projector.locator(".matrix-axis")).to_have_text(["Impact", "Effort"])
    expect(projector.locator(".matrix-end")).to_have_text(["High", "Low", "Low", "High"])
    expect(projector.locator(".matrix-key-name")).to_have_text(items)
    expect(projector.locator(".matrix-grid")).to_have_attribute("aria-label", re.compile(
        r"^Impact up, Effort along\. 1 Shared referral form: Impact 9, Effort 2\. "))
    # Each dot in its quadrant: Quick wins top left, Major projects top right, Thankless
    # tasks bottom right of the grid's middle lines.
    for size in PROJECTORS:
        projector.set_viewport_size(size)
        projector.wait_for_timeout(100)
        lines = projector.locator(".matrix-middle")
        middle_x = lines.nth(0).bounding_box()["x"]
        middle_y = lines.nth(1).bounding_box()["y"]
        centres = []
        for i in range(3):
            box = projector.locator(".matrix-dot").nth(i).locator("circle").last.bounding_box()
            centres.append((box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
        (x0, y0), (x1, y1), (x2, y2) = centres
        assert x0 < middle_x < x1 and x2 > middle_x, (size, centres, middle_x)
        assert y0 < middle_y and y1 < middle_y and y2 > middle_y, (size, centres, middle_y)
        assert font_px(projector.locator(".matrix-key-name").first) >= 24
    fits_the_projector(projector)
    expect(phone.locator(".prompt-results .matrix-key-means")).to_have_text(means)
    fits_across(phone)
    room.assert_no_script_errors()
