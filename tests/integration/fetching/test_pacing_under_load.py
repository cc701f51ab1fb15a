"""Finding 1: the gap the site sees between requests never falls below Crawl-delay, even while the fetching
process is busy writing raw bodies to SeaweedFS and allocating heavily (late thread wake-ups)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from integration.fetching.fault_servers import get_json, make_source
from newslake.extraction import extract_article
from newslake.fetching import Fetcher, Outcome
from newslake.rawzone import RawZoneWriter

pytestmark = pytest.mark.integration

CRAWL_DELAY = 0.15
REQUESTS = 60
# The site stamps requests with the kernel's receive time, so no scheduling slack is needed, only
# clock-reading resolution.
SLACK = 0.001


@contextmanager
def stamping_site(crawl_delay: float):
    """The kernel-stamping site (stamp_server.py) in its own process; yields its base URL."""
    server = Path(__file__).with_name("stamp_server.py")
    process = subprocess.Popen([sys.executable, str(server), str(crawl_delay)], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("serving on "), line
        yield f"http://127.0.0.1:{int(line.split()[-1])}/"
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


def _busy_extracting(stop: threading.Event) -> None:
    # Allocation-heavy work like the extract stage: big trees and many small objects, so the GC runs often.
    html = "<html><body><article>" + "".join(f"<p>paragraph {i} " + "word " * 60 + "</p>" for i in range(300))
    html += "</article></body></html>"
    while not stop.is_set():
        extract_article(html, "https://example.org/news/x")
        junk = [{"k": i, "v": [i] * 8} for i in range(20_000)]
        del junk


def _busy_writing(stop: threading.Event, store) -> None:
    payload = os.urandom(256 * 1024)
    i = 0
    while not stop.is_set():
        store.put(f"load/blob-{i % 8}.bin", payload)
        i += 1


def test_gaps_at_the_server_never_fall_below_crawl_delay_under_load(s3_store):
    gc.set_threshold(200, 5, 5)  # collect far more often than by default, as a busy worker would
    stop = threading.Event()
    loaders = [threading.Thread(target=_busy_extracting, args=(stop,), daemon=True),
               threading.Thread(target=_busy_extracting, args=(stop,), daemon=True),
               threading.Thread(target=_busy_writing, args=(stop, s3_store), daemon=True)]
    try:
        with stamping_site(CRAWL_DELAY) as base_url:
            source = make_source(base_url, delay_seconds=0, concurrency=4)
            urls = [f"{base_url}news/{i}.html" for i in range(REQUESTS)]
            for t in loaders:
                t.start()
            with Fetcher(source) as fetcher, RawZoneWriter(s3_store, source.id, date(2026, 11, 18), "load") as raw:
                for result in fetcher.fetch_many(urls):
                    raw.add(result)  # raw bodies go to SeaweedFS from the consuming thread, as in fetch_stage
                    assert result.outcome is Outcome.FETCHED
            stamps = get_json(f"{base_url}_log")["stamps"]
    finally:
        stop.set()
        for t in loaders:
            t.join(timeout=10)
        gc.set_threshold(700, 10, 10)
    assert len(stamps) == REQUESTS
    times = sorted(s["at"] for s in stamps)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    short = [round(g, 4) for g in gaps if g < CRAWL_DELAY - SLACK]
    assert not short, f"{len(short)} of {len(gaps)} gaps shorter than Crawl-delay {CRAWL_DELAY}s: {short}"
