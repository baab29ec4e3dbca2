"""What each screen is shown of a Q&A session."""
from ..store import Store
from ..workshops import domain as workshops
from . import domain


def public_question(q: dict) -> dict:
    """A published question as phones, panellists and the projector see it."""
    return {"id": q["id"], "text": q["text"], "votes": q["votes"], "status": q["status"],
            "label": q["label"], "starred": bool(q["starred"]), "position": q["position"],
            "asker": None if q["anonymous"] else q["asker_name"],
            "organisation": None if q["anonymous"] else q["asker_organisation"],
            "created_at": q["created_at"]}


def moderator_question(q: dict) -> dict:
    """A question as moderators see it: every state, the held reason, the original text."""
    return {**public_question(q), "held": q["held"], "original_text": q["original_text"],
            "silenced": bool(q["silenced"]), "version": q["version"],
            "merged_into": q["merged_into"]}


def own_question(q: dict, into: dict | None = None) -> dict:
    """A question as its asker sees it, whatever its state: what became of it, the
    text it was sent with if a moderator edited it, and the published question a
    merge put it with (`into`, its public text alone)."""
    status = {"merged": "published", "archived": "answered"}.get(q["status"], q["status"])
    edited = bool(q.get("original_text")) and q["original_text"] != q["text"]
    return {"id": q["id"], "client_id": q["client_id"], "text": q["text"], "status": status,
            "votes": q["votes"], "anonymous": bool(q["anonymous"]),
            "merged": q["status"] == "merged",
            "original_text": q["original_text"] if edited else None,
            "merged_into": {"id": into["id"], "text": into["text"]} if into else None}


def merged_into(store: Store, question: dict) -> dict | None:
    """The published question a merged one now counts in (following later merges), or
    None when that is not published: only what every phone may see is named."""
    seen, target = set(), question
    while target and target["status"] == "merged" and target["merged_into"] not in seen:
        seen.add(target["id"])
        target = store.one("select id, text, status, merged_into from qa_questions "
                           "where id = ?", [target["merged_into"]])
    return target if target and target["status"] in domain.VISIBLE else None


def settings(activity: dict) -> dict:
    """The session settings phones and panels need."""
    c = activity["config"]
    return {"name_mode": c["name_mode"], "max_length": c["max_length"], "labels": c["labels"],
            "voting": c["voting"],
            "allow_own_vote": c["allow_own_vote"], "auto_publish": c["auto_publish"],
            "profanity_filter": c["profanity_filter"], "show_counts": c["show_counts"],
            "hide_votes": c.get("hide_votes", False)}


def _questions(store: Store, activity: dict, statuses, only) -> list[dict]:
    """The session's questions in these states: those of `only["questions"]` alone if given."""
    ids = None if only is None else only.get("questions", [])
    found = domain.questions(store, activity["id"], statuses, ids=ids)
    return found if ids is None else [q for q in found if q["status"] in statuses]


def public(store: Store, activity: dict, only=None) -> dict:
    """The published questions, for phones and the projector (the counts when chosen)."""
    return {"questions": [public_question(q)
                          for q in _questions(store, activity, domain.VISIBLE, only)],
            "settings": settings(activity),
            "counts": domain.counts(store, activity["id"])
            if activity["config"]["show_counts"] else None}


def personal(store: Store, activity: dict, delegate_id: int) -> dict:
    """A phone's own questions and votes: those sent since this delegate was last
    claimed, so whoever claims a released name never sees what its last holder sent."""
    since = workshops.held_since(store, delegate_id)
    mine = store.all("select * from qa_questions where activity_id = ? and delegate_id = ? "
                     "and created_at >= ? order by created_at",
                     [activity["id"], delegate_id, since])
    return {"questions": [own_question(q, merged_into(store, q) if q["status"] == "merged"
                                       else None) for q in mine],
            "voted": domain.voted(store, activity["id"], delegate_id, since),
            "asked": len(mine), "max_questions": activity["config"]["max_questions"]}


def moderation(store: Store, activity: dict, only=None) -> dict:
    """Everything moderators need: every open question, counts, settings, held words."""
    return {"questions": [moderator_question(q)
                          for q in _questions(store, activity, domain.OPEN, only)],
            "counts": domain.counts(store, activity["id"]), "settings": settings(activity),
            "words": domain.blocked_words(store, activity["workshop_id"])}
