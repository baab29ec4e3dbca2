"""Socket layer: asking, voting, moderating and reading questions."""
import pytest
from conftest import Workshops

from facilitator import realtime


@pytest.fixture
def panel(workshops, app):
    """A live Q&A session with a control screen, a panel, a projector and three phones."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    ack = fac.emit("activity:add", {"kind": "qa", "title": "Panel questions",
                                    "labels": ["Chair", "Finance"], "min_interval": 0},
                   callback=True)
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]
    assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
    mod = workshops.connect(role="panel", key=keys["panel"])
    screen = workshops.connect(role="screen", key=keys["screen"])
    phones = [workshops.phone(w, name, "Org " + name) for name in ("Ann", "Bo", "Cy")]
    app.app_context().push()
    return w, fac, mod, screen, phones, activity_id


def ask(phone, text, client_id="q1", **extra):
    """Ask; the phone holds its own view from the ack."""
    return Workshops.send(phone, "qa:ask", {"client_id": client_id, "text": text, **extra})


def moderate(sio, activity_id, question_id, action, **extra):
    return sio.emit("qa:moderate", {"activity_id": activity_id, "question_id": question_id,
                                    "action": action, **extra}, callback=True)


def held_questions(workshops, sio) -> dict:
    """The questions of the live session as a screen holds them, by id."""
    return {q["id"]: q for q in workshops.view(sio)["questions"]}


def own(workshops, phone) -> dict:
    """A phone's own questions as it holds them, by id."""
    return {q["id"]: q for q in workshops.held(phone)["mine"]["questions"]}


def test_question_waits_for_approval_then_reaches_every_screen(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    ack = ask(phones[0], "How will <b>funding</b> change?", anonymous=True)
    assert ack["ok"] and ack["question"]["status"] == "pending"
    qid = ack["question"]["id"]
    # Moderators hold it for review; nobody else sees it yet.
    for sio in (mod, fac):
        held = held_questions(workshops, sio)[qid]
        assert held["text"] == "How will <b>funding</b> change?"
        assert held["status"] == "pending" and held["asker"] is None
    for sio in (screen, *phones):
        assert held_questions(workshops, sio) == {}  # not public yet
    assert moderate(mod, activity_id, qid, "approve")["ok"]
    for sio in (screen, *phones):
        public = held_questions(workshops, sio)[qid]
        assert public["status"] == "published" and public["asker"] is None
        assert "held" not in public and "original_text" not in public
    assert held_questions(workshops, fac)[qid]["status"] == "published"
    assert own(workshops, phones[0])[qid]["status"] == "published"
    assert workshops.held(phones[1])["mine"]["questions"] == []
    late = workshops.phone(w, "Di", "Org Di")
    assert [q["id"] for q in late.snapshot["live"]["activity"]["questions"]] == [qid]


def test_resent_question_is_stored_once_and_acked_with_the_same_question(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    first = ask(phones[0], "Same question", client_id="abc")
    again = ask(phones[0], "Same question", client_id="abc")
    assert first["question"]["id"] == again["question"]["id"]
    assert list(held_questions(workshops, mod)) == [first["question"]["id"]]
    qa = mod.emit("qa:open", {"activity_id": activity_id}, callback=True)["qa"]
    assert len(qa["questions"]) == 1 and qa["counts"]["received"] == 1


def test_votes_once_each_undoable_not_for_your_own(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    qid = ask(phones[0], "Question one")["question"]["id"]
    moderate(mod, activity_id, qid, "approve")
    assert phones[0].emit("qa:vote", {"question_id": qid}, callback=True)["error"] == \
        "own_question"
    for phone in phones[1:]:
        assert workshops.send(phone, "qa:vote", {"question_id": qid, "up": True})["ok"]
    assert workshops.send(phones[1], "qa:vote", {"question_id": qid, "up": True})["votes"] == 2
    assert workshops.send(phones[1], "qa:vote", {"question_id": qid, "up": False})["votes"] == 1
    workshops.drain(screen)
    assert held_questions(workshops, screen)[qid]["votes"] == 0  # not yet: once a beat
    realtime.beat()  # coalesced: one update for the burst
    updates = workshops.received(screen, "view")
    assert len(updates) == 1 and updates[0]["patch"] == ["questions"], updates
    assert [(q["id"], q["votes"]) for q in updates[0]["view"]["questions"]] == [(qid, 1)]
    for sio in (screen, mod, fac, *phones):
        assert held_questions(workshops, sio)[qid]["votes"] == 1
    assert workshops.held(phones[1])["mine"]["voted"] == []
    assert workshops.held(phones[2])["mine"]["voted"] == [qid]
    assert own(workshops, phones[0])[qid]["votes"] == 1


def test_auto_publish_and_the_language_filter_holds_for_review(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    assert mod.emit("qa:settings", {"activity_id": activity_id, "auto_publish": True},
                    callback=True)["ok"]
    clean = ask(phones[0], "What is the plan?", client_id="a")["question"]
    assert clean["status"] == "published"
    rude = ask(phones[1], "Why is this such sh.i.t?", client_id="b")["question"]
    assert rude["status"] == "pending"
    held = [q for q in mod.emit("qa:open", {"activity_id": activity_id},
                                callback=True)["qa"]["questions"] if q["id"] == rude["id"]]
    assert held[0]["held"] == "language"
    # The word list is the workshop's own to edit.
    assert mod.emit("qa:settings", {"activity_id": activity_id, "words": ["budget"]},
                    callback=True)["qa"]["words"] == ["budget"]
    assert ask(phones[2], "And the budget?", client_id="c")["question"]["status"] == "pending"


def test_moderation_actions(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    ids = [ask(p, f"Question from {i}", client_id=f"c{i}")["question"]["id"]
           for i, p in enumerate(phones)]
    a, b, c = ids
    edited = moderate(mod, activity_id, a, "approve", text="Question from zero (edited)")
    assert edited["questions"][0]["original_text"] == "Question from 0"
    assert edited["questions"][0]["text"] == "Question from zero (edited)"
    moderate(mod, activity_id, b, "approve")
    assert moderate(mod, activity_id, b, "move", direction="up")["ok"]
    assert moderate(mod, activity_id, b, "move", direction="up")["error"] == "end"
    assert moderate(mod, activity_id, b, "label", label="Finance")["questions"][0]["label"] \
        == "Finance"
    assert moderate(mod, activity_id, b, "label", label="Nope")["error"] == "invalid"
    assert moderate(mod, activity_id, b, "star", starred=True)["questions"][0]["starred"]
    phones[1].emit("qa:vote", {"question_id": a}, callback=True)
    phones[2].emit("qa:vote", {"question_id": a}, callback=True)
    merged = moderate(fac, activity_id, c, "merge", into=a)
    assert merged["ok"]
    target = next(q for q in merged["questions"] if q["id"] == a)
    assert target["votes"] == 2  # phone 2 voted and asked the duplicate: counted once
    assert own(workshops, phones[2])[c]["merged"] is True
    assert c not in held_questions(workshops, screen)
    assert held_questions(workshops, screen)[a]["votes"] == 2
    assert c not in held_questions(workshops, mod)  # merged: no longer open
    assert next(q for q in merged["questions"] if q["id"] == c)["merged_into"] == a
    assert moderate(mod, activity_id, a, "answering")["ok"]
    assert moderate(mod, activity_id, b, "answering")["ok"]
    states = {q["id"]: q["status"] for q in mod.emit(
        "qa:open", {"activity_id": activity_id}, callback=True)["qa"]["questions"]}
    assert states[a] == "answered" and states[b] == "answering"
    assert moderate(mod, activity_id, a, "restore")["ok"]
    workshops.take(screen)
    assert moderate(mod, activity_id, b, "dismiss")["ok"]
    assert workshops.last(screen, "view")["removed"] == {"questions": [b]}
    for sio in (screen, *phones):
        assert b not in held_questions(workshops, sio)
    assert held_questions(workshops, mod)[b]["status"] == "dismissed"
    assert moderate(mod, activity_id, b, "restore")["questions"][0]["status"] == "published"
    assert held_questions(workshops, screen)[b]["status"] == "published"
    assert mod.emit("qa:archive", {"activity_id": activity_id}, callback=True)["archived"] == 3
    for sio in (screen, *phones):
        assert held_questions(workshops, sio) == {}


def test_two_moderators_at_once_leave_one_clear_result(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    qid = ask(phones[0], "Contested")["question"]["id"]
    version = mod.emit("qa:open", {"activity_id": activity_id},
                       callback=True)["qa"]["questions"][0]["version"]
    first = moderate(mod, activity_id, qid, "approve", version=version)
    second = moderate(fac, activity_id, qid, "dismiss", version=version)
    assert first["ok"] and second["error"] == "conflict"
    for sio in (fac, mod):
        assert held_questions(workshops, sio)[qid]["status"] == "published"
    assert held_questions(workshops, screen)[qid]["status"] == "published"


def test_silenced_askers_are_held_even_with_a_new_token(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    mod.emit("qa:settings", {"activity_id": activity_id, "auto_publish": True}, callback=True)
    qid = ask(phones[0], "First")["question"]["id"]
    assert mod.emit("qa:silence", {"activity_id": activity_id, "question_id": qid},
                    callback=True)["ok"]
    assert ask(phones[0], "Second", client_id="q2")["question"]["status"] == "pending"
    # The facilitator releases the name and the same person joins again as a walk-in.
    fac.emit("delegate:release", {"delegate_id": phones[0].me["id"]}, callback=True)
    fac.emit("delegate:release", {"delegate_id": phones[0].me["id"]}, callback=True)
    again = workshops.phone(w, name=None)
    match = again.emit("roster:search", {"q": "Ann"}, callback=True)["matches"][0]
    again.emit("delegate:claim", {"delegate_id": match["id"]}, callback=True)
    assert ask(again, "Third", client_id="q3")["question"]["status"] == "pending"


def test_limits_and_bad_input_are_refused_with_a_message(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    fac.emit("activity:update", {"activity_id": activity_id, "title": "Panel questions",
                                 "min_interval": 30, "max_questions": 2, "max_length": 50},
             callback=True)
    assert ask(phones[0], "x" * 51)["field"] == "text"
    assert ask(phones[0], "   ")["error"] == "invalid"
    assert ask(phones[0], ["not text"])["error"] == "invalid"
    assert phones[0].emit("qa:ask", {"text": "no id"}, callback=True)["field"] == "client_id"
    assert ask(phones[0], "One", client_id="1")["ok"]
    too_soon = ask(phones[0], "Two", client_id="2")
    assert too_soon["error"] == "too_soon" and "seconds" in too_soon["message"]
    assert phones[0].emit("qa:vote", {"question_id": 999}, callback=True)["error"] == "not_found"
    assert phones[0].emit("qa:moderate", {"activity_id": activity_id, "question_id": 1,
                                          "action": "approve"}, callback=True)["error"] == \
        "forbidden"
    assert screen.emit("qa:archive", {"activity_id": activity_id}, callback=True)["error"] == \
        "forbidden"
    assert moderate(mod, activity_id, 1, "explode")["error"] == "invalid"
    other = workshops.create("Other")
    other_panel = workshops.connect(role="panel",
                                    key=workshops.links(workshops.facilitator(other))["panel"])
    assert moderate(other_panel, activity_id, 1, "approve")["error"] == "not_found"
    fac.emit("live:set", {"activity_id": None}, callback=True)
    assert ask(phones[1], "Closed now", client_id="z")["error"] == "not_live"


def test_html_in_questions_is_sent_as_text(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    qid = ask(phones[0], "<script>alert(1)</script>")["question"]["id"]
    moderate(mod, activity_id, qid, "approve")
    for sio in (screen, mod, phones[1]):
        assert held_questions(workshops, sio)[qid]["text"] == "<script>alert(1)</script>"


def test_csv_export_names_only_named_askers_and_is_safe(client, workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    ask(phones[0], "=cmd|' /C calc'!A0", client_id="x", anonymous=True)
    named = ask(phones[1], "Named question", client_id="y")["question"]["id"]
    moderate(mod, activity_id, named, "approve", text="Named question, edited")
    response = client.get(f"/control/{w['key']}/activities/{activity_id}/questions.csv")
    assert f'filename="qa-{activity_id}-questions.csv"' in \
        response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    lines = text.strip().splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("'=cmd") and ",Ann," not in lines[1]
    assert lines[2].startswith("\"Named question, edited\",Named question,Bo,0,published")
    assert client.get(f"/control/{w['key']}/activities/999/questions.csv").status_code == 404


@pytest.mark.parametrize("kind, published, votes", [("reflection", True, False),
                                                    ("ideas", True, True)])
def test_reflections_and_ideas_reuse_the_same_posts(workshops, app, kind, published, votes):
    w = workshops.create()
    fac = workshops.facilitator(w)
    activity_id = fac.emit("activity:add", {"kind": kind, "title": "Share"},
                           callback=True)["activity"]["id"]
    fac.emit("live:set", {"activity_id": activity_id}, callback=True)
    author, reader = workshops.phone(w, "Ann", "A"), workshops.phone(w, "Bo", "B")
    post = ask(author, "We could share one care record")["question"]
    assert (post["status"] == "published") is published
    assert post["anonymous"] is (kind == "reflection")
    voted = reader.emit("qa:vote", {"question_id": post["id"]}, callback=True)
    assert voted["ok"] is votes
    # Moderation works the same way: the held-words filter still holds.
    held = ask(reader, "What a load of bollocks", client_id="h")["question"]
    assert held["status"] == "pending"


def test_a_fresh_session_tells_every_phone_it_has_nothing_yet(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w)
    ack = fac.emit("activity:add", {"kind": "qa", "title": "Panel"}, callback=True)
    assert fac.emit("live:set", {"activity_id": ack["activity"]["id"]}, callback=True)["ok"]
    mine = workshops.last(phone, "live")["mine"]
    assert mine["questions"] == [] and mine["voted"] == [] and mine["asked"] == 0


def test_a_delegates_other_phone_follows_what_one_of_their_phones_did(workshops, panel):
    w, fac, mod, screen, phones = panel[:5]
    activity_id = panel[5]
    asker, voter = phones[0], phones[1]
    other = workshops.connect(role="delegate", code=w["code"], token=voter.token)
    assert other.snapshot["me"]["id"] == voter.me["id"]
    qid = ask(asker, "Who decides?")["question"]["id"]
    assert moderate(mod, activity_id, qid, "approve")["ok"]
    workshops.take(voter)
    ack = workshops.send(voter, "qa:vote", {"question_id": qid, "up": True})
    assert ack["ok"] and ack["mine"]["voted"] == [qid]
    # The phone that voted has its own view in the ack, and no `mine` besides.
    assert workshops.received(voter, "mine") == []
    assert workshops.held(voter)["mine"]["voted"] == [qid]
    assert workshops.held(other)["mine"]["voted"] == [qid]  # sent to the other one
    assert workshops.held(phones[2])["mine"]["voted"] == []
    # The same for a question: the asking phone has it from the ack, the other phone
    # of the same delegate gets it.
    mine = ask(other, "And when?", client_id="q2")["mine"]
    assert [q["text"] for q in mine["questions"]] == ["And when?"]
    assert [q["text"] for q in workshops.held(voter)["mine"]["questions"]] == ["And when?"]
    assert workshops.held(asker)["mine"]["questions"][0]["text"] == "Who decides?"


def test_counts_and_held_words_are_the_moderators_unless_counts_are_shown(workshops, panel):
    w, fac, mod, screen, phones, activity_id = panel
    assert mod.emit("qa:settings", {"activity_id": activity_id, "words": ["budget"]},
                    callback=True)["ok"]
    ask(phones[0], "What about the budget?")
    for sio in (fac, mod):
        view = workshops.view(sio)
        assert view["counts"]["received"] == 1 and view["words"] == ["budget"]
    for sio in (screen, *phones):
        view = workshops.view(sio)
        assert view["counts"] is None and "words" not in view and view["questions"] == []
    assert mod.emit("qa:settings", {"activity_id": activity_id, "show_counts": True},
                    callback=True)["ok"]
    for sio in (screen, *phones):
        view = workshops.view(sio)
        assert view["counts"]["received"] == 1 and "words" not in view
        assert view["settings"]["show_counts"] is True
