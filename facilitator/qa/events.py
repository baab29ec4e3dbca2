"""Socket.IO events for asking, voting and moderating questions."""
from ..extensions import get_store
from ..hookspecs import Change
from ..plugins import of_type
from ..realtime import handler, registry
from ..runsheet import domain as runsheet
from ..runsheet.events import runsheet_changed
from ..runsheet.live import announce, own_change
from ..validation import Bool, Choice, Id, Int, Raw, Text, TextList, choice, text
from ..workshops import domain as workshops
from . import domain, views
from .kind import MODERATORS, Posts


def _session(conn, args) -> dict:
    """The Q&A session a moderator names."""
    return runsheet.activity_of(get_store(), conn.workshop_id, args["activity_id"],
                                of_type(Posts), "a Q&A session")


def _send(activity: dict, changed: list[dict]):
    """Tell every screen what changed, each in its own view, after the commit; the
    askers' phones get their own questions again."""
    announce(Change(activity, items=_items(changed), people={q["delegate_id"] for q in changed}))


def _items(changed: list[dict]) -> dict:
    return {"questions": [q["id"] for q in changed]}


# --- phones ----------------------------------------------------------------

CLIENT_ID = Text(label="The question's id", max_len=64)
SESSION = {"activity_id": Id(label="That Q&A session")}


def _stored_before(conn, args):
    """The ack for a resend of a question already stored (its first ack was lost on the
    way), even once the session is no longer live; None for anything else."""
    question = get_store().committed_one("select * from qa_questions where delegate_id = ? "
                                         "and client_id = ?",
                                         [conn.delegate_id, args["client_id"]])
    return {"question": views.own_question(question)} if question else None


@handler("qa:ask", roles=("delegate",), joined=True, live=Posts, replay=_stored_before,
         fields={"client_id": CLIENT_ID, "text": Raw(label="Your question"),
                 "anonymous": Bool(label="Anonymous", default=False)})
def ask(conn, args):
    """Phone asks {client_id, text, anonymous?} -> ack {question} once it is stored.

    A resend with the same client_id returns the stored question. Moderators get
    the question in their view; if published at once, every screen does; the
    asker's phones get `mine`.
    """
    activity = args["activity"]
    question_text = text(args, "text", "Your question",
                         max_len=activity["config"]["max_length"], multiline=True)
    delegate = workshops.get_delegate(get_store(), conn.workshop_id, conn.delegate_id)
    question, created = domain.ask(get_store(), activity, delegate, args["client_id"],
                                   question_text, args["anonymous"])
    if not question["anonymous"]:
        # Taking part shows (presence, "Remove walk-ins"): an anonymous post must not.
        registry.took_part(conn.delegate_id)
    own = own_change(conn, activity, items=_items([question]) if created else {})
    return {"question": views.own_question(question), **own}


@handler("qa:vote", roles=("delegate",), joined=True, live=Posts, takes_part=True,
         fields={"question_id": Id(label="That question"),
                 "up": Bool(label="Vote", default=True)})
def vote(conn, args):
    """Phone votes {question_id, up: bool}; totals reach every screen once a beat."""
    question = domain.vote(get_store(), args["activity"], conn.delegate_id,
                           args["question_id"], args["up"])
    # The totals, and the asker's own view of their question.
    announce(Change(args["activity"], items=_items([question]),
                    people={question["delegate_id"]}, soon=True))
    return {"question_id": question["id"], "votes": question["votes"], "up": args["up"],
            **own_change(conn, args["activity"], items={})}


# --- moderators ------------------------------------------------------------

@handler("qa:open", roles=MODERATORS, fields=SESSION)
def open_session(conn, args):
    """Moderator opens {activity_id} -> ack {qa: the moderation view}."""
    return {"qa": views.moderation(get_store(), _session(conn, args))}


@handler("qa:moderate", roles=MODERATORS, fields={
    **SESSION, "question_id": Id(label="That question"),
    "action": Choice(label="The action", options=tuple(domain.ACTIONS)),
    "text": Raw(label="The question", optional=True),
    "label": Raw(label="The label", optional=True),
    "starred": Bool(label="Starred", default=True),
    "direction": Choice(label="The direction", options=("up", "down"), default="up"),
    "into": Raw(label="The question to merge into", optional=True),
    "version": Int(label="The version", low=0, high=2**62, required=False)})
def moderate(conn, args):
    """Moderator acts on {activity_id, question_id, action, version?, ...} -> ack {questions}.

    Actions: approve (with optional edited text), edit {text}, dismiss, restore,
    answering, answered, star {starred}, label {label}, move {direction}, merge {into}.
    """
    activity = _session(conn, args)
    action, extra = args["action"], {}
    if "text" in args and action in ("approve", "edit"):
        extra["text"] = text(args, "text", "The question",
                             max_len=activity["config"]["max_length"], multiline=True)
    if action == "label":
        extra["label"] = choice(args, "label", "The label", ("", *activity["config"]["labels"]))
    if action == "star":
        extra["starred"] = args["starred"]
    if action == "move":
        extra["direction"] = args["direction"]
    if action == "merge":
        extra["into"] = args.get("into")
    changed = domain.moderate(get_store(), activity, args["question_id"], action,
                              version=args["version"], **extra)
    _send(activity, changed)
    return {"questions": [views.moderator_question(q) for q in
                          domain.questions(get_store(), activity["id"],
                                           ids=[q["id"] for q in changed])]}


@handler("qa:archive", roles=MODERATORS, fields=SESSION)
def archive(conn, args):
    """Moderator archives every question of {activity_id}; every screen gets its view
    again (`live`, or `view` while it is not live)."""
    activity = _session(conn, args)
    count = domain.archive_all(get_store(), activity["id"])
    announce(Change(activity, people=None))
    return {"archived": count}


@handler("qa:silence", roles=MODERATORS, fields={
    **SESSION, "question_id": Id(label="That question"),
    "silenced": Bool(label="Silenced", default=True)})
def silence(conn, args):
    """Moderator silences (or lets speak) the asker of {activity_id, question_id, silenced}.

    Their later posts of the same kind (anonymous or named) are held for review,
    even after a reload or a new token; only this question shows as silenced.
    """
    activity = _session(conn, args)
    question = domain.get(get_store(), activity["id"], args["question_id"])
    _send(activity, [domain.silence(get_store(), question, args["silenced"])])
    return {"silenced": args["silenced"]}


@handler("qa:settings", roles=MODERATORS, fields={
    **SESSION, "auto_publish": Bool(label="Publish without review", optional=True),
    "profanity_filter": Bool(label="Hold strong language", optional=True),
    "show_counts": Bool(label="Counts on the projector", optional=True),
    "words": TextList(label="Each word", max_items=500, max_len=40, optional=True)})
def settings(conn, args):
    """Moderator changes {activity_id, auto_publish?, profanity_filter?, show_counts?, words?}.

    `words` is the workshop's held-words list. Every screen gets its view again.
    """
    activity = _session(conn, args)
    config = {**activity["config"], **{field: args[field] for field in (
        "auto_publish", "profanity_filter", "show_counts") if field in args}}
    if "words" in args:
        domain.set_blocked_words(get_store(), conn.workshop_id, args["words"])
    activity = runsheet.update_activity(get_store(), conn.workshop_id, activity["id"],
                                        activity["title"], config)
    runsheet_changed(conn.workshop_id)  # the settings are the activity's: keep edit forms current
    announce(Change(activity))
    return {"qa": views.moderation(get_store(), activity)}
