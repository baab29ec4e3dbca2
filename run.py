"""Start the workshop server: `python run.py [--host H] [--port P] [--database F] [--async-mode M]`.

The only module that knows the async mode: it monkey-patches before the app
is imported.
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
import resource  # noqa: E402
import socket  # noqa: E402

from facilitator import create_app, health, network, socketio  # noqa: E402


def raise_file_limit(wanted: int):
    """Each phone holds a socket: lift the open-file limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def no_delay(listener):
    """Send small frames at once: a snapshot followed by an ack must not wait ~40 ms
    for the phone's delayed ACK (Nagle). Accepted sockets inherit this on Linux."""
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def serve(app):
    """Serve on the configured address with the configured async mode."""
    host, port = app.config["HOST"], app.config["PORT"]
    limit = app.config["MAX_CONNECTIONS"]
    raise_file_limit(limit + 256)
    if MODE == "eventlet":
        import eventlet.wsgi
        listener = eventlet.listen((host, port), backlog=2048)
        no_delay(listener)
        eventlet.wsgi.server(listener, app, max_size=limit, log_output=False)
    elif MODE == "gevent":
        from gevent.pool import Pool
        from gevent.pywsgi import WSGIServer
        server = WSGIServer((host, port), app, spawn=Pool(limit), log=None, backlog=2048)
        server.init_socket()
        no_delay(server.socket)
        server.serve_forever()
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)


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
    return "\n".join(lines)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    application = create_app()
    # Everything loaded so far lives as long as the server: keep it out of the
    # full garbage collections that otherwise pause every phone, and run those
    # at quiet moments (see health.FullCollections).
    gc.freeze()
    health.full_collections.take_over()
    print(banner(application), flush=True)
    try:
        serve(application)
    except KeyboardInterrupt:
        pass
