"""Prompts: every write about answers, timers, closing and revealing happens here."""
import json

from ..store import Store, now
from ..validation import Problem


def state(store: Store, activity_id: int) -> dict:
    """A prompt's open/closed state, deadline and whether results are revealed."""
    row = store.one("select * from prompt_state where activity_id = ?", [activity_id])
    return row or {"activity_id": activity_id, "opened_at": None, "closed_at": None,
                   "deadline": None, "paused_remaining": None, "revealed": 0}


def is_open(row: dict, at: float | None = None) -> bool:
    """Answers are taken until the prompt is closed or its deadline passes."""
    return (row["opened_at"] is not None and row["closed_at"] is None
            and (row["deadline"] is None or (at or now()) < row["deadline"]))


def _save(store: Store, activity_id: int, **changes) -> dict:
    with store.write() as db:
        db["prompt_state"].upsert({**state(store, activity_id), **changes}, pk="activity_id")
    return state(store, activity_id)


def open_prompt(store: Store, activity: dict) -> dict:
    """Open a prompt the first time it goes live, starting its timer if it has one."""
    current = state(store, activity["id"])
    if current["opened_at"] is not None:
        return current
    seconds = activity["config"]["timer_seconds"]
    return _save(store, activity["id"], opened_at=now(),
                 deadline=now() + seconds if seconds else None)


def close(store: Store, activity_id: int, closed: bool) -> dict:
    """Close a prompt (no more answers) or open it again (without a timer)."""
    current = state(store, activity_id)
    if closed:
        return _save(store, activity_id, closed_at=now(), opened_at=current["opened_at"] or now(),
                     deadline=None, paused_remaining=None)
    return _save(store, activity_id, closed_at=None, deadline=None, paused_remaining=None,
                 opened_at=current["opened_at"] or now())


def timer(store: Store, activity: dict, action: str, seconds: int = 0) -> dict:
    """Start, pause, resume, extend (±seconds) or clear a prompt's countdown."""
    current = state(store, activity["id"])
    if not is_open(current) and action != "clear":
        raise Problem("closed", "The prompt is closed: open it again first.")
    stamp = now()
    if action == "start":
        length = seconds or activity["config"]["timer_seconds"] or 60
        return _save(store, activity["id"], deadline=stamp + length, paused_remaining=None)
    if action == "pause":
        if current["deadline"] is None:
            raise Problem("no_timer", "No countdown is running.")
        return _save(store, activity["id"], deadline=None,
                     paused_remaining=current["deadline"] - stamp)
    if action == "resume":
        if current["paused_remaining"] is None:
            raise Problem("no_timer", "The countdown is not paused.")
        return _save(store, activity["id"], deadline=stamp + current["paused_remaining"],
                     paused_remaining=None)
    if action == "extend":
        if current["deadline"] is not None:
            return _save(store, activity["id"],
                         deadline=max(stamp + 5, current["deadline"] + seconds))
        if current["paused_remaining"] is not None:
            return _save(store, activity["id"],
                         paused_remaining=max(5, current["paused_remaining"] + seconds))
        raise Problem("no_timer", "No countdown is running.")
    return _save(store, activity["id"], deadline=None, paused_remaining=None)


def reveal(store: Store, activity_id: int, revealed: bool) -> dict:
    """Show the results on the projector and phones, or hide them again."""
    return _save(store, activity_id, revealed=int(revealed))


def close_expired(store: Store) -> list[int]:
    """Close prompts whose deadline has passed; return their activity ids."""
    due = [r["activity_id"] for r in store.all(
        "select activity_id from prompt_state where closed_at is null and deadline <= ?",
        [now()])]
    if due:
        with store.write() as db:
            for activity_id in due:
                db.execute("update prompt_state set closed_at = deadline where activity_id = ?",
                           [activity_id])
    return due


def applied(store: Store, activity_id: int, delegate_id: int, client_id: str) -> bool:
    """Whether an answer with this client-made id was already stored for this prompt."""
    return store.committed_one(
        "select 1 as yes from response_ids where delegate_id = ? and client_id = ?",
        [delegate_id, f"{activity_id}:{client_id}"]) is not None


def answer(store: Store, activity: dict, delegate_id: int, client_id: str, value) -> dict:
    """Store a delegate's answer (replacing their earlier one); a resent id applies once."""
    if applied(store, activity["id"], delegate_id, client_id):
        # Sent again because its ack was lost: it counted, even if the prompt closed since.
        return mine(store, activity["id"], delegate_id)
    if not is_open(state(store, activity["id"])):
        raise Problem("closed", "Time's up: this prompt is closed, so your answer was not "
                                "taken.")
    stamp = now()
    with store.write() as db:
        # Ids are remembered per prompt, so one reused elsewhere is still an answer.
        fresh = db.execute("insert or ignore into response_ids (delegate_id, client_id) "
                           "values (?, ?)",
                           [delegate_id, f"{activity['id']}:{client_id}"]).rowcount == 1
        if fresh:
            db.execute("insert into responses (workshop_id, activity_id, delegate_id, value, "
                       "client_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?) "
                       "on conflict (activity_id, delegate_id) do update set "
                       "value = excluded.value, client_id = excluded.client_id, "
                       "updated_at = excluded.updated_at",
                       [activity["workshop_id"], activity["id"], delegate_id,
                        json.dumps(value), client_id, stamp, stamp])
    return mine(store, activity["id"], delegate_id)


def mine(store: Store, activity_id: int, delegate_id: int, since: float = 0):
    """A delegate's current answer (given since a time), or None."""
    row = store.one("select value from responses where activity_id = ? and delegate_id = ? "
                    "and updated_at >= ?", [activity_id, delegate_id, since])
    return json.loads(row["value"]) if row else None


def answered(store: Store, activity_id: int) -> bool:
    """Whether anyone has answered a prompt."""
    return store.one("select 1 as yes from responses where activity_id = ? limit 1",
                     [activity_id]) is not None


def values(store: Store, activity_id: int) -> list:
    """Every current answer to a prompt."""
    return [json.loads(r["value"]) for r in store.all(
        "select value from responses where activity_id = ? order by updated_at",
        [activity_id])]
