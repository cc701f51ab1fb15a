"""Dates as Central Asian outlets print them: the site's timezone, regional month names, relative dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from newslake.config import ConfigError, parse_source
from newslake.extraction import extract_article
from newslake.extraction.dates import date_from_text, parse_datetime, reading_dates

CASES = json.loads((Path(__file__).parents[2] / "fixtures" / "dates" / "regional_dates.json").read_text("utf-8"))
FETCHED = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _source(**extra):
    data = {"id": "steppe", "name": "Steppe", "base_url": "https://steppe.example/", "languages": ["ru", "kk"],
            "discovery": {"feeds": ["rss.xml"]}, **extra}
    return parse_source(data, "sources[0]")


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: f"{c['lang']}:{c['text']}")
def test_regional_date_set(case):
    with reading_dates(case["timezone"], now=datetime.fromisoformat(case["fetched_at"]), languages=(case["lang"],)):
        value = parse_datetime(case["text"])
    assert value is not None
    shown = value.strftime("%Y-%m-%dT%H:%M") if "T" in case["expected"] else value.date().isoformat()
    assert shown == case["expected"]


def test_early_morning_local_story_lands_on_the_previous_utc_day():
    page = ("<html><head><meta property='article:published_time' content='2025-03-10T03:30:00'></head>"
            "<body><h1>Ночной паводок</h1><p>" + "Вода поднялась ночью. " * 30 + "</p></body></html>")
    article = extract_article(page, "https://steppe.example/news/1", source=_source(timezone="Asia/Almaty"))
    assert article.published_at == datetime(2025, 3, 9, 22, 30, tzinfo=UTC)
    utc_read = extract_article(page, "https://steppe.example/news/1", source=_source())
    assert utc_read.published_at == datetime(2025, 3, 10, 3, 30, tzinfo=UTC)


def test_relative_header_date_counts_from_the_fetch_time():
    page = ("<html><body><h1>Заседание парламента</h1><div class='meta'>вчера, 14:30</div><p>"
            + "Депутаты обсудили закон о СМИ. " * 30 + "</p></body></html>")
    source = _source(timezone="Asia/Bishkek")
    article = extract_article(page, "https://steppe.example/news/2", source=source, fetched_at=FETCHED)
    assert article.published_at == datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    # Without a fetch time there is nothing to count from: no date rather than the wall clock's.
    assert extract_article(page, "https://steppe.example/news/2", source=source).published_at is None


def test_day_month_order_and_bare_days_keep_their_calendar_day():
    with reading_dates("Asia/Tashkent"):
        assert parse_datetime("03.04.2021") == datetime(2021, 4, 3, tzinfo=UTC)
        assert parse_datetime("2021-04-03") == datetime(2021, 4, 3, tzinfo=UTC)
        assert parse_datetime("2021-04-03T00:30:00") == datetime(2021, 4, 2, 19, 30, tzinfo=UTC)
        assert parse_datetime("2021-04-03T00:30:00+00:00") == datetime(2021, 4, 3, 0, 30, tzinfo=UTC)


def test_prose_today_is_not_a_date_but_a_header_today_with_a_clock_is():
    with reading_dates("Asia/Almaty", now=FETCHED):
        assert date_from_text("Today the court heard the appeal of the journalist.") is None
        assert date_from_text("Today, 09:05 · Politics") == datetime(2026, 11, 20, 4, 5, tzinfo=UTC)


def test_timezone_must_be_an_iana_name_and_the_error_names_source_and_key():
    assert _source(timezone="Asia/Dushanbe").timezone == "Asia/Dushanbe"
    assert _source().timezone == "UTC"
    with pytest.raises(ConfigError, match=r"sources\[steppe\]\.timezone: 'Asia/Almatty' is not an IANA"):
        _source(timezone="Asia/Almatty")
    with pytest.raises(ConfigError, match=r"sources\[steppe\]\.countries"):
        _source(countries=["Kazakhstan"])
