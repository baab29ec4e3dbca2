"""The whole-schedule planner (social golfer problem): constructions, search, CLI."""
import itertools
import json
import subprocess
import sys

import pytest
from conftest import DATA, ROOT

from facilitator.pairing import MixRules, Person, designs, group_sizes
from facilitator.pairing.__main__ import main
from facilitator.pairing.planner import _Annealer, count_repeats, plan


def assert_valid(result, people, size, rounds):
    """Every round partitions everyone, with the sizes group_sizes gives."""
    ids = sorted(people, key=str)
    assert len(result.rounds) == rounds
    for rnd in result.rounds:
        assert sorted((m for grp in rnd for m in grp), key=str) == ids
        assert sorted((len(grp) for grp in rnd), reverse=True) == group_sizes(len(ids), size)
    repeats, first = count_repeats(result.rounds)
    assert result.stats["repeat_pairs"] == repeats
    assert result.stats["first_repeat_round"] == first


def planned(n, size, rounds, time_limit):
    """plan() for people 1..n, checked with assert_valid."""
    result = plan(n, size, rounds, time_limit=time_limit)
    assert_valid(result, range(1, n + 1), size, rounds)
    return result


def meetings(rounds):
    seen = {}
    for rnd in rounds:
        for grp in rnd:
            for a, b in itertools.combinations(grp, 2):
                key = frozenset((a, b))
                seen[key] = seen.get(key, 0) + 1
    return seen


# --- constructions -----------------------------------------------------------


@pytest.mark.parametrize("q", [2, 3, 4, 5, 7, 8, 9, 16, 25, 27])
def test_finite_fields(q):
    add, mul = designs.field_tables(q)
    assert all(add[0][x] == x and mul[1][x] == x for x in range(q))
    assert all(any(mul[a][b] == 1 for b in range(q)) for a in range(1, q))  # inverses
    for a, b, c in itertools.islice(itertools.product(range(q), repeat=3), 0, None, 7):
        assert mul[a][add[b][c]] == add[mul[a][b]][mul[a][c]]
        assert mul[a][mul[b][c]] == mul[mul[a][b]][c]


@pytest.mark.parametrize("g", range(1, 17))
@pytest.mark.parametrize("s", range(2, 9))
def test_every_construction_is_exact(g, s):
    n = g * s
    rounds, _ = designs.best_construction(n, s)
    assert rounds
    for rnd in rounds:
        assert sorted(p for grp in rnd for p in grp) == list(range(n))
        assert all(len(grp) == s for grp in rnd)
    assert max(meetings(rounds).values(), default=1) == 1


@pytest.mark.parametrize("n,size,rounds,method", [
    (8, 2, 7, "round robin"),
    (16, 4, 5, "affine plane AG(2,4)"),
    (25, 5, 6, "affine plane AG(2,5)"),
    (64, 8, 9, "affine plane AG(2,8)"),
    (81, 9, 10, "affine plane AG(2,9)"),
    (27, 3, 13, "transversal design"),        # Kirkman triple system on 27 points
    (64, 4, 21, "transversal design"),        # everyone meets everyone once
    (28, 4, 9, "Hermitian unital"),
    (36, 6, 3, "grid"),
])
def test_constructions_give_no_repeats(n, size, rounds, method):
    result = planned(n, size, rounds, time_limit=5)
    assert result.stats["repeat_pairs"] == 0
    assert result.stats["first_repeat_round"] is None
    assert result.stats["method"].startswith(method)
    assert result.stats["seconds"] < 2


def test_complete_designs_meet_everyone_once():
    for n, size, rounds in [(8, 2, 7), (16, 4, 5), (25, 5, 6), (28, 4, 9)]:
        seen = meetings(plan(n, size, rounds, time_limit=5).rounds)
        assert len(seen) == n * (n - 1) // 2 and set(seen.values()) == {1}


def test_more_rounds_than_asked_takes_the_first():
    result = planned(16, 4, 3, time_limit=1)
    assert result.stats["repeat_pairs"] == 0


# --- searches ----------------------------------------------------------------


def test_kirkman_schoolgirls():
    result = planned(15, 3, 7, time_limit=10)
    assert result.stats["repeat_pairs"] == 0
    assert result.stats["method"].startswith("cyclic")


@pytest.mark.parametrize("n,size,rounds", [
    (21, 3, 10),   # Kirkman triple system on 21 points
    (18, 3, 8),    # nearly Kirkman triple system on 18 points
    (24, 4, 7),
    (20, 4, 5),
])
def test_cyclic_searches_find_designs(n, size, rounds):
    result = planned(n, size, rounds, time_limit=10)
    assert result.stats["repeat_pairs"] == 0
    assert result.stats["seconds"] < 5


def test_exact_cover_finds_a_resolvable_design_on_40():
    rounds = designs.cyclic_exact(10, 4, 39, 3, 1, 1, max_nodes=20_000)
    assert rounds is not None and len(rounds) == 13
    seen = meetings(rounds)
    assert len(seen) == 40 * 39 // 2 and set(seen.values()) == {1}


def test_plain_local_search_solves_easy_instances():
    # No symmetry, random start: 32 people in fours for 6 rounds, 24 in fours for 5.
    for n, size, rounds in [(32, 4, 6), (24, 4, 5)]:
        sizes = group_sizes(n, size)
        search = _Annealer(n, sizes, 1, rounds, 0, seed=1, temperature=0.35)
        for _ in range(50):
            if search.run(20_000) == 0:
                break
        assert search.best_cost == 0
        assert count_repeats(search.develop())[0] == 0


def test_uneven_groups():
    planned(14, 3, 4, time_limit=2)  # groups of 4, 4, 3, 3
    result = planned(97, 4, 6, time_limit=5)  # one group of 5
    assert result.stats["repeat_pairs"] == 0


def test_impossible_rounds_still_returned_with_counted_repeats():
    result = planned(4, 2, 5, time_limit=5)
    # Three rounds meet everyone; each further round repeats two pairs.
    assert result.stats["repeat_pairs"] == 4
    assert result.stats["first_repeat_round"] == 4
    assert result.stats["seconds"] < 1  # the lower bound was reached: no need to search on

    result = planned(12, 3, 5, time_limit=1)  # no nearly Kirkman triple system on 12 points
    assert result.stats["repeat_pairs"] >= 1
    assert result.stats["first_repeat_round"] == 5


def test_organisations_kept_apart():
    # 4 organisations of 4: three rounds of groups with one person from each.
    people = [Person(id=f"p{i}", organisation=f"org{i % 4}") for i in range(16)]
    result = plan(people, 4, 3, time_limit=5)
    assert_valid(result, [p.id for p in people], 4, 3)
    assert result.stats["repeat_pairs"] == 0
    assert result.stats["same_org_pairs"] == 0
    ignored = plan(people, 4, 3, rules=MixRules(separate_organisations=False), time_limit=5)
    assert ignored.stats["repeat_pairs"] == 0


def test_absent_people_are_left_out():
    people = [Person(id=i, present=i != 3) for i in range(1, 10)]
    result = plan(people, 3, 2, time_limit=1)
    assert_valid(result, [1, 2, 4, 5, 6, 7, 8, 9], 3, 2)


@pytest.mark.parametrize("args", [(15, 3, 7), (24, 4, 5), (21, 3, 10), (32, 4, 8)])
def test_deterministic_for_a_seed(args):
    first = plan(*args, time_limit=30, seed=5)
    again = plan(*args, time_limit=30, seed=5)
    assert not first.stats["timed_out"]
    assert first.rounds == again.rounds


def test_bad_arguments():
    with pytest.raises(ValueError):
        plan(10, 1, 3)
    with pytest.raises(ValueError):
        plan(10, 11, 3)
    with pytest.raises(ValueError):
        plan(10, 2, 0)
    with pytest.raises(ValueError):
        plan(1, 2, 3)
    with pytest.raises(ValueError):
        plan([Person(id="a"), Person(id="a"), Person(id="b")], 2, 1)


# --- command line ------------------------------------------------------------


def run_cli(capsys, *args):
    code = main(["plan", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json(capsys):
    code, out, err = run_cli(capsys, "--people", "16", "--group-size", "4", "--rounds", "5",
                             "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) == {"rounds", "stats"}
    assert len(data["rounds"]) == 5
    assert all(sorted(m for grp in rnd for m in grp) == list(range(1, 17))
               for rnd in data["rounds"])
    stats = data["stats"]
    assert stats["repeat_pairs"] == 0 and stats["same_org_pairs"] == 0
    assert "first_repeat_round" in stats and stats["first_repeat_round"] is None
    assert stats["people"] == 16 and stats["group_size"] == 4 and stats["rounds"] == 5


def test_cli_json_with_repeats(capsys):
    code, out, _ = run_cli(capsys, "--people", "4", "--group-size", "2", "--rounds", "5",
                           "--json", "--time-limit", "1")
    assert code == 0
    stats = json.loads(out)["stats"]
    assert stats["repeat_pairs"] == 4 and stats["first_repeat_round"] == 4


def test_cli_table(capsys):
    code, out, _ = run_cli(capsys, "--people", "9", "--group-size", "3", "--rounds", "4")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Round 1: Group 1: 1, 2, 3 | Group 2: ")
    assert [line.split(":")[0] for line in lines[:4]] == [f"Round {r}" for r in range(1, 5)]
    assert "0 repeated meetings" in out


def test_cli_roster(capsys):
    code, out, _ = run_cli(capsys, "--roster", str(DATA / "roster-24.csv"), "--group-size",
                           "4", "--rounds", "5", "--json", "--time-limit", "5")
    assert code == 0
    data = json.loads(out)
    names = [line.split(",")[0] for line in
             (DATA / "roster-24.csv").read_text(encoding="utf-8-sig").splitlines()[1:]]
    for rnd in data["rounds"]:
        assert sorted(m for grp in rnd for m in grp) == sorted(names)
    assert data["stats"]["repeat_pairs"] == 0
    assert data["stats"]["same_org_pairs"] == 0


def test_cli_roster_with_bom_and_optional_columns(tmp_path, capsys):
    roster = tmp_path / "r.csv"
    roster.write_bytes("\ufeffname,organisation\nÀda,A\nBen,A\nCleo,B\nDev,B\n".encode())
    code, out, _ = run_cli(capsys, "--roster", str(roster), "--group-size", "2",
                           "--rounds", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert sorted(m for grp in data["rounds"][0] for m in grp) == ["Ben", "Cleo", "Dev", "Àda"]
    assert data["stats"]["same_org_pairs"] == 0


@pytest.mark.parametrize("content,message", [
    ("name,organisation\nAda,A\nAda,B\n", "duplicate name 'Ada'"),
    ("name,role\nAda,A\nBen,B\n", "missing column(s): organisation"),
    ("fullname,org\nAda,A\n", "missing column(s): name, organisation"),
])
def test_cli_bad_roster(tmp_path, capsys, content, message):
    roster = tmp_path / "r.csv"
    roster.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, "--roster", str(roster), "--group-size", "2",
                             "--rounds", "1")
    assert code == 2 and out == ""
    assert message in err


@pytest.mark.parametrize("args,message", [
    (["--people", "10", "--group-size", "1", "--rounds", "3"], "--group-size must be at least 2"),
    (["--people", "10", "--group-size", "11", "--rounds", "3"], "larger than the 10 people"),
    (["--people", "10", "--group-size", "2", "--rounds", "0"], "--rounds must be at least 1"),
    (["--people", "10", "--group-size", "2", "--rounds", "-2"], "--rounds must be at least 1"),
    (["--people", "1", "--group-size", "2", "--rounds", "3"], "--people must be at least 2"),
    (["--people", "10", "--group-size", "2", "--rounds", "3", "--time-limit", "-1"],
     "--time-limit"),
    (["--roster", "/nonexistent/roster.csv", "--group-size", "2", "--rounds", "3"],
     "cannot read roster"),
])
def test_cli_bad_arguments(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert message in err


def test_cli_usage_errors_exit_2(capsys):
    for args in (["plan", "--people", "10", "--rounds", "3"],            # no group size
                 ["plan", "--people", "x", "--group-size", "2", "--rounds", "3"],
                 ["plan", "--people", "4", "--roster", "r.csv", "--group-size", "2",
                  "--rounds", "3"],
                 []):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
    capsys.readouterr()


def test_module_runs_as_a_command():
    done = subprocess.run([sys.executable, "-m", "facilitator.pairing", "plan", "--people",
                           "6", "--group-size", "2", "--rounds", "5", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["stats"]["repeat_pairs"] == 0 and data["stats"]["method"] == "round robin"
    bad = subprocess.run([sys.executable, "-m", "facilitator.pairing", "plan", "--people",
                          "6", "--group-size", "7", "--rounds", "5"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "larger than" in bad.stderr
