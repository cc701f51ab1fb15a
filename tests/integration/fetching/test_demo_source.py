"""The configured demo source (sources.yaml, allow_private_network: true) fetched over the real demo site:
every article arrives and decodes to its title; every trap ends in the outcome the answer key expects."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest
from integration.fetching.fault_servers import get_json
from newslake.config import get_source
from newslake.fetching import Fetcher, Outcome, decode_html

pytestmark = pytest.mark.integration


def test_demo_source_fetches_articles_and_traps(site, monkeypatch):
    monkeypatch.setenv("NEWSLAKE_DEMO_BASE_URL", site.base_url)
    monkeypatch.setenv("NEWSLAKE_DEMO_DELAY", "0")
    source = get_source("demo")
    assert source.allow_private_network and source.base_url == site.base_url
    key = get_json(site.base_url + "_answer_key.json")
    articles = {a["url"]: a for a in key["articles"]}
    traps = {t["url"]: t["expected_outcome"] for t in key["traps"] if t["kind"] in
             ("not_found", "server_error", "robots_disallowed")}
    # Keep the 500 trap's retries quick; politeness settings stay as configured.
    source = replace(source, fetch=replace(source.fetch, backoff_base=0.01, backoff_cap=0.05, max_retries=1))

    with Fetcher(source) as fetcher:
        results = {r.url: r for r in fetcher.fetch_many(list(articles) + list(traps))}

    assert len(results) == len(articles) + len(traps)
    for url, article in articles.items():
        result = results[url]
        assert result.outcome is Outcome.FETCHED, (url, result.error)
        text = html.unescape(decode_html(result.body, result.headers))
        assert article["title"] in text, (url, article["encoding"])
    for url, expected in traps.items():
        assert results[url].outcome.value == expected
    assert any(a["encoding"] == "windows-1251" for a in articles.values())
