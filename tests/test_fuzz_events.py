"""Every Socket.IO event, fed arbitrary JSON by every role, answers with an ack and
never fails inside (a `server_error` ack would mean an unhandled error)."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from facilitator import realtime, socketio

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)

FIELDS = ["activity_id", "question_id", "delegate_id", "client_id", "text", "title", "kind",
          "action", "choices", "entries", "value", "ready", "up", "version", "seconds",
          "index", "name", "organisation", "role", "options", "screen", "show", "q",
          "sitting_out", "contact", "into", "label", "words", "closed", "revealed", "blank"]
payloads = st.one_of(json_values, st.dictionaries(st.sampled_from(FIELDS), json_values,
                                                  max_size=6))


@pytest.fixture
def clients(workshops):
    """A workshop with a live Q&A, a Connect round, a prompt, and one client per role."""
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    for kind, extra in (("connect", {}), ("poll", {"options": ["A", "B"]}), ("qa", {})):
        activity = fac.emit("activity:add", {"kind": kind, "title": kind, **extra},
                            callback=True)["activity"]
    phones = [workshops.phone(w, f"P{i}", f"Org {i}") for i in range(3)]
    fac.emit("live:set", {"activity_id": activity["id"]}, callback=True)
    return [fac, phones[0], workshops.phone(w, name=None),
            workshops.connect(role="panel", key=keys["panel"]),
            workshops.connect(role="screen", key=keys["screen"])]


def test_every_event_answers_any_payload_without_failing(app, clients, monkeypatch):
    events = sorted(set(socketio.server.handlers["/"]) - {"connect", "disconnect"})
    # Every payload must reach its handler, however fast they come.
    monkeypatch.setattr(realtime.Quotas, "RATES", {role: (1e9, 1e9) for role in realtime.ROLES})

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(event=st.sampled_from(events), payload=payloads, who=st.integers(0, 4))
    def check(event, payload, who):
        client = clients[who]
        ack = client.emit(event, payload, callback=True)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, payload)
        assert ack.get("error") not in ("server_error", "rate_limited"), (event, payload, ack)
        if not ack["ok"]:
            assert ack["message"], (event, payload)
        client.get_received()

    check()
