"""CSV export of a prompt's answers."""
import json
from datetime import datetime, timezone

from flask import Blueprint

from .. import store
from ..csvexport import download
from ..web import facilitator_activity
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
