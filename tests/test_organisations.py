"""Organisation names: variants found, merged, un-merged, and counted as one everywhere."""
import csv
import io

import pytest

from facilitator.connect import domain as connect
from facilitator.connect import views as connect_views
from facilitator.workshops import organisations
from facilitator.workshops.organisations import normal

from conftest import DATA

FULL = "Surrey Heartlands Integrated Care Board"
SHORT = "Surrey Heartlands ICB"


def test_normal_spells_out_short_forms_and_ignores_what_does_not_tell_apart():
    assert normal(SHORT) == normal(FULL) == normal("surrey heartlands  icb.")
    assert normal("The Royal Surrey NHS FT") == normal("Royal Surrey NHS Foundation Trust")
    assert normal("Ashford & St Peter's Hospitals") == normal("Ashford and St Peters Hospitals")
    assert normal("Guildford PCN") == normal("Guildford Primary Care Network")
    assert normal("Woking Borough Council") != normal("Guildford Borough Council")


def _import(client, w, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "organisation", "role", "sector"])
    writer.writerows(rows)
    answer = client.post(f"/control/{w['key']}/roster",
                         data={"file": (io.BytesIO(out.getvalue().encode()), "r.csv")},
                         content_type="multipart/form-data").get_json()
    assert answer["ok"], answer


@pytest.fixture
def room(app, client, workshops):
    """A workshop with the 500 roster and phones that typed the ICB's short name."""
    w = workshops.create()
    with open(DATA / "roster-500.csv", encoding="utf-8") as f:
        rows = [[r["name"], r["organisation"], r["role"], r["sector"]]
                for r in csv.DictReader(f)]
    _import(client, w, rows)
    fac = workshops.facilitator(w)
    phones = [workshops.phone(w, f"Walk In {i}", SHORT if i < 3 else "Royal Surrey NHS FT")
              for i in range(5)]
    app.app_context().push()
    store = app.extensions["facilitator.store"]
    return w, fac, phones, store


def test_the_variants_are_suggested_and_no_two_real_organisations_are(room, workshops):
    w, fac, phones, store = room
    ack = fac.emit("delegate:organisation_variants", {}, callback=True)
    assert ack["ok"], ack
    suggested = [{n["name"]: n["people"] for n in s["names"]} for s in ack["suggestions"]]
    assert {FULL: 34, SHORT: 3} in suggested
    assert {"Royal Surrey NHS Foundation Trust": 65, "Royal Surrey NHS FT": 2} in suggested
    assert len(suggested) == 2  # councils' departments and boroughs stay apart
    first = next(s for s in ack["suggestions"] if s["names"][0]["name"] == FULL)
    assert first["canonical"] == FULL  # the name most use


def test_merging_counts_everyone_as_one_organisation_everywhere(room, workshops, client):
    w, fac, phones, store = room
    before = organisations.counts(store, w["id"])
    assert before[SHORT] == 3
    workshops.take(fac)
    ack = fac.emit("delegate:merge_organisations",
                   {"names": [FULL, SHORT], "canonical": FULL}, callback=True)
    assert ack["ok"], ack
    assert ack["merged"] == {"canonical": FULL, "variants": [SHORT]}
    assert all({n["name"] for n in s["names"]} != {FULL, SHORT}
               for s in ack["organisations"]["suggestions"])
    listed = {d["id"]: d for d in workshops.last(fac, "delegates")}
    mine = listed[phones[0].me["id"]]
    assert mine["organisation"] == FULL and mine["typed"] == SHORT
    after = organisations.counts(store, w["id"])
    assert SHORT not in after and after[FULL] == 37

    # A later joiner typing the variant counts under the merged name at once.
    late = workshops.phone(w, "Late Comer", "surrey heartlands icb")
    assert workshops.last(fac, "delegate")["organisation"] == FULL
    # Grouping and the connection map read the merged name.
    people = connect.people(store, w["id"])
    assert people[late.me["id"]].organisation == FULL
    assert people[phones[1].me["id"]].organisation == FULL
    # The report counts one organisation.
    page = client.get(f"/control/{w['key']}/report").get_data(as_text=True)
    assert "6 delegates from 2 organisations" in page
    # A phone's join form suggests the merged name only.
    newcomer = workshops.connect(role="delegate", code=w["code"])
    assert SHORT not in newcomer.snapshot["organisations"]
    names = newcomer.emit("organisation:suggest", {"q": "heartlands icb"}, callback=True)
    assert names == {"ok": True, "names": [FULL]}

    # Un-merging gives each their typed name back.
    ack = fac.emit("delegate:unmerge_organisation", {"organisation": FULL}, callback=True)
    assert ack["ok"] and ack["unmerged"] == 2, ack  # as typed twice: SHORT, lower case
    assert organisations.counts(store, w["id"])[SHORT] == 3
    assert connect.people(store, w["id"])[phones[0].me["id"]].organisation == SHORT


def test_the_connection_map_draws_one_node_for_a_merged_organisation(room, workshops):
    w, fac, phones, store = room
    assert fac.emit("delegate:merge_organisations", {
        "names": ["Royal Surrey NHS FT", "Royal Surrey NHS Foundation Trust"],
        "canonical": "Royal Surrey NHS Foundation Trust"}, callback=True)["ok"]
    ack = fac.emit("activity:add", {"kind": "connect", "title": "Meet", "group_size": 2,
                                    "round_count": 1, "minutes": 5}, callback=True)
    assert fac.emit("connect:start", {"activity_id": ack["activity"]["id"]},
                    callback=True)["ok"]
    activity = store.one("select * from activities where id = ?", [ack["activity"]["id"]])
    activity["config"] = __import__("json").loads(activity["config"])
    nodes = {n["name"] for n in connect_views.summary(store, activity)["nodes"]}
    assert "Royal Surrey NHS FT" not in nodes
    assert nodes <= {FULL, SHORT, "Royal Surrey NHS Foundation Trust"}


def test_merge_asks_are_checked(room, workshops):
    w, fac, phones, store = room
    bad = [
        ({"names": [FULL], "canonical": FULL}, "invalid"),
        ({"names": [FULL, SHORT], "canonical": "Somewhere Else"}, "invalid"),
        ({"names": [FULL, "Nobody Here Ltd"], "canonical": FULL}, "not_found"),
        ({"names": "Surrey", "canonical": FULL}, "invalid"),
        ({"names": [FULL, 7], "canonical": FULL}, "invalid"),
        ({"names": [FULL] * 51, "canonical": FULL}, "invalid"),
        ({"names": [FULL, "x" * 5000], "canonical": FULL}, "invalid"),
        ({"names": [FULL, SHORT], "canonical": {"$gt": ""}}, "invalid"),
        ({"names": [FULL, "\ud800<script>"], "canonical": FULL}, "not_found"),
    ]
    for payload, error in bad:
        ack = fac.emit("delegate:merge_organisations", payload, callback=True)
        assert ack["ok"] is False and ack["error"] == error and ack["message"], (payload, ack)
    assert organisations.aliases(store, w["id"]) == {}
    ack = fac.emit("delegate:unmerge_organisation", {"organisation": "Nobody Here"},
                   callback=True)
    assert ack["error"] == "not_found"
    # Phones and other workshops' facilitators merge nothing here.
    ack = phones[0].emit("delegate:merge_organisations",
                         {"names": [FULL, SHORT], "canonical": FULL}, callback=True)
    assert ack["error"] == "forbidden"
    other = workshops.facilitator(workshops.create("Another day"))
    ack = other.emit("delegate:merge_organisations",
                     {"names": [FULL, SHORT], "canonical": FULL}, callback=True)
    assert ack["error"] == "not_found"
    assert organisations.aliases(store, w["id"]) == {}


def test_phones_are_suggested_organisation_names_only(room, workshops):
    w, fac, phones, store = room
    phone = workshops.connect(role="delegate", code=w["code"])
    names = phone.emit("organisation:suggest", {"q": "ICB"}, callback=True)["names"]
    assert names[:2] == [FULL, SHORT]
    assert phone.emit("organisation:suggest", {"q": "royal sur"}, callback=True)["names"][0] \
        == "Royal Surrey NHS Foundation Trust"
    assert phone.emit("organisation:suggest", {"q": "a"}, callback=True)["names"] == []
    assert phone.emit("organisation:suggest", {"q": "Jack Ali"}, callback=True)["names"] == []
    assert phone.emit("organisation:suggest", {"q": ["x"]}, callback=True)["error"] == "invalid"
