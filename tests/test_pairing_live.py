"""The live grouper: properties on generated rosters, scenarios on the sample rosters."""
import csv
import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from facilitator.pairing.live import (count_odd, group_round, place_late, regroup, round_pairs,
                                      round_stats, unavoidable_same_org_pairs)
from facilitator.pairing.model import MixRules, Person, group_sizes, pair

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples"
# Generous budgets: these runs end at a proven optimum or a stall long before,
# so results stay deterministic on a loaded machine. No test times anything.
PATIENT = 30.0


def roster(n):
    """A sample roster as Person records, id = row index."""
    with open(DATA / f"roster-{n}.csv", newline="", encoding="utf-8") as f:
        return [Person(i, r["organisation"], r["role"], r["sector"])
                for i, r in enumerate(csv.DictReader(f))]


def with_present(people, absent):
    return [Person(p.id, p.organisation, p.role, p.sector, p.id not in absent) for p in people]


def check_round(groups, people, size):
    """Every present person in exactly one group, nobody else; sizes as promised."""
    present = [p.id for p in people if p.present]
    placed = [m for g in groups for m in g]
    assert Counter(placed) == Counter(present)
    sizes = [len(g) for g in groups]
    assert sorted(sizes, reverse=True) == group_sizes(len(present), size)
    assert sizes == sorted(sizes, reverse=True)  # larger groups first
    if sizes:
        assert max(sizes) <= size + 1 and max(sizes) - min(sizes) <= 1
        assert min(sizes) >= 2 or len(present) == 1
    if len(present) >= size * (size - 1):  # enough groups to absorb the remainder
        assert all(size <= s <= size + 1 for s in sizes)


# ---------------------------------------------------------------- generated rosters

ORGS = ["Org A", "org a ", "Org B", "Org C", "", "Org D"]  # "org a " is Org A
person_rows = st.lists(st.tuples(st.sampled_from(ORGS),
                                 st.sampled_from(["nurse", "GP", "", "manager"]),
                                 st.sampled_from(["acute", "primary"]),
                                 st.booleans() | st.just(True)),
                       max_size=36)


def people_from(rows):
    return [Person(i, o, r, s, present) for i, (o, r, s, present) in enumerate(rows)]


rules_st = st.builds(MixRules, st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=100, deadline=None)
@given(rows=person_rows, size=st.integers(2, 6), rules=rules_st, seed=st.integers(0, 2**32),
       data=st.data())
def test_a_round_partitions_the_present_people_deterministically(rows, size, rules, seed, data):
    people = people_from(rows)
    ids = [p.id for p in people]
    met = set()
    if len(ids) >= 2:
        met = {pair(*data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2,
                                        unique=True)))
               for _ in range(data.draw(st.integers(0, 40)))}
    odd = {i: data.draw(st.integers(0, 3)) for i in ids}
    groups = group_round(people, size, met=met, rules=rules, odd_counts=odd, seed=seed,
                         time_budget=PATIENT)
    check_round(groups, people, size)
    again = group_round(list(people), size, met=list(met), rules=rules, odd_counts=odd,
                        seed=seed, time_budget=PATIENT)
    assert again == groups
    stats = round_stats(groups, met, people, rules)
    if rules.separate_organisations:
        assert stats["same_org_pairs"] >= unavoidable_same_org_pairs(people, size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(2, 6), extra=st.integers(0, 24), seed=st.integers(0, 2**32),
       rules=rules_st, data=st.data())
def test_no_repeat_when_a_repeat_free_round_exists(size, extra, seed, rules, data):
    # One earlier round of the same people into as many groups as the largest group
    # has members leaves a repeat-free next round (one person from each old group).
    n = size * (size + 1) + extra
    people = [Person(i, data.draw(st.sampled_from("ABCDEFG"))) for i in range(n)]
    order = data.draw(st.permutations(range(n)))
    earlier, start = [], 0
    for s in group_sizes(n, size):
        earlier.append(order[start:start + s])
        start += s
    met = round_pairs(earlier)
    groups = group_round(people, size, met=met, rules=rules, seed=seed, time_budget=PATIENT)
    check_round(groups, people, size)
    assert round_stats(groups, met, people)["repeat_pairs"] == 0


def _partitions(items, sizes):
    if not sizes:
        yield []
        return
    first, rest = items[0], items[1:]
    for others in itertools.combinations(rest, sizes[0] - 1):
        left = [x for x in rest if x not in others]
        for tail in _partitions(left, sizes[1:]):
            yield [[first, *others], *tail]


def _lexicographic_cost(groups, people, met, rules, odd, size):
    s = round_stats(groups, met, people, rules)
    return (s["repeat_pairs"], s["same_org_pairs"] * rules.separate_organisations,
            s["same_role_pairs"] * rules.separate_roles
            + s["same_sector_pairs"] * rules.separate_sectors,
            sum(odd[m] for g in groups if len(g) > size for m in g))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from("ABC "), st.sampled_from("xy"),
                               st.sampled_from("pq"), st.just(True)), min_size=2, max_size=8),
       size=st.integers(2, 6), rules=rules_st, seed=st.integers(0, 1000), data=st.data())
def test_tiny_rounds_are_lexicographically_optimal(rows, size, rules, seed, data):
    # Against every grouping with the same sizes: repeats, then organisation, then
    # role and sector, then odd counts.
    people = people_from(rows)
    ids = [p.id for p in people]
    met = {pair(*data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)))
           for _ in range(data.draw(st.integers(0, 10)))}
    odd = {i: data.draw(st.integers(0, 3)) for i in ids}
    groups = group_round(people, size, met=met, rules=rules, odd_counts=odd, seed=seed,
                         time_budget=PATIENT)
    sizes = group_sizes(len(ids), size)
    best = min(_lexicographic_cost(part, people, met, rules, odd, size)
               for order in set(itertools.permutations(sizes))
               for part in _partitions(ids, list(order)))
    assert _lexicographic_cost(groups, people, met, rules, odd, size) == best


def test_results_do_not_depend_on_the_hash_seed():
    script = (
        "from facilitator.pairing.live import group_round, round_pairs\n"
        "from facilitator.pairing.model import Person, MixRules\n"
        "people = [Person(f'p{i}', f'org{i % 7}', f'role{i % 5}', f's{i % 3}')\n"
        "          for i in range(60)]\n"
        "met = set()\n"
        "for r in range(4):\n"
        "    g = group_round(people, 4, met=met, rules=MixRules(True, True, True), seed=r,\n"
        "                    time_budget=30)\n"
        "    met |= round_pairs(g)\n"
        "print(g)\n")
    outputs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1


# ---------------------------------------------------------------- sample rosters

def test_twelve_rounds_of_four_on_500_never_repeat_and_mix_organisations():
    people = roster(500)
    bound = unavoidable_same_org_pairs(people, 4)
    assert bound == 0  # 125 groups, largest organisation 65
    met = set()
    for r in range(12):
        groups = group_round(people, 4, met=met, seed=r, time_budget=PATIENT)
        check_round(groups, people, 4)
        stats = round_stats(groups, met, people)
        assert stats["repeat_pairs"] == 0
        assert stats["same_org_pairs"] == bound
        assert stats["sizes"] == {4: 125}
        met |= round_pairs(groups)
    assert len(met) == 12 * 125 * 6


def test_arrivals_and_departures_between_rounds():
    people = roster(120)
    absent = set(range(100, 120))  # 20 arrive later
    met = set()
    for r in range(8):
        if r == 2:
            absent -= set(range(100, 120))
        if r in (3, 5):
            absent ^= {r, r + 10, r + 20, 40, 41}  # some leave, some come back
        now = with_present(people, absent)
        groups = group_round(now, 3, met=met, seed=r, time_budget=PATIENT)
        check_round(groups, now, 3)
        assert not absent & {m for g in groups for m in g}
        stats = round_stats(groups, met, now)
        assert stats["repeat_pairs"] == 0
        assert stats["same_org_pairs"] == unavoidable_same_org_pairs(now, 3)
        met |= round_pairs(groups)


def test_acquaintances_declared_mid_way_are_kept_apart():
    people = roster(32)
    met, known = set(), set()
    for r in range(6):
        if r == 2:
            # Six pairs this round would have formed declare they already know each other.
            would_be = group_round(people, 4, met=met, seed=r, time_budget=PATIENT)
            known = {pair(g[0], g[1]) for g in would_be[:6]}
            met |= known
        groups = group_round(people, 4, met=met, seed=r, time_budget=PATIENT)
        check_round(groups, people, 4)
        assert round_stats(groups, met, people)["repeat_pairs"] == 0
        assert not round_pairs(groups) & known
        met |= round_pairs(groups)


def test_odd_places_rotate():
    people = with_present(roster(24), {5})  # 23 present: each round of pairs has a trio
    met, odd = set(), {}
    for r in range(11):
        groups = group_round(people, 2, met=met, odd_counts=odd, seed=r, time_budget=PATIENT)
        check_round(groups, people, 2)
        assert [len(g) for g in groups][0] == 3
        assert round_stats(groups, met, people)["repeat_pairs"] == 0
        met |= round_pairs(groups)
        odd = count_odd(groups, 2, odd)
        counts = [odd.get(p.id, 0) for p in people if p.present]
        assert max(counts) - min(counts) <= 1, (r, odd)
    assert sum(odd.values()) == 33


def test_larger_groups_go_to_those_with_fewer_odd_places():
    people = roster(120)[:42]  # groups of 4: 10 groups, two of five
    odd = {p.id: 1 for p in people}
    odd.update({3: 0, 17: 0, 29: 0, 30: 0, 41: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0})
    groups = group_round(people, 4, odd_counts=odd, time_budget=PATIENT)
    check_round(groups, people, 4)
    assert {m for g in groups if len(g) == 5 for m in g} == {3, 17, 29, 30, 41, 8, 9, 10, 11, 12}


def test_unavoidable_same_org_pairs():
    one_org = [Person(i, "Trust") for i in range(10)]
    assert unavoidable_same_org_pairs(one_org, 2) == 5  # five pairs, all same-org
    assert unavoidable_same_org_pairs(one_org, 3) == 12  # groups of 4, 3, 3: 6 + 3 + 3
    mixed = [Person(i, "Trust" if i < 7 else f"Org {i}") for i in range(12)]
    assert unavoidable_same_org_pairs(mixed, 4) == 5  # 7 over 3 groups: 3 + 1 + 1
    blanks = [Person(i, "") for i in range(12)]
    assert unavoidable_same_org_pairs(blanks, 2) == 0
    absent = [Person(i, "Trust", present=i < 3) for i in range(10)]
    assert unavoidable_same_org_pairs(absent, 2) == 3  # three present: one trio
    assert unavoidable_same_org_pairs(roster(24), 4) == 0
    for n, size in ((24, 6), (32, 6), (120, 6), (500, 6)):
        people = roster(n)
        met = set()
        groups = group_round(people, size, met=met, time_budget=PATIENT)
        assert (round_stats(groups, met, people)["same_org_pairs"]
                >= unavoidable_same_org_pairs(people, size))


def test_round_stats_counts_pairs_and_sizes():
    people = {1: Person(1, "A", "nurse", "acute"), 2: Person(2, "a", "Nurse", "primary"),
              3: Person(3, "B", "GP", "acute"), 4: Person(4, "", "GP", ""),
              5: Person(5, "", "", "")}
    stats = round_stats([[1, 2, 3], [4, 5]], {pair(1, 3), pair(4, 5), pair(2, 4)},
                        people, MixRules())
    assert stats == {"groups": 2, "repeat_pairs": 2, "same_org_pairs": 1, "same_role_pairs": 1,
                     "same_sector_pairs": 1, "sizes": {2: 1, 3: 1}}
    assert round_stats([], set(), [], MixRules())["groups"] == 0


def test_blank_organisations_are_not_alike():
    people = [Person(i, "" if i % 2 else " ") for i in range(8)]
    groups = group_round(people, 4, time_budget=PATIENT)
    assert round_stats(groups, set(), people)["same_org_pairs"] == 0


def test_small_and_empty_rounds():
    assert group_round([], 4) == []
    assert group_round([Person("a", present=False)], 4) == []
    assert group_round([Person("a")], 4) == [["a"]]
    assert group_round([Person(i) for i in range(3)], 4) == [[0, 1, 2]]
    groups = group_round([Person(i) for i in range(7)], 4, time_budget=PATIENT)
    assert sorted(map(len, groups)) == [3, 4]


# ---------------------------------------------------------------- during a round

def test_place_late_prefers_a_clean_small_group_that_is_not_full():
    people = {i: Person(i, "Org A" if i in (1, 5) else f"Org {i}") for i in range(20)}
    joiner = Person(99, "Org A")
    groups = [[0, 1, 2, 3], [4, 6, 7], [8, 9, 10], [11, 12], [13, 14, 15, 16, 17]]
    met = {pair(99, 11)}
    # [11, 12] is smallest but holds a repeat; [4, 6, 7] and [8, 9, 10] are clean.
    assert place_late(groups, joiner, people, met, MixRules(), 5) == 1
    assert place_late(groups, joiner, people, met | {pair(99, 7)}, MixRules(), 5) == 2
    # A same-organisation group is worse than any clean one, better than a repeat.
    clean_gone = met | {pair(99, 7), pair(99, 9)}
    assert place_late(groups, joiner, people, clean_gone, MixRules(), 5) == 0
    # A full group only when every group is full.
    assert place_late([[13, 14, 15, 16, 17], [11, 12]], joiner, people, set(),
                      MixRules(), 5) == 1
    assert place_late([[13, 14, 15, 16, 17], [0, 2, 3, 4, 6]], joiner, people, {pair(99, 0)},
                      MixRules(), 5) == 0
    # Never alone in an empty group while a group has people in it.
    assert place_late([[], [0, 2, 3, 4]], joiner, people, set(), MixRules(), 5) == 1
    with pytest.raises(ValueError, match="at least one existing group"):
        place_late([], joiner, people, set(), MixRules(), 5)


def test_regroup_groups_the_unfound_and_places_a_lone_one():
    people = roster(32)
    by_id = {p.id: p for p in people}
    met = set()
    groups = group_round(people, 4, seed=1, time_budget=PATIENT)
    met |= round_pairs(groups)
    unfound = [by_id[groups[0][0]], by_id[groups[1][0]], by_id[groups[2][0]]]
    new_groups, placements = regroup(unfound, 4, groups, by_id, met, MixRules(), seed=3)
    # Joining a group comes before making a new group of lost strangers.
    assert new_groups == []
    assert sorted(pid for pid, _ in placements) == sorted(p.id for p in unfound)
    for pid, index in placements:
        assert not {pair(pid, m) for m in groups[index] if m != pid} & met

    lone = by_id[groups[3][1]]
    new_groups, placements = regroup([lone], 4, groups, by_id, met, MixRules())
    assert new_groups == []
    [(pid, index)] = placements
    assert pid == lone.id and index != 3  # not back into the group it lost
    assert not {pair(pid, m) for m in groups[index]} & met

    # Five unfound, every group already full: two pairs and a trio, nobody alone.
    five = [by_id[g[0]] for g in groups[:5]]
    full = [g + ["x1", "x2"] for g in groups[5:]]
    new_groups, placements = regroup(five, 2, full, by_id, met, MixRules())
    assert sorted(map(len, new_groups)) == [2, 3]
    assert placements == []


def test_regroup_never_puts_someone_back_with_the_pair_they_could_not_find():
    people = roster(24)
    by_id = {p.id: p for p in people}
    groups = group_round(people, 2, seed=4, time_budget=PATIENT)
    met = round_pairs(groups)
    a, b = groups[0]  # a could not find b, so b is left alone: both are regrouped
    avoid = {pair(a, b)}
    new_groups, placements = regroup([by_id[a], by_id[b]], 2, groups, by_id, met,
                                     MixRules(), avoid=avoid)
    assert new_groups == []  # each joins an existing pair, making two trios
    assert {pid for pid, _ in placements} == {a, b}
    (_, ia), (_, ib) = placements
    assert ia != ib and 0 not in (ia, ib)
    # Even with nowhere else but one group, the two stay apart.
    new_groups, placements = regroup([by_id[a], by_id[b]], 2, [[a, b], groups[1]], by_id,
                                     met, MixRules(), avoid=avoid)
    together = [g for g in new_groups if {a, b} <= set(g)]
    assert not together
    placed = [index for _, index in placements]
    assert len(placed) == len(set(placed)) or not placed
    for g in new_groups:
        assert not ({a, b} <= set(g))
    # No avoid list (as before): still never both into the same new group.
    assert place_late([[a, 5], [7, 8]], by_id[b], by_id, set(), MixRules(), 3, avoid) == 1


def test_regroup_with_nowhere_to_go():
    new_groups, placements = regroup([Person("x")], 3, [], {}, set(), MixRules())
    assert new_groups == [["x"]] and placements == []


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("size", [1, 7, 0, -2, "4", 4.0, True, None])
def test_group_sizes_outside_two_to_six_are_refused(size):
    with pytest.raises(ValueError, match=r"group size must be a whole number from 2 to 6"):
        group_round([Person(i) for i in range(10)], size)
    with pytest.raises(ValueError, match=r"group size"):
        unavoidable_same_org_pairs([Person(1)], size)
    with pytest.raises(ValueError, match=r"group size"):
        regroup([Person(1)], size, [[2]], {}, set(), MixRules())


def test_duplicate_ids_are_refused():
    people = [Person(1, "A"), Person(2), Person(1, "B", present=False)]
    with pytest.raises(ValueError, match=r"duplicate person ids: 1"):
        group_round(people, 2)
    with pytest.raises(ValueError, match="duplicate"):
        unavoidable_same_org_pairs(people, 2)
    with pytest.raises(ValueError, match="duplicate"):
        regroup([Person("a"), Person("a")], 2, [], {}, set(), MixRules())
