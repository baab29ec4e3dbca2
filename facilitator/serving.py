"""The HTTP server for each async mode, built in one place: `run.py` calls listen(),
then serve().

In every mode the server

- binds its port without SO_REUSEPORT, so a second server on a port in use stops
  at once instead of sharing the phones (and two databases) with the first;
- closes a connection that has not sent a complete request header within
  HEADER_TIMEOUT seconds of opening (or of starting its next request), and a
  keep-alive connection idle for IDLE_TIMEOUT seconds between requests;
- closes a connection whose request (header, body and reply) is not over
  REQUEST_TIMEOUT seconds after its first byte, however steadily a body trickles
  in; an Engine.IO request carrying a body (a long-polling POST, at most 16 KiB)
  has Engine.IO's ping timeout at most. Engine.IO's long polls the server holds
  (up to the 20 s ping interval) and WebSockets (a pong every 20 s) are not cut
  by any of these: they only time out when nothing at all crosses them for
  `busy` seconds, longer than Engine.IO's own ping interval plus ping timeout;
- runs at most MAX_CONNECTIONS + reserve() connections at once: the cap is on
  phones, checked when each one connects (a phone over it is refused with
  `room_full`), and the reserve keeps room for pages, /healthz and the
  facilitator's, panel and projector screens;
- never answers with a traceback (see web.Guard for errors escaping the app).

eventlet and gevent are imported inside the functions that use them: run.py
imports (and monkey-patches for) the one in use before the app is loaded.
"""
import errno
import resource
import socket
import time
from dataclasses import dataclass

from .extensions import socketio

BACKLOG = 2048
ENGINEIO = "/socket.io/"  # Flask-SocketIO's path: long polls and WebSockets


class CannotListen(Exception):
    """The port cannot be opened; the message says why and what to do."""


class HeaderTimeout(TimeoutError):
    """A client took longer than the header timeout to send its request header."""


@dataclass(frozen=True)
class Timeouts:
    header: float   # from a connection opening (or a request starting) to its full header
    idle: float     # between requests on a keep-alive connection
    busy: float     # silence allowed inside a request: a body, a reply, a WebSocket
    request: float  # from a request starting to its reply sent: header, body, app
    message: float  # the same for an Engine.IO request with a body (at most 16 KiB)

    @classmethod
    def of(cls, app) -> "Timeouts":
        idle, request = app.config["IDLE_TIMEOUT"], app.config["REQUEST_TIMEOUT"]
        eio = socketio.server.eio
        # Engine.IO closes a silent connection after ping_interval + ping_timeout itself;
        # a socket timeout below that would cut healthy WebSockets.
        busy = max(idle, eio.ping_interval + eio.ping_timeout + 5)
        # A polling client answers each ping with a POST within the ping timeout: one
        # slower than that has lost its connection anyway.
        return cls(header=app.config["HEADER_TIMEOUT"], idle=idle, busy=busy,
                   request=request, message=min(request, eio.ping_timeout))

    def limit(self, target: str, headers) -> float | None:
        """Seconds a request whose header is `target` and `headers` may take from its
        first byte to the end of its reply; None for Engine.IO's long polls and
        WebSocket upgrades, which last as long as their connection is healthy."""
        if not target.startswith(ENGINEIO):  # as sent: anything else is timed
            return self.request
        length = headers.get("Content-Length") or "0"
        if length.strip() == "0" and "Transfer-Encoding" not in headers:
            return None
        return self.message  # a body (its server reads it to the end, even unasked)


def cut(handler, sock):
    """Close a connection whose request is over its time, now: a read or write waiting
    on it returns at once, and the server closes it instead of reading another
    request. Work the app is doing runs to its end (a roster import commits whole or
    not at all); only its reply is lost."""
    handler.close_connection = True
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


def reserve(cap: int) -> int:
    """Connections kept beyond the phone cap for pages, /healthz and the screens."""
    return max(100, cap // 5)


def listen(mode: str, host: str, port: int) -> socket.socket:
    """The listening socket, bound without SO_REUSEPORT; CannotListen if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        if mode == "eventlet":
            import eventlet
            listener = eventlet.listen((host, port), family, backlog=BACKLOG,
                                       reuse_port=False)
        else:  # gevent's patched socket module gives a cooperative socket
            listener = socket.create_server((host, port), family=family, backlog=BACKLOG,
                                            reuse_port=False)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"Port {port} is already in use — another server is running there. "
                f"Stop it, or start this one with --port {port + 1}.") from None
        raise CannotListen(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    # Send small frames at once: a snapshot followed by an ack must not wait ~40 ms
    # for the phone's delayed ACK (Nagle). Accepted sockets inherit this on Linux.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def raise_file_limit(wanted: int):
    """Each connection holds a socket: lift the open-file limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(app, listener, mode: str):
    """Serve the app on `listener` until interrupted."""
    size = app.config["MAX_CONNECTIONS"] + reserve(app.config["MAX_CONNECTIONS"])
    raise_file_limit(size + 256)
    timeouts = Timeouts.of(app)
    {"eventlet": _eventlet, "gevent": _gevent, "threading": _threading}[mode](
        app, listener, size, timeouts)


def _eventlet(app, listener, size, timeouts):
    import eventlet
    import eventlet.wsgi

    from eventlet.hubs import get_hub

    class Protocol(eventlet.wsgi.HttpProtocol):
        """Times the request header as a whole (a client sending it a byte at a time
        gets no longer), the request as a whole (its body too), and the wait between
        keep-alive requests."""

        served = 0
        deadline = cutoff = None

        def handle_one_request(self):
            if self.served:
                self.connection.settimeout(timeouts.idle)
                try:
                    waiting = self.rfile.peek(1)
                except OSError:  # idle too long, or gone
                    waiting = b""
                if not waiting:
                    self.close_connection = 1
                    return
            self.served += 1
            self.started = time.monotonic()
            self.deadline = eventlet.Timeout(timeouts.header, HeaderTimeout())
            try:
                super().handle_one_request()
            finally:
                self.deadline.cancel()
                if self.cutoff is not None:
                    self.cutoff.cancel()
                    self.cutoff = None

        def parse_request(self):
            try:
                parsed = super().parse_request()
            finally:  # the header is in: the request itself is not timed by it
                self.deadline.cancel()
                self.connection.settimeout(timeouts.busy)
            limit = timeouts.limit(self.path, self.headers) if parsed else None
            if parsed and limit is None:
                # A long poll or WebSocket: Engine.IO's pings end a silent one, and a
                # socket timeout would cost a timer on every wait of every phone.
                self.connection.settimeout(None)
            if limit is not None:
                self.cutoff = get_hub().schedule_call_global(
                    max(0.0, self.started + limit - time.monotonic()),
                    cut, self, self.connection)
            return parsed

    # A timed-out header raises socket.timeout, which the server closes quietly.
    # debug=False: an error never sends its traceback to the client.
    eventlet.wsgi.server(listener, app, max_size=size, protocol=Protocol,
                         keepalive=True, socket_timeout=timeouts.busy,
                         log_output=False, debug=False)


def _gevent(app, listener, size, timeouts):
    import gevent
    from gevent.pool import Pool
    from gevent.pywsgi import WSGIHandler, WSGIServer

    class Handler(WSGIHandler):
        """As eventlet's Protocol above; gevent's own error replies carry no traceback."""

        served = 0
        deadline = cutoff = None

        def read_requestline(self):
            if self.served:
                self.socket.settimeout(timeouts.idle)
                try:
                    if not self.rfile.peek(1):
                        return ""
                except OSError:  # idle too long, or gone: close
                    return ""
            self.served += 1
            self.started = time.monotonic()
            self.deadline = gevent.Timeout.start_new(timeouts.header, HeaderTimeout())
            return super().read_requestline()

        def read_request(self, raw_requestline):
            try:
                parsed = super().read_request(raw_requestline)
            finally:
                self.deadline.cancel()
                self.socket.settimeout(timeouts.busy)
            limit = timeouts.limit(self.path, self.headers) if parsed else None
            if parsed and limit is None:  # as in eventlet's Protocol above
                self.socket.settimeout(None)
            if limit is not None:
                self.cutoff = gevent.get_hub().loop.timer(
                    max(0.0, self.started + limit - time.monotonic()))
                self.cutoff.start(cut, self, self.socket)
            return parsed

        def handle_one_request(self):
            try:
                return super().handle_one_request()
            finally:
                if self.deadline is not None:
                    self.deadline.cancel()
                if self.cutoff is not None:
                    self.cutoff.close()
                    self.cutoff = None

        def _handle_client_error(self, ex):
            if isinstance(ex, (TimeoutError, ConnectionError)):
                return None  # too slow, or gone: close without a reply or a log entry
            return super()._handle_client_error(ex)

    server = WSGIServer(listener, app, spawn=Pool(size), handler_class=Handler, log=None)
    server.serve_forever()


def _threading(app, listener, size, timeouts):
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        """Development only: each read of the header is timed, not the header as a
        whole (the server closes every connection after one request); the request as
        a whole is, by a timer thread."""

        cutoff = None

        def handle_one_request(self):
            self.started = time.monotonic()
            self.connection.settimeout(timeouts.header)
            try:
                super().handle_one_request()
            finally:
                if self.cutoff is not None:
                    self.cutoff.cancel()

        def parse_request(self):
            try:
                parsed = super().parse_request()
            finally:
                self.connection.settimeout(timeouts.busy)
            limit = timeouts.limit(self.path, self.headers) if parsed else None
            if limit is not None:
                self.cutoff = threading.Timer(
                    max(0.0, self.started + limit - time.monotonic()),
                    cut, (self, self.connection))
                self.cutoff.daemon = True
                self.cutoff.start()
            return parsed

        def log_error(self, format, *args):
            if not format.startswith("Request timed out"):
                super().log_error(format, *args)

        def log_request(self, *args):
            pass  # no request log, as in the other modes (docs/PRIVACY.md)

    server = make_server(*listener.getsockname()[:2], app, threaded=True,
                         request_handler=Handler, fd=listener.fileno())
    listener.close()  # the server holds its own copy
    server.serve_forever()
