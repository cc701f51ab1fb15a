"""Author normalisation and bylines at the start or end of the body."""

from __future__ import annotations

import pytest
from newslake.extraction import extract_article
from newslake.extraction.authors import byline_from_paragraphs, normalise_authors
from pagekit import STORY, page


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By John Smith and Jane Doe, Reuters"], ["John Smith", "Jane Doe"]),
        (["BY JOHN SMITH"], ["John Smith"]),
        (["Иван Петров и Анна Смирнова"], ["Иван Петров", "Анна Смирнова"]),
        (["John Smith, Senior Reporter"], ["John Smith"]),
        (["Jane Doe | CNN"], ["Jane Doe"]),
        (["Jane Doe (AP)"], ["Jane Doe"]),
        (["Автор: Асель Бакирова"], ["Асель Бакирова"]),
        (["John Smith", "john smith"], ["John Smith"]),
        (["Lauren Manaker MS, RDN"], ["Lauren Manaker"]),
        (["Robert E. Moffit, Ph.D."], ["Robert E. Moffit"]),
        (["Jim Walsh Cherry Hill Courier-Post", "Jim Walsh"], ["Jim Walsh"]),
        (["By"], []),
        (["https://facebook.com/someone", "December 10, 2023", "Staff Reporter", "Steppe Courier"], []),
    ],
)
def test_normalise_authors(raw, expected):
    assert normalise_authors(raw, site_names=("Steppe Courier",)) == expected


def test_byline_at_start_and_name_alone_at_end():
    assert byline_from_paragraphs(["By Aidar Zhumabaev", "Text."]) == (["Aidar Zhumabaev"], 0)
    assert byline_from_paragraphs(["Text.", "More.", "Aidar Zhumabaev"]) == (["Aidar Zhumabaev"], 2)
    assert byline_from_paragraphs(["Text.", "More.", "Daniyar Seitkali, NL"]) == (["Daniyar Seitkali"], 2)


@pytest.mark.parametrize("last", ["Read More", "Share this", "The End.", "Economy Desk", "Bishkek, Kyrgyzstan 2024"])
def test_last_line_that_is_not_a_name(last):
    assert byline_from_paragraphs(["Text.", "More.", last]) == ([], None)


def test_byline_taken_from_body_is_removed_from_it():
    article = extract_article(page(paragraphs=STORY + ["Aigerim Sadykova"]), "https://x.example/news/a")
    assert article.authors == ["Aigerim Sadykova"]
    assert article.field_sources["authors"] == "text"
    assert "Aigerim Sadykova" not in article.body
    article = extract_article(page(paragraphs=["By Marat Omarov and Aigerim Sadykova"] + STORY),
                              "https://x.example/news/a")
    assert article.authors == ["Marat Omarov", "Aigerim Sadykova"]
    assert article.body.split("\n\n") == STORY


def test_metadata_author_wins_over_byline_and_site_name_is_never_an_author():
    head = '<meta property="og:site_name" content="Steppe Courier"><meta name="author" content="Steppe Courier">'
    article = extract_article(page(head), "https://x.example/news/a")
    assert article.authors == []
    head = '<meta name="author" content="Marat Omarov">'
    article = extract_article(page(head, paragraphs=STORY + ["Aigerim Sadykova"]), "https://x.example/news/a")
    assert article.authors == ["Marat Omarov"]


def test_byline_element_is_an_author_source_but_comment_authors_are_not():
    byline = '<div class="author-line">By Gulnara Ismailova, CAN</div>'
    comments = '<div class="comments"><span class="comment-author">Sanjar Karimov</span><p>Nice.</p></div>'
    article = extract_article(page(before=byline, after=comments), "https://x.example/news/a")
    assert article.authors == ["Gulnara Ismailova"]
    assert article.field_sources["authors"] in ("html", "text")
    article = extract_article(page(after=comments), "https://x.example/news/a")
    assert article.authors == []
