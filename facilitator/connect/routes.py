"""CSV exports of Connect rounds and meetings for the facilitator."""
import json

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .. import store
from ..csvexport import download, exportable
from ..store import now
from ..validation import Problem, integer
from ..web import facilitator_activity, facilitator_workshop
from . import domain, planning, templates

bp = Blueprint("connect", __name__)


@bp.app_context_processor
def connect_settings():
    """Exercises and prompt ideas for the control screen's Connect form."""
    return {"connect_templates": templates.TEMPLATES, "prompt_library": templates.PROMPT_LIBRARY}


@bp.get("/control/<key>/connect/<int:activity_id>/groups.csv")
def groups_csv(key, activity_id):
    """Every round's groups: who was placed where, and who found their group."""
    activity = facilitator_activity(key, activity_id, ("connect",))
    rows = store().all(
        "select r.number as round, g.number as grp, g.meeting_point, d.name, d.organisation, "
        "d.role, m.found_at is not null as found, m.left_at is not null as moved, m.late "
        "from connect_members m join connect_groups g on g.id = m.group_id "
        "join connect_rounds r on r.id = m.round_id join delegates d on d.id = m.delegate_id "
        "where r.activity_id = ? order by r.number, g.number, m.id", [activity["id"]])
    return download(f"connect-{activity_id}-groups.csv",
                    ["round", "group", "meeting point", "name", "organisation", "role",
                     "found", "moved", "joined late"],
                    ([r["round"], r["grp"], r["meeting_point"], r["name"], r["organisation"],
                      r["role"], "yes" if r["found"] else "no", "yes" if r["moved"] else "no",
                      "yes" if r["late"] else "no"] for r in rows))


@bp.get("/control/<key>/connect/<int:activity_id>/meetings.csv")
def meetings_csv(key, activity_id):
    """Every meeting made, marked new or already known."""
    activity = facilitator_activity(key, activity_id, ("connect",))
    people = {r["id"]: r for r in store().all(
        "select id, name, organisation, role from delegates where workshop_id = ?",
        [activity["workshop_id"]])}
    known = domain.known_pairs(store(), activity["workshop_id"])
    rows = []
    for m in domain.meetings(store(), activity["id"]):
        a, b = people[m["a"]], people[m["b"]]
        rows.append([m["round"], a["name"], a["organisation"], a["role"], b["name"],
                     b["organisation"], b["role"],
                     "yes" if a["organisation"] != b["organisation"] else "no",
                     "already knew" if frozenset((m["a"], m["b"])) in known else "new"])
    return download(f"connect-{activity_id}-meetings.csv",
                    ["round", "name", "organisation", "role", "met", "their organisation",
                     "their role", "across organisations", "connection"], rows)


def _delegates(workshop_id: int) -> list[dict]:
    return store().all("select name, organisation, role, sector from delegates "
                       "where workshop_id = ? and name != '' order by name_key", [workshop_id])


@bp.route("/control/<key>/plan", methods=["GET", "POST"])
def plan_form(key):
    """Plan a whole rotation ahead: every round's groups, nobody together twice."""
    workshop = facilitator_workshop(key)
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
    with store().write() as db:
        plan_id = db["plans"].insert({"workshop_id": workshop["id"], "created_at": now(),
                                      "group_size": size, "rounds": rounds,
                                      "result": json.dumps(result)}).last_pk
    return redirect(url_for("connect.plan_view", key=key, plan_id=plan_id), code=303)


def _plan(workshop_id: int, plan_id: int) -> dict:
    row = store().one("select * from plans where id = ? and workshop_id = ?",
                      [plan_id, workshop_id])
    if row is None:
        abort(404)
    return exportable({**row, "result": json.loads(row["result"])})


@bp.get("/control/<key>/plans/<int:plan_id>")
def plan_view(key, plan_id):
    """A planned rotation as a printable table."""
    workshop = facilitator_workshop(key)
    plan = _plan(workshop["id"], plan_id)
    details = {p["name"]: p for p in _delegates(workshop["id"])}
    return render_template("connect/plan.html", workshop=workshop, key=key, plan=plan,
                           details=details)


@bp.get("/control/<key>/plans/<int:plan_id>.csv")
def plan_csv(key, plan_id):
    """A planned rotation as CSV: one row per person per round."""
    workshop = facilitator_workshop(key)
    plan = _plan(workshop["id"], plan_id)
    details = {p["name"]: p for p in _delegates(workshop["id"])}
    rows = ([number, group_number, member, details.get(str(member), {}).get("organisation", "")]
            for number, groups in enumerate(plan["result"]["rounds"], start=1)
            for group_number, group in enumerate(groups, start=1) for member in group)
    return download(f"rotation-{plan_id}.csv", ["round", "group", "name", "organisation"], rows)
