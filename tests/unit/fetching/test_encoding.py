"""decode_html: BOM, HTTP charset, <meta> charset, then detection; mislabelled pages come out right."""

from __future__ import annotations

import codecs

import pytest
from newslake.fetching import decode_html, detect_encoding

RU = ("Суд приговорил блогера к двум годам лишения свободы за публикацию в социальной сети. "
      "Правозащитники называют приговор давлением на свободу слова и требуют пересмотра дела.")


def html(text: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<!doctype html><html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
def test_cyrillic_from_header(enc):
    body = html(RU).encode(enc)
    assert RU in decode_html(body, {"content-type": f"text/html; charset={enc}"})


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
def test_cyrillic_from_meta(enc):
    body = html(RU, meta=enc).encode(enc)
    assert RU in decode_html(body, {"content-type": "text/html"})
    assert detect_encoding(body, {})[1] == "meta"


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
def test_cyrillic_detected_without_any_declaration(enc):
    body = html(RU).encode(enc)
    codec, how = detect_encoding(body, {})
    assert how == "detected"
    assert RU in decode_html(body, {})


def test_meta_http_equiv():
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            f"</head><body>{RU}</body></html>").encode("cp1251")
    assert RU in decode_html(body)


def test_bom_beats_header():
    body = codecs.BOM_UTF8 + html("Café").encode("utf-8")
    text = decode_html(body, {"content-type": "text/html; charset=windows-1251"})
    assert "Café" in text and not text.startswith("\ufeff")
    utf16 = codecs.BOM_UTF16_LE + html(RU).encode("utf-16-le")
    assert RU in decode_html(utf16)


def test_latin1_header_on_utf8_bytes_is_read_as_utf8():
    body = html("Café — «Новости» " + RU, meta="utf-8").encode("utf-8")
    text = decode_html(body, {"content-type": "text/html; charset=iso-8859-1"})
    assert "Café — «Новости»" in text and RU in text


def test_latin1_server_default_loses_to_page_meta():
    body = html(RU, meta="windows-1251").encode("cp1251")
    assert RU in decode_html(body, {"content-type": "text/html; charset=ISO-8859-1"})


def test_utf8_header_on_cp1251_bytes_falls_back_to_meta_or_detection():
    body = html(RU, meta="windows-1251").encode("cp1251")
    assert RU in decode_html(body, {"content-type": "text/html; charset=utf-8"})


def test_true_latin1_page_stays_latin1():
    body = html("Ça coûte très cher à Genève").encode("latin-1")
    assert "Ça coûte très cher à Genève" in decode_html(body, {"content-type": "text/html; charset=iso-8859-1"})


def test_unknown_label_and_empty_body():
    body = html(RU, meta="x-no-such-charset").encode("utf-8")
    assert RU in decode_html(body, {"content-type": "text/html; charset=bogus"})
    assert decode_html(b"", {}) == ""


# The one decoder (issue 7, finding 11): what the extraction-side decoder knew, plus the header.

SHORT_TITLE = "Блогера оштрафовали за пост"


def short_page(meta: str | None = None) -> str:
    return html(SHORT_TITLE, meta).replace("<title>t</title>", f"<title>{SHORT_TITLE}</title>")


def test_short_cyrillic_page_with_charset_only_in_header():
    # too short for statistical detection (it reads these bytes as Hebrew): the header must decide
    body = short_page().encode("cp1251")
    assert decode_html(body, {"Content-Type": "text/html; charset=windows-1251"}).count(SHORT_TITLE) == 2
    assert detect_encoding(body, {"content-type": "text/html; charset=windows-1251"}) == ("cp1251", "header")


def test_extract_article_decodes_bytes_with_the_response_headers():
    from newslake.extraction import extract_article

    body = short_page().encode("cp1251")
    article = extract_article(body, "https://x.example/ru/a", headers={"content-type": "text/html; charset=cp1251"})
    assert article.title == SHORT_TITLE


def test_xml_declaration_and_utf32_bom():
    body = ('<?xml version="1.0" encoding="koi8-r"?>' + html(RU)).encode("koi8-r")
    assert RU in decode_html(body)
    assert detect_encoding(body)[1] == "meta"
    assert RU in decode_html(codecs.BOM_UTF32_LE + html(RU).encode("utf-32-le"))


def test_page_aliases_and_str_input():
    assert RU in decode_html(html(RU, meta="x-cp1251").encode("cp1251"))
    assert decode_html("<p>уже текст</p>", {"content-type": "text/html; charset=koi8-r"}) == "<p>уже текст</p>"


def test_a_stray_byte_does_not_send_a_utf8_page_to_detection():
    body = html(RU * 3, meta="utf-8").encode("utf-8")
    broken = body[:200] + b"\xff" + body[200:]
    assert detect_encoding(broken, {"content-type": "text/html; charset=utf-8"}) == ("utf-8", "header")
    assert RU in decode_html(broken)


def test_a_long_utf8_page_under_a_single_byte_header_is_utf8_even_when_the_sample_cuts_a_character():
    body = html("Ж" * 40_000, meta="utf-8").encode("utf-8")
    if (body[65_535] & 0xC0) != 0xC0:  # make the 64 KB sample end on the first byte of "Ж"
        body = b" " + body
    assert body[65_535] == 0xD0
    text = decode_html(body, {"content-type": "text/html; charset=windows-1251"})
    assert "Ж" * 40_000 in text
