"""What each screen is shown of a Connect activity."""
from collections import Counter

from ..store import Store, now
from ..workshops.organisations import namer
from . import domain, templates


def _round_public(round_: dict) -> dict:
    return {"number": round_["number"], "kind": round_["kind"], "size": round_["size"],
            "prompt": round_["prompt"], "started_at": round_["started_at"],
            "ends_at": round_["ends_at"], "running": domain.is_running(round_),
            "turns": round_["turns"], "phases": round_["phases"],
            "regroup_at": round_["started_at"] + round_["grace_seconds"]}


def public(store: Store, activity: dict) -> dict:
    """Round number, prompt and deadline for every screen; the results once shown."""
    plan = templates.expand(activity["config"])
    round_ = domain.latest_round(store, activity["id"])
    out = {"total_rounds": len(plan), "template": activity["config"]["template"],
           "round": _round_public(round_) if round_ else None,
           "next": None, "summary": None}
    number = round_["number"] if round_ else 0
    if number < len(plan):
        upcoming = plan[number]
        out["next"] = {"number": number + 1, "kind": upcoming["kind"], "size": upcoming["size"],
                       "prompt": upcoming["prompt"]}
    if domain.summary_shown(store, activity["id"]):
        out["summary"] = summary(store, activity)
    return out


def summary(store: Store, activity: dict) -> dict:
    """Headline counts and the connection map: organisations and the meetings between them."""
    workshop_id = activity["workshop_id"]
    made = domain.meetings(store, activity["id"])
    known = domain.known_pairs(store, workshop_id)
    organisation = namer(store, workshop_id)  # merged variants count as one
    orgs = {r["id"]: organisation(r["organisation"]) for r in store.all(
        "select id, organisation from delegates where workshop_id = ?", [workshop_id])}
    taking_part = {r["delegate_id"] for r in store.all(
        "select distinct m.delegate_id from connect_members m join connect_rounds r "
        "on r.id = m.round_id where r.activity_id = ?", [activity["id"]])}
    new = {frozenset((m["a"], m["b"])) for m in made} - known
    links: Counter = Counter()
    for a, b in (tuple(p) for p in new):
        if orgs.get(a) != orgs.get(b):
            links[tuple(sorted((orgs.get(a, ""), orgs.get(b, ""))))] += 1
    sizes = Counter(orgs[d] for d in taking_part if d in orgs)
    connected = {o for link in links for o in link}
    return {
        "new_connections": len(new),
        "cross_organisation": sum(links.values()),
        "organisations_connected": len(connected),
        "organisations": len(sizes),
        "people": len(taking_part),
        "already_knew": len({frozenset((m["a"], m["b"])) for m in made} & known),
        "nodes": [{"name": o, "people": n} for o, n in sorted(sizes.items())],
        "links": [{"a": a, "b": b, "meetings": n} for (a, b), n in sorted(links.items())],
    }


def cards(store: Store, workshop_id: int, activity: dict, only=None) -> dict[int, dict]:
    """Each delegate's own view (their group card, or why they have none)."""
    round_ = domain.latest_round(store, activity["id"])
    out_ids = domain.sitting_out(store, activity["id"])
    sql, params = ("select id from delegates where workshop_id = ? and token_hash is not null",
                   [workshop_id])
    if only is not None:  # a phone or a group: read just those, not the whole room
        only = sorted(only)
        sql += f" and id in ({','.join('?' * len(only))})"
        params += only
    targets = [r["id"] for r in store.all(sql, params)]
    result = {d: {"sitting_out": d in out_ids, "group": None} for d in targets}
    if round_ is not None and round_["kind"] in ("groups", "merge") and targets:
        known = domain.known_pairs(store, workshop_id)
        by_group: dict[int, list[dict]] = {}
        for m in domain.members(store, round_["id"], of=None if only is None else targets):
            by_group.setdefault(m["group_id"], []).append(m)
        for group in by_group.values():
            for index, m in enumerate(group):
                if m["delegate_id"] not in result:
                    continue
                result[m["delegate_id"]]["group"] = {
                    "round": round_["number"], "number": m["group_number"],
                    "meeting_point": m["meeting_point"], "found": m["found_at"] is not None,
                    "cant_find": m["cant_find_at"] is not None, "position": index,
                    # Put in this group after the round began: regrouped, not late.
                    "regrouped": (m["placed_at"] or 0) > round_["started_at"] and not m["late"],
                    "lost_by": [o["delegate_id"] for o in group
                                if o["cant_find_at"] is not None and not o["found_at"]
                                and o["delegate_id"] != m["delegate_id"]],
                    "members": [{"id": o["delegate_id"], "name": o["name"],
                                 "organisation": o["organisation"], "role": o["role"],
                                 "found": o["found_at"] is not None,
                                 "known": frozenset((o["delegate_id"], m["delegate_id"]))
                                 in known}
                                for o in group if o["delegate_id"] != m["delegate_id"]]}
    if domain.summary_shown(store, activity["id"]):
        contacts = {r["delegate_id"]: r["contact"] for r in store.all(
            "select delegate_id, contact from contacts where workshop_id = ?", [workshop_id])}
        for delegate_id, card in met_lists(store, workshop_id, activity, targets).items():
            result[delegate_id]["met"] = card
            result[delegate_id]["my_contact"] = contacts.get(delegate_id)
    return result


def met_lists(store: Store, workshop_id: int, activity: dict, targets) -> dict[int, list]:
    """The people each delegate met, with contact details shared both ways."""
    people = {r["id"]: r for r in store.all(
        "select id, name, organisation, role from delegates where workshop_id = ?",
        [workshop_id])}
    contacts = {r["delegate_id"]: r["contact"] for r in store.all(
        "select delegate_id, contact from contacts where workshop_id = ?", [workshop_id])}
    met: dict[int, dict[int, int]] = {d: {} for d in targets}
    for m in domain.meetings(store, activity["id"]):
        for me, other in ((m["a"], m["b"]), (m["b"], m["a"])):
            if me in met:
                met[me].setdefault(other, m["round"])
    return {me: [{"id": o, "name": people[o]["name"],
                  "organisation": people[o]["organisation"], "role": people[o]["role"],
                  "round": number,
                  "contact": contacts.get(o) if me in contacts and o in contacts else None}
                 for o, number in sorted(others.items(), key=lambda kv: kv[1])]
            for me, others in met.items()}


def control(store: Store, workshop_id: int, activity: dict, present: set[int]) -> dict:
    """Groups, who has found their group, stragglers and counts, for control screens."""
    round_ = domain.latest_round(store, activity["id"])
    out_ids = domain.sitting_out(store, activity["id"])
    result = {"groups": [], "stragglers": [], "progress": progress(store, activity),
              "present": len(present - out_ids), "sitting_out": len(out_ids)}
    if round_ is None or round_["kind"] not in ("groups", "merge"):
        return result
    late_grace = round_["started_at"] + round_["grace_seconds"]
    groups: dict[int, dict] = {}
    for m in domain.members(store, round_["id"]):
        group = groups.setdefault(m["group_id"], {
            "number": m["group_number"], "meeting_point": m["meeting_point"], "members": []})
        group["members"].append({
            "id": m["delegate_id"], "name": m["name"], "organisation": m["organisation"],
            "role": m["role"], "found": m["found_at"] is not None,
            "cant_find": m["cant_find_at"] is not None, "late": bool(m["late"])})
        if m["found_at"] is None and now() >= late_grace and domain.is_running(round_):
            result["stragglers"].append({"id": m["delegate_id"], "name": m["name"],
                                         "group": m["group_number"]})
    result["groups"] = list(groups.values())
    return result


def table_list(store: Store, activity: dict) -> list[dict]:
    """The running round's groups for the projector: number, meeting point, first names
    with the initial of the last (enough to find yourself, from the back of a hall)."""
    round_ = domain.latest_round(store, activity["id"])
    if not domain.is_running(round_) or round_["kind"] not in ("groups", "merge"):
        return []
    groups: dict[int, dict] = {}
    for m in domain.members(store, round_["id"]):
        words = (m["name"] or "").split()
        short = " ".join(words[:1] + [w[0] + "." for w in words[1:2]]) if words else "Someone"
        groups.setdefault(m["group_id"], {"number": m["group_number"],
                                          "meeting_point": m["meeting_point"],
                                          "names": []})["names"].append(short)
    return list(groups.values())


def progress(store: Store, activity: dict) -> dict:
    """How many people are placed and have found their group in the latest round."""
    round_ = domain.latest_round(store, activity["id"])
    if round_ is None:
        return {"round": None, "placed": 0, "found": 0}
    row = store.one("select count(*) as placed, count(found_at) as found from connect_members "
                    "where round_id = ? and left_at is null", [round_["id"]])
    return {"round": round_["number"], **row}
