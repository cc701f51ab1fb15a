"""Politeness measured at the server: Crawl-delay and configured delay between starts, concurrency bound,
robots.txt 5xx = try later, 4xx = allowed."""

from __future__ import annotations

import threading

import pytest
from integration.fetching.fault_servers import get_json, make_source, serve_robots
from newslake.fetching import Fetcher, Outcome

pytestmark = pytest.mark.integration

# Server-side timestamps come from another thread's clock reads; allow a little scheduling slack.
SLACK = 0.03


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]


def test_crawl_delay_spaces_requests_even_with_parallel_workers(crawl_delay_site):
    site = crawl_delay_site
    source = make_source(site.base_url, delay_seconds=0, concurrency=4)
    urls = [f"{site.base_url}_fault/stamp/cd?i={i}" for i in range(4)]
    with Fetcher(source) as fetcher:
        assert fetcher.delay_for(urls[0]) == pytest.approx(0.4)
        results = list(fetcher.fetch_many(urls))
    assert {r.outcome for r in results} == {Outcome.FETCHED}
    log = get_json(f"{site.base_url}_fault/log/cd")
    assert log["count"] == 4
    assert min(gaps(log["times"])) >= 0.4 - SLACK


def test_configured_delay_wins_when_larger_than_crawl_delay(site):
    source = make_source(site.base_url, delay_seconds=0.25, concurrency=3)
    urls = [f"{site.base_url}_fault/stamp/dl?i={i}" for i in range(4)]
    with Fetcher(source) as fetcher:
        list(fetcher.fetch_many(urls))
    log = get_json(f"{site.base_url}_fault/log/dl")
    assert log["count"] == 4 and min(gaps(log["times"])) >= 0.25 - SLACK


def test_concurrency_per_domain_is_bounded(site):
    source = make_source(site.base_url, delay_seconds=0, concurrency=2)
    urls = [f"{site.base_url}_fault/stamp/cc?hold=0.15&i={i}" for i in range(8)]
    with Fetcher(source) as fetcher:
        results = list(fetcher.fetch_many(urls))
    assert len(results) == 8
    log = get_json(f"{site.base_url}_fault/log/cc")
    assert log["max_in_flight"] == 2  # never more than 2, and the 2 slots were really used


def test_fetch_many_from_two_threads_shares_the_domain_bound(site):
    source = make_source(site.base_url, delay_seconds=0, concurrency=2)
    with Fetcher(source) as fetcher:
        batches = [[f"{site.base_url}_fault/stamp/tt?hold=0.1&b={b}&i={i}" for i in range(4)] for b in range(2)]
        threads = [threading.Thread(target=lambda b=b: list(fetcher.fetch_many(b))) for b in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    log = get_json(f"{site.base_url}_fault/log/tt")
    assert log["count"] == 8 and log["max_in_flight"] == 2


def test_robots_5xx_means_try_later():
    server_gen = serve_robots(503)
    server = next(server_gen)
    try:
        source = make_source(server.base_url, max_retries=1)
        with Fetcher(source) as fetcher:
            results = [fetcher.fetch(f"{server.base_url}page{i}.html") for i in range(3)]
        assert {r.outcome for r in results} == {Outcome.TRANSIENT_FAILED}
        assert all("robots.txt unavailable" in r.error for r in results)
        # robots.txt retried once (max_retries=1), then cached as unavailable; no page was requested.
        assert server.paths == ["/robots.txt", "/robots.txt"]
    finally:
        server_gen.close()


@pytest.mark.parametrize("status", [404, 403, 401])
def test_robots_4xx_means_everything_allowed(status):
    server_gen = serve_robots(status)
    server = next(server_gen)
    try:
        source = make_source(server.base_url)
        with Fetcher(source) as fetcher:
            result = fetcher.fetch(f"{server.base_url}page.html")
        assert result.outcome is Outcome.FETCHED
        assert server.paths == ["/robots.txt", "/page.html"]
    finally:
        server_gen.close()


def test_robots_group_for_our_agent_and_sitemaps_are_used():
    robots = (b"User-agent: *\nDisallow: /\n\nUser-agent: newslake-test\nDisallow: /drafts/\nCrawl-delay: 0.2\n"
              b"Sitemap: https://example.org/news-sitemap.xml\n")
    server_gen = serve_robots(200, robots)
    server = next(server_gen)
    try:
        source = make_source(server.base_url)
        with Fetcher(source) as fetcher:
            ok = fetcher.fetch(f"{server.base_url}story.html")
            draft = fetcher.fetch(f"{server.base_url}drafts/x.html")
            rules = fetcher.robots(server.base_url)
        assert ok.outcome is Outcome.FETCHED and draft.outcome is Outcome.ROBOTS_DISALLOWED
        assert rules.sitemaps == ("https://example.org/news-sitemap.xml",) and rules.crawl_delay == 0.2
        assert server.paths == ["/robots.txt", "/story.html"]
    finally:
        server_gen.close()
