"""FetchResult helpers and FetchStats counting."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from newslake.fetching import FetchResult, FetchStats, Outcome


def make(outcome: Outcome, **headers: str) -> FetchResult:
    return FetchResult("https://x.example/a", "https://x.example/a", 200, outcome, dict(headers), None, None,
                       datetime(2026, 1, 1, tzinfo=UTC), 1, None, 0.0)


def test_validators_come_from_the_response_headers():
    result = make(Outcome.FETCHED, **{"etag": '"abc"', "last-modified": "Mon, 02 Mar 2026 10:00:00 GMT"})
    assert result.etag == '"abc"' and result.last_modified.startswith("Mon")
    assert result.validators == {"etag": '"abc"', "last_modified": "Mon, 02 Mar 2026 10:00:00 GMT"}
    assert make(Outcome.FETCHED).validators == {}
    assert result.ok and not make(Outcome.GONE).ok


def test_stats_count_every_outcome_from_many_threads():
    stats = FetchStats()
    outcomes = [Outcome.FETCHED] * 5 + [Outcome.BLOCKED, Outcome.TRANSIENT_FAILED, Outcome.NOT_MODIFIED]

    def work():
        for outcome in outcomes:
            stats.add(outcome)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stats.total == 64 and stats[Outcome.FETCHED] == 40 and stats["blocked"] == 8
    assert stats.failed == 16  # blocked + transient; not_modified is not a failure
    assert set(stats.as_dict()) == {o.value for o in Outcome}
