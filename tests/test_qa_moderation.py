"""Moderating many questions at once, and undoing the last action."""
from conftest import Workshops
from test_qa_events import ask, held_questions, moderate, panel  # noqa: F401

from facilitator.extensions import get_store


def bulk(sio, activity_id, ids, action, **extra):
    return sio.emit("qa:moderate_many", {"activity_id": activity_id, "question_ids": ids,
                                         "action": action, **extra}, callback=True)


def undo(sio, activity_id, undo_id):
    return sio.emit("qa:undo", {"activity_id": activity_id, "undo_id": undo_id}, callback=True)


def asked(phones, n):
    """n questions from the phones in turn; their ids."""
    return [ask(phones[i % len(phones)], f"Question number {i}?", client_id=f"c{i}")
            ["question"]["id"] for i in range(n)]


def statuses(workshops, sio):
    return {i: q["status"] for i, q in held_questions(workshops, sio).items()}


def test_bulk_approve_is_one_write_and_one_broadcast_then_undone(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ids = asked(phones, 9)
    for sio in (fac, mod, screen, *phones):
        Workshops.take(sio)
    ack = bulk(mod, activity_id, ids[:6], "approve")
    assert ack["ok"], ack
    assert sorted(q["id"] for q in ack["questions"]) == sorted(ids[:6])
    assert ack["undo"]["count"] == 6 and ack["undo"]["action"] == "approve"
    # One view reaches the projector, holding all six.
    views = [args for name, args in ((m["name"], m["args"][0]) for m in screen.get_received())
             if name == "view"]
    assert len(views) == 1 and len(views[0]["view"]["questions"]) == 6, views
    assert all(s == "published" for i, s in statuses(workshops, fac).items() if i in ids[:6])
    # Asking again for the same is no change, and nothing to undo.
    again = bulk(mod, activity_id, ids[:6], "approve")
    assert again["ok"] and again["questions"] == [] and again["skipped"] == 6
    assert again["undo"] is None
    # Undo puts back exactly those six, from the other moderator's screen too.
    back = undo(fac, activity_id, ack["undo"]["id"])
    assert back["ok"], back
    assert back["undone"] == {"action": "approve", "count": 6}
    assert all(s == "pending" for s in statuses(workshops, fac).values())
    assert held_questions(workshops, screen) == {}
    # Once only.
    twice = undo(fac, activity_id, ack["undo"]["id"])
    assert not twice["ok"] and twice["error"] == "conflict" and "already" in twice["message"]


def test_bulk_label_and_dismiss_skip_those_already_so(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ids = asked(phones, 4)
    assert moderate(mod, activity_id, ids[0], "dismiss")["ok"]
    ack = bulk(mod, activity_id, ids, "dismiss")
    assert ack["ok"] and ack["skipped"] == 1 and len(ack["questions"]) == 3
    labelled = bulk(mod, activity_id, ids, "label", label="Chair")
    assert labelled["ok"] and {q["label"] for q in labelled["questions"]} == {"Chair"}
    wrong = bulk(mod, activity_id, ids, "label", label="Nobody")
    assert not wrong["ok"] and wrong["field"] == "label"


def test_undo_refuses_when_a_question_changed_since(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ids = asked(phones, 3)
    ack = bulk(mod, activity_id, ids, "approve")
    assert moderate(fac, activity_id, ids[1], "answering")["ok"]
    refused = undo(mod, activity_id, ack["undo"]["id"])
    assert not refused["ok"] and refused["error"] == "conflict"
    assert "1 of those questions has changed since" in refused["message"]
    assert statuses(workshops, fac)[ids[0]] == "published"  # nothing was undone


def test_single_actions_are_undone_answer_and_merge_included(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    a, b, c = asked(phones, 3)
    for q in (a, b, c):
        moderate(mod, activity_id, q, "approve")
    assert phones[2].emit("qa:vote", {"question_id": a, "up": True}, callback=True)["ok"]
    first = moderate(mod, activity_id, a, "answering")
    second = moderate(mod, activity_id, b, "answering")  # a becomes answered
    assert second["undo"]["action"] == "answering"
    assert undo(mod, activity_id, second["undo"]["id"])["ok"]
    now = statuses(workshops, fac)
    assert now[a] == "answering" and now[b] == "published"
    assert first["undo"]
    # A merge adds the asker's and voters' votes to the target; undo takes them back.
    merged = moderate(mod, activity_id, a, "answered")
    assert merged["ok"]
    m = moderate(mod, activity_id, c, "merge", into=b)
    assert m["ok"]
    assert held_questions(workshops, fac)[b]["votes"] == 1  # Cy asked c (named)
    assert undo(mod, activity_id, m["undo"]["id"])["ok"]
    held = held_questions(workshops, fac)
    assert held[c]["status"] == "published" and held[b]["votes"] == 0


def test_hostile_lists_are_refused_and_change_nothing(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ids = asked(phones, 2)
    other = workshops.create("Elsewhere")
    other_fac = workshops.facilitator(other)
    made = other_fac.emit("activity:add", {"kind": "qa", "title": "Theirs", "min_interval": 0},
                          callback=True)["activity"]["id"]
    other_fac.emit("live:set", {"activity_id": made}, callback=True)
    stranger = workshops.phone(other, "Dee", "Elsewhere")
    theirs = ask(stranger, "Not yours?", client_id="x")["question"]["id"]
    before = statuses(workshops, fac)
    for bad, field, error in (
            ([], "question_ids", "invalid"), ("1,2", "question_ids", "invalid"),
            ([ids[0], "2"], "question_ids", "not_found"), ([ids[0], True], "question_ids",
                                                            "not_found"),
            ([1.5], "question_ids", "not_found"), ([ids[0], -3], "question_ids", "not_found"),
            (list(range(1, 502)), "question_ids", "invalid"),
            ([ids[0], theirs], "question_ids", "not_found"),
            ([ids[0], 2**40], "question_ids", "not_found")):
        ack = bulk(mod, activity_id, bad, "approve")
        assert not ack["ok"] and ack["error"] == error and ack["field"] == field, (bad, ack)
    for action in ("answering", "merge", "drop", None):
        ack = bulk(mod, activity_id, ids, action)
        assert not ack["ok"] and ack["field"] == "action", ack
    assert statuses(workshops, fac) == before
    # Another workshop's moderator cannot act on this session, nor undo its actions.
    ack = bulk(mod, activity_id, ids, "approve")
    assert bulk(other_fac, activity_id, ids, "dismiss")["ok"] is False
    refused = undo(other_fac, made, ack["undo"]["id"])
    assert not refused["ok"] and refused["error"] == "not_found"
    assert not undo(other_fac, activity_id, ack["undo"]["id"])["ok"]
    for bad in ("1", True, None, 1.5):
        assert not undo(mod, activity_id, bad)["ok"]
    assert statuses(workshops, fac)[ids[0]] == "published"


def test_only_recent_actions_are_kept(workshops, panel, app):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    (q,) = asked(phones, 1)
    moderate(mod, activity_id, q, "approve")
    for i in range(30):
        assert moderate(mod, activity_id, q, "star", starred=bool(i % 2))["ok"]
    kept = get_store().one("select count(*) as n from qa_undo where activity_id = ?",
                           [activity_id])["n"]
    assert kept == 20


def test_hide_votes_is_a_setting_the_projector_gets(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ack = mod.emit("qa:settings", {"activity_id": activity_id, "hide_votes": True},
                   callback=True)
    assert ack["ok"] and ack["qa"]["settings"]["hide_votes"] is True
    assert workshops.view(screen)["settings"]["hide_votes"] is True
    bad = mod.emit("qa:settings", {"activity_id": activity_id, "hide_votes": "yes"},
                   callback=True)
    assert not bad["ok"] and bad["field"] == "hide_votes"
