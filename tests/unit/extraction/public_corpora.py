"""The public extraction corpora (../shared/corpora): locate, digest, score newslake on them, and the pinned floors.

Shared by the corpus gate test and `bench/bench_extraction.py --pin-floors`; the corpora themselves are read
by path and never copied into the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from newslake.extraction import extract_article
from newslake_dev.scoring import aggregate, page_scores

ROOT = Path(__file__).resolve().parents[3]
CORPORA = ("aed-news-2023", "daniel-ru-2012")
FLOORS = ROOT / "tests" / "fixtures" / "extraction" / "corpus_floors.json"
METRICS = ("precision", "recall", "f1", "date_acc")


def corpora_dir() -> Path:
    """Where the corpora live: $NEWSLAKE_CORPORA, else the first shared/corpora beside the repository or an ancestor."""
    if os.environ.get("NEWSLAKE_CORPORA"):
        return Path(os.environ["NEWSLAKE_CORPORA"])
    # A clone may sit deeper than the project's working folder (CI checks out into a subfolder).
    for parent in ROOT.parents:
        if (parent / "shared" / "corpora").is_dir():
            return parent / "shared" / "corpora"
    return ROOT.parent / "shared" / "corpora"


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


def _score_page(folder: str, row: dict) -> tuple:
    """One page's body scores and, where the page is dated, whether the UTC day matched (else None)."""
    html = gzip.decompress((Path(folder) / "html" / f"{row['id']}.html.gz").read_bytes())
    article = extract_article(html, row.get("url") or "")
    hit = None
    if row.get("date"):
        hit = bool(article.published_at and article.published_at.date().isoformat() == row["date"])
    return page_scores(article.body, row.get("body") or ""), hit


def score(folder: Path) -> CorpusFigures:
    """Run extract_article over every page of a corpus and score body and (where labelled) date."""
    scores, dated, date_hits = [], 0, 0
    with (folder / "ground-truth.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    # Pages are independent: spread them over the cores (map keeps the order, so figures are the same).
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pages = list(pool.map(_score_page, [str(folder)] * len(rows), rows, chunksize=16))
    for body_scores, hit in pages:
        scores.append(body_scores)
        if hit is not None:
            dated += 1
            date_hits += hit
    body = aggregate(scores)
    return CorpusFigures(len(rows), body.precision, body.recall, body.f1, date_hits / dated if dated else None)


def read_floors() -> dict:
    """The pinned floors file."""
    return json.loads(FLOORS.read_text(encoding="utf-8"))
