"""A live workshop facilitation app: Connect rounds, panel Q&A and prompts."""
import logging

from flask import Flask, current_app
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cluster
from . import config as settings
from .store import Store
from .throttle import limiter

socketio = SocketIO()

# Payloads larger than this are refused before they are read into memory.
MAX_MESSAGE_BYTES = 16 * 1024


def store() -> Store:
    """The database of the app handling this request or event."""
    return current_app.extensions["facilitator.store"]


def create_app(config=None) -> Flask:
    """Build the app: settings, database, routes and Socket.IO handlers."""
    app = Flask(__name__, template_folder=str(settings.ROOT / "templates"),
                static_folder=str(settings.ROOT / "static"))
    app.config.update(settings.load(config))
    app.extensions["facilitator.store"] = Store(app.config["DATABASE"])
    logging.getLogger("facilitator").setLevel(logging.INFO)

    from . import web
    from .connect import events as connect_events  # noqa: F401  (registers handlers)
    from .prompts import events as prompt_events  # noqa: F401
    from .qa import events as qa_events  # noqa: F401
    from .runsheet import events as runsheet_events  # noqa: F401
    from .workshops import events as workshop_events  # noqa: F401
    from .connect.routes import bp as connect_bp
    from .prompts.routes import bp as prompts_bp
    from .qa.routes import bp as qa_bp
    from .workshops.routes import bp as workshops_bp

    app.register_blueprint(workshops_bp)
    app.register_blueprint(connect_bp)
    app.register_blueprint(qa_bp)
    app.register_blueprint(prompts_bp)
    web.init_app(app)
    # With Redis, every broadcast goes through it to the phones of every process.
    socketio.init_app(app, async_mode=app.config["ASYNC_MODE"],
                      message_queue=app.config["REDIS_URL"] or None,
                      channel="facilitator-socketio",
                      max_http_buffer_size=MAX_MESSAGE_BYTES,
                      ping_interval=20, ping_timeout=20)
    cluster.configure(app).start(app)
    limiter.configure(app.config["REDIS_URL"])
    if app.config.get("TRUSTED_PROXIES"):
        # Outermost, so pages and Socket.IO alike see the phone's own address
        # (the join-code throttle counts by it), not the proxy's.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # Outermost of all: no reply, whatever fails below, carries a traceback.
    app.wsgi_app = web.Guard(app.wsgi_app, MAX_MESSAGE_BYTES)
    return app
