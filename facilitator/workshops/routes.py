"""HTTP pages: home, create, join, and the four screens."""
import hmac
import io

import segno
from flask import (Blueprint, Response, abort, current_app, jsonify, redirect,
                   render_template, request, url_for)

from .. import store
from ..network import public_base
from ..runsheet import domain as runsheet
from ..runsheet.kinds import KINDS
from ..validation import Problem, text
from ..web import facilitator_workshop
from . import domain, events

bp = Blueprint("workshops", __name__)


def join_url(workshop: dict) -> str:
    """The address phones open to join, as printed and put in the QR code."""
    base = public_base(current_app.config, request.host_url, request.host)
    return f"{base}/j/{workshop['code']}"


@bp.get("/")
def home():
    """Create a workshop, or join one by code."""
    return render_template("home.html",
                           needs_password=bool(current_app.config["FACILITATOR_PASSWORD"]))


@bp.post("/")
def create():
    """Create a workshop and show its control link once."""
    needs_password = bool(current_app.config["FACILITATOR_PASSWORD"])
    try:
        title = text(request.form, "title", "The workshop title", max_len=events.TITLE_MAX)
        if needs_password and not hmac.compare_digest(
                request.form.get("password", "").encode(),
                current_app.config["FACILITATOR_PASSWORD"].encode()):
            raise Problem("forbidden", "That password is not right.", "password")
    except Problem as problem:
        return render_template("home.html", needs_password=needs_password,
                               error=problem.message, title=request.form.get("title", "")[:200]), \
            (403 if problem.code == "forbidden" else 400)
    workshop, key = domain.create_workshop(store(), title)
    control = url_for("workshops.control", key=key, _external=True)
    return render_template("created.html", workshop=workshop, control_url=control,
                           join_url=join_url(workshop))


@bp.get("/join")
def join_by_code():
    """The typed-code form; a known code goes straight to the phone page."""
    raw = request.args.get("code")
    if raw is None:
        return render_template("join_code.html")
    workshop = domain.by_code(store(), raw)
    if workshop is None:
        return render_template("join_code.html", code=raw[:40],
                               error="No workshop has that code. Check the code on the "
                                     "big screen and try again."), 404
    return redirect(url_for("workshops.phone", code=workshop["code"]))


@bp.get("/j/<code>")
def phone(code):
    """The delegate's phone page."""
    workshop = domain.by_code(store(), code)
    if workshop is None:
        return render_template("join_code.html", code=code[:40],
                               error="No workshop has that code. Check the code on the "
                                     "big screen and try again."), 404
    if code != workshop["code"]:
        return redirect(url_for("workshops.phone", code=workshop["code"]))
    return render_template("phone.html", workshop=workshop)


@bp.get("/j/<code>/qr.svg")
def qr(code):
    """The join QR code, made here so no network is needed."""
    workshop = domain.by_code(store(), code)
    if workshop is None:
        abort(404)
    svg = io.BytesIO()
    segno.make(join_url(workshop), error="m").save(
        svg, kind="svg", xmldecl=False, scale=10, border=2, dark="#000", light="#fff")
    return Response(svg.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-cache"})


def _screen_page(template: str, workshop: dict | None, what: str):
    if workshop is None:
        return render_template("error.html", title="This link does not work",
                               message=f"This {what} link is not valid. It may have been "
                                       "replaced: ask the facilitator for the current "
                                       "one."), 404
    return render_template(template, workshop=workshop, join_url=join_url(workshop))


@bp.get("/control/<key>")
def control(key):
    """The facilitator's control screen."""
    return _screen_page("control.html", domain.by_facilitator_key(store(), key), "control")


@bp.get("/screen/<key>")
def screen(key):
    """The projector screen."""
    return _screen_page("screen.html", domain.by_screen_key(store(), "screen", key),
                        "projector")


@bp.get("/panel/<key>")
def panel(key):
    """The panellists' and moderators' screen."""
    return _screen_page("panel.html", domain.by_screen_key(store(), "panel", key), "panel")


@bp.post("/control/<key>/roster")
def import_roster(key):
    """Import a roster CSV (multipart field `file`); answer with a JSON report."""
    workshop = domain.by_facilitator_key(store(), key)
    if workshop is None:
        return jsonify(ok=False, error="forbidden", message="This control link is not valid."), 403
    upload = request.files.get("file")
    if upload is None:
        return jsonify(ok=False, error="invalid", message="Choose a CSV file to import."), 400
    report = domain.import_roster(store(), workshop["id"], upload.read())
    if report["added"]:
        events.roster_imported(workshop["id"])
    return jsonify(ok=True, **report)


@bp.get("/healthz")
def health():
    """A liveness check for proxies and scripts."""
    store().one("select 1 as ok")
    return jsonify(ok=True)


@bp.get("/control/<key>/report")
def report(key):
    """One printable page with every activity's results."""
    workshop = facilitator_workshop(key)
    sections = []
    for activity in runsheet.list_activities(store(), workshop["id"]):
        sections.append({"id": activity["id"], "kind": activity["kind"],
                         "title": activity["title"],
                         **KINDS[activity["kind"]].report(store(), activity)})
    delegates = store().one("select count(*) as joined, count(distinct organisation) as orgs "
                            "from delegates where workshop_id = ? and token_hash is not null",
                            [workshop["id"]])
    return render_template("report.html", workshop=workshop, key=key,
                           report={"title": workshop["title"], "sections": sections,
                                   "joined": delegates["joined"],
                                   "organisations": delegates["orgs"]})
