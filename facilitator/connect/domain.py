"""Connect rounds: every write about rounds, groups and meetings happens here."""
import json
import random

from ..pairing import MixRules, Person, pair
from ..pairing import live as grouping
from ..store import Store, now, pause_point
from ..validation import Problem
from ..workshops.organisations import namer
from . import templates

RALLY_POINT = "Meet at the front, by the big screen"


# --- reading ---------------------------------------------------------------

def _round(row: dict | None) -> dict | None:
    if row is not None:
        row["phases"] = json.loads(row["phases"] or "[]")
    return row


def latest_round(store: Store, activity_id: int) -> dict | None:
    """The most recent round of an activity, running or ended."""
    return _round(store.one("select * from connect_rounds where activity_id = ? "
                            "order by number desc limit 1", [activity_id]))


def is_running(round_: dict | None, at: float | None = None) -> bool:
    """Whether a round is under way (its deadline is the server's, not a screen's)."""
    return (round_ is not None and round_["ended_at"] is None
            and (at or now()) < round_["ends_at"])


def rules_of(config: dict) -> MixRules:
    """The mixing rules an activity's settings ask for."""
    return MixRules(separate_organisations=config["separate_organisations"],
                    separate_roles=config["separate_roles"],
                    separate_sectors=config["separate_sectors"])


def people(store: Store, workshop_id: int) -> dict[int, Person]:
    """Every joined delegate of a workshop as the grouping engine sees them."""
    organisation = namer(store, workshop_id)  # merged variants count as one
    return {r["id"]: Person(r["id"], organisation(r["organisation"]), r["role"], r["sector"])
            for r in store.all("select id, organisation, role, sector from delegates "
                               "where workshop_id = ? and token_hash is not null",
                               [workshop_id])}


def met_pairs(store: Store, workshop_id: int) -> set[frozenset]:
    """Pairs to keep apart: everyone grouped together before, and declared acquaintances."""
    rows = store.all(
        "select m1.delegate_id as a, m2.delegate_id as b from connect_members m1 "
        "join connect_members m2 on m1.group_id = m2.group_id "
        "and m1.delegate_id < m2.delegate_id "
        "join connect_rounds r on r.id = m1.round_id "
        "where r.workshop_id = ? and m1.left_at is null and m2.left_at is null",
        [workshop_id])
    rows += store.all("select a, b from acquaintances where workshop_id = ?", [workshop_id])
    return {pair(r["a"], r["b"]) for r in rows}


def known_pairs(store: Store, workshop_id: int) -> set[frozenset]:
    """Pairs who said they already knew each other."""
    return {pair(r["a"], r["b"]) for r in store.all(
        "select a, b from acquaintances where workshop_id = ?", [workshop_id])}


def sitting_out(store: Store, activity_id: int) -> set[int]:
    """Delegates sitting this activity's rounds out."""
    return {r["delegate_id"] for r in store.all(
        "select delegate_id from connect_people where activity_id = ? and sitting_out = 1",
        [activity_id])}


def members(store: Store, round_id: int, of=None) -> list[dict]:
    """Current members of a round's groups with their details, in group order.

    With `of` (delegate ids), only the groups those delegates are in.
    """
    where, params = "", []
    if of is not None:
        marks = ",".join("?" * len(of))
        where = (" and m.group_id in (select group_id from connect_members where round_id = ? "
                 f"and left_at is null and delegate_id in ({marks}))")
        params = [round_id, *of]
    return store.all(
        "select m.*, g.number as group_number, g.meeting_point, d.name, d.organisation, "
        "d.role from connect_members m join connect_groups g on g.id = m.group_id "
        "join delegates d on d.id = m.delegate_id "
        f"where m.round_id = ? and m.left_at is null{where} order by g.number, m.id",
        [round_id, *params])


def membership(store: Store, round_id: int, delegate_id: int) -> dict | None:
    """A delegate's current place in a round."""
    return store.one("select * from connect_members where round_id = ? and delegate_id = ? "
                     "and left_at is null", [round_id, delegate_id])


def active_groups(store: Store, round_id: int) -> list[tuple[int, list[int]]]:
    """(group id, member ids) of a round, in group order."""
    groups: dict[int, list[int]] = {}
    for row in store.all("select g.id, m.delegate_id from connect_groups g "
                         "left join connect_members m on m.group_id = g.id "
                         "and m.left_at is null where g.round_id = ? order by g.number, m.id",
                         [round_id]):
        groups.setdefault(row["id"], [])
        if row["delegate_id"] is not None:
            groups[row["id"]].append(row["delegate_id"])
    return list(groups.items())


def summary_shown(store: Store, activity_id: int) -> bool:
    """Whether the facilitator has put the results on the screens."""
    row = store.one("select summary_at from connect_state where activity_id = ?", [activity_id])
    return bool(row and row["summary_at"])


def meetings(store: Store, activity_id: int) -> list[dict]:
    """Meetings made in an activity: two members of a group who both found it."""
    return store.all(
        "select r.number as round, m1.delegate_id as a, m2.delegate_id as b "
        "from connect_members m1 join connect_members m2 on m1.group_id = m2.group_id "
        "and m1.delegate_id < m2.delegate_id join connect_rounds r on r.id = m1.round_id "
        "where r.activity_id = ? and m1.left_at is null and m2.left_at is null "
        "and m1.found_at is not null and m2.found_at is not null "
        "order by r.number, m1.delegate_id, m2.delegate_id", [activity_id])


# --- rounds ----------------------------------------------------------------

def _meeting_points(config: dict, count: int) -> list[str]:
    points = config["meeting_points"]
    if points["mode"] == "tables":
        return [f"Table {i % points['tables'] + 1}" for i in range(count)]
    if points["mode"] == "spots" and points["spots"]:
        return [points["spots"][i % len(points["spots"])] for i in range(count)]
    return ["Find each other"] * count


def _merged(store: Store, previous: dict, present: set[int], size: int) -> list[list[int]]:
    """1-2-4-All: join the previous round's groups (pairs) two by two into fours."""
    earlier = [[m for m in ids if m in present] for _, ids in active_groups(store, previous["id"])]
    earlier = [g for g in earlier if g]
    merged: list[list[int]] = []
    for group in earlier:
        if merged and len(merged[-1]) + len(group) <= size + 1 and len(merged[-1]) < size:
            merged[-1].extend(group)
        else:
            merged.append(list(group))
    if len(merged) > 1 and len(merged[-1]) < 2:
        merged[-2].extend(merged.pop())
    return merged


def _started_elsewhere(latest: int) -> Problem:
    return Problem("conflict", f"Another control screen started round {latest} a moment "
                               "ago; your screen now shows it.")


def expect_next(store: Store, activity_id: int, expected: int | None):
    """Refuse to start any round but the one the control screen showed as next."""
    previous = latest_round(store, activity_id)
    latest = previous["number"] if previous else 0
    if expected is not None and expected != latest + 1:
        raise _started_elsewhere(latest)


def start_round(store: Store, workshop_id: int, activity: dict, present: set[int],
                seed: int | None = None, expected: int | None = None) -> dict:
    """Start the activity's next round (round `expected`, if named) with the delegates
    present; return the round. Two screens starting the same round start it once."""
    config = activity["config"]
    plan = templates.expand(config)
    previous = latest_round(store, activity["id"])
    number = (previous["number"] if previous else 0) + 1
    if expected is not None and expected != number:
        raise _started_elsewhere(number - 1)
    if number > len(plan):
        raise Problem("end", f"All {len(plan)} rounds have run: show the results, or add "
                             "rounds to the activity.")
    spec = plan[number - 1]
    everyone = people(store, workshop_id)
    out = sitting_out(store, activity["id"])
    here = sorted(d for d in present if d in everyone and d not in out)
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    if spec["kind"] == "groups":
        odd = {r["delegate_id"]: r["odd_count"] for r in store.all(
            "select delegate_id, odd_count from connect_people where activity_id = ?",
            [activity["id"]])}
        groups = grouping.group_round([everyone[d] for d in here], spec["size"],
                                      met=met_pairs(store, workshop_id),
                                      rules=rules_of(config), odd_counts=odd, seed=seed)
    elif spec["kind"] == "merge" and previous is not None:
        groups = _merged(store, previous, set(here), spec["size"])
    else:
        groups = []
    stamp = now()
    seconds = templates.round_seconds(spec)
    with store.write() as db:
        latest = db.execute("select coalesce(max(number), 0) from connect_rounds "
                            "where activity_id = ?", [activity["id"]]).fetchone()[0]
        if latest != number - 1:  # another screen's start got in first
            raise _started_elsewhere(latest)
        db.execute("update connect_rounds set ended_at = ? where activity_id = ? "
                   "and ended_at is null", [stamp, activity["id"]])
        round_id = db["connect_rounds"].insert({
            "workshop_id": workshop_id, "activity_id": activity["id"], "number": number,
            "kind": spec["kind"], "size": spec["size"], "prompt": spec["prompt"],
            "seconds": seconds, "turns": spec.get("turns", 1),
            "phases": json.dumps(spec.get("phases", [])),
            "grace_seconds": config["grace_seconds"],
            "started_at": stamp, "ends_at": stamp + seconds}).last_pk
        points = _meeting_points(config, len(groups))
        rows, larger = [], []
        for index, group in enumerate(groups):
            # Plain SQL: a round for 500 inserts 250 groups, and the table helper's
            # per-call overhead (a schema lookup, a savepoint) would add up.
            group_id = db.execute("insert into connect_groups (round_id, number, meeting_point) "
                                  "values (?, ?, ?)",
                                  [round_id, index + 1, points[index]]).lastrowid
            rows += [(round_id, group_id, d, stamp) for d in group]
            if len(group) > spec["size"]:
                larger += group
        pause_point("connect round")
        db.conn.executemany("insert into connect_members (round_id, group_id, delegate_id, "
                            "placed_at) values (?, ?, ?, ?)", rows)
        for delegate_id in larger:  # who had the odd-sized group rotates
            db.execute("insert into connect_people (activity_id, delegate_id, odd_count) "
                       "values (?, ?, 1) on conflict do update set odd_count = odd_count + 1",
                       [activity["id"], delegate_id])
    return latest_round(store, activity["id"])


def end_round(store: Store, activity_id: int) -> dict:
    """End the running round now."""
    round_ = latest_round(store, activity_id)
    if not is_running(round_):
        raise Problem("not_running", "No round is running.")
    with store.write() as db:
        # Conditional: of two screens (or processes) ending it at once, one ends it.
        ended = db.execute("update connect_rounds set ended_at = ? "
                           "where id = ? and ended_at is null", [now(), round_["id"]])
    if ended.rowcount != 1:
        raise Problem("conflict", "Another control screen ended this round a moment ago.")
    return latest_round(store, activity_id)


def extend(store: Store, activity_id: int, seconds: int) -> dict:
    """Add or take time from the running round (never past now)."""
    round_ = latest_round(store, activity_id)
    if not is_running(round_):
        raise Problem("not_running", "No round is running.")
    with store.write() as db:
        db.execute("update connect_rounds set ends_at = max(?, ends_at + ?) where id = ?",
                   [now() + 5, seconds, round_["id"]])
    return latest_round(store, activity_id)


def close_expired(store: Store) -> list[dict]:
    """Mark rounds whose deadline passed as ended; return them."""
    due = [_round(r) for r in store.all(
        "select * from connect_rounds where ended_at is null and ends_at <= ?", [now()])]
    if due:
        with store.write() as db:
            for round_ in due:
                db.execute("update connect_rounds set ended_at = ends_at where id = ?",
                           [round_["id"]])
    return due


def show_summary(store: Store, activity_id: int, show: bool):
    """Put the results on every screen, or take them off."""
    with store.write() as db:
        db["connect_state"].upsert({"activity_id": activity_id,
                                    "summary_at": now() if show else None},
                                   pk="activity_id")


# --- what delegates do during a round --------------------------------------

def _running_membership(store: Store, activity_id: int, delegate_id: int,
                        number: int | None = None):
    round_ = latest_round(store, activity_id)
    if not is_running(round_) or round_["kind"] not in ("groups", "merge"):
        raise Problem("not_running", "There is no group round running just now.")
    if number is not None and number != round_["number"]:
        # Sent from the card of an earlier round (late, or again after a reconnect).
        raise Problem("not_running", f"Round {number} is over, so that was not recorded. "
                                     f"Your card now shows round {round_['number']}.")
    mine = membership(store, round_["id"], delegate_id)
    if mine is None:
        raise Problem("not_in_round", "You are not in a group this round: you will be "
                                      "grouped in the next one.")
    return round_, mine


def group_of(store: Store, group_id: int) -> list[int]:
    """Current member ids of a group."""
    return [r["delegate_id"] for r in store.all(
        "select delegate_id from connect_members where group_id = ? and left_at is null",
        [group_id])]


def mark_found(store: Store, activity_id: int, delegate_id: int,
               number: int | None = None) -> list[int]:
    """"We've found each other" (in round `number`, if named): return the group."""
    round_, mine = _running_membership(store, activity_id, delegate_id, number)
    group = group_of(store, mine["group_id"])
    # In a pair, one tap speaks for both.
    who = group if len(group) == 2 else [delegate_id]
    with store.write() as db:
        db.execute(f"update connect_members set found_at = coalesce(found_at, ?), "
                   f"cant_find_at = null where group_id = ? and left_at is null "
                   f"and delegate_id in ({','.join('?' * len(who))})",
                   [now(), mine["group_id"], *who])
    return group


def declare_known(store: Store, workshop_id: int, activity_id: int, delegate_id: int,
                  other_id, number: int | None = None) -> list[int]:
    """"We already know each other": remembered for every later round."""
    round_, mine = _running_membership(store, activity_id, delegate_id, number)
    group = group_of(store, mine["group_id"])
    if not isinstance(other_id, int) or other_id not in group or other_id == delegate_id:
        raise Problem("not_found", "You can only say that about someone in your group.",
                      "delegate_id")
    a, b = sorted((delegate_id, other_id))
    with store.write() as db:
        db.execute("insert or ignore into acquaintances (workshop_id, a, b, declared_by, "
                   "created_at) values (?, ?, ?, ?, ?)", [workshop_id, a, b, delegate_id, now()])
    return group


def _swap_partner(store: Store, workshop_id: int, round_: dict, config: dict, me: int,
                  other: int, group_id: int):
    """Someone to swap `other` with so that `me` meets someone new, or None.

    Only from a group that can spare one: another pair who also know each other, or a
    group larger than the round's size. Nobody found is moved; the swap makes no
    repeat and, where organisations are kept apart, no same-organisation pair.
    """
    rows = {r["delegate_id"]: r for r in store.all(
        "select * from connect_members where round_id = ? and left_at is null",
        [round_["id"]])}
    if any(rows[d]["found_at"] for d in (me, other) if d in rows):
        return None
    met, known = met_pairs(store, workshop_id), known_pairs(store, workshop_id)
    everyone = people(store, workshop_id)
    apart = config["separate_organisations"]

    def org(d):
        return " ".join(str(everyone[d].organisation or "").split()).casefold()

    def clean(d, others):
        return all(pair(d, o) not in met and not (apart and org(d) and org(d) == org(o))
                   for o in others)

    for gid, ids in active_groups(store, round_["id"]):
        if gid == group_id or len(ids) < 2 or any(rows[d]["found_at"] for d in ids):
            continue
        spare = (len(ids) == 2 and pair(*ids) in known) or len(ids) > round_["size"]
        if not spare:
            continue
        for q in ids:
            rest = [d for d in ids if d != q]
            if clean(q, [me]) and clean(other, rest):
                return gid, q
    return None


def swap_known(store: Store, workshop_id: int, activity: dict, delegate_id: int,
               other_id: int) -> set[int]:
    """After "we already know each other" in a pair: swap partners with a group that
    can spare one, if the round allows it. Returns the delegates moved (none if not)."""
    round_ = latest_round(store, activity["id"])
    mine = membership(store, round_["id"], delegate_id)
    if mine is None or len(group_of(store, mine["group_id"])) != 2:
        return set()
    found = _swap_partner(store, workshop_id, round_, activity["config"], delegate_id,
                          other_id, mine["group_id"])
    if found is None:
        return set()
    their_group, q = found
    stamp = now()
    with store.write() as db:
        for d, to in ((other_id, their_group), (q, mine["group_id"])):
            db.execute("update connect_members set left_at = ? where round_id = ? "
                       "and delegate_id = ? and left_at is null", [stamp, round_["id"], d])
            db.execute("insert into connect_members (round_id, group_id, delegate_id, "
                       "placed_at) values (?, ?, ?, ?)", [round_["id"], to, d, stamp])
    return {other_id, q}


def cant_find(store: Store, activity_id: int, delegate_id: int,
              number: int | None = None) -> float:
    """"I can't find them": return when the unfound will be regrouped."""
    round_, mine = _running_membership(store, activity_id, delegate_id, number)
    if mine["found_at"] is not None:
        raise Problem("already_found", "Your group has already found each other.")
    with store.write() as db:
        db.execute("update connect_members set cant_find_at = coalesce(cant_find_at, ?) "
                   "where id = ?", [now(), mine["id"]])
    return round_["started_at"] + round_["grace_seconds"]


def regroup_due(store: Store, workshop_id: int, round_: dict, config: dict) -> set[int]:
    """Regroup those who could not find their group once the grace period is over.

    Lone members (whose group-mates sat out or moved) are placed too. Returns the
    delegates whose cards changed.
    """
    if now() < round_["started_at"] + round_["grace_seconds"] or not is_running(round_):
        return set()
    groups = active_groups(store, round_["id"])
    rows = {r["delegate_id"]: r for r in store.all(
        "select * from connect_members where round_id = ? and left_at is null",
        [round_["id"]])}
    stuck = {d for d, r in rows.items() if r["cant_find_at"] and not r["found_at"]}
    # Whoever would be left alone by the moves is regrouped too.
    stuck |= {ids[0] for _, ids in groups if len(ids) == 1}
    stuck |= {d for _, ids in groups for d in ids
              if len([m for m in ids if m not in stuck]) == 1 and d not in stuck}
    if not stuck:
        return set()
    everyone = people(store, workshop_id)
    affected = set(stuck)
    kept = [(gid, [d for d in ids if d not in stuck]) for gid, ids in groups]
    kept = [(gid, ids) for gid, ids in kept if ids]
    # "Could not find": nobody goes back with anyone from the group they just left.
    avoid = set()
    for _, ids in groups:
        if stuck & set(ids):
            affected |= set(ids)
            avoid |= {pair(d, o) for d in stuck & set(ids) for o in ids if o != d}
    new_groups, placements = grouping.regroup(
        [everyone[d] for d in sorted(stuck) if d in everyone], round_["size"],
        [ids for _, ids in kept], everyone, met_pairs(store, workshop_id),
        rules_of(config), seed=round_["id"], avoid=avoid)
    stamp = now()
    with store.write() as db:
        for delegate_id in stuck:
            db.execute("update connect_members set left_at = ? where id = ?",
                       [stamp, rows[delegate_id]["id"]])
        next_number = db.execute("select coalesce(max(number), 0) from connect_groups "
                                 "where round_id = ?", [round_["id"]]).fetchone()[0]
        for group in new_groups:
            next_number += 1
            group_id = db["connect_groups"].insert({
                "round_id": round_["id"], "number": next_number,
                "meeting_point": RALLY_POINT}).last_pk
            db["connect_members"].insert_all([{
                "round_id": round_["id"], "group_id": group_id, "delegate_id": d,
                "placed_at": stamp} for d in group])
        for delegate_id, index in placements:
            group_id, ids = kept[index]
            affected |= set(ids)
            db["connect_members"].insert({"round_id": round_["id"], "group_id": group_id,
                                          "delegate_id": delegate_id, "placed_at": stamp})
    return affected


def place_late(store: Store, workshop_id: int, activity: dict, delegate_id: int) -> set[int]:
    """Put a delegate who arrived mid-round into a group, if the activity allows it.

    Returns the delegates whose cards changed (none if nothing was done).
    """
    config = activity["config"]
    round_ = latest_round(store, activity["id"])
    if (not config["late_join"] or not is_running(round_)
            or round_["kind"] not in ("groups", "merge")
            or membership(store, round_["id"], delegate_id) is not None
            or delegate_id in sitting_out(store, activity["id"])):
        return set()
    everyone = people(store, workshop_id)
    groups = [(gid, ids) for gid, ids in active_groups(store, round_["id"]) if ids]
    if delegate_id not in everyone or not groups:
        return set()
    index = grouping.place_late([ids for _, ids in groups], everyone[delegate_id], everyone,
                                met_pairs(store, workshop_id), rules_of(config),
                                round_["size"] + 1)
    group_id, ids = groups[index]
    with store.write() as db:
        db["connect_members"].insert({"round_id": round_["id"], "group_id": group_id,
                                      "delegate_id": delegate_id, "placed_at": now(),
                                      "late": 1})
    return set(ids) | {delegate_id}


def set_sitting_out(store: Store, workshop_id: int, activity: dict, delegate_id: int,
                    out: bool) -> set[int]:
    """"I'm sitting this one out" / "back again"; returns delegates whose cards changed."""
    with store.write() as db:
        db.execute("insert into connect_people (activity_id, delegate_id, sitting_out) "
                   "values (?, ?, ?) on conflict do update set sitting_out = excluded.sitting_out",
                   [activity["id"], delegate_id, int(out)])
    round_ = latest_round(store, activity["id"])
    if not out:
        return place_late(store, workshop_id, activity, delegate_id) | {delegate_id}
    affected = {delegate_id}
    if is_running(round_):
        mine = membership(store, round_["id"], delegate_id)
        if mine is not None:
            affected |= set(group_of(store, mine["group_id"]))
            with store.write() as db:
                db.execute("update connect_members set left_at = ? where id = ?",
                           [now(), mine["id"]])
    return affected


def save_contact(store: Store, workshop_id: int, delegate_id: int, contact: str | None):
    """Share contact details with the people met who share theirs (None stops sharing)."""
    with store.write() as db:
        if contact:
            db["contacts"].upsert({"delegate_id": delegate_id, "workshop_id": workshop_id,
                                   "contact": contact, "updated_at": now()}, pk="delegate_id")
        else:
            db.execute("delete from contacts where delegate_id = ?", [delegate_id])
