"""Text that is not valid Unicode, look-alike and invisible names, and roster files as
spreadsheets write them (encodings, delimiters, sizes), imported all or nothing."""
import codecs
import io
import json
import sqlite3
import threading
import time
import zipfile
from contextlib import closing

import pytest
import requests
from hypothesis import given, strategies as st

from facilitator import plugins
from facilitator.validation import clean_text, name_skeleton
from facilitator.workshops import domain, roster
from conftest import LiveServer
from test_browser import PHONE, browser, expect, screens  # noqa: F401 (fixtures)
from test_prompt_events import go_live as add_and_go_live

LONE = "\ud800"  # a UTF-16 surrogate on its own, as JSON can carry it ("\ud800")
# The import's test hook: seconds to pause between its chunks of 500 rows.
PAUSE, CHUNK = "FACILITATOR_TEST_PAUSE", 500


def store_of(app):
    return app.extensions["facilitator.store"]


def go_live(fac, **activity):
    """Add an activity (titled "Tell us" unless given a title) and make it live."""
    return add_and_go_live(fac, **{"title": "Tell us", **activity})


BOUNDARY = "roster-file-boundary-7f3a9c"


def import_csv(client, w, raw: bytes, headers=None):
    """POST a roster as the control screen does. The multipart body is made here: the
    test client would spool a large one to a temporary file it never closes."""
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + \
        raw + f"\r\n--{BOUNDARY}--\r\n".encode()
    return client.post(f"/control/{w['key']}/roster", headers=headers or {}, data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def delegates(app, w) -> list[dict]:
    return store_of(app).all("select * from delegates where workshop_id = ? order by id",
                             [w["id"]])


# --------------------------------------------------------------- text is valid Unicode

def test_lone_surrogates_sent_by_phones_are_replaced_and_exports_still_work(
        app, client, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phones = [workshops.phone(w, f"Person {i}", f"Org {i}") for i in range(3)]
    app.app_context().push()

    cloud = go_live(fac, kind="wordcloud", entries=2)
    ack = phones[0].emit("prompt:answer", {"client_id": "w1",
                                           "entries": [f"trust{LONE}", "\udfffcare"]},
                         callback=True)
    assert ack["ok"], ack
    assert ack["answer"] == {"entries": ["trust\ufffd", "\ufffdcare"]}

    poll = go_live(fac, kind="poll", options=["Yes", f"No{LONE}"], other=True)
    assert workshops.last(phones[1], "live")["activity"]["options"] == ["Yes", "No\ufffd"]
    ack = phones[1].emit("prompt:answer", {"client_id": "p1", "other": f"it {LONE}depends"},
                         callback=True)
    assert ack["ok"] and ack["answer"] == {"choices": [], "other": "it \ufffddepends"}
    # A pair of surrogates is the character it encodes, not two replacements.
    ack = phones[2].emit("prompt:answer", {"client_id": "p2", "other": "\ud83d\ude00"},
                         callback=True)
    assert ack["ok"] and ack["answer"]["other"] == "\U0001f600"

    qa = go_live(fac, kind="qa", title="Questions", auto_publish=True, min_interval=0)
    ack = phones[0].emit("qa:ask", {"client_id": "q1", "text": f"Why{LONE}?"}, callback=True)
    assert ack["ok"] and ack["question"]["text"] == "Why\ufffd?"
    walk_in = workshops.phone(w, f"Zed{LONE}", f"Org{LONE}", f"Role{LONE}")
    assert walk_in.me["name"] == "Zed\ufffd" and walk_in.me["organisation"] == "Org\ufffd"

    for row in store_of(app).all("select value from responses"):
        json.dumps(json.loads(row["value"]), ensure_ascii=False).encode("utf-8")
    for activity_id in (cloud, poll):
        page = client.get(f"/control/{w['key']}/activities/{activity_id}/answers.csv")
        assert page.status_code == 200
        assert "\ufffd" in page.get_data(as_text=True)
    page = client.get(f"/control/{w['key']}/activities/{qa}/questions.csv")
    assert page.status_code == 200 and "Why\ufffd?" in page.get_data(as_text=True)
    assert client.get(f"/control/{w['key']}/report").status_code == 200
    assert client.get(f"/control/{w['key']}/export").status_code == 200


def test_an_older_database_holding_lone_surrogates_still_exports_everything(
        app, client, workshops):
    """Before text was checked, JSON columns could keep "\\ud800": every download must
    still answer, with U+FFFD where each was."""
    w = workshops.create()
    key = w["key"]
    assert import_csv(client, w, b"name,organisation\nAnn Lee,NHS\nBob Ray,ICB\n"
                                 b"Cy Dee,GP\nDi Eve,Trust\n").status_code == 200
    fac = workshops.facilitator(w)
    phones = []
    for d in delegates(app, w):
        phone = workshops.phone(w, name=None)
        assert phone.emit("delegate:claim", {"delegate_id": d["id"]}, callback=True)["ok"]
        phones.append(phone)
    app.app_context().push()
    poll = go_live(fac, kind="poll", options=["Yes", "No"], other=True)
    phones[0].emit("prompt:answer", {"client_id": "a", "other": "fine"}, callback=True)
    phones[3].emit("prompt:answer", {"client_id": "a", "choices": [0]}, callback=True)
    cloud = go_live(fac, kind="wordcloud", entries=1)
    phones[1].emit("prompt:answer", {"client_id": "b", "entries": ["calm"]}, callback=True)
    qa = go_live(fac, kind="qa", title="Questions", auto_publish=True, min_interval=0)
    assert phones[2].emit("qa:ask", {"client_id": "q", "text": "When?"}, callback=True)["ok"]
    connect = go_live(fac, kind="connect", title="Meet", group_size=2, round_count=1)
    assert fac.emit("connect:start", {"activity_id": connect}, callback=True)["ok"]
    assert client.post(f"/control/{key}/plan", data={
        "who": "delegates", "group_size": "2", "rounds": "1"}).status_code == 303

    # What an older version may have stored: JSON text with "\ud800" escapes.
    bad = json.dumps(LONE)[1:-1]  # the six characters \ud800
    with store_of(app).write() as db:
        db.execute("update responses set value = replace(replace(value, 'fine', ?), "
                   "'calm', ?)", [f"fi{bad}ne", f"ca{bad}lm"])
        db.execute("update activities set config = replace(config, '\"Yes\"', ?) "
                   "where id = ?", [f'"Y{bad}es"', poll])
        db.execute("update plans set result = replace(result, 'Ann Lee', ?)",
                   [f"Ann{bad} Lee"])
        db.execute("update connect_rounds set phases = ?", [json.dumps([{
            "label": LONE, "seconds": 60}])])
        db.execute("update workshops set qa_words = ?", [json.dumps([f"bad{LONE}"])])
    plan_id = store_of(app).one("select id from plans")["id"]

    downloads = [f"/control/{key}/activities/{poll}/answers.csv",
                 f"/control/{key}/activities/{cloud}/answers.csv",
                 f"/control/{key}/activities/{qa}/questions.csv",
                 f"/control/{key}/activities/{connect}/groups.csv",
                 f"/control/{key}/activities/{connect}/meetings.csv",
                 f"/control/{key}/plans/{plan_id}.csv",
                 f"/control/{key}/plans/{plan_id}",
                 f"/control/{key}/report"]
    csv_routes = {r.rule for r in app.url_map.iter_rules() if r.rule.endswith(".csv")}
    assert csv_routes == {"/control/<key>/activities/<int:activity_id>/<name>.csv",
                          "/control/<key>/plans/<int:plan_id>.csv"}, "a new CSV: add it here"
    # Every file these kinds offer for an activity is among the downloads.
    offered = {(kind, export.name) for kind in ("poll", "wordcloud", "qa", "connect")
               for export in plugins.KINDS[kind].exports}
    assert offered == {("poll", "answers"), ("wordcloud", "answers"), ("qa", "questions"),
                       ("connect", "groups"), ("connect", "meetings")}, "add it here"
    for url in downloads:
        page = client.get(url)
        assert page.status_code == 200, url
        page.get_data(as_text=True).encode("utf-8")
    assert "fi\ufffdne" in client.get(downloads[0]).get_data(as_text=True)
    assert "Y\ufffdes" in client.get(downloads[0]).get_data(as_text=True)
    assert "Ann\ufffd Lee" in client.get(downloads[5]).get_data(as_text=True)

    export = client.get(f"/control/{key}/export")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.get_data())) as archive:
        data = json.loads(archive.read("data.json").decode("utf-8"))
        answers = archive.read(f"csv/wordcloud-{cloud}-answers.csv").decode("utf-8-sig")
    assert "ca\ufffdlm" in answers
    values = [r["value"] for r in data["tables"]["responses"]]
    assert {"choices": [], "other": "fi\ufffdne"} in values


@pytest.mark.parametrize("value, expected", [
    (f"a{LONE}b", "a\ufffdb"), ("\udc00", "\ufffd"), ("\ud83d\ude00", "\U0001f600"),
    (f"{LONE}{LONE}", "\ufffd\ufffd"), ("plain", "plain"),
    ("a\x9bb\x85c", "abc"),  # C1 control characters
    ("a\ufffeb\uffff", "ab"),  # noncharacters
    ("Zo" + "\u0301" * 35 + "e", "Z\u00f3" + "\u0301" * 4 + "e"),  # marks stacked past reason
    ("Vi\u1ec7t", "Vi\u1ec7t"),  # two marks on one letter stay
])
def test_clean_text_makes_valid_unicode(value, expected):
    assert clean_text(value) == expected
    clean_text(value).encode("utf-8")


# ------------------------------------------------------------------------------ names

ROSTER = "name,organisation,role\nDr Jane Smith,Royal Surrey,Surgeon\nBob Ray,ICB,CEO\n"


@pytest.fixture
def rostered(app, client, workshops):
    """A workshop whose roster holds Dr Jane Smith (unclaimed), and a control screen."""
    w = workshops.create()
    assert import_csv(client, w, ROSTER.encode()).get_json()["added"] == 2
    jane = next(d for d in delegates(app, w) if d["name"] == "Dr Jane Smith")
    return w, workshops.facilitator(w), jane


def join(workshops, w, name, organisation="Walk-in Org", role=""):
    phone = workshops.phone(w, name=None)
    return phone, phone.emit("delegate:join", {"name": name, "organisation": organisation,
                                               "role": role}, callback=True)


@pytest.mark.parametrize("typed", [
    "Dr Jane Smith\u200b",  # a zero-width space after it
    "Dr J\u0430ne Smith",  # a Cyrillic а
    "\uff24\uff52 \uff2a\uff41\uff4e\uff45 \uff33\uff4d\uff49\uff54\uff48",  # fullwidth
    "Dr\u2060 Jane\u00ad Smith\ufeff",  # word joiner, soft hyphen, byte-order mark
    "dr. jane  smith",
    "Dr Jane Smi\u0307th",  # a dot above the i, which draws nothing new
    "Dr Jane Smitḥ",  # a mark under the h
])
def test_a_look_alike_of_an_unclaimed_roster_name_is_offered_that_entry(
        app, workshops, rostered, typed):
    w, fac, jane = rostered
    phone, ack = join(workshops, w, typed)
    assert ack["ok"] is False and ack["error"] == "on_roster" and ack["field"] == "name"
    assert ack["match"] == {"id": jane["id"], "name": "Dr Jane Smith",
                            "organisation": "Royal Surrey", "role": "Surgeon"}
    assert ack["matches"] == [ack["match"]]
    assert "Dr Jane Smith is on the delegate list" in ack["message"]
    assert len(delegates(app, w)) == 2  # no walk-in was added
    claimed = phone.emit("delegate:claim", {"delegate_id": ack["match"]["id"]}, callback=True)
    assert claimed["ok"] and claimed["me"]["name"] == "Dr Jane Smith"


@pytest.mark.parametrize("typed", ["\u200b", "\u3164", "\u115f\u1160", "\uffa0",
                                   "\u2800", "\u200b \u3164\u200d\ufeff", "\u00ad\u034f"])
def test_a_name_with_nothing_visible_is_no_name(app, workshops, rostered, typed):
    w, fac, jane = rostered
    phone, ack = join(workshops, w, typed)
    assert ack["ok"] is False and ack["error"] == "invalid" and ack["field"] == "name"
    assert ack["message"] == "Your name is required."
    _, ack = join(workshops, w, "Ann Lee", organisation=typed)
    assert ack["field"] == "organisation" and ack["message"] == "Your organisation is required."
    assert len(delegates(app, w)) == 2


def test_invisible_characters_are_taken_out_of_names_organisations_and_roles(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w, "Ann\u200b Lee\u3164", "Royal\u2060 Surrey\u200b", "GP\u00ad")
    assert phone.me == {**phone.me, "name": "Ann Lee", "organisation": "Royal Surrey",
                        "role": "GP"}
    row = delegates(app, w)[0]
    assert row["name"] == "Ann Lee" and row["name_skeleton"] == name_skeleton("Ann Lee") != ""
    assert workshops.last(fac, "delegate")["name"] == "Ann Lee"


def test_an_emoji_in_a_name_keeps_its_joiner(workshops):
    w = workshops.create()
    coder = "\U0001F469\U0001F3FD\u200d\U0001F4BB"  # woman technologist, a ZWJ sequence
    phone = workshops.phone(w, f"Ann {coder} Lee\u200d", "NHS \u2764\ufe0f")
    assert phone.me["name"] == f"Ann {coder} Lee"
    assert phone.me["organisation"] == "NHS \u2764\ufe0f"


@given(st.text(max_size=200))
def test_cleaned_names_are_stable_and_always_encode(value):
    once = clean_text(value, name=True)
    assert clean_text(once, name=True) == once
    once.encode("utf-8")
    clean_text(value).encode("utf-8")


def test_a_look_alike_of_a_claimed_name_is_taken(app, workshops):
    w = workshops.create()
    workshops.phone(w, "Ann Lee")
    for typed in ("Ann Lee\u200b", "\u0410nn Lee", "ANN LEE", "Ann  Lee.",
                  "\uff21\uff4e\uff4e \uff2c\uff45\uff45", "Ann Lee \U0001f642"):
        _, ack = join(workshops, w, typed)
        assert ack["ok"] is False and ack["error"] == "name_taken", typed
        assert "Someone has already joined as Ann Lee." in ack["message"]
    assert len(delegates(app, w)) == 1
    _, ack = join(workshops, w, "Anne Lee")  # another person
    assert ack["ok"]


def test_a_capital_i_for_an_l_is_a_look_alike(app, workshops):
    w = workshops.create()
    workshops.phone(w, "Alice Hill")
    for typed in ("AIice Hill", "Alice HiII", "ALICE HILL"):
        _, ack = join(workshops, w, typed)
        assert ack["error"] == "name_taken", typed


@pytest.mark.parametrize("typed", ["-", "\u2010", "***", "* * *", "\U0001f642",
                                   "\U0001f642\u200d\U0001f642"])
def test_a_name_needs_a_letter_or_digit(workshops, typed):
    w = workshops.create()
    _, ack = join(workshops, w, typed)
    assert ack["error"] == "invalid" and ack["field"] == "name"
    assert "at least one letter" in ack["message"]


def test_a_removed_delegate_cannot_come_back_under_a_look_alike_name(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    bob = workshops.phone(w, "Bob", "ICB")
    assert fac.emit("delegate:remove", {"delegate_id": bob.me["id"]}, callback=True)["ok"]
    for typed in ("Bob.", "Bob", "bob", "B\u043eb", "Bob\u200b", "\uff22\uff4f\uff42"):
        _, ack = join(workshops, w, typed)
        assert ack["ok"] is False and ack["error"] == "name_removed", typed
        assert ack["message"] == ("A delegate with this name was removed by the facilitator; "
                                  "ask them if this is a mistake.")
    assert len(delegates(app, w)) == 1
    # Released by the facilitator, the name is free again (as a roster entry to claim).
    assert fac.emit("delegate:release", {"delegate_id": bob.me["id"]}, callback=True)["ok"]
    _, ack = join(workshops, w, "Bob.")
    assert ack["error"] == "on_roster" and ack["match"]["id"] == bob.me["id"]


def test_roster_search_finds_names_typed_with_look_alike_letters(workshops, rostered):
    w, fac, jane = rostered
    phone = workshops.phone(w, name=None)
    for typed in ("J\u0430ne", "jane smith", "JANE\u200b SM", "\uff2a\uff41\uff4e\uff45"):
        found = phone.emit("roster:search", {"q": typed}, callback=True)["matches"]
        assert [m["id"] for m in found] == [jane["id"]], typed
    assert phone.emit("roster:search", {"q": "\u200b\u200b"}, callback=True)["matches"] == []


def test_roster_import_cleans_names_and_keeps_look_alikes_once(app, client, workshops):
    w = workshops.create()
    raw = ("name,organisation,role\n"
           "Zoe\u200b Dee,NHS\u2060,GP\u00ad\n"
           "Z\u043ee Dee,NHS,GP\n"  # Cyrillic о: the same person again
           "\u3164,NHS,GP\n"  # no visible name
           "Zoe Dee,ICB,GP\n").encode()  # the same name in another organisation
    report = import_csv(client, w, raw).get_json()
    assert report["ok"] and report["added"] == 2
    assert report["problems"] == ["Line 3: Z\u043ee Dee (NHS) repeats line 2; skipped.",
                                  "Line 4: no name."]
    rows = delegates(app, w)
    assert [(r["name"], r["organisation"], r["role"]) for r in rows] == [
        ("Zoe Dee", "NHS", "GP"), ("Zoe Dee", "ICB", "GP")]
    assert all(r["name_skeleton"] == name_skeleton("Zoe Dee") for r in rows)
    again = import_csv(client, w, "name,organisation\nZ\u043ee Dee,nhs\n".encode()).get_json()
    assert again["added"] == 0 and again["already_present"] == 1
    _, ack = join(workshops, w, "Zoe Dee")
    assert ack["error"] == "on_roster" and len(ack["matches"]) == 2


# --------------------------------------------------------------------- roster files

NAMES = [("Renée Dubois", "Café Lumière", "Chef"), ("Jörg Müller", "Stadtwerke", "Engineer"),
         ("Ann Lee", "NHS", "")]


def table(delimiter=",") -> str:
    return "\r\n".join(delimiter.join(row) for row in
                       [("name", "organisation", "role"), *NAMES]) + "\r\n"


SAVED = [
    ("UTF-8", table().encode("utf-8")),
    ("UTF-8 with a byte-order mark (Excel's CSV UTF-8)", table().encode("utf-8-sig")),
    ("Latin-1", table().encode("latin-1")),
    ("cp1252 with a semicolon (Excel's CSV in much of Europe)",
     table(";").encode("cp1252")),
    ("UTF-16 LE with a byte-order mark, tab-separated (Excel's Unicode Text)",
     codecs.BOM_UTF16_LE + table("\t").encode("utf-16-le")),
    ("UTF-16 BE with a byte-order mark", codecs.BOM_UTF16_BE + table().encode("utf-16-be")),
    ("UTF-16 LE without a byte-order mark", table("\t").encode("utf-16-le")),
    ("tab-separated UTF-8", table("\t").encode()),
]

# A UTF-8 roster with one stray byte: line 7 holds a Latin-1 "ë".
MIXED = ("name,organisation\n" + "".join(f"Zoë Ångström {i},Malmö Stad\n" for i in range(5))
         ).encode() + b"Zo\xeb " + "Ångström,Malmö Stad\nÅsa Öberg,Malmö Stad\n".encode()


@pytest.mark.parametrize("what, raw", SAVED, ids=[case[0] for case in SAVED])
def test_rosters_as_spreadsheets_save_them_are_read(app, client, workshops, what, raw):
    w = workshops.create()
    report = import_csv(client, w, raw).get_json()
    assert report == {"ok": True, "added": 3, "already_present": 0, "problems": []}, what
    assert [(d["name"], d["organisation"], d["role"]) for d in delegates(app, w)] == NAMES


def _many(n: int) -> bytes:
    return ("name,organisation\n" + "".join(f"P{i},O{i % 9}\n" for i in range(n))).encode()


REFUSED = [
    ("100,000 rows", _many(100_000), 413, "too_large", "more than 5,000 delegates"),
    ("5,001 rows", _many(5001), 413, "too_large", "more than 5,000 delegates"),
    ("a 1 MB line", b"name,organisation\nAnn,NHS\nBob," + b"x" * (1024 * 1024 - 40) + b"\n",
     400, "invalid", "Line 3 is longer than 20,000 characters"),
    ("an unclosed quotation mark", b'name,organisation\nAnn,NHS\n"Bob,ICB\n' +
     b"Cy,GP\n" * 1000, 400, "invalid",
     "Line 3 runs on over the lines after it: a quotation mark may be missing its partner"),
    ("a long unclosed quotation mark", b'name,organisation\n"Bob,ICB\n' + b"Cy,GP\n" * 30_000,
     400, "invalid", "a quotation mark may be missing its partner"),
    ("over 1 MB", b"name,organisation\n" + b"Ann Lee,NHS\n" * 100_000, 413, "too_large",
     "larger than 1 MB"),
    ("a workbook", b"PK\x03\x04" + b"\x00\x01" * 500, 400, "invalid", "Save As"),
    ("binary", bytes(range(256)) * 8, 400, "invalid", "not a text file"),
    ("UTF-16 that is not", codecs.BOM_UTF16_LE + b"n\x00a\x00\x00\xd8", 400, "invalid",
     "encoding this app cannot read"),
    ("UTF-8 with one line in Latin-1", MIXED, 400, "invalid",
     "Line 7 is not valid UTF-8 (the rest of the file is): it reads “Zo� Ångström,Malmö Stad”"),
    ("UTF-8 with a Latin-1 line, and a byte-order mark", codecs.BOM_UTF8 + MIXED, 400,
     "invalid", "Line 7 is not valid UTF-8"),
    ("UTF-8 with several lines in Latin-1", MIXED + "Zoë,Malmö\nÅsa,Malmö\n".encode("cp1252"),
     400, "invalid", "Lines 7, 9 and 10 are not valid UTF-8 (the rest of the file is)"),
    ("a surrogate written as UTF-8", b"name,organisation\nAnn,NHS\nSur\xed\xa0\x80rogate,NHS\n",
     400, "invalid", "Line 3 is not valid UTF-8"),
    ("empty", b"", 400, "invalid", "The file is empty"),
    ("no header", b"Ann Lee,NHS\n", 400, "invalid", "must name the columns"),
]


@pytest.mark.parametrize("what, raw, status, error, message", REFUSED,
                         ids=[case[0] for case in REFUSED])
def test_a_file_that_cannot_be_read_whole_adds_nobody_and_says_why(
        app, client, workshops, what, raw, status, error, message):
    w = workshops.create()
    fac = workshops.facilitator(w)
    page = import_csv(client, w, raw)
    assert page.status_code == status, what
    answer = page.get_json()
    assert answer["ok"] is False and answer["error"] == error, what
    assert message in answer["message"], (what, answer["message"])
    assert delegates(app, w) == []
    assert workshops.last(fac, "delegates") is None


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_roster_in_one_legacy_encoding_throughout_is_still_read(app, client, workshops,
                                                                   encoding):
    names = [("Zoë Ångström", "Malmö Stad"), ("Åsa Öberg", "Göteborgs Stad"),
             ("Renée Dubois", "Café Lumière"), ("Jörg Müller", "Straße 5 GmbH")]
    if encoding == "cp1252":
        names.append(("Seán O’Neill", "“Brú na Bóinne” €"))
    raw = ("name,organisation\r\n" + "".join(f"{n},{o}\r\n" for n, o in names)).encode(encoding)
    w = workshops.create()
    report = import_csv(client, w, raw).get_json()
    assert report["ok"] and report["added"] == len(names) and report["problems"] == []
    assert [(d["name"], d["organisation"]) for d in delegates(app, w)] == names


def test_a_file_over_the_request_limit_gets_json_for_the_control_screen(client, workshops):
    w = workshops.create()
    raw = b"name,organisation\n" + b"Ann Lee,NHS\n" * 300_000  # 3.6 MB
    page = import_csv(client, w, raw, headers={"Accept": "application/json"})
    assert page.status_code == 413
    assert page.get_json()["error"] == "too_large"
    assert "larger than 1 MB" in page.get_json()["message"]


def test_a_form_in_too_many_parts_is_not_called_too_large(client, workshops):
    w = workshops.create()
    parts = {f"f{n}": "x" for n in range(2000)}
    page = client.post(f"/control/{w['key']}/roster", data={**parts, "file": (
        io.BytesIO(b"name,organisation\nAnn,NHS\n"), "roster.csv")},
        headers={"Accept": "application/json"})
    assert page.status_code == 413
    assert page.get_json()["error"] == "invalid" and "too many parts" in page.get_json()["message"]


def test_reading_a_large_roster_lets_other_work_through():
    pauses = []
    rows, problems = roster.read(_many(5000), pause=lambda: pauses.append(1))
    assert len(rows) == 5000 and problems == []
    assert len(pauses) >= 5000 // roster.PAUSE_EVERY


def test_many_bad_lines_are_summed_up(client, workshops):
    w = workshops.create()
    raw = b"name,organisation\nAnn,NHS\n" + b",NHS\n" * 300
    report = import_csv(client, w, raw).get_json()
    assert report["added"] == 1 and len(report["problems"]) == roster.MAX_PROBLEMS + 1
    assert report["problems"][-1] == f"…and {300 - roster.MAX_PROBLEMS} more lines were skipped."


def test_an_import_is_one_transaction(app, client, workshops, monkeypatch):
    """A failure between two chunks of rows leaves none of them."""
    w = workshops.create()

    def failing(name):
        assert name == "roster import"
        raise RuntimeError("the disk went away")

    assert domain.IMPORT_CHUNK == CHUNK
    monkeypatch.setattr(domain, "pause_point", failing)
    with pytest.raises(RuntimeError):
        domain.import_roster(store_of(app), w["id"], _many(2 * CHUNK))
    assert delegates(app, w) == []
    monkeypatch.undo()
    assert import_csv(client, w, _many(1200)).get_json()["added"] == 1200


# ---------------------------------------------------- a kill in the middle of an import

ROWS = 4 * CHUNK


@pytest.mark.live
def test_a_server_killed_mid_import_keeps_all_or_none_of_the_rows(tmp_path):
    server = LiveServer(tmp_path / "live.db", env={PAUSE: "roster import:2"}).start()
    try:
        w = server.create_workshop()
        log = tmp_path / "live.log"
        posted = threading.Thread(target=lambda: _post_quietly(server, w), daemon=True)
        posted.start()
        # Kill it once at least one chunk is in, before the last: mid-way.
        deadline = time.monotonic() + 30
        while "paused at roster import" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the import never paused"
            time.sleep(0.02)
        server.stop(kill=True)  # one chunk of rows in, three to go
        posted.join(10)
        server.env.pop(PAUSE)
        server.start()
        with closing(sqlite3.connect(server.database, timeout=10)) as db:
            count = db.execute("select count(*) from delegates").fetchone()[0]
        assert count == 0  # the transaction never committed: none, not a part
        answer = requests.post(f"{server.url}/control/{w['key']}/roster", files={
            "file": ("roster.csv", _many(ROWS))}, timeout=30).json()
        assert answer["ok"] and answer["added"] == ROWS
        with closing(sqlite3.connect(server.database, timeout=10)) as db:
            assert db.execute("select count(*) from delegates").fetchone()[0] == ROWS
    finally:
        server.stop()


def _post_quietly(server, w):
    try:
        requests.post(f"{server.url}/control/{w['key']}/roster",
                      files={"file": ("roster.csv", _many(ROWS))}, timeout=60)
    except requests.RequestException:
        pass  # the server was killed under it


# ------------------------------------------------------------------ the phone's join form

@pytest.mark.browser
def test_the_phone_offers_the_roster_entry_for_a_look_alike_and_says_when_a_name_was_removed(
        screens, live_server):
    import socketio

    w = live_server.create_workshop()
    assert requests.post(f"{live_server.url}/control/{w['key']}/roster", files={
        "file": ("roster.csv", ROSTER.encode())}, timeout=10).json()["added"] == 2
    with closing(sqlite3.connect(live_server.database, timeout=10)) as db:
        bob = db.execute("select id from delegates where name = 'Bob Ray'").fetchone()[0]
    fac = socketio.Client(reconnection=False)
    fac.connect(live_server.url, auth={"role": "facilitator", "key": w["key"]},
                transports=["websocket"], wait_timeout=10)
    try:
        assert fac.call("delegate:remove", {"delegate_id": bob}, timeout=10)["ok"]
    finally:
        fac.disconnect()

    phone = screens.open("phone", f"/j/{w['code']}", viewport=PHONE)
    phone.fill("#name", "Dr J\u0430ne Smith")  # a Cyrillic а
    phone.fill("#organisation", "Walk-in Org")
    phone.get_by_role("button", name="Join", exact=True).click()
    expect(phone.locator("#join-error")).to_contain_text("Dr Jane Smith is on the delegate list")
    match = phone.locator("#roster-matches .match")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Dr Jane Smith")
    expect(match).to_contain_text("Royal Surrey · Surgeon")
    expect(match).to_contain_text("That's me")
    match.click()
    expect(phone.locator(".me-name")).to_have_text("Dr Jane Smith")

    other = screens.open("other", f"/j/{w['code']}", viewport=PHONE)
    other.fill("#name", "Bob Ray.")
    other.fill("#organisation", "ICB")
    other.get_by_role("button", name="Join", exact=True).click()
    expect(other.locator("#join-error")).to_have_text(
        "A delegate with this name was removed by the facilitator; ask them if this is "
        "a mistake.")
    expect(other.locator("#roster-matches .match")).to_have_count(0)
    expect(other.locator("#join-form")).to_be_visible()
    screens.assert_no_script_errors()
