"""No moderator or facilitator screen, event or export ties an anonymous question
to a name, or to the same person's other questions."""
import io
import json
import zipfile

from test_qa_events import ask, panel  # noqa: F401  (the fixture)


def publish_without_review(mod, activity_id):
    assert mod.emit("qa:settings", {"activity_id": activity_id, "auto_publish": True},
                    callback=True)["ok"]


def moderation_view(mod, activity_id) -> dict:
    return {q["id"]: q for q in mod.emit("qa:open", {"activity_id": activity_id},
                                         callback=True)["qa"]["questions"]}


def test_silencing_an_anonymous_asker_marks_and_sends_only_that_question(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    publish_without_review(mod, activity_id)
    ann = phones[0]
    named = ask(ann, "Named one", client_id="n1", anonymous=False)["question"]["id"]
    hidden = ask(ann, "Anonymous one", client_id="a1", anonymous=True)["question"]["id"]
    other = ask(ann, "Anonymous two", client_id="a2", anonymous=True)["question"]["id"]
    for sio in (mod, fac, screen, *phones):
        workshops.drain(sio)
    assert mod.emit("qa:silence", {"activity_id": activity_id, "question_id": hidden,
                                   "silenced": True}, callback=True)["ok"]
    for screen_ in (mod, fac):
        pushed = workshops.received(screen_, "view")
        assert [[q["id"] for q in v["view"]["questions"]] for v in pushed] == [[hidden]], \
            "only the question acted on"
    for screen_ in (screen, *phones):  # published: every screen has it, silenced or not
        [pushed] = workshops.received(screen_, "view")
        assert [q["id"] for q in pushed["view"]["questions"]] == [hidden]
        assert "silenced" not in pushed["view"]["questions"][0]
    view = moderation_view(mod, activity_id)
    assert view[hidden]["silenced"]
    assert not view[named]["silenced"] and not view[other]["silenced"]
    assert all(view[q]["asker"] is None for q in (hidden, other))

    # Later anonymous posts are held; later named ones are not (holding them would
    # show who asked the anonymous question).
    later_anonymous = ask(ann, "Anonymous three", client_id="a3", anonymous=True)["question"]
    later_named = ask(ann, "Named two", client_id="n2", anonymous=False)["question"]
    assert later_anonymous["status"] == "pending"
    assert later_named["status"] == "published"
    view = moderation_view(mod, activity_id)
    assert view[later_anonymous["id"]]["held"] == "silenced"
    assert view[later_named["id"]]["held"] is None and not view[later_named["id"]]["silenced"]

    # Lifting the silence shows on that question and lets later posts through.
    workshops.drain(mod)
    assert mod.emit("qa:silence", {"activity_id": activity_id, "question_id": hidden,
                                   "silenced": False}, callback=True)["ok"]
    lifted = [q for v in workshops.received(mod, "view") for q in v["view"]["questions"]]
    assert [(q["id"], q["silenced"]) for q in lifted] == [(hidden, False)]
    assert not moderation_view(mod, activity_id)[hidden]["silenced"]
    assert ask(ann, "Anonymous four", client_id="a4", anonymous=True)["question"]["status"] \
        == "published"


def test_silencing_a_named_asker_does_not_touch_their_anonymous_posts(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    publish_without_review(mod, activity_id)
    ann = phones[0]
    named = ask(ann, "Named", client_id="n1")["question"]["id"]
    anonymous = ask(ann, "Secret", client_id="a1", anonymous=True)["question"]["id"]
    workshops.drain(mod)
    assert mod.emit("qa:silence", {"activity_id": activity_id, "question_id": named},
                    callback=True)["ok"]
    assert [[q["id"] for q in v["view"]["questions"]]
            for v in workshops.received(mod, "view")] == [[named]]
    assert workshops.view(mod)["questions"] and \
        not {q["id"]: q for q in workshops.view(mod)["questions"]}[anonymous]["silenced"]
    assert not moderation_view(mod, activity_id)[anonymous]["silenced"]
    assert ask(ann, "Named again", client_id="n2")["question"]["status"] == "pending"
    assert ask(ann, "Secret again", client_id="a2", anonymous=True)["question"]["status"] \
        == "published"


def test_the_export_does_not_say_who_asked_an_anonymous_question(workshops, panel, client):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ask(phones[0], "Named", client_id="n1")
    secret = ask(phones[0], "Secret", client_id="a1", anonymous=True)["question"]["id"]
    mod.emit("qa:silence", {"activity_id": activity_id, "question_id": secret}, callback=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/control/{w['key']}/export").data))
    tables = json.loads(archive.read("data.json"))["tables"]
    questions = {q["id"]: q for q in tables["qa_questions"]}
    assert "delegate_id" not in questions[secret]
    assert questions[secret]["text"] == "Secret"
    assert all("delegate_id" in q for q in questions.values() if not q["anonymous"])
    assert tables["qa_silences"] and all(
        "delegate_id" not in s and "name_key" not in s for s in tables["qa_silences"])
    assert "Ann" not in json.dumps(tables["qa_silences"])


def test_whoever_claims_a_released_name_sees_nothing_its_last_holder_sent(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ann = phones[0]
    secret = ask(ann, "Only I know I asked this", client_id="a1", anonymous=True)["question"]
    assert fac.emit("delegate:release", {"delegate_id": ann.me["id"]}, callback=True)["ok"]
    taker = workshops.connect(role="delegate", code=w["code"])
    assert taker.emit("delegate:claim", {"delegate_id": ann.me["id"]}, callback=True)["ok"]
    mine = taker.emit("live:mine", {}, callback=True)["mine"]
    assert mine["questions"] == [] and mine["asked"] == 0
    workshops.drain(taker)
    # A moderator acting on the earlier holder's question tells the new holder nothing.
    assert mod.emit("qa:moderate", {"activity_id": activity_id, "question_id": secret["id"],
                                    "action": "approve"}, callback=True)["ok"]
    assert all(m["mine"]["questions"] == [] and m["mine"]["asked"] == 0
               for m in workshops.received(taker, "mine"))
    assert workshops.held(taker)["mine"]["questions"] == []
    assert workshops.held(taker)["mine"]["voted"] == []
    own = ask(taker, "Mine now", client_id="t1")["question"]
    assert [q["id"] for q in taker.emit("live:mine", {}, callback=True)["mine"]["questions"]] \
        == [own["id"]]


def test_merging_an_anonymous_question_records_no_vote_by_its_asker(workshops, panel, app):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    publish_without_review(mod, activity_id)
    named = ask(phones[1], "Named target", client_id="n1")["question"]["id"]
    hidden = ask(phones[0], "Same, anonymously", client_id="a1", anonymous=True)["question"]["id"]
    assert mod.emit("qa:moderate", {"activity_id": activity_id, "question_id": hidden,
                                    "action": "merge", "into": named}, callback=True)["ok"]
    votes = app.extensions["facilitator.store"].all("select delegate_id from qa_votes")
    assert {v["delegate_id"] for v in votes} == set()


def test_a_silence_cannot_be_probed_by_joining_under_a_chosen_name(workshops, panel, app):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    publish_without_review(mod, activity_id)
    hidden = ask(phones[0], "Anonymous", client_id="a1", anonymous=True)["question"]["id"]
    assert mod.emit("qa:silence", {"activity_id": activity_id, "question_id": hidden},
                    callback=True)["ok"]
    # The facilitator adds the suspect's name again, under another organisation, claims it
    # and posts anonymously: not held, so it tells nothing.
    store = app.extensions["facilitator.store"]
    store.db["delegates"].insert({"workshop_id": w["id"], "name": "Ann", "name_key": "ann",
                                  "name_skeleton": "ann", "organisation": "Probe Org",
                                  "source": "roster", "created_at": 1})
    probe = workshops.connect(role="delegate", code=w["code"])
    entry = next(m for m in probe.emit("roster:search", {"q": "Ann"}, callback=True)["matches"]
                 if m["organisation"] == "Probe Org")
    assert probe.emit("delegate:claim", {"delegate_id": entry["id"]}, callback=True)["ok"]
    assert ask(probe, "Probe", client_id="p1", anonymous=True)["question"]["status"] \
        == "published"
    # The silenced asker's own phone is still held.
    assert ask(phones[0], "Again", client_id="a2", anonymous=True)["question"]["status"] \
        == "pending"


def test_the_export_has_no_timing_or_phone_ids_that_point_at_an_anonymous_asker(
        workshops, panel, client):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    ask(phones[0], "Secret", client_id="a1", anonymous=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/control/{w['key']}/export").data))
    tables = json.loads(archive.read("data.json"))["tables"]
    assert all("active_at" not in d for d in tables["delegates"])
    [question] = tables["qa_questions"]
    assert "client_id" not in question and "delegate_id" not in question


def test_an_anonymous_question_does_not_count_as_taking_part(workshops, panel):  # noqa: F811
    w, fac, mod, screen, phones, activity_id = panel
    def never_took_part():
        return fac.emit("delegate:remove_walk_ins", {"minutes": 5, "dry_run": True},
                        callback=True)["removed"]
    before = never_took_part()
    assert ask(phones[0], "Secret", client_id="a1", anonymous=True)["ok"]
    assert never_took_part() == before, "the count would point at the anonymous asker"
    assert ask(phones[1], "Named", client_id="n1", anonymous=False)["ok"]
    assert never_took_part() == before - 1
