"""Finding 2: a second run of the same day sends no request for pages whose sitemap lastmod is unchanged
(outcome reused), re-fetches the others conditionally (If-None-Match / If-Modified-Since from the raw
index), keeps the stored bodies on 304 and publishes a byte-identical partition.

Real demo site over HTTP (it answers 304 only to a matching validator), real SeaweedFS, the real stages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from newslake.config import get_source
from newslake.lake import read_manifest
from newslake.pipeline import RunContext, day_interval, run_all
from newslake.rawzone import read_raw_index

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 18)


def test_second_run_of_a_day_revalidates_articles_and_keeps_the_partition(demo_site, s3_store, monkeypatch):
    monkeypatch.setenv("NEWSLAKE_DEMO_BASE_URL", demo_site.base_url)
    monkeypatch.setenv("NEWSLAKE_DEMO_DELAY", "0")
    source = get_source("demo")
    source = replace(source, fetch=replace(source.fetch, backoff_base=0.01, backoff_cap=0.05, max_retries=1))
    start, end = day_interval(DAY)

    first = run_all(RunContext(source, start, end, "run-first", s3_store))
    first_index = {r["url"]: r for r in read_raw_index(s3_store, source.id, DAY).to_pylist()}
    data_key = read_manifest(s3_store, "articles", source.id, DAY)["key"]
    first_bytes = s3_store.get(data_key)
    with_validators = {u for u, r in first_index.items() if r["outcome"] == "fetched" and '"etag"' in r["headers"]}
    assert with_validators, "the demo site sends ETags for its pages"

    listed = {u for u in with_validators if first_index[u]["hint_changed_at"]}  # the posts sitemap's lastmod
    assert listed and with_validators - listed, "some pages carry a sitemap lastmod, archive-only ones do not"

    second = run_all(RunContext(source, start, end, "run-second", s3_store))
    counts = second["counts"]["fetch"]
    assert counts["reused"] == len(listed)
    assert counts["not_modified"] == len(with_validators - listed)
    assert counts["fetched"] == first["counts"]["fetch"]["fetched"] - len(with_validators)
    index = {r["url"]: r for r in read_raw_index(s3_store, source.id, DAY).to_pylist()}
    for url in with_validators:
        row = index[url]
        assert row["outcome"] == ("reused" if url in listed else "not_modified")
        assert row["raw_key"] == first_index[url]["raw_key"] and s3_store.exists(row["raw_key"])
        assert (row["run_id"], row["fetched_at"]) == (first_index[url]["run_id"], first_index[url]["fetched_at"])
    assert second["publish"]["rows"] == first["publish"]["rows"] > 0
    assert s3_store.get(read_manifest(s3_store, "articles", source.id, DAY)["key"]) == first_bytes
