"""Discovery bench: newslake's own feed/sitemap code against trafilatura, feedparser and ultimate-sitemap-parser.

Serves each fixture site of tests/fixture_sites on a real 127.0.0.1 HTTP server and measures, per site:
- feeds: story recall (share of the site's stories found) and requests made, for newslake's
  auto-discovery + parse_feed and for trafilatura.feeds.find_feed_urls (which fetches by itself);
- feed parsing: items and correctly read UTC dates, parse_feed vs feedparser.parse;
- sitemaps: story recall and requests, newslake (robots/standard paths + parse_sitemap) vs
  ultimate-sitemap-parser's sitemap_tree_for_homepage vs trafilatura.sitemaps.sitemap_search.
Prints a table and a final JSON line.

    .venv/bin/python bench/bench_discovery.py
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "include"), str(ROOT / "tests")]

from fixture_sites.server import serve_site, source_for  # noqa: E402
from fixture_sites.sites import BUILDERS  # noqa: E402
from newslake.discovery import parse_feed, parse_sitemap  # noqa: E402
from newslake.discovery_auto import find_entry_points  # noqa: E402
from newslake.fetching import Fetcher  # noqa: E402


def _recall(found: set[str], stories: set[str]) -> float:
    return len(found & stories) / len(stories) if stories else 0.0


def _newslake(site, base):
    source = source_for(site, base)
    site.requested.clear()
    with Fetcher(source) as fetcher:
        found = find_entry_points(source, fetcher)
        feed_urls, sitemap_urls = set(), set()
        for url in found.feeds:
            body = fetcher.fetch(url, kind="xml").body or b""
            feed_urls |= {c.url for c in parse_feed(body, url)}
        pending, seen = list(found.sitemaps), set()
        while pending:
            url = pending.pop()
            if url in seen:
                continue
            seen.add(url)
            children, entries = parse_sitemap(fetcher.fetch(url, kind="xml").body or b"", url)
            pending += [c for c, _ in children]
            sitemap_urls |= {c.url for c, _ in entries}
    return feed_urls, sitemap_urls, len(site.requested)


def _trafilatura_feeds(site, base):
    from trafilatura.feeds import find_feed_urls

    site.requested.clear()
    try:
        urls = set(find_feed_urls(base, sleep_time=0))
    except Exception as exc:  # a library failing on a site is a figure too
        print(f"  trafilatura feeds failed on {site.name}: {exc!r}")
        urls = set()
    return urls, len(site.requested)


def _trafilatura_sitemaps(site, base):
    from trafilatura.sitemaps import sitemap_search

    site.requested.clear()
    try:
        urls = set(sitemap_search(base, sleep_time=0))
    except Exception as exc:
        print(f"  trafilatura sitemaps failed on {site.name}: {exc!r}")
        urls = set()
    return urls, len(site.requested)


def _usp(site, base):
    from usp.tree import sitemap_tree_for_homepage

    site.requested.clear()
    try:
        tree = sitemap_tree_for_homepage(base)
        urls = {page.url for page in tree.all_pages()}
    except Exception as exc:
        print(f"  usp failed on {site.name}: {exc!r}")
        urls = set()
    return urls, len(site.requested)


def _feed_dates(site, base):
    """(items, dates right) for parse_feed and feedparser on each feed the site has."""
    import feedparser

    ours = [0, 0, 0.0]
    theirs = [0, 0, 0.0]
    truth = {base + s.path.lstrip("/"): s.utc() for s in site.stories}
    for path in site.feed_paths:
        body = site.routes[path].body
        started = time.perf_counter()
        items = parse_feed(body, base + path.lstrip("/"))
        ours[2] += time.perf_counter() - started
        ours[0] += len(items)
        ours[1] += sum(c.published_at == truth.get(c.url) for c in items)
        started = time.perf_counter()
        parsed = feedparser.parse(body)
        theirs[2] += time.perf_counter() - started
        theirs[0] += len(parsed.entries)
        for entry in parsed.entries:
            stamp = entry.get("published_parsed")
            when = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
            theirs[1] += when == truth.get(entry.get("link"))
    return ours, theirs


def _link_detection(name: str) -> tuple[int, int]:
    """Feeds announced on the homepage: newslake's feed_links vs trafilatura's determine_feed.

    Offline on a public-looking base URL: courlan (under trafilatura) rejects loopback URLs, so
    trafilatura's own fetching finders cannot be pointed at the fixture server at all.
    """
    from newslake.discovery_auto import feed_links
    from trafilatura.feeds import FeedParameters, determine_feed

    base = "https://fixture.example/"
    html = BUILDERS[name](base).routes["/"].body
    params = FeedParameters(base, "fixture.example", base)
    return len(feed_links(html, base)), len(determine_feed(html.decode(), params))


def main() -> int:
    logging.disable(logging.WARNING)
    rows, figures = [], {}
    for name in BUILDERS:
        with serve_site(name) as (site, base):
            stories = {base + s.path.lstrip("/") for s in site.stories}
            feed_urls, sitemap_urls, requests = _newslake(site, base)
            t_feed, t_feed_req = _trafilatura_feeds(site, base)
            t_sm, t_sm_req = _trafilatura_sitemaps(site, base)
            u_sm, u_req = _usp(site, base)
            ours, theirs = _feed_dates(site, base)
        links_nl, links_traf = _link_detection(name)
        fig = {
            "homepage_feed_links_newslake": links_nl,
            "homepage_feed_links_trafilatura": links_traf,
            "stories": len(stories),
            "newslake_feed_recall": round(_recall(feed_urls, stories), 3),
            "newslake_sitemap_recall": round(_recall(sitemap_urls, stories), 3),
            "newslake_requests": requests,
            "trafilatura_feed_recall": round(_recall(t_feed, stories), 3),
            "trafilatura_feed_requests": t_feed_req,
            "trafilatura_sitemap_recall": round(_recall(t_sm, stories), 3),
            "trafilatura_sitemap_requests": t_sm_req,
            "usp_sitemap_recall": round(_recall(u_sm, stories), 3),
            "usp_requests": u_req,
            "parse_feed_items_dates": [ours[0], ours[1]],
            "feedparser_items_dates": [theirs[0], theirs[1]],
            "parse_feed_ms": round(ours[2] * 1000, 2),
            "feedparser_ms": round(theirs[2] * 1000, 2),
        }
        figures[name] = fig
        rows.append((name, fig))
    head = ("site", "stories", "nl feed", "traf feed", "nl sitemap", "traf sitemap", "usp sitemap",
            "requests nl/traf-f/traf-s/usp", "feed items+dates nl", "feedparser", "ms nl/fp", "link tags nl/traf")
    print(" | ".join(head))
    for name, f in rows:
        print(" | ".join([
            name, str(f["stories"]), f"{f['newslake_feed_recall']:.0%}", f"{f['trafilatura_feed_recall']:.0%}",
            f"{f['newslake_sitemap_recall']:.0%}", f"{f['trafilatura_sitemap_recall']:.0%}",
            f"{f['usp_sitemap_recall']:.0%}",
            f"{f['newslake_requests']}/{f['trafilatura_feed_requests']}/{f['trafilatura_sitemap_requests']}/{f['usp_requests']}",
            "{}/{}".format(*f["parse_feed_items_dates"]), "{}/{}".format(*f["feedparser_items_dates"]),
            f"{f['parse_feed_ms']}/{f['feedparser_ms']}",
            f"{f['homepage_feed_links_newslake']}/{f['homepage_feed_links_trafilatura']}",
        ]))
    print(json.dumps({"bench": "discovery", "sites": figures}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
