"""Headers and error pages shared by every HTTP route."""
from flask import Flask, render_template, request

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

    @app.errorhandler(413)
    def too_large(error):
        return render_template("error.html", title="Too large",
                               message="What you sent is larger than this app accepts."), 413
