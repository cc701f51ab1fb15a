"""Auto-discovery, regional dates and change detection against five fixture sites on a real local HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fixture_sites.server import serve_site, source_for
from newslake.discovery import DiscoveryError, discover
from newslake.discovery_auto import resolve_auto
from newslake.discovery_changes import undated_problem
from newslake.extraction import extract_article
from newslake.fetching import Fetcher

START, END = datetime(2026, 11, 19, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
WATCHDOG = {"pages": ["region/central-asia/"], "article_url_pattern": r"/\d{4}/\d{2}/[^/]+/$"}

# How auto-discovery must find each site's entry points (paths relative to the site).
EXPECTED_METHODS = {
    "wordpress": {"feed/": "feed:link-alternate", "wp-sitemap.xml": "sitemap:robots",
                  "{date:%Y/%m/%d}/": "archive:url-shape"},
    "drupal": {"rss.xml": "feed:cms-path:drupal", "sitemap.xml": "sitemap:cms-path"},
    "rferl": {"api/zqpoemtvpy": "feed:link-alternate", "sitemap.xml": "sitemap:robots"},
    "bitrix": {"ru/rss/": "feed:cms-path:bitrix", "kz/rss/": "feed:cms-path:bitrix", "sitemap.xml": "sitemap:robots"},
}


def _discover(source):
    with Fetcher(source) as fetcher:
        resolved, methods = resolve_auto(source, fetcher)
        return discover(resolved, START, END, fetcher), methods


@pytest.mark.parametrize("name", sorted(EXPECTED_METHODS))
def test_auto_discovery_finds_each_cms_entry_points_and_every_story_of_the_day(name):
    with serve_site(name) as (site, base):
        result, methods = _discover(source_for(site, base))
        assert {u.replace(base, ""): m for u, m in methods.items()} == EXPECTED_METHODS[name]
        found = {c.url for c in result.candidates}
        due = {base + s.path.lstrip("/") for s in site.stories if START - timedelta(days=1) <= s.utc() < END + timedelta(days=1)}
        assert due and due <= found
        assert result.warnings == []


def test_watchdog_region_page_yields_only_its_central_asia_stories():
    with serve_site("watchdog") as (site, base):
        result, _ = _discover(source_for(site, base, **WATCHDOG))
        central_asia = {base + s.path.lstrip("/") for s in site.stories if s.region == "central-asia"}
        assert {c.url for c in result.candidates} == central_asia
        assert result.counts["skipped_not_article"] == 1  # the region page's About link


@pytest.mark.parametrize("name", ["wordpress", "drupal", "rferl", "bitrix", "watchdog"])
def test_every_fixture_story_gets_its_utc_instant_from_the_sites_local_dates(name):
    # Drupal and Bitrix pages print local times without an offset; only the source's timezone places them.
    with serve_site(name) as (site, base):
        source = source_for(site, base)
        for story in site.stories:
            article = extract_article(site.routes[story.path].body, base + story.path.lstrip("/"), source=source)
            assert article.published_at == story.utc(), story.path
            assert article.title == story.title


def test_a_feed_that_disappears_is_a_warning_naming_source_and_feed():
    with serve_site("wordpress") as (site, base):
        source = source_for(site, base, feeds=["feed/"], sitemaps=["wp-sitemap.xml"])
        site.mutate("feed_gone")
        result, _ = _discover(source)
        assert any(w.startswith(f"source fx_wordpress: feed {base}feed/ is no longer served (gone)") for w in result.warnings)


def test_a_moved_sitemap_is_a_warning_that_names_the_new_location():
    with serve_site("rferl") as (site, base):
        source = source_for(site, base, sitemaps=["sitemap.xml"])
        site.mutate("sitemap_moved")
        result, _ = _discover(source)
        assert any(f"sitemap {base}sitemap.xml is no longer served" in w and f"{base}new-sitemaps/sitemap.xml" in w
                   for w in result.warnings), result.warnings
        assert result.candidates  # the new location still feeds the night


def test_robots_starting_to_disallow_us_fails_discovery_naming_robots():
    with serve_site("drupal") as (site, base):
        source = source_for(site, base, feeds=["rss.xml"], sitemaps=["sitemap.xml"])
        site.mutate("robots_disallow")
        with pytest.raises(DiscoveryError, match=r"source fx_drupal: every discovery entry point failed.*robots_disallowed"):
            _discover(source)


def test_pages_that_lose_their_dates_fail_the_night_with_the_reason():
    with serve_site("watchdog") as (site, base):
        source = source_for(site, base, **WATCHDOG)
        site.mutate("dates_gone")
        undated = sum(extract_article(site.routes[s.path].body, base + s.path.lstrip("/"), source=source).published_at
                      is None for s in site.stories)
        assert undated == len(site.stories)
        message = undated_problem(source.id, START.date(), len(site.stories), undated)
        assert message is not None and "6/6 pages have no publication date" in message
        assert undated_problem(source.id, START.date(), 6, 2) is None
