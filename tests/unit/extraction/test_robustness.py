"""Bad input never raises: broken HTML, empty input, binary garbage, any encoding."""

from __future__ import annotations

import os

import pytest
from newslake.article import Hints
from newslake.extraction import extract_article
from newslake.fetching import decode_html
from pagekit import STORY, page

RU = "Суд в Бишкеке оставил в силе штраф, наложенный на издателя газеты, и отклонил апелляцию редакции."


@pytest.mark.parametrize(
    "data",
    [b"", "", "   ", b"\x00" * 100, os.urandom(4096), b"\xff\xfe\x00\x00garbage", "<html><body><p>unclosed <b>tags<div>",
     "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>", "<<<>>>", "%PDF-1.4 binary",
     '<script type="application/ld+json">{not json</script>', "<html>" * 5000],
)
def test_never_raises(data):
    article = extract_article(data, "https://x.example/a")
    assert article.url == "https://x.example/a"
    assert isinstance(article.missing, list)


def test_empty_input_keeps_hints():
    hints = Hints(title="From the feed", language="en")
    article = extract_article(b"", "https://x.example/2024/05/14/a", hints=hints)
    assert article.title == "From the feed"
    assert article.published_at is not None and article.date_source == "url"
    assert "body" in article.missing


def test_broken_html_still_yields_the_story():
    html = page().replace("</p>", "").replace("</article>", "")
    article = extract_article(html, "https://x.example/a")
    assert STORY[0] in article.body


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "utf-8"])
def test_declared_charsets(encoding):
    html = f'<html><head><meta charset="{encoding}"><title>Штраф</title></head><body><p>{RU}</p></body></html>'
    assert RU in decode_html(html.encode(encoding))


def test_xml_declaration_and_http_equiv_charsets():
    body = f"<html><body><p>{RU}</p></body></html>"
    assert RU in decode_html(('<?xml version="1.0" encoding="windows-1251"?>' + body).encode("cp1251"))
    equiv = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    assert RU in decode_html((equiv + body).encode("koi8-r"))


def test_bom_wins_and_undeclared_bytes_are_sniffed():
    html = f"<html><body><p>{RU}</p></body></html>"
    assert RU in decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"))
    assert RU in decode_html(html.encode("utf-16"))
    assert RU in decode_html((html + "<p>" + RU * 5 + "</p>").encode("cp1251"))


def test_wrong_declared_charset_falls_back_to_sniffing():
    html = f'<html><head><meta charset="utf-8"></head><body><p>{RU * 5}</p></body></html>'
    assert RU in decode_html(html.encode("cp1251"))


def test_cp1251_page_end_to_end():
    html = page(lang="ru", title="Штраф", paragraphs=[RU * 2] * 3).replace('charset="utf-8"', 'charset="windows-1251"')
    article = extract_article(html.encode("cp1251"), "https://x.example/a")
    assert RU in article.body
    assert article.language == "ru"
