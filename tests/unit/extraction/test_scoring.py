"""The shared body score: 4-gram shingle precision/recall averaged over pages, F1 of the averages."""

from __future__ import annotations

import pytest
from newslake_dev.scoring import body_scores, page_scores, shingles, words


def test_words_and_shingles():
    assert words("Hello, world! It's 2024.") == ["Hello", "world", "It", "s", "2024"]
    assert sum(shingles(words("a b c d e")).values()) == 2
    assert shingles(["a", "b"]) == {("a", "b"): 1}


def test_exact_match_and_case_is_kept():
    score = page_scores("One two three four five.", "One two three four five")
    assert (score.precision, score.recall, score.exact) == (1.0, 1.0, True)
    assert page_scores("one two three four five", "One two three four five").precision == 0.5


def test_boilerplate_lowers_precision_only():
    truth = "alpha beta gamma delta epsilon"
    score = page_scores(truth + " share on facebook and twitter now", truth)
    assert score.recall == 1.0
    assert score.precision == pytest.approx(2 / 8)


def test_empty_output_counts_for_recall_not_precision():
    scores = body_scores([(None, "a b c d e"), ("a b c d e", "a b c d e")])
    assert scores.returned == 1
    assert scores.precision == 1.0
    assert scores.recall == 0.5
    assert scores.f1 == pytest.approx(2 * 0.5 / 1.5)
    assert scores.accuracy == 0.5
