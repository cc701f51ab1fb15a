"""Benchmark enrichment: precision/recall per field on the labelled set, and its cost next to extraction.

Usage (from the repo root):
    .venv/bin/python bench/bench_enrichment.py [--limit N] [--corpus NAME ...]

Prints the P/R table on tests/fixtures/enrichment/ (the tuning set articles_*.yaml, then holdout_*.yaml and
holdout2_*.yaml, whose misses were analysed in the third round of topic work, then holdout3_*.yaml, the one set
still never tuned on), the one-off costs (pymorphy3's analyser, loading the
gazetteer/organisations/taxonomy), then for each page corpus (the extraction fixtures and, when present,
the shared corpora) extraction and enrichment time per article with enrichment as a share of extraction:
"enrich ms"/"share" on the first pass (cold lemma cache), "warm" the fastest of two more passes, p95 of
those. The issue's target: enrichment costs at most 10% of extraction per article. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_extraction import CORPORA  # noqa: E402
from fixtures.enrichment.labelled import load_articles, score, table  # noqa: E402

# Sets 1 and 2 were held out until their misses were analysed to find the rules of the third round; set 3
# was written and labelled before that round and is never tuned on: the honest estimate for unseen text.
HELD_OUT = [
    ("held-out set", "holdout_*.yaml", "held out until round 3 analysed its misses (no longer unseen)"),
    ("held-out set 2", "holdout2_*.yaml", "held out until round 3 analysed its misses (no longer unseen)"),
    ("held-out set 3", "holdout3_*.yaml", "labelled before round 3 changed anything, never tuned on"),
]


def one_off_costs() -> dict[str, float]:
    """Seconds to build pymorphy3's analyser and to load and compile the enrichment data (once per process)."""
    from newslake.enrichment import morph, resources

    t0 = time.perf_counter()
    morph.analyser()
    t1 = time.perf_counter()
    resources.load()
    t2 = time.perf_counter()
    return {"analyser_s": round(t1 - t0, 3), "resources_s": round(t2 - t1, 3)}


def page_costs(name: str, limit: int | None) -> dict[str, float] | None:
    """Per-article extraction and enrichment milliseconds on one corpus (two enrichment passes)."""
    from newslake.enrichment import enrich
    from newslake.extraction import extract_article

    available, load = CORPORA[name]
    if not available():
        return None
    pages = list(load(limit))
    articles = [extract_article(page.html, page.url or "") for page in pages]
    # On a shared machine one pass is noisy: each page's fastest of two extraction passes counts,
    # and for enrichment the first pass (cold lemma cache) and the fastest of two more passes.
    extract_ms = [min(_ms(lambda p=page: extract_article(p.html, p.url or "")) for _ in range(2)) for page in pages]
    cold = [_ms(lambda a=a: enrich(a.title, a.body, a.language, a.dateline_place)) for a in articles]
    warm = [min(_ms(lambda a=a: enrich(a.title, a.body, a.language, a.dateline_place)) for _ in range(2))
            for a in articles]
    mean_extract = statistics.fmean(extract_ms)
    return {
        "pages": len(articles),
        "extract_ms": round(mean_extract, 2),
        "enrich_cold_ms": round(statistics.fmean(cold), 2),
        "enrich_warm_ms": round(statistics.fmean(warm), 2),
        "enrich_p95_ms": round(sorted(warm)[int(0.95 * (len(warm) - 1))], 2),
        "share_cold": round(statistics.fmean(cold) / mean_extract, 4),
        "share_warm": round(statistics.fmean(warm) / mean_extract, 4),
    }


def _ms(call) -> float:
    t = time.perf_counter()
    call()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="pages per corpus")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="page corpora (default: all)")
    args = parser.parse_args()

    costs = one_off_costs()
    print(f"one-off: pymorphy3 analyser {costs['analyser_s']:.3f} s, enrichment data {costs['resources_s']:.3f} s")

    from newslake.enrichment import enrich

    articles = load_articles()
    result = score(articles, lambda a: enrich(a["title"], a["body"], a["language"], a.get("dateline_place")))
    print(f"\nlabelled set: {len(articles)} articles (the terms were tuned on it)")
    print(table(result))
    held_out = {}
    for name, pattern, note in HELD_OUT:
        held = load_articles(pattern)
        held_out[name] = score(held, lambda a: enrich(a["title"], a["body"], a["language"], a.get("dateline_place")))
        print(f"\n{name}: {len(held)} articles {note}")
        print(table(held_out[name]))

    print(f"\n{'corpus':<16}{'pages':>6}{'extract ms':>12}{'enrich ms':>11}{'warm ms':>9}{'p95 ms':>8}"
          f"{'share':>8}{'warm':>7}")
    corpora = {}
    for name in args.corpus or list(CORPORA):
        figures = page_costs(name, args.limit)
        if figures is None:
            print(f"{name:<16} (absent, skipped)")
            continue
        corpora[name] = figures
        print(f"{name:<16}{figures['pages']:>6}{figures['extract_ms']:>12.2f}{figures['enrich_cold_ms']:>11.2f}"
              f"{figures['enrich_warm_ms']:>9.2f}{figures['enrich_p95_ms']:>8.2f}{figures['share_cold']:>8.1%}"
              f"{figures['share_warm']:>7.1%}")
    fields = {n: {"precision": round(s.precision, 4), "recall": round(s.recall, 4)} for n, s in result["fields"].items()}
    held_json = {name: {"articles": r["articles"],
                        "fields": {n: {"precision": round(f.precision, 4), "recall": round(f.recall, 4)}
                                   for n, f in r["fields"].items()}}
                 for name, r in held_out.items()}
    print(json.dumps({"bench": "enrichment", "articles": len(articles), "fields": fields,
                      "holdout": held_json["held-out set"], "holdout2": held_json["held-out set 2"],
                      "holdout3": held_json["held-out set 3"],
                      "primary_country_accuracy": round(result["primary_accuracy"], 4), "one_off": costs,
                      "corpora": corpora}))


if __name__ == "__main__":
    main()
