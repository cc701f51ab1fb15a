"""Body-extraction score shared by bench/bench_extraction.py and the quality-gate test (helper B2).

Usage: ``from newslake_dev.scoring import body_scores, page_scores``.

Metric (comparable with published article-extraction results): split text into ``\\w+`` word
runs (case kept), take overlapping 4-word shingles counted with repeats, compute precision and
recall per page, average precision over pages where something was returned and recall over all
pages, F1 = harmonic mean of the two averages; accuracy = share of pages whose word sequence
equals the expected one exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4


@dataclass(frozen=True)
class PageScore:
    """Scores of one page; precision is None when the extractor returned nothing."""

    precision: float | None
    recall: float
    exact: bool


@dataclass(frozen=True)
class BodyScores:
    """Corpus-level body scores."""

    pages: int
    returned: int
    precision: float
    recall: float
    f1: float
    accuracy: float


def words(text: str | None) -> list[str]:
    """The \\w+ word runs of a text, case kept."""
    return _WORD_RE.findall(text or "")


def shingles(tokens: list[str], size: int = SHINGLE_SIZE) -> Counter:
    """Overlapping word n-grams counted with repeats (a shorter text is one shingle)."""
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_scores(predicted: str | None, expected: str | None) -> PageScore:
    """Shingle precision/recall of one extracted text against its expected text."""
    pred_words, exp_words = words(predicted), words(expected)
    pred, exp = shingles(pred_words), shingles(exp_words)
    overlap = sum((pred & exp).values())
    n_pred, n_exp = sum(pred.values()), sum(exp.values())
    precision = overlap / n_pred if n_pred else None
    if n_exp:
        recall = overlap / n_exp
    else:
        recall = 1.0 if not n_pred else 0.0
    return PageScore(precision=precision, recall=recall, exact=pred_words == exp_words)


def aggregate(scores: Iterable[PageScore]) -> BodyScores:
    """Average per-page scores into corpus precision, recall, F1 and accuracy."""
    scores = list(scores)
    if not scores:
        return BodyScores(0, 0, 0.0, 0.0, 0.0, 0.0)
    returned = [s.precision for s in scores if s.precision is not None]
    precision = sum(returned) / len(returned) if returned else 0.0
    recall = sum(s.recall for s in scores) / len(scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(s.exact for s in scores) / len(scores)
    return BodyScores(len(scores), len(returned), precision, recall, f1, accuracy)


def body_scores(pairs: Iterable[tuple[str | None, str | None]]) -> BodyScores:
    """Corpus scores for (predicted, expected) body pairs."""
    return aggregate(page_scores(pred, exp) for pred, exp in pairs)
