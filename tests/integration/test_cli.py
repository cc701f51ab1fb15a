"""The `newslake` console script as an operator runs it: real process, real demo site over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSLAKE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_sources_lists_and_validates():
    out = run("sources")
    assert out.returncode == 0, out.stderr
    assert "news_demo" in out.stdout and "1 source(s) valid" in out.stdout


def test_sources_names_the_bad_field(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: x1\n    name: X\n    base_url: https://x.example/\n    languages: [en]\n"
                   "    discovery: {feeds: [rss.xml]}\n    fetch: {delay_seconds: fast}\n")
    out = run("--config", str(bad), "sources")
    assert out.returncode == 2
    assert "sources[x1].fetch.delay_seconds: expected a float" in out.stderr


def test_extract_a_demo_article_over_http(demo_site):
    article = next(a for a in demo_site.answer_key["articles"] if a["encoding"] != "utf-8")
    out = run("extract", article["url"], env={"NEWSLAKE_DEMO_BASE_URL": demo_site.base_url})
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["title"] == article["title"]  # a windows-1251 page comes out as proper Cyrillic
    assert record["dateline"] == article["dateline"]
    assert record["authors"] == article["authors"]


def test_extract_a_local_file(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html lang='en'><head><title>Blogger fined | Wire</title>"
                    "<meta property='article:published_time' content='2026-11-18T09:00:00+05:00'></head>"
                    "<body><article><h1>Blogger fined</h1><p>OSH (NL) — A court fined a blogger on Tuesday for "
                    "a post about local water prices, his lawyer said, adding that he would appeal.</p></article>"
                    "</body></html>")
    out = run("extract", str(page), "--url", "https://wire.example.kz/en/2026/11/18/fined/")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["published_at"] == "2026-11-18T04:00:00+00:00"
    assert record["dateline_place"] == "Osh"


def test_extract_refuses_urls_outside_every_source():
    out = run("extract", "https://unknown.example.org/news/1")
    assert out.returncode == 2 and "belongs to no configured source" in out.stderr
