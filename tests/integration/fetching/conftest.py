"""Module-scoped demo-site servers for the tests in this folder."""

from __future__ import annotations

import pytest
from integration.fetching.fault_servers import serve


@pytest.fixture(scope="module")
def site():
    """The demo site with Crawl-delay 0, so tests control pacing through the source config."""
    yield from serve(0)


@pytest.fixture(scope="module")
def other_site():
    """A second server standing in for an internal service the fetcher must never reach."""
    yield from serve(0)


@pytest.fixture(scope="module")
def crawl_delay_site():
    """The demo site announcing Crawl-delay: 0.4 in robots.txt."""
    yield from serve(0.4)
