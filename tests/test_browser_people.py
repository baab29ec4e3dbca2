"""End-to-end in Debian's Chromium: the control screen's delegate list with a 500-name
roster, and one organisation typed two ways, suggested on the phone and merged.

Reuses tests/test_browser.py's fixtures and helpers. Screenshots go to
test-artifacts/people/.
"""
import socketio
import pytest
from test_browser import ARTIFACTS, DESKTOP, PHONE, browser, expect, screens  # noqa: F401

from conftest import DATA

pytestmark = pytest.mark.browser

LIVE_TIMEOUT = 5000
FULL = "Surrey Heartlands Integrated Care Board"
SHORT = "Surrey Heartlands ICB"
SHOTS = ARTIFACTS / "people"
WALK_INS = [("Asha Rahman", SHORT), ("Ben Ortiz", SHORT), ("Cara Singh", SHORT),
            ("Dev Mistry", "Royal Surrey NHS Foundation Trust"), ("Ela Novak", "Woking Borough Council"),
            ("Finn Walsh", "Healthwatch Surrey"), ("Gita Rao", "Central Surrey Health"),
            ("Hugo Dunn", "Phyllis Tuckwell Hospice"), ("Iris Kemp", "Surrey Police - Partnerships")]


def phone_client(url, code, name, organisation):
    """A phone that joins as a walk-in over a real socket and stays connected."""
    sio = socketio.Client(reconnection=False)
    sio.connect(url, auth={"role": "delegate", "code": code}, transports=["websocket"],
                wait_timeout=10)
    ack = sio.call("delegate:join", {"name": name, "organisation": organisation, "role": "Lead"},
                   timeout=10)
    assert ack["ok"], ack
    return sio


def test_a_500_roster_is_ordered_filtered_counted_and_its_variants_merged(
        screens, live_server):  # noqa: F811 - the fixture imported above
    SHOTS.mkdir(parents=True, exist_ok=True)
    workshop = live_server.create_workshop("Surrey system leadership day")
    control = screens.open("control", f"/control/{workshop['key']}", viewport=DESKTOP)
    control.set_input_files("#roster-file", str(DATA / "roster-500.csv"))
    control.locator("#roster-form button[type=submit]").click()
    expect(control.locator("#roster-report")).to_contain_text("Added 500 delegates",
                                                               timeout=LIVE_TIMEOUT)
    # Only the first hundred rows are drawn, with a way to see all.
    expect(control.locator("#delegates tr")).to_have_count(100)
    expect(control.locator("#delegates-show-all")).to_have_text("Show all 500")

    phones = [phone_client(live_server.url, workshop["code"], name, organisation)
              for name, organisation in WALK_INS]
    try:
        # A phone at 360 px: typing the short form offers the roster's full name.
        phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
        phone.fill("#name", "Jo Park")
        phone.locator("#organisation").press_sequentially("heartlands icb")
        offered = phone.locator("#organisation-matches .org-match")
        expect(offered.first).to_have_text(FULL, timeout=LIVE_TIMEOUT)
        phone.screenshot(path=str(SHOTS / "phone-join-360.png"), full_page=True)
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        phone.fill("#organisation", SHORT)  # as typed, not chosen: a variant to merge
        phone.get_by_role("button", name="Join", exact=True).click()
        expect(phone.locator(".me-name")).to_have_text("Jo Park")

        # Joined and online first; the filters count and narrow.
        filters = control.locator(".filters")
        expect(filters.locator("[data-filter=joined]")).to_have_text("Joined 10",
                                                                      timeout=LIVE_TIMEOUT)
        expect(filters.locator("[data-filter=online]")).to_have_text("Online 10",
                                                                      timeout=LIVE_TIMEOUT)
        expect(filters.locator("[data-filter=not-joined]")).to_have_text("Not joined 500")
        statuses = control.locator("#delegates tr td:nth-child(5)").all_text_contents()
        assert statuses[:10] == ["Online"] * 10 and "Online" not in statuses[10:]
        filters.locator("[data-filter=online]").click()
        expect(control.locator("#delegates tr")).to_have_count(10)
        filters.locator("[data-filter=all]").click()
        control.fill("#delegate-filter", "royal surrey pharmacist")
        expect(control.locator("#delegate-count")).to_contain_text("of 510 delegates")
        rows = control.locator("#delegates tr")
        assert 0 < rows.count() < 20
        for text in rows.all_text_contents():
            assert "Royal Surrey" in text and "Pharmacist" in text
        control.fill("#delegate-filter", "")

        # Counts by organisation and sector; the look-alike names are offered as one.
        orgs = control.locator(".tally").first
        expect(orgs).to_contain_text("26 organisations")
        expect(control.locator(".tally").nth(1)).to_contain_text("sectors")
        suggestion = control.locator(".org-suggestion", has_text=SHORT)
        expect(suggestion).to_contain_text(f"{FULL} (34), {SHORT} (4)", timeout=LIVE_TIMEOUT)
        assert not control.locator(".delegates button.danger").count()  # no wall of Remove
        control.screenshot(path=str(SHOTS / "control-1920.png"))
        control.locator("#delegates-heading").scroll_into_view_if_needed()
        control.screenshot(path=str(SHOTS / "control-1920-list.png"))

        suggestion.get_by_role("button", name=f"Merge as {FULL}").click()
        expect(control.locator(".org-merged")).to_contain_text(f"{FULL} also counts “{SHORT}”")
        expect(orgs).to_contain_text("25 organisations")
        expect(orgs.locator(".tally-item", has_text=FULL)).to_contain_text("38")
        expect(orgs.locator(".tally-item", has_text=SHORT)).to_have_count(0)
        row = control.locator("#delegates tr", has_text="Asha Rahman")
        expect(row).to_contain_text(f"{FULL} (“{SHORT}”)")
        control.screenshot(path=str(SHOTS / "control-1920-merged.png"))
        screens.assert_no_script_errors()
    finally:
        for sio in phones:
            sio.disconnect()
