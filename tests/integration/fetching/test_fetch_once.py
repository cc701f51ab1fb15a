"""A nightly sequence fetches each article once: a neighbouring day's raw body is reused while discovery
shows it unchanged, a changed article is fetched again, and the partitions stay what fresh fetches write.

Real demo site over HTTP (in-process, so a test can edit a story while it serves; its request log
counts what was sent), real SeaweedFS, the real stages through run_all."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from integration.fetching.fault_servers import serve
from newslake.config import get_source
from newslake.lake import parquet_bytes, read_manifest, read_partition
from newslake.pipeline import RunContext, day_interval, run_all
from newslake.rawzone import read_raw_index
from newslake.storage import open_store

pytestmark = pytest.mark.integration

FIRST = date(2026, 11, 17)
PROVENANCE = ["fetched_at", "run_id"]  # which fetch stored the bytes: the neighbour's, when reused


@pytest.fixture
def fresh_site():
    """A demo site of the test's own: its request log holds only this test's requests."""
    yield from serve(0)


@pytest.fixture
def demo_source(fresh_site, monkeypatch):
    monkeypatch.setenv("NEWSLAKE_DEMO_BASE_URL", fresh_site.base_url)
    monkeypatch.setenv("NEWSLAKE_DEMO_DELAY", "0")
    source = get_source("demo")
    return replace(source, fetch=replace(source.fetch, backoff_base=0.01, backoff_cap=0.05, max_retries=1))


def nightly(source, store, days: list[date]) -> dict[date, dict]:
    """Run every day in order as its nightly run would; the raw index rows of each day by URL."""
    indexes = {}
    for day in days:
        run_all(RunContext(source, *day_interval(day), f"nightly-{day}", store))
        indexes[day] = {r["url"]: r for r in read_raw_index(store, source.id, day).to_pylist()}
    return indexes


def story_paths(site) -> set[str]:
    return {s.path for s in site.catalog.stories}


def without_provenance(table):
    return parquet_bytes(table.drop_columns(PROVENANCE))


def test_three_nights_fetch_each_article_once_and_publish_what_fresh_fetches_publish(
        fresh_site, demo_source, s3_store, s3_server):
    days = [FIRST + timedelta(days=i) for i in range(3)]
    indexes = nightly(demo_source, s3_store, days)

    candidates = {urlsplit(u).path for rows in indexes.values() for u in rows}
    stories = story_paths(fresh_site) & candidates
    assert len(stories) >= 30  # stories dated 16..20 are candidates of these three runs
    requested = {path: fresh_site.hits[path] for path in stories}
    assert requested == dict.fromkeys(stories, 1), "every story requested exactly once over the three nights"
    full_fetches = Counter(url for rows in indexes.values() for url, r in rows.items() if r["outcome"] == "fetched")
    assert max(full_fetches.values()) == 1, "no URL's body downloaded twice"
    assert sum(r["outcome"] == "reused" for r in indexes[days[1]].values()) >= 10

    # Pages no feed or sitemap dates (archive links only) are revalidated: one download, then 304s.
    undated = next(t for t in fresh_site.catalog.traps if t.kind == "no_date")
    outcomes = [rows[u]["outcome"] for rows in indexes.values() for u in rows if urlsplit(u).path == undated.path]
    assert outcomes == ["fetched", "not_modified", "not_modified"]

    # A reused row points at a copy in its own day's raw zone and names the fetch that stored the bytes.
    reused = [r for r in indexes[days[1]].values() if r["outcome"] == "reused"]
    for row in reused:
        assert row["raw_key"].startswith(f"raw/source=demo/dt={days[1]}/") and s3_store.exists(row["raw_key"])
        assert row["run_id"] == f"nightly-{days[0]}"
        assert row["sha256"] == indexes[days[0]][row["url"]]["sha256"]

    # The same day fetched afresh (no neighbour in its store) publishes the same rows, byte for byte
    # once the two provenance columns are set aside.
    fresh_store = open_store(s3_server.settings(prefix=f"tests/fetch-once-fresh-{uuid.uuid4().hex[:8]}"))
    alone = nightly(demo_source, fresh_store, [days[1]])[days[1]]
    assert {r["outcome"] for r in alone.values()} <= {"fetched", "gone", "robots_disallowed", "transient_failed"}
    for zone in ("articles", "quarantine"):
        with_reuse = read_partition(s3_store, zone, demo_source.id, days[1])
        fetched_fresh = read_partition(fresh_store, zone, demo_source.id, days[1])
        assert with_reuse.num_rows == fetched_fresh.num_rows
        assert without_provenance(with_reuse) == without_provenance(fetched_fresh), zone
    articles = read_partition(s3_store, "articles", demo_source.id, days[1]).to_pylist()
    assert articles and {r["run_id"] for r in articles} >= {f"nightly-{days[0]}"}

    # The day's raw zone holds its reused bodies itself: a replay republishes the same bytes.
    published = s3_store.get(read_manifest(s3_store, "articles", demo_source.id, days[1])["key"])
    run_all(RunContext(demo_source, *day_interval(days[1]), "replay", s3_store), replay=True)
    assert s3_store.get(read_manifest(s3_store, "articles", demo_source.id, days[1])["key"]) == published


def test_an_article_edited_between_two_nights_is_fetched_again(fresh_site, demo_source, s3_store):
    first, second = FIRST, FIRST + timedelta(days=1)
    nightly(demo_source, s3_store, [first])
    catalog = fresh_site.catalog
    # A story whose sitemap lastmod moves, and an archive-only page edited in place (only its ETag changes).
    story = next(s for s in catalog.stories if s.day == str(second) and s.lang == "en")
    edited = replace(story, modified_raw="2026-11-18T21:45:00Z",
                     paragraphs=story.paragraphs + ("Correction: the hearing was moved to a later date.",))
    catalog.stories[catalog.stories.index(story)] = edited
    catalog.by_path[story.path] = edited
    undated = next(t for t in catalog.traps if t.kind == "no_date")
    retold = replace(undated, story=replace(undated.story, paragraphs=undated.story.paragraphs + ("Updated.",)))
    catalog.traps[catalog.traps.index(undated)] = retold
    catalog.trap_by_path[undated.path] = retold

    indexes = nightly(demo_source, s3_store, [second])
    url = next(u for u in indexes[second] if urlsplit(u).path == story.path)
    row = indexes[second][url]
    assert row["outcome"] == "fetched" and row["run_id"] == f"nightly-{second}"
    assert fresh_site.hits[story.path] == 2  # once unchanged on the first night, once after the edit
    others = story_paths(fresh_site) - {story.path}
    assert all(fresh_site.hits[p] <= 1 for p in others)
    (undated_row,) = [r for u, r in indexes[second].items() if urlsplit(u).path == undated.path]
    assert undated_row["outcome"] == "fetched" and fresh_site.hits[undated.path] == 2  # 200, not a 304
    record = next(r for r in read_partition(s3_store, "articles", demo_source.id, second).to_pylist()
                  if r["url"] == url)
    assert "Correction: the hearing was moved" in record["body"]
