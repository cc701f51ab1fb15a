"""Date precedence (metadata > hints > URL > text), timezone conversion and date parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from newslake.article import Hints
from newslake.extraction import extract_article
from newslake.extraction.dates import date_from_text, date_from_url, parse_datetime
from pagekit import STORY, page

TEXT_WITH_DATE = ["The two men were sentenced on 28 November 2016 to five years each."] + STORY


def test_text_date_never_beats_metadata():
    head = '<meta property="article:published_time" content="2017-02-10T09:00:00+06:00">'
    article = extract_article(page(head, paragraphs=TEXT_WITH_DATE), "https://x.example/news/a")
    assert article.published_at == datetime(2017, 2, 10, 3, tzinfo=UTC)
    assert article.date_source == "meta"


def test_hints_used_when_metadata_absent_and_url_loses_to_hints():
    hints = Hints(published_at=datetime(2017, 2, 10, 12, tzinfo=timezone(timedelta(hours=6))),
                  date_source="sitemap")
    article = extract_article(page(paragraphs=TEXT_WITH_DATE), "https://x.example/2017/02/09/a", hints=hints)
    assert article.published_at == datetime(2017, 2, 10, 6, tzinfo=UTC)
    assert article.date_source == "sitemap"
    assert article.field_sources["published_at"] == "hints"


def test_metadata_beats_hints():
    head = '<meta property="article:published_time" content="2017-02-10T09:00:00Z">'
    hints = Hints(published_at=datetime(2017, 2, 11, tzinfo=UTC), date_source="feed")
    article = extract_article(page(head), "https://x.example/news/a", hints=hints)
    assert article.published_at == datetime(2017, 2, 10, 9, tzinfo=UTC)


def test_url_date_beats_text_date():
    article = extract_article(page(paragraphs=TEXT_WITH_DATE), "https://x.example/2017/02/10/court-case/")
    assert article.published_at == datetime(2017, 2, 10, tzinfo=UTC)
    assert article.date_source == "url"


def test_text_date_is_last_resort():
    article = extract_article(page(paragraphs=TEXT_WITH_DATE), "https://x.example/news/court-case")
    assert article.published_at == datetime(2016, 11, 28, tzinfo=UTC)
    assert article.date_source == "text"


def test_time_element_after_heading_and_day_refined_by_time():
    before = '<p class="meta">Published <time datetime="2024-06-29T18:20:00+05:00">29 June 2024</time></p>'
    article = extract_article(page(before=before, paragraphs=TEXT_WITH_DATE), "https://x.example/news/a")
    assert article.published_at == datetime(2024, 6, 29, 13, 20, tzinfo=UTC)
    head = '<meta name="citation_publication_date" content="2024-06-29">'
    article = extract_article(page(head, before=before), "https://x.example/news/a")
    assert article.published_at == datetime(2024, 6, 29, 13, 20, tzinfo=UTC)
    assert article.date_source == "meta"


def test_timezone_conversion_can_change_the_day():
    head = '<meta property="article:published_time" content="2024-12-31T21:15:00-05:00">'
    article = extract_article(page(head), "https://x.example/news/a")
    assert article.published_at == datetime(2025, 1, 1, 2, 15, tzinfo=UTC)
    assert article.published_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017-02-10T12:00:00+06:00", datetime(2017, 2, 10, 6, tzinfo=UTC)),
        ("2017-02-10T12:00:00+0600", datetime(2017, 2, 10, 6, tzinfo=UTC)),
        ("2017-02-10 08:00:00", datetime(2017, 2, 10, 8, tzinfo=UTC)),
        ("2023-12-20T10:00:00.123456789Z", datetime(2023, 12, 20, 10, 0, 0, 123456, tzinfo=UTC)),
        ("Fri, 10 Feb 2017 06:00:00 GMT", datetime(2017, 2, 10, 6, tzinfo=UTC)),
        ("10 Feb 2017 06:00:00 +0300", datetime(2017, 2, 10, 3, tzinfo=UTC)),
        ("Feb 10, 2017 3:30 PM EST", datetime(2017, 2, 10, 20, 30, tzinfo=UTC)),
        ("10 февраля 2017, 14:00", datetime(2017, 2, 10, 14, tzinfo=UTC)),
        ("2024/10/30", datetime(2024, 10, 30, tzinfo=UTC)),
        ("1486700000", datetime(2017, 2, 10, 4, 13, 20, tzinfo=UTC)),
    ],
)
def test_parse_datetime_formats(raw, expected):
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["", "yesterday", "2099-01-01", "1850-01-01", "32 January 2017", None, "x" * 200])
def test_parse_datetime_rejects_implausible(raw):
    assert parse_datetime(raw) is None


def test_url_and_text_patterns():
    assert date_from_url("https://x.example/2017/02/10/story") == datetime(2017, 2, 10, tzinfo=UTC)
    assert date_from_url("https://x.example/news/2017-02-10-story") == datetime(2017, 2, 10, tzinfo=UTC)
    assert date_from_url("https://x.example/news/20170210/story.html") == datetime(2017, 2, 10, tzinfo=UTC)
    assert date_from_url("https://x.example/news/123456/story") is None
    assert date_from_text("Updated on 28 November 2016 at noon") == datetime(2016, 11, 28, tzinfo=UTC)
    assert date_from_text("Опубликовано 10 февраля 2017 года") == datetime(2017, 2, 10, tzinfo=UTC)
