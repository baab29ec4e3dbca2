"""The projector at 1920×1080 and 1280×720: every view fits the screen above the join
banner after every kind of update, its status lines and labels are large enough to
read from the back of a hall, and the join screen gives the address and code once each.

Screenshots of every state go to test-artifacts/projector/.
"""
import re
import uuid
from contextlib import ExitStack

import pytest
import socketio
from test_browser import ARTIFACTS, browser, expect, screens  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}]
LIVE_TIMEOUT = 5000
LONG = " — a longer option, worded the way people write them"
OPTIONS = [f"Option {n}{LONG}" for n in range(1, 7)]
POLL_TITLE = ("Which of these should the partnership board put first when it meets again, "
              "given all we heard this morning?")
ORGANISATIONS = [
    "Northshire and Western Vale Integrated Care Board",
    "Northshire Community Health Services NHS Foundation Trust",
    "Western Vale Metropolitan Borough Council",
    "Northshire County Council Adult Social Care",
    "Riverside University Hospitals NHS Foundation Trust",
    "Northshire Voluntary, Community and Social Enterprise Alliance",
    "Western Vale Primary Care Network North",
    "Northshire Fire and Rescue Service",
]
ORGANISATIONS += [f"{place} {kind}" for place, kind in zip(
    ["Eastbrook", "Hillside", "Marston", "Oldbridge", "Kingsmere", "Ashford", "Bramley",
     "Cowley", "Dunmore", "Elmstead", "Fairholme", "Glenrose", "Harwood", "Ivybridge",
     "Juniper Vale", "Kestrel Bay", "Larkhill"],
    ["Integrated Care Partnership", "Community Interest Company for Carers",
     "Housing Association Limited", "Mental Health Recovery College",
     "Citizens Advice and Welfare Rights Service", "Primary Care Network"] * 3)]
WORDS = [f"{w}" for w in (
    "trust time coffee listening partnership housing prevention carers data funding "
    "workforce wellbeing equity access digital youth families community outreach "
    "transport volunteers training leadership culture safety respect kindness "
    "connection courage patience honesty clarity focus energy hope learning sharing "
    "support networks change").split()]


def fac_client(url, key):
    fac = socketio.Client()
    held = {}
    fac.on("snapshot", lambda data: held.update(snapshot=data))
    fac.connect(url, auth={"role": "facilitator", "key": key}, transports=["websocket"])
    fac.held = held
    return fac


def delegate(url, code, n):
    sio = socketio.Client()
    sio.connect(url, auth={"role": "delegate", "code": code}, transports=["websocket"])
    ack = sio.call("delegate:join", {"name": f"Person {n}", "organisation": ORGANISATIONS[n % 8]})
    assert ack["ok"], ack
    return sio


def boxes(page, selector):
    return page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return {x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height,
                size: parseFloat(getComputedStyle(e).fontSize), text: e.textContent.trim().slice(0, 40)};
    }).filter(b => b.w > 0 && b.h > 0)""")


def assert_fits(page, selector, floor=0, banner=True):
    """Every element matching selector is inside the viewport, clear of the banner,
    and its text at least `floor` px at 1080p (in proportion at other heights)."""
    view = page.viewport_size
    floor = floor * view["height"] / 1080
    found = boxes(page, selector)
    assert found, selector
    hidden = page.eval_on_selector("#join-banner", "e => e.hidden")
    ban = None if hidden or not banner else boxes(page, "#join-banner")[0]
    for b in found:
        assert b["x"] >= -1 and b["y"] >= -1, (selector, b)
        assert b["r"] <= view["width"] + 1 and b["b"] <= view["height"] + 1, (selector, view, b)
        if ban:
            apart = (b["r"] <= ban["x"] + 1 or b["x"] >= ban["r"] - 1
                     or b["b"] <= ban["y"] + 1 or b["y"] >= ban["b"] - 1)
            assert apart, (selector, "under the banner", b, ban)
        assert b["size"] >= floor, (selector, "too small", b)


def svg_text_px(page, selector):
    """The smallest rendered height, in CSS px, of the SVG text matching selector."""
    return page.eval_on_selector_all(selector, """els => Math.min(...els.map(e => {
        const m = e.getScreenCTM(); return parseFloat(getComputedStyle(e).fontSize) * m.a; }))""")


def settle(page):
    """Two animation frames: the projector refits on the frame after a change."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def shoot(page, name):
    folder = ARTIFACTS / "projector"
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(folder / f"{name}-{size['width']}x{size['height']}.png"))


def each_size(page, name, check):
    for size in SIZES:
        page.set_viewport_size(size)
        settle(page)
        shoot(page, name)
        check(size)


def test_every_projector_view_fits_and_reads_from_the_back(screens, live_server):
    workshop = live_server.create_workshop("Northshire partnership away day: what next?")
    with ExitStack() as stack:
        fac = fac_client(live_server.url, workshop["key"])
        stack.callback(fac.disconnect)
        page = screens.open("projector", "/screen/" + fac.held["snapshot"]["links"]["screen"]
                            .rsplit("/", 1)[1], viewport=SIZES[0])

        # The join screen: the address once, the code once, both large; the QR code large.
        join = page.locator("#join-screen")
        expect(join.locator(".join-code")).to_have_text(workshop["code"])
        assert join.inner_text().count(workshop["code"]) == 1
        assert len(re.findall(r"https?://", join.inner_text())) == 1

        def join_fits(size):
            assert_fits(page, "#join-screen h1, .join-url, .join-code, .join-step", 18, banner=False)
            assert_fits(page, ".qr", banner=False)
            assert boxes(page, ".join-code")[0]["size"] >= 0.09 * size["height"]
            assert boxes(page, ".join-url")[0]["size"] >= 0.05 * size["height"]
            assert boxes(page, ".qr")[0]["h"] >= 0.45 * size["height"]
        each_size(page, "join", join_fits)

        def add(**settings):
            ack = fac.call("activity:add", settings)
            assert ack["ok"], ack
            return ack["activity"]["id"]
        poll = add(kind="poll", title=POLL_TITLE, options=OPTIONS)
        cloud = add(kind="wordcloud", title="One word for the partnership", entries=3)
        scale = add(kind="scale", title="How ready are we?", low_label="Not at all", high_label="Fully")
        people = [delegate(live_server.url, workshop["code"], n) for n in range(14)]
        for sio in people:
            stack.callback(sio.disconnect)

        # A poll, its countdown started, then revealed live while the projector is open;
        # then answers arrive, the banner's size changes, the countdown stops.
        assert fac.call("live:set", {"activity_id": poll})["ok"]
        expect(page.locator("#live .option-list li")).to_have_count(6)
        assert fac.call("prompt:timer", {"activity_id": poll, "action": "start", "seconds": 60})["ok"]
        expect(page.locator("#live .timer-value")).to_be_visible()
        each_size(page, "poll-timer", lambda size: assert_fits(
            page, "#live .activity-title, #live .option-list li, #live .timer-value", 18))
        page.set_viewport_size(SIZES[0])
        assert fac.call("prompt:reveal", {"activity_id": poll, "revealed": True})["ok"]
        rows = page.locator("#live .bar-row")
        expect(rows).to_have_count(6)
        settle(page)
        assert_fits(page, "#live .bar-row, #live .bar-label, #live .bar-value, #live .respondents", 18)
        for n, sio in enumerate(people):
            assert sio.call("prompt:answer", {"client_id": uuid.uuid4().hex, "choices": [n % 6]})["ok"]
        expect(page.locator("#live .respondents")).to_have_text("14 answers", timeout=LIVE_TIMEOUT)

        def revealed(size):
            assert_fits(page, "#live .bar-row, #live .bar-label, #live .bar-value, "
                        "#live .respondents, #live .timer-value, #live .activity-title", 18)
            # The results are the focus: the countdown is a badge, smaller than a row.
            timer = boxes(page, "#live .timer")[0]
            assert timer["h"] < 0.08 * size["height"], timer
        each_size(page, "poll-revealed", revealed)
        # The banner grows (its image re-laid out): the projector refits at once.
        page.eval_on_selector("#join-banner img", "img => img.style.setProperty('width', '9rem')")
        settle(page)
        assert_fits(page, "#live .bar-row", 18)
        page.eval_on_selector("#join-banner img", "img => img.style.removeProperty('width')")
        assert fac.call("prompt:timer", {"activity_id": poll, "action": "pause"})["ok"]
        expect(page.locator("#live .timer.paused")).to_be_visible()
        settle(page)
        assert_fits(page, "#live .bar-row, #live .timer-value", 18)
        assert fac.call("prompt:close", {"activity_id": poll, "closed": True})["ok"]
        expect(page.locator("#live .times-up")).to_be_visible()
        each_size(page, "poll-closed", lambda size: assert_fits(page, "#live .bar-row, #live .times-up", 18))

        # Paused and time's up before the results, as headlines: at least 5% of the height.
        assert fac.call("live:set", {"activity_id": scale})["ok"]
        assert fac.call("prompt:timer", {"activity_id": scale, "action": "start", "seconds": 60})["ok"]
        assert fac.call("prompt:timer", {"activity_id": scale, "action": "pause"})["ok"]
        expect(page.locator("#live .timer.paused")).to_be_visible()
        each_size(page, "paused", lambda size: (
            assert_fits(page, "#live .timer.paused", 54),
            assert_fits(page, "#live .activity-title, #live .scale-labels", 18)))
        assert fac.call("prompt:close", {"activity_id": scale, "closed": True})["ok"]
        expect(page.locator("#live .times-up")).to_be_visible()
        each_size(page, "times-up", lambda size: assert_fits(page, "#live .times-up", 54))
        assert fac.call("prompt:close", {"activity_id": scale, "closed": False})["ok"]
        for n, sio in enumerate(people):
            assert sio.call("prompt:answer", {"client_id": uuid.uuid4().hex, "value": 1 + n % 5})["ok"]
        assert fac.call("prompt:reveal", {"activity_id": scale, "revealed": True})["ok"]
        expect(page.locator("#live .histogram")).to_be_visible()
        expect(page.locator("#live .respondents")).to_contain_text("14 answers", timeout=LIVE_TIMEOUT)
        each_size(page, "scale", lambda size: (
            assert_fits(page, "#live .histogram"),
            assert_fits(page, "#live .respondents, #live .scale-ends span", 18),
            svg_text_px(page, "#live .hist-axis") >= 18 * size["height"] / 1080 or pytest.fail("axis")))

        # A word cloud of 40 words fills the room: its largest word big, none below 18 px.
        assert fac.call("live:set", {"activity_id": cloud})["ok"]
        assert fac.call("prompt:reveal", {"activity_id": cloud, "revealed": True})["ok"]
        for n, sio in enumerate(people):
            entries = (WORDS + WORDS[:2])[3 * n:3 * n + 3]
            assert sio.call("prompt:answer", {"client_id": uuid.uuid4().hex, "entries": entries})["ok"]
        expect(page.locator("#live .word-cloud")).to_have_attribute(
            "aria-label", re.compile(r"^Word cloud: trust 2, time 2, "), timeout=LIVE_TIMEOUT)
        expect(page.locator("#live .cloud-word")).to_have_count(len(set(WORDS)))

        def cloud_fits(size):
            assert_fits(page, "#live .word-cloud, #live .cloud-word", 0)
            assert svg_text_px(page, "#live .cloud-word") >= 18 * size["height"] / 1080
            cloud_box = boxes(page, "#live .word-cloud")[0]
            assert cloud_box["w"] >= 0.8 * size["width"] or cloud_box["h"] >= 0.5 * size["height"], cloud_box
        each_size(page, "wordcloud", cloud_fits)

        # Points: the footnote under the bars reads from the back (about 36 px at 1080p).
        points = add(kind="points", title="Share 100 points", options=OPTIONS[:5], budget=100)
        assert fac.call("live:set", {"activity_id": points})["ok"]
        assert fac.call("prompt:reveal", {"activity_id": points, "revealed": True})["ok"]
        for n, sio in enumerate(people):
            given = [0] * 5
            given[n % 5] = 100
            assert sio.call("prompt:answer", {"client_id": uuid.uuid4().hex, "points": given})["ok"]
        expect(page.locator("#live .respondents")).to_contain_text("14 people shared", timeout=LIVE_TIMEOUT)
        each_size(page, "points", lambda size: (
            assert_fits(page, "#live .bar-row", 18), assert_fits(page, "#live .respondents", 34)))

        # A matrix with its spread: a ring near the grid's edge is drawn whole.
        matrix = add(kind="matrix", title="Impact and effort", items=["Online booking", "New signage"],
                     spread=True, results="live")
        assert fac.call("live:set", {"activity_id": matrix})["ok"]
        assert fac.call("prompt:reveal", {"activity_id": matrix, "revealed": True})["ok"]
        for n, sio in enumerate(people):
            placed = [{"item": 0, "y": 10 - n % 3, "x": 10 - n % 2}, {"item": 1, "y": 2 + n % 4, "x": 5}]
            assert sio.call("prompt:answer", {"client_id": uuid.uuid4().hex, "placed": placed})["ok"]
        expect(page.locator("#live .matrix-spread")).to_have_count(2, timeout=LIVE_TIMEOUT)
        each_size(page, "matrix", lambda size: (assert_fits(page, "#live .matrix-grid"),
                                             assert_fits(page, "#live .matrix-key-name", 18)))
        assert page.eval_on_selector_all("#live .matrix-grid, #live .matrix-grid svg",
                                         "els => els.map(e => getComputedStyle(e).overflow)") == ["visible"] * 2

        # Connect before its first round: "Starting soon." as a headline.
        rounds = add(kind="connect", title="Meet someone new")
        assert fac.call("live:set", {"activity_id": rounds})["ok"]
        soon = page.locator("#live .activity-connect > p.muted", has_text="Starting soon")
        expect(soon).to_be_visible()
        each_size(page, "starting-soon", lambda size: assert_fits(
            page, "#live .activity-connect > p.muted", 54))

        # The connection map with 25 long names, drawn as the Connect summary draws it.
        page.evaluate("""async (names) => {
            const { render, html } = await import('/static/vendor/lit-html/lit-html.js');
            const { connectionMap } = await import('/static/js/charts.js');
            const nodes = names.map((name, i) => ({ name, people: 1 + (i % 4) }));
            const links = nodes.slice(1).map((n, i) => ({ a: nodes[i].name, b: n.name, meetings: 1 + i % 3 }));
            const live = document.getElementById('live');
            render(html`<article class="activity activity-connect"><h2 class="activity-title">Who met whom</h2>
              <div class="connect-summary"><ul class="headline"><li><strong>61</strong> new connections</li>
              <li><strong>25</strong> organisations connected</li></ul>${connectionMap({ nodes, links })}</div>
              </article>`, live);
        }""", ORGANISATIONS)

        def map_fits(size):
            assert_fits(page, "#live .connection-map, #live .map-label tspan", 0)
            smallest = svg_text_px(page, "#live .map-label")
            assert smallest >= 18 * size["height"] / 1080, smallest
            shown = boxes(page, "#live .connection-map")[0]
            assert shown["w"] >= 0.85 * size["width"], shown
            labels = boxes(page, "#live .map-label")
            overlapping = sum(1 for i, a in enumerate(labels) for b in labels[i + 1:]
                              if a["x"] < b["r"] and b["x"] < a["r"] and a["y"] < b["b"] - 2 and b["y"] < a["b"] - 2)
            assert overlapping == 0, overlapping
        each_size(page, "connection-map", map_fits)
        # Whole names where they fit (on two lines where needed), else abbreviated sensibly.
        labels = page.locator("#live .map-label").all_text_contents()
        assert "Northshire and Western Vale ICB" in labels, labels
        assert "Northshire Fire and Rescue Service" in labels, labels

        # Blanked: the room sees nothing.
        assert fac.call("screen:blank", {"blank": True})["ok"]
        expect(page.locator("body")).to_have_class(re.compile(r"\bblanked\b"))
        each_size(page, "blanked", lambda size: None)
    screens.assert_no_script_errors()
