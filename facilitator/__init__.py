"""A live workshop facilitation app: Connect rounds, panel Q&A and prompts."""
import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cluster, plugins
from . import config as settings
from .extensions import socketio
from .store import Store
from .throttle import limiter

__all__ = ["create_app", "socketio"]

# Payloads larger than this are refused before they are read into memory.
MAX_MESSAGE_BYTES = 16 * 1024


def create_app(config=None) -> Flask:
    """Build the app: settings, database, routes and Socket.IO handlers."""
    app = Flask(__name__, template_folder=str(settings.ROOT / "templates"),
                static_folder=str(settings.ROOT / "static"))
    app.config.update(settings.load(config))
    plugins.load()  # every kind, with its tables and events, before the database opens
    app.extensions["facilitator.store"] = Store(app.config["DATABASE"])
    logging.getLogger("facilitator").setLevel(logging.INFO)

    from . import web
    from .runsheet import events as runsheet_events  # noqa: F401  (registers handlers)
    from .workshops import events as workshop_events  # noqa: F401
    from .rehearsal import events as rehearsal_events  # noqa: F401
    from .workshops.routes import bp as workshops_bp

    app.register_blueprint(workshops_bp)
    for blueprint in plugins.blueprints():
        app.register_blueprint(blueprint)
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
