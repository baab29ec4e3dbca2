"""Socket layer: connecting each screen, joining, identity, presence and links."""
import io

import pytest

from facilitator import socketio
from facilitator.realtime import beat

FACILITATOR_EVENTS = {
    "activity:add": {"kind": "message", "title": "Hi"},
    "activity:update": {"activity_id": 1, "title": "Hi"},
    "activity:delete": {"activity_id": 1},
    "activity:duplicate": {"activity_id": 1},
    "activity:move": {"activity_id": 1, "index": 0},
    "live:set": {"activity_id": None},
    "live:next": {},
    "live:previous": {},
    "workshop:update": {"title": "Taken over"},
    "delegate:release": {"delegate_id": 1},
    "link:regenerate": {"screen": "screen"},
}
PHONE_EVENTS = {
    "delegate:join": {"name": "X", "organisation": "Y"},
    "delegate:claim": {"delegate_id": 1},
    "roster:search": {"q": "an"},
    "delegate:leave": {},
    "live:mine": {},
}


def test_bad_auth_is_refused(app, workshops):
    w = workshops.create()
    for auth in [None, {}, {"role": "admin"}, {"role": "delegate", "code": "ACDEFG"},
                 {"role": "delegate", "code": ["x"]}, {"role": "facilitator", "key": "x" * 40},
                 {"role": "facilitator", "key": 7}, {"role": "screen", "key": w["key"]},
                 {"role": "panel"}]:
        sio = socketio.test_client(app, auth=auth)
        assert not sio.is_connected(), auth


def test_each_screen_gets_its_snapshot(workshops):
    w = workshops.create("Day <one>")
    fac = workshops.facilitator(w)
    snap = fac.snapshot
    assert snap["role"] == "facilitator" and snap["workshop"]["title"] == "Day <one>"
    assert snap["runsheet"] == [] and snap["delegates"] == []
    assert snap["presence"] == {"joined": 0, "online": 0, "simulated": 0}
    assert snap["live"]["activity"] is None
    keys = workshops.links(fac)
    screen = workshops.connect(role="screen", key=keys["screen"])
    assert screen.snapshot["role"] == "screen" and "delegates" not in screen.snapshot
    panel = workshops.connect(role="panel", key=keys["panel"])
    assert panel.snapshot["role"] == "panel" and "links" not in panel.snapshot
    phone = workshops.connect(role="delegate", code=w["code"].lower())
    assert phone.snapshot["me"] is None and phone.snapshot["token_status"] == "none"
    assert "links" not in phone.snapshot and "delegates" not in phone.snapshot


def test_walk_in_joins_and_keeps_identity_on_reconnect(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w, "Ann <b>Lee</b>", "Royal Surrey", "Nurse")
    assert phone.snapshot["me"]["name"] == "Ann <b>Lee</b>"
    assert workshops.last(fac, "delegate")["name"] == "Ann <b>Lee</b>"
    phone.disconnect()
    again = workshops.connect(role="delegate", code=w["code"], token=phone.token)
    assert again.snapshot["me"] == phone.me
    assert again.snapshot["token_status"] == "ok"
    other = workshops.create("Other")
    elsewhere = workshops.connect(role="delegate", code=other["code"], token=phone.token)
    assert elsewhere.snapshot["me"] is None and elsewhere.snapshot["token_status"] == "unknown"


@pytest.mark.parametrize("payload, field, message", [
    ({"organisation": "NHS"}, "name", "Your name is required."),
    ({"name": "Ann"}, "organisation", "Your organisation is required."),
    ({"name": "A" * 81, "organisation": "NHS"}, "name", "too long"),
    ({"name": "Ann", "organisation": "N" * 5000}, "organisation", "too long"),
    ({"name": {"x": 1}, "organisation": "NHS"}, "name", "must be text"),
    ({"name": "Ann", "organisation": "NHS", "role": 12}, "role", "must be text"),
])
def test_join_refuses_bad_fields_with_a_message(workshops, payload, field, message):
    w = workshops.create()
    phone = workshops.phone(w, name=None)
    ack = phone.emit("delegate:join", payload, callback=True)
    assert ack["ok"] is False and ack["field"] == field and message in ack["message"]
    assert workshops.facilitator(w).snapshot["delegates"] == []


@pytest.mark.parametrize("payload", ["text", 5, [1, 2], True])
def test_malformed_payloads_get_an_error_ack(workshops, payload):
    w = workshops.create()
    phone = workshops.phone(w, name=None)
    ack = phone.emit("delegate:join", payload, callback=True)
    assert ack == {"ok": False, "error": "invalid",
                   "message": "Expected an object with named fields."}
    assert phone.is_connected()


def test_name_can_be_optional(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    ack = fac.emit("workshop:update", {"require_name": False}, callback=True)
    assert ack["ok"] and ack["workshop"]["require_name"] is False
    phone = workshops.phone(w, name="", organisation="Surrey County Council")
    assert phone.me["name"] == ""
    second = workshops.phone(w, name="", organisation="NHS")
    assert second.me["id"] != phone.me["id"]


def test_same_name_cannot_be_taken_twice(workshops):
    w = workshops.create()
    workshops.phone(w, "Ann Lee")
    other = workshops.phone(w, name=None)
    ack = other.emit("delegate:join", {"name": "  ann   LEE ", "organisation": "X"},
                     callback=True)
    assert ack["error"] == "name_taken" and "ask the facilitator" in ack["message"]


def _import(client, w, csv_text):
    return client.post(f"/control/{w['key']}/roster",
                       data={"file": (io.BytesIO(csv_text.encode()), "r.csv")},
                       content_type="multipart/form-data").get_json()


def test_roster_delegates_claim_themselves_once(client, workshops):
    w = workshops.create()
    _import(client, w, "name,organisation,role\nZoë D'Souza,Royal Surrey,GP\nZack Ng,ICB,CEO\n")
    fac = workshops.facilitator(w)
    phone = workshops.phone(w, name=None)
    found = phone.emit("roster:search", {"q": "zo"}, callback=True)["matches"]
    assert [m["name"] for m in found] == ["Zoë D'Souza"]
    assert phone.emit("roster:search", {"q": "%"}, callback=True)["matches"] == []
    walk_in = phone.emit("delegate:join", {"name": "zoë d'souza", "organisation": "X"},
                         callback=True)
    assert walk_in["error"] == "on_roster"
    ack = phone.emit("delegate:claim", {"delegate_id": found[0]["id"]}, callback=True)
    assert ack["ok"] and ack["me"]["organisation"] == "Royal Surrey"
    assert workshops.last(fac, "delegate")["joined"] is True
    assert phone.emit("roster:search", {"q": "zo"}, callback=True)["matches"] == []
    thief = workshops.phone(w, name=None)
    stolen = thief.emit("delegate:claim", {"delegate_id": found[0]["id"]}, callback=True)
    assert stolen["error"] == "name_taken"
    again = phone.emit("delegate:claim", {"delegate_id": found[0]["id"]}, callback=True)
    assert again["error"] == "already_joined"
    missing = thief.emit("delegate:claim", {"delegate_id": 999}, callback=True)
    assert missing["error"] == "not_found"


def test_facilitator_release_sends_the_phone_back_to_the_join_form(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w, "Ann Lee")
    ack = fac.emit("delegate:release", {"delegate_id": phone.me["id"]}, callback=True)
    assert ack["ok"]
    snap = workshops.last(phone, "snapshot")
    assert snap["me"] is None and snap["token_status"] == "released"
    assert workshops.last(fac, "delegate")["joined"] is False
    returning = workshops.connect(role="delegate", code=w["code"], token=phone.token)
    assert returning.snapshot["token_status"] == "unknown"
    newcomer = workshops.phone(w, name=None)
    matches = newcomer.emit("roster:search", {"q": "ann"}, callback=True)["matches"]
    assert newcomer.emit("delegate:claim", {"delegate_id": matches[0]["id"]},
                         callback=True)["ok"]


def test_delegate_can_leave(workshops):
    w = workshops.create()
    phone = workshops.phone(w, "Ann Lee")
    assert phone.emit("delegate:leave", {}, callback=True)["ok"]
    assert workshops.last(phone, "snapshot")["me"] is None
    assert phone.emit("delegate:leave", {}, callback=True)["error"] == "not_joined"


@pytest.mark.parametrize("event", sorted(FACILITATOR_EVENTS))
def test_only_the_facilitator_may_send_facilitator_events(workshops, event):
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    for sio in (workshops.phone(w), workshops.connect(role="screen", key=keys["screen"]),
                workshops.connect(role="panel", key=keys["panel"])):
        ack = sio.emit(event, FACILITATOR_EVENTS[event], callback=True)
        assert ack["ok"] is False and ack["error"] == "forbidden", event
    assert workshops.facilitator(w).snapshot["workshop"]["title"] == "Leadership day"


@pytest.mark.parametrize("event", sorted(PHONE_EVENTS))
def test_only_phones_may_send_phone_events(workshops, event):
    w = workshops.create()
    ack = workshops.facilitator(w).emit(event, PHONE_EVENTS[event], callback=True)
    assert ack["error"] == "forbidden"


def test_facilitator_of_another_workshop_cannot_touch_this_one(workshops):
    mine, theirs = workshops.create("Mine"), workshops.create("Theirs")
    phone = workshops.phone(mine)
    intruder = workshops.facilitator(theirs)
    ack = intruder.emit("delegate:release", {"delegate_id": phone.me["id"]}, callback=True)
    assert ack["error"] == "not_found"
    assert workshops.facilitator(mine).snapshot["delegates"][0]["joined"] is True


def test_presence_counts_are_coalesced_and_reach_control_and_projector(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    screen = workshops.connect(role="screen", key=workshops.links(fac)["screen"])
    phones = [workshops.phone(w, f"Person {i}") for i in range(3)]
    workshops.received(fac, "presence")
    app.app_context().push()
    beat()
    update = workshops.last(fac, "presence")
    assert update["joined"] == 3 and update["online"] == 3
    assert sorted(update["online_ids"]) == sorted(p.me["id"] for p in phones)
    assert workshops.last(screen, "presence") == {"joined": 3, "online": 3, "simulated": 0}
    phones[0].disconnect()
    beat()
    assert workshops.last(fac, "presence")["online"] == 2
    beat()
    assert workshops.last(fac, "presence") is None  # nothing changed, nothing sent


def test_regenerating_a_link_revokes_the_old_one(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    old = workshops.links(fac)
    screen = workshops.connect(role="screen", key=old["screen"])
    ack = fac.emit("link:regenerate", {"screen": "screen"}, callback=True)
    assert ack["ok"] and ack["links"]["panel"].endswith(old["panel"])
    new_key = ack["links"]["screen"].rsplit("/", 1)[1]
    assert new_key != old["screen"]
    assert not screen.is_connected()
    assert not socketio.test_client(app, auth={"role": "screen", "key": old["screen"]}) \
        .is_connected()
    assert workshops.connect(role="screen", key=new_key).snapshot["role"] == "screen"
    # A second control screen opened later sees the new link.
    assert workshops.links(workshops.facilitator(w))["screen"] == new_key
    bad = fac.emit("link:regenerate", {"screen": "control"}, callback=True)
    assert bad["error"] == "invalid"


def test_workshop_settings_reach_every_screen(workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    phone = workshops.phone(w)
    ack = fac.emit("workshop:update", {"title": "  New <i>title</i> "}, callback=True)
    assert ack["workshop"]["title"] == "New <i>title</i>"
    assert workshops.last(phone, "workshop")["title"] == "New <i>title</i>"
    assert fac.emit("workshop:update", {"title": ""}, callback=True)["error"] == "invalid"
    assert fac.emit("workshop:update", {"require_name": "yes"}, callback=True)["error"] == \
        "invalid"
