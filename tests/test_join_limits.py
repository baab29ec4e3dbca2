"""A crowd faked by one client: join limits, closing the doors, removing a burst of
fake walk-ins, and who counts as present for grouping; workshop creation limits."""
import limits
import pytest

from facilitator import create_app, realtime, socketio
from facilitator.connect.kind import OFFLINE_GRACE
from facilitator.workshops import domain


@pytest.fixture
def strict(tmp_path):
    """An app whose join limit is 5 walk-ins per address, so a flood is quick to show."""
    app = create_app({"DATABASE": str(tmp_path / "j.db"), "ASYNC_MODE": "threading",
                      "SECRET_KEY": "test", "HEARTBEAT_INTERVAL": 3600,
                      "JOIN_LIMIT": limits.parse("5 per 100 seconds")})
    realtime.reset()
    yield app
    realtime.reset()
    app.extensions["facilitator.store"].close()


def walk_in(app, code, name):
    sio = socketio.test_client(app, auth={"role": "delegate", "code": code})
    return sio, sio.emit("delegate:join", {"name": name, "organisation": "Flood Ltd"},
                         callback=True)


def test_the_default_join_limit_is_a_burst_of_300_then_3_a_second(app):
    limit = app.config["JOIN_LIMIT"]
    assert (limit.amount, limit.get_expiry()) == (300, 100)


def test_a_join_flood_from_one_address_is_cut_off_and_claims_still_work(strict):
    from conftest import Workshops
    workshops = Workshops(strict, strict.test_client())
    w = workshops.create()
    strict.app_context().push()
    store = strict.extensions["facilitator.store"]
    store.db["delegates"].insert({"workshop_id": w["id"], "name": "Real Person",
                                  "name_key": "real person", "organisation": "NHS",
                                  "source": "roster", "created_at": 1})
    acks = [walk_in(strict, w["code"], f"Fake {n}")[1] for n in range(8)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False] * 3
    assert {a["error"] for a in acks[5:]} == {"too_many_joins"}
    assert "Wait a few seconds" in acks[5]["message"]
    phone = socketio.test_client(strict, auth={"role": "delegate", "code": w["code"]})
    match = phone.emit("roster:search", {"q": "real"}, callback=True)["matches"][0]
    assert phone.emit("delegate:claim", {"delegate_id": match["id"]}, callback=True)["ok"]
    # Only walk-ins from that address are limited.
    workshop = {"doors": "open", "id": w["id"]}
    for _ in range(5):
        domain.admit(workshop, strict.config["JOIN_LIMIT"], "203.0.113.9", walk_in=True)
    with pytest.raises(domain.Problem):
        domain.admit(workshop, strict.config["JOIN_LIMIT"], "203.0.113.9", walk_in=True)


def test_closing_the_doors(workshops, app):
    w = workshops.create()
    fac = workshops.facilitator(w)
    inside = workshops.phone(w, "Already In", "Trust")
    assert fac.snapshot["workshop"]["doors"] == "open"
    app.app_context().push()
    app.extensions["facilitator.store"].db["delegates"].insert({
        "workshop_id": w["id"], "name": "On List", "name_key": "on list",
        "organisation": "NHS", "source": "roster", "created_at": 1})

    ack = fac.emit("workshop:update", {"doors": "roster"}, callback=True)
    assert ack["ok"] and ack["workshop"]["doors"] == "roster"
    assert workshops.last(inside, "workshop")["doors"] == "roster"
    late = workshops.connect(role="delegate", code=w["code"])
    refused = late.emit("delegate:join", {"name": "New Face", "organisation": "X"},
                        callback=True)
    assert refused["error"] == "doors_closed" and "delegate list" in refused["message"]
    match = late.emit("roster:search", {"q": "on list"}, callback=True)["matches"][0]

    assert fac.emit("workshop:update", {"doors": "closed"}, callback=True)["ok"]
    closed = late.emit("delegate:claim", {"delegate_id": match["id"]}, callback=True)
    assert closed["error"] == "doors_closed" and "closed the doors" in closed["message"]
    assert fac.emit("workshop:update", {"doors": "roster"}, callback=True)["ok"]
    assert late.emit("delegate:claim", {"delegate_id": match["id"]}, callback=True)["ok"]
    # Phones already in are not affected, and bad values are refused.
    assert inside.emit("roster:search", {"q": "zz"}, callback=True)["ok"]
    assert fac.emit("workshop:update", {"doors": "ajar"}, callback=True)["error"] == "invalid"


def test_a_burst_of_fake_walk_ins_is_removed_at_once(workshops, app):
    w = workshops.create()
    fac = workshops.facilitator(w)
    fakes = [workshops.phone(w, f"Fake {n}", "Flood Ltd") for n in range(6)]
    real = workshops.phone(w, "Real One", "Council")
    poll = fac.emit("activity:add", {"kind": "poll", "title": "Which?", "options": ["A", "B"]},
                    callback=True)["activity"]["id"]
    assert fac.emit("live:set", {"activity_id": poll}, callback=True)["ok"]
    assert real.emit("prompt:answer", {"client_id": "a", "choices": [1]}, callback=True)["ok"]

    preview = fac.emit("delegate:remove_walk_ins", {"minutes": 15, "dry_run": True},
                       callback=True)
    assert preview == {"ok": True, "removed": 6, "dry_run": True}
    assert all(f.is_connected() for f in fakes)
    done = fac.emit("delegate:remove_walk_ins", {"minutes": 15}, callback=True)
    assert done["removed"] == 6
    assert not any(f.is_connected() for f in fakes) and real.is_connected()
    listed = {d["name"]: d for d in workshops.last(fac, "delegates")}
    assert listed["Fake 0"]["removed"] and not listed["Real One"]["removed"]
    assert fac.emit("delegate:remove_walk_ins", {"minutes": 15}, callback=True)["removed"] == 0
    assert fac.emit("delegate:remove_walk_ins", {"minutes": 0}, callback=True)["error"] \
        == "invalid"
    assert real.emit("delegate:remove_walk_ins", {"minutes": 5}, callback=True)["error"] \
        == "forbidden"


def test_a_phone_that_joined_and_went_without_a_tap_is_not_present(workshops, app):
    w = workshops.create()
    fac = workshops.facilitator(w)
    idle = workshops.phone(w, "Joined Only", "Flood Ltd")
    keen = workshops.phone(w, "Took Part", "Council")
    poll = fac.emit("activity:add", {"kind": "poll", "title": "Which?", "options": ["A", "B"]},
                    callback=True)["activity"]["id"]
    fac.emit("live:set", {"activity_id": poll}, callback=True)
    assert keen.emit("prompt:answer", {"client_id": "a", "choices": [0]}, callback=True)["ok"]
    app.app_context().push()
    both = {idle.me["id"], keen.me["id"]}
    assert realtime.registry.present(w["id"], OFFLINE_GRACE) == both
    idle.disconnect()
    keen.disconnect()
    assert realtime.registry.present(w["id"], OFFLINE_GRACE) == {keen.me["id"]}
    # Removed, they are not counted as present either (nor grouped, nor awaited).
    assert fac.emit("delegate:remove", {"delegate_id": keen.me["id"]}, callback=True)["ok"]
    assert realtime.registry.present(w["id"], OFFLINE_GRACE) == set()


def test_workshop_creation_is_limited_per_address(client):
    addresses = ({"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.1"})
    for n in range(20):
        assert client.post("/", data={"title": f"W{n}"}, environ_base=addresses[0]) \
            .status_code == 200
    refused = client.post("/", data={"title": "One more"}, environ_base=addresses[0])
    assert refused.status_code == 429
    assert "Too many workshops were created from this network" in refused.get_data(as_text=True)
    assert client.post("/", data={"title": "Elsewhere"}, environ_base=addresses[1]) \
        .status_code == 200


def test_wrong_passwords_are_throttled_apart_and_never_use_up_the_creation_limit(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "p.db"), "ASYNC_MODE": "threading",
                      "SECRET_KEY": "test", "FACILITATOR_PASSWORD": "sesame"})
    realtime.reset()
    client = app.test_client()
    me = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(25):  # empty titles and wrong passwords cost no creation
        client.post("/", data={"title": ""}, environ_base=me)
    for _ in range(10):
        wrong = client.post("/", data={"title": "W", "password": "guess"}, environ_base=me)
        assert wrong.status_code == 403
    throttled = client.post("/", data={"title": "W", "password": "sesame"}, environ_base=me)
    assert throttled.status_code == 429
    assert "Too many wrong passwords" in throttled.get_data(as_text=True)
    # From the laptop itself (another address), the right password works at once.
    ok = client.post("/", data={"title": "W", "password": "sesame"},
                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert ok.status_code == 200
    realtime.reset()
    app.extensions["facilitator.store"].close()


def test_roster_claims_are_limited_apart_from_walk_ins(strict):
    workshop = {"doors": "open", "id": 1}
    limit = strict.config["JOIN_LIMIT"]
    for _ in range(5):
        domain.admit(workshop, limit, "203.0.113.5", walk_in=True)
    with pytest.raises(domain.Problem):
        domain.admit(workshop, limit, "203.0.113.5", walk_in=True)
    for _ in range(5):  # the people on the roster still get in
        domain.admit(workshop, limit, "203.0.113.5", walk_in=False)
    with pytest.raises(domain.Problem):
        domain.admit(workshop, limit, "203.0.113.5", walk_in=False)
