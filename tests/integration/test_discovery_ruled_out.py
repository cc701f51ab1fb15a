"""Finding 5: a URL that a dated entry point (feed, sitemap) put outside the interval is not brought back by an
undated archive link, whichever is read first (real HTTP site, real Fetcher, the real discover())."""

from __future__ import annotations

from datetime import date

import pytest
from integration.tiny_site import Route, serve_tiny_site
from newslake.config import parse_source
from newslake.discovery import ConditionalCache, discover
from newslake.fetching import Fetcher
from newslake.pipeline import day_interval

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 18)


def feed(base: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><link>{base}news/old-story/</link><pubDate>Fri, 13 Nov 2026 09:00:00 GMT</pubDate></item>"
            f"<item><link>{base}news/fresh-story/</link><pubDate>Wed, 18 Nov 2026 09:00:00 GMT</pubDate></item>"
            "</channel></rss>").encode()


def sitemap(base: str) -> bytes:
    return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}news/old-story/</loc><lastmod>2026-11-13T09:00:00Z</lastmod></url>"
            "</urlset>").encode()


ARCHIVE = (b'<html><body><a href="/news/old-story/">Old</a><a href="/news/fresh-story/">Fresh</a>'
           b'<a href="/news/undated-story/">Undated</a></body></html>')


@pytest.mark.parametrize("entry", ["feeds", "sitemaps"])
def test_an_undated_archive_link_does_not_readmit_a_url_a_dated_entry_point_ruled_out(local_store, entry):
    routes = {"/archive/2026/11/18/": Route(ARCHIVE)}
    with serve_tiny_site(routes) as site:
        routes["/rss.xml"] = Route(feed(site.base_url), "application/rss+xml")
        routes["/sitemap.xml"] = Route(sitemap(site.base_url), "application/xml")
        source = parse_source({
            "id": "tiny", "name": "Tiny", "base_url": site.base_url, "languages": ["en"],
            "allowed_domains": ["127.0.0.1"], "allow_private_network": True,
            "discovery": {entry: ["rss.xml" if entry == "feeds" else "sitemap.xml"],
                          "archive": {"url_template": "archive/{date:%Y/%m/%d}/", "max_pages": 1},
                          "article_url_pattern": "/news/[^/]+/$"},
            "fetch": {"delay_seconds": 0, "max_retries": 0},
        }, "test")
        start, end = day_interval(DAY)
        with Fetcher(source) as fetcher:
            result = discover(source, start, end, fetcher, ConditionalCache(local_store, source.id))
    urls = {c.url.removeprefix(site.base_url) for c in result.candidates}
    assert "news/old-story/" not in urls
    assert "news/undated-story/" in urls  # an undated link nobody ruled out is still a candidate
    if entry == "feeds":
        assert "news/fresh-story/" in urls
