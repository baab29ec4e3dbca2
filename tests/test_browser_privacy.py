"""End-to-end in Debian's Chromium: exporting a workshop, then deleting it from the
control screen while phones, the projector and a panel are open.

Reuses tests/test_browser.py's fixtures and helpers.
"""
import io
import json
import zipfile
from pathlib import Path

import pytest
from test_browser import PHONE, browser, control_links, expect, join, screens  # noqa: F401

pytestmark = pytest.mark.browser

LIVE_TIMEOUT = 5000
LAPTOP = {"width": 1280, "height": 800}


def test_export_then_delete_tells_every_screen_and_clears_the_phone(
        screens, live_server):  # noqa: F811 - the fixture imported above
    workshop = live_server.create_workshop("Kestrel Ward day")
    control = screens.open("control", f"/control/{workshop['key']}", viewport=LAPTOP)
    expect(control.locator("#status")).to_have_text("Live")
    links = control_links(control)
    projector = screens.open("projector", links["screen"])
    panel = screens.open("panel", links["panel"], viewport=LAPTOP)
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, "Philippa Ormerod", "Hartsbourne Hospice", "Chaplain")
    expect(phone.locator(".me-name")).to_have_text("Philippa Ormerod")
    token_key = f"workshop:{workshop['code']}:token"
    assert phone.evaluate("k => localStorage.getItem(k)", token_key)

    # The section sits at the foot of the control screen, the button waiting for the code.
    section = control.locator(".data-zone")
    section.scroll_into_view_if_needed()
    expect(section.get_by_role("heading", name="Delete workshop")).to_be_visible()
    expect(section.locator("#delete-warning")).to_contain_text("download the data first")
    button = section.get_by_role("button", name="Delete workshop")
    expect(button).to_be_disabled()

    with control.expect_download() as download:
        section.get_by_role("link", name="Download all data (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    delegates = json.loads(archive.read("data.json"))["tables"]["delegates"]
    assert [d["name"] for d in delegates] == ["Philippa Ormerod"]

    control.fill("#delete-confirm", "wrong")
    expect(button).to_be_disabled()
    control.fill("#delete-confirm", workshop["code"].lower())
    expect(button).to_be_enabled()
    button.click()
    expect(control.locator("h1")).to_have_text("Workshop deleted")

    deleted = "The facilitator has deleted this workshop."
    for page in (phone, projector, panel):
        expect(page.locator("#app")).to_contain_text(deleted, timeout=LIVE_TIMEOUT)
    expect(phone.locator("#status")).to_have_text("Workshop deleted")
    assert phone.evaluate("() => Object.keys(localStorage)") == []
    # Waking the phone does not bring the connection back.
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    phone.wait_for_timeout(500)
    expect(phone.locator("#status")).to_have_text("Workshop deleted")
    screens.assert_no_script_errors()


def test_the_data_section_at_laptop_width(screens, live_server):  # noqa: F811
    workshop = live_server.create_workshop("Kestrel Ward day")
    control = screens.open("control", f"/control/{workshop['key']}", viewport=LAPTOP)
    expect(control.locator("#status")).to_have_text("Live")
    section = control.locator(".data-zone")
    section.scroll_into_view_if_needed()
    box = section.bounding_box()
    # A full-width card, nothing spilling out sideways.
    assert box["width"] > 1000
    assert control.evaluate("() => document.documentElement.scrollWidth") <= 1280
    for element in ("#export-link", "#delete-confirm", "#delete-workshop", "#delete-warning"):
        inner = control.locator(element).bounding_box()
        assert box["x"] <= inner["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"]
    screens.assert_no_script_errors()


def test_a_removed_delegate_is_signed_out_and_told_so(screens, live_server):  # noqa: F811
    workshop = live_server.create_workshop("Heron Ward day")
    control = screens.open("control", f"/control/{workshop['key']}", viewport=LAPTOP)
    expect(control.locator("#status")).to_have_text("Live")
    phone = screens.open("phone", f"/j/{workshop['code']}", viewport=PHONE)
    join(phone, "Rowan Pryce", "Eastmoor Council", "Planner")
    expect(phone.locator(".me-name")).to_have_text("Rowan Pryce")

    row = control.locator("#delegates tr", has_text="Rowan Pryce")
    row.get_by_role("button", name="Actions for Rowan Pryce").click()
    row.get_by_role("button", name="Remove…").click()
    control.locator("#confirm-ok").click()  # Remove stays confirmed
    expect(row).to_contain_text("Removed")
    row.get_by_role("button", name="Actions for Rowan Pryce").click()
    expect(row.get_by_role("button", name="Let back in…")).to_be_visible()

    expect(phone.locator("#app")).to_contain_text(
        "The facilitator has removed you from this workshop.", timeout=LIVE_TIMEOUT)
    expect(phone.locator("#status")).to_have_text("Removed")
    assert phone.evaluate("() => Object.keys(localStorage)") == []
    assert phone.viewport_size["width"] == PHONE["width"]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
