"""Word clouds count a plural with its singular, and never make up a word."""
import pytest

from facilitator.prompts.kinds import WordCloud, fold_plurals


def cloud(*entries, plurals=True) -> dict:
    """The counts of a word cloud with one entry per delegate."""
    config = WordCloud.config({"entries": 1, "plurals": plurals})
    tallied = WordCloud.tally(config, [{"entries": [e]} for e in entries])
    return {w["text"]: w["count"] for w in tallied["words"]}


@pytest.mark.parametrize("entries, counted", [
    # A plural folds onto its singular when someone typed the singular.
    (["teams", "team"], {"team": 2}),
    (["Teams", "team ", "TEAM"], {"team": 3}),
    (["boxes", "box"], {"box": 2}),
    (["churches", "church"], {"church": 2}),
    (["stories", "story"], {"story": 2}),
    (["care homes", "care home"], {"care home": 2}),
    (["partners", "partner", "partners"], {"partner": 3}),
    # Alone, a word is counted as typed: nothing is cut to a word nobody wrote.
    (["teams"], {"teams": 1}),
    (["politics"], {"politics": 1}),
    (["economics", "logistics"], {"economics": 1, "logistics": 1}),
    (["business", "status", "analysis", "focus", "progress"],
     {"business": 1, "status": 1, "analysis": 1, "focus": 1, "progress": 1}),
    (["news", "series", "bus", "gas"], {"news": 1, "series": 1, "bus": 1, "gas": 1}),
    # Never folded, even beside a look-alike.
    (["politics", "politic"], {"politics": 1, "politic": 1}),
    (["status", "statu"], {"status": 1, "statu": 1}),
    (["analysis", "analysi"], {"analysis": 1, "analysi": 1}),
    (["business", "busines"], {"business": 1, "busines": 1}),
    (["news", "new"], {"news": 1, "new": 1}),
    # "caress" is no plural of "cares"; "houses" folds onto "house", not "hous".
    (["houses", "house"], {"house": 2}),
    (["carers", "cares", "care"], {"carers": 1, "care": 2}),
])
def test_folding(entries, counted):
    assert cloud(*entries) == counted


def test_folding_can_be_turned_off():
    assert cloud("teams", "team", plurals=False) == {"teams": 1, "team": 1}


def test_folding_maps_only_to_words_present():
    folded = fold_plurals(["trust", "trusts", "politics", "ideas"])
    assert set(folded.values()) <= {"trust", "trusts", "politics", "ideas"}
