"""End-to-end checks in Debian's Chromium: the screens as people use them.

Run with `python -m pytest tests/test_browser.py`. Without /usr/bin/chromium these
tests are skipped locally, but fail when the CI environment variable is set.
On failure every open page is saved to test-artifacts/ as a PNG.
"""
import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - reported by the browser fixture
    expect = sync_playwright = None

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}
# Long enough for a socket round trip plus the server's half-second presence tick.
LIVE_TIMEOUT = 5000


def _unavailable(reason: str):
    """Fail in CI (a missing browser must not pass silently), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    if sync_playwright is None:
        _unavailable("the playwright Python package is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Screens:
    """Pages opened by one test, each in its own context (so its own localStorage)."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.pages: dict[str, object] = {}
        self.contexts = []
        self.errors: list[str] = []

    def open(self, label: str, path: str, viewport=DESKTOP, expect_status=200):
        """Open base_url + path in a fresh context; check the HTTP status."""
        context = self.browser.new_context(viewport=viewport)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc, label=label: self.errors.append(f"{label}: {exc}"))
        page.on("console", lambda msg, label=label: self._console(label, msg))
        self.pages[label] = page
        response = page.goto(self.base_url + path)
        assert response is not None and response.status == expect_status, \
            (path, response and response.status)
        return page

    def _console(self, label, message):
        if message.type == "error":
            self.errors.append(f"{label}: {message.text} ({message.location.get('url')})")

    def assert_no_script_errors(self):
        """No uncaught exception, CSP violation or other console error on any page."""
        assert self.errors == []

    def screenshot_all(self, test_name: str):
        """Save every open page as test-artifacts/<test>-<label>.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        for label, page in self.pages.items():
            try:
                page.screenshot(path=str(ARTIFACTS / f"{safe}-{label}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a crashed page must not hide the real failure
                pass

    def close(self):
        """Close every context."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def screens(browser, live_server, request):
    """Open pages on the live server; screenshot them all if the test fails."""
    yield from kept_for_the_test(Screens(browser, live_server.url), request)


def kept_for_the_test(opened, request):
    """A fixture's body: yield the Screens `opened`; afterwards screenshot all its pages
    if the test failed, and close them."""
    failed_before = request.session.testsfailed
    yield opened
    # The call phase's report is logged before fixtures are torn down.
    if request.session.testsfailed > failed_before:
        opened.screenshot_all(request.node.name)
    opened.close()


def join(page, name: str, organisation: str, role: str = ""):
    """Fill the phone's join form and press Join."""
    page.fill("#name", name)
    page.fill("#organisation", organisation)
    page.fill("#role", role)
    page.get_by_role("button", name="Join", exact=True).click()


def join_phones(screens, workshop, people) -> list:
    """A phone page per (name, organisation[, role]), opened as phone1, phone2, ... and
    joined to the workshop; each shows its own name."""
    phones = []
    for i, (name, organisation, *role) in enumerate(people):
        phone = screens.open(f"phone{i + 1}", f"/j/{workshop['code']}", viewport=PHONE)
        join(phone, name, organisation, *role)
        expect(phone.locator(".me-name")).to_have_text(name)
        phones.append(phone)
    return phones


def control_links(control) -> dict:
    """The projector and panel paths the control screen shows."""
    expect(control.locator("#screen-link")).to_have_value(re.compile(r"/screen/"))
    expect(control.locator("#panel-link")).to_have_value(re.compile(r"/panel/"))
    screen = control.locator("#screen-link").input_value()
    panel = control.locator("#panel-link").input_value()
    # Both links open in a new tab from the control screen, and the panel's says what it is for.
    expect(control.locator("#open-screen")).to_have_attribute("href", re.compile(r"/screen/"))
    expect(control.locator("#open-panel")).to_have_attribute("href", re.compile(r"/panel/"))
    expect(control.get_by_label("Panel link (panellists and moderators)")).to_have_accessible_description(
        re.compile("moderators approve"))
    return {"screen": "/screen/" + screen.rsplit("/screen/", 1)[1],
            "panel": "/panel/" + panel.rsplit("/panel/", 1)[1]}


def add_message(control, title: str, body: str):
    """Add a message to the run sheet from the control screen's form."""
    control.locator("#add-activity > summary").click()
    expect(control.locator("#add-activity")).to_have_attribute("open", "")
    control.fill("#activity-title", title)
    control.fill("#activity-body", body)
    control.locator("#activity-save").click()
    expect(control.locator("#runsheet .runsheet-title")).to_contain_text([title])


PEOPLE = [("Ann Lee", "Surrey County Council", "Nurse"),
          ("Bob Khan", "Royal Surrey NHS Foundation Trust", "Consultant"),
          ("Cat Jones", "Guildford Borough Council", "")]


def test_three_phones_follow_the_facilitator(screens, live_server):
    workshop = live_server.create_workshop("Leadership day")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    links = control_links(control)
    projector = screens.open("projector", links["screen"])
    expect(projector.locator("#join-screen .join-code")).to_have_text(workshop["code"])
    # The QR code is drawn (an SVG the browser can decode), not a broken image.
    expect(projector.locator("#join-screen img.qr")).to_be_visible()
    assert projector.eval_on_selector("#join-screen img.qr", "img => img.naturalWidth") > 100
    panel = screens.open("panel", links["panel"], viewport={"width": 1280, "height": 800})
    expect(panel.locator("#live")).to_contain_text("join screen")

    phones = join_phones(screens, workshop, PEOPLE)
    for phone in phones:
        expect(phone.locator(".waiting")).to_contain_text("You're in")

    expect(control.locator("#presence")).to_contain_text("3 joined", timeout=LIVE_TIMEOUT)
    expect(control.locator("#delegates tr")).to_have_count(3)

    title, body = "Welcome to the day", "Find someone you have not met yet."
    add_message(control, title, body)
    control.locator("#next").click()
    expect(control.locator("#live-preview .activity-title")).to_have_text(title)

    for page in [*phones, projector, panel]:
        expect(page.locator(".activity-title")).to_have_text(title)
        expect(page.locator(".message-body")).to_have_text(body)
    expect(projector.locator("#join-screen")).to_be_hidden()
    expect(projector.locator("#join-banner")).to_be_visible()

    # A reload keeps the phone's identity (token in localStorage) and the live message.
    phone = phones[1]
    phone.reload()
    expect(phone.locator(".me-name")).to_have_text(PEOPLE[1][0])
    expect(phone.locator(".activity-title")).to_have_text(title)
    expect(phone.locator(".message-body")).to_have_text(body)
    expect(phone.locator("#join-form")).to_have_count(0)
    expect(control.locator("#presence")).to_contain_text("3 joined")
    expect(control.locator("#delegates tr")).to_have_count(3)
    screens.assert_no_script_errors()


def test_html_in_a_name_is_shown_as_text(screens, live_server):
    workshop = live_server.create_workshop("Safety check")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    evil = "<img src=x onerror=window.__xss=1>"
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, evil, "<b>Bold Org</b>")

    expect(phone.locator(".me-name")).to_have_text(evil)
    expect(phone.locator(".me .muted")).to_have_text("<b>Bold Org</b>")
    row = control.locator("#delegates tr", has_text=evil)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("<b>Bold Org</b>")
    phone.reload()  # and again after a fresh snapshot
    expect(phone.locator(".me-name")).to_have_text(evil)

    for page in (phone, control):
        injected = page.locator("main img, #app img, .me img, #delegates img, #delegates b")
        expect(injected).to_have_count(0)
        assert page.evaluate("() => window.__xss") is None
    screens.assert_no_script_errors()


def test_unknown_code_shows_a_friendly_page(screens):
    phone = screens.open("phone", "/j/ZZZZZZ", viewport=PHONE, expect_status=404)
    expect(phone.get_by_role("alert")).to_contain_text("No workshop has that code")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Join a workshop")
    code = phone.get_by_label("Code on the big screen")
    expect(code).to_be_visible()
    expect(code).to_have_value("ZZZZZZ")
    expect(phone.get_by_role("button", name="Join")).to_be_visible()


def test_connect_rounds_on_phones_match_the_stored_groups(screens, live_server):
    import csv
    import io

    import requests
    import socketio

    workshop = live_server.create_workshop("Connect day")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    projector = screens.open("projector", control_links(control)["screen"])
    bots = []
    for i, org in enumerate(["Hospice", "ICB", "Fire Service", "Carers Trust"]):
        bot = socketio.Client()
        bot.connect(live_server.url, auth={"role": "delegate", "code": workshop["code"]},
                    transports=["websocket"])
        assert bot.call("delegate:join", {"name": f"Bot {i}", "organisation": org})["ok"]
        bots.append(bot)
    phones = join_phones(screens, workshop, PEOPLE[:2])

    control.locator("#add-activity > summary").click()
    control.select_option("#activity-kind", "connect")
    control.fill("#activity-title", "Meet someone new")
    control.fill("#connect-rounds", "2")
    control.select_option("#connect-points", "tables")
    control.locator("#activity-save").click()
    expect(control.locator("#runsheet .runsheet-title")).to_contain_text(["Meet someone new"])
    control.get_by_role("button", name="Go live").click()

    for number in (1, 2):
        control.get_by_role("button", name=re.compile(f"start round {number}", re.I)).click()
        expect(projector.locator(".round-label")).to_contain_text(f"Round {number} of 2")
        expect(projector.locator(".timer-value")).to_have_text(re.compile(r"^[45]:\d\d$"))
        export = requests.get(f"{live_server.url}/control/{workshop['key']}/activities/1/"
                              "groups.csv", timeout=10).text.lstrip("\ufeff")
        stored = {}
        for row in csv.DictReader(io.StringIO(export)):
            if row["round"] == str(number):
                stored.setdefault(row["group"], (row["meeting point"], set()))[1].add(
                    row["name"])
        for (name, _, _), phone in zip(PEOPLE, phones, strict=False):
            expect(phone.locator(".round-label")).to_contain_text(f"Round {number} of 2")
            point, members = next(v for v in stored.values() if name in v[1])
            expect(phone.locator(".meet-at strong")).to_have_text(point)
            expect(phone.locator(".member-name")).to_have_count(len(members) - 1)
            shown = {t.replace("✓", "").strip()
                     for t in phone.locator(".member-name").all_inner_texts()}
            assert shown == members - {name}
    # A phone taps "found": its partner's tick shows on the control screen.
    phones[0].get_by_role("button", name=re.compile("found", re.I)).click()
    expect(phones[0].locator(".found-banner")).to_be_visible()
    expect(control.locator(".group-list .found").first).to_contain_text("✓")
    for bot in bots:
        bot.disconnect()
    screens.assert_no_script_errors()


def test_the_facilitator_closes_the_doors_and_clears_fake_walk_ins(screens, live_server):
    workshop = live_server.create_workshop("Doors")
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#status")).to_have_text("Live")
    fakes = []
    for n in range(2):
        fake = screens.open(f"fake{n}", f"/j/{workshop['code']}", viewport=PHONE)
        join(fake, f"Fake Person {n}", "Flood Ltd")
        expect(fake.locator(".me-name")).to_have_text(f"Fake Person {n}")
        fakes.append(fake)
    late = screens.open("late", f"/j/{workshop['code']}", viewport=PHONE)
    expect(late.locator("#join-form")).to_be_visible()

    control.get_by_label("Only people on the delegate list").check()
    expect(late.locator("#join-form")).to_contain_text("Only people on the delegate list",
                                                       timeout=LIVE_TIMEOUT)
    expect(late.get_by_role("button", name="Join", exact=True)).to_have_count(0)
    control.get_by_label("Nobody new: the doors are closed").check()
    expect(late.locator("#app")).to_contain_text("closed the doors", timeout=LIVE_TIMEOUT)
    expect(fakes[0].locator(".me-name")).to_have_text("Fake Person 0")  # already in: stays

    control.once("dialog", lambda dialog: dialog.accept())
    control.get_by_role("button", name="Remove…").click()
    expect(control.locator("#walk-ins-report")).to_have_text("Removed 2 walk-ins.")
    for fake in fakes:
        expect(fake.locator("#app")).to_contain_text("removed you", timeout=LIVE_TIMEOUT)
    expect(control.locator("#delegates")).to_contain_text("Removed")
    control.get_by_label("Anyone with the code").check()
    expect(late.get_by_role("button", name="Join", exact=True)).to_be_visible(
        timeout=LIVE_TIMEOUT)
    screens.assert_no_script_errors()


def test_a_broadcast_keeps_what_is_typed_and_where_the_focus_is(screens, live_server):
    import socketio

    workshop = live_server.create_workshop("Focus day")
    fac = socketio.Client()
    fac.connect(live_server.url, auth={"role": "facilitator", "key": workshop["key"]},
                transports=["websocket"])
    try:
        ids = [fac.call("activity:add", {"kind": "message", "title": title})["activity"]["id"]
               for title in ("First", "Second", "Third")]
        control = screens.open("control", f"/control/{workshop['key']}",
                               viewport={"width": 1280, "height": 800})
        expect(control.locator("#runsheet .runsheet-title")).to_have_text(
            ["First", "Second", "Third"])
        phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
        phone.locator("#name").press_sequentially("Ann Le")

        # The title changes (a `workshop` broadcast), then the doors (the form changes).
        assert fac.call("workshop:update", {"title": "Focus day, renamed"})["ok"]
        expect(phone.locator("h1")).to_contain_text("Focus day, renamed")
        assert fac.call("workshop:update", {"doors": "roster"})["ok"]
        expect(phone.locator("#join-form")).to_contain_text("Only people on the delegate list")
        expect(phone.locator("#name")).to_have_value("Ann Le")
        expect(phone.locator("#name")).to_be_focused()
        assert fac.call("workshop:update", {"doors": "open"})["ok"]
        expect(phone.locator("#organisation")).to_be_visible()
        expect(phone.locator("#name")).to_have_value("Ann Le")

        # A run sheet row's button keeps the focus while the live state changes...
        second = control.locator("#runsheet li", has_text="Second")
        second.get_by_role("button", name="Edit").focus()
        assert fac.call("live:set", {"activity_id": ids[0]})["ok"]
        expect(control.locator("#runsheet li", has_text="First")).to_have_class("is-live")
        expect(second.get_by_role("button", name="Edit")).to_be_focused()
        # ...and when it moves its row with the keyboard.
        control.get_by_role("button", name="Move “First” down").press("Enter")
        expect(control.locator("#runsheet .runsheet-title")).to_have_text(
            ["Second", "First", "Third"])
        expect(control.get_by_role("button", name="Move “First” down")).to_be_focused()
        control.keyboard.press("Enter")
        expect(control.locator("#runsheet .runsheet-title")).to_have_text(
            ["Second", "Third", "First"])
        # At the foot of the list its "down" is disabled: the focus goes next door.
        expect(control.get_by_role("button", name="Move “First” up")).to_be_focused()
    finally:
        fac.disconnect()
    screens.assert_no_script_errors()


def test_deleting_an_activity_that_holds_answers_asks_with_the_servers_words(
        screens, live_server):
    import socketio

    workshop = live_server.create_workshop("Delete day")
    fac = socketio.Client()
    fac.connect(live_server.url, auth={"role": "facilitator", "key": workshop["key"]},
                transports=["websocket"])
    try:
        fac.call("activity:add", {"kind": "message", "title": "Welcome"})
        rounds = fac.call("activity:add", {"kind": "connect", "title": "Meet"})["activity"]["id"]
        assert fac.call("connect:start", {"activity_id": rounds})["ok"]
    finally:
        fac.disconnect()
    control = screens.open("control", f"/control/{workshop['key']}",
                           viewport={"width": 1280, "height": 800})
    expect(control.locator("#runsheet .runsheet-title")).to_have_text(["Welcome", "Meet"])
    dialog = control.locator("#confirm")

    # An activity with nothing in it: one question, and it goes.
    control.get_by_role("button", name="Delete “Welcome”").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Delete this activity?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Delete").click()
    expect(control.locator("#runsheet .runsheet-title")).to_have_text(["Meet"])
    expect(control.locator("#runsheet-heading")).to_be_focused()

    # One holding a round: the server's reason is asked about too. Escape keeps it.
    control.get_by_role("button", name="Delete “Meet”").click()
    control.keyboard.press("Tab")
    control.keyboard.press("Enter")
    expect(dialog.locator("#confirm-text")).to_contain_text("already holds")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    control.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(control.locator("#runsheet .runsheet-title")).to_have_text(["Meet"])
    expect(control.locator("#live-error")).to_have_text("")

    control.get_by_role("button", name="Delete “Meet”").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.locator("#confirm-text")).to_contain_text("already holds")
    dialog.get_by_role("button", name="Delete it all").click()
    expect(control.locator("#runsheet li")).to_have_text(["No activities yet: add one below."])
    expect(control.locator("#live-preview")).to_contain_text("join screen")
    screens.assert_no_script_errors()


def test_what_a_phone_kept_offline_is_sent_on_reconnect_and_then_forgotten(screens, live_server):
    import socketio

    workshop = live_server.create_workshop("Outbox day")
    auth = {"role": "facilitator", "key": workshop["key"]}
    fac = socketio.Client()
    fac.connect(live_server.url, auth=auth, transports=["websocket"])
    try:
        poll = fac.call("activity:add", {"kind": "poll", "title": "Lunch?",
                                         "options": ["Soup", "Pie"]})["activity"]["id"]
        assert fac.call("live:set", {"activity_id": poll})["ok"]
    finally:
        fac.disconnect()
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, "Ann Lee", "Hospice")
    expect(phone.locator(".me-name")).to_have_text("Ann Lee")
    key = f"workshop:{workshop['code']}:outbox"
    item = {"event": "prompt:answer", "slot": f"prompt:{poll}",
            "data": {"client_id": "kept-1", "activity_id": poll, "choices": [1], "other": ""}}
    # Kept twice under one id (sent, then its ack lost): the server counts it once.
    phone.evaluate("([key, items]) => localStorage.setItem(key, JSON.stringify(items))",
                   [key, [item, item]])
    phone.reload()  # a reconnect: the phone sends what it kept, and forgets it once acked
    expect(phone.locator(".me-name")).to_have_text("Ann Lee")
    phone.wait_for_function("(key) => localStorage.getItem(key) === null", arg=key,
                            timeout=LIVE_TIMEOUT)
    expect(phone.locator("#phone-notice")).to_be_hidden()

    snapshots = []
    control = socketio.Client()
    control.on("snapshot", snapshots.append)
    control.connect(live_server.url, auth=auth, transports=["websocket"])
    try:
        phone.wait_for_timeout(300)
        assert snapshots[-1]["live"]["activity"]["results"]["counts"] == [0, 1]
    finally:
        control.disconnect()
    screens.assert_no_script_errors()
