"""Q&A: every write about questions, votes and moderation happens here."""
import json

from ..store import Store, now
from ..validation import Problem
from . import words as language

VISIBLE = ("published", "answering", "answered")  # what phones and the projector see
OPEN = ("pending", "published", "answering", "answered", "dismissed")  # not merged/archived


def get(store: Store, activity_id: int, question_id) -> dict:
    """A question of this Q&A session, or a not-found problem."""
    return store.one_of("qa_questions", question_id, "activity_id", activity_id,
                        "That question is not in this Q&A session.", "question_id")


def questions(store: Store, activity_id: int, statuses=OPEN, ids=None) -> list[dict]:
    """Questions of a session with their askers' names, most votes first."""
    where, params = f"q.status in ({','.join('?' * len(statuses))})", list(statuses)
    if ids is not None:
        where, params = f"q.id in ({','.join('?' * len(ids))})", list(ids)
    return store.all(
        "select q.*, d.name as asker_name, d.organisation as asker_organisation, "
        "exists(select 1 from qa_silences s where s.question_id = q.id) as silenced "
        "from qa_questions q join delegates d on d.id = q.delegate_id "
        f"where q.activity_id = ? and {where} order by q.votes desc, q.created_at",
        [activity_id, *params])


def counts(store: Store, activity_id: int) -> dict:
    """Transparency counts: received, published, held, answered."""
    row = store.one(
        "select count(*) as received, "
        "sum(status in ('published', 'answering', 'answered')) as published, "
        "sum(status = 'pending' and held is not null) as held, "
        "sum(status = 'pending') as waiting, sum(status = 'answered') as answered "
        "from qa_questions where activity_id = ? and status != 'merged'", [activity_id])
    return {k: v or 0 for k, v in row.items()}


def blocked_words(store: Store, workshop_id: int) -> list[str]:
    """The workshop's held-words list (the default until edited)."""
    row = store.one("select qa_words from workshops where id = ?", [workshop_id])
    return json.loads(row["qa_words"]) if row and row["qa_words"] else language.DEFAULT_WORDS


def set_blocked_words(store: Store, workshop_id: int, words: list[str]) -> list[str]:
    """Replace the workshop's held-words list."""
    cleaned = language.clean(words)
    with store.write() as db:
        db.execute("update workshops set qa_words = ? where id = ?",
                   [json.dumps(cleaned), workshop_id])
    return cleaned


def is_silenced(store: Store, workshop_id: int, delegate: dict, anonymous: bool) -> bool:
    """Whether a delegate's new posts of this kind (anonymous or named) are held: by
    id, and for named posts by name too (a new token)."""
    # An anonymous asker is followed by id alone: by name, anyone could test whether
    # a name they chose was silenced, and so who asked.
    return store.one("select 1 as yes from qa_silences where workshop_id = ? and "
                     "anonymous = ? and (delegate_id = ? or (anonymous = 0 and "
                     "name_key != '' and name_key = ?))",
                     [workshop_id, int(anonymous), delegate["id"],
                      delegate["name_key"]]) is not None


# --- phones ----------------------------------------------------------------

def ask(store: Store, activity: dict, delegate: dict, client_id: str, text: str,
        anonymous: bool) -> tuple[dict, bool]:
    """Store a question once per client id; return it and whether it is new."""
    existing = store.committed_one("select * from qa_questions where delegate_id = ? and "
                                   "client_id = ?", [delegate["id"], client_id])
    if existing is not None:
        return existing, False
    config = activity["config"]
    mine = store.one("select count(*) as n, max(created_at) as last from qa_questions "
                     "where activity_id = ? and delegate_id = ?",
                     [activity["id"], delegate["id"]])
    if mine["n"] >= config["max_questions"]:
        raise Problem("limit", f"You have asked {mine['n']} questions, the most for this "
                               "session. Vote for others' questions instead.")
    wait = (mine["last"] or 0) + config["min_interval"] - now()
    if wait > 0:
        raise Problem("too_soon", f"You can ask another question in {int(wait) + 1} seconds.")
    mode = config["name_mode"]
    anonymous = (mode == "anonymous" or (mode == "choice" and anonymous)
                 or not delegate["name"])
    held = None
    if is_silenced(store, activity["workshop_id"], delegate, anonymous):
        held = "silenced"
    elif config["profanity_filter"] and language.flagged(
            text, blocked_words(store, activity["workshop_id"])):
        held = "language"
    published = config["auto_publish"] and held is None
    stamp = now()
    with store.write() as db:
        position = db.execute("select coalesce(max(position), 0) + 1 from qa_questions "
                              "where activity_id = ?", [activity["id"]]).fetchone()[0]
        question_id = db["qa_questions"].insert({
            "workshop_id": activity["workshop_id"], "activity_id": activity["id"],
            "delegate_id": delegate["id"], "client_id": client_id, "text": text,
            "anonymous": int(anonymous), "status": "published" if published else "pending",
            "held": held, "position": position, "created_at": stamp,
            "published_at": stamp if published else None}).last_pk
    return get(store, activity["id"], question_id), True


def vote(store: Store, activity: dict, delegate_id: int, question_id, up: bool) -> dict:
    """Add or take back one delegate's vote; return the question."""
    if not activity["config"]["voting"]:
        raise Problem("closed", "There is no voting here.")
    question = get(store, activity["id"], question_id)
    if question["status"] not in ("published", "answering"):
        raise Problem("closed", "Votes are open only on published questions.", "question_id")
    if question["delegate_id"] == delegate_id and not activity["config"]["allow_own_vote"]:
        raise Problem("own_question", "You cannot vote for your own question.", "question_id")
    with store.write() as db:
        if up:
            db.execute("insert or ignore into qa_votes (question_id, delegate_id, created_at) "
                       "values (?, ?, ?)", [question["id"], delegate_id, now()])
        else:
            db.execute("delete from qa_votes where question_id = ? and delegate_id = ?",
                       [question["id"], delegate_id])
        db.execute("update qa_questions set votes = (select count(*) from qa_votes "
                   "where question_id = ?) where id = ?", [question["id"], question["id"]])
    return get(store, activity["id"], question["id"])


def any_posts(store: Store, activity_id: int) -> bool:
    """Whether anyone has posted in a session (held and hidden posts count)."""
    return store.one("select 1 as yes from qa_questions where activity_id = ? limit 1",
                     [activity_id]) is not None


def voted(store: Store, activity_id: int, delegate_id: int, since: float = 0) -> list[int]:
    """Questions a delegate has voted for in a session (since a time)."""
    return [r["question_id"] for r in store.all(
        "select v.question_id from qa_votes v join qa_questions q on q.id = v.question_id "
        "where q.activity_id = ? and v.delegate_id = ? and v.created_at >= ?",
        [activity_id, delegate_id, since])]


# --- moderators ------------------------------------------------------------

# action -> statuses it applies to
ACTIONS = {
    "approve": ("pending",),
    "edit": ("pending", "published", "answering", "answered"),
    "dismiss": ("pending", "published", "answering"),
    "restore": ("dismissed", "answered"),
    "answering": ("published", "answered"),
    "answered": ("published", "answering"),
    "star": OPEN,
    "label": OPEN,
    "move": ("published",),
    "merge": ("pending", "published"),
}


def moderate(store: Store, activity: dict, question_id, action: str, *, version=None,
             text=None, label=None, starred=None, direction=None, into=None) -> list[dict]:
    """Apply one moderator action; return every question it changed.

    Each question carries a version: an action sent against an older version
    is refused, so two moderators acting at once leave one clear result.
    """
    question = get(store, activity["id"], question_id)
    if version is not None and version != question["version"]:
        raise Problem("conflict", "Another moderator changed this question a moment ago; "
                                  "it now shows its current state.")
    if question["status"] not in ACTIONS[action]:
        raise Problem("conflict", f"That question is {question['status']}, so it cannot be "
                                  f"given “{action}” now.")
    stamp = now()
    changes, touched = {}, [question["id"]]
    if text is not None:
        changes.update(text=text, original_text=question["original_text"] or question["text"])
    if action == "approve":
        changes.update(status="published", held=None, published_at=stamp)
    elif action == "dismiss":
        changes.update(status="dismissed")
    elif action == "restore":
        changes.update(status="published" if question["published_at"] else "pending")
    elif action == "answered":
        changes.update(status="answered", answered_at=stamp)
    elif action == "star":
        changes.update(starred=int(bool(starred)))
    elif action == "label":
        changes.update(label=label)
    with store.write() as db:
        if action == "answering":
            # One question is answered at a time; the previous one is done.
            for row in db.execute("select id from qa_questions where activity_id = ? and "
                                  "status = 'answering'", [activity["id"]]).fetchall():
                db.execute("update qa_questions set status = 'answered', answered_at = ?, "
                           "version = version + 1 where id = ?", [stamp, row[0]])
                touched.append(row[0])
            changes.update(status="answering")
        if action == "move":
            neighbour = db.execute(
                "select id, position from qa_questions where activity_id = ? and "
                "status = 'published' and position " + ("<" if direction == "up" else ">")
                + " ? order by position " + ("desc" if direction == "up" else "asc")
                + " limit 1", [activity["id"], question["position"]]).fetchone()
            if neighbour is None:
                raise Problem("end", "That question is already at the "
                                     + ("top." if direction == "up" else "bottom."))
            db.execute("update qa_questions set position = ?, version = version + 1 "
                       "where id = ?", [question["position"], neighbour[0]])
            changes.update(position=neighbour[1])
            touched.append(neighbour[0])
        if action == "merge":
            target = get(store, activity["id"], into)
            if target["id"] == question["id"] or target["status"] not in VISIBLE:
                raise Problem("invalid", "Merge into another published question.", "into")
            # Votes combine; someone who voted for both counts once.
            db.execute("insert or ignore into qa_votes (question_id, delegate_id, created_at) "
                       "select ?, delegate_id, created_at from qa_votes where question_id = ?",
                       [target["id"], question["id"]])
            if not question["anonymous"]:  # a vote row would say who asked it
                db.execute("insert or ignore into qa_votes (question_id, delegate_id, "
                           "created_at) values (?, ?, ?)",
                           [target["id"], question["delegate_id"], stamp])
            db.execute("update qa_questions set votes = (select count(*) from qa_votes where "
                       "question_id = ?), version = version + 1 where id = ?",
                       [target["id"], target["id"]])
            changes.update(status="merged", merged_into=target["id"])
            touched.append(target["id"])
        changes["version"] = question["version"] + 1
        db["qa_questions"].update(question["id"], changes)
    return [get(store, activity["id"], q) for q in dict.fromkeys(touched)]


def archive_all(store: Store, activity_id: int) -> int:
    """Archive every question of a session at its end; return how many."""
    with store.write() as db:
        return db.execute("update qa_questions set status = 'archived', version = version + 1 "
                          "where activity_id = ? and status != 'archived'",
                          [activity_id]).rowcount


def silence(store: Store, question: dict, on: bool) -> dict:
    """Hold (or stop holding) the later posts of this question's asker; return the
    question.

    Only posts of the same kind as this one are held: silencing the asker of an
    anonymous question holds their later anonymous posts, never their named
    ones, and no other question of theirs is marked. So a moderator learns
    nothing about who asked it, or what else they asked. The silence survives
    reloads and new tokens (by name), until lifted through the same question.
    """
    delegate = store.one("select id, name_key from delegates where id = ?",
                         [question["delegate_id"]])
    with store.write() as db:
        if on:
            db.execute("insert or ignore into qa_silences (question_id, workshop_id, "
                       "delegate_id, name_key, anonymous, created_at) "
                       "values (?, ?, ?, ?, ?, ?)",
                       [question["id"], question["workshop_id"], delegate["id"],
                        delegate["name_key"], question["anonymous"], now()])
        else:
            db.execute("delete from qa_silences where question_id = ?", [question["id"]])
        db.execute("update qa_questions set version = version + 1 where id = ?",
                   [question["id"]])
    return get(store, question["activity_id"], question["id"])
