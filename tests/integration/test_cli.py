"""The `newslake` console script as an operator runs it: real process, real demo site over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from newslake.config import DEFAULT_CONFIG_PATH, load_sources
from newslake.errors import EXIT_INTERNAL, EXIT_SOURCE, EXIT_STORAGE, EXIT_USAGE

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")


# Storage settings a developer's shell may carry; each test says where storage is.
_STORAGE_ENV = ("AIRFLOW_CONN_NEWSLAKE_S3", "NEWSLAKE_LAKE_DIR", "NEWSLAKE_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
GOOD_ENTRY = "  - id: {id}\n    name: X\n    base_url: https://{id}.example/\n    languages: [en]\n" \
             "    discovery: {{feeds: [rss.xml]}}\n"


def run(*args: str, env: dict | None = None, argv0: list[str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in _STORAGE_ENV and k != "NEWSLAKE_SOURCES"}
    return subprocess.run([*(argv0 or [NEWSLAKE]), *args], capture_output=True, text=True, timeout=120,
                          env={**base, **(env or {})})


def dead_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_sources_lists_and_validates():
    out = run("sources")
    assert out.returncode == 0, out.stderr
    shipped = len(load_sources())  # the demo and the Central Asia pack, every entry valid
    assert shipped > 20
    assert "news_demo" in out.stdout and f"{shipped} sources valid in {DEFAULT_CONFIG_PATH}" in out.stdout


def test_sources_names_the_file_from_the_environment(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("sources:\n" + GOOD_ENTRY.format(id="aa") + GOOD_ENTRY.format(id="bb"))
    out = run("sources", env={"NEWSLAKE_SOURCES": str(mine)})
    assert out.returncode == 0, out.stderr
    assert f"2 sources valid in {mine}" in out.stdout and "the default" not in out.stdout


def test_sources_reports_every_broken_entry(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n" + GOOD_ENTRY.format(id="good")
                   + GOOD_ENTRY.format(id="idle").replace("[en]", "en") + "    enabled: false\n"
                   + GOOD_ENTRY.format(id="late") + "    fetch: {max_retries: \"${NL_TEST_UNSET}\"}\n")
    out = run("--config", str(bad), "sources")
    assert out.returncode == EXIT_USAGE
    assert "good " in out.stdout and f"1 source valid, 2 broken entries in {bad}" in out.stdout
    assert out.stderr.splitlines() == [
        f"config error: {bad}: sources[idle].languages: expected a list of strings, got the string 'en' (write [en])",
        f"config error: {bad}: sources[late].fetch.max_retries: environment variable NL_TEST_UNSET is not set "
        "and ${NL_TEST_UNSET} has no default (set it, or write ${NL_TEST_UNSET:-default})",
    ]


@pytest.mark.parametrize("bad_day", ["2026-13-45", "18/11/2026", "2026-11-31"])
def test_a_malformed_date_is_one_line_and_a_usage_error(bad_day):
    out = run("ingest", "--source", "demo", "--date", bad_day)
    assert out.returncode == EXIT_USAGE
    assert f"argument --date: {bad_day!r} is not a day YYYY-MM-DD" in one_line(out.stderr)


def test_a_day_outside_the_source_range_says_what_to_do():
    out = run("ingest", "--source", "demo", "--date", date.today().isoformat())
    assert out.returncode == EXIT_USAGE
    line = one_line(out.stderr)
    assert "source demo: day" in line and "outside the days it publishes (2026-11-16 .. 2026-11-21)" in line


def test_unreachable_storage_names_the_endpoint(demo_site):
    endpoint = f"http://127.0.0.1:{dead_port()}"
    env = {"NEWSLAKE_DEMO_BASE_URL": demo_site.base_url, "NEWSLAKE_S3_ENDPOINT_URL": endpoint,
           "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    out = run("ingest", "--source", "demo", "--date", "2026-11-18", env=env)
    assert out.returncode == EXIT_STORAGE, out.stderr[-2000:]
    assert one_line(out.stderr).startswith(f"storage error: storage unreachable at {endpoint}: Could not connect")
    verbose = run("-v", "ingest", "--source", "demo", "--date", "2026-11-18", "--replay", env=env)
    assert verbose.returncode == EXIT_STORAGE
    assert "Traceback" in verbose.stderr and "EndpointConnectionError" in verbose.stderr


def test_unreachable_source_is_a_source_error():
    base = f"http://127.0.0.1:{dead_port()}/"
    out = run("extract", base + "en/2026/11/18/x/", env={"NEWSLAKE_DEMO_BASE_URL": base})
    assert out.returncode == EXIT_SOURCE
    assert one_line(out.stderr).startswith("source error: the source could not be reached: " + base)


def test_a_bug_is_one_line_with_a_hint_and_the_traceback_with_v():
    # Fault injection: the real entry point with a command that hits a bug (no such bug ships, we hope).
    buggy = [sys.executable, "-c", "import sys, newslake.cli as c; c.read_sources = lambda *a: {}['x']; "
                                   "sys.exit(c.main(sys.argv[1:]))"]
    out = run("sources", argv0=buggy)
    assert out.returncode == EXIT_INTERNAL
    assert one_line(out.stderr) == "internal error: KeyError: 'x'; rerun with -v for the traceback"
    out = run("sources", "-v", argv0=buggy)
    assert out.returncode == EXIT_INTERNAL and "Traceback" in out.stderr


def test_sources_names_the_bad_field(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: x1\n    name: X\n    base_url: https://x.example/\n    languages: [en]\n"
                   "    discovery: {feeds: [rss.xml]}\n    fetch: {delay_seconds: fast}\n")
    out = run("--config", str(bad), "sources")
    assert out.returncode == EXIT_USAGE
    assert "sources[x1].fetch.delay_seconds: expected a float" in one_line(out.stderr)


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


NOT_PAGES = {
    "logo.png": (b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
    "report.pdf": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
    "record.json": (b'{"title": "Blogger fined", "body": "<p>text</p>"}', "JSON"),
    "empty.html": (b"", "an empty file"),
    "feed.xml": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>x</title>'
                 b"<link>https://wire.example.kz/1</link></item></channel></rss>", "an RSS feed"),
}


@pytest.mark.parametrize("name", sorted(NOT_PAGES))
def test_extract_says_what_a_non_html_file_is_and_fails(tmp_path, name):
    """Finding 7: no all-null record and exit 0 for an image, a PDF, JSON, an empty file or a feed."""
    body, what = NOT_PAGES[name]
    path = tmp_path / name
    path.write_bytes(body)
    out = run("extract", str(path))
    assert out.returncode == EXIT_USAGE, out.stdout + out.stderr
    assert out.stdout == ""
    assert f"is {what}, not an HTML page" in one_line(out.stderr)


@pytest.mark.parametrize(("path", "what"), [("rss.xml", "is an RSS feed"), ("_fault/binary/cli1", "not_html"),
                                             ("_fault/pdf/cli2", "not_html")])
def test_extract_over_http_refuses_what_is_not_a_page(demo_site, path, what):
    out = run("extract", demo_site.url(path), env={"NEWSLAKE_DEMO_BASE_URL": demo_site.base_url})
    assert out.returncode == EXIT_USAGE, out.stdout + out.stderr
    assert what in one_line(out.stderr) and out.stdout == ""


def test_extract_refuses_urls_outside_every_source():
    out = run("extract", "https://unknown.example.org/news/1")
    assert out.returncode == EXIT_USAGE and "belongs to no configured source" in one_line(out.stderr)


def test_storage_refusing_our_keys_is_a_storage_error(s3_server):
    env = {"NEWSLAKE_S3_ENDPOINT_URL": s3_server.endpoint_url, "NEWSLAKE_BUCKET": s3_server.bucket,
           "AWS_ACCESS_KEY_ID": s3_server.access_key, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    out = run("ingest", "--source", "demo", "--date", "2026-11-18", "--replay", env=env)
    assert out.returncode == EXIT_STORAGE, out.stderr[-2000:]
    assert one_line(out.stderr).startswith(f"storage error: storage at {s3_server.endpoint_url} refused the request: ")
