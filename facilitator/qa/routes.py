"""CSV export of a Q&A session for the facilitator."""
from datetime import datetime, timezone

from flask import Blueprint

from .. import store
from ..csvexport import download
from ..web import facilitator_activity
from .kind import POST_KINDS

bp = Blueprint("qa", __name__)


def _time(stamp):
    return "" if stamp is None else datetime.fromtimestamp(stamp, timezone.utc).isoformat(
        timespec="seconds")


@bp.get("/control/<key>/qa/<int:activity_id>/questions.csv")
def questions_csv(key, activity_id):
    """Every question of a session: text (original and edited), asker if named, votes, times."""
    activity = facilitator_activity(key, activity_id, POST_KINDS)
    rows = store().all(
        "select q.*, d.name from qa_questions q join delegates d on d.id = q.delegate_id "
        "where q.activity_id = ? order by q.created_at", [activity["id"]])
    return download(
        f"qa-{activity_id}-questions.csv",
        ["question", "original question", "asker", "votes", "status", "label", "starred",
         "asked at", "published at", "answered at"],
        ([r["text"], r["original_text"] or "", "" if r["anonymous"] else r["name"], r["votes"],
          r["status"], r["label"], "yes" if r["starred"] else "", _time(r["created_at"]),
          _time(r["published_at"]), _time(r["answered_at"])] for r in rows))
