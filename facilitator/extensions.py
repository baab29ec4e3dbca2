"""The services every part of the app shares: Socket.IO, the database and the cluster.

Feature packages and plug-ins import these from here (never from the package
root), so the root module holds only the app factory.
"""
from flask import current_app
from flask_socketio import SocketIO

socketio = SocketIO()


def get_store():
    """The database (a `store.Store`) of the app handling this request or event."""
    return current_app.extensions["facilitator.store"]


def get_cluster():
    """The `cluster.Cluster` this process shares the event with (itself alone without Redis)."""
    return current_app.extensions["facilitator.cluster"]
