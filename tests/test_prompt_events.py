"""Socket layer: prompts pushed to phones, answered, counted, timed and revealed."""
import pytest

from facilitator import realtime
from facilitator.store import now


@pytest.fixture
def room(workshops, app):
    """A workshop with a control screen, a projector and three phones."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    screen = workshops.connect(role="screen", key=workshops.links(fac)["screen"])
    phones = [workshops.phone(w, f"Person {i}", f"Org {i}") for i in range(3)]
    app.app_context().push()
    return w, fac, screen, phones


def go_live(fac, **settings):
    ack = fac.emit("activity:add", {"title": "How are we doing?", **settings}, callback=True)
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]
    assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
    return activity_id


def answer(phone, client_id="a1", **value):
    return phone.emit("prompt:answer", {"client_id": client_id, **value}, callback=True)


def test_poll_counts_once_per_person_changes_replace_and_reveal(workshops, room):
    w, fac, screen, phones = room
    panel = workshops.connect(role="panel", key=workshops.links(fac)["panel"])
    activity_id = go_live(fac, kind="poll", options=["Yes", "No", "Not sure"], other=True)
    live = workshops.last(phones[0], "live")["activity"]
    assert live["options"] == ["Yes", "No", "Not sure"] and live["open"]
    assert live["results"] is None
    assert answer(phones[0], choices=[0])["answer"] == {"choices": [0], "other": ""}
    assert answer(phones[0], choices=[0])["ok"]  # a resend of the same id
    answer(phones[1], "b1", choices=[1])
    answer(phones[1], "b2", choices=[2])  # changed their mind
    answer(phones[1], "b1", choices=[1])  # a late resend of the old answer is ignored
    answer(phones[2], "c1", other="Depends on the ward")
    workshops.drain(screen)
    assert workshops.view(fac)["results"]["total"] == 0  # counted once a beat
    realtime.beat()
    control = workshops.view(fac)
    assert control["results"]["counts"] == [1, 0, 1] and control["results"]["total"] == 3
    assert control["results"]["other"] == ["Depends on the ward"]
    assert control["online"] == 3
    # Hidden until revealed: the projector and phones hold no results, and got none.
    assert not {"live", "view"} & set(workshops.drain(screen))
    for sio in (screen, panel, *phones):
        assert workshops.view(sio)["results"] is None and "online" not in workshops.view(sio)
    assert fac.emit("prompt:reveal", {"activity_id": activity_id}, callback=True)["ok"]
    for sio in (screen, panel, *phones):
        shown = workshops.view(sio)
        assert shown["revealed"] and shown["results"]["counts"] == [1, 0, 1]
    late = workshops.phone(w, "Late", "Org L")
    assert late.snapshot["live"]["activity"]["results"]["total"] == 3


@pytest.mark.parametrize("payload, message", [
    ({"choices": [7]}, "does not exist"), ({"choices": ["0"]}, "option numbers"),
    ({"choices": [0, 1]}, "one option"), ({"choices": []}, "Choose an option"),
    ({"choices": [0], "other": "x"}, "no “other”"), ({"choices": "0"}, "option numbers"),
])
def test_bad_poll_answers_are_refused(workshops, room, payload, message):
    w, fac, screen, phones = room
    go_live(fac, kind="poll", options=["A", "B"])
    ack = answer(phones[0], **payload)
    assert ack["ok"] is False and message in ack["message"]
    realtime.beat()
    assert workshops.view(fac)["results"] == {"counts": [0, 0], "other": [], "other_count": 0,
                                              "total": 0}


def test_word_cloud_normalises_and_counts(workshops, room):
    w, fac, screen, phones = room
    panel = workshops.connect(role="panel", key=workshops.links(fac)["panel"])
    go_live(fac, kind="wordcloud", entries=3, results="live")
    answer(phones[0], entries=["Trust", " teams "])
    answer(phones[1], entries=["trust", "Team"])
    answer(phones[2], entries=["TRUST", "focus", "Progress"])
    assert answer(phones[2], "x", entries=["w" * 5000])["field"] == "entries"
    assert answer(phones[2], "y", entries=["a", "b", "c", "d"])["error"] == "invalid"
    realtime.beat()
    words = workshops.view(screen)["results"]["words"]  # shown live on the projector
    assert words[:2] == [{"text": "trust", "count": 3}, {"text": "team", "count": 2}]
    assert workshops.view(fac)["results"]["words"] == words
    assert workshops.view(panel)["results"]["words"] == words  # and on the panel's
    for phone in phones:  # phones see results after reveal
        assert workshops.view(phone)["results"] is None


def test_scale_histogram_and_mean(workshops, room):
    w, fac, screen, phones = room
    go_live(fac, kind="scale", high=10, low_label="Not at all", high_label="Completely")
    for phone, value in zip(phones, (3, 8, 10), strict=True):
        assert answer(phone, value=value)["ok"]
    for bad in (11, 0, "abc", 7.5, None, True):
        assert answer(phones[0], "bad", value=bad)["error"] == "invalid"
    realtime.beat()
    assert workshops.view(screen)["results"] is None  # shown once revealed
    results = workshops.view(fac)["results"]
    assert results["counts"][2] == 1 and results["counts"][9] == 1 and results["mean"] == 7.0


def test_ready_check_counts_against_phones_connected(workshops, room):
    w, fac, screen, phones = room
    go_live(fac, kind="ready")
    answer(phones[0], ready=True)
    answer(phones[1], ready=True)
    answer(phones[1], "again", ready=False)
    realtime.beat()
    results = workshops.view(screen)["results"]
    assert results["ready"] == 1 and results["of"] == 3
    assert workshops.view(fac)["results"] == results
    assert workshops.view(phones[0])["results"] is None


def test_countdown_pause_extend_and_times_up(app, workshops, room):
    w, fac, screen, phones = room
    activity_id = go_live(fac, kind="poll", options=["A", "B"], timer_seconds=120)
    live = workshops.last(screen, "live")["activity"]
    assert live["deadline"] == pytest.approx(now() + 120, abs=3)
    ack = fac.emit("prompt:timer", {"activity_id": activity_id, "action": "extend",
                                    "seconds": 60}, callback=True)
    assert ack["deadline"] == pytest.approx(now() + 180, abs=3)
    paused = fac.emit("prompt:timer", {"activity_id": activity_id, "action": "pause"},
                      callback=True)
    assert paused["deadline"] is None and paused["paused_remaining"] == pytest.approx(180, abs=3)
    assert answer(phones[0], choices=[0])["ok"]  # a paused prompt still takes answers
    resumed = fac.emit("prompt:timer", {"activity_id": activity_id, "action": "resume"},
                       callback=True)
    assert resumed["deadline"] == pytest.approx(now() + 180, abs=3)
    store = app.extensions["facilitator.store"]
    with store.write() as db:
        db.execute("update prompt_state set deadline = ?", [now() - 1])
    realtime.beat()
    assert workshops.last(phones[1], "live")["activity"]["open"] is False
    late = answer(phones[1], choices=[1])
    assert late["error"] == "closed" and "Time's up" in late["message"]
    assert fac.emit("prompt:close", {"activity_id": activity_id, "closed": False},
                    callback=True)["ok"]
    assert answer(phones[1], "again", choices=[1])["ok"]


def test_answers_only_to_the_live_prompt_of_this_workshop(workshops, room):
    w, fac, screen, phones = room
    assert answer(phones[0], choices=[0])["error"] == "not_live"
    other = workshops.create("Other")
    other_fac = workshops.facilitator(other)
    theirs = go_live(other_fac, kind="poll", options=["A", "B"])
    assert fac.emit("prompt:reveal", {"activity_id": theirs}, callback=True)["error"] == \
        "not_found"
    message = fac.emit("activity:add", {"kind": "message", "title": "Hi"}, callback=True)
    assert fac.emit("prompt:close", {"activity_id": message["activity"]["id"]},
                    callback=True)["error"] == "invalid"
    assert phones[0].emit("prompt:reveal", {"activity_id": theirs}, callback=True)["error"] == \
        "forbidden"


@pytest.mark.parametrize("settings, field", [
    ({"kind": "poll", "options": ["Only one"]}, "options"),
    ({"kind": "poll", "options": ["Same", "same"]}, "options"),
    ({"kind": "poll", "options": "A,B"}, "options"),
    ({"kind": "scale", "high": 7}, "high"),
    ({"kind": "wordcloud", "entries": 4}, "entries"),
    ({"kind": "poll", "options": ["A", "B"], "timer_seconds": -5}, "timer_seconds"),
    ({"kind": "ready", "results": "sometimes"}, "results"),
])
def test_bad_prompt_settings_are_refused(workshops, room, settings, field):
    w, fac, screen, phones = room
    ack = fac.emit("activity:add", {"title": "Q", **settings}, callback=True)
    assert ack["ok"] is False and ack["field"] == field


def test_blank_projector(workshops, room):
    w, fac, screen, phones = room
    assert fac.emit("screen:blank", {"blank": True}, callback=True)["blank"] is True
    assert workshops.last(screen, "workshop")["blank"] is True
    assert workshops.connect(role="screen", key=workshops.links(fac)["screen"]) \
        .snapshot["workshop"]["blank"] is True


def test_answers_csv_and_event_report(client, workshops, room):
    w, fac, screen, phones = room
    poll = go_live(fac, kind="poll", options=["=SUM(A1)", "No"])
    answer(phones[0], choices=[0])
    answer(phones[1], "b", choices=[1])
    response = client.get(f"/control/{w['key']}/activities/{poll}/answers.csv")
    assert f'filename="poll-{poll}-answers.csv"' in response.headers["Content-Disposition"]
    csv_text = response.get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("'=SUM(A1),Org 0")
    assert "Person" not in csv_text  # answers are exported without names
    fac.emit("activity:add", {"kind": "qa", "title": "Questions"}, callback=True)
    fac.emit("activity:add", {"kind": "connect", "title": "Meet"}, callback=True)
    page = client.get(f"/control/{w['key']}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="report-data"' in html
    assert "How are we doing?" in html and "Questions" in html and "Meet" in html
    assert client.get("/control/wrong-key-123456789/report").status_code == 404
    assert client.get(f"/control/{w['key']}/activities/999/answers.csv").status_code == 404


def test_answers_saved_for_an_earlier_prompt_do_not_count_on_the_next(workshops, room):
    w, fac, screen, phones = room
    first = go_live(fac, kind="poll", options=["A", "B"])
    assert answer(phones[0], "same-id", choices=[0], activity_id=first)["ok"]
    second = go_live(fac, kind="poll", options=["C", "D"], results="live")
    stale = answer(phones[0], "offline-1", choices=[1], activity_id=first)
    assert stale["error"] == "not_live"
    # An id used on another prompt is still a new answer here.
    assert answer(phones[0], "same-id", choices=[1], activity_id=second)["answer"] == \
        {"choices": [1], "other": ""}
    realtime.beat()
    assert workshops.view(fac)["results"]["counts"] == [0, 1]
    assert workshops.view(screen)["results"]["counts"] == [0, 1]
    # A projector that reconnects gets the live results in its snapshot.
    again = workshops.connect(role="screen", key=workshops.links(fac)["screen"])
    live = again.snapshot["live"]["activity"]
    assert live["id"] == second and live["results"] == {"counts": [0, 1], "other": [],
                                                        "other_count": 0, "total": 1}
    assert workshops.view(again) == workshops.view(screen)


def test_a_fresh_prompt_tells_every_phone_its_empty_answer_so_none_asks(workshops, room):
    w, fac, screen, phones = room
    activity_id = go_live(fac, kind="poll", options=["Yes", "No"])
    live = workshops.last(phones[0], "live")
    assert live["mine"] == {"answer": None}, "nobody has answered: the same for all"
    assert answer(phones[0], choices=[1])["ok"]
    # Once anyone has answered, phones ask for their own (`live:mine`) on going live.
    assert fac.emit("live:set", {"activity_id": None}, callback=True)["ok"]
    assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
    live = workshops.last(phones[1], "live")
    assert "mine" not in live
    mine = phones[0].emit("live:mine", {}, callback=True)
    assert mine["mine"] == {"answer": {"choices": [1], "other": ""}}
    # A message has nothing personal: `live` always says so.
    ack = fac.emit("activity:add", {"kind": "message", "title": "Break"}, callback=True)
    assert fac.emit("live:set", {"activity_id": ack["activity"]["id"]}, callback=True)["ok"]
    assert workshops.last(phones[2], "live")["mine"] is None
