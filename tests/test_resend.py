"""A resent submission is acknowledged only once its first copy is on disk."""
import threading

import pytest

from test_qa_events import panel  # noqa: F401  (the fixture)


def held_commit(store):
    """Hold the next group commit open between its writes and its COMMIT."""
    holding, release = threading.Event(), threading.Event()
    real = store._gather

    def gather():
        holding.set()
        release.wait(10)
        real()
    store._gather = gather
    return holding, release


def in_thread(fn):
    result = {}
    thread = threading.Thread(target=lambda: result.update(ack=fn()), daemon=True)
    thread.start()
    return thread, result


@pytest.mark.parametrize("event", ["qa:ask", "prompt:answer"])
def test_a_resend_inside_a_group_commit_waits_for_that_commit(workshops, panel, app, event):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    if event == "prompt:answer":
        poll = fac.emit("activity:add", {"kind": "poll", "title": "Which?",
                                         "options": ["A", "B"]}, callback=True)
        activity_id = poll["activity"]["id"]
        assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
        payload = {"client_id": "c1", "activity_id": activity_id, "choices": [0]}
    else:
        payload = {"client_id": "c1", "text": "Is this on disk?"}
    ann = phones[0]
    twin = workshops.connect(role="delegate", code=w["code"], token=ann.token)
    store = app.extensions["facilitator.store"]
    holding, release = held_commit(store)

    first, first_ack = in_thread(lambda: ann.emit(event, payload, callback=True))
    assert holding.wait(5), "the first copy is written and waits for its commit"
    store._gather = type(store)._gather  # later commits go through as usual
    resend, resend_ack = in_thread(lambda: twin.emit(event, payload, callback=True))
    resend.join(0.5)
    assert resend.is_alive() and not resend_ack, "no ack before the first copy's COMMIT"
    release.set()
    first.join(5)
    resend.join(5)
    assert first_ack["ack"]["ok"] and resend_ack["ack"]["ok"]
    committed = store.one("select count(*) as n from " + (
        "qa_questions" if event == "qa:ask" else "response_ids"))["n"]
    assert committed == 1
