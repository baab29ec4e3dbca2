"""The server itself, started with `python run.py` in each async mode: slow and idle
connections are dropped, phones over the cap are refused while the room stays
reachable, one server per port, and no reply ever carries a traceback."""
import asyncio
import contextlib
import http.client
import json
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio

from conftest import ROOT, LiveServer
from test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.live

MODES = ["eventlet", "gevent"]


@contextlib.contextmanager
def running(tmp_path, mode, **settings):
    """A real server with these FACILITATOR_* settings, answering HTTP."""
    server = LiveServer(tmp_path / f"{mode}.db", mode=mode,
                        env={f"FACILITATOR_{k}": str(v) for k, v in settings.items()})
    server.start()
    try:
        requests.get(server.url + "/healthz", timeout=20).raise_for_status()
        yield server
    finally:
        server.stop()


def open_socket(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def closed_after(sock, since: float, limit: float) -> float | None:
    """Seconds from `since` until the server closed `sock`; None if still open at `limit`."""
    sock.settimeout(max(0.01, since + limit - time.monotonic()))
    try:
        while sock.recv(4096):
            pass
    except (socket.timeout, TimeoutError):
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - since


def polling(server, sid=None) -> str:
    url = server.url + "/socket.io/?EIO=4&transport=polling"
    return url + (f"&sid={sid}" if sid else "")


def handshake(http, server) -> str:
    """Open an Engine.IO long-polling connection; return its sid."""
    reply = http.get(polling(server), timeout=5)
    return json.loads(reply.text[1:])["sid"]


# --- slow and idle connections ---------------------------------------------

def drip(sock, every=0.2):
    """Send a header one byte at a time, as a slow-loris client does, until cut off."""
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: venue\r\n")
        while True:
            time.sleep(every)
            sock.sendall(b"X")
    except OSError:
        pass


@pytest.mark.parametrize("mode", MODES + ["threading"])
def test_a_connection_without_a_complete_header_is_closed(tmp_path, mode):
    with running(tmp_path, mode, HEADER_TIMEOUT=1) as server:
        opened = time.monotonic()
        silent = open_socket(server)
        half = open_socket(server)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: venue\r\nAccept: ")
        sockets = [silent, half]
        if mode != "threading":  # the development server times each read, not the header
            slow = open_socket(server)
            threading.Thread(target=drip, args=(slow,), daemon=True).start()
            sockets.append(slow)
        try:
            lifetimes = [closed_after(s, opened, 5) for s in sockets]
            assert all(t is not None and 0.8 < t < 3 for t in lifetimes), lifetimes
            assert requests.get(server.url + "/healthz", timeout=2).ok
        finally:
            for s in sockets:
                s.close()


@pytest.mark.parametrize("mode", MODES)  # the development server never keeps one open
def test_an_idle_keep_alive_connection_is_closed(tmp_path, mode):
    with running(tmp_path, mode, HEADER_TIMEOUT=1, IDLE_TIMEOUT=2.5) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            assert conn.getresponse().read()
            # The header timeout is for a request being sent: an idle connection
            # waits for the next one up to the idle timeout.
            lifetime = closed_after(conn.sock, time.monotonic(), 5)
            assert lifetime is not None and 2.2 < lifetime < 4, lifetime
        finally:
            conn.close()


@pytest.mark.parametrize("mode", MODES)
def test_long_polls_and_websockets_outlive_the_header_and_request_timeouts(tmp_path, mode):
    with running(tmp_path, mode, HEADER_TIMEOUT=1, REQUEST_TIMEOUT=1) as server:
        w = server.create_workshop()
        poll, post = requests.Session(), requests.Session()
        sid = handshake(poll, server)
        auth = json.dumps({"role": "delegate", "code": w["code"]})
        assert post.post(polling(server, sid), data="40" + auth, timeout=5).text == "OK"
        assert "snapshot" in poll.get(polling(server, sid), timeout=5).text
        # A long poll the server holds open (nothing to send) past both timeouts...
        held = {}

        def wait():
            start = time.monotonic()
            held["reply"] = poll.get(polling(server, sid), timeout=10)
            held["seconds"] = time.monotonic() - start

        waiting = threading.Thread(target=wait)
        waiting.start()
        time.sleep(2)
        ask = '420["roster:search",{"q":"zz"}]'
        assert post.post(polling(server, sid), data=ask, timeout=5).text == "OK"
        waiting.join(10)
        # ...gets the answer when there is one.
        assert held["reply"].status_code == 200 and held["reply"].text.startswith("430")
        assert held["seconds"] > 1.9
        # A WebSocket quiet for longer than both still works.
        phone = socketio.Client(reconnection=False)
        phone.connect(server.url, auth={"role": "delegate", "code": w["code"]},
                      transports=["websocket"], wait_timeout=10)
        try:
            time.sleep(2)
            assert phone.call("roster:search", {"q": "zz"}, timeout=5)["ok"]
        finally:
            phone.disconnect()
        poll.close()
        post.close()


# --- slow request bodies -------------------------------------------------------

def head(method, target, length, content_type="application/x-www-form-urlencoded",
         start=b""):
    """A request header announcing a body of `length` bytes, and the body's first bytes."""
    return (f"{method} {target} HTTP/1.1\r\nHost: venue\r\nContent-Type: {content_type}"
            f"\r\nContent-Length: {length}\r\n\r\n").encode() + start


def trickle(sockets, stop, every=0.2):
    """Send one more byte of each body every `every` seconds, until cut off or stopped."""
    while not stop.wait(every):
        for sock in list(sockets):
            try:
                sock.send(b"x")
            except OSError:
                sockets.remove(sock)


@pytest.mark.parametrize("mode", MODES + ["threading"])
def test_a_request_whose_body_trickles_in_is_closed_at_its_deadline(tmp_path, mode):
    limit = 3
    # MAX_CONNECTIONS=20: a pool of 120 connections, more than the slow ones below.
    with running(tmp_path, mode, REQUEST_TIMEOUT=limit, MAX_CONNECTIONS=20) as server:
        w = server.create_workshop()
        sid = handshake(requests, server)
        form = "multipart/form-data; boundary=b"
        part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n\r\n'
        slow = [
            head("POST", "/", 100_000, start=b"title="),  # create a workshop: no key needed
            head("POST", f"/control/{w['key']}/roster", 500_000, form, part),
            head("GET", "/healthz", 100_000),  # a body the app never reads
            head("POST", polling(server, sid)[len(server.url):], 10_000, "text/plain"),
            head("GET", polling(server)[len(server.url):], 10_000, "text/plain"),
        ]
        opened = time.monotonic()
        sockets = []
        for n in range(90 if mode != "threading" else 20):
            sockets.append(open_socket(server))
            sockets[-1].sendall(slow[n % len(slow)])
        stop = threading.Event()
        dripping = threading.Thread(target=trickle, args=(list(sockets), stop), daemon=True)
        dripping.start()
        try:
            # Meanwhile the server answers, and a slow but steady upload gets in.
            slowest = 0.0
            while time.monotonic() < opened + limit - 1.5:
                start = time.monotonic()
                assert requests.get(server.url + "/healthz", timeout=2).ok
                slowest = max(slowest, time.monotonic() - start)
                time.sleep(0.1)
            assert slowest < 1, slowest
            steady = open_socket(server)
            rows = b"name,organisation\nAnn Lee,NHS\n"
            body = part + rows + b"\r\n--b--\r\n"
            steady.sendall(head("POST", f"/control/{w['key']}/roster", len(body), form))
            for i in range(0, len(body), 20):
                steady.sendall(body[i:i + 20])
                time.sleep(0.1)
            steady.settimeout(5)
            assert steady.recv(4096).startswith(b"HTTP/1.1 200"), mode
            steady.close()
            lifetimes = [closed_after(s, opened, limit + 3) for s in sockets]
            assert all(t is not None and limit - 0.3 < t < limit + 1.5 for t in lifetimes), \
                lifetimes
            assert requests.get(server.url + "/healthz", timeout=2).ok
        finally:
            stop.set()
            dripping.join(2)
            for s in sockets:
                s.close()
    log = server.database.with_suffix(".log").read_text()
    assert "Traceback" not in log, log


# --- the connection cap --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_over_the_cap_phones_are_refused_and_the_room_stays_reachable(tmp_path, mode):
    cap = 20
    with running(tmp_path, mode, MAX_CONNECTIONS=cap) as server:
        w = server.create_workshop()
        timings = {}

        async def client(auth):
            sio = socketio.AsyncClient(reconnection=False)
            refused = asyncio.get_running_loop().create_future()
            sio.on("connect_error", lambda data: refused.done() or refused.set_result(data))
            try:
                await asyncio.wait_for(sio.connect(server.url, auth=auth,
                                                   transports=["websocket"], wait_timeout=5),
                                       timeout=5)
            except socketio.exceptions.ConnectionError:
                pass
            sio.refused = refused.result() if refused.done() else None
            return sio

        async def scenario():
            phone = {"role": "delegate", "code": w["code"]}
            phones = await asyncio.gather(*[client(phone) for _ in range(cap)])
            assert all(p.connected for p in phones)
            start = time.monotonic()
            late = await client(phone)
            timings["refused_ms"] = (time.monotonic() - start) * 1000
            assert not late.connected and late.refused == {"message": "room_full"}
            start = time.monotonic()
            control = await client({"role": "facilitator", "key": w["key"]})
            timings["control_socket_ms"] = (time.monotonic() - start) * 1000
            assert control.connected
            for path in ("/healthz", f"/control/{w['key']}"):
                start = time.monotonic()
                reply = await asyncio.to_thread(requests.get, server.url + path, timeout=5)
                timings[path] = (time.monotonic() - start) * 1000
                assert reply.status_code == 200
            # A phone that leaves makes room for the next one.
            await phones.pop().disconnect()
            await asyncio.sleep(0.3)
            again = await client(phone)
            assert again.connected
            for sio in phones + [control, again]:
                await sio.disconnect()

        asyncio.run(scenario())
        assert timings["refused_ms"] < 2000, timings
        assert timings["control_socket_ms"] < 2000, timings
        assert timings["/healthz"] < 1000 and timings[f"/control/{w['key']}"] < 1000, timings


@pytest.mark.browser
def test_a_phone_over_the_cap_says_the_room_is_full_and_what_to_do(tmp_path, browser):
    from test_browser import PHONE, expect
    with running(tmp_path, "eventlet", MAX_CONNECTIONS=1) as server:
        w = server.create_workshop()
        pages = []
        try:
            for _ in range(2):
                context = browser.new_context(viewport=PHONE)
                pages.append(context.new_page())
                pages[-1].goto(f"{server.url}/j/{w['code']}")
            first, second = pages
            expect(first.locator("#status")).to_have_text("Live")
            expect(first.locator("#connection-notice")).to_be_empty()
            notice = second.locator("#connection-notice")
            expect(notice).to_contain_text("The room is full")
            expect(notice).to_contain_text("tries again by itself in about a minute")
            expect(notice).to_be_visible()
            expect(second.locator("#status")).to_contain_text("Room full")
        finally:
            for page in pages:
                page.context.close()


# --- one server per port -------------------------------------------------------

@pytest.mark.parametrize("mode", MODES + ["threading"])
def test_a_second_server_on_a_port_in_use_stops_at_once(tmp_path, mode):
    with running(tmp_path, mode) as server:
        start = time.monotonic()
        try:
            second = subprocess.run(
                [sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port",
                 str(server.port), "--database", str(tmp_path / "second.db"),
                 "--async-mode", mode],
                cwd=ROOT, capture_output=True, text=True, timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("the second server started on a port already in use")
        assert time.monotonic() - start < 10
        assert second.returncode != 0
        assert f"Port {server.port} is already in use" in second.stderr, second.stderr
        assert f"--port {server.port + 1}" in second.stderr
        assert "Traceback" not in second.stderr
        # The first one carries on.
        assert requests.get(server.url + "/healthz", timeout=2).ok


# --- no tracebacks -----------------------------------------------------------

SECRETS = ("Traceback", 'File "', "site-packages", "python3")


def plain(reply):
    """A short error reply, with the security headers and nothing of the server's insides."""
    assert reply.status_code >= 400
    assert len(reply.content) < 200 and not any(s in reply.text for s in SECRETS), reply.text
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Content-Security-Policy"]


@pytest.mark.parametrize("mode", MODES + ["threading"])
def test_no_reply_carries_a_traceback_and_bad_packets_are_logged_briefly(tmp_path, mode):
    with running(tmp_path, mode) as server:
        w = server.create_workshop()
        auth = json.dumps({"role": "delegate", "code": w["code"]})

        def connected():
            http = requests.Session()
            sid = handshake(http, server)
            assert http.post(polling(server, sid), data="40" + auth, timeout=5).text == "OK"
            return http, sid

        http, sid = connected()
        http.get(polling(server, sid), timeout=5)
        # Malformed packets, several times over: answered, and logged once.
        for body in ('42["roster:search",', "4x") * 3:
            assert http.post(polling(server, sid), data=body, timeout=5).status_code == 200
        # Over 16 KiB: refused at once (not held), and the connection is closed...
        start = time.monotonic()
        plain(http.post(polling(server, sid), data="4" + "x" * 20000, timeout=5))
        assert time.monotonic() - start < 2
        # ...so the next POSTs on it fail, plainly.
        for _ in range(2):
            plain(requests.post(polling(server, sid), data="3", timeout=5))
        # A connection the client closed itself: the next POST used to get a 500 with
        # the traceback of Engine.IO's KeyError.
        http, sid = connected()
        assert http.post(polling(server, sid), data="1", timeout=5).status_code == 200
        for _ in range(2):
            plain(requests.post(polling(server, sid), data="3", timeout=5))
        assert requests.get(server.url + "/healthz", timeout=2).ok
        http.close()
    log = server.database.with_suffix(".log").read_text()
    assert "Traceback" not in log, log
    malformed = [line for line in log.splitlines() if "message handler error" in line]
    assert len(malformed) == 1 and "127.0.0.1" in malformed[0], log
