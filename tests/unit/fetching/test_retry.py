"""Retry-After parsing, backoff bounds and the status -> outcome mapping."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from newslake.fetching import Outcome
from newslake.fetching.retry import backoff_delay, parse_retry_after, status_outcome

NOW = datetime(2026, 11, 18, 12, 0, 0, tzinfo=UTC)


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Wed, 18 Nov 2026 12:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Wednesday, 18-Nov-26 12:01:00 GMT", now=NOW) == 60.0  # RFC 850 form
    assert parse_retry_after("Wed, 18 Nov 2026 11:00:00 GMT", now=NOW) == 0.0  # in the past: retry now


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3", "Wed, 99 Foo 2026"])
def test_retry_after_garbage_is_ignored(value):
    assert parse_retry_after(value, now=NOW) is None


def test_backoff_grows_exponentially_within_jitter_bounds_and_is_capped():
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(10.0, 0.5 * 2 ** (attempt - 1))
        samples = [backoff_delay(attempt, base=0.5, cap=10.0, rng=rng) for _ in range(200)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert max(samples) - min(samples) > ceiling / 4  # jittered, not constant
    assert backoff_delay(50, base=0.5, cap=10.0, rng=rng) <= 10.0
    assert backoff_delay(3, base=0, cap=10.0) == 0.0


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (304, Outcome.NOT_MODIFIED),
        (404, Outcome.GONE),
        (410, Outcome.GONE),
        (400, Outcome.GONE),
        (403, Outcome.BLOCKED),
        (429, Outcome.BLOCKED),
        (401, Outcome.BLOCKED),
        (451, Outcome.BLOCKED),
        (500, Outcome.TRANSIENT_FAILED),
        (503, Outcome.TRANSIENT_FAILED),
        (408, Outcome.TRANSIENT_FAILED),
        (302, Outcome.TRANSIENT_FAILED),
    ],
)
def test_status_outcome(status, outcome):
    assert status_outcome(status) is outcome


def test_outcome_is_a_str_enum_with_the_contract_values():
    assert {o.value for o in Outcome} == {
        "fetched", "not_modified", "robots_disallowed", "blocked", "gone", "transient_failed", "too_large",
        "off_domain", "not_html", "redirect_loop", "reused",
    }
    assert Outcome("gone") == "gone" and str(Outcome.TOO_LARGE) == "too_large"
