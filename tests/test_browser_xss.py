"""Hostile text in every field people type, shown on every screen in Debian's Chromium.

Markup, handlers, `javascript:` URLs, broken HTML, template syntax, bidi overrides,
zero-width, combining characters and emoji go in through the real protocol (python-socketio
clients against the live server) and the pages' own forms. Each screen must then show
them as literal text: no dialog opens, `window.__pwned` stays unset, no page error is
logged, no element or attribute of the payloads reaches the DOM, and the screens still
draw their key parts. The pages run with their Content-Security-Policy lifted, so that
markup which reached the DOM would run here and be caught, rather than only be blocked
by the policy. A 10,000-character string is refused by every field with a clear error.

Reuses tests/test_browser.py's Chromium fixture and page bookkeeping.
"""
import re

import pytest
import requests
import socketio
from test_browser import (DESKTOP, PHONE, Screens, browser, control_links, expect,  # noqa: F401
                          kept_for_the_test)

from facilitator.validation import clean_text

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - the browser fixture skips or fails first
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser

PANEL = {"width": 1280, "height": 900}
# A socket round trip plus the server's half-second beat (results are coalesced).
LIVE_TIMEOUT = 5000

# --- the corpus ------------------------------------------------------------------
# Every payload that could run calls alert() (a dialog) or sets window.__pwned.
RLO, PDF, ZWSP, ZWNJ, ZWJ = "\u202e", "\u202c", "\u200b", "\u200c", "\u200d"
ZALGO = "Z\u0337\u0322a\u0336l\u0334g\u0338o"          # stacked combining marks
ZOE = "Zoe\u0308"                                       # decomposed: NFC makes it "Zoë"
CODER = "\U0001F469\U0001F3FD\u200d\U0001F4BB"          # a ZWJ emoji sequence
LONG = ("<script>window.__pwned=1</script>" * 400)[:10_000]

TITLE = ('<script>window.__pwned=1</script>"><img src=x onerror=alert(1)>{{7*7}} '
         f"{RLO}evil{PDF} \U0001F389")
TITLE2 = f"<svg onload=alert(1)> Day two {{{{7*7}}}} zero{ZWSP}width {ZOE} {CODER}"

# Walk-ins, each joined by a bot: (name, organisation, role).
BOTS = [
    ("<img src=x onerror=alert(1)> Ann", '"><svg onload=alert(1)> Hospice',
     "<script>alert(1)</script>"),
    ('Bob "onmouseover="alert(1)', "</textarea><b>ICB</b>", "javascript:alert(1)"),
    (f"{ZOE} {ZALGO} {CODER}", '<iframe srcdoc="<script>parent.__pwned=1</script>">',
     "{{7*7}} ${7*7} <%= 7*7 %>"),
    (f"{RLO}RTL{PDF} Dana {ZWSP}zero{ZWNJ}wi{ZWJ}dth", "<style>*{display:none!important}</style>",
     '<a href="javascript:alert(1)">x</a>'),
]
# The roster: the phone claims the first entry; the second stays unclaimed.
ROSTER = [("<details open ontoggle=alert(1)> Rosa", "<body onload=alert(1)> Fire",
           "<marquee>Chief</marquee>", "<u>sector</u>"),
          ("<input autofocus onfocus=alert(1)> Sam", "&lt;b&gt; Council &amp; &#x3C;",
           "", "")]
ROSTER_CSV = ("name,organisation,role,sector\n"
              + "".join(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n"
                        for row in ROSTER)
              + f'"{ROSTER[0][0]}","{ROSTER[0][1]}",,\n'  # a repeat: skipped, reported
              + f'"{LONG}",Too long,,\n')  # too long: refused, reported

MESSAGE = {"title": '<b><i>Unclosed <div <p "\'><',
           "body": ("<script>window.__pwned=1</script>\n<img src=x onerror=\"window.__pwned=1\">"
                    "\n\n{{7*7}} <a href=javascript:alert(1)>link</a> javascript:alert(1)"
                    f"\n\n{ZALGO} {RLO}reversed{PDF} {CODER}")}
POLL = {"title": "<svg/onload=alert(1)> Which?",
        "options": ["<img src=x onerror=alert(1)>", "<script>window.__pwned=1</script>",
                    '"><svg onload=alert(1)> {{7*7}}',
                    "javascript:alert(1)//" + "W" * 90]}       # one long unbroken word
OTHER = "</li><img src=x onerror=alert(1)> other"
CLOUD = {"title": "{{7*7}} <img src=x onerror=alert(1)> words",
         "answers": [["<script>", "<svg onload=alert(1)>", "__proto__"],
                     ["<SCRIPT>", "{{7*7}}", CODER], ["javascript:alert(1)"], [ZALGO]]}
SCALE = {"title": '<img src=x onerror=alert(1)> How sure?',
         "low_label": "<img src=x onerror=alert(1)>",
         "high_label": "<svg onload=alert(1)> \U0001F389"}
READY = {"title": "Ready <script>alert(1)</script>", "button": "<script>alert(1)</script>"}
QA = {"title": "<iframe src=javascript:alert(1)> Q&A",
      "labels": ["<b>Panel</b> one", '"><img src=x onerror=alert(1)>'],
      "words": ["<b>pwnword</b>", "pwnword"]}
Q1 = "<img src=x onerror=window.__pwned=1> How will <b>funding</b> change?"
Q1_EDIT = "Edited: <script>window.__pwned=1</script> funding?"
Q2 = '"><svg onload=alert(1)> Who answers?'
Q3 = "</textarea><script>alert(1)</script> held for pwnword"
Q4 = f"{{{{7*7}}}} {RLO}Zalgo{PDF} {ZALGO} {CODER}"
Q5 = "<svg onload=alert(1)> from the phone"
REFLECTION = {"title": "<marquee>Reflect</marquee>",
              "post": "<script>window.__pwned=1</script> I learnt"}
IDEAS = {"title": "Ideas <img src=x onerror=alert(1)>", "post": "<img src=x onerror=alert(1)> idea"}
CONNECT = {"title": "<svg onload=alert(1)> Meet",
           "prompts": ["<img src=x onerror=window.__pwned=1> Talk about {{7*7}}",
                       f"<script>alert(1)</script> then {ZALGO}"],
           "spots": ['<b>Table</b> "><svg onload=alert(1)>', "javascript:alert(1)",
                     f"Caf\u00e9 \u2615 {ZALGO}"]}
CONTACTS = ["<img src=x onerror=alert(1)>@bot.test", '"><script>alert(1)</script>@bot.test',
            "javascript:alert(1)", f"{CODER} +44 {ZWSP}7700"]
PHONE_CONTACT = "<svg onload=alert(1)> rosa@x.test"


def shown(value: str, multiline=False, name=False) -> str:
    """How the server stores typed text (NFC, bidi overrides dropped, spaces collapsed;
    names, organisations and roles without invisible characters too)."""
    return clean_text(value, multiline=multiline, name=name)


def paragraphs(body: str) -> list[str]:
    """A message body's paragraphs as stored, each drawn as its own <p>."""
    return [p for p in shown(body, multiline=True).split("\n\n") if p]


# --- the browser side -------------------------------------------------------------

class HostileScreens(Screens):
    """Pages with the CSP lifted (injected markup would run), recording every dialog."""

    def __init__(self, chromium, base_url):
        super().__init__(chromium, base_url)
        self.dialogs: list[str] = []
        # (page label, text) of console errors a test expects: an error page's status.
        self.expected_errors: set[tuple[str, str]] = set()

    def open(self, label, path, viewport=DESKTOP, expect_status=200):
        context = self.browser.new_context(viewport=viewport, bypass_csp=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc, label=label: self.errors.append(f"{label}: {exc}"))
        page.on("console", lambda msg, label=label: self._console(label, msg))
        page.on("dialog", lambda dialog, label=label: self._dialog(label, dialog))
        self.pages[label] = page
        if expect_status >= 400:
            self.expected_errors.add((label, f"status of {expect_status}"))
        response = page.goto(self.base_url + path)
        assert response is not None and response.status == expect_status, \
            (path, response and response.status)
        return page

    def _console(self, label, message):
        if not any(label == page and text in message.text
                   for page, text in self.expected_errors):
            super()._console(label, message)

    def _dialog(self, label, dialog):
        self.dialogs.append(f"{label}: {dialog.type}({dialog.message!r})")
        dialog.dismiss()

    def assert_nothing_ran(self):
        """On every page: no dialog, no __pwned, no injected markup, no script errors."""
        assert self.dialogs == []
        for label, page in self.pages.items():
            assert page.evaluate("() => typeof window.__pwned") == "undefined", label
            assert page.evaluate(INJECTED) == [], label
            assert RLO not in page.evaluate("() => document.body.textContent"), label
        assert self.errors == []


@pytest.fixture
def screens(browser, live_server, request):  # noqa: F811 - the fixture imported above
    """Open pages on the live server; screenshot them all if the test fails."""
    yield from kept_for_the_test(HostileScreens(browser, live_server.url), request)


# What only a payload could have put in the page: handlers, script URLs, tags the app
# never makes. The report's data block and module scripts with a src are the app's own.
INJECTED = """() => {
  const found = [];
  const foreign = new Set(['script', 'style', 'iframe', 'frame', 'object', 'embed', 'base',
    'meta', 'link', 'marquee', 'b', 'i', 'u', 'img', 'body']);
  const own = (el) => (el.tagName === 'SCRIPT' && (el.src || el.type === 'application/json'))
    || (el.tagName === 'IMG' && /\\/qr\\.svg$/.test(el.getAttribute('src')));
  for (const el of document.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (foreign.has(tag) && !own(el)) found.push(`<${tag}>`);
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name) || attr.name === 'autofocus') found.push(`<${tag} ${attr.name}>`);
      if (/^(href|src|action|formaction|xlink:href|srcdoc)$/i.test(attr.name)
          && /^\\s*(javascript|vbscript|data):/i.test(attr.value)) {
        found.push(`<${tag} ${attr.name}=${attr.value}>`);
      }
    }
  }
  return found;
}"""


def assert_shows(page, selector: str, *texts: str, timeout=LIVE_TIMEOUT):
    """Each text appears, character for character, in the element's textContent."""
    try:
        page.wait_for_function(
            """([selector, texts]) => {
                 const el = document.querySelector(selector);
                 return Boolean(el) && texts.every((t) => el.textContent.includes(t));
               }""", arg=[selector, list(texts)], timeout=timeout, polling=100)
    except PlaywrightTimeout:
        actual = page.evaluate("(s) => document.querySelector(s)?.textContent ?? null", selector)
        missing = [t for t in texts if actual is None or t not in actual]
        pytest.fail(f"{page.url} {selector} lacks {missing!r}; it shows {actual!r}")


def assert_fits_phone(page):
    """Nothing pushes the phone page wider than the phone."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the phone page is {width}px wide"


# --- the protocol side ------------------------------------------------------------

class Bot:
    """A python-socketio client on the live server: a phone or a control screen."""

    def __init__(self, url: str, auth: dict):
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def call(self, event: str, data=None) -> dict:
        return self.sio.call(event, {} if data is None else data, timeout=10)

    def ok(self, event: str, data=None) -> dict:
        ack = self.call(event, data)
        assert ack["ok"], (event, ack)
        return ack

    def refused(self, event: str, data: dict, field: str, max_len: int):
        """The long string is turned down with a clear, field-named error, not a crash."""
        ack = self.call(event, data)
        assert ack["ok"] is False and ack["error"] == "invalid", (event, field, ack)
        assert ack["field"] == field, (event, ack)
        assert f"too long (at most {max_len} characters)" in ack["message"], (event, ack)
        assert "<script>" not in ack["message"], (event, ack)  # the input is not echoed

    def close(self):
        self.sio.disconnect()


def make_bots(url, code):
    """The walk-ins, joined."""
    bots = []
    for name, organisation, role in BOTS:
        bot = Bot(url, {"role": "delegate", "code": code})
        ack = bot.ok("delegate:join", {"name": name, "organisation": organisation,
                                       "role": role})
        assert ack["me"]["name"] == shown(name, name=True)
        bots.append(bot)
    return bots


def add_activities(fac) -> dict:
    """Every kind on the run sheet, each configured with hostile text; name -> id."""
    specs = {
        "message": {"kind": "message", "title": MESSAGE["title"], "body": MESSAGE["body"]},
        "poll": {"kind": "poll", "title": POLL["title"], "options": POLL["options"],
                 "other": True, "results": "live"},
        "wordcloud": {"kind": "wordcloud", "title": CLOUD["title"], "entries": 3,
                      "plurals": False, "results": "live"},
        "scale": {"kind": "scale", "title": SCALE["title"], "low_label": SCALE["low_label"],
                  "high_label": SCALE["high_label"], "results": "live"},
        "ready": {"kind": "ready", "title": READY["title"], "button": READY["button"]},
        "qa": {"kind": "qa", "title": QA["title"], "labels": QA["labels"],
               "name_mode": "named", "min_interval": 0},
        "reflection": {"kind": "reflection", "title": REFLECTION["title"], "min_interval": 0},
        "ideas": {"kind": "ideas", "title": IDEAS["title"], "min_interval": 0},
        "connect": {"kind": "connect", "title": CONNECT["title"], "group_size": 2,
                    "round_count": 2, "prompts": CONNECT["prompts"],
                    "meeting_points": {"mode": "spots", "spots": CONNECT["spots"]}},
    }
    ids = {}
    for name, spec in specs.items():
        ids[name] = fac.ok("activity:add", spec)["activity"]["id"]
    return ids


TITLES = [MESSAGE["title"], POLL["title"], CLOUD["title"], SCALE["title"], READY["title"],
          QA["title"], REFLECTION["title"], IDEAS["title"], CONNECT["title"]]


# --- the tests --------------------------------------------------------------------

def test_long_text_is_refused_with_a_clear_error_in_every_field(screens, live_server):
    """10,000 characters in each text field: a field-named `invalid` ack, and the server
    keeps serving; the HTTP forms answer with a readable error page."""
    workshop = live_server.create_workshop("Limits")
    fac = Bot(live_server.url, {"role": "facilitator", "key": workshop["key"]})
    phone = Bot(live_server.url, {"role": "delegate", "code": workshop["code"]})
    try:
        fac.refused("workshop:update", {"title": LONG}, "title", 120)
        for field, max_len in (("name", 80), ("organisation", 120), ("role", 80)):
            data = {"name": "Ann", "organisation": "Hospice", "role": "", field: LONG}
            phone.refused("delegate:join", data, field, max_len)
        phone.refused("roster:search", {"q": LONG}, "q", 80)
        phone.ok("delegate:join", {"name": "Ann", "organisation": "Hospice"})

        fac.refused("activity:add", {"kind": "message", "title": LONG}, "title", 120)
        fac.refused("activity:add", {"kind": "message", "title": "M", "body": LONG}, "body", 2000)
        for kind, data, field, max_len in (
                ("poll", {"options": [LONG, "b"]}, "options", 120),
                ("scale", {"low_label": LONG}, "low_label", 40),
                ("scale", {"high_label": LONG}, "high_label", 40),
                ("ready", {"button": LONG}, "button", 40),
                ("qa", {"labels": [LONG]}, "labels", 40),
                ("connect", {"prompts": [LONG]}, "prompts", 300),
                ("connect", {"meeting_points": {"mode": "spots", "spots": [LONG]}}, "spots", 60)):
            fac.refused("activity:add", {"kind": kind, "title": "T", **data}, field, max_len)

        ids = {}
        for spec in ({"kind": "poll", "options": ["a", "b"], "other": True},
                     {"kind": "wordcloud"}, {"kind": "qa", "min_interval": 0},
                     {"kind": "connect"}):
            ids[spec["kind"]] = fac.ok("activity:add", {"title": "T", **spec})["activity"]["id"]
        fac.refused("activity:update", {"activity_id": ids["qa"], "title": LONG}, "title", 120)
        fac.refused("qa:settings", {"activity_id": ids["qa"], "words": [LONG]}, "words", 40)

        fac.ok("live:set", {"activity_id": ids["poll"]})
        phone.refused("prompt:answer", {"client_id": "a1", "activity_id": ids["poll"],
                                        "choices": [], "other": LONG}, "other", 120)
        fac.ok("live:set", {"activity_id": ids["wordcloud"]})
        phone.refused("prompt:answer", {"client_id": "a2", "activity_id": ids["wordcloud"],
                                        "entries": [LONG]}, "entries", 40)
        fac.ok("live:set", {"activity_id": ids["qa"]})
        phone.refused("qa:ask", {"client_id": "q1", "text": LONG}, "text", 280)
        question = phone.ok("qa:ask", {"client_id": "q2", "text": "A fair question"})["question"]
        fac.refused("qa:moderate", {"activity_id": ids["qa"], "question_id": question["id"],
                                    "action": "edit", "text": LONG}, "text", 280)
        fac.ok("live:set", {"activity_id": ids["connect"]})
        phone.refused("connect:contact", {"contact": LONG}, "contact", 120)

        # Still serving: both connections answer, and a new page loads.
        assert phone.ok("connect:contact", {"contact": "ann@x.test"})["contact"] == "ann@x.test"
        fac.ok("workshop:update", {"title": "Limits, still here"})
        assert requests.get(live_server.url + "/healthz", timeout=10).json()["ok"] is True
    finally:
        fac.close()
        phone.close()

    # The create form refuses a title over its length with a readable error, in the page.
    home = screens.open("home", "/")
    home.locator("#title").evaluate("(el) => el.removeAttribute('maxlength')")
    home.fill("#title", LONG)
    screens.expected_errors.add(("home", "status of 400"))
    with home.expect_response(lambda r: r.request.method == "POST") as posted:
        home.get_by_role("button", name="Create workshop").click()
    assert posted.value.status == 400
    expect(home.get_by_role("alert")).to_have_text(
        "The workshop title is too long (at most 120 characters).")
    assert home.locator("#title").input_value() == LONG[:200]
    control = screens.open("control", f"/control/{workshop['key']}")
    expect(control.locator("#workshop-title")).to_have_text("Limits, still here")
    expect(control.locator("#status")).to_have_text("Live")
    screens.assert_nothing_ran()


def test_hostile_text_in_every_field_shows_as_text_on_every_screen(screens, live_server):
    # The facilitator creates the workshop from the home page's form.
    control = screens.open("control", "/")
    control.fill("#title", TITLE)
    control.get_by_role("button", name="Create workshop").click()
    assert_shows(control, "h1", f"“{shown(TITLE)}” is ready")
    code = control.locator("strong.code").text_content()
    control.get_by_role("link", name="Open the control screen").click()
    expect(control.locator("#status")).to_have_text("Live")
    key = control.url.rsplit("/", 1)[1]
    assert control.title() == f"Control · {shown(TITLE)}"
    assert control.locator("#settings-title").input_value() == shown(TITLE)

    fac = Bot(screens.base_url, {"role": "facilitator", "key": key})
    bots = make_bots(screens.base_url, code)
    ids = add_activities(fac)
    try:
        run_the_day(screens, control, fac, bots, ids, key, code)
    finally:
        for bot in (fac, *bots):
            bot.close()


def run_the_day(screens, control, fac, bots, ids, key, code):
    """Every activity goes live in turn, with the control screen, projector, panel and a
    phone open throughout; then the report, a planned rotation and the join-code page."""
    names = [shown(n, name=True) for n, _, _ in BOTS] + [shown(r[0], name=True) for r in ROSTER]
    organisations = [shown(o, name=True) for _, o, _ in BOTS] + \
        [shown(r[1], name=True) for r in ROSTER]
    roles = [shown(r, name=True) for _, _, r in BOTS] + [shown(ROSTER[0][2], name=True)]

    # A roster with hostile names, imported on the control screen; its report lists the
    # repeated line (quoting the name) and the over-long one.
    control.set_input_files("#roster-file", files=[{
        "name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER_CSV.encode()}])
    control.locator("#roster-form button[type=submit]").click()
    assert_shows(control, "#roster-report", "Added 2 delegates.",
                 f"Line 4: {names[4]} ({organisations[4]}) repeats line 2; skipped.",
                 "Line 5: name is too long (at most 80 characters).")
    expect(control.locator("#delegates tr")).to_have_count(6)
    assert_shows(control, "#delegates", *names, *organisations, *roles)
    assert_shows(control, "#runsheet", *(shown(t) for t in TITLES))
    expect(control.locator("#runsheet li")).to_have_count(len(TITLES))

    links = control_links(control)
    projector = screens.open("projector", links["screen"])
    panel = screens.open("panel", links["panel"], viewport=PANEL)
    assert_shows(projector, "#workshop-title", shown(TITLE))
    expect(projector.locator("#join-screen .join-code")).to_have_text(code)
    assert_shows(panel, "#workshop-title", shown(TITLE))
    assert_shows(panel, "#sessions", shown(QA["title"]), shown(REFLECTION["title"]),
                 shown(IDEAS["title"]))

    # The phone (360 px): a typed roster name is refused, with the name quoted as text,
    # and the matching entry offered; the phone claims it.
    phone = screens.open("phone", f"/j/{code}", viewport=PHONE)
    assert_shows(phone, "#app h1", f"Join “{shown(TITLE)}”")
    suggestions = phone.eval_on_selector_all("#organisations option", "os => os.map(o => o.value)")
    assert set(organisations[:4]) <= set(suggestions)
    phone.fill("#name", ROSTER[0][0])
    phone.fill("#organisation", ROSTER[0][1])
    phone.get_by_role("button", name="Join", exact=True).click()
    assert_shows(phone, "#join-error", f"{names[4]} is on the delegate list")
    match = phone.locator("#roster-matches .match")
    expect(match).to_have_count(1)
    assert_shows(phone, "#roster-matches", names[4], f"{organisations[4]} · {roles[4]}")
    match.click()
    expect(phone.locator(".me-name")).to_have_count(1)
    assert phone.locator(".me-name").text_content() == names[4]
    assert phone.locator(".me .muted").text_content() == f"{organisations[4]} · {roles[4]}"
    assert_shows(phone, "#workshop-title", shown(TITLE))
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    assert_fits_phone(phone)
    expect(control.locator("#presence")).to_contain_text("5 joined", timeout=LIVE_TIMEOUT)
    screens.assert_nothing_ran()

    every = {"control": (control, "#live-preview"), "projector": (projector, "#live"),
             "panel": (panel, "#live"), "phone": (phone, "#live-area")}

    def go_live(name):
        fac.ok("live:set", {"activity_id": ids[name]})

    def everywhere(*texts, only=None):
        for label, (page, selector) in every.items():
            if only is None or label in only:
                assert_shows(page, selector, *texts)

    def settled():
        """Key parts drawn, the phone within its width, and nothing ran anywhere."""
        expect(projector.locator("#live .activity-title").first).to_be_visible()
        expect(phone.locator("#live-area .activity-title").first).to_be_visible()
        expect(control.locator("#live-preview .activity-title").first).to_be_visible()
        expect(control.locator("#runsheet .is-live")).to_have_count(1)
        assert_fits_phone(phone)
        screens.assert_nothing_ran()

    # A message: title and each paragraph of the body.
    go_live("message")
    everywhere(shown(MESSAGE["title"]), *paragraphs(MESSAGE["body"]))
    expect(projector.locator("#live .message-body p")).to_have_count(3)
    settled()

    # A poll answered by the bots, one with a hostile "other", results revealed.
    go_live("poll")
    for bot, answer in zip(bots, ({"choices": [0]}, {"choices": [1]}, {"other": OTHER},
                                  {"choices": [3]}), strict=True):
        bot.ok("prompt:answer", {"client_id": "poll", "activity_id": ids["poll"], **answer})
    fac.ok("prompt:reveal", {"activity_id": ids["poll"], "revealed": True})
    options = [shown(o) for o in POLL["options"]]
    everywhere(shown(POLL["title"]), *options, shown(OTHER))
    assert_shows(control, "#live-controls", *options, shown(OTHER))
    expect(projector.locator("#live .bar-row")).to_have_count(5)
    expect(phone.locator("label.option")).to_have_count(4)
    settled()

    # A word cloud (words are counted in lower case).
    go_live("wordcloud")
    for bot, entries in zip(bots, CLOUD["answers"], strict=True):
        bot.ok("prompt:answer", {"client_id": "cloud", "activity_id": ids["wordcloud"],
                                 "entries": entries})
    fac.ok("prompt:reveal", {"activity_id": ids["wordcloud"], "revealed": True})
    words = {shown(e).casefold() for entries in CLOUD["answers"] for e in entries}
    everywhere(shown(CLOUD["title"]), *words)
    expect(projector.locator("#live .cloud-word")).to_have_count(len(words))
    settled()

    # A scale with hostile end labels.
    go_live("scale")
    for bot, value in zip(bots, (1, 3, 5, 5), strict=True):
        bot.ok("prompt:answer", {"client_id": "scale", "activity_id": ids["scale"],
                                 "value": value})
    fac.ok("prompt:reveal", {"activity_id": ids["scale"], "revealed": True})
    everywhere(shown(SCALE["title"]), shown(SCALE["low_label"]), shown(SCALE["high_label"]))
    expect(projector.locator("#live .histogram")).to_be_visible()
    settled()

    # A ready check whose button says something hostile.
    go_live("ready")
    for bot in bots:
        bot.ok("prompt:answer", {"client_id": "ready", "activity_id": ids["ready"],
                                 "ready": True})
    everywhere(shown(READY["title"]))
    expect(phone.locator(".ready-button")).to_have_text(shown(READY["button"]))
    assert_shows(projector, "#live", "4 of 5 ready")
    settled()

    # Q&A: asked by bots and the phone's form, edited, labelled, held, answered.
    go_live("qa")
    fac.ok("qa:settings", {"activity_id": ids["qa"], "words": QA["words"]})
    asked = [bot.ok("qa:ask", {"client_id": f"q{i}", "text": text})["question"]["id"]
             for i, (bot, text) in enumerate(zip(bots, (Q1, Q2, Q3, Q4), strict=True))]
    moderate = [("approve", asked[0], {"text": Q1_EDIT}), ("approve", asked[1], {}),
                ("approve", asked[3], {}), ("label", asked[3], {"label": QA["labels"][1]}),
                ("answering", asked[1], {})]
    for action, question, extra in moderate:
        fac.ok("qa:moderate", {"activity_id": ids["qa"], "question_id": question,
                               "action": action, **extra})
    bots[0].ok("qa:vote", {"question_id": asked[3], "up": True})
    phone.fill("#qa-text", Q5)
    phone.get_by_role("button", name="Send question").click()
    expect(phone.locator(".qa-note")).to_have_text("Sent: the moderator will review it.")
    assert_shows(phone, ".qa-own", shown(Q5))
    asker = f"{names[1]}, {organisations[1]}"
    everywhere(shown(QA["title"]), shown(Q1_EDIT), shown(Q2), shown(Q4))
    everywhere(asker, only=("projector", "control", "panel"))
    assert_shows(phone, "#live-area", f"{names[3]} · {organisations[3]}", shown(QA["labels"][1]))
    qa = panel.locator("#work")
    states = qa.locator(".qa-states")
    expect(states.get_by_role("button", name="Incoming 2")).to_be_visible(timeout=LIVE_TIMEOUT)
    assert_shows(panel, "#work", shown(Q3), shown(Q5),
                 *(shown(label) for label in QA["labels"]), names[2])
    # The row in hand shows the text as first sent.
    states.get_by_role("button", name="All").click()
    qa.locator(".qa-row").filter(has=panel.locator("p.question-text", has_text="Edited:")) \
        .locator("p.question-text").click()
    assert_shows(panel, "#work", f"Originally: {shown(Q1)}")
    states.get_by_role("button", name="Incoming").click()
    # The held words are the value of their box (a textarea's text is its value).
    held_words = qa.get_by_label("Held words, one per line").input_value().split("\n")
    assert all(word in held_words for word in QA["words"]), held_words
    held = qa.locator(".qa-row").filter(has=panel.locator("p.question-text", has_text="pwnword"))
    expect(held.locator(".chip.held")).to_have_text("Held: strong language")
    held.locator("p.question-text").click()
    held.get_by_role("button", name="Edit").click()
    assert qa.get_by_label("Edit the question").input_value() == shown(Q3, multiline=True)
    qa.get_by_role("button", name="Cancel").click()
    qa.get_by_role("button", name="Panellist view").click()
    assert_shows(panel, ".qa-reading", shown(Q2), shown(Q1_EDIT), shown(Q4))
    qa.get_by_role("button", name="Moderate").click()
    settled()

    # An open reflection wall and an idea board.
    go_live("reflection")
    bots[0].ok("qa:ask", {"client_id": "r1", "text": REFLECTION["post"]})
    everywhere(shown(REFLECTION["title"]), shown(REFLECTION["post"]))
    expect(projector.locator("#live .wall-card")).to_have_count(1)
    settled()
    go_live("ideas")
    idea = bots[1].ok("qa:ask", {"client_id": "i1", "text": IDEAS["post"]})["question"]
    bots[2].ok("qa:vote", {"question_id": idea["id"], "up": True})
    everywhere(shown(IDEAS["title"]), shown(IDEAS["post"]))
    settled()

    # Connect: groups at hostile meeting spots with a hostile prompt; the phone finds its
    # group and shares a hostile contact; then the connection map of organisations.
    go_live("connect")
    everywhere(shown(CONNECT["title"]))
    fac.ok("connect:start", {"activity_id": ids["connect"]})
    spots = [shown(s) for s in CONNECT["spots"]]
    everywhere(shown(CONNECT["prompts"][0]), only=("projector", "panel", "control"))
    assert_shows(phone, "#live-area .prompt-small", shown(CONNECT["prompts"][0]))
    assert phone.locator(".meet-at strong").text_content() in spots
    expect(control.locator(".group-list > li")).to_have_count(2)
    assert_shows(control, ".group-list", *names[:5])
    partners = phone.locator(".member-name")
    for i in range(partners.count()):
        assert partners.nth(i).text_content().removesuffix(" ✓") in names[:4]
    assert_fits_phone(phone)
    phone.get_by_role("button", name=re.compile("found")).click()
    expect(phone.locator(".found-banner")).to_be_visible()
    for bot in bots:
        ack = bot.call("connect:found")
        assert ack["ok"] or ack["error"] == "already_found", ack
    for bot, contact in zip(bots, CONTACTS, strict=True):
        bot.ok("connect:contact", {"contact": contact})
    fac.ok("connect:summary", {"activity_id": ids["connect"], "show": True})
    expect(projector.locator("#live .connection-map")).to_be_visible()
    everywhere(*organisations[:5], only=("projector", "panel", "control"))
    phone.fill("#contact", PHONE_CONTACT)
    phone.get_by_role("button", name="Share").click()
    expect(phone.get_by_role("button", name="Stop sharing")).to_be_visible()
    assert phone.locator("#contact").input_value() == shown(PHONE_CONTACT)
    expect(phone.locator(".met .contact").first).to_be_visible()
    contacts = phone.locator(".met .contact").all_text_contents()
    assert contacts and set(contacts) <= {shown(c) for c in CONTACTS}
    settled()

    # The activity form shows the hostile settings back as they were typed, and saves them.
    control.locator("#runsheet li", has=control.locator(".kind", has_text="Connect")) \
        .get_by_role("button", name="Edit").click()
    assert control.locator("#activity-title").input_value() == shown(CONNECT["title"])
    assert control.locator("#connect-prompts").input_value() == "\n".join(
        shown(p) for p in CONNECT["prompts"])
    assert control.locator("#connect-spots").input_value() == "\n".join(spots)
    control.locator("#activity-save").click()
    expect(control.locator("#activity-save")).to_have_text("Add to run sheet")
    for kind, fields in (("Poll", {"#poll-options": "\n".join(options)}),
                         ("Scale", {"#scale-low-label": shown(SCALE["low_label"]),
                                    "#scale-high-label": shown(SCALE["high_label"])}),
                         ("Ready check", {"#ready-button": shown(READY["button"])}),
                         ("Q&A", {"#qa-labels": "\n".join(shown(x) for x in QA["labels"])})):
        control.locator("#runsheet li", has=control.locator(".kind", has_text=kind)) \
            .get_by_role("button", name="Edit").click()
        for selector, value in fields.items():
            assert control.locator(selector).input_value() == value, selector
        control.locator("#activity-cancel").click()

    # The title changed from the control screen reaches every open screen.
    go_live("message")
    control.fill("#settings-title", TITLE2)
    control.locator("#settings-form button[type=submit]").click()
    for page in (control, projector, panel, phone):
        assert_shows(page, "#workshop-title", shown(TITLE2))
    settled()

    # The event report: every activity's section, drawn from the stored data.
    report = screens.open("report", f"/control/{key}/report")
    expect(report.locator(".report-section")).to_have_count(len(TITLES))
    assert_shows(report, "main", shown(TITLE2), *(shown(t) for t in TITLES),
                 *paragraphs(MESSAGE["body"]), *options, shown(OTHER), *words,
                 shown(SCALE["low_label"]), shown(SCALE["high_label"]), shown(Q1_EDIT),
                 shown(Q2), shown(Q4), shown(REFLECTION["post"]), shown(IDEAS["post"]),
                 *organisations[:5])
    assert report.title() == f"Report · {shown(TITLE2)}"
    expect(report.locator(".connection-map")).to_be_visible()

    # A rotation planned ahead lists every named delegate and their organisation.
    plan = screens.open("plan", f"/control/{key}/plan")
    plan.fill("#plan-size", "2")
    plan.fill("#plan-rounds", "2")
    plan.get_by_role("button", name="Plan the rounds").click()
    expect(plan.locator("h1")).to_have_text(f"{shown(TITLE2)}: rotation in groups of 2")
    assert_shows(plan, "main", *names, *(f"({o})" for o in organisations))

    # A typed join code is echoed back into the form as a value, not as markup.
    typed = "<script>alert(1)</script>"
    lost = screens.open("lost", f"/join?code={requests.utils.quote(typed)}", viewport=PHONE,
                        expect_status=404)
    assert lost.get_by_label("Code on the big screen").input_value() == typed

    screens.assert_nothing_ran()
