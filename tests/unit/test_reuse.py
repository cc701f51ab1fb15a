"""The fetch-once rule (newslake.reuse.plan_for) and the last-modified claim discovery hands it, offline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from newslake.discovery import Candidate, _Collector, candidates_from_rows, candidates_to_rows
from newslake.rawzone import StoredPage
from newslake.reuse import Plan, plan_for, reuse_days
from test_discovery import BASE, END, START, source

FETCHED = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
LISTED = datetime(2026, 11, 18, 4, 10, tzinfo=UTC)


def stored(*, listed: datetime | None = LISTED, etag: str | None = '"abc"', last_modified: str | None = None):
    headers = {k: v for k, v in {"etag": etag, "last-modified": last_modified}.items() if v}
    row = {"url": BASE + "en/2026/11/18/a/", "outcome": "fetched", "raw_key": "raw/x.html.gz",
           "fetched_at": FETCHED, "headers": json.dumps(headers),
           "hint_changed_at": listed.isoformat() if listed else None}
    return StoredPage(date(2026, 11, 17), row)


@pytest.mark.parametrize(
    ("changed_at", "page", "plan"),
    [
        (LISTED, None, Plan.FETCH),  # nothing stored
        (LISTED, stored(), Plan.REUSE),  # the same lastmod as when it was fetched
        (LISTED - timedelta(hours=1), stored(), Plan.REUSE),
        (LISTED + timedelta(minutes=1), stored(), Plan.REVALIDATE),  # edited since: the source decides
        (None, stored(), Plan.REVALIDATE),  # no claim today (archive link): the source decides
        (LISTED + timedelta(minutes=1), stored(etag=None), Plan.FETCH),  # edited, nothing to revalidate with
        (None, stored(etag=None), Plan.FETCH),
        # no claim recorded at fetch time: the response's own Last-Modified is what the body includes
        (LISTED, stored(listed=None, etag=None, last_modified="Wed, 18 Nov 2026 04:10:00 GMT"), Plan.REUSE),
        (LISTED, stored(listed=None, last_modified="Wed, 18 Nov 2026 04:09:59 GMT"), Plan.REVALIDATE),
        (LISTED, stored(listed=None, last_modified=None), Plan.REVALIDATE),
    ],
)
def test_plan_for(changed_at, page, plan):
    assert plan_for(changed_at, page) is plan


def test_reuse_days_are_the_day_then_its_neighbours():
    day = date(2026, 11, 18)
    assert reuse_days(day, timedelta(days=1)) == [day, date(2026, 11, 17), date(2026, 11, 19)]


def test_collector_keeps_the_latest_last_modified_claim_of_every_entry_point():
    collector = _Collector(source(feeds=["rss.xml"], sitemaps=["sitemap.xml"]), START, END)
    url = BASE + "en/2026/11/18/a/"
    sitemap_lastmod, atom_updated = LISTED, LISTED + timedelta(hours=3)
    collector.add(Candidate(url=url, published_at=LISTED, date_source="feed", via={"feed"}))
    collector.add(Candidate(url=url, via={"sitemap"}, lastmod=atom_updated))
    collector.add(Candidate(url=url, via={"sitemap"}, lastmod=sitemap_lastmod))
    (candidate,) = collector.by_url.values()
    assert candidate.changed_at == atom_updated
    assert candidate.lastmod is None  # the hint date's input is untouched: extraction sees what it saw before
    (back,) = candidates_from_rows(json.loads(json.dumps(candidates_to_rows([candidate]))))
    assert back.changed_at == atom_updated
