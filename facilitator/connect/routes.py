"""Connect's pages: planning a rotation ahead, and the plans made."""
import json

from flask import abort, redirect, render_template, request, url_for

from ..extensions import get_store
from ..csvexport import download, exportable
from ..plugins import package_blueprint
from ..store import now
from ..validation import Problem, integer
from ..web import facilitator_page
from . import exports, planning, templates

bp = package_blueprint(__name__.rpartition(".")[0])


@bp.app_context_processor
def connect_settings():
    """Exercises and prompt ideas for the control screen's Connect form."""
    return {"connect_templates": templates.TEMPLATES, "prompt_library": templates.PROMPT_LIBRARY}


def _delegates(workshop_id: int) -> list[dict]:
    return get_store().all("select name, organisation, role, sector from delegates "
                       "where workshop_id = ? and name != '' order by name_key", [workshop_id])


@bp.route("/control/<key>/plan", methods=["GET", "POST"])
@facilitator_page
def plan_form(workshop, key):
    """Plan a whole rotation ahead: every round's groups, nobody together twice."""
    people = _delegates(workshop["id"])
    if request.method == "GET":
        return render_template("connect/plan_form.html", workshop=workshop, key=key,
                               delegates=len(people), form={})
    form = request.form
    try:
        numbers = {name: int(form.get(name, "")) for name in ("group_size", "rounds", "people")
                   if form.get(name, "").strip().lstrip("-").isdigit()}
        size = integer(numbers, "group_size", "Group size", low=2, high=6)
        rounds = integer(numbers, "rounds", "Number of rounds", low=1, high=30)
        if form.get("who") == "number":
            count = integer(numbers, "people", "Number of people", low=2, high=2000)
            chosen = count
        else:
            if len(people) < 2:
                raise Problem("invalid", "This workshop has fewer than two named delegates: "
                                         "import a roster or plan for a number of people.")
            chosen = people
        result = planning.plan(chosen, size, rounds,
                               separate_organisations=form.get("separate_organisations") == "on")
    except Problem as problem:
        return render_template("connect/plan_form.html", workshop=workshop, key=key,
                               delegates=len(people), form=form, error=problem.message), 400
    with get_store().write() as db:
        plan_id = db["plans"].insert({"workshop_id": workshop["id"], "created_at": now(),
                                      "group_size": size, "rounds": rounds,
                                      "result": json.dumps(result)}).last_pk
    return redirect(url_for("connect.plan_view", key=key, plan_id=plan_id), code=303)


def _plan(workshop_id: int, plan_id: int) -> dict:
    row = get_store().one("select * from plans where id = ? and workshop_id = ?",
                      [plan_id, workshop_id])
    if row is None:
        abort(404)
    return exportable({**row, "result": json.loads(row["result"])})


@bp.get("/control/<key>/plans/<int:plan_id>")
@facilitator_page
def plan_view(workshop, key, plan_id):
    """A planned rotation as a printable table."""
    plan = _plan(workshop["id"], plan_id)
    details = {p["name"]: p for p in _delegates(workshop["id"])}
    return render_template("connect/plan.html", workshop=workshop, key=key, plan=plan,
                           details=details)


@bp.get("/control/<key>/plans/<int:plan_id>.csv")
@facilitator_page
def plan_csv(workshop, key, plan_id):
    """A planned rotation as CSV: one row per person per round."""
    return download(f"rotation-{plan_id}.csv",
                    *exports.rotation(get_store(), _plan(workshop["id"], plan_id)))
