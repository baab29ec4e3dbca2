"""Each socket handler's declared contract (realtime.handler: roles, joined, live kind,
payload fields) is the one the access table in test_access.py expects, and holds."""
import pytest
from test_access import EVENTS, World

from facilitator import plugins, socketio
from facilitator.realtime import CONTRACTS
from facilitator.validation import Raw

# The role each caller of the access table connects as.
ROLE_OF = {"unjoined": "delegate", "phone": "delegate", "screen": "screen", "panel": "panel",
           "facilitator": "facilitator", "other": "facilitator"}


def test_every_handler_declares_a_contract(app):
    handlers = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert handlers == set(CONTRACTS)


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_the_access_table_is_what_the_handler_declares(app, event):
    spec, contract = EVENTS[event], CONTRACTS[event]
    allowed = {ROLE_OF[who] for who, outcome in spec.outcomes.items() if outcome != "forbidden"}
    assert allowed == set(contract.roles)
    if "delegate" in contract.roles:
        assert (spec.outcomes.get("unjoined") == "not_joined") == contract.joined
    if contract.live is not None:
        assert spec.live in plugins.of_type(contract.live)


@pytest.fixture
def world(app, client, workshops):
    return World(app, client, workshops)


def _caller(world, contract):
    """A client allowed to send the event: a joined phone, or the workshop's own screen."""
    role = contract.roles[0]
    return {"delegate": world.phone, "facilitator": world.fac, "panel": world.panel,
            "screen": world.screen}[role]


@pytest.mark.parametrize("event", sorted(e for e, c in CONTRACTS.items() if c.live is not None))
def test_a_handler_needing_a_kind_live_refuses_while_another_is(world, event):
    world.go_live("message")
    ack = _caller(world, CONTRACTS[event]).emit(event, EVENTS[event].payload(world),
                                                callback=True)
    assert ack["ok"] is False and ack["error"] == "not_live" and ack["message"]


FIELDS = sorted((event, name) for event, contract in CONTRACTS.items()
                for name, field in (contract.fields or {}).items() if not isinstance(field, Raw))


@pytest.mark.parametrize("event,name", FIELDS)
def test_every_declared_field_is_checked(world, event, name):
    """A value of no declared type in a declared field is refused, naming the field,
    before anything happens."""
    contract = CONTRACTS[event]
    world.go_live(EVENTS[event].live)
    before = world.dump()
    payload = {**EVENTS[event].payload(world), name: [{"not": "this"}]}
    ack = _caller(world, contract).emit(event, payload, callback=True)
    assert ack["ok"] is False and ack["error"] in ("invalid", "not_found"), ack
    assert ack.get("field") == name, ack
    assert world.dump() == before
