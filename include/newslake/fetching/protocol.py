"""PageFetcher: what discovery and the pipeline stages need from a fetcher (the Fetcher or a test double)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

from newslake.fetching.result import FetchResult
from newslake.fetching.robots import RobotsRules


@runtime_checkable
class PageFetcher(Protocol):
    """Fetches URLs for one source, each ending in one FetchResult, and knows each origin's robots.txt."""

    def fetch(
        self, url: str, *, kind: str = "html", validators: Mapping[str, str | None] | None = None
    ) -> FetchResult:
        """GET one URL (kind html, xml or robots), conditional when validators are given; never raises."""
        ...

    def fetch_many(
        self,
        urls: Iterable[str],
        *,
        kind: str = "html",
        validators: Mapping[str, Mapping[str, str | None]] | None = None,
    ) -> Iterator[FetchResult]:
        """Fetch many URLs (conditionally where validators has the URL); yields one result per URL, in any order."""
        ...

    def robots(self, url: str) -> RobotsRules:
        """The robots.txt rules for url's origin (its Sitemap lines are discovery entry points)."""
        ...
