"""The documentation others build on stays in step with the code."""
import re

from facilitator import config, socketio
from conftest import ROOT


def test_protocol_lists_every_socket_event(app):
    protocol = (ROOT / "docs" / "PROTOCOL.md").read_text()
    events = set(socketio.server.handlers["/"]) - {"connect", "disconnect"}
    assert events, "no handlers registered"
    missing = [e for e in sorted(events) if f"`{e}`" not in protocol]
    assert missing == []


def test_protocol_lists_every_event_the_server_sends():
    protocol = (ROOT / "docs" / "PROTOCOL.md").read_text()
    sent = set()
    for path in (ROOT / "facilitator").rglob("*.py"):
        sent |= set(re.findall(r'\bemit\("([a-z:_]+)"', path.read_text()))
    assert sent and [e for e in sorted(sent) if f"`{e}`" not in protocol] == []


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert [name for name, _, _ in config.SETTINGS if f"`{name}`" not in readme] == []
