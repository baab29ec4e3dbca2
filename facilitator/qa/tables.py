"""Q&A's tables: posts, votes, silenced askers and each workshop's held words."""
from ..hookspecs import ACTIVITIES, DELEGATES, Migration


def _posts(db):
    """Q&A: questions, votes, silenced askers and each workshop's held words."""
    db["qa_questions"].create({
        "id": int, "workshop_id": int, "activity_id": int, "delegate_id": int,
        "client_id": str, "text": str, "original_text": str, "anonymous": int,
        "status": str, "held": str, "label": str, "starred": int, "position": float,
        "merged_into": int, "votes": int, "version": int, "created_at": float,
        "published_at": float, "answered_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id"),
                              ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "activity_id", "delegate_id", "client_id", "text", "status"},
        defaults={"anonymous": 0, "starred": 0, "votes": 0, "version": 0, "label": ""})
    # A resent question (same phone, same client id) is stored once.
    db["qa_questions"].create_index(["delegate_id", "client_id"], unique=True)
    db["qa_questions"].create_index(["activity_id", "status"])

    db["qa_votes"].create({
        "question_id": int, "delegate_id": int, "created_at": float,
    }, pk=("question_id", "delegate_id"),
        foreign_keys=[("question_id", "qa_questions", "id"), ("delegate_id", "delegates", "id")])

    db["qa_silenced"].create({
        "workshop_id": int, "name_key": str, "delegate_id": int, "created_at": float,
    }, pk=("workshop_id", "delegate_id"))

    db["workshops"].add_column("qa_words", str)


def _silences(db):
    """A silence is made through one question and holds the asker's later posts of
    the same kind only (anonymous or named): see qa.domain.silence."""
    db["qa_silences"].create({
        "question_id": int, "workshop_id": int, "delegate_id": int, "name_key": str,
        "anonymous": int, "created_at": float,
    }, pk="question_id", foreign_keys=[("workshop_id", "workshops", "id"),
                                       ("question_id", "qa_questions", "id"),
                                       ("delegate_id", "delegates", "id")],
        not_null={"workshop_id", "delegate_id", "anonymous"}, defaults={"name_key": ""})
    db["qa_silences"].create_index(["workshop_id", "delegate_id"])
    # An older silence held everything its asker sent: keep that, through the
    # asker's latest question of each kind.
    db.execute("insert or ignore into qa_silences (question_id, workshop_id, delegate_id, "
               "name_key, anonymous, created_at) select max(q.id), s.workshop_id, "
               "s.delegate_id, s.name_key, q.anonymous, s.created_at from qa_silenced s "
               "join qa_questions q on q.delegate_id = s.delegate_id "
               "and q.workshop_id = s.workshop_id group by s.delegate_id, q.anonymous")
    db["qa_silenced"].drop()


def _undo(db):
    """What a moderator's last actions changed, so each can be undone once."""
    db["qa_undo"].create({
        "id": int, "workshop_id": int, "activity_id": int, "action": str, "count": int,
        "rows": str, "undone": int, "created_at": float,
    }, pk="id", foreign_keys=[("workshop_id", "workshops", "id"),
                              ("activity_id", "activities", "id")],
        not_null={"workshop_id", "activity_id", "action", "rows"}, defaults={"undone": 0})
    db["qa_undo"].create_index(["activity_id"])


MIGRATIONS = (Migration("qa:1", _posts, before=4), Migration("qa:2", _silences, before=7),
              Migration("qa:4", _undo))

_QUESTIONS = ("(select id from qa_questions where workshop_id = :workshop or activity_id in "
              f"{ACTIVITIES})")
OWNED = (
    ("qa_undo", f"workshop_id = :workshop or activity_id in {ACTIVITIES}"),
    ("qa_votes", f"question_id in {_QUESTIONS} or delegate_id in {DELEGATES} or question_id "
                 f"in (select id from qa_questions where delegate_id in {DELEGATES})"),
    ("qa_silences", f"workshop_id = :workshop or question_id in {_QUESTIONS} "
                    f"or delegate_id in {DELEGATES}"),
    ("qa_questions", f"id in {_QUESTIONS} or delegate_id in {DELEGATES}"),
)
