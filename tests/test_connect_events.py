"""Socket layer: running Connect rounds from the control screen and acting on phones."""
import pytest

from facilitator import realtime
from facilitator.connect import domain
from facilitator.store import now

ORGS = ["Royal Surrey", "Royal Surrey", "County Council", "County Council", "ICB", "Hospice",
        "GP Network", "Carers Trust"]


@pytest.fixture
def event(workshops, app):
    """A workshop with a control screen, a projector and eight phones."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    screen = workshops.connect(role="screen", key=workshops.links(fac)["screen"])
    phones = [workshops.phone(w, f"Person {i}", ORGS[i]) for i in range(8)]
    app.app_context().push()
    return w, fac, screen, phones


def add_connect(fac, **settings):
    """Add a Connect activity; return its id."""
    data = {"kind": "connect", "title": "Meet someone new", "group_size": 2, "round_count": 3,
            "minutes": 5, **settings}
    ack = fac.emit("activity:add", data, callback=True)
    assert ack["ok"], ack
    return ack["activity"]["id"]


def start(fac, activity_id):
    ack = fac.emit("connect:start", {"activity_id": activity_id}, callback=True)
    assert ack["ok"], ack
    return ack["round"]


def cards(workshops, phones):
    """Each phone's card as it holds it now, keyed by delegate id."""
    return {p.me["id"]: workshops.held(p)["mine"] for p in phones}


def stored_groups(app, activity_id):
    store = app.extensions["facilitator.store"]
    round_ = domain.latest_round(store, activity_id)
    return [sorted(ids) for _, ids in domain.active_groups(store, round_["id"]) if ids]


def test_a_round_gives_every_phone_a_card_matching_the_stored_groups(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, meeting_points={"mode": "tables", "tables": 3})
    assert start(fac, activity_id) == 1
    got = cards(workshops, phones)
    groups = stored_groups(app, activity_id)
    assert sorted(len(g) for g in groups) == [2, 2, 2, 2]
    for group in groups:
        for member in group:
            card = got[member]["group"]
            assert sorted([m["id"] for m in card["members"]] + [member]) == group
            assert card["meeting_point"].startswith("Table ")
            assert card["round"] == 1 and card["found"] is False
    # Organisations kept apart: nobody is paired with a colleague.
    names = {p.me["id"]: ORGS[i] for i, p in enumerate(phones)}
    assert all(names[a] != names[b] for a, b in groups)
    live = workshops.view(screen)
    assert live["round"]["number"] == 1 and live["round"]["running"]
    assert live["round"]["prompt"] and live["total_rounds"] == 3
    assert live["round"]["ends_at"] == pytest.approx(now() + 300, abs=5)
    assert live["progress"] == {"round": 1, "placed": 8, "found": 0}
    assert "control" not in live  # the groups are the control screens' alone
    control = workshops.view(fac)["control"]
    assert len(control["groups"]) == 4 and control["progress"]["placed"] == 8
    assert workshops.view(fac)["progress"]["placed"] == 8
    for phone in phones:  # phones see the round, and their own card, only
        view = workshops.view(phone)
        assert view["round"] == live["round"]
        assert "progress" not in view and "control" not in view


def test_found_know_and_the_next_round_avoids_repeats_and_acquaintances(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, round_count=5)
    start(fac, activity_id)
    got = cards(workshops, phones)
    first = phones[0]
    partner = got[first.me["id"]]["group"]["members"][0]["id"]
    assert first.emit("connect:found", {}, callback=True)["ok"]
    got = cards(workshops, phones)
    assert got[first.me["id"]]["group"]["found"] and got[partner]["group"]["found"]
    assert [m["found"] for m in got[partner]["group"]["members"]] == [True]
    assert workshops.view(screen)["progress"]["found"] == 0  # counts go once a beat
    realtime.beat()
    assert workshops.view(screen)["progress"]["found"] == 2  # the pair found each other
    members = {m["id"]: m for g in workshops.view(fac)["control"]["groups"]
               for m in g["members"]}
    assert [d for d, m in members.items() if m["found"]] == \
        [d for d in members if d in (first.me["id"], partner)]
    # Say phone 1 already knows someone from another pair: allowed only within the group.
    other = next(p for p in phones if p.me["id"] not in (first.me["id"], partner))
    other_partner = got[other.me["id"]]["group"]["members"][0]["id"]
    refused = other.emit("connect:know", {"delegate_id": first.me["id"]}, callback=True)
    assert refused["error"] == "not_found"
    assert other.emit("connect:know", {"delegate_id": other_partner}, callback=True)["ok"]
    got = cards(workshops, phones)
    assert got[other.me["id"]]["group"]["members"][0]["known"] is True
    seen = {frozenset(g) for g in stored_groups(app, activity_id)}
    for _ in range(3):
        start(fac, activity_id)
        now_groups = {frozenset(g) for g in stored_groups(app, activity_id)}
        assert not now_groups & seen, "a pair met twice while others had not met"
        seen |= now_groups


def test_odd_numbers_make_a_trio_and_late_arrivals_join_a_group(app, workshops, event):
    w, fac, screen, phones = event
    phones[-1].disconnect()
    realtime.registry._last_seen.clear()  # as if offline for long
    activity_id = add_connect(fac)
    start(fac, activity_id)
    sizes = sorted(len(g) for g in stored_groups(app, activity_id))
    assert sizes == [2, 2, 3]
    late = workshops.phone(w, "Late Comer", "Fire Service")
    card = workshops.held(late)["mine"]
    assert card["group"] is not None and len(card["group"]["members"]) in (2, 3)
    # The people they join get a card naming them.
    joined = {m["id"] for m in card["group"]["members"]}
    for phone in phones[:-1]:
        names = [m["id"] for m in (workshops.held(phone)["mine"]["group"] or {}).get(
            "members", [])]
        assert (late.me["id"] in names) == (phone.me["id"] in joined)
    assert sum(len(g) for g in stored_groups(app, activity_id)) == 8


def test_late_arrivals_wait_when_the_facilitator_does_not_allow_joining(workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, late_join=False)
    start(fac, activity_id)
    late = workshops.phone(w, "Late Comer", "Fire Service")
    assert late.snapshot["live"]["mine"]["group"] is None
    assert workshops.held(late)["mine"]["group"] is None
    assert late.emit("connect:found", {}, callback=True)["error"] == "not_in_round"


def test_cant_find_regroups_after_the_grace_period(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, grace_seconds=15)
    start(fac, activity_id)
    got = cards(workshops, phones)
    before = {frozenset(g) for g in stored_groups(app, activity_id)}
    # Two people from different pairs cannot find their partners.
    a = phones[0]
    b = next(p for p in phones if p.me["id"] not in
             [a.me["id"]] + [m["id"] for m in got[a.me["id"]]["group"]["members"]])
    for phone in (a, b):
        ack = phone.emit("connect:cant_find", {}, callback=True)
        assert ack["ok"] and ack["regroup_at"] > now()
    realtime.beat()  # still within the grace period: nothing moves
    assert len(stored_groups(app, activity_id)) == 4
    store = app.extensions["facilitator.store"]
    with store.write() as db:
        db.execute("update connect_rounds set started_at = started_at - 60")
    realtime.beat()
    realtime.beat()  # the new cards go with the beat after the regrouping
    groups = stored_groups(app, activity_id)
    # The two, and the partners they left alone, join the other groups: nobody is put
    # back with the person they could not find.
    partner = {d: next(iter(g - {d})) for g in before for d in g}
    lost = {a.me["id"], b.me["id"], partner[a.me["id"]], partner[b.me["id"]]}
    for group in groups:
        for d in lost & set(group):
            assert partner[d] not in group
    # Pairs become trios first; only once they are full do lost strangers pair up.
    assert sorted(map(len, groups)) == [2, 3, 3]
    got = cards(workshops, phones)
    for group in groups:  # every phone holds the group it was put in
        for member in group:
            held = got[member]["group"]
            assert sorted([m["id"] for m in held["members"]] + [member]) == sorted(group)
    assert sum(len(g) for g in groups) == 8 and all(len(g) >= 2 for g in groups)


def test_sitting_out_and_back(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac)
    start(fac, activity_id)
    quiet = phones[2]
    assert quiet.emit("connect:sit_out", {"sitting_out": True}, callback=True)["ok"]
    assert workshops.held(quiet)["mine"]["sitting_out"] is True
    start(fac, activity_id)
    assert quiet.me["id"] not in {d for g in stored_groups(app, activity_id) for d in g}
    assert quiet.emit("connect:sit_out", {"sitting_out": False}, callback=True)["ok"]
    assert quiet.me["id"] in {d for g in stored_groups(app, activity_id) for d in g}


def test_rounds_end_on_the_server_deadline(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, minutes=1)
    start(fac, activity_id)
    store = app.extensions["facilitator.store"]
    with store.write() as db:
        db.execute("update connect_rounds set ends_at = ?", [now() - 1])
    workshops.drain(screen)
    realtime.beat()
    assert workshops.last(screen, "live")["activity"]["round"]["running"] is False
    for sio in (screen, fac, *phones):
        assert workshops.view(sio)["round"]["running"] is False
    assert phones[0].emit("connect:found", {}, callback=True)["error"] == "not_running"


def test_extend_and_end_round(workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac)
    start(fac, activity_id)
    before = workshops.last(screen, "live")["activity"]["round"]["ends_at"]
    ack = fac.emit("connect:extend", {"activity_id": activity_id, "seconds": 60}, callback=True)
    assert ack["ends_at"] == pytest.approx(before + 60)
    assert fac.emit("connect:end_round", {"activity_id": activity_id}, callback=True)["ok"]
    assert workshops.last(screen, "live")["activity"]["round"]["running"] is False
    assert fac.emit("connect:end_round", {"activity_id": activity_id},
                    callback=True)["error"] == "not_running"


def test_summary_counts_new_connections_and_shares_contacts_both_ways(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, round_count=1)
    start(fac, activity_id)
    got = cards(workshops, phones)
    for phone in phones:
        phone.emit("connect:found", {}, callback=True)
    a = phones[0]
    partner_id = got[a.me["id"]]["group"]["members"][0]["id"]
    partner = next(p for p in phones if p.me["id"] == partner_id)
    assert fac.emit("connect:start", {"activity_id": activity_id}, callback=True)["error"] == "end"
    assert fac.emit("connect:summary", {"activity_id": activity_id}, callback=True)["ok"]
    summary = workshops.last(screen, "live")["activity"]["summary"]
    assert summary["new_connections"] == 4 and summary["cross_organisation"] == 4
    assert summary["people"] == 8
    assert {n["name"] for n in summary["nodes"]} == set(ORGS)
    assert sum(link["meetings"] for link in summary["links"]) == 4
    assert workshops.view(fac)["summary"] == summary
    assert workshops.view(a)["summary"] == summary
    assert a.emit("connect:contact", {"contact": "ann@example.org"}, callback=True)["ok"]
    mine = workshops.held(partner)["mine"]
    assert mine["met"][0]["contact"] is None  # the partner has not shared theirs
    assert workshops.held(a)["mine"]["my_contact"] == "ann@example.org"
    assert partner.emit("connect:contact", {"contact": "07700 900123"}, callback=True)["ok"]
    assert workshops.held(a)["mine"]["met"][0]["contact"] == "07700 900123"
    assert workshops.held(partner)["mine"]["met"][0]["contact"] == "ann@example.org"
    others = [p for p in phones if p not in (a, partner)]
    assert all(m["contact"] is None for p in others for m in workshops.held(p)["mine"]["met"])


@pytest.mark.parametrize("settings, field", [
    ({"group_size": 1}, "group_size"), ({"group_size": 7}, "group_size"),
    ({"round_count": 0}, "round_count"), ({"minutes": 0}, "minutes"),
    ({"template": "speed-dating"}, "template"), ({"prompts": "hi"}, "prompts"),
    ({"prompts": ["x" * 301]}, "prompts"), ({"meeting_points": {"mode": "spots"}},
                                            "meeting_points"),
    ({"meeting_points": {"mode": "tables", "tables": 0}}, "tables"),
    ({"template": "troika", "prompts": ["a", "b"]}, "prompts"),
])
def test_bad_settings_are_refused_with_a_message(workshops, event, settings, field):
    w, fac, screen, phones = event
    data = {"kind": "connect", "title": "Meet", **settings}
    ack = fac.emit("activity:add", data, callback=True)
    assert ack["ok"] is False and ack["field"] == field and ack["message"]


def test_phone_actions_need_a_live_connect_round(workshops, event):
    w, fac, screen, phones = event
    for name, payload in [("connect:found", {}), ("connect:cant_find", {}),
                          ("connect:know", {"delegate_id": 1}),
                          ("connect:sit_out", {"sitting_out": True}),
                          ("connect:contact", {"contact": "x"})]:
        assert phones[0].emit(name, payload, callback=True)["error"] == "not_live"
        assert fac.emit(name, payload, callback=True)["error"] == "forbidden"
    unjoined = workshops.phone(w, name=None)
    activity_id = add_connect(fac)
    start(fac, activity_id)
    assert unjoined.emit("connect:found", {}, callback=True)["error"] == "not_joined"
    for name in ("connect:start", "connect:end_round", "connect:extend", "connect:summary"):
        assert phones[0].emit(name, {"activity_id": activity_id},
                              callback=True)["error"] == "forbidden"


def test_templates_run_their_shapes(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, template="one_two_four_all")
    start(fac, activity_id)  # solo: no groups
    assert stored_groups(app, activity_id) == []
    assert workshops.held(phones[0])["mine"]["group"] is None
    start(fac, activity_id)  # pairs
    pairs = stored_groups(app, activity_id)
    start(fac, activity_id)  # fours made of two pairs
    fours = stored_groups(app, activity_id)
    assert sorted(len(g) for g in fours) == [4, 4]
    assert all(any(set(p) <= set(f) for f in fours) for p in pairs)
    start(fac, activity_id)  # whole room
    live = workshops.last(screen, "live")["activity"]
    assert live["round"]["kind"] == "all" and live["next"] is None
    troika = add_connect(fac, template="troika", minutes=12)
    start(fac, troika)
    live = workshops.last(screen, "live")["activity"]["round"]
    assert live["turns"] == 3 and len(live["phases"]) == 4
    assert sum(p["seconds"] for p in live["phases"]) * 3 == pytest.approx(720, abs=15)
    assert sorted(len(g) for g in stored_groups(app, troika)) == [4, 4] or \
        sorted(len(g) for g in stored_groups(app, troika)) == [3, 5]


def test_csv_exports_are_for_the_facilitator_and_safe_in_spreadsheets(client, workshops,
                                                                        event):
    w, fac, screen, phones = event
    evil = workshops.phone(w, "=HYPERLINK(\"http://x\")", "@Org")
    activity_id = add_connect(fac, round_count=1)
    start(fac, activity_id)
    for phone in phones + [evil]:
        phone.emit("connect:found", {}, callback=True)
    groups = client.get(f"/control/{w['key']}/activities/{activity_id}/groups.csv")
    assert groups.status_code == 200 and groups.mimetype == "text/csv"
    assert f'filename="connect-{activity_id}-groups.csv"' in \
        groups.headers["Content-Disposition"]
    text = groups.get_data(as_text=True)
    assert text.count("\n") == 1 + 9
    assert "'=HYPERLINK" in text and "'@Org" in text and ",=HYPERLINK" not in text
    meetings = client.get(f"/control/{w['key']}/activities/{activity_id}/meetings.csv")
    lines = meetings.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 1 + 4 + 2  # four pairs and one trio (three meetings)
    assert client.get(f"/control/wrong-key-123456789/activities/{activity_id}/groups.csv") \
        .status_code == 404
    assert client.get(f"/control/{w['key']}/activities/999/meetings.csv").status_code == 404


def test_know_swaps_two_pairs_who_both_know_each_other(app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, separate_organisations=False)
    start(fac, activity_id)
    got = cards(workshops, phones)
    by_id = {p.me["id"]: p for p in phones}
    pairs = [sorted(g) for g in stored_groups(app, activity_id)]
    (a, b), (c, d) = pairs[0], pairs[1]
    # The first pair alone cannot swap: nobody else is free to move.
    ack = by_id[a].emit("connect:know", {"delegate_id": b}, callback=True)
    assert ack["ok"] and ack["swapped"] is False
    assert sorted(stored_groups(app, activity_id)) == sorted(pairs)
    # A second pair who also know each other: the two pairs swap partners.
    ack = by_id[c].emit("connect:know", {"delegate_id": d}, callback=True)
    assert ack["ok"] and ack["swapped"] is True
    groups = [set(g) for g in stored_groups(app, activity_id)]
    assert len(groups) == 4 and all(len(g) == 2 for g in groups)
    assert {a, b} not in groups and {c, d} not in groups
    assert {c, a} in groups or {c, b} in groups
    got = cards(workshops, phones)
    for group in groups:  # every phone moved holds its new partner, marked as moved
        for member in group:
            held = got[member]["group"]
            assert {m["id"] for m in held["members"]} == group - {member}
    moved = {m for m in (a, b, c, d) if got[m]["group"]["regrouped"]}
    assert d in moved and len(moved) == 2 and c not in moved
    # The ties are remembered for later rounds.
    for _ in range(2):
        start(fac, activity_id)
        assert {a, b} not in [set(g) for g in stored_groups(app, activity_id)]
        assert {c, d} not in [set(g) for g in stored_groups(app, activity_id)]


def test_group_numbers_agree_on_phones_control_and_projector_after_regroups(
        app, workshops, event):
    w, fac, screen, phones = event
    activity_id = add_connect(fac, grace_seconds=15, table_list=True,
                              separate_organisations=False,
                              meeting_points={"mode": "tables", "tables": 3})
    start(fac, activity_id)
    store = app.extensions["facilitator.store"]
    pairs = [sorted(g) for g in stored_groups(app, activity_id)]
    by_id = {p.me["id"]: p for p in phones}

    def agree():
        realtime.beat()
        realtime.beat()
        everyone = phones + walk_ins
        held = {d: c["group"] for d, c in cards(workshops, everyone).items() if c["group"]}
        control = {m["id"]: (g["number"], g["meeting_point"])
                   for g in workshops.view(fac)["control"]["groups"] for m in g["members"]}
        names = {p.me["id"]: p.me["name"].split()[0] for p in everyone}
        projector = workshops.view(screen)["tables"]
        assert {d: (g["number"], g["meeting_point"]) for d, g in held.items()} == control
        for table in projector:
            inside = {d for d, (number, _) in control.items() if number == table["number"]}
            assert sorted(n.split()[0] for n in table["names"]) == \
                sorted(names[d] for d in inside)
            assert {control[d][1] for d in inside} == {table["meeting_point"]}
        assert sum(len(t["names"]) for t in projector) == len(control)

    walk_ins = []
    agree()
    # Know (with a swap), sit out, can't find after the grace period, then a walk-in.
    for a, b in pairs[:2]:
        assert by_id[a].emit("connect:know", {"delegate_id": b}, callback=True)["ok"]
    agree()
    a, b = sorted(stored_groups(app, activity_id))[2]
    assert by_id[a].emit("connect:sit_out", {"sitting_out": True}, callback=True)["ok"]
    agree()
    c = sorted(stored_groups(app, activity_id))[-1][0]
    assert by_id[c].emit("connect:cant_find", {}, callback=True)["ok"]
    with store.write() as db:
        db.execute("update connect_rounds set started_at = started_at - 60")
    agree()
    walk_ins.append(workshops.phone(w, "Late Comer", "Fire Service"))
    assert cards(workshops, walk_ins)[walk_ins[0].me["id"]]["group"]
    agree()
