"""OpenGraph / article:* / citation_* / dc.* / parsely-* metadata, each recorded with its source."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from newslake.extraction import extract_article
from pagekit import page

URL = "https://courier.example/news/court-upholds-fine"


def test_opengraph_and_article_meta():
    head = (
        '<meta property="og:title" content="Court upholds fine on newspaper">'
        '<meta property="og:site_name" content="Steppe Courier">'
        '<meta property="og:description" content="The publisher will appeal.">'
        '<meta property="og:url" content="https://courier.example/news/court-upholds-fine?utm_source=x">'
        '<meta property="article:published_time" content="2024-05-14T10:30:00+05:00">'
        '<meta property="article:modified_time" content="2024-05-15T09:00:00+05:00">'
        '<meta property="article:author" content="https://facebook.com/courier">'
        '<meta property="article:section" content="Courts">'
        '<meta property="article:tag" content="media"><meta property="article:tag" content="courts">'
        '<meta name="author" content="By Aigerim Sadykova and Marat Omarov">'
    )
    article = extract_article(page(head, title="Court upholds fine on newspaper"), URL)
    assert article.title == "Court upholds fine on newspaper"
    assert article.field_sources["title"] == "opengraph"
    assert article.description == "The publisher will appeal."
    assert article.published_at == datetime(2024, 5, 14, 5, 30, tzinfo=UTC)
    assert (article.date_source, article.field_sources["published_at"]) == ("meta", "opengraph")
    assert article.modified_at == datetime(2024, 5, 15, 4, 0, tzinfo=UTC)
    assert article.authors == ["Aigerim Sadykova", "Marat Omarov"]
    assert article.field_sources["authors"] == "meta"
    assert article.section == "Courts"
    assert article.tags == ["media", "courts"]
    assert article.canonical_url.startswith("https://courier.example/news/court-upholds-fine")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta name="citation_publication_date" content="2024/05/14">'
         '<meta name="citation_author" content="Sadykova, Aigerim">', datetime(2024, 5, 14, tzinfo=UTC)),
        ('<meta name="DC.date.issued" content="2024-05-14T08:00:00Z">', datetime(2024, 5, 14, 8, tzinfo=UTC)),
        ('<meta name="parsely-pub-date" content="2024-05-14T08:00:00Z">'
         '<meta name="parsely-author" content="Aigerim Sadykova">', datetime(2024, 5, 14, 8, tzinfo=UTC)),
        ('<meta itemprop="datePublished" content="2024-05-14T13:00:00+05:00">', datetime(2024, 5, 14, 8, tzinfo=UTC)),
    ],
)
def test_other_meta_dates(head, expected):
    article = extract_article(page(head), URL)
    assert article.published_at == expected
    assert article.date_source == "meta"


def test_parsely_author_and_dc_title():
    head = ('<meta name="parsely-author" content="Aigerim Sadykova">'
            '<meta name="dc.title" content="Court upholds fine on newspaper">')
    article = extract_article(page(head, title="Court upholds fine on newspaper"), URL)
    assert article.authors == ["Aigerim Sadykova"]
    assert article.title == "Court upholds fine on newspaper"
    assert article.field_sources["title"] == "meta"


def test_story_heading_beats_an_seo_title_but_a_site_banner_does_not():
    head = '<meta property="og:title" content="Taraz court fine: publisher loses appeal (updated)">'
    article = extract_article(page(head, title="Taraz court upholds fine on newspaper publisher"), URL)
    assert (article.title, article.field_sources["title"]) == ("Taraz court upholds fine on newspaper publisher", "html")
    article = extract_article(page(head, title="Steppe Courier Daily News"), URL)
    assert article.title == "Taraz court fine: publisher loses appeal (updated)"


def test_double_escaped_entities_are_decoded():
    head = '<meta property="og:title" content="Court&amp;#8217;s ruling &amp;amp; the press">'
    article = extract_article(page(head, title="Court’s ruling & the press"), URL)
    assert article.title == "Court’s ruling & the press"


def test_title_tag_site_suffix_removed_when_no_metadata_title():
    article = extract_article(page(title="Court upholds fine on newspaper"), URL)
    assert article.title == "Court upholds fine on newspaper"
    assert "Steppe Courier" not in article.title


def test_missing_lists_fields_the_page_did_not_give():
    article = extract_article(page(), "https://courier.example/news/x")
    assert "published_at" in article.missing
    assert "authors" in article.missing
    assert "body" not in article.missing and "title" not in article.missing


def test_section_labels_are_not_part_of_the_title():
    head = '<meta property="og:title" content="Opinion | Taraz court fine is a warning to editors | Editorial">'
    article = extract_article(page(head, title="Taraz court fine is a warning to editors"), URL)
    assert article.title == "Taraz court fine is a warning to editors"
    head = '<meta property="og:title" content="Taraz court fine is a warning to editors">'
    article = extract_article(page(head, title="Opinion Taraz court fine is a warning to editors"), URL)
    assert article.title == "Taraz court fine is a warning to editors"
