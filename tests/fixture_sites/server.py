"""Serve a fixture site on a free 127.0.0.1 port (a real HTTP server), and sources.yaml entries for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integration.tiny_site import serve_tiny_site

from fixture_sites.sites import BUILDERS, Site


@contextmanager
def serve_site(name: str) -> Iterator[tuple[Site, str]]:
    """Build and serve one fixture site; yields (site, base URL). Routes stay editable while it runs."""
    routes: dict = {}
    with serve_tiny_site(routes) as running:
        site = BUILDERS[name](running.base_url)
        routes.update(site.routes)
        site.routes = routes  # mutate() edits what the server answers
        site.requested = running.paths  # every path asked for, in order (politeness figures)
        yield site, running.base_url


def source_for(site: Site, base: str, *, sid: str | None = None, **discovery):
    """A SourceConfig for a served fixture site (auto-discovery unless discovery keys are given)."""
    from newslake.config import parse_source

    data = {
        "id": sid or f"fx_{site.name}",
        "name": f"Fixture {site.name}",
        "base_url": base,
        "allowed_domains": ["127.0.0.1"],
        "allow_private_network": True,
        "languages": site.languages,
        "timezone": site.timezone,
        "start_date": "2026-11-01",
        "discovery": discovery or {"auto": True},
        "fetch": {"delay_seconds": 0.0, "max_retries": 0},
    }
    return parse_source(data, "sources[0]")
