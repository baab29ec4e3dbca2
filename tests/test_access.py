"""Who may do what: every Socket.IO event and every HTTP route against every kind of
caller, ids of another workshop, the Origin check and the Content-Security-Policy.

The tables below must name every registered event and route: a new one fails
`test_the_tables_name_every_event_and_route` until its access rules are written here.
"""
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from conftest import ROOT

from facilitator import plugins, socketio
from facilitator.connect import planning

# Everyone who might send an event or open a page, in the order they act on one
# world (the workshop's own facilitator last, as its actions change the most).
# anonymous: no or bad auth. revoked: a panel or projector link replaced by
# `link:regenerate`. unjoined: a phone on the join form. phone: a joined phone.
# other: the facilitator of another workshop, naming this workshop's ids.
IDENTITIES = ("anonymous", "revoked", "unjoined", "phone", "screen", "panel", "other",
              "facilitator")
REFUSED = ("anonymous", "revoked")  # never connected, so never heard

ROSTER = "name,organisation,role\nZoe Dee,Hospice,GP\n"


# --- one workshop with every kind of caller, and a second one ---------------

def take(sio) -> list:
    """What a client received since last asked (even if since dropped), also kept in its log."""
    got, sio.queue = sio.queue, []
    sio.log = getattr(sio, "log", []) + got
    return got


class World:
    """Workshop A with each caller connected, and workshop B's facilitator."""

    def __init__(self, app, client, workshops):
        self.app, self.client, self.workshops = app, client, workshops
        self.store = app.extensions["facilitator.store"]
        self.a = workshops.create("Home day")
        self.b = workshops.create("Other day")
        assert client.post(f"/control/{self.a['key']}/roster",
                           data={"file": (io.BytesIO(ROSTER.encode()), "r.csv")},
                           content_type="multipart/form-data").status_code == 200
        self.roster_id = self.store.one("select id from delegates where name = 'Zoe Dee'")["id"]
        fac = workshops.facilitator(self.a)
        self.old_keys = workshops.links(fac)
        old = [workshops.connect(role=s, key=self.old_keys[s]) for s in ("panel", "screen")]
        for screen in ("panel", "screen"):
            assert fac.emit("link:regenerate", {"screen": screen}, callback=True)["ok"]
        assert not any(sio.is_connected() for sio in old)  # revoked sockets are dropped
        self.keys = {k: v.rsplit("/", 1)[1] for k, v in
                     workshops.last(fac, "links").items()}
        self.ids = {}
        for kind, extra in (("message", {"body": "Coffee"}),
                            ("connect", {"group_size": 2, "round_count": 3}),
                            ("poll", {"options": ["Yes", "No"]}),
                            ("qa", {"auto_publish": True, "min_interval": 0})):
            ack = fac.emit("activity:add", {"kind": kind, "title": kind, **extra},
                           callback=True)
            assert ack["ok"], ack
            self.ids[kind] = ack["activity"]["id"]
        self.phone = workshops.phone(self.a, "Ann Lee", "Royal Surrey")
        self.mate = workshops.phone(self.a, "Bo Chan", "County Council")
        self.unjoined = workshops.phone(self.a, name=None)
        self.panel = workshops.connect(role="panel", key=self.keys["panel"])
        self.screen = workshops.connect(role="screen", key=self.keys["screen"])
        self.other = workshops.facilitator(self.b)
        self.fac = fac
        assert fac.emit("live:set", {"activity_id": self.ids["qa"]}, callback=True)["ok"]
        ack = self.mate.emit("qa:ask", {"client_id": "m1", "text": "What changes next year?"},
                             callback=True)
        assert ack["ok"] and ack["question"]["status"] == "published", ack
        self.question = ack["question"]["id"]
        self.anonymous = [socketio.test_client(app, auth=auth) for auth in (
            None, {}, {"role": "facilitator", "key": "x" * 32},
            {"role": "delegate", "code": "ACDEFG"})]
        self.revoked = old + [socketio.test_client(app, auth={"role": s, "key": self.old_keys[s]})
                              for s in ("panel", "screen")]
        for sio in self.anonymous + self.revoked:
            assert not sio.is_connected()
        self.ours = [self.fac, self.phone, self.mate, self.unjoined, self.panel, self.screen]
        for sio in self.ours + [self.other]:
            take(sio)
            sio.log = []

    def go_live(self, kind):
        """Make the named activity live (Connect with a round running)."""
        if kind == "connect":
            ack = self.fac.emit("connect:start", {"activity_id": self.ids["connect"]},
                                callback=True)
        else:
            ack = self.fac.emit("live:set", {"activity_id": self.ids[kind]}, callback=True)
        assert ack["ok"], ack
        for sio in self.ours + [self.other]:
            take(sio)

    def clients(self, identity) -> list:
        """The socket clients standing for one kind of caller."""
        return {"anonymous": self.anonymous, "revoked": self.revoked,
                "unjoined": [self.unjoined], "phone": [self.phone], "screen": [self.screen],
                "panel": [self.panel], "other": [self.other], "facilitator": [self.fac]}[identity]

    def dump(self, exclude_b=False) -> dict:
        """Every row of every table (workshop B's own rows left out if asked)."""
        owner = {}  # (column, id) -> workshop, for rows that name no workshop themselves
        for column, table in (("activity_id", "activities"), ("delegate_id", "delegates"),
                              ("question_id", "qa_questions"), ("round_id", "connect_rounds")):
            for row in self.store.all(f"select id, workshop_id from {table}"):
                owner[(column, row["id"])] = row["workshop_id"]

        def workshop_of(table, row):
            if table == "workshops":
                return row["id"]
            if "workshop_id" in row:
                return row["workshop_id"]
            for column in ("activity_id", "round_id", "question_id", "delegate_id"):
                if column in row:
                    return owner.get((column, row[column]))
            return None

        out = {}
        for t in self.store.all("select name from sqlite_master where type = 'table' "
                                "and name not like 'sqlite_%'"):
            rows = [json.dumps(row, sort_keys=True)
                    for row in self.store.all(f'select * from "{t["name"]}"')
                    if not (exclude_b and workshop_of(t["name"], row) == self.b["id"])]
            out[t["name"]] = sorted(rows)
        return out

    def secrets(self) -> dict:
        """Workshop A's secrets by who may hold them."""
        return {"facilitator": self.a["key"], "panel": self.keys["panel"],
                "screen": self.keys["screen"], "phone": self.phone.token,
                "mate": self.mate.token}


_PLANS = {}


@pytest.fixture
def world(app, client, workshops, monkeypatch):
    """The world; planning a rotation runs the real planner once for the whole module."""
    real = planning.plan

    def plan(people, group_size, rounds, **options):
        size = people if isinstance(people, int) else len(people)
        if (size, group_size, rounds) not in _PLANS:
            _PLANS[(size, group_size, rounds)] = real(people, group_size, rounds, **options)
        return _PLANS[(size, group_size, rounds)]

    monkeypatch.setattr(planning, "plan", plan)
    return World(app, client, workshops)


# --- the event table ----------------------------------------------------------

@dataclass
class Event:
    """An event's payload, what must be live first, and the outcome for each caller.

    Outcomes: "ok", or the error code of the ack; callers not named get
    "forbidden" (and REFUSED callers are never connected at all).
    """
    payload: Callable
    outcomes: dict
    live: str = "qa"


def facilitator(payload, live="qa", other="not_found"):
    """Control screens only; `other` is what the other workshop's facilitator gets."""
    return Event(payload, {"facilitator": "ok", "other": other}, live)


def moderators(payload):
    """Control and panel screens."""
    return Event(payload, {"facilitator": "ok", "panel": "ok", "other": "not_found"})


def phones(payload, live="qa", phone="ok", unjoined="not_joined"):
    """Phones only; a phone on the join form may do less."""
    return Event(payload, {"phone": phone, "unjoined": unjoined}, live)


EVENTS = {
    # phones
    "delegate:join": phones(lambda w: {"name": "Cy Moss", "organisation": "ICB"},
                            phone="already_joined", unjoined="ok"),
    "delegate:claim": phones(lambda w: {"delegate_id": w.roster_id},
                             phone="already_joined", unjoined="ok"),
    "roster:search": phones(lambda w: {"q": "zo"}, unjoined="ok"),
    "organisation:suggest": phones(lambda w: {"q": "roy"}, unjoined="ok"),
    "delegate:leave": phones(lambda w: {}),
    "live:mine": phones(lambda w: {}),
    "qa:ask": phones(lambda w: {"client_id": "p1", "text": "Who pays for it?"}),
    "qa:vote": phones(lambda w: {"question_id": w.question, "up": True}),
    "prompt:answer": phones(lambda w: {"client_id": "a1", "choices": [0]}, live="poll"),
    "connect:found": phones(lambda w: {}, live="connect"),
    "connect:know": phones(lambda w: {"delegate_id": w.mate.me["id"]}, live="connect"),
    "connect:cant_find": phones(lambda w: {}, live="connect"),
    "connect:sit_out": phones(lambda w: {"sitting_out": True}, live="connect"),
    "connect:contact": phones(lambda w: {"contact": "ann@example.org"}, live="connect"),
    # control screens
    "activity:add": facilitator(lambda w: {"kind": "message", "title": "Added"}, other="ok"),
    "activity:update": facilitator(lambda w: {"activity_id": w.ids["message"],
                                              "title": "Renamed"}),
    "activity:duplicate": facilitator(lambda w: {"activity_id": w.ids["message"]}),
    "activity:delete": facilitator(lambda w: {"activity_id": w.ids["message"]}),
    "activity:move": facilitator(lambda w: {"activity_id": w.ids["message"], "index": 2}),
    "live:set": facilitator(lambda w: {"activity_id": w.ids["message"]}),
    "live:next": facilitator(lambda w: {}, live="poll", other="empty"),
    "live:previous": facilitator(lambda w: {}, live="poll", other="empty"),
    "workshop:update": facilitator(lambda w: {"title": "Taken over"}, other="ok"),
    "delegate:release": facilitator(lambda w: {"delegate_id": w.phone.me["id"]}),
    "delegate:remove": facilitator(lambda w: {"delegate_id": w.phone.me["id"]}),
    # The other workshop's facilitator removes nobody of this one: 0, not an error.
    "delegate:remove_walk_ins": facilitator(lambda w: {"minutes": 1, "dry_run": True},
                                            other="ok"),
    "delegate:organisation_variants": facilitator(lambda w: {}, other="ok"),
    # Names that are no delegate's in the other workshop are not found there.
    "delegate:merge_organisations": facilitator(
        lambda w: {"names": ["Royal Surrey", "County Council"], "canonical": "Royal Surrey"}),
    "delegate:unmerge_organisation": facilitator(lambda w: {"organisation": "Royal Surrey"}),
    "link:regenerate": facilitator(lambda w: {"screen": "panel"}, other="ok"),
    "screen:blank": facilitator(lambda w: {"blank": True}, other="ok"),
    # Starting a crowd of simulated phones is tested in test_rehearsal.py; stopping
    # when none runs removes nobody (the other workshop's facilitator neither).
    "rehearsal:stop": facilitator(lambda w: {}, other="ok"),
    "rehearsal:start": Event(lambda w: {"phones": 0}, {"facilitator": "invalid",
                                                       "other": "invalid"}),
    "prompt:close": facilitator(lambda w: {"activity_id": w.ids["poll"], "closed": True},
                                live="poll"),
    "prompt:timer": facilitator(lambda w: {"activity_id": w.ids["poll"], "action": "start",
                                           "seconds": 60}, live="poll"),
    "prompt:reveal": facilitator(lambda w: {"activity_id": w.ids["poll"], "revealed": True},
                                 live="poll"),
    "connect:start": facilitator(lambda w: {"activity_id": w.ids["connect"]}, live="connect"),
    "connect:end_round": facilitator(lambda w: {"activity_id": w.ids["connect"]},
                                     live="connect"),
    "connect:extend": facilitator(lambda w: {"activity_id": w.ids["connect"], "seconds": 60},
                                  live="connect"),
    "connect:summary": facilitator(lambda w: {"activity_id": w.ids["connect"], "show": True},
                                   live="connect"),
    # moderators: control and panel screens
    "qa:open": moderators(lambda w: {"activity_id": w.ids["qa"]}),
    "qa:moderate": moderators(lambda w: {"activity_id": w.ids["qa"],
                                         "question_id": w.question, "action": "star",
                                         "starred": True}),
    "qa:archive": moderators(lambda w: {"activity_id": w.ids["qa"]}),
    "qa:silence": moderators(lambda w: {"activity_id": w.ids["qa"],
                                        "question_id": w.question, "silenced": True}),
    "qa:settings": moderators(lambda w: {"activity_id": w.ids["qa"], "auto_publish": False}),
    "qa:moderate_many": moderators(lambda w: {"activity_id": w.ids["qa"],
                                              "question_ids": [w.question],
                                              "action": "dismiss"}),
    # No action of that id: refused for everyone allowed to send it.
    "qa:undo": Event(lambda w: {"activity_id": w.ids["qa"], "undo_id": 2**40},
                     {"facilitator": "not_found", "panel": "not_found", "other": "not_found"}),
}


def force_emit(sio, event, data):
    """Send an event from a client the server refused or dropped, as a script might."""
    sio.connected["/"] = True
    try:
        return sio.emit(event, data, callback=True)
    finally:
        sio.connected["/"] = False


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_each_event_is_allowed_to_exactly_its_callers(world, event):
    spec = EVENTS[event]
    world.go_live(spec.live)
    data = spec.payload(world)
    for identity in IDENTITIES:
        expected = spec.outcomes.get(identity, "refused" if identity in REFUSED else "forbidden")
        for sio in world.clients(identity):
            before = world.dump(exclude_b=identity == "other")
            if identity in REFUSED:
                assert force_emit(sio, event, data) is None, (event, identity)
            else:
                ack = sio.emit(event, data, callback=True)
                assert isinstance(ack, dict), (event, identity, ack)
                if expected == "ok":
                    assert ack["ok"] is True, (event, identity, ack)
                    for other in world.ours:  # an allowed action may tell everyone
                        take(other)
                    continue
                assert ack["ok"] is False and ack["error"] == expected, (event, identity, ack)
                assert ack["message"]
            # Refused: nothing of workshop A changed, and none of its screens heard a thing.
            assert world.dump(exclude_b=identity == "other") == before, (event, identity)
            assert [take(s) for s in world.ours] == [[]] * len(world.ours), (event, identity)
    assert_no_secret_leaked(world)


def assert_no_secret_leaked(world):
    """Each screen received only the secrets it holds itself."""
    secrets = world.secrets()
    allowed = {"fac": set(secrets), "panel": {"panel"}, "screen": {"screen"},
               "phone": {"phone"}, "mate": {"mate"}, "unjoined": set(), "other": set()}
    for name, allowed_here in allowed.items():
        sio = getattr(world, name)
        take(sio)
        text = json.dumps(sio.log + [sio.snapshot])
        leaked = [k for k, v in secrets.items() if k not in allowed_here and v in text]
        assert leaked == [], (name, leaked)


def test_connect_is_refused_without_a_valid_link(app, world, workshops):
    """Each role connects only with its own secret; the wrong one, an old one or none fail."""
    a, keys, old = world.a, world.keys, world.old_keys
    credentials = {"facilitator key": a["key"], "panel key": keys["panel"],
                   "screen key": keys["screen"], "old panel key": old["panel"],
                   "old screen key": old["screen"], "phone token": world.phone.token,
                   "join code": a["code"], "nothing": None}
    accepted = {("facilitator", "facilitator key"), ("panel", "panel key"),
                ("screen", "screen key")}
    for role in ("facilitator", "panel", "screen"):
        for name, secret in credentials.items():
            sio = socketio.test_client(app, auth={"role": role, "key": secret})
            assert sio.is_connected() == ((role, name) in accepted), (role, name)
            if sio.is_connected():
                snap = workshops.last(sio, "snapshot")
                assert snap["role"] == role and snap["workshop"]["code"] == a["code"]
                sio.disconnect()
    for role in ("admin", "", None, ["facilitator"]):
        assert not socketio.test_client(app, auth={"role": role, "key": a["key"]}).is_connected()
    # Phones need the join code: a token alone, or a key in its place, is not it.
    for auth in ({"role": "delegate", "token": world.phone.token},
                 {"role": "delegate", "code": world.old_keys["panel"]},
                 {"role": "delegate", "code": a["key"]}):
        assert not socketio.test_client(app, auth=auth).is_connected(), auth
    elsewhere = socketio.test_client(app, auth={"role": "delegate", "code": world.b["code"],
                                                "token": world.phone.token})
    snap = workshops.last(elsewhere, "snapshot")
    assert snap["me"] is None and snap["token_status"] == "unknown"


def test_a_revoked_screen_is_dropped_and_cannot_come_back(app, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    screen, panel = workshops.projector_and_panel(fac)
    ack = fac.emit("link:regenerate", {"screen": "panel"}, callback=True)
    assert ack["ok"]
    assert [e["name"] for e in take(panel)] == ["revoked"] and not panel.is_connected()
    assert screen.is_connected()  # only the replaced link is dropped
    assert force_emit(panel, "qa:open", {"activity_id": 1}) is None
    again = socketio.test_client(app, auth={"role": "panel", "key": keys["panel"]})
    assert not again.is_connected()


# --- ids of another workshop --------------------------------------------------

def test_ids_of_another_workshop_are_not_found_from_its_own_activities(world, workshops):
    """Workshop B's screens, even naming their own live activities, cannot reach workshop
    A's questions, delegates or activities; A is unchanged and hears nothing."""
    b, other = world.b, world.other
    ids = {}
    for kind, extra in (("qa", {"auto_publish": True, "min_interval": 0}),
                        ("connect", {"group_size": 2}), ("poll", {"options": ["A", "B"]})):
        ack = other.emit("activity:add", {"kind": kind, "title": kind, **extra}, callback=True)
        ids[kind] = ack["activity"]["id"]
    assert other.emit("live:set", {"activity_id": ids["qa"]}, callback=True)["ok"]
    b_phone = workshops.phone(b, "Di Fox", "Carers Trust")
    b_mate = workshops.phone(b, "Ed Gray", "GP Network")
    b_panel = workshops.connect(role="panel", key=workshops.links(other)["panel"])
    own = b_phone.emit("qa:ask", {"client_id": "b1", "text": "And us?"}, callback=True)
    assert own["ok"], own
    before = world.dump(exclude_b=True)
    for who in (other, b_panel):
        for action, extra in (("dismiss", {}), ("approve", {}), ("edit", {"text": "Edited"}),
                              ("star", {"starred": True})):
            ack = who.emit("qa:moderate", {"activity_id": ids["qa"], "question_id": world.question,
                                           "action": action, **extra}, callback=True)
            assert ack["error"] == "not_found", (action, ack)
        merged = who.emit("qa:moderate", {"activity_id": ids["qa"],
                                          "question_id": own["question"]["id"],
                                          "action": "merge", "into": world.question},
                          callback=True)
        assert merged["error"] == "not_found", merged
        for event, payload in (("qa:silence", {"question_id": world.question}),
                               ("qa:open", {"activity_id": world.ids["qa"]}),
                               ("qa:archive", {"activity_id": world.ids["qa"]}),
                               ("qa:settings", {"activity_id": world.ids["qa"],
                                                "words": ["x"]})):
            ack = who.emit(event, {"activity_id": ids["qa"], **payload}, callback=True)
            assert ack["error"] == "not_found", (event, ack)
    assert b_phone.emit("qa:vote", {"question_id": world.question}, callback=True)["error"] \
        == "not_found"
    unjoined = workshops.phone(b, name=None)
    assert unjoined.emit("delegate:claim", {"delegate_id": world.roster_id},
                         callback=True)["error"] == "not_found"
    assert unjoined.emit("roster:search", {"q": "zoe"}, callback=True)["matches"] == []
    assert other.emit("delegate:release", {"delegate_id": world.phone.me["id"]},
                      callback=True)["error"] == "not_found"
    assert other.emit("delegate:remove", {"delegate_id": world.phone.me["id"]},
                      callback=True)["error"] == "not_found"
    assert other.emit("connect:start", {"activity_id": ids["connect"]}, callback=True)["ok"]
    know = b_phone.emit("connect:know", {"delegate_id": world.phone.me["id"]}, callback=True)
    assert know["error"] == "not_found", know
    assert other.emit("live:set", {"activity_id": ids["poll"]}, callback=True)["ok"]
    answer = b_mate.emit("prompt:answer", {"client_id": "x", "choices": [0],
                                           "activity_id": world.ids["poll"]}, callback=True)
    assert answer["error"] == "not_live", answer
    assert world.dump(exclude_b=True) == before
    assert [take(s) for s in world.ours] == [[]] * len(world.ours)


# --- the route table ------------------------------------------------------------

@dataclass
class Route:
    """A path (with {key} standing for the caller's secret), or several paths of one
    route, and each caller's status."""
    path: str | tuple[str, ...]
    statuses: dict
    default: int = 404
    data: Callable | None = None  # (world, the caller's secret) -> form fields
    own_workshop: bool = False  # the other facilitator's key opens its own workshop's


def public(path, status=200, data=None):
    return Route(path, {}, status, data)


def control(path, own=200, other=404, refused=404, data=None):
    """A facilitator's page; `other` is what another workshop's facilitator gets with
    its own key and this workshop's ids."""
    return Route(path, {"facilitator": own, "other": other}, refused, data,
                 own_workshop=other < 400)


def _roster_file(world, key):
    return {"file": (io.BytesIO(b"name,organisation\nYu Hart,Hospice\n"), "r.csv")}


PLAN = {"who": "number", "people": "6", "group_size": "2", "rounds": "2"}

ROUTES = {
    "GET /": public("/"),
    "POST /": public("/", data=lambda w, key: {"title": "Fresh day"}),
    "GET /join": public("/join?code={code}", 302),
    "GET /j/<code>": public("/j/{code}"),
    "GET /j/<code>/qr.svg": public("/j/{code}/qr.svg"),
    "GET /healthz": public("/healthz"),
    "GET /control/<key>": control("/control/{key}", other=200),
    "GET /screen/<key>": Route("/screen/{key}", {"screen": 200}),
    "GET /panel/<key>": Route("/panel/{key}", {"panel": 200}),
    "POST /control/<key>/roster": control("/control/{key}/roster", other=200, refused=403,
                                          data=_roster_file),
    "GET /control/<key>/report": control("/control/{key}/report", other=200),
    "GET /control/<key>/plan": control("/control/{key}/plan", other=200),
    "POST /control/<key>/plan": control("/control/{key}/plan", own=303, other=303,
                                        data=lambda w, key: dict(PLAN)),
    "GET /control/<key>/export": control("/control/{key}/export", other=200),
    # Typing this workshop's code deletes it, but not the other facilitator's workshop.
    "POST /control/<key>/delete": control("/control/{key}/delete", other=400,
                                          data=lambda w, key: {"key": key,
                                                               "confirm": w.a["code"]}),
    "GET /control/<key>/plans/<int:plan_id>": control("/control/{key}/plans/{plan}"),
    "GET /control/<key>/plans/<int:plan_id>.csv": control("/control/{key}/plans/{plan}.csv"),
    # Each file an activity's kind offers; one it does not offer is not found.
    "GET /control/<key>/activities/<int:activity_id>/<name>.csv": control((
        "/control/{key}/activities/{connect}/groups.csv",
        "/control/{key}/activities/{connect}/meetings.csv",
        "/control/{key}/activities/{qa}/questions.csv",
        "/control/{key}/activities/{poll}/answers.csv")),
}


def _kind_files():
    """Each kind package's own script and stylesheet, open to all."""
    for kind in plugins.load().values():
        folder = f"/kinds/{kind.blueprint.name}"
        files = tuple(f"{folder}/{name}" for name in (kind.script, kind.style) if name)
        route = ROUTES.setdefault(f"GET {folder}/<path:filename>", public(()))
        route.path = tuple(dict.fromkeys(route.path + files))


_kind_files()

# Paths of the CSV route that no caller gets: a name the activity's kind does not
# offer, an activity of another kind's name, and no activity at all.
NO_SUCH_CSV = ("/control/{key}/activities/{connect}/answers.csv",
               "/control/{key}/activities/{poll}/questions.csv",
               "/control/{key}/activities/{message}/answers.csv",
               "/control/{key}/activities/999999/questions.csv")


def http_credentials(world, identity) -> list[str]:
    """The secrets a kind of caller could put in a URL."""
    return {"anonymous": ["not-a-real-key-0123456789", "x" * 200],
            "revoked": [world.old_keys["panel"], world.old_keys["screen"]],
            "unjoined": [world.a["code"]], "phone": [world.phone.token],
            "screen": [world.keys["screen"]], "panel": [world.keys["panel"]],
            "other": [world.b["key"]], "facilitator": [world.a["key"]]}[identity]


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_is_open_to_exactly_its_callers(world, route):
    spec = ROUTES[route]
    method = route.split()[0]
    plan_id = None
    if "{plan}" in spec.path:
        plan = world.client.post(f"/control/{world.a['key']}/plan", data=dict(PLAN))
        plan_id = int(plan.headers["Location"].rsplit("/", 1)[1])
    secrets = world.secrets()
    paths = spec.path if isinstance(spec.path, tuple) else (spec.path,)
    for identity, path in [(i, p) for i in IDENTITIES for p in paths]:
        for credential in http_credentials(world, identity):
            url = path.format(key=credential, code=world.a["code"], plan=plan_id,
                              **world.ids)
            before = world.dump(exclude_b=identity == "other")
            kwargs = {"data": spec.data(world, credential)} if spec.data else {}
            if spec.data and "file" in kwargs["data"]:
                kwargs["content_type"] = "multipart/form-data"
            response = world.client.open(url, method=method, **kwargs)
            expected = spec.statuses.get(identity, spec.default)
            assert response.status_code == expected, (route, identity, response.status_code)
            assert_strict_csp(response)
            body = readable(response)
            response.close()  # a file served is streamed from disk
            if response.mimetype == "text/html":
                assert_no_inline_code(body, url)
            if identity != "facilitator":
                leaked = [k for k, v in secrets.items() if v in body and v != credential]
                assert leaked == [], (route, identity, leaked)
            if identity == "other" and spec.own_workshop:
                assert "Home day" not in body and "Ann Lee" not in body, route
            if identity == "facilitator":
                assert "Other day" not in body, route
            # Only workshop A's own facilitator changes A, and never by a GET; anyone may
            # create a new workshop.
            if method == "GET" or expected >= 400 or identity == "other" and spec.statuses:
                assert world.dump(exclude_b=identity == "other") == before, (route, identity)


def test_a_csv_file_the_activity_does_not_offer_is_not_found(world):
    for identity in IDENTITIES:
        for credential in http_credentials(world, identity):
            for path in NO_SUCH_CSV:
                url = path.format(key=credential, **world.ids)
                response = world.client.get(url)
                assert response.status_code == 404, (url, identity, response.status_code)
                assert "text/csv" not in response.headers["Content-Type"], url


def readable(response) -> str:
    """A response's text; a ZIP's is that of every file in it."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data().decode()


def test_the_tables_name_every_event_and_route(app):
    events = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert sorted(events - set(EVENTS)) == [], "add these events to EVENTS"
    assert sorted(set(EVENTS) - events) == [], "these events are no longer registered"
    routes = {f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
              if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routes - set(ROUTES)) == [], "add these routes to ROUTES"
    assert sorted(set(ROUTES) - routes) == [], "these routes are no longer registered"
    for spec in EVENTS.values():
        assert set(spec.outcomes) <= set(IDENTITIES) - set(REFUSED)


# --- Origin -----------------------------------------------------------------------

@pytest.mark.live
def test_socket_connections_from_another_site_are_refused(live_server):
    """A page on another site cannot open a socket to the app in a visitor's browser."""
    import requests
    import socketio as client_socketio
    import websocket

    handshake = live_server.url + "/socket.io/?EIO=4&transport={}"
    for origin in ("http://evil.example", "null", live_server.url + ".evil.example",
                   live_server.url.replace("http:", "https:"), "http://127.0.0.1:1",
                   f"http://localhost:{live_server.port}"):
        for transport in ("polling", "websocket"):
            refused = requests.get(handshake.format(transport), headers={"Origin": origin},
                                   timeout=10)
            assert refused.status_code == 400, (origin, transport)
    same = requests.get(handshake.format("polling"), headers={"Origin": live_server.url},
                        timeout=10)
    assert same.status_code == 200 and same.text.startswith("0{")
    # Scripts and apps that send no Origin are not browsers on another site.
    assert requests.get(handshake.format("polling"), timeout=10).status_code == 200

    w = live_server.create_workshop()
    auth = {"role": "facilitator", "key": w["key"]}
    ws_url = handshake.format("websocket").replace("http:", "ws:")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url, origin="http://evil.example", timeout=10)
    assert refused.value.status_code == 400
    ws = websocket.create_connection(ws_url, origin=live_server.url, timeout=10)
    try:
        assert ws.recv().startswith("0{")  # Engine.IO open
        ws.send("40" + json.dumps(auth))  # Socket.IO connect with the control link
        replies = [ws.recv(), ws.recv()]
        assert any(r.startswith("40{") for r in replies), replies  # connected
        assert any(r.startswith('42["snapshot"') for r in replies), replies
    finally:
        ws.close()

    evil = client_socketio.Client(reconnection=False)
    with pytest.raises(client_socketio.exceptions.ConnectionError):
        evil.connect(live_server.url, auth=auth, transports=["polling"],
                     headers={"Origin": "http://evil.example"}, wait_timeout=10)
    good = client_socketio.Client(reconnection=False)
    good.connect(live_server.url, auth=auth, transports=["polling"],
                 headers={"Origin": live_server.url}, wait_timeout=10)
    assert good.connected
    good.disconnect()


# --- Content-Security-Policy ----------------------------------------------------------

def assert_strict_csp(response):
    """The policy allows scripts, styles and connections from this site only."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], policy
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert directives.get("base-uri") == ["'none'"], policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert "unsafe" not in policy and "*" not in policy and "data:" not in \
        " ".join(directives.get("script-src", []) + directives.get("connect-src", []))


class _Markup(HTMLParser):
    """Scripts with a body and event-handler or inline-style attributes in a page."""

    def __init__(self):
        super().__init__()
        self.problems, self._script = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:>")
            if name == "style":
                self.problems.append(f"<{tag} style=>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self._script = attrs

    def handle_data(self, data):
        if self._script is not None and data.strip():
            if self._script.get("type") != "application/json":
                self.problems.append("inline <script> body")
            elif self._script.get("src"):
                self.problems.append("<script src> with a body")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def assert_no_inline_code(html, where):
    parser = _Markup()
    parser.feed(html)
    assert parser.problems == [], where


def test_templates_hold_no_inline_script_or_handlers():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) >= 10
    for path in templates:
        source = path.read_text()
        # Jinja's own tags are not markup; what they print is checked on the pages.
        plain = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", source, flags=re.DOTALL)
        assert_no_inline_code(plain, path.name)
        for body in re.findall(r"<script\b[^>]*>(.*?)</script>", source, flags=re.DOTALL):
            # The only script element with a body is JSON data, escaped by tojson.
            data_block = r"\s*{{\s*[\w.]+\s*\|\s*tojson\s*}}\s*"
            assert not body.strip() or re.fullmatch(data_block, body), path.name


def test_every_page_carries_the_strict_policy(app, world):
    """Every kind of page, including settings forms and error pages, as a browser gets it."""
    a, client = world.a, world.client
    plan = client.post(f"/control/{a['key']}/plan", data=dict(PLAN))
    pages = {
        "home": client.get("/"),
        "created": client.post("/", data={"title": "Fresh day"}),
        "create refused": client.post("/", data={"title": " "}),
        "join form": client.get("/join"),
        "unknown code": client.get("/join?code=ACDEFG"),
        "phone": client.get(f"/j/{a['code']}"),
        "control": client.get(f"/control/{a['key']}"),
        "screen": client.get(f"/screen/{world.keys['screen']}"),
        "panel": client.get(f"/panel/{world.keys['panel']}"),
        "report": client.get(f"/control/{a['key']}/report"),
        "plan form": client.get(f"/control/{a['key']}/plan"),
        "plan refused": client.post(f"/control/{a['key']}/plan", data={"group_size": "9"}),
        "plan": client.get(plan.headers["Location"]),
        "invalid link": client.get(f"/panel/{world.old_keys['panel']}"),
        "not found": client.get("/nowhere"),
        "not allowed": client.delete("/"),
        "too large": client.post(f"/control/{a['key']}/roster", data=b"x" * (3 * 1024 * 1024),
                                 content_type="multipart/form-data; boundary=x"),
        "delete refused": client.post(f"/control/{a['key']}/delete",
                                      data={"key": "", "confirm": a["code"]}),
        "deleted": client.post(f"/control/{a['key']}/delete",
                               data={"key": a["key"], "confirm": a["code"]}),
    }
    statuses = {name: page.status_code for name, page in pages.items()}
    assert statuses == {**{name: 200 for name in pages}, "create refused": 400,
                        "unknown code": 404, "plan refused": 400, "invalid link": 404,
                        "not found": 404, "not allowed": 405, "too large": 413,
                        "delete refused": 403}
    # Each kind's settings form is part of the control page.
    assert pages["control"].get_data(as_text=True).count('class="kind-fields"') >= 3
    for name, page in pages.items():
        assert page.mimetype == "text/html", name
        assert_strict_csp(page)
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert_no_inline_code(page.get_data(as_text=True), name)


def test_an_unexpected_failure_page_carries_the_policy_too(tmp_path):
    from facilitator import create_app

    app = create_app({"DATABASE": str(tmp_path / "e.db"), "ASYNC_MODE": "threading",
                      "SECRET_KEY": "test"})

    @app.get("/fail-for-test")
    def fail():
        raise RuntimeError("boom")

    response = app.test_client().get("/fail-for-test")
    assert response.status_code == 500
    assert_strict_csp(response)
    app.extensions["facilitator.store"].close()
