"""Fetch throughput and fetch-once on the local demo site, delay 0. Prints tables, then one JSON line.

1. Pages/s: newslake's Fetcher (the source default concurrency and others) vs plain sequential
   requests (and Scrapy's defaults when an interpreter with Scrapy is given), plus the whole fetch
   stage (fetch_stage: Fetcher + gzip raw bodies + raw index into a LocalStore).
2. --nightly DAYS: a nightly sequence of DAYS runs (pipeline.run_all per day, in order, LocalStore)
   from 2026-11-16; the site's own request log counts the requests: per published article, and the
   URLs requested / downloaded more than once.

    .venv/bin/python bench/bench_fetch.py [--requests 600] [--nightly 7] [--scrapy-python PYTHON]

NEWSLAKE_INCLUDE=DIR runs another checkout's `newslake` package (a before/after comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("NEWSLAKE_INCLUDE") or str(ROOT / "include"))

from newslake.config import FetchConfig, parse_source  # noqa: E402
from newslake.fetching import Fetcher, Outcome  # noqa: E402

FIRST_NIGHT = date(2026, 11, 16)  # the demo site's first day of articles

USER_AGENT = "newslake-bench/0.1 (+https://github.com/newslake/newslake)"

SCRAPY_SCRIPT = r"""
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess

urls = json.load(open(sys.argv[1]))
stats = {"ok": 0, "done": 0}

class Bench(scrapy.Spider):
    name = "bench"
    async def start(self):  # Scrapy >= 2.13 start API
        for url in urls:
            yield scrapy.Request(url, dont_filter=True, callback=self.parse, errback=self.failed)
    def parse(self, response):
        stats["done"] += 1
        stats["ok"] += response.status == 200
    def failed(self, failure):
        stats["done"] += 1

process = CrawlerProcess(settings={"LOG_ENABLED": False, "USER_AGENT": sys.argv[2]})
process.crawl(Bench)
started = time.monotonic()
process.start()
print(json.dumps({"seconds": time.monotonic() - started, **stats}))
"""


@dataclass
class Row:
    method: str
    requests: int
    ok: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def start_demo_site() -> tuple[subprocess.Popen, str]:
    """Run the demo site on a free port with Crawl-delay 0; returns (process, base_url)."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "dev" / "demo_site" / "server.py"), "--port", "0", "--crawl-delay", "0"],
        stdout=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        raise SystemExit(f"demo site did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[-1].strip()


def article_urls(base: str, count: int) -> list[str]:
    """`count` distinct URLs cycling over the site's articles (a query makes each one unique)."""
    import requests

    key = requests.get(base + "_answer_key.json", timeout=10).json()
    paths = [a["url"] for a in key["articles"]]
    return [f"{paths[i % len(paths)]}?bench={i}" for i in range(count)]


def bench_requests(urls: list[str]) -> Row:
    import requests

    ok = 0
    started = time.monotonic()
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for url in urls:
            ok += session.get(url, timeout=10).status_code == 200
    return Row("plain requests, sequential (Session)", len(urls), ok, time.monotonic() - started)


def bench_source(base: str, concurrency: int):
    return parse_source(
        {"id": "bench", "name": "Bench", "base_url": base, "languages": ["en"],
         "discovery": {"feeds": ["/rss.xml"]}, "allow_private_network": True,
         "fetch": {"delay_seconds": 0, "concurrency": concurrency, "user_agent": USER_AGENT}},
        "bench",
    )


def bench_fetcher(base: str, urls: list[str], concurrency: int) -> Row:
    source = bench_source(base, concurrency)
    started = time.monotonic()
    with Fetcher(source) as fetcher:
        ok = sum(r.outcome is Outcome.FETCHED for r in fetcher.fetch_many(urls))
    label = "default " if concurrency == FetchConfig().concurrency else ""
    return Row(f"newslake Fetcher, delay 0, {label}concurrency {concurrency}", len(urls), ok,
               time.monotonic() - started)


def bench_fetch_stage(base: str, urls: list[str], concurrency: int) -> Row:
    """The real fetch stage on a handed-over candidate list: requests, gzip bodies, raw index (LocalStore)."""
    from newslake.discovery import Candidate, candidates_to_rows
    from newslake.pipeline import RunContext, StageResult, day_interval, fetch_stage
    from newslake.storage import LocalStore

    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(bench_source(base, concurrency), *day_interval(FIRST_NIGHT), "bench", LocalStore(tmp))
        key = ctx.work_key("candidates.json")
        ctx.store.put(key, json.dumps({"candidates": candidates_to_rows(Candidate(url=u) for u in urls)}).encode())
        handed = StageResult("discover", ctx.first_result().interval, {"candidates": key})
        started = time.monotonic()
        with Fetcher(ctx.source) as fetcher:
            counts = fetch_stage(ctx, fetcher, handed).counts["fetch"]
        seconds = time.monotonic() - started
    return Row(f"fetch stage (+ raw zone, LocalStore), concurrency {concurrency}", len(urls), counts["fetched"],
               seconds)


def nightly(base: str, nights: int) -> dict:
    """run_all for each night in order against the demo site; requests counted from its request log."""
    import requests
    from newslake.config import get_source
    from newslake.lake import read_partition
    from newslake.pipeline import RunContext, day_interval, run_all
    from newslake.rawzone import read_raw_index
    from newslake.storage import LocalStore

    os.environ.update(NEWSLAKE_DEMO_BASE_URL=base, NEWSLAKE_DEMO_DELAY="0")
    # The night after the site's last day finds only re-listed articles: measured, not an alarm.
    source = replace(get_source("demo"), min_articles_per_day=0)
    before = requests.get(base + "_stats.json", timeout=10).json()["hits"]
    days = [FIRST_NIGHT + timedelta(days=i) for i in range(nights)]
    published, downloads, outcomes, seconds = 0, Counter(), Counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(tmp)
        for day in days:
            started = time.monotonic()
            run_all(RunContext(source, *day_interval(day), f"nightly-{day}", store))
            seconds.append(time.monotonic() - started)
            published += read_partition(store, "articles", source.id, day).num_rows
            for row in read_raw_index(store, source.id, day).to_pylist():
                outcomes[row["outcome"]] += 1
                downloads[urlsplit(row["url"]).path] += row["outcome"] == "fetched"
    after = requests.get(base + "_stats.json", timeout=10).json()["hits"]
    hits = {p: n - before.get(p, 0) for p, n in after.items() if p != "/_stats.json" and n - before.get(p, 0)}
    pages = {p: n for p, n in hits.items() if p in downloads}  # article candidates, not feeds/sitemaps/archives
    return {
        "nights": nights, "first_night": str(days[0]), "published": published,
        "requests": sum(hits.values()), "article_requests": sum(pages.values()),
        "requests_per_article": round(sum(hits.values()) / published, 2) if published else None,
        "article_requests_per_article": round(sum(pages.values()) / published, 2) if published else None,
        "article_urls": len(pages), "urls_requested_more_than_once": sum(n > 1 for n in pages.values()),
        "urls_downloaded_more_than_once": sum(n > 1 for n in downloads.values()),
        "outcomes": dict(sorted(outcomes.items())), "seconds_per_night": round(sum(seconds) / len(seconds), 2),
        "repeated": dict(sorted((p, n) for p, n in pages.items() if n > 1)),
    }


def bench_scrapy(python: str, urls: list[str]) -> Row | None:
    with tempfile.TemporaryDirectory() as tmp:
        url_file, script = Path(tmp) / "urls.json", Path(tmp) / "spider.py"
        url_file.write_text(json.dumps(urls))
        script.write_text(SCRAPY_SCRIPT)
        done = subprocess.run([python, str(script), str(url_file), USER_AGENT], capture_output=True, text=True,
                              timeout=600)
    if done.returncode != 0:
        print(f"scrapy run failed: {done.stderr[-500:]}", file=sys.stderr)
        return None
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return Row("Scrapy 2.x defaults (16 concurrent, no robots)", len(urls), data["ok"], data["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per method")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, FetchConfig().concurrency, 4, 8])
    parser.add_argument("--nightly", type=int, default=7, metavar="DAYS", help="nights in the sequence (0: skip)")
    parser.add_argument("--scrapy-python", help="a Python interpreter that has Scrapy installed")
    args = parser.parse_args(argv)
    default = FetchConfig().concurrency

    proc, base = start_demo_site()
    try:
        urls = article_urls(base, args.requests)
        bench_requests(urls[:20])  # warm up the server's caches so the first method is not penalised
        rows = [bench_requests(urls)] + [bench_fetcher(base, urls, c) for c in args.concurrency]
        bench_fetch_stage(base, [u.replace("bench=", "warm=") for u in urls[:20]], default)  # one-off imports
        rows.append(bench_fetch_stage(base, [u.replace("bench=", "stage=") for u in urls], default))
        if args.scrapy_python:
            row = bench_scrapy(args.scrapy_python, urls)
            if row:
                rows.append(row)
        sequence = nightly(base, args.nightly) if args.nightly else None
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    print(f"\nlocal demo site {base} (Crawl-delay 0), {args.requests} article pages per method\n")
    print(f"{'method':<56} {'requests':>8} {'ok':>6} {'seconds':>8} {'req/s':>8}")
    for row in rows:
        print(f"{row.method:<56} {row.requests:>8} {row.ok:>6} {row.seconds:>8.2f} {row.rate:>8.1f}")
    result: dict = {"bench": "fetch", "load_average_1m": round(os.getloadavg()[0], 2),
                    "pages_per_second": {r.method: round(r.rate, 1) for r in rows},
                    "default_concurrency": default,
                    "fetcher_default_pages_per_second": round(next(
                        r.rate for r in rows if r.method.startswith("newslake Fetcher") and "default" in r.method), 1)}
    if sequence:
        print(f"\nnightly sequence: {sequence['nights']} runs from {sequence['first_night']} (run_all, LocalStore)\n")
        for name in ("published", "requests", "requests_per_article", "article_requests",
                     "article_requests_per_article", "article_urls", "urls_requested_more_than_once",
                     "urls_downloaded_more_than_once", "outcomes", "seconds_per_night"):
            print(f"  {name:<32} {sequence[name]}")
        repeated = sorted(sequence.pop("repeated").items(), key=lambda kv: (-kv[1], kv[0]))
        if repeated:
            print(f"  requested more than once ({len(repeated)}, most first): "
                  + ", ".join(f"{p} x{n}" for p, n in repeated[:8]) + (" ..." if len(repeated) > 8 else ""))
        result["nightly"] = sequence
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
