"""Fetch from the real demo site into the raw zone on real SeaweedFS S3, then replay it without the network."""

from __future__ import annotations

from datetime import date

import pytest
from integration.fetching.fault_servers import make_source
from newslake.fetching import Fetcher, Outcome
from newslake.rawzone import (
    RawZoneWriter,
    index_counts,
    read_raw_body,
    read_raw_index,
    result_from_row,
    url_id,
)

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 18)


def test_fetch_into_s3_raw_zone_and_replay(site, s3_store):
    base = site.base_url
    urls = [base + "rss.xml", base + "_fault/ok/s3a", base + "_fault/status/s3gone?code=404",
            base + "private/x/", base + "_fault/charset/s3ru?enc=koi8-r&declare=header"]
    source = make_source(base)
    with Fetcher(source) as fetcher, RawZoneWriter(s3_store, source.id, DAY, "run-s3") as writer:
        for result in fetcher.fetch_many(urls):
            writer.add(result, extra={"hint_title": None})
    index = read_raw_index(s3_store, source.id, DAY)
    assert index.num_rows == len(urls) and index.column("url").to_pylist() == sorted(urls)
    counts = index_counts(index)
    assert counts["fetched"] == 3 and counts["gone"] == 1 and counts["robots_disallowed"] == 1

    served_before = sum(site.hits.values())
    for row in index.to_pylist():
        if row["outcome"] != "fetched":
            assert row["raw_key"] is None
            continue
        replayed = result_from_row(row, read_raw_body(s3_store, row["raw_key"]))
        assert replayed.outcome is Outcome.FETCHED and replayed.body
    assert sum(site.hits.values()) == served_before  # replay made no HTTP request

    # A rerun of the day with fewer URLs replaces the index and removes bodies it no longer references.
    with Fetcher(source) as fetcher, RawZoneWriter(s3_store, source.id, DAY, "run-s3-b") as writer:
        writer.add(fetcher.fetch(base + "_fault/ok/s3a"))
    keys = s3_store.list(f"raw/source={source.id}/dt={DAY.isoformat()}/")
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == sorted(["_index.parquet", url_id(base + "_fault/ok/s3a")
                                                               + ".html.gz"])
    assert read_raw_index(s3_store, source.id, DAY).column("run_id").to_pylist() == ["run-s3-b"]
