"""Issue 7, finding 11: one HTML decoder for the CLI and the pipeline, which reads the response's charset header.

A short windows-1251 page whose charset is only in the Content-Type header (no <meta>): bytes alone are
too few for statistical detection (it reads them as Hebrew), so a decoder that ignores the header
prints mojibake. `newslake extract URL` (a real process) and the pipeline's stages must agree on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from integration.tiny_site import Route, serve_tiny_site, sources_yaml

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")
DAY = date(2026, 11, 18)
PATH = "/ru/2026/11/18/blogger-fined/"
TITLE = "Блогера оштрафовали за пост"
PAGE = (f"<!doctype html><html lang='ru'><head><title>{TITLE}</title>"
        "<meta property='article:published_time' content='2026-11-18T09:00:00+05:00'></head>"
        f"<body><article><h1>{TITLE}</h1><p>{TITLE}.</p></article></body></html>").encode("cp1251")


def _feed(base_url: str) -> bytes:
    published = format_datetime(datetime(2026, 11, 18, 4, 0, tzinfo=timezone.utc), usegmt=True)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tiny</title>'
            f"<item><title>{TITLE}</title><link>{base_url}{PATH.lstrip('/')}</link>"
            f"<pubDate>{published}</pubDate></item></channel></rss>").encode()


@pytest.fixture(scope="module")
def site():
    routes = {PATH: Route(PAGE, "text/html; charset=windows-1251")}
    with serve_tiny_site(routes) as running:
        routes["/rss.xml"] = Route(_feed(running.base_url), "application/rss+xml")
        yield running


def test_the_page_declares_its_charset_only_in_the_header():
    assert b"charset" not in PAGE.lower() and b"encoding" not in PAGE.lower()


def test_newslake_extract_url_reads_the_charset_header(site, tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text(sources_yaml(site.base_url))
    out = subprocess.run([NEWSLAKE, "--config", str(config), "extract", site.url(PATH)],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert (record["title"], record["body"], record["language"]) == (TITLE, TITLE + ".", "ru")


def test_newslake_extract_file_without_headers_uses_the_same_decoder(tmp_path):
    # the same page with its charset moved into a <meta>: a file has no headers, so the page must say it
    page = tmp_path / "page.html"
    page.write_bytes(PAGE.replace(b"<head>", b'<head><meta charset="windows-1251">'))
    out = subprocess.run([NEWSLAKE, "extract", str(page), "--url", "https://x.example" + PATH],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["title"] == TITLE


def test_the_pipeline_decodes_the_same_bytes_the_same_way(site, local_store, tmp_path):
    from newslake.config import get_source
    from newslake.fetching import Fetcher
    from newslake.lake import read_parquet_bytes
    from newslake.pipeline import RunContext, day_interval, discover_stage, extract_stage, fetch_stage

    config = tmp_path / "sources.yaml"
    config.write_text(sources_yaml(site.base_url))
    source = get_source("tiny", config)
    start, end = day_interval(DAY)
    ctx = RunContext(source=source, start=start, end=end, run_id="decode-test", store=local_store)
    with Fetcher(source) as fetcher:
        discovered = discover_stage(ctx, fetcher)
    with Fetcher(source) as fetcher:
        fetched = fetch_stage(ctx, fetcher, discovered)
    extracted = extract_stage(ctx, fetched)
    assert extracted.counts["extract"]["extracted"] == 1
    records = read_parquet_bytes(local_store.get(extracted.key("extracted"))).to_pylist()
    # the title may come from the (UTF-8) feed; the body only from the page bytes
    assert [(r["title"], r["body"], r["language"]) for r in records] == [(TITLE, TITLE + ".", "ru")]
