"""`newslake source probe` and `source check` as an operator runs them, against real local HTTP sites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fixture_sites.server import serve_site
from newslake.errors import EXIT_OK, EXIT_SOURCE, EXIT_VALIDATION

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")
_STORAGE_ENV = ("AIRFLOW_CONN_NEWSLAKE_S3", "NEWSLAKE_LAKE_DIR", "NEWSLAKE_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
# What probe must report finding on each fixture site (method and path).
PROBE_FINDS = {
    "wordpress": ["feed:link-alternate", "/feed/", "sitemap:robots", "archive:url-shape"],
    "drupal": ["feed:cms-path:drupal", "/rss.xml", "sitemap:cms-path", "/sitemap.xml"],
    "rferl": ["feed:link-alternate", "/api/zqpoemtvpy", "sitemap:robots"],
    "bitrix": ["feed:cms-path:bitrix", "/ru/rss/", "/kz/rss/", "sitemap:robots"],
    "watchdog": ["feed:link-alternate", "region/central-asia/"],
}


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # No storage settings at all: neither command may need (or write to) the lake.
    base = {k: v for k, v in os.environ.items() if k not in _STORAGE_ENV and k != "NEWSLAKE_SOURCES"}
    return subprocess.run([NEWSLAKE, *args], capture_output=True, text=True, timeout=120, env={**base, **(env or {})})


@pytest.mark.parametrize("name", sorted(PROBE_FINDS))
def test_probe_reports_what_works_and_proposes_an_entry_sources_accepts(name, tmp_path):
    with serve_site(name) as (site, base):
        out = run("source", "probe", base, "--allow-private", "--id", f"fx_{name}", "--delay", "0")
    assert out.returncode == EXIT_OK, out.stderr
    for needle in PROBE_FINDS[name]:
        assert needle in out.stderr
    assert "fields from:" in out.stderr and "timezone:" in out.stderr
    proposal = tmp_path / "proposal.yaml"
    proposal.write_text(out.stdout)
    (entry,) = yaml.safe_load(out.stdout)["sources"]
    assert entry["enabled"] is False and entry["allow_private_network"] is True
    assert set(entry["languages"]) == set(site.languages)
    listed = run("--config", str(proposal), "sources")
    assert listed.returncode == EXIT_OK, listed.stderr
    assert f"fx_{name}" in listed.stdout


def test_probe_infers_the_timezone_from_the_sites_offsets():
    with serve_site("wordpress") as (_, base):  # every timestamp at +06:00
        out = run("source", "probe", base, "--allow-private", "--delay", "0")
    assert "timezone: Asia/Bishkek (from timestamps at UTC+6" in out.stderr
    assert yaml.safe_load(out.stdout)["sources"][0]["timezone"] == "Asia/Bishkek"


def test_probe_of_a_loopback_site_without_allow_private_is_refused():
    with serve_site("drupal") as (_, base):
        out = run("source", "probe", base, "--delay", "0")
    assert out.returncode == EXIT_SOURCE
    assert f"homepage {base} -> blocked" in out.stderr or "private" in out.stderr
    assert "a local test site needs --allow-private" in out.stderr  # the way out, named


def _config(tmp_path, site, base, **discovery) -> str:
    entry = {"id": f"fx_{site.name}", "name": site.name, "base_url": base, "allowed_domains": ["127.0.0.1"],
             "allow_private_network": True, "languages": site.languages, "timezone": site.timezone,
             "enabled": False, "discovery": discovery or {"auto": True}, "fetch": {"delay_seconds": 0, "max_retries": 0}}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True))
    return str(path)


def test_check_lists_the_days_records_and_every_urls_outcome(tmp_path):
    with serve_site("bitrix") as (site, base):
        config = _config(tmp_path, site, base)
        out = run("--config", config, "source", "check", "fx_bitrix", "--date", "2026-11-18")
    assert out.returncode == EXIT_OK, out.stderr
    due = sorted(base + s.path.lstrip("/") for s in site.stories if s.utc().date().isoformat() == "2026-11-18")
    records = [line.split()[-1] for line in out.stdout.split("records:\n", 1)[1].splitlines()]
    assert sorted(records) == due  # 00:45 and 01:10 Almaty stories fall on the 17th UTC and are not here
    urls = out.stdout.split("URLs:\n", 1)[1].split("records:\n", 1)[0]
    listed = {line.split()[1]: line.split()[0] for line in urls.splitlines()}
    assert {u for u, o in listed.items() if o == "record"} == set(due)  # each URL with its outcome
    assert "(nothing written to the lake)" in out.stdout


def test_check_of_pages_that_lost_their_dates_fails_with_the_reason(tmp_path):
    with serve_site("watchdog") as (site, base):
        # Only the region page leads to the stories, so nothing but the pages themselves can date them.
        config = _config(tmp_path, site, base, pages=["region/central-asia/"], article_url_pattern=r"/\d{4}/\d{2}/")
        site.mutate("dates_gone")
        out = run("--config", config, "source", "check", "fx_watchdog", "--date", "2026-11-19")
    assert out.returncode == EXIT_VALIDATION
    assert "source fx_watchdog 2026-11-19: 4/4 pages have no publication date" in out.stderr


def test_check_the_demo_source_without_storage(demo_site):
    out = run("source", "check", "demo", "--date", "2026-11-19", env={"NEWSLAKE_DEMO_BASE_URL": demo_site.base_url})
    assert out.returncode == EXIT_OK, out.stderr
    key = demo_site.answer_key
    articles = {a["url"] for a in key["articles"] if a["published_at"].startswith("2026-11-19")}
    # check extracts without validating: the day's stub (which validation quarantines) is a record here
    stubs = {t["url"] for t in key["traps"] if t["day"] == "2026-11-19" and t["expected_outcome"] == "quarantined"}
    records = {line.split()[-1] for line in out.stdout.split("records:\n", 1)[1].splitlines()}
    assert articles <= records and records - articles <= stubs
    assert "robots_disallowed" in out.stdout  # the day's robots trap, listed with its outcome
