"""The real Fetcher is a PageFetcher: discovery and the stages rely on fetch, fetch_many and robots."""

from __future__ import annotations

from newslake.config import parse_sources
from newslake.fetching import Fetcher, PageFetcher


def _source():
    doc = {"sources": [{"id": "wire", "name": "Wire", "base_url": "https://wire.example.kz/",
                        "languages": ["en"], "discovery": {"feeds": ["rss.xml"]}}]}
    return parse_sources(doc)[0]


def test_fetcher_is_a_page_fetcher():
    with Fetcher(_source()) as fetcher:
        assert isinstance(fetcher, PageFetcher)


def test_an_object_without_robots_is_not_a_page_fetcher():
    class FetchOnly:
        def fetch(self, url, *, kind="html", validators=None): ...

        def fetch_many(self, urls, *, kind="html", validators=None): ...

    assert not isinstance(FetchOnly(), PageFetcher)
