"""Start the workshop server: `python run.py [--host H] [--port P] [--database F] [--async-mode M]`.

The only module that imports eventlet or gevent before the app: it monkey-patches
for the async mode, then facilitator.serving builds that mode's server.
"""
import argparse
import os
import warnings

parser = argparse.ArgumentParser(description="Run the workshop facilitation server.")
parser.add_argument("--host", help="address to listen on (FACILITATOR_HOST, 0.0.0.0)")
parser.add_argument("--port", type=int, help="port (FACILITATOR_PORT, 5000)")
parser.add_argument("--database", help="SQLite file (FACILITATOR_DATABASE)")
parser.add_argument("--async-mode", choices=["eventlet", "gevent", "threading"],
                    help="server (FACILITATOR_ASYNC_MODE, eventlet)")
args = parser.parse_args()
for flag, name in (("host", "HOST"), ("port", "PORT"), ("database", "DATABASE"),
                   ("async_mode", "ASYNC_MODE")):
    if getattr(args, flag) is not None:
        os.environ[f"FACILITATOR_{name}"] = str(getattr(args, flag))
MODE = os.environ.get("FACILITATOR_ASYNC_MODE", "eventlet")

if MODE == "eventlet":
    # Eventlet warns about its own maintenance status on import; the choice is deliberate.
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
elif MODE == "gevent":
    from gevent import monkey
    monkey.patch_all()

import gc  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402

from facilitator import config, create_app, health, network, serving  # noqa: E402


def banner(app) -> str:
    """What a facilitator needs to know once the server is up."""
    port = app.config["PORT"]
    lines = ["Workshop facilitator is running.",
             f"  On this laptop:       http://127.0.0.1:{port}/"]
    if app.config["PUBLIC_URL"]:
        lines.append(f"  Phones on your network: {app.config['PUBLIC_URL']}/")
    else:
        for address in network.lan_addresses()[:3]:
            lines.append(f"  Phones on the network: http://{address}:{port}/")
    lines += [f"  Database: {app.config['DATABASE']}",
              f"  Server: {MODE}. Press Ctrl+C to stop."]
    if not app.config["FACILITATOR_PASSWORD"] and app.config["HOST"] in ("0.0.0.0", "::", ""):
        lines += ["  Anyone on this network can create workshops here. To require a password,",
                  "  start with FACILITATOR_PASSWORD=... (see README: Settings)."]
    return "\n".join(lines)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The port first: a second server on it must stop before it touches anything.
    settings = config.load()
    try:
        listener = serving.listen(MODE, settings["HOST"], settings["PORT"])
    except serving.CannotListen as problem:
        sys.exit(str(problem))
    application = create_app()
    # Everything loaded so far lives as long as the server: keep it out of the
    # full garbage collections that otherwise pause every phone, and run those
    # at quiet moments (see health.FullCollections).
    gc.freeze()
    health.full_collections.take_over()
    print(banner(application), flush=True)
    try:
        serving.serve(application, listener, MODE)
    except KeyboardInterrupt:
        pass
