"""Connect's CSV files: every round's groups, and every meeting made."""
import json

from ..workshops.organisations import namer
from . import domain


def groups(store, activity: dict):
    """Every round's groups: who was placed where, and who found their group."""
    rows = store.all(
        "select r.number as round, g.number as grp, g.meeting_point, d.name, d.organisation, "
        "d.role, m.found_at is not null as found, m.left_at is not null as moved, m.late "
        "from connect_members m join connect_groups g on g.id = m.group_id "
        "join connect_rounds r on r.id = m.round_id join delegates d on d.id = m.delegate_id "
        "where r.activity_id = ? order by r.number, g.number, m.id", [activity["id"]])
    yes = {True: "yes", False: "no"}
    return (["round", "group", "meeting point", "name", "organisation", "role", "found",
             "moved", "joined late"],
            ([r["round"], r["grp"], r["meeting_point"], r["name"], r["organisation"], r["role"],
              yes[bool(r["found"])], yes[bool(r["moved"])], yes[bool(r["late"])]] for r in rows))


def meetings(store, activity: dict):
    """Every meeting made, marked new or already known."""
    people = {r["id"]: r for r in store.all(
        "select id, name, organisation, role from delegates where workshop_id = ?",
        [activity["workshop_id"]])}
    known = domain.known_pairs(store, activity["workshop_id"])
    organisation = namer(store, activity["workshop_id"])  # merged variants count as one
    rows = []
    for m in domain.meetings(store, activity["id"]):
        a, b = people[m["a"]], people[m["b"]]
        rows.append([m["round"], a["name"], a["organisation"], a["role"], b["name"],
                     b["organisation"], b["role"],
                     "yes" if organisation(a["organisation"]) != organisation(b["organisation"])
                     else "no",
                     "already knew" if frozenset((m["a"], m["b"])) in known else "new"])
    return (["round", "name", "organisation", "role", "met", "their organisation",
             "their role", "across organisations", "connection"], rows)


def rotation(store, plan: dict):
    """A planned rotation: one row per person per round."""
    details = {p["name"]: p for p in store.all(
        "select name, organisation from delegates where workshop_id = ? and name != ''",
        [plan["workshop_id"]])}
    return (["round", "group", "name", "organisation"],
            ([number, group_number, member, details.get(str(member), {}).get("organisation", "")]
             for number, groups in enumerate(plan["result"]["rounds"], start=1)
             for group_number, group in enumerate(groups, start=1) for member in group))


def plans(store, workshop_id: int):
    """(file name, header, rows) of every rotation planned for a workshop."""
    for plan in store.all("select * from plans where workshop_id = ? order by id",
                          [workshop_id]):
        plan["result"] = json.loads(plan["result"])
        yield (f"rotation-{plan['id']}.csv", *rotation(store, plan))
