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
    article = extract_article(page(ld(graph), title="Court upholds fine on newspaper"), URL)
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


def test_complete_article_body_prunes_boilerplate_the_extractor_kept():
    full = "\n\n".join(STORY)
    promo = "<p>Subscribers can read every issue of the Courier in our mobile app, available for both phones and tablets.</p>"
    article = extract_article(page(ld({"@type": "NewsArticle", "articleBody": full}), after=promo), URL)
    assert article.body == full
    assert article.extraction_method == "trafilatura+jsonld"


def test_article_body_replaces_an_extraction_that_missed_the_story():
    story = ["Officials in Shymkent confirmed on Friday that the new water pipeline will open in " + m +
             ", two months later than promised, because of delays in deliveries of pumps." for m in ("May", "June")]
    body = "<div><p>" + "</p><p>".join(STORY) + "</p></div>"  # the page shows other text
    article = extract_article(page(ld({"@type": "NewsArticle", "articleBody": " ".join(story * 3)}), body=body), URL)
    assert article.extraction_method == "jsonld"
    assert article.body.startswith("Officials in Shymkent")


def test_teaser_article_body_is_ignored():
    for teaser in (STORY[0][:80] + "...", STORY[0] + " [&hellip;]", "Read the full story."):
        article = extract_article(page(ld({"@type": "NewsArticle", "articleBody": teaser})), URL)
        assert article.extraction_method == "trafilatura"
        assert article.body.split("\n\n") == STORY


def test_escaped_html_and_shortcodes_in_article_body_are_cleaned():
    raw = "&lt;!-- wp:paragraph --&gt;&lt;p&gt;" + "&lt;/p&gt;&lt;p&gt;".join(STORY) + "&lt;/p&gt;[caption id=\"1\"]"
    article = extract_article(page(ld({"@type": "NewsArticle", "articleBody": raw}), body="<div>Menu</div>"), URL)
    assert article.body.split("\n\n") == STORY
