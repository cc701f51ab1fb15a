"""Benchmark validation: the GX article suite vs the same checks in plain pandas, and Data Docs rebuilds.

Usage (from the repo root):
    .venv/bin/python bench/bench_validation.py [--sizes 1000,10000,100000] [--sources 20 --days 365]
    .venv/bin/python bench/bench_validation.py --profile 10000   # cProfile of one cold validation

Each (size, engine) runs in a fresh process so its peak RSS and its import time are its own.
The GX import is timed apart from validation. The Data Docs part stores sources x days results
in a LocalStore and times the index rebuild (what every run does) and the render of one page.
The last line is JSON with every figure.
"""

from __future__ import annotations

# Figures: validate s is the first validation in a fresh process (what one task pays), warm s a
# second one in the same process (GX's per-process lazy set-up excluded), cpu s the first one's
# user+sys CPU time (less sensitive than wall to other processes sharing the cores).
import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(ROOT / "bench"))

START = datetime(2026, 3, 14, tzinfo=UTC)
END = START + timedelta(days=1)
LANGS = ["en", "ru"]
DOMAINS = ["example.org"]


def _table(n: int):
    from bench_lake import synthetic_rows
    from newslake.lake import CANDIDATE_SCHEMA, records_to_table

    rows = synthetic_rows(n)
    for i in range(0, n, 97):  # about 1% bad rows, so quarantine is exercised
        rows[i]["language"] = "de"
    return records_to_table(rows, CANDIDATE_SCHEMA)


def pandas_checks(table) -> dict[str, int]:
    """The suite's row checks written directly in pandas: failing rows per check."""
    import pandas as pd
    from newslake.validation import allowed_url_regex

    df = table.to_pandas()
    regex = allowed_url_regex(DOMAINS)
    list_ok = lambda s: s.map(lambda v: v is None or all(isinstance(x, str) and x.strip() for x in v))  # noqa: E731
    checks = {
        "article_id_not_null": df["article_id"].isna(),
        "article_id_unique": df["article_id"].duplicated(keep=False) & df["article_id"].notna(),
        "url_in_allowed_domains": ~df["url"].fillna("").str.match(regex),
        "canonical_url_unique": df["canonical_url"].duplicated(keep=False) & df["canonical_url"].notna(),
        "content_sha256_unique": df["content_sha256"].duplicated(keep=False) & df["content_sha256"].notna(),
        "title_not_null": df["title"].isna(),
        "title_length": ~df["title"].fillna("").str.len().between(3, 400),
        "body_min_words": df["word_count"].fillna(0) < 40,
        "published_at_in_interval": ~((df["published_at"] >= pd.Timestamp(START)) & (df["published_at"] < pd.Timestamp(END))),
        "modified_at_not_before_published_at": df["modified_at"].notna() & (df["modified_at"] < df["published_at"]),
        "language_in_set": ~df["language"].isin(LANGS),
        "authors_are_names": ~list_ok(df["authors"]),
        "tags_are_labels": ~list_ok(df["tags"]),
    }
    return {name: int(mask.sum()) for name, mask in checks.items()}


def one(n: int, engine: str) -> dict:
    """One measurement in this process: import, the first (cold) validation of n rows, a warm one, peak RSS."""
    t0 = time.perf_counter()
    if engine == "gx":
        from newslake.quality.run import import_gx

        import_gx()
    import pandas  # noqa: F401

    import_s = time.perf_counter() - t0
    table = _table(n)
    if engine == "gx":
        from newslake.validation import validate_articles

        def run():
            out = validate_articles(table, start=START, end=END, languages=LANGS, allowed_domains=DOMAINS)
            return out.counts["quarantined"]
    else:
        def run():
            return pandas_checks(table)["language_in_set"]
    t0, c0 = time.perf_counter(), os.times()
    quarantined = run()  # what a task pays: one validation per process
    cold, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    t0 = time.perf_counter()
    run()
    warm = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": n, "engine": engine, "import_s": round(import_s, 3), "validate_s": round(cold, 3),
            "cpu_s": round(cpu, 3), "warm_s": round(warm, 3), "peak_rss_mb": round(peak_mb, 1), "quarantined": quarantined}


def docs_bench(sources: int, days: int) -> dict:
    """Store sources x days results, then time the index rebuild and one page render."""
    from bench_lake import synthetic_rows
    from newslake.lake import records_to_table
    from newslake.quality import docs, results
    from newslake.storage import LocalStore
    from newslake.validation import validate_articles

    out = validate_articles(records_to_table(synthetic_rows(20)), start=START, end=END, languages=LANGS,
                            allowed_domains=DOMAINS)
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(tmp)
        first = date(2025, 1, 1)
        t0 = time.perf_counter()
        for s in range(sources):
            for d in range(days):
                results.store_result(store, f"source_{s:02d}", first + timedelta(days=d), "scheduled__x", out.result)
        store_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        entries = docs.rebuild_index(store)  # whole site: every source's section
        full_index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        docs.rebuild_index(store, "source_00")  # what one run does: its source's section + the page
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pages = min(5, days)  # pages rendered: only days that have a stored result
        for d in range(pages):
            docs.publish_page(store, "source_00", first + timedelta(days=d), "scheduled__x",
                              results.read_result(store, layout_key(first + timedelta(days=d))))
        page_s = (time.perf_counter() - t0) / pages
        index_kb = len(store.get("quality/docs/index.html")) / 1024
    return {"results": entries, "store_results_s": round(store_s, 2), "rebuild_index_s": round(index_s, 3),
            "rebuild_whole_index_s": round(full_index_s, 3),
            "index_kb": round(index_kb, 1), "render_page_s": round(page_s, 3),
            "full_site_rerender_estimate_s": round(page_s * entries, 1)}


def profile(n: int) -> None:
    """Print where one cold GX validation of n rows spends its time (GX imported first, not profiled)."""
    from newslake.quality.run import import_gx
    from newslake.validation import validate_articles

    import_gx()
    table = _table(n)
    profiler = cProfile.Profile()
    profiler.enable()
    validate_articles(table, start=START, end=END, languages=LANGS, allowed_domains=DOMAINS)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def layout_key(day: date) -> str:
    from newslake import layout

    return layout.quality_key("source_00", day, "scheduled__x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--profile", type=int, metavar="ROWS", help="cProfile one cold GX validation of ROWS rows")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="gx", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.engine)))
        return
    if args.profile:
        profile(args.profile)
        return
    rows = []
    print(f"{'rows':>7} {'engine':<7} {'import s':>9} {'validate s':>11} {'cpu s':>7} {'warm s':>7} "
          f"{'peak RSS MB':>12} {'quarantined':>12}")
    for n in (int(v) for v in args.sizes.split(",")):
        for engine in ("gx", "pandas"):
            done = subprocess.run([sys.executable, __file__, "--one", str(n), "--engine", engine],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(r)
            print(f"{r['rows']:>7} {r['engine']:<7} {r['import_s']:>9.3f} {r['validate_s']:>11.3f} {r['cpu_s']:>7.3f} {r['warm_s']:>7.3f} "
                  f"{r['peak_rss_mb']:>12.1f} {r['quarantined']:>12}")
    by = {(r["rows"], r["engine"]): r for r in rows}
    for n in sorted({r["rows"] for r in rows}):
        extra = by[(n, "gx")]["validate_s"] - by[(n, "pandas")]["validate_s"]
        print(f"{n:>7} rows: GX validation {by[(n, 'gx')]['validate_s']:.3f} s (+{extra:.3f} s over pandas), "
              f"import {by[(n, 'gx')]['import_s']:.2f} s")
    docs_figures = docs_bench(args.sources, args.days)
    print(f"Data Docs, {docs_figures['results']} stored results ({args.sources} sources x {args.days} days): "
          f"index rebuild per run {docs_figures['rebuild_index_s']:.3f} s, whole index "
          f"{docs_figures['rebuild_whole_index_s']:.3f} s ({docs_figures['index_kb']:.0f} KB), "
          f"one page render {docs_figures['render_page_s']:.3f} s, "
          f"re-rendering every page ~{docs_figures['full_site_rerender_estimate_s']:.0f} s")
    print(json.dumps({"validation": rows, "data_docs": docs_figures}))


if __name__ == "__main__":
    main()
