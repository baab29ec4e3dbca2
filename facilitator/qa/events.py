"""Socket.IO events for asking, voting and moderating questions."""
from dataclasses import dataclass

from ..extensions import get_store
from ..hookspecs import Change
from ..plugins import of_type
from ..realtime import handler, registry
from ..runsheet import domain as runsheet
from ..runsheet.events import runsheet_changed
from ..runsheet.live import announce, own_change
from ..validation import (Bool, Choice, Field, Id, Int, Problem, Raw, Text, TextList, choice,
                          text)
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
    changed, undo_id = domain.moderate_undoable(get_store(), activity, args["question_id"],
                                                action, version=args["version"], **extra)
    _send(activity, changed)
    return {"questions": [views.moderator_question(q) for q in
                          domain.questions(get_store(), activity["id"],
                                           ids=[q["id"] for q in changed])],
            "undo": _undo(undo_id, action, 1)}


def _undo(undo_id, action, count):
    """What a moderator's screen needs to offer "Undo" for an action."""
    return None if undo_id is None else {"id": undo_id, "action": action, "count": count}


@dataclass(frozen=True, kw_only=True)
class QuestionIds(Field):
    """A list of question ids, at most `max_items`; whose they are, the domain checks."""

    max_items: int

    def read(self, data, name):
        value = data.get(name)
        if not isinstance(value, list) or not value:
            raise Problem("invalid", f"{self.label}: send a list of question ids.", name)
        if len(value) > self.max_items:
            raise Problem("invalid", f"{self.label}: at most {self.max_items} at once.", name)
        if any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 2**62
               for v in value):
            raise Problem("not_found", "Some of those questions are not in this session.",
                          name)
        return value


@handler("qa:moderate_many", roles=MODERATORS, fields={
    **SESSION, "question_ids": QuestionIds(label="The questions", max_items=domain.MAX_BULK),
    "action": Choice(label="The action", options=domain.BULK),
    "label": Raw(label="The label", optional=True)})
def moderate_many(conn, args):
    """Moderator approves, dismisses or labels many questions at once:
    {activity_id, question_ids: [id] (≤500), action, label?} -> ack {questions, skipped,
    undo}. One write, one `view` to every screen; those already so are skipped."""
    activity = _session(conn, args)
    label = None
    if args["action"] == "label":
        label = choice(args, "label", "The label", ("", *activity["config"]["labels"]))
    changed, undo_id, skipped = domain.moderate_many(get_store(), activity,
                                                     args["question_ids"], args["action"],
                                                     label=label)
    if changed:
        _send(activity, changed)
    return {"questions": [views.moderator_question(q) for q in changed], "skipped": skipped,
            "undo": _undo(undo_id, args["action"], len(changed))}


@handler("qa:undo", roles=MODERATORS, fields={
    **SESSION, "undo_id": Id(label="That action")})
def undo(conn, args):
    """Moderator undoes one recent action {activity_id, undo_id} -> ack {questions,
    undone: {action, count}}, refused (`conflict`) if any of its questions changed since."""
    activity = _session(conn, args)
    changed, undone = domain.undo(get_store(), activity, args["undo_id"])
    _send(activity, changed)
    return {"questions": [views.moderator_question(q) for q in changed], "undone": undone}


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
    "hide_votes": Bool(label="Hide vote counts on the projector", optional=True),
    "words": TextList(label="Each word", max_items=500, max_len=40, optional=True)})
def settings(conn, args):
    """Moderator changes {activity_id, auto_publish?, profanity_filter?, show_counts?,
    hide_votes?, words?}.

    `words` is the workshop's held-words list. Every screen gets its view again.
    """
    activity = _session(conn, args)
    config = {**activity["config"], **{field: args[field] for field in (
        "auto_publish", "profanity_filter", "show_counts", "hide_votes") if field in args}}
    if "words" in args:
        domain.set_blocked_words(get_store(), conn.workshop_id, args["words"])
    activity = runsheet.update_activity(get_store(), conn.workshop_id, activity["id"],
                                        activity["title"], config)
    runsheet_changed(conn.workshop_id)  # the settings are the activity's: keep edit forms current
    announce(Change(activity))
    return {"qa": views.moderation(get_store(), activity)}
