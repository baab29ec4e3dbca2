"""Exact constructions of schedules without repeats, from design theory.

Every function here returns rounds over the points 0..n-1 (a round is a list of
groups, a group a list of points) in which no two points share a group twice.
They are deterministic and instant; `planner.plan` uses them first and falls
back to search where none reaches the rounds asked for.

- `round_robin(n)`: pairs, the circle method, n - 1 rounds (n even).
- `grid(q)`: q*q people in groups of q: rows, columns and one round per
  Latin square of a family of mutually orthogonal ones built over a finite
  ring of order q. For a prime power q that is the affine plane AG(2, q):
  q + 1 rounds, everyone meets everyone once. Otherwise 2 + (p - 1) rounds,
  where p is the smallest prime-power factor of q (e.g. 3 for q = 6).
- `transversal(q, s)`: q*s people in q groups of s (s <= smallest prime-power
  factor of q): a resolvable transversal design, q rounds; when s divides q
  the q people of each column are scheduled recursively among themselves for
  extra rounds (this gives the Kirkman triple systems on 3^k points, e.g.
  27 people in triples for 13 rounds, and 64 people in fours for 21 rounds).
- `best_construction(n, s)`: the construction with the most rounds for n
  people in groups of s (n divisible by s), with its name.
"""
from __future__ import annotations

import itertools
import math
import time
from functools import lru_cache

Rounds = list  # list[list[list[int]]]


def pair_orbit(u: int, v: int, N: int, f0: int) -> tuple:
    """The orbit of the pair {u, v} under the cyclic shift by 1 mod N.

    People 0..f0-1 are the orbits' points (person i*N + x is point x of orbit i);
    people from f0 on are fixed. Returns (key naming the orbit, pairs in it, the
    number of shifts that map a pair of it to itself).
    """
    if u > v:
        u, v = v, u
    if u >= f0:
        return ("FF", u, v), 1, N
    if v >= f0:
        return ("F", v, u // N), N, 1
    i, x = divmod(u, N)
    j, y = divmod(v, N)
    d = (y - x) % N
    if i == j:
        d = min(d, N - d)
        stab = 2 if 2 * d == N else 1
        return (i, i, d), N // stab, stab
    return (i, j, d), N, 1


# --------------------------------------------------------------------------
# Finite fields and products of them


def prime_power(q: int) -> tuple[int, int] | None:
    """(p, k) with q == p**k for a prime p, or None."""
    if q < 2:
        return None
    p = 2
    while p * p <= q:
        if q % p == 0:
            break
        p += 1
    else:
        return q, 1
    k = 0
    while q % p == 0:
        q //= p
        k += 1
    return (p, k) if q == 1 else None


def prime_power_factors(q: int) -> list[int]:
    """The prime-power factors of q, e.g. 12 -> [4, 3]."""
    out, p = [], 2
    while p * p <= q:
        if q % p == 0:
            f = 1
            while q % p == 0:
                q //= p
                f *= p
            out.append(f)
        p += 1
    if q > 1:
        out.append(q)
    return out


def _poly_mulmod(a: list[int], b: list[int], mod: list[int], p: int) -> list[int]:
    """Product of two polynomials (coefficient lists, lowest first) modulo a monic `mod`."""
    k = len(mod) - 1
    prod = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                prod[i + j] = (prod[i + j] + x * y) % p
    for i in range(len(prod) - 1, k - 1, -1):
        c = prod[i]
        if c:
            for j in range(k + 1):
                prod[i - k + j] = (prod[i - k + j] - c * mod[j]) % p
    return (prod + [0] * k)[:k]


def _irreducible(p: int, k: int) -> list[int]:
    """The first monic irreducible polynomial of degree k over GF(p), lowest coefficient first."""
    for code in range(p ** k):
        low = [(code // p ** i) % p for i in range(k)]
        if low[0] == 0:
            continue
        poly = low + [1]
        # Irreducible iff it has no factor of degree <= k // 2: check x^(p^i) != x mod poly
        # via the usual gcd-free test on small k: try every monic polynomial of degree <= k//2.
        if all(_poly_mod_nonzero(poly, d, p) for d in range(1, k // 2 + 1)):
            return poly
    raise ValueError(f"no irreducible polynomial of degree {k} over GF({p})")


def _poly_mod_nonzero(poly: list[int], d: int, p: int) -> bool:
    """True when no monic polynomial of degree d divides `poly` (over GF(p))."""
    for code in range(p ** d):
        div = [(code // p ** i) % p for i in range(d)] + [1]
        rem = list(poly)
        for i in range(len(rem) - 1, d - 1, -1):
            c = rem[i]
            if c:
                for j in range(d + 1):
                    rem[i - d + j] = (rem[i - d + j] - c * div[j]) % p
        if not any(rem[:d]):
            return False
    return True


@lru_cache(maxsize=64)
def field_tables(q: int) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """Addition and multiplication tables of GF(q), elements numbered 0..q-1 (0 and 1 as usual)."""
    pk = prime_power(q)
    if pk is None:
        raise ValueError(f"{q} is not a prime power")
    p, k = pk
    if k == 1:
        add = tuple(tuple((a + b) % p for b in range(p)) for a in range(p))
        mul = tuple(tuple((a * b) % p for b in range(p)) for a in range(p))
        return add, mul
    mod = _irreducible(p, k)
    digits = [[(x // p ** i) % p for i in range(k)] for x in range(q)]

    def number(coeffs):
        return sum(c * p ** i for i, c in enumerate(coeffs))

    add = tuple(tuple(number([(a + b) % p for a, b in zip(digits[x], digits[y])])
                      for y in range(q)) for x in range(q))
    mul = tuple(tuple(number(_poly_mulmod(digits[x], digits[y], mod, p))
                      for y in range(q)) for x in range(q))
    return add, mul


class Ring:
    """The product of the finite fields GF(f) over the prime-power factors f of q.

    Elements are 0..q-1 (mixed radix over the factors). A difference of two of
    the first `min(factors)` elements is always a unit, which is what the
    constructions below need.
    """

    def __init__(self, q: int):
        self.q = q
        self.factors = prime_power_factors(q)
        tables = [field_tables(f) for f in self.factors]
        comps = []
        for x in range(q):
            parts, rest = [], x
            for f in self.factors:
                parts.append(rest % f)
                rest //= f
            comps.append(parts)

        def number(parts):
            x, scale = 0, 1
            for part, f in zip(parts, self.factors):
                x += part * scale
                scale *= f
            return x

        self.add = [[number([t[0][a][b] for t, a, b in zip(tables, comps[x], comps[y])])
                     for y in range(q)] for x in range(q)]
        self.mul = [[number([t[1][a][b] for t, a, b in zip(tables, comps[x], comps[y])])
                     for y in range(q)] for x in range(q)]
        # Additive inverses, for differences.
        self.neg = [self.add[x].index(0) for x in range(q)]

    @property
    def unit_set_size(self) -> int:
        """How many elements have pairwise differences that are all units."""
        return min(self.factors) if self.factors else 1

    def spread(self) -> list[int]:
        """That many elements with pairwise unit differences (one per residue in every factor)."""
        k = self.unit_set_size
        out = []
        for i in range(k):
            x, scale = 0, 1
            for f in self.factors:
                x += i * scale
                scale *= f
            out.append(x)
        return out


# --------------------------------------------------------------------------
# Constructions


def round_robin(n: int) -> Rounds:
    """Everyone meets everyone once in pairs: n - 1 rounds (n even), the circle method."""
    if n < 2 or n % 2:
        raise ValueError("round robin needs an even number of people")
    rounds = []
    others = list(range(1, n))
    for r in range(n - 1):
        ring = [0] + others[r:] + others[:r]
        rounds.append([[ring[i], ring[n - 1 - i]] for i in range(n // 2)])
    return rounds


def grid(q: int) -> Rounds:
    """q*q people in q groups of q: rows, columns, and lines y = a*x + b for a set of slopes a.

    Person (x, y) is x*q + y. Over a field (q a prime power) every non-zero
    slope works: the affine plane, q + 1 rounds.
    """
    ring = Ring(q)
    rounds = [[[x * q + y for y in range(q)] for x in range(q)],
              [[x * q + y for x in range(q)] for y in range(q)]]
    # Slopes whose pairwise differences, and themselves, are units: the non-zero ones of `spread`.
    for a in ring.spread()[1:]:
        groups = []
        for b in range(q):
            groups.append([x * q + ring.add[ring.mul[a][x]][b] for x in range(q)])
        rounds.append(groups)
    return rounds


def transversal(q: int, s: int) -> Rounds:
    """q*s people in q groups of s, s <= the smallest prime-power factor of q.

    Columns e_0..e_{s-1} of a ring of order q with unit differences; person
    (r, y) is r*q + y. Round m has the groups {(r, m*e_r + b)} for each b: two
    people in different columns meet for exactly one m, two in the same column
    never. When s divides q, each column's q people are then scheduled among
    themselves (recursively) for more rounds.
    """
    ring = Ring(q)
    cols = ring.spread()[:s]
    if len(cols) < s:
        raise ValueError(f"no transversal design for groups of {s} over {q}")
    rounds = []
    for m in range(q):
        groups = []
        for b in range(q):
            groups.append([r * q + ring.add[ring.mul[m][e]][b] for r, e in enumerate(cols)])
        rounds.append(groups)
    if s == q:
        rounds.append([[r * q + y for y in range(q)] for r in range(s)])
    elif q % s == 0:
        inner, _ = best_construction(q, s)
        for sub in inner:
            rounds.append([[r * q + y for y in grp] for r in range(s) for grp in sub])
    return rounds


def trivial(n: int, s: int) -> Rounds:
    """One round: consecutive people in groups of s."""
    return [[list(range(i, i + s)) for i in range(0, n, s)]]


@lru_cache(maxsize=256)
def _best(n: int, s: int) -> tuple[tuple[tuple[tuple[int, ...], ...], ...], str]:
    options: list[tuple[Rounds, str]] = [(trivial(n, s), "trivial")]
    g = n // s
    if s == 2:
        options.append((round_robin(n), "round robin"))
    if g == s:
        name = f"affine plane AG(2,{g})" if prime_power(g) else "grid with orthogonal Latin squares"
        options.append((grid(g), name))
    elif g > s and Ring(g).unit_set_size >= s:
        kind = "affine" if prime_power(g) else "ring"
        name = f"transversal design ({kind}, order {g})"
        if g % s == 0:
            name += " + recursion"
        options.append((transversal(g, s), name))
    q = s - 1
    if q in (2, 3) and n == q ** 3 + 1:
        found = unital(q)
        if found:
            options.append((found, f"Hermitian unital of order {q}"))
    rounds, name = max(options, key=lambda o: len(o[0]))
    return tuple(tuple(tuple(grp) for grp in rnd) for rnd in rounds), name


def best_construction(n: int, s: int) -> tuple[Rounds, str]:
    """The construction with the most rounds for n people in groups of s (s divides n)."""
    if s < 1 or n % s:
        raise ValueError("group size must divide the number of people")
    rounds, name = _best(n, s)
    return [[list(grp) for grp in rnd] for rnd in rounds], name


def construction_rounds(n: int, s: int) -> int:
    """How many rounds `best_construction(n, s)` gives."""
    return len(_best(n, s)[0])


# --------------------------------------------------------------------------
# Exact cover (Knuth's dancing links), for the computer constructions below


class ExactCover:
    """Exact cover by Algorithm X over bitsets (Python ints): columns 0..ncols-1, the
    first `nprimary` must be covered exactly once, the others (secondary) at most once.
    Each column keeps the set of rows that cover it; choosing a row removes every row
    that shares a column with it; the next column is the primary one with the fewest
    rows left (Knuth's heuristic)."""

    def __init__(self, ncols: int, nprimary: int):
        self.ncols, self.nprimary = ncols, nprimary
        self._col_lists: list[list[int]] = [[] for _ in range(ncols)]
        self.col_rows: list[int] = []
        self.row_cols: list[list[int]] = []
        self.rows: list = []
        self.nodes = 0

    def add_row(self, cols, payload) -> None:
        r = len(self.rows)
        for c in cols:
            self._col_lists[c].append(r)
        self.row_cols.append(list(cols))
        self.rows.append(payload)

    def _bitsets(self) -> None:
        size = (len(self.rows) + 8) // 8
        self.col_rows = []
        for rows in self._col_lists:
            buf = bytearray(size)
            for r in rows:
                buf[r >> 3] |= 1 << (r & 7)
            self.col_rows.append(int.from_bytes(buf, "little"))

    def solve(self, max_nodes: int, deadline: float | None = None):
        """The payloads of one solution, [] if there is none, None if the budget ran out."""
        self._bitsets()
        col_rows, row_cols = self.col_rows, self.row_cols
        chosen: list[int] = []

        class _Stop(Exception):
            pass

        def search(active: int, open_cols: list[int]) -> bool:
            if not open_cols:
                return True
            self.nodes += 1
            if self.nodes > max_nodes or (deadline is not None and not self.nodes & 255
                                          and _now() > deadline):
                raise _Stop
            best_rows, size = 0, None
            for c in open_cols:
                rows = col_rows[c] & active
                count = rows.bit_count()
                if size is None or count < size:
                    best_rows, size = rows, count
                    if count <= 1:
                        break
            if not size:
                return False
            rows = best_rows
            while rows:
                low = rows & -rows
                rows ^= low
                r = low.bit_length() - 1
                cols = row_cols[r]
                left = active
                for c in cols:
                    left &= ~col_rows[c]
                chosen.append(r)
                if search(left, [c for c in open_cols if c not in cols]):
                    return True
                chosen.pop()
            return False

        try:
            found = search((1 << len(self.rows)) - 1, list(range(self.nprimary)))
        except _Stop:
            return None
        return [self.rows[i] for i in chosen] if found else []


def _now() -> float:
    return time.monotonic()


# --------------------------------------------------------------------------
# The Hermitian unital of order 3: 28 people in groups of 4 for 9 rounds


def _projective_points(Q: int) -> list[tuple[int, int, int]]:
    return ([(1, x, y) for x in range(Q) for y in range(Q)]
            + [(0, 1, y) for y in range(Q)] + [(0, 0, 1)])


@lru_cache(maxsize=4)
def _unital(q: int) -> tuple | None:
    """A resolution of the Hermitian unital in PG(2, q^2): q^3 + 1 points, blocks of
    q + 1, q^2 parallel classes (found by exact cover; q = 2, 3 are instant)."""
    Q = q * q
    add, mul = field_tables(Q)

    def power(x, e):
        r = 1
        for _ in range(e):
            r = mul[r][x]
        return r

    norm = [power(x, q + 1) for x in range(Q)]
    points = _projective_points(Q)
    on_curve = [p for p in points
                if add[add[norm[p[0]]][norm[p[1]]]][norm[p[2]]] == 0]
    index = {p: i for i, p in enumerate(on_curve)}
    blocks = set()
    for line in points:
        on = [index[p] for p in on_curve
              if add[add[mul[line[0]][p[0]]][mul[line[1]][p[1]]]][mul[line[2]][p[2]]] == 0]
        if len(on) == q + 1:
            blocks.add(tuple(on))
    blocks = sorted(blocks)
    v, r = len(on_curve), Q
    block_id = {b: i for i, b in enumerate(blocks)}
    # Columns: (round, point) and block; a row puts one block in one round.
    cover = ExactCover(r * v + len(blocks), r * v + len(blocks))
    for c in range(r):
        for b in blocks:
            cover.add_row([c * v + p for p in b] + [r * v + block_id[b]], (c, b))
    found = cover.solve(max_nodes=200_000)
    if not found:
        return None
    rounds = [[] for _ in range(r)]
    for c, b in found:
        rounds[c].append(list(b))
    return tuple(tuple(tuple(g) for g in rnd) for rnd in rounds)


def unital(q: int) -> Rounds | None:
    """q^3 + 1 people in groups of q + 1 for q^2 rounds, everyone meeting everyone once."""
    found = _unital(q)
    return None if found is None else [[list(g) for g in rnd] for rnd in found]


# --------------------------------------------------------------------------
# Cyclic schedules found by exact cover


def cyclic_row_estimate(n: int, s: int, N: int, h: int, fixed: int = 0) -> int:
    """How many blocks `CyclicCover` looks at: its set-up cost."""
    f0 = n - fixed
    w0 = N // h
    return sum(math.comb(f0 - 1 - first, s - 1) for first in range(f0) if first % N < w0)


class CyclicCover:
    """Cyclic schedules for g*s people in groups of s, found by exact cover.

    The people are m orbits of Z_N (orbit i, position x is i*N + x) and `fixed`
    fixed points. There are k base rounds, each invariant under the shift by
    w0 = N // h; round b*w0 + t is base round b shifted by t (x -> x + t), so
    the schedule has k * w0 rounds. Groups of a base round come as whole orbits
    under the shift by w0 (a group and its h shifts), and each fixed point's
    group is the fixed point plus (s - 1) / h such orbits of people. A pair's
    *class* is its orbit under Z_N; no class may be met twice, which makes
    this an exact cover problem over (base round, orbit of people) and classes.
    With h == 1 this finds e.g. Kirkman triple systems (1-rotational, or two
    base rounds under Z_5 for 21 people); with h == 3, 40 people in groups of
    4 for 13 rounds (a 1-rotational resolvable design over Z_39).
    """

    def __init__(self, g: int, s: int, N: int, h: int, k: int, fixed: int, gdd: int = 0,
                 leave: frozenset = frozenset()):
        self.g, self.s, self.N, self.h, self.k, self.fixed = g, s, N, h, k, fixed
        self.gdd = gdd
        self.leave = leave
        self.rows: list = []
        self.proven_impossible = False
        n = g * s
        ok = (N % h == 0 and n >= N and fixed <= g and (g - fixed) % h == 0)
        w0 = self.w0 = N // h if ok else 0
        m = self.m = (n - fixed) // N if ok else 0
        if not ok or m * N + fixed != n or m == 0:
            self.proven_impossible = True
            return
        f0 = self.f0 = m * N
        if fixed and ((s - 1) % h or m < (s - 1) // h):
            self.proven_impossible = True
            return
        keys: dict = {}
        info: list[tuple[int, int]] = []  # (pairs in class, stab)

        def cls(u, v):
            key, pairs, stab = pair_orbit(u, v, N, f0)
            if key[0] not in ("F", "FF"):
                i, j, d = key
                if i != j and gdd and d == 0 and i // gdd == j // gdd:
                    return -1  # the hinted groups of people who never meet
                if key in leave:
                    return -1  # pairs chosen never to meet
            c = keys.get(key)
            if c is None:
                c = keys[key] = len(info)
                info.append((pairs, stab))
            return c

        shift = self.shift

        def orbit_col(p):  # column of a person's orbit under the shift by w0
            return (p // N) * w0 + (p % N) % w0

        def row_classes(groups):
            counts: dict = {}
            for grp in groups:
                for a, b in itertools.combinations(grp, 2):
                    c = cls(a, b)
                    if c < 0:
                        return None
                    counts[c] = counts.get(c, 0) + 1
            for c, cnt in counts.items():
                if cnt * info[c][1] != h:
                    return None  # met twice: not allowed
            return list(counts)

        rows = self.rows  # (groups, person-orbit columns, class ids, fixed index or None)
        t = (s - 1) // h if fixed else 0
        reps = [i * N + x for i in range(m) for x in range(w0)]
        for j in range(fixed):
            p = f0 + j
            for combo in itertools.combinations(reps, t):
                if len({q // N for q in combo}) < t:
                    continue
                grp = [p] + [shift(q, e * w0) for q in combo for e in range(h)]
                cl = row_classes([grp])
                if cl is not None:
                    rows.append(([grp], [m * w0 + j] + [orbit_col(q) for q in combo], cl, j))
        # Class of every pair of non-fixed people, -1 where they must not meet in a block
        # that comes with its h shifts (met h * stab times, or chosen to be left out).
        table = [[-1] * f0 for _ in range(f0)]
        for a in range(f0):
            for b in range(a + 1, f0):
                c = cls(a, b)
                if c >= 0 and info[c][1] == 1:
                    table[a][b] = table[b][a] = c
        col_of = [orbit_col(q) for q in range(f0)]
        # Blocks whose first person is at a position below w0 of an orbit, grown one
        # person at a time while the classes stay distinct and meetable; `build` does
        # this a slice at a time.
        stack: list = []
        work = [0]

        def grow(block, classes, used_cols, start):
            work[0] += 1
            if len(block) == s:
                stack.append((tuple(block), list(classes)))
                return
            for q in range(start, f0):
                cq = col_of[q]
                if cq in used_cols:
                    continue
                row = table[q]
                new = [row[p] for p in block]
                if -1 in new or len(set(new)) < len(new) or any(c in classes for c in new):
                    continue
                block.append(q)
                used_cols.add(cq)
                grow(block, classes + new, used_cols, q + 1)
                used_cols.discard(cq)
                block.pop()

        self._grow, self._stack, self._work, self._col_of = grow, stack, work, col_of
        self._firsts = [x for x in range(f0) if x % N < w0]
        self._info = info
        self.built = False
        # Symmetry: translating one orbit, or permuting orbits, maps schedules to
        # schedules, so the first fixed point's group in base round 0 may be taken
        # as the fixed point with the first orbits' position 0.
        self.first_fixed = None
        # Translating one orbit keeps pure classes; permuting orbits needs no leave at all.
        pure_leave = all(key[0] == key[1] for key in leave if len(key) == 3)
        if fixed and not gdd and pure_leave and (not leave or t == m):
            self.first_fixed = [f0] + [shift(i * N, e * w0) for i in range(t) for e in range(h)]

    def build(self, max_work: int | None = None) -> bool:
        """Enumerate candidate groups, about `max_work` steps at a time; True when done."""
        if self.built or self.proven_impossible:
            return True
        start = self._work[0]
        while self._firsts:
            if max_work is not None and self._work[0] - start >= max_work:
                return False
            first = self._firsts.pop(0)
            self._grow([first], [], {self._col_of[first]}, first + 1)
        h, w0, s = self.h, self.w0, self.s
        for block, cl in self._stack:
            if h > 1:
                shifted = [tuple(sorted(self.shift(q, e * w0) for q in block)) for e in range(h)]
                if min(shifted) != block:
                    continue
                groups = [list(b) for b in shifted]
            else:
                groups = [list(block)]
            self.rows.append((groups, [self._col_of[q] for q in block], cl, None))
        self._stack.clear()
        info = self._info
        self.classes = sorted({c for row in self.rows for c in row[2]})
        total_meetings = self.k * w0 * self.g * s * (s - 1) // 2
        available = sum(info[c][0] for c in self.classes)
        self.complete = available == total_meetings
        if not self.rows or available < total_meetings:
            self.proven_impossible = True
        self.built = True
        return True

    def shift(self, p: int, t: int) -> int:
        N = self.N
        return p if p >= self.f0 else p - p % N + (p % N + t) % N

    def attempt(self, seed: int, max_nodes: int, deadline: float | None = None):
        """Rounds of a schedule, [] if proven impossible, None if the budget ran out."""
        self.build()
        if self.proven_impossible:
            return []
        import random
        k, m, w0, fixed = self.k, self.m, self.w0, self.fixed
        per_base = m * w0 + fixed
        class_col = {c: i for i, c in enumerate(self.classes)}
        ncols = k * per_base + len(self.classes)
        cover = ExactCover(ncols, ncols if self.complete else k * per_base)
        order = list(range(len(self.rows)))
        if seed:
            random.Random(seed).shuffle(order)
        for b in range(k):
            for i in order:
                groups, cols, cl, fx = self.rows[i]
                if b == 0 and fx == 0:
                    if self.first_fixed is not None and groups[0] != self.first_fixed:
                        continue
                    if self.first_fixed is None and 0 not in groups[0]:
                        continue  # translating everything puts position 0 with it
                cover.add_row([b * per_base + c for c in cols]
                              + [k * per_base + class_col[c] for c in cl], (b, groups))
        found = cover.solve(max_nodes=max_nodes, deadline=deadline)
        self.nodes = cover.nodes
        if found is None:
            return None
        if not found:
            self.proven_impossible = True
            return []
        bases: list[list] = [[] for _ in range(k)]
        for b, groups in found:
            bases[b].extend(groups)
        return [[[self.shift(p, t) for p in grp] for grp in base]
                for base in bases for t in range(w0)]


def cyclic_exact(g: int, s: int, N: int, h: int, k: int, fixed: int, *,
                 max_nodes: int, deadline: float | None = None, seed: int = 0,
                 stats: dict | None = None, gdd: int = 0,
                 leave: frozenset = frozenset()) -> Rounds | None:
    """One attempt of `CyclicCover`: rounds, or None (none exists or budget ran out)."""
    search = CyclicCover(g, s, N, h, k, fixed, gdd, leave)
    found = search.attempt(seed, max_nodes, deadline)
    if stats is not None:
        stats.update(rows=len(search.rows), nodes=getattr(search, "nodes", 0))
    return found or None
