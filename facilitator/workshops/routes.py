"""HTTP pages: home, create, join, and the four screens."""
import io
import json
import zipfile
from datetime import datetime, timezone
from urllib.parse import urlsplit

import segno
from flask import (Blueprint, Response, abort, current_app, jsonify, redirect,
                   render_template, request, url_for)
from werkzeug.exceptions import RequestEntityTooLarge

from .. import plugins, security
from ..extensions import get_cluster, get_store, socketio
from ..csvexport import download, exportable
from ..health import loop_monitor
from ..network import public_base
from ..rehearsal import domain as rehearsal
from ..realtime import emit, room
from ..runsheet import domain as runsheet
from ..validation import Problem, text
from ..web import facilitator_page
from . import domain, events, organisations, roster

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
        if needs_password:
            domain.check_password(current_app.config["FACILITATOR_PASSWORD"],
                                  request.form.get("password", ""), request.remote_addr)
        domain.may_create(current_app.config["CREATE_LIMIT"], request.remote_addr)
    except Problem as problem:
        return render_template("home.html", needs_password=needs_password,
                               error=problem.message, title=request.form.get("title", "")[:200]), \
            {"forbidden": 403, "too_many_workshops": 429,
             "too_many_attempts": 429}.get(problem.code, 400)
    workshop, key = domain.create_workshop(get_store(), title)
    control = url_for("workshops.control", key=key, _external=True)
    return render_template("created.html", workshop=workshop, control_url=control,
                           join_url=join_url(workshop))


NO_SUCH_CODE = "No workshop has that code. Check the code on the big screen and try again."


def _workshop_for_code(code: str):
    """(workshop, None), or (None, the code page answering why not)."""
    try:
        workshop = domain.by_code_from(get_store(), code, request.remote_addr)
    except Problem as problem:
        return None, (render_template("join_code.html", code=code[:40],
                                      error=problem.message), 429, {"Retry-After": "5"})
    if workshop is None:
        return None, (render_template("join_code.html", code=code[:40],
                                      error=NO_SUCH_CODE), 404)
    return workshop, None


@bp.get("/join")
def join_by_code():
    """The typed-code form; a known code goes straight to the phone page."""
    raw = request.args.get("code")
    if raw is None:
        return render_template("join_code.html")
    workshop, refusal = _workshop_for_code(raw)
    if refusal:
        return refusal
    return redirect(url_for("workshops.phone", code=workshop["code"]))


@bp.get("/j/<code>")
def phone(code):
    """The delegate's phone page."""
    workshop, refusal = _workshop_for_code(code)
    if refusal:
        return refusal
    if code != workshop["code"]:
        return redirect(url_for("workshops.phone", code=workshop["code"]))
    return render_template("phone.html", workshop=workshop)


@bp.get("/j/<code>/qr.svg")
def qr(code):
    """The join QR code, made here so no network is needed."""
    workshop, refusal = _workshop_for_code(code)
    if refusal:
        abort(refusal[1])
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
    return _screen_page("control.html", domain.by_facilitator_key(get_store(), key), "control")


@bp.get("/screen/<key>")
def screen(key):
    """The projector screen."""
    return _screen_page("screen.html", domain.by_screen_key(get_store(), "screen", key),
                        "projector")


@bp.get("/panel/<key>")
def panel(key):
    """The panellists' and moderators' screen."""
    return _screen_page("panel.html", domain.by_screen_key(get_store(), "panel", key), "panel")


@bp.post("/control/<key>/roster")
@facilitator_page(answer_json=True)
def import_roster(workshop, key):
    """Import a roster CSV (multipart field `file`); answer with a JSON report.

    A file refused whole (too large, too many rows, not text, not CSV, no header)
    adds nothing and is answered {"ok": false, "error", "message"}. Reading it
    pauses every few hundred rows, so the server keeps serving meanwhile.
    """
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        # Over the app's request limit: the control screen asks for JSON; others get
        # the usual page.
        if request.accept_mimetypes.best != "application/json":
            raise
        if (request.content_length or 0) <= current_app.config["MAX_CONTENT_LENGTH"]:
            # Not the size: werkzeug says the same of a form in too many parts.
            return jsonify(ok=False, error="invalid", message=(
                "That upload is not one roster file (it has too many parts): choose "
                "the CSV file on the control screen and import it.")), 413
        return jsonify(ok=False, error="too_large", message=(
            f"The file is larger than {roster.MAX_BYTES // (1024 * 1024)} MB (at most "
            f"{roster.MAX_ROWS:,} delegates): split it, or remove extra columns.")), 413
    if upload is None:
        return jsonify(ok=False, error="invalid", message="Choose a CSV file to import."), 400
    try:
        report = domain.import_roster(get_store(), workshop["id"],
                                      upload.read(roster.MAX_BYTES + 1),
                                      pause=lambda: socketio.sleep(0))
    except Problem as problem:
        return jsonify(ok=False, error=problem.code, message=problem.message), \
            (413 if problem.code == "too_large" else 400)
    if report["added"]:
        events.roster_imported(workshop["id"])
    return jsonify(ok=True, **report)


@bp.get("/healthz")
def health():
    """A liveness check for proxies and scripts: this process, its database, its loop.

    `loop.longest_ms` is the longest the server loop stalled since start, and
    `loop.recent` the last stalls of 20 ms or more as [time, ms].
    """
    get_store().one("select 1 as ok")
    return jsonify(ok=True, worker=get_cluster().worker, loop=loop_monitor.report())


@bp.get("/control/<key>/report")
@facilitator_page
def report(workshop, key):
    """One printable page with every activity's results (a rehearsal's simulated
    delegates left out)."""
    with rehearsal.without_simulated(get_store(), workshop["id"]) as store:
        sections = [{"id": activity["id"], "kind": activity["kind"], "title": activity["title"],
                     **plugins.of(activity).report(store, activity)}
                    for activity in runsheet.list_activities(store, workshop["id"])]
        organisation = organisations.namer(store, workshop["id"])  # merged as one
        joined = store.all("select organisation from delegates where workshop_id = ? "
                           "and token_hash is not null", [workshop["id"]])
        delegates = {"joined": len(joined),
                     "orgs": len({organisation(r["organisation"]) for r in joined
                                  if r["organisation"]})}
    return render_template("report.html", workshop=workshop, key=key,
                           report=exportable({"title": workshop["title"],
                                              "sections": sections,
                                              "joined": delegates["joined"],
                                              "organisations": delegates["orgs"]}))


# --- everything about one workshop: export and deletion ------------------------

EXPORT_README = """Everything the workshop facilitator stored about "{title}" (join code {code}),
exported {when}.

data.json   every row of every table that belongs to this workshop: the workshop,
            its delegates, run sheet, Connect rounds and groups, contacts shared,
            "already know each other" pairs, planned rotations, questions, votes,
            answers and timers. Times are Unix seconds (UTC). Hashes of the
            secret links and phone tokens are left out.
csv/        the CSV files the control screen offers for its activities and
            planned rotations, and delegates.csv (everyone on the roster or who
            joined).

This contains personal data. data.json also links each answer and vote to the
delegate who gave it, which no screen and no CSV file shows: share it only with
people entitled to see that. Who asked an anonymous question is left out, as it is
on every screen. Keep this file somewhere safe and delete
it when it is no longer needed.
"""


def _export_of(activity: dict, name: str):
    """The kind's CSV file called `name` for one activity, or None."""
    for export in plugins.of(activity).exports:
        if export.name == name:
            return export
    return None


def _csv_name(activity: dict, name: str) -> str:
    return f"{activity['kind']}-{activity['id']}-{name}.csv"


@bp.get("/control/<key>/activities/<int:activity_id>/<name>.csv")
@facilitator_page
def activity_csv(workshop, key, activity_id, name):
    """One of the CSV files an activity's kind offers (see hookspecs.Export), a
    rehearsal's simulated delegates left out."""
    try:
        activity = runsheet.get_activity(get_store(), workshop["id"], activity_id)
    except Problem:
        abort(404)
    export = _export_of(activity, name)
    if export is None:
        abort(404)
    with rehearsal.without_simulated(get_store(), workshop["id"]) as store:
        return download(_csv_name(activity, name), *export.rows(store, activity))


def _csv_files(store, workshop: dict):
    """(file name, bytes) of every CSV file of a workshop's activities and kinds."""
    for activity in runsheet.list_activities(store, workshop["id"]):
        for export in plugins.of(activity).exports:
            yield _csv_name(activity, export.name), download(
                "", *export.rows(store, activity)).get_data()
    for files in plugins.each_once("workshop_files"):
        for name, header, rows in files(store, workshop["id"]):
            yield name, download(name, header, rows).get_data()


def _data_json(tables, exported_at: str):
    """data.json in pieces: a few hundred rows each, one row per line."""
    yield '{\n "exported_at": %s,\n "tables": {' % json.dumps(exported_at)
    for number, (table, rows) in enumerate(tables):
        yield ("," if number else "") + f"\n  {json.dumps(table)}: ["
        for start in range(0, len(rows), 250):
            yield ("," if start else "") + ",".join(
                "\n   " + json.dumps(row, ensure_ascii=False) for row in rows[start:start + 250])
        yield "\n  ]"
    yield "\n }\n}\n"


@bp.get("/control/<key>/export")
@facilitator_page
def export(workshop, key):
    """Everything stored about one workshop in one ZIP: every row as JSON, and the CSVs.

    A large event's export takes a few hundred milliseconds of work: it is done
    in small pieces, letting every phone's events through in between. A
    rehearsal's simulated delegates, and all they sent, are left out.
    """
    with rehearsal.without_simulated(get_store(), workshop["id"]) as store:
        return _export(store, workshop)


def _export(store, workshop: dict) -> Response:
    when = datetime.now(timezone.utc)
    delegates = []

    def tables():
        for table, rows in domain.workshop_tables(store, workshop["id"]):
            if table == "delegates":
                delegates.extend(rows)
            socketio.sleep(0)
            yield table, rows

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", EXPORT_README.format(
            title=workshop["title"], code=workshop["code"],
            when=when.isoformat(timespec="seconds")))
        with archive.open("data.json", "w") as data:
            for piece in _data_json(tables(), when.isoformat(timespec="seconds")):
                data.write(exportable(piece).encode())
                socketio.sleep(0)
        archive.writestr("csv/delegates.csv", download(
            "delegates.csv", ["name", "organisation", "role", "sector", "source", "joined"],
            ([d["name"], d["organisation"], d["role"], d["sector"], d["source"],
              "yes" if d["joined_at"] else "no"] for d in delegates)).get_data())
        written = {"delegates.csv"}
        for name, data in _csv_files(store, workshop):
            if name not in written:
                written.add(name)
                archive.writestr(f"csv/{name}", data)
            socketio.sleep(0)
    filename = f"workshop-{workshop['code']}-{when:%Y%m%d-%H%M}.zip"
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


DELETED_MESSAGE = "The facilitator has deleted this workshop. You can close this page."


def drop_workshop(workshop_id: int):
    """Every screen of a deleted workshop is told so (`workshop:deleted`), then disconnected."""
    emit("workshop:deleted", {"message": DELETED_MESSAGE}, to=room(workshop_id))
    events.drop_screens(workshop_id)


def _same_origin() -> bool:
    """Whether a form post names this server as its origin, when the browser says.

    Under this app's no-referrer policy browsers send `Origin: null` and no
    Referer for a form post; the control key in the form then stands alone.
    """
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value and value != "null":
            return urlsplit(value).netloc == request.host
    return True


def _confirmed(workshop: dict, typed: str) -> bool:
    """The facilitator typed the join code or the title (case and spacing aside)."""
    if security.normalise_code(typed) == workshop["code"]:
        return True
    words = " ".join(typed.split()).casefold()
    return bool(words) and words == " ".join(workshop["title"].split()).casefold()


@bp.post("/control/<key>/delete")
@facilitator_page
def delete(workshop, key):
    """Delete the workshop and everything stored about it, once confirmed.

    Form fields: `key` (the control key again) and `confirm` (the join code
    or the title). Every screen still open gets `workshop:deleted`.
    """
    typed = request.form.get("confirm", "")[:200]
    if not security.same(request.form.get("key", ""), key) or not _same_origin():
        return render_template("deleted.html", workshop=workshop, key=key, problem=(
            "This request did not come from the workshop's control screen.")), 403
    if not _confirmed(workshop, typed):
        return render_template("deleted.html", workshop=workshop, key=key, problem=(
            f"To confirm, type the join code {workshop['code']} or the workshop's title.")), 400
    owned = domain.delete_workshop(get_store(), workshop["id"], clear=False)
    drop_workshop(workshop["id"])
    # Again, with the same ids: whatever a screen wrote before it was dropped.
    domain.delete_workshop(get_store(), workshop["id"], owned)
    return render_template("deleted.html", workshop=workshop)

