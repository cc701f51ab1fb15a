"""Requests/s against the local demo site with delay 0: newslake's Fetcher vs plain sequential requests
(and Scrapy's defaults when an interpreter with Scrapy is given). Prints a small table.

    .venv/bin/python bench/bench_fetch.py [--requests 600] [--scrapy-python /path/to/python-with-scrapy]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))

from newslake.config import parse_source  # noqa: E402
from newslake.fetching import Fetcher, Outcome  # noqa: E402

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


def bench_fetcher(base: str, urls: list[str], concurrency: int) -> Row:
    source = parse_source(
        {"id": "bench", "name": "Bench", "base_url": base, "languages": ["en"],
         "discovery": {"feeds": ["/rss.xml"]}, "allow_private_network": True,
         "fetch": {"delay_seconds": 0, "concurrency": concurrency, "user_agent": USER_AGENT}},
        "bench",
    )
    started = time.monotonic()
    with Fetcher(source) as fetcher:
        ok = sum(r.outcome is Outcome.FETCHED for r in fetcher.fetch_many(urls))
    return Row(f"newslake Fetcher, delay 0, concurrency {concurrency}", len(urls), ok, time.monotonic() - started)


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
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 8])
    parser.add_argument("--scrapy-python", help="a Python interpreter that has Scrapy installed")
    args = parser.parse_args(argv)

    proc, base = start_demo_site()
    try:
        urls = article_urls(base, args.requests)
        bench_requests(urls[:20])  # warm up the server's caches so the first method is not penalised
        rows = [bench_requests(urls)] + [bench_fetcher(base, urls, c) for c in args.concurrency]
        if args.scrapy_python:
            row = bench_scrapy(args.scrapy_python, urls)
            if row:
                rows.append(row)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    print(f"\nlocal demo site {base} (Crawl-delay 0), {args.requests} article pages per method\n")
    print(f"{'method':<48} {'requests':>8} {'ok':>6} {'seconds':>8} {'req/s':>8}")
    for row in rows:
        print(f"{row.method:<48} {row.requests:>8} {row.ok:>6} {row.seconds:>8.2f} {row.rate:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
