"""Finding 3: sources.yaml allow_private_endpoints lets a source reach exactly the private host:port it names;
the guard stays on for every other private address, redirects included (real servers on 127.0.0.1)."""

from __future__ import annotations

import pytest
from integration.fetching.fault_servers import get_json
from newslake.config import ConfigError, parse_source
from newslake.fetching import Fetcher, Outcome

pytestmark = pytest.mark.integration


def source_for(endpoints: list[str], base_url: str):
    return parse_source({
        "id": "local_news", "name": "Local news", "base_url": base_url, "languages": ["en"],
        "allowed_domains": ["127.0.0.1", "localhost"], "discovery": {"feeds": ["/rss.xml"]},
        "allow_private_endpoints": endpoints,
        "fetch": {"delay_seconds": 0, "max_retries": 0, "connect_timeout": 2, "read_timeout": 2},
    }, "test")


def hits(server, key: str) -> int:
    return get_json(f"{server.base_url}_fault/hits/{key}")["hits"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_only_the_named_endpoint_is_reachable_and_redirects_keep_to_it(site, other_site, name):
    port, internal_port = site.server_address[1], other_site.server_address[1]
    source = source_for([f"{name}:{port}"], f"http://{name}:{port}/")
    assert not source.allow_private_network
    secret = f"{name}{internal_port}"
    with Fetcher(source) as fetcher:
        page = fetcher.fetch(f"http://{name}:{port}/_fault/ok/pub-{name}")
        redirected = fetcher.fetch(
            f"http://{name}:{port}/_fault/redirect-to/r-{name}?to=http://127.0.0.1:{internal_port}/_fault/ok/{secret}")
        direct = fetcher.fetch(f"http://localhost:{internal_port}/_fault/ok/{secret}")
    assert page.outcome is Outcome.FETCHED
    for result in (redirected, direct):
        assert result.outcome is Outcome.OFF_DOMAIN and "private address" in result.error
    assert hits(other_site, secret) == 0


def test_without_the_endpoint_the_guard_refuses_the_site(site):
    port = site.server_address[1]
    source = source_for([], f"http://127.0.0.1:{port}/")
    with Fetcher(source) as fetcher:
        result = fetcher.fetch(f"http://127.0.0.1:{port}/_fault/ok/refused")
    assert result.outcome is Outcome.OFF_DOMAIN and "private address" in result.error
    assert hits(site, "refused") == 0


@pytest.mark.parametrize("bad", ["127.0.0.1", "127.0.0.1:0", "http://127.0.0.1:8765/", "127.0.0.1:http"])
def test_an_endpoint_that_is_not_host_port_is_a_config_error_naming_the_key(bad):
    with pytest.raises(ConfigError, match=r"sources\[local_news\]\.allow_private_endpoints"):
        source_for([bad], "http://127.0.0.1:8765/")
