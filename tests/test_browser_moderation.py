"""Moderating 300 questions on the panel in Debian's Chromium: compact rows, filters
and search, the keyboard, a selection approved at once, undo, the settings drawer."""
import os
from pathlib import Path

import pytest
from test_browser import DESKTOP, browser, expect, kept_for_the_test, Screens  # noqa: F401
from test_browser_xss import Bot

from facilitator.plugins import of_type
from facilitator.qa import domain
from facilitator.qa.kind import Posts
from facilitator.runsheet import domain as runsheet
from facilitator.store import Store
from facilitator.workshops import domain as workshops

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS", "test-artifacts")) / "qa-moderation"
FIRST = ("Ann", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo")
LAST = ("Lee", "Khan", "Moss")
TOPICS = ("discharge", "the workforce", "carers", "housing", "funding", "waiting lists",
          "primary care", "digital records", "prevention", "social care")


# The heights of the rows not in hand (that one is open with its controls).
HEIGHTS = "els => els.filter((e) => !e.matches('.current')).map((e) => e.offsetHeight)"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture(scope="module")
def world(browser, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """A live server with a Q&A session of 300 questions (250 incoming, 50 live), seeded
    through the domain functions, and the panel open on it."""
    from conftest import LiveServer
    server = LiveServer(tmp_path_factory.mktemp("moderation") / "live.db").start()
    made = server.create_workshop("Leadership day")
    fac = Bot(server.url, {"role": "facilitator", "key": made["key"]})
    activity_id = fac.ok("activity:add", {
        "kind": "qa", "title": "Questions for the panel", "labels": ["Chair", "Finance"],
        "min_interval": 0, "max_questions": 100})["activity"]["id"]
    fac.ok("live:set", {"activity_id": activity_id})
    store = Store(str(server.database))
    row = workshops.by_facilitator_key(store, made["key"])
    activity = runsheet.activity_of(store, row["id"], activity_id, of_type(Posts), "Q&A")
    people = [workshops.join(store, row, f"{f} {surname}", f"Org {i}", "")[0]
              for i, (f, surname) in enumerate((f, s) for s in LAST for f in FIRST)]
    ids = []
    for i in range(300):
        text = f"Q{i:03d}: what changes for {TOPICS[i % len(TOPICS)]} next year?"
        ids.append(domain.ask(store, activity, people[i % len(people)], f"c{i}", text,
                              anonymous=i % 3 == 0)[0]["id"])
    domain.moderate_many(store, activity, ids[:50], "approve")
    domain.moderate_many(store, activity, ids[:20], "label", label="Chair")
    panel_key = workshops.screen_keys(row, made["key"])["panel"]
    screens = Screens(browser, server.url)
    page = screens.open("panel", f"/panel/{panel_key}", viewport=DESKTOP)
    phone = Bot(server.url, {"role": "delegate", "code": made["code"]})
    phone.ok("delegate:join", {"name": "Kim Late", "organisation": "Hospice"})
    screens.control_key = made["key"]
    screens.screen_key = workshops.screen_keys(row, made["key"])["screen"]
    yield page, screens, phone, ids
    screens.close()
    for bot in (fac, phone):
        bot.close()
    server.stop()


def rows(page):
    return page.locator("#work .qa-row")


def focused_id(page):
    return page.evaluate("() => document.activeElement.closest('.qa-row')?.dataset.questionId")


def test_300_questions_make_compact_rows_that_filter_and_search(world):
    page, screens, phone, ids = world
    expect(rows(page)).to_have_count(250)
    state = page.locator("#work .qa-states")
    expect(state.get_by_role("button", name="Incoming 250")).to_have_attribute("aria-pressed",
                                                                            "true")
    expect(state.get_by_role("button", name="Live 50")).to_be_visible()
    expect(state.get_by_role("button", name="All 300")).to_be_visible()
    heights = rows(page).evaluate_all(HEIGHTS)
    assert max(heights) <= 60, max(heights)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 1.6 * DESKTOP["height"], height  # the list scrolls, not the page
    shot(page, "panel-1920-300-questions")
    # Search by text and by asker; the state filters and the label filter.
    search = page.get_by_label("Search questions")
    search.fill("housing")
    expect(rows(page)).to_have_count(25)
    search.fill("anonymous")
    expect(rows(page)).to_have_count(len([i for i in range(50, 300) if i % 3 == 0]))
    search.fill("")
    state.get_by_role("button", name="Live 50").click()
    expect(rows(page)).to_have_count(50)
    page.get_by_label("Label filter").select_option("Chair")
    expect(rows(page)).to_have_count(20)
    page.get_by_label("Label filter").select_option("")
    state.get_by_role("button", name="Incoming 250").click()
    expect(rows(page)).to_have_count(250)
    screens.assert_no_script_errors()


def test_the_keyboard_moderates_and_the_focus_stays_as_questions_arrive(world):
    page, screens, phone, ids = world
    page.locator("#work details.qa-keys > summary").click()
    expect(page.locator("#work .qa-keys dl")).to_contain_text("approve")
    shot(page, "panel-1920-keyboard-help")
    page.locator("#work details.qa-keys > summary").click()
    first = rows(page).first
    first.locator(".question-text").click()
    expect(first).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("k")
    second = rows(page).nth(1)
    expect(second).to_be_focused()
    approved = second.get_attribute("data-question-id")
    page.keyboard.press("a")  # approved: it leaves Incoming, the next takes the focus
    expect(page.locator("#work .qa-states").get_by_role("button", name="Live 51")).to_be_visible()
    expect(page.locator(f'#work .qa-row[data-question-id="{approved}"]')).to_have_count(0)
    expect(rows(page).nth(1)).to_be_focused()
    expect(page.locator(".qa-toast")).to_contain_text("Approved 1 question")
    dismissed = focused_id(page)
    page.keyboard.press("d")
    expect(page.locator("#work .qa-states").get_by_role("button", name="Dismissed 1")) \
        .to_be_visible()
    held = focused_id(page)
    assert held and held != dismissed
    # A question arrives: it goes below, with a cue; the row in hand keeps the focus.
    phone.ok("qa:ask", {"client_id": "late", "text": "A late question about parking?"})
    expect(page.locator("#work .qa-new")).to_contain_text("1 new")
    expect(rows(page).last).to_contain_text("A late question about parking?")
    assert focused_id(page) == held
    page.keyboard.press("x")
    expect(page.locator("#work .qa-bulk")).to_contain_text("1 selected")
    page.keyboard.press("x")
    expect(page.locator("#work .qa-bulk")).to_contain_text("0 selected")
    # In a text field the letters are text.
    search = page.get_by_label("Search questions")
    search.fill("")
    search.press("a")
    expect(search).to_have_value("a")
    search.fill("")
    screens.assert_no_script_errors()


def test_a_selection_is_approved_at_once_and_undone(world):
    page, screens, phone, ids = world
    state = page.locator("#work .qa-states")
    live_before = int(state.get_by_role("button", name="Live").text_content().split()[-1])
    page.get_by_label("Search questions").fill("carers")
    expect(rows(page).first).to_contain_text("carers")
    found = rows(page).count()
    assert found >= 20, found
    for i in range(12):
        rows(page).nth(i).locator(".qa-pick").check()
    expect(page.locator("#work .qa-bulk")).to_contain_text("12 selected")
    shot(page, "panel-1920-selection")
    page.get_by_role("button", name="Approve 12").click()
    toast = page.locator(".qa-toast")
    expect(toast).to_contain_text("Approved 12 questions")
    expect(rows(page)).to_have_count(found - 12)
    expect(state.get_by_role("button", name=f"Live {live_before + 12}")).to_be_visible()
    shot(page, "panel-1920-undo-toast")
    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Undone: Approved 12 questions")
    expect(rows(page)).to_have_count(found)
    expect(state.get_by_role("button", name=f"Live {live_before}")).to_be_visible()
    page.get_by_label("Search questions").fill("")
    screens.assert_no_script_errors()


def test_settings_are_a_drawer_and_archiving_asks_first(world):
    page, screens, phone, ids = world
    drawer = page.locator("#work details.qa-drawer")
    counts = "Show on the projector how many questions were received, published, held and answered"
    expect(drawer.get_by_label(counts)).to_be_hidden()
    drawer.locator("> summary").click()
    expect(drawer.get_by_label("Hide vote counts on the projector (phones still show them)")) \
        .to_be_visible()
    expect(drawer.get_by_role("heading", name="Danger")).to_be_visible()
    # Hiding the votes takes them off the projector (its preview here shows what it shows).
    expect(page.locator("#live .top-questions .votes").first).to_be_visible()
    drawer.get_by_label("Hide vote counts on the projector (phones still show them)").check()
    expect(page.locator("#live .top-questions .votes")).to_have_count(0)
    expect(page.locator("#live .top-questions .question-text")).to_have_count(5)
    shot(page, "panel-1920-drawer")
    drawer.get_by_role("button", name="Archive all questions…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Archive all 301 questions?")
    shot(page, "panel-1920-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(rows(page).first).to_be_visible()  # nothing was archived
    drawer.locator("> summary").click()
    page.set_viewport_size({"width": 1280, "height": 720})
    shot(page, "panel-1280-300-questions")
    heights = rows(page).evaluate_all(HEIGHTS)
    assert max(heights) <= 60, max(heights)
    screens.assert_no_script_errors()


def test_the_control_screen_moderates_with_the_same_list(world):
    page, screens, phone, ids = world
    control = screens.open("control", f"/control/{screens.control_key}", viewport=DESKTOP)
    expect(control.locator(".qa-states").get_by_role("button", name="Incoming")).to_be_visible()
    expect(control.locator(".qa-row").first).to_be_visible()
    shot(control, "control-1920-300-questions")
    screens.assert_no_script_errors()


def test_the_projector_hides_the_votes_when_told(world):
    page, screens, phone, ids = world  # the votes were hidden above
    projector = screens.open("projector", f"/screen/{screens.screen_key}", viewport=DESKTOP)
    expect(projector.locator(".top-questions .question-text")).to_have_count(5)
    expect(projector.locator(".top-questions .votes")).to_have_count(0)
    shot(projector, "projector-1920-votes-hidden")
    projector.set_viewport_size({"width": 1280, "height": 720})
    shot(projector, "projector-1280-votes-hidden")
    screens.assert_no_script_errors()
