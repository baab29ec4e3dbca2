"""Headers and error pages shared by every HTTP route."""
import sqlite3

from flask import Flask, abort, render_template, request

from . import store
from .runsheet import domain as runsheet
from .store import why_not_saved
from .validation import Problem
from .workshops import domain as workshops

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask):
    """Add security headers and friendly error pages."""

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


def facilitator_workshop(key: str) -> dict:
    """The workshop a control link opens; 404 otherwise."""
    workshop = workshops.by_facilitator_key(store(), key)
    if workshop is None:
        abort(404)
    return workshop


def facilitator_activity(key: str, activity_id: int, kinds) -> dict:
    """The activity a facilitator's page or download names, of one of `kinds`; 404 otherwise."""
    workshop = facilitator_workshop(key)
    try:
        return runsheet.activity_of(store(), workshop["id"], activity_id, kinds, "that")
    except Problem:
        abort(404)
