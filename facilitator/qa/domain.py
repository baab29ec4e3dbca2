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


def moderate(store: Store, activity: dict, question_id, action: str, **options) -> list[dict]:
    """Apply one moderator action; return every question it changed."""
    return moderate_undoable(store, activity, question_id, action, **options)[0]


def moderate_undoable(store: Store, activity: dict, question_id, action: str, *,
                      version=None, text=None, label=None, starred=None, direction=None,
                      into=None) -> tuple[list[dict], int | None]:
    """Apply one moderator action; return every question it changed and the id that
    undoes it (None for a move, which the arrows undo).

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
    before, added = {question["id"]: question}, {}
    if action == "answering":
        before.update((q["id"], q) for q in questions(store, activity["id"], ("answering",)))
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
            before[target["id"]] = target
            # Undo takes back exactly the votes the merge added.
            added[target["id"]] = [r[0] for r in db.execute(
                "select delegate_id from qa_votes where question_id = ? and delegate_id not in "
                "(select delegate_id from qa_votes where question_id = ?)",
                [question["id"], target["id"]]).fetchall()]
            if not question["anonymous"] and question["delegate_id"] not in added[target["id"]]:
                if db.execute("select 1 from qa_votes where question_id = ? and delegate_id = ?",
                              [target["id"], question["delegate_id"]]).fetchone() is None:
                    added[target["id"]].append(question["delegate_id"])
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
        undo_id = None if action == "move" else _remember(
            db, activity, action, [before[q] for q in dict.fromkeys(touched)], 1, added)
    return [get(store, activity["id"], q) for q in dict.fromkeys(touched)], undo_id


# --- many at once, and undo ---------------------------------------------------

BULK = ("approve", "dismiss", "label")  # what a moderator does to a selection
MAX_BULK = 500  # more than a session holds in practice; a longer list is refused
UNDONE = ("status", "held", "label", "starred", "position", "merged_into", "published_at",
          "answered_at", "text", "original_text")  # what an undo puts back
KEEP_UNDO = 20  # per session: only recent actions can be undone


def _remember(db, activity: dict, action: str, rows: list[dict], count: int,
              added: dict | None = None) -> int:
    """Keep what `rows` were before an action (and the version the action gave each),
    so it can be undone while nobody has changed them since; return its id."""
    kept = [{"id": r["id"], "version": r["version"] + 1, **{f: r[f] for f in UNDONE}}
            for r in rows]
    undo_id = db["qa_undo"].insert({
        "workshop_id": activity["workshop_id"], "activity_id": activity["id"],
        "action": action, "count": count, "created_at": now(),
        "rows": json.dumps({"rows": kept, "votes_added": added or {}})}).last_pk
    db.execute("delete from qa_undo where activity_id = ? and id not in (select id from "
               "qa_undo where activity_id = ? order by id desc limit ?)",
               [activity["id"], activity["id"], KEEP_UNDO])
    return undo_id


def moderate_many(store: Store, activity: dict, question_ids: list[int], action: str, *,
                  label=None) -> tuple[list[dict], int | None, int]:
    """Approve, dismiss or label many questions in one write; return those changed, the
    id that undoes it, and how many were left as they were (already so)."""
    if action not in BULK:
        raise Problem("invalid", "Choose approve, dismiss or label.", "action")
    ids = list(dict.fromkeys(question_ids))
    if not ids or len(ids) > MAX_BULK:
        raise Problem("invalid", f"Choose between 1 and {MAX_BULK} questions.", "question_ids")
    found = {q["id"]: q for q in store.all(
        f"select * from qa_questions where activity_id = ? and id in ({','.join('?' * len(ids))})",
        [activity["id"], *ids]) if q["status"] in OPEN}
    missing = len(ids) - len(found)
    if missing:
        raise Problem("not_found", f"{missing} of those questions are not in this session "
                                   "(or were merged or archived); nothing was changed.",
                      "question_ids")
    todo = [found[i] for i in ids if found[i]["status"] in ACTIONS[action]
            and not (action == "label" and found[i]["label"] == label)]
    if not todo:  # all already so: nothing to write, nothing to undo
        return [], None, len(ids)
    stamp = now()
    change = {"approve": {"status": "published", "held": None},
              "dismiss": {"status": "dismissed"}, "label": {"label": label}}[action]
    with store.write() as db:
        for q in todo:
            extra = {"published_at": stamp} if action == "approve" else {}
            db["qa_questions"].update(q["id"], {**change, **extra, "version": q["version"] + 1})
        undo_id = _remember(db, activity, action, todo, len(todo))
    return questions(store, activity["id"], ids=[q["id"] for q in todo]), undo_id, \
        len(ids) - len(todo)


def undo(store: Store, activity: dict, undo_id) -> tuple[list[dict], dict]:
    """Put back what one action changed, if nobody has changed those questions since;
    return them and what was undone ({action, count})."""
    record = store.one("select * from qa_undo where id = ?", [undo_id]) \
        if isinstance(undo_id, int) and not isinstance(undo_id, bool) else None
    if record is None or record["activity_id"] != activity["id"] \
            or record["workshop_id"] != activity["workshop_id"]:
        raise Problem("not_found", "That action is not one of this session's recent "
                                   "actions, so it cannot be undone.", "undo_id")
    if record["undone"]:
        raise Problem("conflict", "That action has already been undone.")
    kept = json.loads(record["rows"])
    rows = kept["rows"]
    ids = [r["id"] for r in rows]
    now_ = {q["id"]: q for q in store.all(
        f"select id, version from qa_questions where id in ({','.join('?' * len(ids))})", ids)}
    changed = sum(1 for r in rows if r["id"] not in now_ or now_[r["id"]]["version"]
                  != r["version"])
    if changed:
        raise Problem("conflict", f"Cannot undo: {changed} of those questions "
                                  f"{'has' if changed == 1 else 'have'} changed since "
                                  "(another action or moderator).")
    with store.write() as db:
        for r in rows:
            db["qa_questions"].update(r["id"], {**{f: r[f] for f in UNDONE},
                                                "version": r["version"] + 1})
        for target, voters in kept["votes_added"].items():
            for voter in voters:
                db.execute("delete from qa_votes where question_id = ? and delegate_id = ?",
                           [int(target), voter])
            db.execute("update qa_questions set votes = (select count(*) from qa_votes "
                       "where question_id = ?) where id = ?", [int(target), int(target)])
        db.execute("update qa_undo set undone = 1 where id = ?", [record["id"]])
    return questions(store, activity["id"], ids=ids), {"action": record["action"],
                                                       "count": record["count"]}


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
