"""A Connect round for a room of 120 in Debian's Chromium: eight phones 360 px wide, the
projector at 1920 × 1080 and 1280 × 720 with the table list, and the control screen.

"I can't find them" in a pair: the phone counts down to the regroup, the partner left
alone is told, and neither is put back with the other. The projector tells the room
to look at their phones and lists every table on one screen; the control screen asks
before leaving a running round, in its own dialog. Screenshots go to
test-artifacts/connect/ (every page, whether or not the test fails).
"""
import csv
import io
import re
from pathlib import Path

import pytest
import requests
import socketio
from test_browser import (ARTIFACTS, PHONE, Screens, browser, control_links,  # noqa: F401
                          expect)

pytestmark = pytest.mark.browser

ROSTER = Path(__file__).parent.parent / "examples" / "roster-120.csv"
SHOTS = ARTIFACTS / "connect"
SLOW = 15000


def shot(page, name):
    """Keep a screenshot for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def groups_now(server, workshop, activity_id):
    """The running round's groups from the facilitator's CSV file: number -> names."""
    text = requests.get(f"{server.url}/control/{workshop['key']}/activities/{activity_id}/"
                        "groups.csv", timeout=10).text.lstrip("\ufeff")
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["moved"] == "no":
            out.setdefault(int(row["group"]), set()).add(row["name"])
    return out


def test_a_pairs_round_for_120_on_phones_projector_and_control(browser, live_server):  # noqa: F811
    workshop = live_server.create_workshop("System leadership day")
    screens = Screens(browser, live_server.url)
    bots, tokens = [], {}
    fac = socketio.Client()
    try:
        fac.connect(live_server.url, auth={"role": "facilitator", "key": workshop["key"]},
                    transports=["websocket"])
        with ROSTER.open(newline="", encoding="utf-8") as f:
            roster = list(csv.DictReader(f))
        for row in roster:  # the whole room, each on a socket as a phone would be
            bot = socketio.Client()
            bot.connect(live_server.url, auth={"role": "delegate", "code": workshop["code"]},
                        transports=["websocket"])
            ack = bot.call("delegate:join", {"name": row["name"],
                                             "organisation": row["organisation"],
                                             "role": row["role"]})
            assert ack["ok"], ack
            tokens[row["name"]] = ack["token"]
            bots.append(bot)
        control = screens.open("control", f"/control/{workshop['key']}")
        expect(control.locator("#status")).to_have_text("Live", timeout=SLOW)
        projector = screens.open("projector", control_links(control)["screen"])
        ack = fac.call("activity:add", {
            "kind": "connect", "title": "Meet someone new", "group_size": 2, "round_count": 2,
            "minutes": 5, "grace_seconds": 15, "table_list": True,
            "meeting_points": {"mode": "tables", "tables": 60}})
        assert ack["ok"], ack
        activity_id = ack["activity"]["id"]
        assert fac.call("live:set", {"activity_id": activity_id})["ok"]
        assert fac.call("connect:start", {"activity_id": activity_id})["ok"]
        groups = groups_now(live_server, workshop, activity_id)
        assert sum(map(len, groups.values())) == 120

        # Eight phones, as eight of the room: a pair, and one from each of six more groups.
        pair = sorted(next(g for g in groups.values() if len(g) == 2))
        others = [sorted(g)[0] for g in groups.values() if not set(g) & set(pair)][:6]
        phones = {}
        for name in pair + others:
            context = browser.new_context(viewport=PHONE)
            screens.contexts.append(context)
            context.add_init_script(
                f"localStorage.setItem('workshop:{workshop['code']}:token', '{tokens[name]}')")
            page = context.new_page()
            page.on("pageerror", lambda exc: screens.errors.append(str(exc)))
            page.goto(f"{live_server.url}/j/{workshop['code']}")
            screens.pages[name] = page
            phones[name] = page
        for name, page in phones.items():
            expect(page.locator(".meet-at")).to_contain_text("Group", timeout=SLOW)
        a, b = (phones[n] for n in pair)
        expect(a.locator(".member-name")).to_have_text([pair[1]])
        shot(a, "phone-round")

        # The projector tells the room what to do, and lists all 60 tables on one screen.
        for size in ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720}):
            projector.set_viewport_size(size)
            expect(projector.locator(".look-at-phone")).to_have_text(
                "Look at your phone, or find your name below")
            if size["width"] >= 1600:
                expect(projector.locator(".table-grid li")).to_have_count(60)
            else:  # 45 a page, and the pages turn by themselves
                expect(projector.locator(".table-page")).to_contain_text("of 60")
                assert projector.locator(".table-grid li").count() in (45, 15)
            fits = projector.evaluate("""() => {
                const items = [...document.querySelectorAll('.table-grid li')];
                const room = document.querySelector('.live').getBoundingClientRect().bottom;
                return { wide: document.documentElement.scrollWidth <= innerWidth,
                         low: Math.max(...items.map((li) => li.getBoundingClientRect().bottom)) - room,
                         clipped: items.filter((li) => li.scrollWidth > li.clientWidth + 1).length };
            }""")
            assert fits["wide"] and fits["low"] <= 0, (size, fits)
            # A rare long pair of names may end in "…"; nearly every line reads whole.
            assert fits["clipped"] <= 3, (size, fits)
            shot(projector, f"projector-{size['width']}x{size['height']}")

        # "I can't find them": a countdown, not a clock time; the partner is told too.
        a.get_by_role("button", name="I can't find them").click()
        expect(a.locator(".notice.regroup")).to_contain_text(
            re.compile(r"We'll find you someone new (in \d+:\d\d|now)"))
        # The partner left alone is not kept waiting: they join a group at once.
        expect(b.locator(".notice.moved")).to_be_visible(timeout=SLOW)
        shot(a, "phone-cant-find")
        shot(b, "phone-partner-told")
        # After the grace period both are moved, each to a group without the other.
        expect(a.locator(".notice.moved")).to_be_visible(timeout=30000)
        expect(b.locator(".notice.moved")).to_be_visible(timeout=SLOW)
        for me, page, other in ((pair[0], a, pair[1]), (pair[1], b, pair[0])):
            names = {t.replace("✓", "").strip()
                     for t in page.locator(".member-name").all_inner_texts()}
            assert names and other not in names, (me, names)
        shot(a, "phone-regrouped")
        after = groups_now(live_server, workshop, activity_id)
        assert not [g for g in after.values() if set(pair) <= g]
        # The phone's group number is the projector's and the control screen's.
        number = int(re.search(r"Group (\d+)", a.locator(".meet-at").inner_text()).group(1))
        assert pair[0] in after[number]
        projector.set_viewport_size({"width": 1920, "height": 1080})  # every group on one page
        row = projector.locator(".table-grid li", has=projector.locator(
            ".table-number", has_text=re.compile(rf"^{number}$")))
        expect(row).to_contain_text(pair[0].split()[0])

        # Shortcuts: + adds a minute to the round on every screen.
        before = projector.locator(".round-head .timer-value").inner_text()
        control.locator("body").press("+")
        expect(projector.locator(".round-head .timer-value")).not_to_have_text(before)
        assert int(projector.locator(".round-head .timer-value").inner_text().split(":")[0]) >= 5

        # Leaving a running round asks first, with the focus on Cancel.
        control.locator("body").press("n")
        dialog = control.locator("#confirm")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(re.compile(r"A round is running with \d+:\d\d left"))
        assert control.evaluate("document.activeElement.textContent") == "Cancel"
        shot(control, "control-leave-round")
        control.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(projector.locator(".look-at-phone")).to_be_visible()  # still in the round
        assert screens.errors == []
    finally:
        screens.screenshot_all("connect-round")
        for bot in bots:
            bot.disconnect()
        fac.disconnect()
        screens.close()
