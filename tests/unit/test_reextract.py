"""Bulk re-extraction planning and bookkeeping: which partitions, in which batches, and what a failed day reports."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from demo_site.synthetic import synthetic_pages
from newslake.config import get_source
from newslake.errors import MissingInputError, NewerSchemaError, UsageError
from newslake.reextract import DayOutcome, Partition, batches, plan, plan_batches, summarise
from newslake_dev.rawgen import write_raw_day

DEMO_DAYS = [date(2026, 11, 16), date(2026, 11, 18), date(2026, 11, 21)]


@pytest.fixture
def raw_store(local_store):
    for day in DEMO_DAYS:
        write_raw_day(local_store, "demo", day, synthetic_pages(day, 2))
    write_raw_day(local_store, "demo", date(2026, 11, 25), synthetic_pages(date(2026, 11, 25), 2))  # after end_date
    return local_store


def test_plan_lists_days_with_a_raw_zone_inside_the_range_and_the_source_dates(raw_store) -> None:
    demo = get_source("demo")
    assert plan(raw_store, [demo], date(2026, 11, 1), date(2026, 11, 30)) == [Partition("demo", d) for d in DEMO_DAYS]
    assert plan(raw_store, [demo], date(2026, 11, 17), date(2026, 11, 20)) == [Partition("demo", date(2026, 11, 18))]


def test_batches_are_consecutive_days_of_one_source() -> None:
    parts = [Partition(s, date(2026, 1, d)) for s in ("b", "a") for d in range(1, 6)]
    cut = batches(parts, 2)
    assert [[(p.source, p.day.day) for p in b] for b in cut] == [
        [("a", 1), ("a", 2)], [("a", 3), ("a", 4)], [("a", 5)], [("b", 1), ("b", 2)], [("b", 3), ("b", 4)], [("b", 5)]]


def test_plan_batches_reads_the_dag_params(raw_store) -> None:
    got = plan_batches(raw_store, {"sources": ["demo"], "from": "2026-11-01", "to": "2026-11-30", "batch_size": 2})
    assert got == [[{"source": "demo", "day": "2026-11-16"}, {"source": "demo", "day": "2026-11-18"}],
                   [{"source": "demo", "day": "2026-11-21"}]]


@pytest.mark.parametrize("params, error, match", [
    ({"sources": ["demo"], "from": "", "to": "2026-11-30"}, UsageError, "param 'from' must be a day"),
    ({"sources": ["demo"], "from": "2026-11-30", "to": "2026-11-01"}, UsageError, "after"),
    ({"sources": ["demo"], "from": "2026-12-01", "to": "2026-12-31"}, MissingInputError, "no raw zone for demo"),
])
def test_plan_batches_refuses_params_that_give_no_work(raw_store, params, error, match) -> None:
    with pytest.raises(error, match=match):
        plan_batches(raw_store, params)


def test_summarise_counts_and_names_the_days_not_rebuilt() -> None:
    ok = DayOutcome(date(2026, 11, 16), "reextracted", None, rows=8, source="demo", seconds=1.0)
    bad = DayOutcome(date(2026, 11, 17), "failed", None, detail="TooFewArticlesError: 0 articles", source="demo")
    assert summarise([ok.to_dict()]) == {"partitions": 1, "rows": 8, "outcomes": {"reextracted": 1}, "seconds": 1.0}
    with pytest.raises(MissingInputError, match="1 of 2 partition.*demo 2026-11-17: TooFewArticlesError"):
        summarise([ok.to_dict(), bad.to_dict()])
    newer = dataclasses.replace(bad, outcome="refused_newer")
    with pytest.raises(NewerSchemaError, match="demo 2026-11-17"):
        summarise([ok.to_dict(), newer.to_dict()])
