"""JSON-LD variants: @graph, top-level arrays, nested and referenced authors, article subtypes."""

from __future__ import annotations

from datetime import UTC, datetime

from newslake.extraction import extract_article
from pagekit import STORY, ld, page

URL = "https://courier.example/news/court-upholds-fine"


def test_graph_with_author_reference_and_reportage_type():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "#org", "name": "Steppe Courier"},
        {"@type": "Person", "@id": "#p1", "name": "Aigerim Sadykova"},
        {"@type": "WebPage", "@id": URL, "datePublished": "2020-01-01T00:00:00Z"},
        {"@type": "ReportageNewsArticle", "headline": "Court upholds fine on newspaper",
         "datePublished": "2024-05-14T10:30:00+05:00", "dateModified": "2024-05-14T12:00:00+05:00",
         "author": {"@id": "#p1"}, "publisher": {"@id": "#org"}, "articleSection": "Courts",
         "keywords": ["media", "courts"], "inLanguage": "en"},
    ]}
    article = extract_article(page(ld(graph)), URL)
    assert article.title == "Court upholds fine on newspaper"
    assert article.field_sources["title"] == "jsonld"
    assert article.published_at == datetime(2024, 5, 14, 5, 30, tzinfo=UTC)
    assert article.modified_at == datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
    assert article.date_source == "jsonld"
    assert article.authors == ["Aigerim Sadykova"]
    assert article.section == "Courts"
    assert article.tags == ["media", "courts"]


def test_top_level_array_with_nested_author_objects_and_organization_skipped():
    data = [
        {"@type": "BreadcrumbList", "itemListElement": []},
        {"@type": ["NewsArticle"], "headline": "Court upholds fine",
         "datePublished": "2024-05-14",
         "author": [{"@type": "Person", "name": "By Aigerim Sadykova"},
                    {"@type": "Person", "givenName": "Marat", "familyName": "Omarov"},
                    {"@type": "Organization", "name": "Steppe Courier"}]},
    ]
    article = extract_article(page(ld(data)), URL)
    assert article.authors == ["Aigerim Sadykova", "Marat Omarov"]
    assert article.published_at == datetime(2024, 5, 14, tzinfo=UTC)


def test_picks_the_article_matching_the_page_url_over_related_ones():
    related = {"@type": "NewsArticle", "headline": "Some other story", "url": "https://courier.example/x",
               "datePublished": "2023-01-01T00:00:00Z"}
    main = {"@type": "NewsArticle", "headline": "Court upholds fine", "url": URL,
            "datePublished": "2024-05-14T08:00:00Z"}
    article = extract_article(page(ld(related) + ld(main)), URL)
    assert article.published_at == datetime(2024, 5, 14, 8, tzinfo=UTC)


def test_tolerates_raw_newlines_and_trailing_commas_in_json():
    raw = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Court\n upholds fine",'
           ' "datePublished": "2024-05-14T08:00:00Z",}</script>')
    article = extract_article(page(raw), URL)
    assert article.date_source == "jsonld"
    assert article.published_at == datetime(2024, 5, 14, 8, tzinfo=UTC)


def test_complete_article_body_is_used_but_a_teaser_is_not():
    full = "\n\n".join(STORY)
    article = extract_article(page(ld({"@type": "NewsArticle", "articleBody": full})), URL)
    assert article.extraction_method == "jsonld"
    assert article.body == full
    teaser = {"@type": "NewsArticle", "articleBody": STORY[0][:80] + "..."}
    article = extract_article(page(ld(teaser)), URL)
    assert article.extraction_method == "trafilatura"
    assert article.body.split("\n\n") == STORY
