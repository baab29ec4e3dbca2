"""Headers and error pages shared by every HTTP route, and the outermost WSGI layer
that keeps tracebacks out of every reply."""
import functools
import logging
import sqlite3
import threading
import time
import traceback
from urllib.parse import parse_qs

from flask import Flask, abort, jsonify, render_template, request

from . import plugins
from .extensions import get_store, socketio
from .store import why_not_saved
from .workshops import domain as workshops

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"))

log = logging.getLogger(__name__)

# The WSGI environ of the request this thread or greenlet is serving (run.py
# monkey-patches threading first, so under eventlet and gevent this is per greenlet).
_serving = threading.local()


def client_address() -> str:
    """The address of the client whose request is being served, as the app sees it
    (the phone's own behind a trusted proxy); "unknown" outside a request."""
    environ = getattr(_serving, "environ", None)
    return (environ or {}).get("REMOTE_ADDR") or "unknown"


class Guard:
    """The outermost WSGI layer: every reply (Engine.IO's too) carries the security
    headers, and an error that escapes the app becomes a short plain 500, whatever
    the server would have sent (eventlet's default is the traceback).

    It also refuses a long-polling POST over `max_message` bytes itself: Engine.IO
    would close the connection and then hold that request until a poll took the news,
    forever if none comes, each one keeping a connection of the server's pool."""

    BODY = b"Server error: please try again.\n"
    TOO_LARGE = b"Message too large.\n"

    def __init__(self, app, max_message: int):
        self.app, self.max_message = app, max_message

    def __call__(self, environ, start_response):
        _serving.environ = environ

        def secured(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(name, value) for name, value in SECURITY_HEADERS
                                       if name.lower() not in present]
            return start_response(status, headers, exc_info)

        try:
            if self._oversized_poll(environ):
                secured("413 Content Too Large",
                        [("Content-Type", "text/plain; charset=utf-8"),
                         ("Content-Length", str(len(self.TOO_LARGE)))])
                return [self.TOO_LARGE]
            return self.app(environ, secured)
        except (ConnectionError, TimeoutError):
            raise  # the client is gone: each server closes quietly (and a WebSocket
            # ending under werkzeug raises ConnectionError on purpose)
        except Exception as exc:  # noqa: BLE001 - the reply must not be a traceback
            where = traceback.extract_tb(exc.__traceback__)[-1]
            log.error("%s %s failed: %s: %s (at %s:%s)", environ.get("REQUEST_METHOD"),
                      environ.get("PATH_INFO"), type(exc).__name__, exc,
                      "/".join(where.filename.split("/")[-2:]), where.lineno)
            secured("500 Internal Server Error",
                    [("Content-Type", "text/plain; charset=utf-8"),
                     ("Content-Length", str(len(self.BODY))), ("Cache-Control", "no-store")],
                    (type(exc), exc, exc.__traceback__))
            return [self.BODY]
        finally:
            _serving.environ = None

    def _oversized_poll(self, environ) -> bool:
        """An over-size Engine.IO POST: close its connection at once, as Engine.IO
        would, without waiting (the phone's own poll, if any, is told it is closed)."""
        if environ.get("REQUEST_METHOD") != "POST" or \
                not environ.get("PATH_INFO", "").startswith("/socket.io"):
            return False
        try:
            if int(environ.get("CONTENT_LENGTH") or 0) <= self.max_message:
                return False
        except ValueError:
            return False  # the server refuses a malformed length itself
        sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [""])[0]
        connections = socketio.server.eio.sockets
        connection = connections.get(sid)
        if connection is not None:
            connection.close(wait=False)
            connections.pop(sid, None)
        return True


class OncePerClient(logging.Filter):
    """Let through one record of each kind per client address per `every` seconds, as
    one line: Engine.IO and Socket.IO log each malformed packet with its traceback,
    and a client sending them should not fill the log."""

    def __init__(self, every: float = 60.0):
        super().__init__()
        self.every = every
        self._lock = threading.Lock()
        self._last: dict[tuple, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        address, now = client_address(), time.monotonic()
        key = (address, record.name, record.msg)
        with self._lock:
            if len(self._last) > 10_000:
                self._last = {k: t for k, t in self._last.items() if now - t < self.every}
            if now - self._last.get(key, -self.every) < self.every:
                return False
            self._last[key] = now
        detail = ""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            detail = f": {type(exc).__name__}: {exc}"[:200]
        message = record.getMessage()
        record.msg = "%s (from %s%s; more like it from there are not logged for %d s)"
        record.args = (message, address, detail.replace("\n", " "), self.every)
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def quiet_socket_logs():
    """One line per client a minute for what Engine.IO and Socket.IO log about bad
    input, and for errors the Guard catches. Run before socketio.init_app: with a
    level set, Engine.IO and Socket.IO add no handler of their own (which printed
    each record a second time)."""
    for name in ("engineio.server", "socketio.server", __name__):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET and name != __name__:
            logger.setLevel(logging.ERROR)  # as they set it themselves
        if not any(isinstance(f, OncePerClient) for f in logger.filters):
            logger.addFilter(OncePerClient())


def init_app(app: Flask):
    """Add security headers, friendly error pages and what templates know of kinds."""
    quiet_socket_logs()

    @app.context_processor
    def kinds():
        return {"kinds": plugins.manifest(), "kind_settings": plugins.settings_templates(),
                "kind_styles": plugins.stylesheets(), "kind_pages": plugins.pages()}

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Secret links live in URLs: never leak them to other sites.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith(("/control/", "/panel/", "/screen/")) or \
                request.method == "POST":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title="Page not found",
                               message="There is nothing at this address."), 404

    @app.errorhandler(405)
    def not_allowed(error):
        return render_template("error.html", title="Not allowed",
                               message="That action is not available here."), 405

    @app.errorhandler(sqlite3.Error)
    def storage(error):
        app.logger.error("request %s could not use the database: %s", request.path, error)
        return render_template(
            "error.html", title="Not saved",
            message=f"The server could not save that: {why_not_saved(error)}. Nothing "
                    "was changed; try again in a moment."), 503

    @app.errorhandler(413)
    def too_large(error):
        return render_template("error.html", title="Too large",
                               message="What you sent is larger than this app accepts."), 413


def facilitator_page(view=None, *, answer_json=False):
    """Decorate a page or download of the facilitator's, at /control/<key>/...: the
    workshop whose control link holds `key` opens it, as view(workshop, key, ...);
    any other key gets the 404 page (with `answer_json`, a 403 JSON refusal, for
    the control screen's own requests)."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(key, **values):
            workshop = workshops.by_facilitator_key(get_store(), key)
            if workshop is None:
                if answer_json:
                    return jsonify(ok=False, error="forbidden",
                                   message="This control link is not valid."), 403
                abort(404)
            return fn(workshop, key, **values)
        return wrapper
    return decorate(view) if view is not None else decorate
