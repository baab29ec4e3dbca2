"""Q&A's CSV file: every post of a session."""
from datetime import datetime, timezone


def _time(stamp):
    return "" if stamp is None else datetime.fromtimestamp(stamp, timezone.utc).isoformat(
        timespec="seconds")


def questions(store, activity: dict):
    """Every question of a session: text (original and edited), asker if named, votes, times."""
    rows = store.all(
        "select q.*, d.name from qa_questions q join delegates d on d.id = q.delegate_id "
        "where q.activity_id = ? order by q.created_at", [activity["id"]])
    return (["question", "original question", "asker", "votes", "status", "label", "starred",
             "asked at", "published at", "answered at"],
            ([r["text"], r["original_text"] or "", "" if r["anonymous"] else r["name"],
              r["votes"], r["status"], r["label"], "yes" if r["starred"] else "",
              _time(r["created_at"]), _time(r["published_at"]), _time(r["answered_at"])]
             for r in rows))
