"""Quality gate: enrichment on the labelled set (tests/fixtures/enrichment/) stays above the pinned floors.

The precision/recall table and every article that disagrees with its labels are printed on each run
(`pytest -s` or the -ra summary on failure).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.enrichment.labelled import SET_FIELDS, load_articles, score, table
from newslake.enrichment import enrich

FLOORS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "enrichment" / "floors.json").read_text())


@pytest.fixture(scope="module")
def result():
    articles = load_articles()
    outcome = score(articles, lambda a: enrich(a["title"], a["body"], a["language"], a.get("dateline_place")))
    print("\n" + table(outcome))
    for name, s in outcome["fields"].items():
        for error in s.errors:
            print(f"  {name}: {error}")
    return outcome


def test_the_set_is_big_enough_and_covers_the_hard_cases() -> None:
    articles = load_articles()
    assert len(articles) >= 80
    languages = {a["language"] for a in articles}
    assert {"en", "ru", "kk", "uz"} <= languages
    hard = {tag for a in articles for tag in a.get("hard", [])}
    assert {"adjective-only", "georgia-us", "georgia-country", "acronym-only", "negated", "list", "no-topic",
            "inflected", "former-name", "footer"} <= hard
    assert len({a["id"] for a in articles}) == len(articles)


@pytest.mark.parametrize("name", SET_FIELDS)
def test_precision_and_recall_above_floors(result, name: str) -> None:
    s = result["fields"][name]
    assert s.precision >= FLOORS[f"{name}_precision"], f"{name} precision {s.precision:.3f}: {s.errors}"
    assert s.recall >= FLOORS[f"{name}_recall"], f"{name} recall {s.recall:.3f}: {s.errors}"


def test_primary_country_accuracy_above_floor(result) -> None:
    assert result["primary_accuracy"] >= FLOORS["primary_country_accuracy"], result["primary_errors"]


def test_topics_on_the_analysed_holdout_sets_stay_above_their_floors() -> None:
    # Sets 1 and 2 were held out until round 3 analysed their misses; holdout3 stays unscored here on purpose.
    articles = load_articles("holdout_*.yaml") + load_articles("holdout2_*.yaml")
    s = score(articles, lambda a: enrich(a["title"], a["body"], a["language"], a.get("dateline_place")))["fields"]["topics"]
    assert s.precision >= FLOORS["analysed_holdouts_topics_precision"], s.errors
    assert s.recall >= FLOORS["analysed_holdouts_topics_recall"], s.errors
