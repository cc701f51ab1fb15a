"""Per-source CSS selectors override title, body, date and authors, and drop elements."""

from __future__ import annotations

from datetime import UTC, datetime

from newslake.config import DiscoveryConfig, Selectors, SourceConfig
from newslake.extraction import extract_article
from pagekit import STORY, page


def _source(**selectors) -> SourceConfig:
    return SourceConfig(id="courier", name="Courier", base_url="https://x.example/", allowed_domains=("x.example",),
                        languages=("en",), discovery=DiscoveryConfig(feeds=("/rss",)),
                        selectors=Selectors(**selectors))


BODY = (
    '<div class="top"><h2 class="headline">The real headline</h2><span class="when">2024-05-14 10:00</span>'
    '<span class="who">Aigerim Sadykova</span></div>'
    '<div class="story">' + "".join(f"<p>{p}</p>" for p in STORY) +
    '<div class="promo">Subscribe to our print edition for only 500 tenge a month and get it delivered.</div></div>'
    '<div class="sidebar">' + "".join(f"<p>Unrelated long sidebar text number {i} about other events.</p>"
                                       for i in range(8)) + "</div>"
)


def test_selectors_override_every_field():
    source = _source(title="h2.headline", body="div.story", date=".when", authors=".who", drop=(".promo",))
    head = '<meta property="og:title" content="Meta title"><meta name="author" content="Someone Else">'
    article = extract_article(page(head, body=BODY), "https://x.example/a", source=source)
    assert (article.title, article.field_sources["title"]) == ("The real headline", "selector")
    assert article.body.split("\n\n") == STORY
    assert article.extraction_method == "selector"
    assert article.published_at == datetime(2024, 5, 14, 10, tzinfo=UTC)
    assert article.field_sources["published_at"] == "selector"
    assert article.authors == ["Aigerim Sadykova"]


def test_selector_that_matches_nothing_or_is_invalid_falls_back():
    source = _source(body="div.nope", title="h2[", drop=("[[[",))
    article = extract_article(page(), "https://x.example/a", source=source)
    assert article.extraction_method == "trafilatura"
    assert article.body.split("\n\n") == STORY
    assert article.title == "Court upholds fine"
