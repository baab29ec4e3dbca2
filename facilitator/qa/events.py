"""Socket.IO events for asking, voting and moderating questions."""
from .. import store
from ..realtime import coalesced, delegate_room, emit, handler, mark, registry, room
from ..runsheet import domain as runsheet
from ..runsheet.events import runsheet_changed, send_live
from ..validation import Problem, boolean, choice, text, text_list
from ..workshops import domain as workshops
from . import domain, views
from .kind import POST_KINDS

MODERATORS = ("facilitator", "panel")


def _live_qa(workshop_id: int) -> dict:
    return runsheet.live_of(store(), workshops.get(store(), workshop_id), POST_KINDS,
                            "Questions are not open just now.")


def _session(conn, data) -> dict:
    """The Q&A session a moderator names."""
    return runsheet.activity_of(store(), conn.workshop_id, data.get("activity_id"),
                                POST_KINDS, "a Q&A session")


def _send(activity: dict, changed: list[dict]):
    """Tell every screen what changed, each in its own view, after the commit."""
    workshop_id = activity["workshop_id"]
    full = domain.questions(store(), activity["id"], ids=[q["id"] for q in changed])
    holders = {}
    for q in full:
        moderated = views.moderator_question(q)
        emit("qa:moderation", moderated, to=room(workshop_id, "facilitator"))
        emit("qa:moderation", moderated, to=room(workshop_id, "panel"))
        if q["status"] in domain.VISIBLE:
            emit("qa:question", views.public_question(q), to=room(workshop_id))
        else:
            emit("qa:removed", {"id": q["id"]}, to=room(workshop_id))
        if q["delegate_id"] not in holders:
            holders[q["delegate_id"]] = workshops.held_since(store(), q["delegate_id"])
        if q["created_at"] >= holders[q["delegate_id"]]:  # not a name's earlier holder's
            emit("qa:mine", views.own_question(q), to=delegate_room(q["delegate_id"]))
    mark("qa", workshop_id)


@coalesced("qa")
def send_counts(workshop_id: int):
    """Counts for moderators (and the projector when chosen), and vote totals, once a beat."""
    activity = runsheet.live_activity(store(), workshops.get(store(), workshop_id))
    if activity is None or activity["kind"] not in POST_KINDS:
        return
    counts = domain.counts(store(), activity["id"])
    emit("progress", counts, to=room(workshop_id, "facilitator"))
    emit("progress", counts, to=room(workshop_id, "panel"))
    if activity["config"]["show_counts"]:
        emit("progress", counts, to=room(workshop_id, "screen"))
    totals = {q["id"]: q["votes"] for q in store().all(
        "select id, votes from qa_questions where activity_id = ? and status in "
        "('published', 'answering', 'answered')", [activity["id"]])}
    emit("qa:votes", {"activity_id": activity["id"], "votes": totals}, to=room(workshop_id))


# --- phones ----------------------------------------------------------------

@handler("qa:ask", roles=("delegate",))
def ask(conn, data):
    """Phone asks {client_id, text, anonymous?} -> ack {question} once it is stored.

    A resend with the same client_id returns the stored question. Moderators get
    `qa:moderation`; if published at once, everyone gets `qa:question`.
    """
    if conn.delegate_id is None:
        raise Problem("not_joined", "Join the workshop first.")
    stored = _stored_before(conn, data)
    if stored is not None:
        return stored
    activity = _live_qa(conn.workshop_id)
    client_id = text(data, "client_id", "The question's id", max_len=64)
    question_text = text(data, "text", "Your question",
                         max_len=activity["config"]["max_length"], multiline=True)
    anonymous = boolean(data, "anonymous", "Anonymous", default=False)
    delegate = workshops.get_delegate(store(), conn.workshop_id, conn.delegate_id)
    question, created = domain.ask(store(), activity, delegate, client_id, question_text,
                                   anonymous)
    if not question["anonymous"]:
        # Taking part shows (presence, "Remove walk-ins"): an anonymous post must not.
        registry.took_part(conn.delegate_id)
    if created:
        _send(activity, [question])
    return {"question": views.own_question(question)}


def _stored_before(conn, data):
    """The ack for a resend of a question already stored (its first ack was lost on the
    way), even once the session is no longer live; None for anything else."""
    try:
        client_id = text(data, "client_id", "The question's id", max_len=64)
    except Problem:
        return None
    question = store().committed_one("select * from qa_questions where delegate_id = ? "
                                     "and client_id = ?", [conn.delegate_id, client_id])
    return {"question": views.own_question(question)} if question else None


@handler("qa:vote", roles=("delegate",), takes_part=True)
def vote(conn, data):
    """Phone votes {question_id, up: bool}; totals reach every screen once a beat."""
    if conn.delegate_id is None:
        raise Problem("not_joined", "Join the workshop first.")
    activity = _live_qa(conn.workshop_id)
    up = boolean(data, "up", "Vote", default=True)
    question = domain.vote(store(), activity, conn.delegate_id, data.get("question_id"), up)
    mark("qa", conn.workshop_id)
    return {"question_id": question["id"], "votes": question["votes"], "up": up}


# --- moderators ------------------------------------------------------------

@handler("qa:open", roles=MODERATORS)
def open_session(conn, data):
    """Moderator opens {activity_id} -> ack {qa: the moderation view}."""
    return {"qa": views.moderation(store(), _session(conn, data))}


@handler("qa:moderate", roles=MODERATORS)
def moderate(conn, data):
    """Moderator acts on {activity_id, question_id, action, version?, ...} -> ack {questions}.

    Actions: approve (with optional edited text), edit {text}, dismiss, restore,
    answering, answered, star {starred}, label {label}, move {direction}, merge {into}.
    """
    activity = _session(conn, data)
    action = choice(data, "action", "The action", tuple(domain.ACTIONS))
    extra = {}
    if "text" in data and action in ("approve", "edit"):
        extra["text"] = text(data, "text", "The question",
                             max_len=activity["config"]["max_length"], multiline=True)
    if action == "label":
        extra["label"] = choice(data, "label", "The label", ("", *activity["config"]["labels"]))
    if action == "star":
        extra["starred"] = boolean(data, "starred", "Starred", default=True)
    if action == "move":
        extra["direction"] = choice(data, "direction", "The direction", ("up", "down"))
    if action == "merge":
        extra["into"] = data.get("into")
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise Problem("invalid", "The version must be a whole number.", "version")
    changed = domain.moderate(store(), activity, data.get("question_id"), action,
                              version=version, **extra)
    _send(activity, changed)
    return {"questions": [views.moderator_question(q) for q in
                          domain.questions(store(), activity["id"],
                                           ids=[q["id"] for q in changed])]}


@handler("qa:archive", roles=MODERATORS)
def archive(conn, data):
    """Moderator archives every question of {activity_id}; every screen gets `live`."""
    activity = _session(conn, data)
    count = domain.archive_all(store(), activity["id"])
    send_live(conn.workshop_id)
    qa = views.moderation(store(), activity)
    emit("qa:session", qa, to=room(conn.workshop_id, "facilitator"))
    emit("qa:session", qa, to=room(conn.workshop_id, "panel"))
    return {"archived": count}


@handler("qa:silence", roles=MODERATORS)
def silence(conn, data):
    """Moderator silences (or lets speak) the asker of {activity_id, question_id, silenced}.

    Their later posts of the same kind (anonymous or named) are held for review,
    even after a reload or a new token; only this question shows as silenced.
    """
    activity = _session(conn, data)
    question = domain.get(store(), activity["id"], data.get("question_id"))
    on = boolean(data, "silenced", "Silenced", default=True)
    _send(activity, [domain.silence(store(), question, on)])
    return {"silenced": on}


@handler("qa:settings", roles=MODERATORS)
def settings(conn, data):
    """Moderator changes {activity_id, auto_publish?, profanity_filter?, show_counts?, words?}.

    `words` is the workshop's held-words list. Moderators get `qa:session`.
    """
    activity = _session(conn, data)
    config = dict(activity["config"])
    for field, label in (("auto_publish", "Publish without review"),
                         ("profanity_filter", "Hold strong language"),
                         ("show_counts", "Counts on the projector")):
        if field in data:
            config[field] = boolean(data, field, label)
    if "words" in data:
        domain.set_blocked_words(store(), conn.workshop_id,
                                 text_list(data, "words", "Each word", max_items=500,
                                           max_len=40))
    activity = runsheet.update_activity(store(), conn.workshop_id, activity["id"],
                                        activity["title"], config)
    qa = views.moderation(store(), activity)
    emit("qa:session", qa, to=room(conn.workshop_id, "facilitator"))
    emit("qa:session", qa, to=room(conn.workshop_id, "panel"))
    runsheet_changed(conn.workshop_id)  # the settings are the activity's: keep edit forms current
    if workshops.get(store(), conn.workshop_id)["live_activity_id"] == activity["id"]:
        send_live(conn.workshop_id)
    return {"qa": qa}
