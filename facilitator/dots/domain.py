"""Dot voting on an idea board's posts: taking the board's published posts as the
options when the vote goes live."""
from ..qa import domain as posts
from ..store import Store, now

BOARD_KIND = "ideas"
MAX_BOARD_OPTIONS = 50  # the board's most voted published posts, if it has more


def board(store: Store, activity: dict) -> dict | None:
    """The idea board a vote takes its options from: an `ideas` activity of the same
    workshop, or None."""
    return store.one("select id, title from activities where id = ? and workshop_id = ? "
                     "and kind = ?", [activity["config"].get("board"),
                                      activity["workshop_id"], BOARD_KIND])


def options(store: Store, activity_id: int) -> list[dict]:
    """The options a vote was given from its board, in the board's order."""
    return store.all("select post_id as id, text from dots_options where activity_id = ? "
                     "order by position", [activity_id])


def take_options(store: Store, activity: dict):
    """Copy the board's published posts as the vote's options, unless someone has
    voted already: then the options stay as they were, so no dot moves."""
    source = board(store, activity)
    rows = posts.questions(store, source["id"], posts.VISIBLE)[:MAX_BOARD_OPTIONS] \
        if source else []
    stamp = now()
    with store.write() as db:
        if db.execute("select 1 from responses where activity_id = ? limit 1",
                      [activity["id"]]).fetchone():
            return
        db.execute("delete from dots_options where activity_id = ?", [activity["id"]])
        db["dots_options"].insert_all(
            ({"workshop_id": activity["workshop_id"], "activity_id": activity["id"],
              "source_id": source["id"], "position": position, "post_id": row["id"],
              "text": row["text"], "delegate_id": row["delegate_id"],
              "anonymous": row["anonymous"], "taken_at": stamp}
             for position, row in enumerate(rows)), pk=("activity_id", "post_id"))
