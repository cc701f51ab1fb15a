"""The pipeline's discover -> fetch -> extract stages on fixture sites: UTC partition days, entry points recorded."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fixture_sites.server import serve_site, source_for
from newslake.errors import DataQualityError

pytestmark = pytest.mark.integration


def _stages(source, store, day: date):
    from newslake.fetching import Fetcher
    from newslake.lake import read_parquet_bytes
    from newslake.pipeline import RunContext, day_interval, discover_stage, extract_stage, fetch_stage

    start, end = day_interval(day)
    ctx = RunContext(source=source, start=start, end=end, run_id=f"fixture-{day}", store=store)
    with Fetcher(source) as fetcher:
        discovered = discover_stage(ctx, fetcher)
        fetched = fetch_stage(ctx, fetcher, discovered)
    extracted = extract_stage(ctx, fetched)
    records = read_parquet_bytes(store.get(extracted.key("extracted"))).to_pylist()
    index = read_parquet_bytes(store.get(fetched.key("raw_index")))
    return discovered, records, index


def test_local_times_without_offset_land_on_their_utc_day_and_entry_points_are_recorded(local_store, caplog):
    caplog.set_level("INFO", logger="newslake")
    with serve_site("bitrix") as (site, base):
        source = source_for(site, base)  # auto: true, timezone Asia/Almaty
        day = date(2026, 11, 18)
        discovered, records, index = _stages(source, local_store, day)
    # 00:45 and 01:10 in Almaty (UTC+5) are the evening before in UTC: not in the 18th's partition.
    due = {base + s.path.lstrip("/") for s in site.stories if s.utc().date() == day}
    assert {r["url"] for r in records} == due
    assert all(r["published_at"].date() == day for r in records)
    used = json.loads(index.schema.metadata[b"newslake.entry_points"])
    assert used[f"{base}ru/rss/"] == {"method": "feed:cms-path:bitrix", "outcome": "fetched"}
    assert used[f"{base}sitemap.xml"]["method"] == "sitemap:robots"
    assert f"{base}kz/rss/ (feed:cms-path:bitrix: fetched)" in caplog.text
    assert "warnings" not in discovered.counts["discover"]


def test_a_night_after_the_feed_disappeared_carries_the_warning(local_store):
    with serve_site("wordpress") as (site, base):
        source = source_for(site, base, feeds=["feed/"], sitemaps=["wp-sitemap.xml"])
        site.mutate("feed_gone")
        discovered, records, _ = _stages(source, local_store, date(2026, 11, 19))
    assert records  # the sitemap still finds the day's stories
    (warning,) = discovered.counts["discover"]["warnings"]
    assert warning.startswith(f"source fx_wordpress: feed {base}feed/ is no longer served")


def test_a_night_whose_pages_lost_their_dates_fails_naming_source_and_reason(local_store):
    with serve_site("watchdog") as (site, base):
        source = source_for(site, base, pages=["region/central-asia/"], article_url_pattern=r"/\d{4}/\d{2}/")
        site.mutate("dates_gone")
        with pytest.raises(DataQualityError, match=r"source fx_watchdog 2026-11-19: 4/4 pages have no publication date"):
            _stages(source, local_store, date(2026, 11, 19))


def test_an_auto_source_whose_robots_now_disallows_us_fails_instead_of_an_empty_night(local_store):
    from newslake.errors import SourceBlockedError

    with serve_site("rferl") as (site, base):
        source = source_for(site, base)  # auto: true, nothing configured
        site.mutate("robots_disallow")
        with pytest.raises(SourceBlockedError, match=r"source fx_rferl: auto-discovery found no feed, sitemap or "
                                                     r"date archive: .*robots_disallowed"):
            _stages(source, local_store, date(2026, 11, 19))
