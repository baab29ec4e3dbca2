"""Unit tests: secrets, codes, validation and roster parsing on plain data."""
import pytest
from hypothesis import given, strategies as st

from facilitator import security
from facilitator.validation import Problem, clean_text, name_key, text
from facilitator.workshops import roster
from conftest import DATA


def test_join_codes_use_only_unambiguous_characters():
    codes = {security.new_join_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("0O1IL2Z5S8BQ")


@pytest.mark.parametrize("typed, expected", [
    ("k7m3xr", "K7M3XR"), (" K7M-3XR ", "K7M3XR"), ("K7 M3 XR", "K7M3XR"),
    ("K7M3Q", ""), ("K7M3QO", ""), ("", ""), (None, ""), (123456, ""), ("x" * 1000, ""),
])
def test_typed_codes_are_normalised_or_refused(typed, expected):
    assert security.normalise_code(typed) == expected


def test_tokens_are_long_and_stored_only_as_hashes():
    token = security.new_token()
    assert len(token) >= 32  # 192 bits, URL-safe
    assert security.token_hash(token) != token
    assert len(security.token_hash(token)) == 64


def test_derived_links_change_with_generation_and_facilitator_key():
    key = security.new_token()
    panel0 = security.derived_key(key, "panel", 0)
    assert panel0 == security.derived_key(key, "panel", 0)
    assert panel0 != security.derived_key(key, "panel", 1)
    assert panel0 != security.derived_key(key, "screen", 0)
    assert panel0 != security.derived_key(security.new_token(), "panel", 0)
    assert len(panel0) >= 22  # at least 128 bits


def test_text_cleans_controls_and_bidi_overrides():
    assert clean_text("  Ann\u202e  Lee\x00 ") == "Ann Lee"
    assert clean_text("line one\n\nline two", multiline=True) == "line one\n\nline two"


@pytest.mark.parametrize("value, message", [
    (None, "is required"), ("   ", "is required"), (5, "must be text"),
    (["a"], "must be text"), ("x" * 81, "too long"), ("x" * 100_000, "too long"),
])
def test_text_refuses_bad_values_with_a_message(value, message):
    with pytest.raises(Problem) as err:
        text({"name": value}, "name", "Your name", max_len=80)
    assert message in err.value.message
    assert err.value.field == "name"


@given(st.text(max_size=300))
def test_clean_text_never_raises_and_is_idempotent(value):
    once = clean_text(value)
    assert clean_text(once) == once


def test_name_keys_ignore_case_and_spacing():
    assert name_key("  Zoë   D'Souza ") == name_key("zoë d'souza")


def test_sample_rosters_import_whole():
    for path in DATA.glob("roster-*.csv"):
        rows, problems = roster.parse(path.read_bytes())
        expected = int(path.stem.split("-")[1])
        assert len(rows) == expected, path
        assert problems == []
        assert all(r["name"] and r["organisation"] for r in rows)
    rows, _ = roster.parse((DATA / "roster-500.csv").read_bytes())
    assert any("ễ" in r["name"] or "ả" in r["name"] for r in rows)


def test_roster_header_and_row_problems_are_explained():
    rows, problems = roster.parse(b"\xef\xbb\xbfName,Organisation\nAnn,NHS\n\n,NHS\n" +
                                  b"Bob," + b"x" * 200 + b"\n")
    assert [r["name"] for r in rows] == ["Ann"]
    assert rows[0]["role"] == "" and rows[0]["sector"] == ""
    assert problems == ["Line 4: no name.",
                        "Line 5: organisation is too long (at most 120 characters)."]
    rows, problems = roster.parse(b"name,organisation\nAnn Lee,NHS\nBo,X\nann  lee,nhs\n")
    assert [r["name"] for r in rows] == ["Ann Lee", "Bo"]
    assert problems == ["Line 4: ann lee (nhs) repeats line 2; skipped."]
    rows, problems = roster.parse(b"full name,org\nAnn,NHS\n")
    assert rows == [] and "name and organisation" in problems[0]
    rows, problems = roster.parse("name,organisation\nRen\xe9e,Caf\xe9\n".encode("cp1252"))
    assert rows[0]["name"] == "Renée"
    rows, problems = roster.parse(b"\x00\xff\xfe" * 10)
    assert rows == [] and problems
    rows, problems = roster.parse(b"x" * (roster.MAX_BYTES + 1))
    assert rows == [] and "larger than 1 MB" in problems[0]


def test_full_collections_wait_for_a_quiet_moment():
    import gc

    from facilitator.health import FullCollections
    saved = gc.get_threshold()
    collector = FullCollections(every=3600, rescan=3600)
    try:
        collector.take_over()
        assert gc.get_threshold()[2] > 10**6, "Python starts no full collection itself"
        collector.last -= 3600
        collector.events = 3
        collector.beat()  # due: the young generations, whatever the load
        assert [c[2] for c in collector.collections] == ["young"]
        assert gc.get_freeze_count() > 0, "what survived is frozen"
        collector.last_rescan -= 3600
        collector.events = 3
        collector.beat()  # a busy beat: the full rescan waits
        collector.beat()  # a quiet one after a busy one: still waits
        assert [c[2] for c in collector.collections] == ["young"]
        collector.beat()  # two quiet beats in a row: everything is scanned again
        assert [c[2] for c in collector.collections] == ["young", "full"]
        collector.last_rescan -= 2 * 3600
        collector.events = 5
        collector.beat()  # however busy, never twice `rescan` without a full one
        assert [c[2] for c in collector.collections] == ["young", "full", "full"]
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)
