"""CSV export of a prompt's answers, and the printable event report."""
import json
from datetime import datetime, timezone

from flask import Blueprint, render_template

from .. import store
from ..connect import views as connect_views
from ..csvexport import download
from ..qa import domain as qa
from ..runsheet import domain as runsheet
from ..runsheet.kinds import KINDS
from ..web import facilitator_activity, facilitator_workshop
from .kinds import PROMPTS

bp = Blueprint("prompts", __name__)


def _readable(kind: str, config: dict, value: dict) -> str:
    if kind == "poll":
        picked = [config["options"][c] for c in value["choices"]]
        return "; ".join(picked + ([f"Other: {value['other']}"] if value["other"] else []))
    if kind == "wordcloud":
        return "; ".join(value["entries"])
    if kind == "scale":
        return str(value["value"])
    return "ready" if value["ready"] else "not ready"


@bp.get("/control/<key>/prompts/<int:activity_id>/answers.csv")
def answers_csv(key, activity_id):
    """Every current answer to a prompt, with the answerer's organisation and role."""
    activity = facilitator_activity(key, activity_id, PROMPTS)
    rows = store().all(
        "select r.value, r.updated_at, d.organisation, d.role from responses r "
        "join delegates d on d.id = r.delegate_id where r.activity_id = ? "
        "order by r.updated_at", [activity["id"]])
    return download(
        f"prompt-{activity_id}-answers.csv", ["answer", "organisation", "role", "answered at"],
        ([_readable(activity["kind"], activity["config"], json.loads(r["value"])),
          r["organisation"], r["role"],
          datetime.fromtimestamp(r["updated_at"], timezone.utc).isoformat(timespec="seconds")]
         for r in rows))


@bp.get("/control/<key>/report")
def report(key):
    """One printable page with every activity's results."""
    workshop = facilitator_workshop(key)
    sections = []
    for activity in runsheet.list_activities(store(), workshop["id"]):
        kind = KINDS[activity["kind"]]
        section = {"id": activity["id"], "kind": activity["kind"], "title": activity["title"],
                   "public": kind.public(store(), activity)}
        if activity["kind"] in PROMPTS:
            section["results"] = kind.control(store(), activity)["results"]
        if activity["kind"] == "connect":
            section["summary"] = connect_views.summary(store(), activity)
        if activity["kind"] in ("qa", "reflection", "ideas"):
            section["counts"] = qa.counts(store(), activity["id"])
        sections.append(section)
    delegates = store().one("select count(*) as joined, count(distinct organisation) as orgs "
                            "from delegates where workshop_id = ? and token_hash is not null",
                            [workshop["id"]])
    return render_template("report.html", workshop=workshop, key=key,
                           report={"title": workshop["title"], "sections": sections,
                                   "joined": delegates["joined"],
                                   "organisations": delegates["orgs"]})
