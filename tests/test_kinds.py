"""What every registered kind of activity must provide, and the property projections
exist for: a screen that saw every live update holds what a fresh snapshot shows.

Each kind's `examples` (hookspecs.Kind) drive these tests, so a new kind is
checked by them as soon as it is registered.
"""
import itertools
import json
from pathlib import Path

import pytest
from conftest import ROOT, hold

from facilitator import plugins, realtime
from facilitator.runsheet import domain as runsheet
from facilitator.workshops.domain import CORE_OWNED
from facilitator.hookspecs import ROLES, Kind

KINDS = plugins.load()
TESTS = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py")
                  if p.name != Path(__file__).name)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_kind_provides_its_plug_in_parts(app, name):
    kind = KINDS[name]
    assert kind.name == name and kind.label and kind.description
    assert kind.examples is not None, "examples drive the contract tests"
    assert kind.view is not Kind.view, "a projection for every role"
    assert kind.exports or not kind.owned, "a kind that keeps rows offers them as CSV"
    folder = Path(kind.blueprint.root_path)
    assert (folder / "static" / kind.script).is_file(), "its renderers"
    if kind.settings_template:
        assert (folder / "templates" / kind.settings_template).is_file()
    assert f'"{name}"' in TESTS, "tests of its own, beyond these"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_kind_owns_every_table_its_steps_make(app, name):
    """Each table a kind's migrations create is in its `owned`, so its rows go with
    their workshop (test_privacy checks the whole database)."""
    kind = KINDS[name]
    store = app.extensions["facilitator.store"]
    core = {table for table, _ in CORE_OWNED} | {"schema_steps"}
    owned = {table for k in KINDS.values() for table, _ in k.owned}
    assert set(store.db.table_names()) - core - owned == set()
    assert {table for table, _ in kind.owned} <= set(store.db.table_names())


def _resolve(value, activity_id, last, counter):
    if isinstance(value, dict):
        return {k: _resolve(v, activity_id, last, counter) for k, v in value.items()}
    if value == "$activity":
        return activity_id
    if value == "$client":
        return f"c{next(counter)}"
    if isinstance(value, str) and value.startswith("$last."):
        for part in value.split(".")[1:]:
            last = last[int(part)] if part.isdigit() else last[part]
        return last
    return value


def _actions(kind) -> list:
    examples = kind.examples
    if "answers" in examples:
        answer = [("delegate", "prompt:answer",
                   {"client_id": "$client", "activity_id": "$activity", **a})
                  for a in examples["answers"]]
        return answer[:-1] + [("facilitator", "prompt:reveal",
                               {"activity_id": "$activity", "revealed": True})] + answer[-1:]
    return examples.get("actions", [])


def _comparable(kind, view) -> str:
    """A view as text, its collections in id order (screens sort them as they show them)."""
    view = dict(view)
    for key in kind.collections:
        view[key] = sorted(view[key], key=lambda item: item["id"])
    return json.dumps(view, sort_keys=True)


def _settle(app):
    """Send what is coalesced for the next beat now."""
    with app.app_context():
        realtime.beat()


@pytest.mark.parametrize("name", sorted(KINDS))
def test_live_updates_leave_every_screen_as_a_fresh_snapshot_would(app, workshops, name):
    kind = KINDS[name]
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    panel = workshops.connect(role="panel", key=keys["panel"])
    screen = workshops.connect(role="screen", key=keys["screen"])
    phones = [workshops.phone(w, f"Person {n}", f"Organisation {n}") for n in range(3)]
    ack = fac.emit("activity:add", {"kind": name, "title": kind.label,
                                    **kind.examples["settings"]}, callback=True)
    assert ack["ok"], ack
    activity_id = ack["activity"]["id"]
    assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
    senders = {"facilitator": itertools.repeat(fac), "panel": itertools.repeat(panel),
               "screen": itertools.repeat(screen), "delegate": itertools.cycle(phones)}
    last, counter = {}, itertools.count()
    for role, event, payload in _actions(kind):
        sender = next(senders[role])
        last = sender.emit(event, _resolve(payload, activity_id, last, counter), callback=True)
        assert last["ok"], (event, last)
        if "mine" in last:  # a phone applies its own view from the ack, as from `mine`
            workshops.take(sender)
            hold(sender, "mine", {"activity_id": activity_id, "mine": last["mine"]})
        _settle(app)
    _settle(app)

    clients = {"facilitator": [fac], "panel": [panel], "screen": [screen], "delegate": phones}
    assert set(clients) == set(ROLES)
    for role, held_by in clients.items():
        for sio in held_by:
            held = workshops.held(sio)
            again = workshops.connect(role=role, **(
                {"code": w["code"], "token": sio.token} if role == "delegate"
                else {"key": w["key"] if role == "facilitator" else keys[role]}))
            fresh = again.snapshot["live"]
            assert _comparable(kind, held["activity"]) == \
                _comparable(kind, fresh["activity"]), (name, role)
            if role == "delegate":
                assert held["mine"] == fresh.get("mine"), (name, role)
            again.disconnect()

    # Its section of the event report, of what was just played.
    with app.app_context():
        store = app.extensions["facilitator.store"]
        activity = runsheet.get_activity(store, store.one(
            "select workshop_id from activities where id = ?", [activity_id])["workshop_id"],
            activity_id)
        section = kind.report(store, activity)
    assert isinstance(section, dict) and section and json.dumps(section), name


def test_an_activity_of_a_kind_no_longer_registered_shows_its_title(app, client, workshops):
    """A kind's package removed, its activities left in the database: every screen,
    the report and the export carry on, and the activity takes no answers."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    activity_id = fac.emit("activity:add", {"kind": "message", "title": "Retired"},
                           callback=True)["activity"]["id"]
    store = app.extensions["facilitator.store"]
    with store.write() as db:
        db.execute("update activities set kind = 'retired' where id = ?", [activity_id])
    assert fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
    phone = workshops.phone(w)
    shown = phone.snapshot["live"]["activity"]
    assert (shown["kind"], shown["title"]) == ("retired", "Retired")
    assert workshops.facilitator(w).snapshot["live"]["activity"]["title"] == "Retired"
    assert phone.emit("prompt:answer", {"client_id": "c1", "choices": [0]},
                      callback=True)["error"] == "not_live"
    assert client.get(f"/control/{w['key']}/report").status_code == 200
    assert client.get(f"/control/{w['key']}/export").status_code == 200
