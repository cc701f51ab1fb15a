"""Benchmark newslake's extractor against trafilatura and readability-lxml on labelled corpora.

Usage (from the repo root):
    .venv/bin/python bench/bench_extraction.py [--limit N] [--corpus NAME ...] [--extractor NAME ...]

Corpora: the fixture corpus in tests/fixtures/extraction/ and the shared development corpora in
../shared/corpora/ (skipped when absent). Prints body precision / recall / F1 / accuracy, date,
title and author accuracy (newslake only) and pages per second, all in a single process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))

from newslake.article import Hints  # noqa: E402
from newslake.extraction import extract_article  # noqa: E402
from newslake_dev.scoring import aggregate, page_scores, words  # noqa: E402

SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
FIXTURES = ROOT / "tests" / "fixtures" / "extraction"


@dataclass
class Page:
    """One labelled page."""

    id: str
    html: bytes
    url: str | None
    body: str
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    authors: list[str] | None = None
    hints: dict | None = None


def load_fixtures(limit: int | None) -> Iterator[Page]:
    """Pages of the fixture corpus: <name>.html + expected.json."""
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    for i, (name, exp) in enumerate(sorted(expected.items())):
        if limit is not None and i >= limit:
            return
        path = FIXTURES / "pages" / f"{name}.html"
        html = (path if path.exists() else FIXTURES / f"{name}.html").read_bytes()
        date = exp.get("published_at")
        yield Page(name, html, exp.get("url"), exp.get("body") or "", exp.get("title"),
                   date[:10] if date else None, exp.get("authors"), exp.get("hints"))


def load_shared(folder: str, limit: int | None) -> Iterator[Page]:
    """Pages of a shared corpus: html/<id>.html.gz + ground-truth.jsonl."""
    base = SHARED_CORPORA / folder
    with (base / "ground-truth.jsonl").open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                return
            row = json.loads(line)
            html = gzip.decompress((base / "html" / f"{row['id']}.html.gz").read_bytes())
            yield Page(row["id"], html, row.get("url"), row.get("body") or "", row.get("title"),
                       row.get("date"), row.get("authors"))


CORPORA: dict[str, tuple[Callable[[], bool], Callable[[int | None], Iterator[Page]]]] = {
    "fixtures": (lambda: (FIXTURES / "expected.json").exists(), load_fixtures),
    "aed-news-2023": (lambda: (SHARED_CORPORA / "aed-news-2023").is_dir(),
                      lambda n: load_shared("aed-news-2023", n)),
    "daniel-ru-2012": (lambda: (SHARED_CORPORA / "daniel-ru-2012").is_dir(),
                       lambda n: load_shared("daniel-ru-2012", n)),
}


def run_newslake(page: Page) -> dict:
    """newslake: body plus metadata."""
    hints = None
    if page.hints:
        raw = page.hints.get("published_at")
        hints = Hints(published_at=datetime.fromisoformat(raw) if raw else None,
                      date_source=page.hints.get("date_source"), title=page.hints.get("title"),
                      language=page.hints.get("language"))
    article = extract_article(page.html, page.url or "", hints=hints)
    published = article.published_at
    return {"body": article.body, "title": article.title, "authors": article.authors,
            "date": published.date().isoformat() if published else None,
            # labels are the local calendar day; a stored UTC instant with a time of day may fall
            # on the day before or after it, which is not an extraction error
            "date_tz": [(published + timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)]
            if published and (published.hour, published.minute) != (0, 0) else
            [published.date().isoformat()] if published else []}


def run_trafilatura(page: Page, **options) -> dict:
    """trafilatura.extract on the same bytes."""
    import trafilatura

    return {"body": trafilatura.extract(page.html, url=page.url, include_comments=False, **options)}


def run_readability(page: Page) -> dict:
    """readability-lxml summary, converted to text paragraph by paragraph."""
    from lxml import html as lxml_html
    from newslake.extraction.body import element_paragraphs
    from newslake.fetching import decode_html
    from readability import Document

    try:
        summary = Document(decode_html(page.html), url=page.url).summary(html_partial=True)
        return {"body": "\n\n".join(element_paragraphs(lxml_html.fragment_fromstring(summary)))}
    except Exception:
        return {"body": None}


EXTRACTORS: dict[str, Callable[[Page], dict]] = {
    "newslake": run_newslake,
    "trafilatura": run_trafilatura,
    "trafilatura-precision": lambda page: run_trafilatura(page, favor_precision=True),
    "readability": run_readability,
}


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _authors_equal(found: list[str], expected: list[str]) -> bool:
    return sorted(map(_norm, found)) == sorted(map(_norm, expected))


def evaluate(pages: list[Page], name: str, verbose: int, passes: int = 2) -> dict:
    """Run one extractor over pages and score it; speed is the fastest of `passes` full passes.

    Libraries initialise some data lazily on the first page that needs it (imports, stop lists);
    a repeated pass measures the steady state a long-running ingestion sees, for every extractor alike.
    """
    extractor = EXTRACTORS[name]
    elapsed = float("inf")
    for _ in range(max(1, passes)):
        outputs = []
        start = time.perf_counter()
        for page in pages:
            outputs.append(extractor(page))
        elapsed = min(elapsed, time.perf_counter() - start)
    scores = [page_scores(out["body"], page.body) for out, page in zip(outputs, pages, strict=True)]
    body = aggregate(scores)
    row = {"extractor": name, "pages": len(pages), "precision": body.precision, "recall": body.recall,
           "f1": body.f1, "accuracy": body.accuracy, "pages_per_s": len(pages) / elapsed if elapsed else 0.0}
    checks = (("date", "date", lambda a, b: a == b), ("date_tz", "date", lambda a, b: b in a),
              ("title", "title", lambda a, b: _norm(a) == _norm(b)), ("authors", "authors", _authors_equal))
    for field, label, equal in checks:
        labelled = [(out, page) for out, page in zip(outputs, pages, strict=True)
                    if getattr(page, label)]
        if labelled and field in outputs[0]:
            hits = [equal(out[field] or ([] if field in ("authors", "date_tz") else None), getattr(page, label))
                    for out, page in labelled]
            row[f"{field}_acc"] = sum(hits) / len(hits)
            if verbose >= 2:
                for (out, page), hit in zip(labelled, hits, strict=True):
                    if not hit:
                        print(f"  {field} miss {page.id}: got {out[field]!r} want {getattr(page, label)!r}")
    if verbose:
        worst = sorted(zip(scores, pages, strict=True), key=lambda sp: (sp[0].precision or 0) + sp[0].recall)
        for score, page in worst[: 5 * verbose]:
            print(f"  {name} low {page.id}: P={score.precision} R={score.recall:.3f} "
                  f"words={len(words(page.body))}")
    return row


def _fmt(row: dict, key: str, digits: int = 3) -> str:
    value = row.get(key)
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    """Parse options, run every extractor on every available corpus, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per corpus")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="corpus to run (repeatable)")
    parser.add_argument("--extractor", action="append", choices=sorted(EXTRACTORS), help="repeatable")
    parser.add_argument("--passes", type=int, default=2, help="timed passes per extractor (fastest counts)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="list the worst pages (-vv: misses)")
    parser.add_argument("--pin-floors", metavar="REASON", default=None,
                        help="raise the corpus gate's floors (tests/fixtures/extraction/corpus_floors.json) to just "
                             "below today's figures, recording REASON; floors never go down without --lower")
    parser.add_argument("--lower", action="store_true", help="with --pin-floors: allow a floor to go down")
    args = parser.parse_args(argv)
    if args.pin_floors is not None:
        return pin_floors(args.pin_floors, lower=args.lower)
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.CRITICAL)  # trafilatura and readability log every discarded page
    header = (f"| corpus | extractor | pages | precision | recall | F1 | accuracy | date acc | date acc ±tz "
              f"| title acc | author acc | pages/s |\n|{'---|' * 12}")
    print(header)
    rows: dict[str, dict[str, dict]] = {}
    for corpus in args.corpus or list(CORPORA):
        available, loader = CORPORA[corpus]
        if not available():
            print(f"| {corpus} | (not found, skipped) |{' |' * 10}")
            continue
        pages = list(loader(args.limit))
        for name in args.extractor or list(EXTRACTORS):
            row = evaluate(pages, name, args.verbose, args.passes)
            rows.setdefault(corpus, {})[name] = row
            print(f"| {corpus} | {name} | {row['pages']} | {_fmt(row, 'precision')} | {_fmt(row, 'recall')} "
                  f"| {_fmt(row, 'f1')} | {_fmt(row, 'accuracy')} | {_fmt(row, 'date_acc')} "
                  f"| {_fmt(row, 'date_tz_acc')} | {_fmt(row, 'title_acc')} | {_fmt(row, 'authors_acc')} | {_fmt(row, 'pages_per_s', 1)} |",
                  flush=True)
    for corpus, by_name in rows.items():
        if "newslake" in by_name and "trafilatura" in by_name and by_name["trafilatura"]["pages_per_s"]:
            ratio = by_name["newslake"]["pages_per_s"] / by_name["trafilatura"]["pages_per_s"]
            print(f"{corpus}: newslake at {ratio:.2f}x trafilatura's pages/s (target >= 0.9x)")
            by_name["newslake"]["speed_vs_trafilatura"] = ratio
    print(json.dumps({"bench": "extraction", "results": rows}, sort_keys=True))
    return 0


FLOOR_MARGIN = 0.005  # floors sit this far below the figures they were pinned on (run-to-run noise is 0)


def pin_floors(reason: str, *, lower: bool) -> int:
    """Score the public corpora and move the gate's floors to just below today's figures (up only, unless lower)."""
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "extraction"))
    from public_corpora import CORPORA as GATED
    from public_corpora import FLOORS, METRICS, corpora_dir, digest, read_floors, score

    pinned = read_floors() if FLOORS.exists() else {"corpora": {}, "history": []}
    changed_down = []
    for name in GATED:
        folder = corpora_dir() / name
        if not folder.is_dir():
            print(f"corpus {name} not found at {folder}", file=sys.stderr)
            return 2
        figures = score(folder).as_dict()
        old = pinned["corpora"].get(name, {}).get("floors", {})
        new = {}
        for metric in METRICS:
            value = figures[metric]
            if value is None:
                continue
            proposed = round(int((value - FLOOR_MARGIN) * 1000) / 1000, 3)
            if metric in old and proposed < old[metric]:
                if not lower:
                    proposed = old[metric]
                else:
                    changed_down.append(f"{name}.{metric}")
            new[metric] = proposed
            print(f"{name} {metric}: {value:.4f} -> floor {proposed} (was {old.get(metric, '-')})")
        pinned["corpora"][name] = {"sha256": digest(folder), "floors": new}
    entry = {"when": datetime.now().date().isoformat(), "reason": reason,
             "floors": {name: pinned["corpora"][name]["floors"] for name in GATED}}
    if changed_down:
        entry["lowered"] = True
    pinned["history"].append(entry)
    FLOORS.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps({"bench": "pin-floors", "lowered": changed_down, "floors": entry["floors"]}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
