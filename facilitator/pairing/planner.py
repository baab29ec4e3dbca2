"""Whole-schedule planner: the Social Golfer Problem for fixed cohorts.

`plan(people, group_size, rounds)` returns `rounds` rounds in which everyone
is in exactly one group per round, with as few repeated meetings as it can
find, then as few meetings between people of the same organisation (and,
if the rules ask, the same role or sector).

How it searches, until a schedule without repeats is found, the number of
repeats reaches a proven lower bound, or the time limit is reached:

1. Design-theory constructions (`designs.best_construction`): round robin,
   affine planes and transversal designs over finite fields (with recursion),
   grids of orthogonal Latin squares, the Hermitian unital of order 3.
   Instant and exact; when they give more rounds than asked for, the first
   ones are used, and when they give fewer they start the local search.
2. Cyclic schedules (`designs.CyclicCover`, and `_Annealer` with N > 1): the
   people are orbits of Z_N plus a few fixed points, and N rounds are the N
   shifts of one base round, so a repeat is a repeated *difference* and the
   search space is N times smaller. This is how most known designs (Kirkman
   and nearly Kirkman triple systems, resolvable designs) are found by
   computer. Each divisor N of the rounds is tried twice: by exact cover
   (dancing-links style Algorithm X over bitsets, restarted with growing node
   budgets) and by simulated annealing on the base rounds.
3. Simulated annealing on the plain schedule (no symmetry): swaps of two
   people of the same round in different groups, moves directed at people
   in a conflict (as in Dotú & Van Hentenryck's local search), the whole
   schedule at once, restarts when stuck. This also handles uneven groups.

The runs of (2) and (3) take turns, each getting a fair share of an
*estimated* cost (not measured time). People are then matched to the
schedule's places to keep organisations (and roles, sectors) apart: a swap
of two people across the whole schedule never changes the repeats.

Determinism: for a given seed the result is the same whenever the search
ends before the time limit: constructions are deterministic and instant, and
the searches are seeded and scheduled by move and node counts, never by the
clock. When the time limit cuts a search short, how far it got depends on
the machine (`stats["timed_out"]` says so).
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from . import designs
from .model import MixRules, Person, group_sizes

Rounds = list  # list[list[list[id]]]

SLICE = 20_000          # moves per turn of a run in the portfolio
PATIENCE = 400_000      # moves without a new best before a run restarts


@dataclass
class Plan:
    """A schedule of rounds (lists of groups of person ids) and how good it is."""

    rounds: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Bounds


def max_rounds_bound(n: int, sizes: Sequence[int]) -> int:
    """An upper bound on the rounds without repeats for n people in groups of these sizes."""
    if n <= 1 or not sizes:
        return 0
    smallest = min(sizes)
    per_round = sum(k * (k - 1) // 2 for k in sizes)
    if per_round == 0:
        return 10 ** 9  # nobody meets anyone (only n == 1)
    # Everyone meets at least smallest - 1 new people a round; all pairs are n(n-1)/2.
    bound = min((n - 1) // (smallest - 1), n * (n - 1) // 2 // per_round)
    if len(sizes) < max(sizes):
        bound = min(bound, 1)  # pigeonhole: two of a group meet again in round two
    if len(set(sizes)) == 1:
        known = _KNOWN_MAXIMA.get((len(sizes), smallest))
        if known is not None:
            bound = min(bound, known)
    return bound


# Proven maxima below the counting bound (groups, size) -> rounds: no nearly
# Kirkman triple system on 12 points; no pair of orthogonal Latin squares of order 6.
_KNOWN_MAXIMA = {(4, 3): 4, (6, 6): 3}


def repeats_lower_bound(n: int, sizes: Sequence[int], rounds: int) -> int:
    """A lower bound on repeat_pairs: there are only n(n-1)/2 pairs, and everyone has
    only n - 1 others to meet."""
    if n <= 1:
        return 0
    per_round = sum(k * (k - 1) // 2 for k in sizes)
    total = max(0, rounds * per_round - n * (n - 1) // 2)
    extra = max(0, rounds * (min(sizes) - 1) - (n - 1))
    return max(total, (n * extra + 1) // 2)


# ---------------------------------------------------------------------------
# Scoring


def count_repeats(rounds: Sequence[Sequence[Sequence[Hashable]]]) -> tuple[int, int | None]:
    """(repeat_pairs, first_repeat_round) of a schedule."""
    seen: dict = {}
    repeats = 0
    first = None
    for r, rnd in enumerate(rounds, start=1):
        for grp in rnd:
            grp = list(grp)
            for i in range(len(grp)):
                for j in range(i + 1, len(grp)):
                    key = frozenset((grp[i], grp[j]))
                    c = seen.get(key, 0)
                    if c:
                        repeats += 1
                        if first is None:
                            first = r
                    seen[key] = c + 1
    return repeats, first


def _likeness(people: Sequence[Person], rules: MixRules) -> list[tuple[int, int, int]]:
    """Per person, (organisation, role, sector) as small ints; -1 where unknown or not kept apart."""
    codes: dict = {}
    out = []
    for p in people:
        def code(kind, value, on):
            if not on or not value or not str(value).strip():
                return -1
            return codes.setdefault((kind, str(value).strip().casefold()), len(codes))
        out.append((code("o", p.organisation, rules.separate_organisations),
                     code("r", p.role, rules.separate_roles),
                     code("s", p.sector, rules.separate_sectors)))
    return out


def _same_counts(rounds_idx, like) -> tuple[int, int, int]:
    """Pair-meetings between people of the same organisation, role and sector."""
    org = role = sector = 0
    for rnd in rounds_idx:
        for grp in rnd:
            for i in range(len(grp)):
                a = like[grp[i]]
                for j in range(i + 1, len(grp)):
                    b = like[grp[j]]
                    if a[0] >= 0 and a[0] == b[0]:
                        org += 1
                    if a[1] >= 0 and a[1] == b[1]:
                        role += 1
                    if a[2] >= 0 and a[2] == b[2]:
                        sector += 1
    return org, role, sector


# ---------------------------------------------------------------------------
# The annealer


class _Annealer:
    """Simulated annealing over k base rounds developed cyclically under Z_N.

    Points 0..m*N-1 are m orbits of N points (orbit i, position x is i*N + x);
    points m*N.. are fixed. Base round b, shifted by t = 0..N-1 (x -> x + t in
    every orbit, fixed points fixed), is round b*N + t. With N == 1 this is the
    plain schedule and every pair of people is its own class.

    A class is an orbit of pairs under the shifts; `cnt[c]` counts the base
    pairs in class c, and the schedule's repeats are the sum over classes of
    pairs_in_class * max(0, cnt * stab - 1), where stab is 2 for the pairs
    {x, x + N/2} of one orbit (they meet twice per occurrence) and N for two
    fixed points (they meet every round).
    """

    def __init__(self, n: int, sizes: Sequence[int], N: int, k: int, fixed: int,
                 seed: int, temperature: float, init: list | None = None,
                 weights: list | None = None, big: int = 1):
        self.n, self.N, self.k, self.fixed = n, N, k, fixed
        self.sizes = list(sizes)
        self.rng = random.Random(seed)
        self.m = (n - fixed) // N
        assert self.m * N + fixed == n
        f0 = self.F0 = self.m * N
        cls = [0] * (n * n)
        first: list[int] = []
        more: list[int] = []
        keys: dict = {}

        def cid(key, pairs, stab):
            c = keys.get(key)
            if c is None:
                c = keys[key] = len(first)
                first.append(pairs * (stab - 1))
                more.append(pairs * stab)
            return c

        for u in range(n):
            for v in range(u + 1, n):
                if N == 1:
                    c = len(first)
                    first.append(0)
                    more.append(1)
                else:
                    c = cid(*designs.pair_orbit(u, v, N, f0))
                cls[u * n + v] = cls[v * n + u] = c
        self.cls = cls
        self.repeat_first = first
        self.repeat_more = more
        if weights is not None:
            # Secondary costs (N == 1 only): every meeting of pair class c costs weights[c].
            first = [big * a + w for a, w in zip(first, weights)]
            more = [big * a + w for a, w in zip(more, weights)]
        self.first, self.more = first, more
        self.lim = [1 if a > 0 else 2 for a in first]
        self.cnt = [0] * len(first)
        self.temperature = temperature
        self.bases: list[list[list[int]]] = []
        self.where: list[list[int]] = []
        if init is None:
            init = [self._random_round() for _ in range(k)]
        for groups in init:
            groups = [list(g) for g in groups]
            where = [0] * n
            for gi, grp in enumerate(groups):
                for p in grp:
                    where[p] = gi
            self.bases.append(groups)
            self.where.append(where)
        self.cost = 0
        cnt, cls = self.cnt, self.cls
        for groups in self.bases:
            for grp in groups:
                for a in range(len(grp)):
                    an = grp[a] * n
                    for b in range(a + 1, len(grp)):
                        c = cls[an + grp[b]]
                        q = cnt[c]
                        cnt[c] = q + 1
                        self.cost += more[c] if q else first[c]
        self.best_cost = self.cost
        self.best = [[list(g) for g in groups] for groups in self.bases]
        self.moves = 0
        self.last_improvement = 0

    def _random_round(self) -> list[list[int]]:
        """A random base round; fixed points go to distinct groups first."""
        rng = self.rng
        fixed = list(range(self.F0, self.n))
        others = list(range(self.F0))
        rng.shuffle(others)
        groups = [[] for _ in self.sizes]
        order = list(range(len(self.sizes)))
        rng.shuffle(order)
        for p, gi in zip(fixed, order):
            groups[gi].append(p)
        it = iter(others)
        for gi, size in enumerate(self.sizes):
            while len(groups[gi]) < size:
                groups[gi].append(next(it))
        return groups

    def repeats(self) -> int:
        """Repeats of the developed current schedule (cost without secondary weights)."""
        total = 0
        for c, q in enumerate(self.cnt):
            if q:
                total += self.repeat_first[c] + (q - 1) * self.repeat_more[c]
        return total

    def run(self, moves: int, deadline: float | None = None) -> int:
        """Anneal for up to `moves` moves (fewer if the cost reaches 0 or the deadline
        passes); the best cost so far."""
        n, N = self.n, self.N
        rng = self.rng
        rand, randrange = rng.random, rng.randrange
        cls, cnt, first, more, lim = self.cls, self.cnt, self.first, self.more, self.lim
        bases, wheres = self.bases, self.where
        k = self.k
        temp = self.temperature
        cost = self.cost
        best_cost = self.best_cost
        exp = math.exp
        done = 0
        while done < moves and cost > 0:
            done += 1
            if deadline is not None and not done & 4095 and time.monotonic() > deadline:
                break
            b = randrange(k) if k > 1 else 0
            groups = bases[b]
            where = wheres[b]
            # A person in a conflict, if one turns up in a few tries.
            for _ in range(8):
                u = randrange(n)
                un = u * n
                hit = False
                for x in groups[where[u]]:
                    if x != u:
                        c = cls[un + x]
                        if cnt[c] >= lim[c]:
                            hit = True
                            break
                if hit:
                    break
            v = randrange(n)
            A = where[u]
            B = where[v]
            if A == B:
                continue
            ga = groups[A]
            gb = groups[B]
            un = u * n
            vn = v * n
            if N == 1:
                # Four disjoint sets of pairs: read-only delta.
                d = 0
                for x in ga:
                    if x != u:
                        c = cls[un + x]
                        d -= more[c] if cnt[c] >= 2 else first[c]
                        c = cls[vn + x]
                        d += more[c] if cnt[c] else first[c]
                for y in gb:
                    if y != v:
                        c = cls[vn + y]
                        d -= more[c] if cnt[c] >= 2 else first[c]
                        c = cls[un + y]
                        d += more[c] if cnt[c] else first[c]
                if d > 0 and rand() >= exp(-d / temp):
                    continue
                for x in ga:
                    if x != u:
                        cnt[cls[un + x]] -= 1
                        cnt[cls[vn + x]] += 1
                for y in gb:
                    if y != v:
                        cnt[cls[vn + y]] -= 1
                        cnt[cls[un + y]] += 1
            else:
                # Classes may coincide: apply, measure, undo if rejected.
                d = 0
                for x in ga:
                    if x != u:
                        c = cls[un + x]
                        q = cnt[c] - 1
                        cnt[c] = q
                        d -= more[c] if q else first[c]
                        c = cls[vn + x]
                        q = cnt[c]
                        cnt[c] = q + 1
                        d += more[c] if q else first[c]
                for y in gb:
                    if y != v:
                        c = cls[vn + y]
                        q = cnt[c] - 1
                        cnt[c] = q
                        d -= more[c] if q else first[c]
                        c = cls[un + y]
                        q = cnt[c]
                        cnt[c] = q + 1
                        d += more[c] if q else first[c]
                if d > 0 and rand() >= exp(-d / temp):
                    for x in ga:
                        if x != u:
                            cnt[cls[un + x]] += 1
                            cnt[cls[vn + x]] -= 1
                    for y in gb:
                        if y != v:
                            cnt[cls[vn + y]] += 1
                            cnt[cls[un + y]] -= 1
                    continue
            ga[ga.index(u)] = v
            gb[gb.index(v)] = u
            where[u] = B
            where[v] = A
            cost += d
            if cost < best_cost:
                best_cost = cost
                self.best = [[list(g) for g in grps] for grps in bases]
                self.last_improvement = self.moves + done
        self.moves += done
        self.cost = cost
        self.best_cost = best_cost
        return best_cost

    def develop(self, bases=None) -> list[list[list[int]]]:
        """The whole schedule of the given (default: best) base rounds."""
        bases = self.best if bases is None else bases
        N, f0 = self.N, self.F0
        rounds = []
        for groups in bases:
            for t in range(N):
                rounds.append([[p if p >= f0 else p - p % N + (p % N + t) % N for p in grp]
                               for grp in groups])
        return rounds


# ---------------------------------------------------------------------------
# Building blocks of the search


def _cyclic_configs(n: int, sizes: Sequence[int], rounds: int) -> list[tuple[int, int, int]]:
    """(N, k, fixed) for every divisor N >= 2 of the rounds where a cyclic schedule can exist."""
    out = []
    g = len(sizes)
    smallest = min(sizes)
    for N in range(rounds, 1, -1):
        if rounds % N:
            continue
        m, fixed = divmod(n, N)
        if m == 0 or fixed > g:
            continue
        if fixed and m < smallest - 1:
            continue  # a fixed point would meet two points of one orbit
        out.append((N, rounds // N, fixed))
    return out


def _greedy_rounds(n: int, sizes: Sequence[int], start: list, count: int, rng: random.Random) -> list:
    """`count` more rounds, each filled group by group with whoever adds the fewest repeats."""
    met = [set() for _ in range(n)]
    for rnd in start:
        for grp in rnd:
            for p in grp:
                met[p].update(grp)
    out = []
    for _ in range(count):
        left = list(range(n))
        rng.shuffle(left)
        # People with the fewest partners left to meet go first (most constrained).
        left.sort(key=lambda p: -len(met[p]))
        groups = []
        for size in sizes:
            grp = [left.pop(0)]
            while len(grp) < size:
                best_i, best = 0, None
                for i, p in enumerate(left):
                    clash = sum(1 for x in grp if x in met[p])
                    if best is None or clash < best:
                        best_i, best = i, clash
                        if clash == 0:
                            break
                grp.append(left.pop(best_i))
            groups.append(grp)
        for grp in groups:
            for p in grp:
                met[p].update(grp)
        out.append(groups)
    return out


def _order_rounds(rounds: list) -> list:
    """Reorder rounds so that repeats come as late as possible (greedy)."""
    if len(rounds) <= 2:
        return rounds
    met: dict = {}
    left = list(range(len(rounds)))
    order = []
    while left:
        best_i, best = None, None
        for i in left:
            clash = 0
            for grp in rounds[i]:
                for a in range(len(grp)):
                    for b in range(a + 1, len(grp)):
                        if met.get((grp[a], grp[b])):
                            clash += 1
            if best is None or clash < best:
                best_i, best = i, clash
        left.remove(best_i)
        order.append(best_i)
        for grp in rounds[best_i]:
            for a in range(len(grp)):
                for b in range(len(grp)):
                    if a != b:
                        met[(grp[a], grp[b])] = 1
    return [rounds[i] for i in order]


def _relabel(rounds: list, like: list, rng: random.Random, moves: int, deadline: float,
             w_org: int) -> list[int]:
    """Assign people to places (a permutation) to keep alike people apart; repeats are unchanged.

    Returns perm with perm[place] = person index. Simulated annealing on swaps of
    two people across the whole schedule.
    """
    n = len(like)
    partners: list[dict] = [{} for _ in range(n)]
    for rnd in rounds:
        for grp in rnd:
            for a in grp:
                pa = partners[a]
                for b in grp:
                    if a != b:
                        pa[b] = pa.get(b, 0) + 1
    plist = [list(p.items()) for p in partners]

    def sim(x, y):
        a, b = like[x], like[y]
        return ((w_org if a[0] >= 0 and a[0] == b[0] else 0)
                + (1 if a[1] >= 0 and a[1] == b[1] else 0)
                + (1 if a[2] >= 0 and a[2] == b[2] else 0))

    perm = list(range(n))
    cost = sum(c * sim(perm[a], perm[b]) for a in range(n) for b, c in plist[a]) // 2
    if cost == 0:
        return perm
    best, best_cost = list(perm), cost
    t_hi = max(1.0, 0.6 * (w_org if any(x[0] >= 0 for x in like) else 1))
    t_lo = 0.05
    for step in range(moves):
        if step % 2048 == 0 and time.monotonic() > deadline:
            break
        temp = t_hi * (t_lo / t_hi) ** (step / moves)
        a = rng.randrange(n)
        b = rng.randrange(n)
        if a == b:
            continue
        P, Q = perm[a], perm[b]
        d = 0
        for x, c in plist[a]:
            if x != b:
                X = perm[x]
                d += c * (sim(Q, X) - sim(P, X))
        for y, c in plist[b]:
            if y != a:
                Y = perm[y]
                d += c * (sim(P, Y) - sim(Q, Y))
        if d <= 0 or rng.random() < math.exp(-d / temp):
            perm[a], perm[b] = Q, P
            cost += d
            if cost < best_cost:
                best, best_cost = list(perm), cost
                if cost == 0:
                    break
    return best


# ---------------------------------------------------------------------------
# The planner


def _normalise_people(people) -> list[Person]:
    if isinstance(people, bool):
        raise TypeError("people must be a count or a sequence of Person")
    if isinstance(people, int):
        if people < 2:
            raise ValueError("need at least 2 people")
        return [Person(id=i) for i in range(1, people + 1)]
    out = [p if isinstance(p, Person) else Person(id=p) for p in people]
    out = [p for p in out if p.present]
    ids = [p.id for p in out]
    if len(set(ids)) != len(ids):
        raise ValueError("people have duplicate ids")
    if len(out) < 2:
        raise ValueError("need at least 2 people")
    return out


def plan(people: Sequence[Person] | int, group_size: int, rounds: int, *,
         rules: MixRules = MixRules(), time_limit: float = 10.0,  # noqa: B008 (frozen)
         seed: int = 0) -> Plan:
    """A schedule of `rounds` rounds of groups of `group_size` with as few repeats as found.

    `people`: Person objects (those not `present` are left out) or a count n
    (people 1..n). When group_size does not divide the number of people, every
    round has the sizes of `group_sizes(n, group_size)` (some groups one larger).
    Priorities: repeated meetings first, then meetings between people of the
    same organisation (if rules.separate_organisations), then same role and
    sector (if the rules ask). Always returns `rounds` rounds.
    """
    started = time.monotonic()
    members = _normalise_people(people)
    n = len(members)
    if not isinstance(group_size, int) or group_size < 2:
        raise ValueError("group size must be at least 2")
    if group_size > n:
        raise ValueError(f"group size {group_size} is larger than the {n} people")
    if not isinstance(rounds, int) or rounds < 1:
        raise ValueError("rounds must be at least 1")
    if time_limit is None or time_limit <= 0:
        time_limit = 0.0
    deadline = started + time_limit
    like = _likeness(members, rules)
    mixing = any(x != (-1, -1, -1) for x in like)
    # Leave time for keeping organisations apart when there is something to keep apart.
    search_deadline = started + (0.85 * time_limit if mixing else time_limit)

    sizes = group_sizes(n, group_size)
    bound = max_rounds_bound(n, sizes)
    lower = 0 if rounds <= bound else max(1, repeats_lower_bound(n, sizes, rounds))
    schedule, method, timed_out = _search(n, sizes, rounds, lower, seed, search_deadline)
    repeats, first_repeat = count_repeats(schedule)
    if repeats and rounds <= 100:
        schedule = _order_rounds(schedule)
        repeats, first_repeat = count_repeats(schedule)

    # Match people to places.
    perm = list(range(n))
    if mixing:
        w_org = 2 * sum(len(g) * (len(g) - 1) // 2 for rnd in schedule for g in rnd) + 1
        perm = _relabel(schedule, like, random.Random(seed + 1), 40_000 + 400 * n,
                        deadline, w_org)
    placed = [[[perm[p] for p in grp] for grp in rnd] for rnd in schedule]
    org, role, sector = _same_counts(placed, like)
    out_rounds = [[[members[p].id for p in grp] for grp in rnd] for rnd in placed]
    stats = {
        "people": n,
        "group_size": group_size,
        "rounds": rounds,
        "group_sizes": sizes,
        "repeat_pairs": repeats,
        "first_repeat_round": first_repeat,
        "rounds_without_repeats": rounds if first_repeat is None else first_repeat - 1,
        "max_rounds_bound": bound,
        "repeat_pairs_lower_bound": lower,
        "same_org_pairs": org,
        "same_role_pairs": role,
        "same_sector_pairs": sector,
        "method": method,
        "timed_out": timed_out,
        "seed": seed,
        "seconds": round(time.monotonic() - started, 3),
    }
    return Plan(rounds=out_rounds, stats=stats)


def _initial(n, sizes, rounds, seed):
    """A first schedule: the best construction (when some groups are one larger, for a
    core of the smaller size, the others added where they clash least), then greedy."""
    rng = random.Random(seed)
    s = min(sizes)
    core = s * len(sizes)
    built, name = designs.best_construction(core, s)
    built = built[:rounds]
    if len(built) <= 1:
        return _greedy_rounds(n, sizes, [], rounds, rng), "greedy"
    if core < n:
        # People core..n-1 join distinct groups, each where they clash least so far.
        met = [set() for _ in range(n)]
        for rnd in built:
            for grp in rnd:
                for p in grp:
                    met[p].update(grp)
        for rnd in built:
            free = list(range(len(rnd)))
            for extra in range(core, n):
                best_i = min(free, key=lambda i: (sum(1 for x in rnd[i] if x in met[extra]), i))
                free.remove(best_i)
                rnd[best_i].append(extra)
                met[extra].update(rnd[best_i])
                for x in rnd[best_i]:
                    met[x].add(extra)
            rnd.sort(key=len, reverse=True)
        name += " + extras"
    rest = _greedy_rounds(n, sizes, built, rounds - len(built), rng)
    return built + rest, (name + " + greedy") if rest else name


def _exact_configs(n: int, sizes: Sequence[int], rounds: int) -> list[tuple[int, int, int, int]]:
    """(N, h, k, fixed) worth an exact cyclic search, cheapest first."""
    if len(set(sizes)) != 1:
        return []
    g, s = len(sizes), sizes[0]
    out = []
    for N, k, fixed in _cyclic_configs(n, sizes, rounds):
        out.append((N, 1, k, fixed))
    for h in range(2, s):
        N = h * rounds
        m, fixed = divmod(n, N)
        if m == 0 or fixed > g or (g - fixed) % h:
            continue
        if fixed and ((s - 1) % h or m < (s - 1) // h):
            continue
        out.append((N, h, 1, fixed))
    out = [c for c in out
           if designs.cyclic_row_estimate(n, s, c[0], c[1], c[3]) <= EXACT_MAX_BLOCKS]
    out.sort(key=lambda c: (designs.cyclic_row_estimate(n, s, c[0], c[1], c[3]) * c[2], -c[0]))
    return out


EXACT_MAX_BLOCKS = 400_000   # blocks an exact cyclic search may enumerate
EXACT_NODES = 2_000          # first node budget of an exact attempt; doubles per attempt
EXACT_NODES_MAX = 64_000
EXACT_BUILD_STEPS = 20_000    # candidate-group steps per turn while an exact search sets up


class _ExactRun:
    """Turns of an exact cyclic search: set-up, then restarts with growing node budgets."""

    def __init__(self, n, sizes, cfg, seed):
        self.n, self.sizes, self.cfg, self.seed = n, sizes, cfg, seed
        self.cover = None
        self.attempts = 0
        self.dead = False

    def label(self):
        N, h, k, fixed = self.cfg
        shift = "" if h == 1 else f", invariant under +{N // h}"
        return (f"cyclic exact cover (Z_{N}, {k} base round{'s' if k > 1 else ''}{shift}, "
                f"{fixed} fixed)")

    def estimate(self) -> float:
        """Estimated cost of the next turn in microseconds (deterministic, for scheduling)."""
        if self.cover is None:
            return 2.0 * self.n * self.n
        if not self.cover.built:
            return 8.0 * EXACT_BUILD_STEPS
        rows = len(self.cover.rows) * self.cfg[2]
        budget = min(EXACT_NODES << self.attempts, EXACT_NODES_MAX)
        return 6.0 * rows + budget * (15.0 + rows / 300.0)

    def turn(self, deadline):
        if self.cover is None:
            N, h, k, fixed = self.cfg
            self.cover = designs.CyclicCover(len(self.sizes), self.sizes[0], N, h, k, fixed)
            self.dead = self.cover.proven_impossible
            return None
        if not self.cover.built:
            self.cover.build(EXACT_BUILD_STEPS)
            self.dead = self.cover.proven_impossible
            return None
        budget = min(EXACT_NODES << self.attempts, EXACT_NODES_MAX)
        attempt_seed = (self.seed * 7_919 + self.attempts) if (self.seed or self.attempts) else 0
        self.attempts += 1
        found = self.cover.attempt(attempt_seed, budget, deadline)
        if found == []:
            self.dead = True
            return None
        return found


class _AnnealRun:
    """Turns of simulated annealing; restarts when stuck."""

    def __init__(self, n, sizes, rounds, cfg, seed, start=None):
        self.n, self.sizes, self.rounds, self.cfg, self.seed = n, sizes, rounds, cfg, seed
        self.start = start
        self.attempt = 0
        self.dead = False
        self.best_reported = None
        self.run = None  # built on its first turn

    def _make(self):
        N, k, fixed = self.cfg
        run_seed = (self.seed * 1_000_003 + N * 7_919 + self.attempt * 104_729) & 0x7FFFFFFF
        if N == 1:
            init = None
            if self.attempt == 0 and self.start is not None:
                init = [[list(g) for g in rnd] for rnd in self.start]
            return _Annealer(self.n, self.sizes, 1, self.rounds, 0, run_seed, 0.35, init=init)
        return _Annealer(self.n, self.sizes, N, k, fixed, run_seed, 0.25 * N)

    def estimate(self) -> float:
        setup = 1.5 * self.n * self.n if self.run is None else 0.0
        return setup + SLICE * (3.0 + max(self.sizes))

    def label(self):
        N, k, fixed = self.cfg
        if N == 1:
            return "local search"
        return (f"cyclic local search (Z_{N}, {k} base round{'s' if k > 1 else ''}, "
                f"{fixed} fixed)")

    def turn(self, deadline):
        if self.run is None:
            self.run = self._make()
        run = self.run
        run.run(SLICE, deadline)
        found = None
        if self.best_reported is None or run.best_cost < self.best_reported:
            self.best_reported = run.best_cost
            found = run.develop()
        if run.moves - run.last_improvement > PATIENCE:
            self.attempt += 1
            self.run = self._make()
            self.best_reported = None
        return found


def _search(n, sizes, rounds, lower, seed, deadline):
    """(schedule over points 0..n-1, method, timed_out): fewest repeats found in time."""
    if len(set(sizes)) == 1:
        built, name = designs.best_construction(n, sizes[0])
        if len(built) >= rounds:
            return built[:rounds], name, False
    start, start_name = _initial(n, sizes, rounds, seed)
    best = [start, count_repeats(start)[0], start_name]
    if best[1] <= lower:
        return best[0], best[2], False
    runs: list = []
    if lower == 0:
        runs += [_ExactRun(n, sizes, cfg, seed) for cfg in _exact_configs(n, sizes, rounds)]
        runs += [_AnnealRun(n, sizes, rounds, cfg, seed)
                 for cfg in _cyclic_configs(n, sizes, rounds)]
    runs.append(_AnnealRun(n, sizes, rounds, (1, rounds, 0), seed, start=start))
    # Fair shares by estimated cost (not measured time, so the order of turns, and the
    # result when found before the deadline, does not depend on the machine).
    clocks = [0.0] * len(runs)
    while True:
        live = [i for i, r in enumerate(runs) if not r.dead]
        if not live:
            return best[0], best[2], False
        costs = {i: runs[i].estimate() for i in live}
        i = min(live, key=lambda j: (clocks[j] + costs[j], j))
        if time.monotonic() > deadline:
            return best[0], best[2], True
        run = runs[i]
        found = run.turn(deadline)
        clocks[i] += costs[i]
        if found is not None:
            rep = count_repeats(found)[0]
            if rep < best[1]:
                best[:] = [found, rep, run.label()]
                if rep <= lower:
                    return best[0], best[2], False
