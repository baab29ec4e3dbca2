"""Socket layer: preparing the run sheet and the one live state every screen follows."""
import json

import pytest


@pytest.fixture
def room(workshops):
    """A workshop with a control screen, projector, panel and two phones."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    screens = {"facilitator": fac,
               "screen": workshops.connect(role="screen", key=keys["screen"]),
               "panel": workshops.connect(role="panel", key=keys["panel"]),
               "phone": workshops.phone(w, "Ann Lee"),
               "phone2": workshops.phone(w, "Bo Chan")}
    return w, fac, screens


def add(fac, title, body=""):
    ack = fac.emit("activity:add", {"kind": "message", "title": title, "body": body},
                   callback=True)
    assert ack["ok"], ack
    return ack["activity"]


def test_going_live_reaches_every_screen(workshops, room):
    w, fac, screens = room
    first = add(fac, "Welcome", "Find a seat.\n\nCoffee at 11.")
    assert workshops.last(fac, "runsheet") == [first]
    ack = fac.emit("live:set", {"activity_id": first["id"]}, callback=True)
    assert ack == {"ok": True, "version": 1}
    for name, sio in screens.items():
        live = workshops.last(sio, "live")
        assert live["activity"] == {"id": first["id"], "kind": "message", "title": "Welcome",
                                    "body": "Find a seat.\n\nCoffee at 11."}, name
        assert live["version"] == 1
    # A phone that connects now gets the live message in its snapshot.
    late = workshops.phone(w, "Cy Dee")
    assert late.snapshot["live"]["activity"]["title"] == "Welcome"


def test_next_and_previous_step_through_the_run_sheet(workshops, room):
    w, fac, screens = room
    a, b = add(fac, "One"), add(fac, "Two")
    assert fac.emit("live:previous", {}, callback=True)["ok"]  # nothing live: go to the last
    assert workshops.last(screens["phone"], "live")["activity"]["id"] == b["id"]
    assert fac.emit("live:next", {}, callback=True)["error"] == "end"
    assert fac.emit("live:previous", {}, callback=True)["ok"]
    assert workshops.last(screens["phone"], "live")["activity"]["id"] == a["id"]
    assert fac.emit("live:previous", {}, callback=True)["error"] == "end"
    assert fac.emit("live:set", {"activity_id": None}, callback=True)["ok"]
    assert workshops.last(screens["screen"], "live")["activity"] is None
    assert fac.emit("live:next", {}, callback=True)["ok"]
    assert workshops.last(screens["phone"], "live")["activity"]["id"] == a["id"]


def test_empty_run_sheet_says_so(room):
    _, fac, _ = room
    assert fac.emit("live:next", {}, callback=True)["error"] == "empty"


def test_two_control_screens_stay_in_step_and_conflicts_have_one_result(workshops, room):
    w, fac, screens = room
    other = workshops.facilitator(w)
    a, b = add(fac, "One"), add(fac, "Two")
    assert workshops.last(other, "runsheet") == [a, b]
    version = fac.emit("live:set", {"activity_id": a["id"]}, callback=True)["version"]
    first = fac.emit("live:set", {"activity_id": b["id"], "version": version}, callback=True)
    second = other.emit("live:set", {"activity_id": None, "version": version}, callback=True)
    assert first["ok"] and second["error"] == "conflict"
    assert workshops.last(other, "live")["activity"]["id"] == b["id"]
    assert workshops.last(screens["phone"], "live")["activity"]["id"] == b["id"]


def test_edit_move_and_delete(workshops, room):
    w, fac, screens = room
    a, b, c = add(fac, "One"), add(fac, "Two"), add(fac, "Three")
    fac.emit("live:set", {"activity_id": b["id"]}, callback=True)
    ack = fac.emit("activity:update", {"activity_id": b["id"], "title": "Two!", "body": "new"},
                   callback=True)
    assert ack["activity"]["config"] == {"body": "new"}
    assert workshops.last(screens["phone"], "live")["activity"]["title"] == "Two!"
    assert fac.emit("activity:move", {"activity_id": c["id"], "index": 0}, callback=True)["ok"]
    assert [x["title"] for x in workshops.last(fac, "runsheet")] == ["Three", "One", "Two!"]
    assert fac.emit("activity:move", {"activity_id": a["id"], "index": 99}, callback=True)["ok"]
    assert [x["title"] for x in workshops.last(fac, "runsheet")] == ["Three", "Two!", "One"]
    assert fac.emit("activity:delete", {"activity_id": b["id"]}, callback=True)["ok"]
    assert workshops.last(screens["screen"], "live")["activity"] is None
    assert [x["title"] for x in workshops.last(fac, "runsheet")] == ["Three", "One"]


@pytest.mark.parametrize("event, payload, error", [
    ("activity:add", {"kind": "poll", "title": "x"}, "invalid"),
    ("activity:add", {"kind": "message", "title": ""}, "invalid"),
    ("activity:add", {"kind": "message", "title": "x", "body": "b" * 2001}, "invalid"),
    ("activity:add", {"kind": "message", "title": "x", "body": ["b"]}, "invalid"),
    ("activity:update", {"activity_id": 999, "title": "x"}, "not_found"),
    ("activity:update", {"activity_id": "1", "title": "x"}, "not_found"),
    ("activity:delete", {"activity_id": None}, "not_found"),
    ("activity:move", {"activity_id": 1, "index": -1}, "invalid"),
    ("live:set", {"activity_id": 999}, "not_found"),
    ("live:set", {"activity_id": True}, "not_found"),
    ("live:set", {"activity_id": None, "version": "x"}, "invalid"),
])
def test_bad_run_sheet_input_is_refused_and_nothing_changes(workshops, room, event, payload,
                                                            error):
    w, fac, screens = room
    existing = add(fac, "Keep me")
    ack = fac.emit(event, payload, callback=True)
    assert ack["ok"] is False and ack["error"] == error and ack["message"]
    assert workshops.facilitator(w).snapshot["runsheet"] == [existing]


def test_another_workshops_activity_cannot_be_used(workshops, room):
    w, fac, screens = room
    other = workshops.facilitator(workshops.create("Other"))
    theirs = add(other, "Theirs")
    assert fac.emit("live:set", {"activity_id": theirs["id"]}, callback=True)["error"] == \
        "not_found"
    assert fac.emit("activity:delete", {"activity_id": theirs["id"]}, callback=True)["error"] \
        == "not_found"


def test_html_is_stored_and_sent_as_text(workshops, room):
    w, fac, screens = room
    a = add(fac, "<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
    fac.emit("live:set", {"activity_id": a["id"]}, callback=True)
    live = workshops.last(screens["phone"], "live")["activity"]
    assert live["title"] == "<script>alert(1)</script>"
    assert live["body"] == "<img src=x onerror=alert(1)>"


def test_duplicate_copies_settings_to_just_after(workshops, room):
    w, fac, screens = room
    a = add(fac, "One", "body one")
    add(fac, "Two")
    ack = fac.emit("activity:duplicate", {"activity_id": a["id"]}, callback=True)
    assert ack["activity"]["title"] == "One (copy)" and ack["activity"]["config"] == a["config"]
    assert [x["title"] for x in workshops.last(fac, "runsheet")] == ["One", "One (copy)", "Two"]
    assert fac.emit("activity:duplicate", {"activity_id": 999}, callback=True)["error"] == \
        "not_found"


def every_row(store) -> dict[str, set[str]]:
    return {t: {json.dumps(r, sort_keys=True) for r in store.all(f'select * from "{t}"')}
            for t in store.db.table_names()}


def test_deleting_an_activity_that_holds_answers_needs_discard_and_takes_only_its_rows(
        app, workshops, room):
    w, fac, screens = room
    store = app.extensions["facilitator.store"]
    phones = [screens["phone"], screens["phone2"]]

    def poll(title):
        ack = fac.emit("activity:add", {"kind": "poll", "title": title,
                                        "options": ["Yes", "No"]}, callback=True)
        assert ack["ok"], ack
        activity_id = ack["activity"]["id"]
        assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
        return activity_id

    def answer(sio, activity_id, choice, client_id):
        ack = sio.emit("prompt:answer", {"client_id": client_id, "activity_id": activity_id,
                                         "choices": [choice]}, callback=True)
        assert ack["ok"], ack

    doomed = poll("Doomed")
    for n, phone in enumerate(phones):
        answer(phone, doomed, n, f"d{n}")
    kept = poll("Kept")
    for n, phone in enumerate(phones):
        answer(phone, kept, 1 - n, f"k{n}")
    ack = fac.emit("activity:add", {"kind": "qa", "title": "Questions", "auto_publish": True,
                                    "min_interval": 0}, callback=True)
    questions = ack["activity"]["id"]
    assert fac.emit("live:set", {"activity_id": questions}, callback=True)["ok"]
    assert phones[0].emit("qa:ask", {"client_id": "q1", "text": "Who decides?"},
                          callback=True)["ok"]
    # Another workshop's poll, answered too.
    w2 = workshops.create("Other day")
    fac2 = workshops.facilitator(w2)
    ack = fac2.emit("activity:add", {"kind": "poll", "title": "Doomed",
                                     "options": ["Yes", "No"]}, callback=True)
    other = ack["activity"]["id"]
    assert fac2.emit("live:set", {"activity_id": other}, callback=True)["ok"]
    answer(workshops.phone(w2, "Di Eve"), other, 0, "o1")
    assert fac.emit("live:set", {"activity_id": kept}, callback=True)["ok"]
    before = every_row(store)
    assert store.one("select count(*) as n from responses where activity_id = ?",
                     [doomed])["n"] == 2
    for sio in screens.values():
        workshops.take(sio)

    # Without discard it is refused, saying what it holds, and nothing changes.
    for payload in ({"activity_id": doomed}, {"activity_id": doomed, "discard": False}):
        ack = fac.emit("activity:delete", payload, callback=True)
        assert ack["ok"] is False and ack["error"] == "in_use", ack
        assert "(3 saved in all)" in ack["message"], ack  # two answers and its timer
    assert every_row(store) == before
    assert all(workshops.take(sio) == [] for sio in screens.values())
    ack = fac.emit("activity:delete", {"activity_id": doomed, "discard": "yes"}, callback=True)
    assert ack["error"] == "invalid" and every_row(store) == before

    # With discard it goes, with its answers and timer, and nothing else.
    assert fac.emit("activity:delete", {"activity_id": doomed, "discard": True},
                    callback=True) == {"ok": True}
    after = every_row(store)
    gone = {table: before[table] - after[table] for table in before}
    assert all(not (after[table] - before[table]) for table in before), "nothing was added"
    assert {t: len(rows) for t, rows in gone.items() if rows} == \
        {"activities": 1, "responses": 2, "prompt_state": 1}
    assert json.loads(gone["activities"].pop())["id"] == doomed
    assert {json.loads(r)["activity_id"] for r in gone["responses"] | gone["prompt_state"]} \
        == {doomed}
    assert store.one("select count(*) as n from responses where activity_id = ?",
                     [kept])["n"] == 2
    assert [x["id"] for x in workshops.last(fac, "runsheet")] == [kept, questions]
    assert workshops.view(screens["phone"])["id"] == kept  # what is live stays live
    # Its CSV has gone with it; the kept poll's answers are all still there.
    key = w["key"]
    assert app.test_client().get(f"/control/{key}/activities/{doomed}/answers.csv") \
        .status_code == 404
    assert app.test_client().get(f"/control/{key}/activities/{kept}/answers.csv") \
        .get_data(as_text=True).count("\n") == 3  # the header and two answers

    # An activity holding questions, live, goes the same way; screens show nothing live.
    assert fac.emit("live:set", {"activity_id": questions}, callback=True)["ok"]
    assert fac.emit("activity:delete", {"activity_id": questions},
                    callback=True)["error"] == "in_use"
    assert fac.emit("activity:delete", {"activity_id": questions, "discard": True},
                    callback=True)["ok"]
    assert store.one("select count(*) as n from qa_questions")["n"] == 0
    for name, sio in screens.items():
        assert workshops.view(sio) is None, name
    assert store.one("select count(*) as n from responses where activity_id = ?",
                     [other])["n"] == 1
