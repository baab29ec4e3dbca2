"""Live grouping: the groups of one round from the people present and the history so far.

Pure functions on plain data: no Flask, no I/O, no global random state. The same
inputs and seed give the same groups (see `group_round` for the one caveat, a
time budget that runs out).

Costs are strictly lexicographic, highest first:

1. repeated pairs (pairs in `met`: earlier rounds and declared acquaintances);
2. same-organisation pairs (if `rules.separate_organisations`);
3. same-role plus same-sector pairs (each if its rule is on);
4. odd-group fairness: the summed `odd_counts` of the people in larger groups
   (groups of more than `size`), so those who were in fewer larger groups get
   the extra places.

Each tier's weight is one more than the largest total the tiers below it can
reach for this roster (Python integers do not overflow), so no amount of a lower
tier ever outweighs one unit of a higher tier.

Likenesses compare organisation, role and sector case-insensitively with spaces
collapsed; a blank value never matches anything (unknown is not "the same").
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping

from .model import MixRules, Person, PersonId, group_sizes, pair

MIN_SIZE, MAX_SIZE = 2, 6

__all__ = ["MIN_SIZE", "MAX_SIZE", "group_round", "round_stats", "unavoidable_same_org_pairs",
           "place_late", "regroup", "round_pairs", "count_odd"]


# ---------------------------------------------------------------- input checks

def _check_size(size) -> None:
    """Refuse a group size outside MIN_SIZE..MAX_SIZE."""
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"group size must be a whole number from {MIN_SIZE} to {MAX_SIZE}, "
                         f"got {size!r}")


def _unique(people: Iterable[Person]) -> list[Person]:
    """The people as a list, refusing duplicate ids."""
    people = list(people)
    seen, dups = set(), []
    for p in people:
        if p.id in seen:
            dups.append(p.id)
        seen.add(p.id)
    if dups:
        shown = ", ".join(sorted({repr(d) for d in dups})[:10])
        raise ValueError(f"duplicate person ids: {shown}")
    return people


def _norm(value) -> str:
    """A likeness key: case-insensitive, spaces collapsed; blank means unknown."""
    return " ".join(str(value or "").split()).casefold()


def _forced_pairs(counts: Iterable[int], groups: int) -> int:
    """Least same-value pairs when values with these counts fill `groups` groups."""
    total = 0
    for k in counts:
        if k > groups:  # spread as evenly as possible: r groups get q+1, the rest q
            q, r = divmod(k, groups)
            total += r * (q + 1) * q // 2 + (groups - r) * q * (q - 1) // 2
    return total


def unavoidable_same_org_pairs(people: Iterable[Person], size: int) -> int:
    """A lower bound on the same-organisation pairs of any grouping of the present people.

    With g = len(group_sizes(n, size)) groups, an organisation of k > g present
    members must share groups: at best each group holds floor(k/g) or ceil(k/g)
    of them, giving r*C(q+1, 2) + (g-r)*C(q, 2) pairs (q, r = divmod(k, g)).
    Organisations never share pairs, so the sum over organisations is a bound.
    Group capacity is not otherwise taken into account, so the bound can be
    below the true optimum on rosters dominated by a few organisations.
    """
    _check_size(size)
    present = [p for p in _unique(people) if p.present]
    groups = len(group_sizes(len(present), size))
    counts = Counter(k for k in (_norm(p.organisation) for p in present) if k)
    return _forced_pairs(sorted(counts.values()), groups) if groups else 0


# ---------------------------------------------------------------- small helpers

def round_pairs(groups: Iterable[Iterable[PersonId]]) -> set[frozenset]:
    """Every pair that met in these groups (to add to `met` for the next rounds)."""
    out = set()
    for group in groups:
        members = list(group)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out.add(pair(a, b))
    return out


def count_odd(groups: Iterable[Iterable[PersonId]], size: int,
              odd_counts: Mapping[PersonId, int] | None = None) -> dict[PersonId, int]:
    """odd_counts updated with this round: +1 for everyone in a group larger than `size`."""
    out = dict(odd_counts or {})
    for group in groups:
        members = list(group)
        if len(members) > size:
            for m in members:
                out[m] = out.get(m, 0) + 1
    return out


def _as_mapping(people) -> Mapping[PersonId, Person]:
    """People by id, from a mapping or an iterable of Person."""
    if isinstance(people, Mapping):
        return people
    return {p.id: p for p in _unique(people)}


def round_stats(groups: Iterable[Iterable[PersonId]], met: Iterable[frozenset], people,
                rules: MixRules = MixRules()) -> dict:
    """Counts describing a round: groups, repeated and same-likeness pairs, group sizes.

    `people` is a mapping id -> Person or an iterable of Person. Likeness counts
    are reported whatever `rules` says (they describe the round); blank values
    never count as the same. `rules` is accepted for symmetry with the grouper.
    """
    del rules  # the statistics describe every likeness, separated or not
    people = _as_mapping(people)
    met = {frozenset(m) for m in met}
    groups = [list(g) for g in groups]
    stats = {"groups": len(groups), "repeat_pairs": 0, "same_org_pairs": 0,
             "same_role_pairs": 0, "same_sector_pairs": 0,
             "sizes": dict(sorted(Counter(len(g) for g in groups).items()))}
    blank = Person(id=None)
    for group in groups:
        for i, a in enumerate(group):
            pa = people.get(a, blank)
            for b in group[i + 1:]:
                pb = people.get(b, blank)
                stats["repeat_pairs"] += pair(a, b) in met
                for key, attr in (("same_org_pairs", "organisation"),
                                  ("same_role_pairs", "role"), ("same_sector_pairs", "sector")):
                    va = _norm(getattr(pa, attr))
                    stats[key] += bool(va) and va == _norm(getattr(pb, attr))
    return stats


# ---------------------------------------------------------------- the grouper

class _Round:
    """The search state of one round: people as indices 0..n-1, groups as index lists."""

    # Tuned on late rounds of roster-120 in groups of 6, the hardest sample case:
    # tabu tenure TMIN + 0..TR-1 steps (short works best); best swap of SAMPLE
    # conflicted people per step; a kick after KICK + n steps without gain; with
    # no repeats left, a step looks at any tier with probability ANY_TIER.
    TMIN, TR, SAMPLE, KICK, ANY_TIER = 1, 3, 3, 50, 0.2

    def __init__(self, present: list[Person], sizes: list[int], size: int,
                 met: Iterable[frozenset], rules: MixRules,
                 odd_counts: Mapping[PersonId, int] | None):
        """Index the people, encode the likenesses, weigh the tiers, start with no groups."""
        n = self.n = len(present)
        self.size = size
        self.sizes = sizes
        self.G = len(sizes)
        pos = {p.id: i for i, p in enumerate(present)}
        adj = self.adj = [set() for _ in range(n)]
        for m in met:
            if len(m) != 2:
                continue
            a, b = m
            ia, ib = pos.get(a), pos.get(b)
            if ia is not None and ib is not None and ia != ib:
                adj[ia].add(ib)
                adj[ib].add(ia)
        odd_counts = odd_counts or {}
        self.oc = [max(0, int(odd_counts.get(p.id, 0))) for p in present]

        # Attribute values as small ints; -1 (blank, or rule off) indexes a counter
        # slot that is never incremented, so it never counts as a likeness.
        def encode(attr, on):
            """Per person, a small int for the attribute's value (-1: blank or rule off)."""
            if not on:
                return [-1] * n, 0
            index, out = {}, []
            for p in present:
                key = _norm(getattr(p, attr))
                out.append(index.setdefault(key, len(index)) if key else -1)
            return out, len(index)

        self.vo, self.no = encode("organisation", rules.separate_organisations)
        self.vr, self.nr = encode("role", rules.separate_roles)
        self.vs, self.ns = encode("sector", rules.separate_sectors)

        # Tier weights: each is one more than the most the tiers below can add up to.
        pairs = sum(s * (s - 1) // 2 for s in sizes)
        large_places = sum(s for s in sizes if s > size)
        odd_max = sum(sorted(self.oc, reverse=True)[:large_places])
        self.WS = self.WR = odd_max + 1
        self.WO = self.WR * (2 * pairs + 1)
        self.R = self.WO * (pairs + 1)

        # Lower bound of the total: a search that reaches it can stop.
        G = self.G
        lb = self.WO * _forced_pairs(Counter(v for v in self.vo if v >= 0).values(), G)
        lb += self.WR * _forced_pairs(Counter(v for v in self.vr if v >= 0).values(), G)
        lb += self.WS * _forced_pairs(Counter(v for v in self.vs if v >= 0).values(), G)
        lb += sum(sorted(self.oc)[:large_places])
        self.lower_bound = lb

        self.members = [[] for _ in range(G)]
        self.gof = [-1] * n
        self.co = [[0] * (self.no + 1) for _ in range(G)]
        self.cr = [[0] * (self.nr + 1) for _ in range(G)]
        self.cs = [[0] * (self.ns + 1) for _ in range(G)]
        self.goc = [0] * G
        self.own = [0] * n
        self.gmax = [0] * G  # the largest `own` in each group
        self.max_oc = max(self.oc)

    # -- costs

    def cost_to(self, i: int, g: int) -> int:
        """Pair cost of person i with the members of group g (i not in g)."""
        a = self.adj[i]
        rep = 0
        for m in self.members[g]:
            if m in a:
                rep += 1
        return (self.R * rep + self.WO * self.co[g][self.vo[i]]
                + self.WR * self.cr[g][self.vr[i]] + self.WS * self.cs[g][self.vs[i]])

    def add(self, i: int, g: int) -> None:
        """Put person i into group g, updating the counters (not `own`)."""
        self.members[g].append(i)
        self.gof[i] = g
        if self.vo[i] >= 0:
            self.co[g][self.vo[i]] += 1
        if self.vr[i] >= 0:
            self.cr[g][self.vr[i]] += 1
        if self.vs[i] >= 0:
            self.cs[g][self.vs[i]] += 1
        self.goc[g] += self.oc[i]

    def remove(self, i: int, g: int) -> None:
        """Take person i out of group g, updating the counters (not `own`)."""
        self.members[g].remove(i)
        if self.vo[i] >= 0:
            self.co[g][self.vo[i]] -= 1
        if self.vr[i] >= 0:
            self.cr[g][self.vr[i]] -= 1
        if self.vs[i] >= 0:
            self.cs[g][self.vs[i]] -= 1
        self.goc[g] -= self.oc[i]

    def refresh(self, g: int) -> None:
        """Recompute `own` (pair cost with group-mates) for everyone in group g."""
        vo, vr, vs, own = self.vo, self.vr, self.vs, self.own
        top = 0
        for i in self.members[g]:
            # cost_to counts i's own attribute values once; take them back out.
            c = own[i] = (self.cost_to(i, g) - self.WO * (vo[i] >= 0) - self.WR * (vr[i] >= 0)
                          - self.WS * (vs[i] >= 0))
            if c > top:
                top = c
        self.gmax[g] = top

    def total(self) -> int:
        """The lexicographic cost of the current grouping."""
        size = self.size
        odd = sum(self.goc[g] for g in range(self.G) if len(self.members[g]) > size)
        return sum(self.own) // 2 + odd

    # -- construction

    def greedy(self, rng: random.Random) -> None:
        """Deal people, most constrained first, each into the cheapest open group."""
        n, G, vo, adj, oc = self.n, self.G, self.vo, self.adj, self.oc
        org_size = Counter(v for v in vo if v >= 0)
        tie = [rng.random() for _ in range(n)]
        # Largest organisations first, members together, so dealing spreads them over
        # consecutive groups; then most history; a seeded tie-break.
        order = sorted(range(n), key=lambda i: (-org_size.get(vo[i], 1), vo[i], -len(adj[i]),
                                                tie[i]))
        cap = self.sizes
        large = [s > self.size for s in cap]
        open_groups = list(range(G))
        ptr = 0
        for i in order:
            best_k, best_c = 0, None
            n_open = len(open_groups)
            for step in range(n_open):
                k = ptr + step
                if k >= n_open:
                    k -= n_open
                g = open_groups[k]
                c = self.cost_to(i, g) + (oc[i] if large[g] else 0)
                if c == 0:
                    best_k, best_c = k, 0
                    break
                if best_c is None or c < best_c:
                    best_k, best_c = k, c
            g = open_groups[best_k]
            self.add(i, g)
            if len(self.members[g]) >= cap[g]:
                del open_groups[best_k]
                ptr = best_k
            else:
                ptr = best_k + 1
            if open_groups and ptr >= len(open_groups):
                ptr = 0
        for g in range(G):
            self.refresh(g)

    # -- local search

    def search(self, rng: random.Random, deadline: float, stall_limit: int) -> None:
        """Tabu search over swaps and size-keeping moves until optimal, stalled or out of time."""
        n, size = self.n, self.size
        members, gof, own, oc = self.members, self.gof, self.own, self.oc
        R, WO = self.R, self.WO
        self.cur = cur = self.total()
        self.best = best = cur
        lb = self.lower_bound
        if cur <= lb:
            return
        best_gof = gof[:]
        self.tabu = tabu = [[0] * n for _ in range(self.G)]  # step until i may not re-enter g
        self.rep = [0] * n
        step = last_gain = last_kick = 0
        kick_every = self.KICK + n
        perf = time.perf_counter
        sample = self.SAMPLE
        while cur > lb and step - last_gain < stall_limit and perf() < deadline:
            step += 1
            self.step = step
            # Work on people in the worst tier of conflict (now and then any tier).
            top = max(own)
            if top >= R:
                thr = R  # repeats first, always
            elif rng.random() < self.ANY_TIER:
                thr = 1
            else:
                thr = WO if top >= WO else 1
            cands = [i for i in range(n) if own[i] >= thr]
            if thr == 1:
                normal = [oc[i] for i in range(n) if len(members[gof[i]]) <= size]
                low = min(normal) if normal else 0
                cands += [i for i in range(n)
                          if own[i] == 0 and oc[i] > low and len(members[gof[i]]) > size]
            if not cands:
                break
            if step - max(last_gain, last_kick) >= kick_every:
                # Stuck on a plateau or in a cycle the short tabu list cannot break:
                # shake up a few random pairs and walk on from there.
                last_kick = step
                for _ in range(2):
                    p = cands[rng.randrange(len(cands))]
                    q = rng.randrange(n - 1)
                    q += q >= p
                    A, B = gof[p], gof[q]
                    if A != B:
                        self.remove(p, A)
                        self.remove(q, B)
                        self.add(q, A)
                        self.add(p, B)
                        self.refresh(A)
                        self.refresh(B)
                self.cur = cur = self.total()
                if cur < best:
                    self.best = best = cur
                    best_gof, last_gain = gof[:], step
                continue
            if len(cands) > sample:
                cands = rng.sample(cands, sample)
            found = None
            for p in cands:
                d, q, g = self.best_swap(p, rng, found[0] if found else None)
                if d is not None and (found is None or d < found[0]):
                    found = (d, p, q, g)
            if found is None:
                continue
            d, p, q, B = found
            A = gof[p]
            tenure = self.TMIN + rng.randrange(self.TR)
            tabu[A][p] = step + tenure
            self.remove(p, A)
            if q is not None:
                tabu[B][q] = step + tenure
                self.remove(q, B)
                self.add(q, A)
            self.add(p, B)
            self.refresh(A)
            self.refresh(B)
            self.cur = cur = cur + d
            if cur < best:
                self.best = best = cur
                best_gof, last_gain = gof[:], step
        if cur != best:  # the tabu walk ended uphill: go back to the best seen
            self.rebuild(best_gof)

    def best_swap(self, p: int, rng: random.Random, bound) -> tuple:
        """The best allowed swap for p as (delta, q, group); q is None for a move; below `bound`."""
        G, size = self.G, self.size
        members, gof, own, adj, oc, goc = (self.members, self.gof, self.own, self.adj, self.oc,
                                           self.goc)
        vo, vr, vs, gmax, rep, tabu = self.vo, self.vr, self.vs, self.gmax, self.rep, self.tabu
        R, WO, WR, WS = self.R, self.WO, self.WR, self.WS
        step, cur, best = self.step, self.cur, self.best
        A = gof[p]
        memA = members[A]
        la = len(memA) > size
        ownp, ocp, metp = own[p], oc[p], adj[p]
        po, pr_, ps = vo[p], vr[p], vs[p]
        pco = po if po >= 0 else -2  # -2 matches nobody: blanks are never alike
        pcr = pr_ if pr_ >= 0 else -2
        pcs = ps if ps >= 0 else -2
        max_oc = self.max_oc
        # p's cost towards every group.
        repg = [0] * G
        for x in metp:
            repg[gof[x]] += 1
        co, cr, cs = self.co, self.cr, self.cs
        cpB = [R * repg[g] + WO * co[g][po] + WR * cr[g][pr_] + WS * cs[g][ps] for g in range(G)]
        # Group A without p, seen from everyone else.
        coA, crA, csA = co[A][:], cr[A][:], cs[A][:]
        if po >= 0:
            coA[po] -= 1
        if pr_ >= 0:
            crA[pr_] -= 1
        if ps >= 0:
            csA[ps] -= 1
        others = [m for m in memA if m != p]
        for m in others:
            for x in adj[m]:
                rep[x] += 1
        tabuA = tabu[A]
        goc_A = goc[A] if la else 0
        best_d = bound
        best_q = best_g = None
        off = rng.randrange(G)
        for k in range(G):
            g = off + k
            if g >= G:
                g -= G
            if g == A:
                continue
            mem = members[g]
            base = cpB[g] - ownp
            lg = len(mem) > size
            of = la - lg
            # Skip a group no swap with which can beat the best found: p still pays
            # for all but one member, and a member leaving saves at most gmax.
            if best_d is not None and len(mem) + 1 != len(memA):
                co_g, cr_g, cs_g = co[g], cr[g], cs[g]
                w_cap = ((R if repg[g] else 0) + (WO if co_g[po] else 0)
                         + (WR if cr_g[pr_] else 0) + (WS if cs_g[ps] else 0))
                if base - w_cap - gmax[g] - (ocp if of > 0 else max_oc if of else 0) >= best_d:
                    continue
            ptabu = tabu[g][p] > step
            # A move keeps the multiset of sizes when p leaves a group one larger.
            if len(mem) + 1 == len(memA):
                d = base + ((goc[g] + ocp if len(mem) + 1 > size else 0)
                            - (goc[g] if lg else 0) - goc_A
                            + (goc[A] - ocp if len(memA) - 1 > size else 0))
                if (best_d is None or d < best_d) and (not ptabu or cur + d < best):
                    best_d, best_q, best_g = d, None, g
            for q in mem:
                d = (base + R * rep[q] + WO * coA[vo[q]] + WR * crA[vr[q]] + WS * csA[vs[q]]
                     - own[q])
                if q in metp:
                    d -= R
                if vo[q] == pco:
                    d -= WO
                if vr[q] == pcr:
                    d -= WR
                if vs[q] == pcs:
                    d -= WS
                if of:
                    d += of * (oc[q] - ocp)
                if best_d is None or d < best_d:
                    if (ptabu or tabuA[q] > step) and cur + d >= best:
                        continue
                    best_d, best_q, best_g = d, q, g
        for m in others:
            for x in adj[m]:
                rep[x] -= 1
        if best_g is None:
            return None, None, None
        return best_d, best_q, best_g

    def rebuild(self, gof: list[int]) -> None:
        """Reset the groups to an earlier assignment."""
        G = self.G
        self.members = [[] for _ in range(G)]
        self.co = [[0] * (self.no + 1) for _ in range(G)]
        self.cr = [[0] * (self.nr + 1) for _ in range(G)]
        self.cs = [[0] * (self.ns + 1) for _ in range(G)]
        self.goc = [0] * G
        self.gmax = [0] * G
        for i, g in enumerate(gof):
            self.add(i, g)
        for g in range(G):
            self.refresh(g)


def group_round(people: Iterable[Person], size: int, *, met: Iterable[frozenset] = (),
                rules: MixRules = MixRules(), odd_counts: Mapping[PersonId, int] | None = None,
                seed: int = 0, time_budget: float = 0.05) -> list[list[PersonId]]:
    """The groups of one round for the people present, as lists of ids.

    Group sizes are `group_sizes(n, size)`. Groups come largest first (the
    size+1 groups lead), then in order of their first member; members keep the
    order in which `people` listed them.

    A greedy deal (largest organisations and most history first, each person
    into the cheapest open group) is improved by a tabu search over swaps
    between groups (with a random kick when it stalls), stopping at a proven
    optimum (the lower bound: no repeats, the unavoidable likeness pairs, the
    lowest odd counts in the larger groups), after `2n + 200` steps without
    improvement, or when `time_budget` seconds (wall-clock, counted from the
    call) are spent, keeping the best grouping seen. The result depends only on
    the inputs and `seed` unless the time budget is what stopped the search.
    """
    started = time.perf_counter()
    _check_size(size)
    present = [p for p in _unique(people) if p.present]
    n = len(present)
    if n == 0:
        return []
    sizes = group_sizes(n, size)
    if len(sizes) == 1:
        return [[p.id for p in present]]
    state = _Round(present, sizes, size, met, rules, odd_counts)
    rng = random.Random(seed)
    state.greedy(rng)
    state.search(rng, started + time_budget, 2 * n + 200)
    groups = sorted((sorted(m) for m in state.members), key=lambda m: (-len(m), m[0]))
    return [[present[i].id for i in m] for m in groups]


# ---------------------------------------------------------------- during a round

def _likeness_cost(person: Person, others: Iterable[Person], met: set, rules: MixRules) -> tuple:
    """(repeats, same organisation, same role + sector) of a person with some others."""
    rep = org = rest = 0
    keys = [_norm(person.organisation), _norm(person.role), _norm(person.sector)]
    for o in others:
        rep += pair(person.id, o.id) in met
        if rules.separate_organisations and keys[0] and keys[0] == _norm(o.organisation):
            org += 1
        if rules.separate_roles and keys[1] and keys[1] == _norm(o.role):
            rest += 1
        if rules.separate_sectors and keys[2] and keys[2] == _norm(o.sector):
            rest += 1
    return rep, org, rest


def place_late(groups: list[list[PersonId]], person: Person, people: Mapping[PersonId, Person],
               met: Iterable[frozenset], rules: MixRules, max_size: int,
               avoid: Iterable[frozenset] = ()) -> int:
    """Index of the best existing group for someone joining a running round.

    Preference, in order: a group with nobody from `avoid` in it (pairs who must
    not be put together now, e.g. someone and the group they could not find); a
    group below `max_size` (a full one only if all
    are); a group with someone in it (joining an empty one means being alone);
    least cost (repeats, then organisation, then role plus sector, as `rules`
    says); the smallest group; the first. Members missing from `people` count
    only for repeats.
    """
    if not groups:
        raise ValueError("place_late needs at least one existing group")
    met = met if isinstance(met, (set, frozenset)) else {frozenset(m) for m in met}
    avoid = {frozenset(m) for m in avoid}
    best = None
    for index, group in enumerate(groups):
        others = [people.get(m) or Person(id=m) for m in group if m != person.id]
        blocked = any(pair(person.id, o.id) in avoid for o in others)
        key = (blocked, len(others) >= max_size, not others, _likeness_cost(person, others, met, rules),
               len(others), index)
        if best is None or key < best:
            best = key
    return best[-1]


def regroup(unfound: list[Person], size: int, groups: list[list[PersonId]],
            people: Mapping[PersonId, Person], met: Iterable[frozenset],
            rules: MixRules = MixRules(), seed: int = 0, avoid: Iterable[frozenset] = ()
            ) -> tuple[list[list[PersonId]], list[tuple[PersonId, int]]]:
    """New groups for people who could not find theirs, and placements into existing groups.

    `avoid` holds pairs that must not be put together by this regroup (someone and
    the group they could not find); no one is ever placed with a person they avoid
    while any other place exists. Joining an existing group comes first: each
    unfound person goes, by `place_late`, to a group with room for one more
    (at most size+1) and nobody they avoid, so a pair becomes a trio rather than
    two lost strangers becoming a new pair. Those left over once every group is
    full are grouped among themselves (`group_round`, with `met` and `avoid`);
    anyone that would leave alone or beside someone they avoid joins the best
    unblocked group whatever its size, or stays alone if there is none. The
    unfound people are ignored wherever they still appear in `groups`;
    placement indices refer to `groups`.
    """
    _check_size(size)
    unfound = _unique(unfound)
    met = met if isinstance(met, (set, frozenset)) else {frozenset(m) for m in met}
    avoid = {frozenset(m) for m in avoid}
    gone = {p.id for p in unfound}
    remaining = [[m for m in g if m not in gone] for g in groups]
    everyone = [p if p.present else Person(p.id, p.organisation, p.role, p.sector, True)
                for p in unfound]
    by_id = {p.id: p for p in everyone}
    placements, leftover = [], []

    def blocked(pid, group):
        return any(pair(pid, m) in avoid for m in group)

    for p in everyone:
        open_ = [i for i, g in enumerate(remaining)
                 if g and len(g) < size + 1 and not blocked(p.id, g)]
        if not open_:
            leftover.append(p)
            continue
        choice = open_[place_late([remaining[i] for i in open_], p, people, met, rules,
                                  size + 1, avoid)]
        remaining[choice].append(p.id)
        placements.append((p.id, choice))
    new_groups, lone = [], []
    if len(leftover) >= 2:
        for g in group_round(leftover, size, met=met | avoid, rules=rules, seed=seed):
            if len(g) > 1 and not any(pair(a, b) in avoid for a in g for b in g if a != b):
                new_groups.append(g)
            else:
                lone += g
    else:
        lone = [p.id for p in leftover]
    for pid in lone:
        open_ = [i for i, g in enumerate(remaining) if g and not blocked(pid, g)]
        if not open_:
            new_groups.append([pid])  # nowhere to go: alone is all there is
            continue
        choice = open_[place_late([remaining[i] for i in open_], by_id[pid], people, met,
                                  rules, MAX_SIZE + 1, avoid)]
        remaining[choice].append(pid)
        placements.append((pid, choice))
    return new_groups, placements
