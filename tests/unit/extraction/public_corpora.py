"""The public extraction corpora (../shared/corpora): locate, digest, score newslake on them, and the pinned floors.

Shared by the corpus gate test and `bench/bench_extraction.py --pin-floors`; the corpora themselves are read
by path and never copied into the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from newslake.extraction import extract_article
from newslake.extraction.scoring import aggregate, page_scores

ROOT = Path(__file__).resolve().parents[3]
CORPORA = ("aed-news-2023", "daniel-ru-2012")
FLOORS = ROOT / "tests" / "fixtures" / "extraction" / "corpus_floors.json"
METRICS = ("precision", "recall", "f1", "date_acc")


def corpora_dir() -> Path:
    """Where the corpora live: $NEWSLAKE_CORPORA, else ../shared/corpora next to the repository."""
    return Path(os.environ.get("NEWSLAKE_CORPORA") or ROOT.parent / "shared" / "corpora")


def digest(folder: Path) -> str:
    """sha256 over the ground truth and every page's stored bytes, in name order: pins the gate's inputs."""
    h = hashlib.sha256()
    h.update((folder / "ground-truth.jsonl").read_bytes())
    for path in sorted((folder / "html").glob("*.html.gz")):
        h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@dataclass
class CorpusFigures:
    """newslake's body and date figures on one corpus."""

    pages: int
    precision: float
    recall: float
    f1: float
    date_acc: float | None

    def as_dict(self) -> dict[str, float | None]:
        """The metrics by name."""
        return {name: getattr(self, name) for name in METRICS}


def score(folder: Path) -> CorpusFigures:
    """Run extract_article over every page of a corpus and score body and (where labelled) date."""
    scores, dated, date_hits = [], 0, 0
    with (folder / "ground-truth.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    for row in rows:
        html = gzip.decompress((folder / "html" / f"{row['id']}.html.gz").read_bytes())
        article = extract_article(html, row.get("url") or "")
        scores.append(page_scores(article.body, row.get("body") or ""))
        if row.get("date"):
            dated += 1
            date_hits += bool(article.published_at and article.published_at.date().isoformat() == row["date"])
    body = aggregate(scores)
    return CorpusFigures(len(rows), body.precision, body.recall, body.f1, date_hits / dated if dated else None)


def read_floors() -> dict:
    """The pinned floors file."""
    return json.loads(FLOORS.read_text(encoding="utf-8"))
