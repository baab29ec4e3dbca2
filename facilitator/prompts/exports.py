"""The prompts' CSV file: every current answer."""
import json
from datetime import datetime, timezone

from .. import plugins


def answers(store, activity: dict):
    """Every current answer to a prompt, with the answerer's organisation and role."""
    kind = plugins.KINDS[activity["kind"]]
    settings = kind.settings_of(store, activity)
    rows = store.all(
        "select r.value, r.updated_at, d.organisation, d.role from responses r "
        "join delegates d on d.id = r.delegate_id where r.activity_id = ? "
        "order by r.updated_at", [activity["id"]])
    return (["answer", "organisation", "role", "answered at"],
            ([kind.readable(settings, json.loads(r["value"])), r["organisation"],
              r["role"], datetime.fromtimestamp(r["updated_at"], timezone.utc).isoformat(
                  timespec="seconds")] for r in rows))
