"""Organisation names: one organisation however it is typed.

"Surrey Heartlands ICB" typed on a phone and "Surrey Heartlands Integrated Care
Board" on the roster are one organisation. The facilitator merges such variants
(suggested here); the merge is stored per workshop as an alias from each
variant's normal form to the canonical name, so a later joiner who types the
variant is counted under the canonical name too. What each delegate typed is
kept as it was: un-merging gives it back.

Everything that groups or counts delegates by organisation (Connect keeping
colleagues apart, the connection map, the report) reads the canonical name
through `namer`, and nothing else.
"""
import json
import re
import unicodedata
from collections import Counter

from rapidfuzz import fuzz, process

from ..store import Store, now
from ..validation import Problem

# Short forms and their long ones, both sides compared in the long form.
ABBREVIATIONS = {
    "icb": "integrated care board",
    "ics": "integrated care system",
    "icp": "integrated care partnership",
    "pcn": "primary care network",
    "ccg": "clinical commissioning group",
    "ft": "foundation trust",
    "nhsft": "nhs foundation trust",
    "gp": "general practice",
    "gps": "general practice",
    "cic": "community interest company",
    "cvs": "council for voluntary service",
    "la": "local authority",
    "uni": "university",
    "univ": "university",
    "hosp": "hospital",
    "hosps": "hospitals",
    "st": "saint",
    "ltd": "limited",
    "dept": "department",
    "svc": "service",
    "svcs": "services",
    "assoc": "association",
    "natl": "national",
    "intl": "international",
    "govt": "government",
    "ctr": "centre",
    "center": "centre",
}
_DROPPED = {"the"}
_APOSTROPHES = re.compile(r"['’‘`´]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")

# Two names whose normal forms are this alike (0-100, rapidfuzz's ratio) look like
# one organisation: a typo or a missing word, not another council's department.
ALIKE = 90
MAX_SUGGESTIONS = 20
MAX_NAMES = 50           # names in one merge
MAX_NAME = 120           # as the join form's field


def normal(name: str) -> str:
    """The form two names of one organisation share: case, accents' encoding, "&"
    for "and", a leading "The", punctuation and spacing ignored, short forms
    (ICB, PCN, NHS FT...) spelt out."""
    value = unicodedata.normalize("NFKC", name or "").casefold().replace("&", " and ")
    value = _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", value))
    words = []
    for word in value.split():
        if word in _DROPPED:
            continue
        words.extend(ABBREVIATIONS.get(word, word).split())
    return " ".join(words)


def aliases(store: Store, workshop_id: int) -> dict[str, str]:
    """This workshop's merges: normal form of a variant -> the canonical name."""
    return {r["variant"]: r["canonical"] for r in store.all(
        "select variant, canonical from organisation_aliases where workshop_id = ?",
        [workshop_id])}


def namer(store: Store, workshop_id: int):
    """A function from an organisation as typed to the name it counts under here.
    The one place grouping, the connection map and the report read it from."""
    table = aliases(store, workshop_id)
    if not table:
        return lambda typed: typed or ""
    return lambda typed: table.get(normal(typed), typed) if typed else ""


def counts(store: Store, workshop_id: int, name=None) -> Counter:
    """People (not removed) per canonical organisation."""
    name = name or namer(store, workshop_id)
    out: Counter = Counter()
    for r in store.all("select organisation, count(*) as n from delegates where "
                       "workshop_id = ? and removed_at is null and organisation != '' "
                       "group by organisation", [workshop_id]):
        out[name(r["organisation"])] += r["n"]
    return out


def names(store: Store, workshop_id: int, limit: int = 300) -> list[str]:
    """Canonical organisation names of the roster and of those already in, most
    people first: what a phone's join form suggests (names only, never people)."""
    return [n for n, _ in sorted(counts(store, workshop_id).items(),
                                 key=lambda item: (-item[1], item[0]))[:limit]]


def suggest(store: Store, workshop_id: int, typed: str, limit: int = 6) -> list[str]:
    """Organisations a phone may mean by what it has typed so far: the name
    contains it, or looks like it spelt out ("ICB" -> "Integrated Care Board")."""
    wanted = normal(typed)
    if len(wanted) < 2:
        return []
    known = names(store, workshop_id, limit=1000)
    forms = [normal(n) for n in known]
    found = [n for n, f in zip(known, forms) if wanted in f]
    if len(found) < limit and len(wanted) >= 4:
        for _, score, index in process.extract(wanted, forms, scorer=fuzz.partial_ratio,
                                               limit=limit * 2, score_cutoff=85):
            if known[index] not in found:
                found.append(known[index])
    return found[:limit]


def merge_suggestions(store: Store, workshop_id: int) -> list[dict]:
    """Sets of names that look like one organisation, largest first: each
    {"names": [{"name", "people"}...], "canonical": the most used}."""
    sizes = counts(store, workshop_id)
    known = sorted(sizes, key=lambda n: (-sizes[n], n))
    forms = [normal(n) for n in known]
    parent = list(range(len(known)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(known) > 1:
        scores = process.cdist(forms, forms, scorer=fuzz.ratio, score_cutoff=ALIKE,
                               dtype="uint8")
        for i in range(len(known)):
            for j in range(i + 1, len(known)):
                if scores[i][j] or forms[i] == forms[j]:
                    parent[root(j)] = root(i)
    sets: dict[int, list[str]] = {}
    for i, n in enumerate(known):
        sets.setdefault(root(i), []).append(n)
    out = [{"names": [{"name": n, "people": sizes[n]} for n in group],
            "canonical": group[0]}
           for group in sets.values() if len(group) > 1]
    out.sort(key=lambda s: -sum(n["people"] for n in s["names"]))
    return out[:MAX_SUGGESTIONS]


def merged(store: Store, workshop_id: int) -> list[dict]:
    """The merges in force: {"canonical", "variants": [names as typed]} each."""
    table = aliases(store, workshop_id)
    by_canonical: dict[str, set] = {}
    for r in store.all("select distinct organisation from delegates where workshop_id = ? "
                       "and organisation != ''", [workshop_id]):
        canonical = table.get(normal(r["organisation"]))
        if canonical and canonical != r["organisation"]:
            by_canonical.setdefault(canonical, set()).add(r["organisation"])
    return [{"canonical": c, "variants": sorted(v)} for c, v in sorted(by_canonical.items())]


def _present(store: Store, workshop_id: int) -> set[str]:
    """Every organisation of this workshop as typed, and as it is counted."""
    name = namer(store, workshop_id)
    typed = {r["organisation"] for r in store.all(
        "select distinct organisation from delegates where workshop_id = ? "
        "and organisation != ''", [workshop_id])}
    return typed | {name(t) for t in typed}


def merge(store: Store, workshop_id: int, variants: list[str], canonical: str) -> dict:
    """Count every delegate of these organisations under `canonical` (one of them),
    now and for those who join later typing one of them; return the merge."""
    wanted = list(dict.fromkeys(v for v in variants if v))
    if canonical not in wanted:
        raise Problem("invalid", "Merge as one of the names being merged.", "canonical")
    if len(wanted) < 2:
        raise Problem("invalid", "Choose at least two names to merge.", "names")
    present = _present(store, workshop_id)
    missing = [v for v in wanted if v not in present]
    if missing:
        raise Problem("not_found", f"No delegate here is from “{missing[0][:60]}”.", "names")
    keys = {normal(v) for v in wanted}
    stamp = now()
    with store.write() as db:
        # Names merged into one of these before now follow it into the new one.
        db.execute("update organisation_aliases set canonical = ? where workshop_id = ? "
                   "and canonical in (select value from json_each(?))",
                   [canonical, workshop_id, json.dumps(wanted)])
        for key in keys:
            db.execute("insert into organisation_aliases (workshop_id, variant, canonical, "
                       "created_at) values (?, ?, ?, ?) on conflict (workshop_id, variant) "
                       "do update set canonical = excluded.canonical",
                       [workshop_id, key, canonical, stamp])
    return next((m for m in merged(store, workshop_id) if m["canonical"] == canonical),
                {"canonical": canonical, "variants": []})


def unmerge(store: Store, workshop_id: int, canonical: str) -> int:
    """Undo the merges into `canonical`: each delegate counts under the name they
    typed again. Returns how many names were merged into it."""
    if canonical not in _present(store, workshop_id):
        raise Problem("not_found", f"No delegate here is from “{canonical[:60]}”.",
                      "organisation")
    undone = sum(len(m["variants"]) for m in merged(store, workshop_id)
                 if m["canonical"] == canonical)
    with store.write() as db:
        db.execute("delete from organisation_aliases where workshop_id = ? "
                   "and canonical = ?", [workshop_id, canonical])
    return undone

