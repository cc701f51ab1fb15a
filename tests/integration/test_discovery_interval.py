"""Issue 7, finding 2: an article whose feed date is just after its page date lands in exactly one partition.

A real local site: the feed says 19 Nov 00:30Z, the page says 18 Nov 23:10Z. Discovery used to prune it
from the run for the 18th on the feed date, and the run for the 19th dropped it as out of interval on
the page date, so it was in no partition. Discovery now prunes only with PRUNE_SLACK and extraction
decides: the discover -> fetch -> extract stages put it in the 18th and count it out of the 19th.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from email.utils import format_datetime

import pytest
from integration.tiny_site import Route, serve_tiny_site, sources_yaml

pytestmark = pytest.mark.integration

D, NEXT = date(2026, 11, 18), date(2026, 11, 19)
LATE = "en/news/late-night-ruling/"  # no date in the URL: only the feed and the page give one
REGULAR = "en/news/morning-hearing/"
ARTICLES = {
    # path: (feed pubDate, page datePublished, headline)
    LATE: (datetime(2026, 11, 19, 0, 30, tzinfo=timezone.utc), "2026-11-18T23:10:00Z",
           "Court upholds fine against news site late at night"),
    REGULAR: (datetime(2026, 11, 19, 9, 0, tzinfo=timezone.utc), "2026-11-19T09:00:00Z",
              "Hearing on blogger's appeal opens in the capital"),
}
PARAGRAPHS = (
    "ALMATY (NL) — A city court upheld a fine against an independent news site on Wednesday, rejecting "
    "the editors' argument that the article at issue was fair comment on a matter of public interest.",
    "The site's lawyer said the editors would take the case to the appeals court, and that the ruling "
    "would push smaller outlets to avoid reporting on local officials altogether.",
    "Press freedom groups that followed the hearing said the fine was the third against the outlet this year.",
)


def _page(headline: str, published: str) -> bytes:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
                     "datePublished": published, "author": {"@type": "Person", "name": "Aida Sarsenova"}})
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{headline}</title>"
            f"<script type='application/ld+json'>{ld}</script></head><body><article><h1>{headline}</h1>"
            f"{body}<p>Aida Sarsenova</p></article></body></html>").encode()


def _feed(base_url: str) -> bytes:
    items = "".join(f"<item><title>{headline}</title><link>{base_url}{path}</link>"
                    f"<pubDate>{format_datetime(fed, usegmt=True)}</pubDate></item>"
                    for path, (fed, _, headline) in ARTICLES.items())
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'.encode()


@pytest.fixture(scope="module")
def site():
    routes = {"/" + path: Route(_page(headline, page_date)) for path, (_, page_date, headline) in ARTICLES.items()}
    with serve_tiny_site(routes) as running:
        routes["/rss.xml"] = Route(_feed(running.base_url), "application/rss+xml")
        yield running


@pytest.fixture()
def source(site, tmp_path):
    from newslake.config import get_source

    config = tmp_path / "sources.yaml"
    config.write_text(sources_yaml(site.base_url, languages="[en]"))
    return get_source("tiny", config)


def _run(source, store, day: date) -> tuple[dict, list[str], dict]:
    """discover -> fetch -> extract for one day: (discovery summary, candidate URLs, extract counts + urls)."""
    from newslake.fetching import Fetcher
    from newslake.lake import read_parquet_bytes
    from newslake.pipeline import RunContext, day_interval, discover_stage, extract_stage, fetch_stage

    start, end = day_interval(day)
    ctx = RunContext(source=source, start=start, end=end, run_id=f"interval-test-{day}", store=store)
    with Fetcher(source) as fetcher:
        discovered = discover_stage(ctx, fetcher)
    candidates = [c["url"] for c in json.loads(store.get(discovered.key("candidates")))["candidates"]]
    with Fetcher(source) as fetcher:
        fetched = fetch_stage(ctx, fetcher, discovered)
    extracted = extract_stage(ctx, fetched)
    records = read_parquet_bytes(store.get(extracted.key("extracted"))).to_pylist()
    counts = extracted.counts["extract"]
    return discovered.counts["discover"], candidates, {**counts, "urls": sorted(r["url"] for r in records)}


def test_the_run_for_the_page_day_keeps_the_article(site, source, local_store):
    discovered, candidates, extracted = _run(source, local_store, D)
    assert site.url(LATE) in candidates
    assert extracted["urls"] == [site.url(LATE)]
    assert extracted["out_of_interval"] == 1  # the 19th's morning article, fetched within the slack


def test_the_run_for_the_feed_day_counts_it_out_of_interval(site, source, local_store):
    _, candidates, extracted = _run(source, local_store, NEXT)
    assert site.url(LATE) in candidates
    assert extracted["urls"] == [site.url(REGULAR)]
    assert extracted["out_of_interval"] == 1  # the late-night article belongs to the 18th


def test_discovery_alone_lists_it_for_the_page_day(site, source):
    from newslake.discovery import discover
    from newslake.fetching import Fetcher
    from newslake.pipeline import day_interval

    with Fetcher(source) as fetcher:
        result = discover(source, *day_interval(D), fetcher)
    late = next(c for c in result.candidates if c.url == site.url(LATE))
    assert late.published_at == ARTICLES[LATE][0] and late.date_source == "feed"
