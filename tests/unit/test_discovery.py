"""Discovery on golden feeds, sitemaps and archive pages, offline (a scripted fetcher returns the documents)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from newslake.config import parse_sources
from newslake.discovery import (
    ConditionalCache,
    DiscoveryError,
    discover,
    parse_feed,
    parse_sitemap,
)
from newslake.extraction.dates import parse_datetime
from newslake.fetching import FetchResult, Outcome, PageFetcher, RobotsRules

BASE = "https://wire.example.kz/"
START = datetime(2026, 11, 18, tzinfo=timezone.utc)
END = datetime(2026, 11, 19, tzinfo=timezone.utc)

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Blogger detained in Osh</title><link>https://wire.example.kz/en/2026/11/18/osh-blogger/?utm_source=rss</link>
<pubDate>Wed, 18 Nov 2026 09:15:00 +0500</pubDate></item>
<item><title>Old story</title><link>https://wire.example.kz/en/2026/11/16/old/</link>
<pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Late-night ruling</title><link>https://wire.example.kz/en/2026/11/19/ruling/</link>
<pubDate>Thu, 19 Nov 2026 02:30:00 +0500</pubDate></item>
<item><title>Elsewhere</title><link>https://other.example.org/a/</link><pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><title>VPN rules tightened</title><link rel="alternate" href="/ru/2026/11/18/vpn/"/>
<published>2026-11-18T20:00:00Z</published><updated>2026-11-18T21:00:00Z</updated></entry>
</feed>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://wire.example.kz/sitemaps/news.xml</loc><lastmod>2026-11-18T23:00:00Z</lastmod></sitemap>
<sitemap><loc>https://wire.example.kz/sitemaps/2025.xml</loc><lastmod>2025-12-31T00:00:00Z</lastmod></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://wire.example.kz/en/2026/11/18/osh-blogger/</loc><news:news>
<news:publication><news:name>Wire</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2026-11-18T09:15:00+05:00</news:publication_date><news:title>Blogger detained in Osh</news:title>
</news:news></url>
<url><loc>https://wire.example.kz/en/2026/11/17/yesterday/</loc><news:news>
<news:publication_date>2026-11-17T12:00:00Z</news:publication_date></news:news></url>
<url><loc>https://wire.example.kz/en/2026/11/16/two-days-ago/</loc><news:news>
<news:publication_date>2026-11-16T12:00:00Z</news:publication_date></news:news></url>
</urlset>"""

NEWS_CANDIDATES = ["https://wire.example.kz/en/2026/11/17/yesterday/", "https://wire.example.kz/en/2026/11/18/osh-blogger/"]

ARCHIVE_1 = b"""<html><body><nav><a href="/about/">About</a><a href="/en/">Home</a></nav>
<ul><li><a href="/en/2026/11/18/court/">Court</a></li><li><a href="/en/2026/11/18/osh-blogger/">Osh</a></li></ul>
<a rel="next" href="/archive/2026/11/18/page/2/">Older</a></body></html>"""
ARCHIVE_2 = b"""<html><body><ul><li><a href="/en/features/undated/">Feature</a></li></ul></body></html>"""


class ScriptedFetcher:
    """Answers from a dict of URL -> (outcome, body, headers); records the validators it was sent."""

    def __init__(self, pages: dict):
        self.pages, self.requests = pages, []

    def fetch(self, url, *, kind="html", validators=None):
        self.requests.append((url, validators))
        outcome, body, headers = self.pages.get(url, (Outcome.GONE, None, {}))
        if validators and headers.get("etag") and validators.get("etag") == headers["etag"]:
            outcome, body = Outcome.NOT_MODIFIED, None
        return FetchResult(url, url, 200 if body else 404, outcome, dict(headers), body, "application/xml",
                           datetime.now(timezone.utc), 1, None, 0.0)

    def fetch_many(self, urls, *, kind="html", validators=None):
        for url in urls:
            yield self.fetch(url, kind=kind, validators=(validators or {}).get(url))

    def robots(self, url):
        return RobotsRules(status="missing")  # no robots.txt: everything allowed, no sitemaps announced


def source(**discovery):
    doc = {"sources": [{"id": "wire", "name": "Wire", "base_url": BASE, "languages": ["en", "ru"],
                        "discovery": discovery}]}
    return parse_sources(doc)[0]


def ok(body, etag=None):
    return (Outcome.FETCHED, body, {"etag": etag} if etag else {})


def test_parse_date_forms():
    assert parse_datetime("Wed, 18 Nov 2026 09:15:00 +0500") == datetime(2026, 11, 18, 4, 15, tzinfo=timezone.utc)
    assert parse_datetime("2026-11-18T20:00:00Z") == datetime(2026, 11, 18, 20, tzinfo=timezone.utc)
    assert parse_datetime("2026-11-18") == datetime(2026, 11, 18, tzinfo=timezone.utc)
    assert parse_datetime("yesterday") is None and parse_datetime(None) is None


def test_feed_items_filtered_to_interval_and_domain():
    fetcher = ScriptedFetcher({BASE + "rss.xml": ok(RSS), BASE + "atom.xml": ok(ATOM)})
    result = discover(source(feeds=["rss.xml", "atom.xml"]), START, END, fetcher)
    urls = [c.url for c in result.candidates]
    # 02:30 +05:00 on the 19th is 21:30 UTC on the 18th: inside the UTC day.
    assert urls == [
        "https://wire.example.kz/en/2026/11/18/osh-blogger/",
        "https://wire.example.kz/en/2026/11/19/ruling/",
        "https://wire.example.kz/ru/2026/11/18/vpn/",
    ]
    assert result.counts["skipped_out_of_interval"] == 1
    assert result.counts["skipped_off_domain"] == 1
    blogger = result.candidates[0]
    assert blogger.date_source == "feed" and blogger.title == "Blogger detained in Osh"


def test_sitemap_index_news_dates_and_stale_children():
    fetcher = ScriptedFetcher({BASE + "sitemap.xml": ok(INDEX), BASE + "sitemaps/news.xml": ok(NEWS)})
    result = discover(source(sitemaps=["sitemap.xml"]), START, END, fetcher)
    # 12:00Z the day before is within PRUNE_SLACK: a candidate, extraction decides from the page
    assert [c.url for c in result.candidates] == NEWS_CANDIDATES
    c = result.candidates[1]
    assert c.date_source == "sitemap" and c.language == "en"
    assert c.published_at == datetime(2026, 11, 18, 4, 15, tzinfo=timezone.utc)
    assert result.counts["skipped_out_of_interval"] == 1  # two days before
    assert result.counts["sitemaps_skipped_stale"] == 1
    assert BASE + "sitemaps/2025.xml" not in [u for u, _ in fetcher.requests]


def test_archive_pagination_and_article_pattern():
    fetcher = ScriptedFetcher({
        BASE + "archive/2026/11/18/": ok(ARCHIVE_1),
        BASE + "archive/2026/11/18/page/2/": ok(ARCHIVE_2),
    })
    src = source(archive={"url_template": "archive/{date:%Y/%m/%d}/"},
                 article_url_pattern=r"/en/(\d{4}/\d{2}/\d{2}|features)/[^/]+/$")
    result = discover(src, START, END, fetcher)
    assert [c.url for c in result.candidates] == [
        "https://wire.example.kz/en/2026/11/18/court/",
        "https://wire.example.kz/en/2026/11/18/osh-blogger/",
        "https://wire.example.kz/en/features/undated/",
    ]
    assert result.counts["archive_pages"] == 2
    assert result.counts["skipped_not_article"] == 2  # nav links


def test_same_article_from_several_entry_points_is_one_candidate():
    fetcher = ScriptedFetcher({BASE + "rss.xml": ok(RSS), BASE + "sitemap.xml": ok(INDEX),
                               BASE + "sitemaps/news.xml": ok(NEWS)})
    result = discover(source(feeds=["rss.xml"], sitemaps=["sitemap.xml"]), START, END, fetcher)
    blogger = next(c for c in result.candidates if c.url.endswith("osh-blogger/"))
    assert blogger.via == {"feed", "sitemap"}
    assert result.counts["merged_duplicates"] == 1


def test_conditional_get_reuses_the_cached_body(tmp_path):
    from newslake.storage import LocalStore

    cache = ConditionalCache(LocalStore(tmp_path), "wire")
    fetcher = ScriptedFetcher({BASE + "rss.xml": ok(RSS, etag='"v1"')})
    first = discover(source(feeds=["rss.xml"]), START, END, fetcher, cache)
    second = discover(source(feeds=["rss.xml"]), START, END, fetcher, cache)
    assert fetcher.requests[1] == (BASE + "rss.xml", {"etag": '"v1"'})
    assert second.counts["not_modified"] == 1
    assert [c.url for c in second.candidates] == [c.url for c in first.candidates]


def test_every_entry_point_failing_is_an_error_not_an_empty_day():
    with pytest.raises(DiscoveryError, match="every discovery entry point failed"):
        discover(source(feeds=["rss.xml"], sitemaps=["sitemap.xml"]), START, END, ScriptedFetcher({}))


def test_parsers_survive_garbage():
    assert parse_feed(b"\x00\xff not xml", BASE) == []
    assert parse_sitemap(b"<html><body>oops", BASE) == ([], [])


def test_url_dates_prune_sitemap_entries_far_from_the_interval():
    sitemap = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://wire.example.kz/en/2026/11/25/later/</loc><lastmod>2026-11-25T10:00:00Z</lastmod></url>
    <url><loc>https://wire.example.kz/en/2026/11/19/next-local-day/</loc><lastmod>2026-11-19T10:00:00Z</lastmod></url>
    <url><loc>https://wire.example.kz/en/features/undated/</loc><lastmod>2026-11-20T10:00:00Z</lastmod></url>
    </urlset>"""
    fetcher = ScriptedFetcher({BASE + "sitemap.xml": ok(sitemap)})
    result = discover(source(sitemaps=["sitemap.xml"]), START, END, fetcher)
    assert [c.url for c in result.candidates] == [
        "https://wire.example.kz/en/2026/11/19/next-local-day/",
        "https://wire.example.kz/en/features/undated/",
    ]
    assert result.counts["skipped_out_of_interval"] == 1


def test_scripted_fetcher_is_a_page_fetcher():
    assert isinstance(ScriptedFetcher({}), PageFetcher)


def test_sitemaps_listed_in_robots_txt_are_entry_points():
    class RobotsFetcher(ScriptedFetcher):
        def robots(self, url):
            return RobotsRules(rules=(), crawl_delay=None, sitemaps=(BASE + "sitemap.xml",))

    fetcher = RobotsFetcher({BASE + "sitemap.xml": ok(INDEX), BASE + "sitemaps/news.xml": ok(NEWS)})
    result = discover(source(feeds=["rss.xml"]), START, END, fetcher)
    assert [c.url for c in result.candidates] == NEWS_CANDIDATES


# Issue 7, finding 2: discovery prunes only with PRUNE_SLACK; extraction decides interval membership.

def _rss(*items: tuple[str, str]) -> bytes:
    body = "".join(f"<item><title>{slug}</title><link>{BASE}en/{slug}/</link><pubDate>{when}</pubDate></item>"
                   for slug, when in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{body}</channel></rss>'.encode()


def _feed_urls(body: bytes, name: str = "rss.xml") -> list[str]:
    result = discover(source(feeds=[name]), START, END, ScriptedFetcher({BASE + name: ok(body)}))
    return [c.url.removeprefix(BASE + "en/").rstrip("/") for c in result.candidates]


def test_a_feed_date_just_after_the_interval_stays_a_candidate():
    # the page says 18 Nov 23:10Z, the feed 19 Nov 00:30Z: the run for the 18th must fetch it
    feed = _rss(("late-page", "Thu, 19 Nov 2026 00:30:00 GMT"), ("two-days-later", "Fri, 20 Nov 2026 00:30:00 GMT"),
                ("local-time-as-gmt", "Tue, 17 Nov 2026 14:00:00 GMT"), ("long-before", "Mon, 16 Nov 2026 23:00:00 GMT"))
    assert _feed_urls(feed) == ["late-page", "local-time-as-gmt"]


def test_atom_published_wins_over_an_earlier_listed_updated():
    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
            b'<link href="/en/edited/"/><updated>2026-11-25T08:00:00Z</updated>'
            b"<published>2026-11-18T08:00:00Z</published></entry></feed>")
    [candidate] = parse_feed(atom, BASE)
    assert candidate.published_at == datetime(2026, 11, 18, 8, tzinfo=timezone.utc)
    assert _feed_urls(atom, "atom.xml") == ["edited"]


def test_atom_updated_alone_only_bounds_publication_from_above():
    def entry(slug: str, updated: str) -> str:
        return f'<entry><title>{slug}</title><link href="/en/{slug}/"/><updated>{updated}</updated></entry>'

    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
            + entry("edited-a-week-later", "2026-11-25T08:00:00Z") + entry("edited-before", "2026-11-16T08:00:00Z")
            + "</feed>").encode()
    assert _feed_urls(atom, "atom.xml") == ["edited-a-week-later"]
    [later, _] = parse_feed(atom, BASE)
    assert later.published_at is None and later.hint_date() == datetime(2026, 11, 25, 8, tzinfo=timezone.utc)


def test_sitemap_lastmod_and_index_lastmod_keep_a_day_of_slack():
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://wire.example.kz/sitemaps/a.xml</loc><lastmod>2026-11-17</lastmod></sitemap>
    <sitemap><loc>https://wire.example.kz/sitemaps/b.xml</loc><lastmod>2026-11-16T23:00:00Z</lastmod></sitemap>
    </sitemapindex>"""
    urls = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://wire.example.kz/en/a/</loc><lastmod>2026-11-17</lastmod></url>
    <url><loc>https://wire.example.kz/en/b/</loc><lastmod>2026-11-16T20:00:00Z</lastmod></url>
    </urlset>"""
    # a date-only lastmod is the site's local day: 17 Nov west of UTC runs into the 18th (UTC)
    fetcher = ScriptedFetcher({BASE + "sitemap.xml": ok(index), BASE + "sitemaps/a.xml": ok(urls)})
    result = discover(source(sitemaps=["sitemap.xml"]), START, END, fetcher)
    assert [c.url for c in result.candidates] == [BASE + "en/a/"]
    assert result.counts["sitemaps_skipped_stale"] == 1 and result.counts["skipped_out_of_interval"] == 1
    assert BASE + "sitemaps/b.xml" not in [u for u, _ in fetcher.requests]


def test_archive_pages_of_the_neighbouring_local_days_are_read():
    fetcher = ScriptedFetcher({})
    src = source(archive={"url_template": "archive/{date:%Y/%m/%d}/"})
    with pytest.raises(DiscoveryError):
        discover(src, START, END, fetcher)
    assert [u for u, _ in fetcher.requests] == [BASE + f"archive/2026/11/{d}/" for d in (17, 18, 19)]


def test_slack_is_one_day_either_side():
    from newslake.discovery import PRUNE_SLACK, may_be_in_interval, modified_before

    assert PRUNE_SLACK.total_seconds() == 86400
    assert may_be_in_interval(END + PRUNE_SLACK - PRUNE_SLACK / 86400, START, END)
    assert not may_be_in_interval(END + PRUNE_SLACK, START, END)
    assert may_be_in_interval(START - PRUNE_SLACK, START, END) and not modified_before(START - PRUNE_SLACK, START)
