"""Datelines are parsed into place and agency, and stripped from the body only when they are datelines."""

from __future__ import annotations

import pytest
from newslake.extraction import extract_article
from newslake.extraction.dateline import parse_dateline
from pagekit import STORY, page


@pytest.mark.parametrize(
    ("text", "raw", "place", "agency", "rest"),
    [
        ("ASTANA (TCA) — Authorities said", "ASTANA (TCA) —", "Astana", "TCA", "Authorities said"),
        ("ALMATY, Feb 10 (Reuters) - Kazakhstan's", "ALMATY, Feb 10 (Reuters) -", "Almaty", "Reuters", "Kazakhstan's"),
        ("БИШКЕК, 10 фев — Sputnik. Президент", "БИШКЕК, 10 фев — Sputnik.", "Бишкек", "Sputnik", "Президент"),
        ("МОСКВА, 10 февраля. /ТАСС/. Власти", "МОСКВА, 10 февраля. /ТАСС/.", "Москва", "ТАСС", "Власти"),
        ("NEW YORK, N.Y. (AP) — The", "NEW YORK, N.Y. (AP) —", "New York", "AP", "The"),
        ("WASHINGTON — Officials said.", "WASHINGTON —", "Washington", None, "Officials said."),
        ("Astana (Kazinform) - The", "Astana (Kazinform) -", "Astana", "Kazinform", "The"),
        ("АЛМАТЫ, 4 мар — Финансовая лента. Курс", "АЛМАТЫ, 4 мар — Финансовая лента.", "Алматы", "Финансовая лента", "Курс"),
        ("ОШ (ТК) — Жители", "ОШ (ТК) —", "Ош", "ТК", "Жители"),
        ("АЛМАТЫ, 4 мар — Курс доллара вырос.", "АЛМАТЫ, 4 мар —", "Алматы", None, "Курс доллара вырос."),
    ],
)
def test_datelines(text, raw, place, agency, rest):
    found = parse_dateline(text)
    assert found is not None
    assert (found.raw, found.place, found.agency, found.rest) == (raw, place, agency, rest)


@pytest.mark.parametrize(
    "text",
    [
        "ALMATY is a city of two million people.",
        "COVID-19 — a virus that changed the world.",
        "The UN — and its agencies — said.",
        "I — for one — disagree.",
        "NASA-funded work — more of it.",
        "Almaty — the largest city — grew.",
        "US — and the rest of the world.",
    ],
)
def test_not_datelines(text):
    assert parse_dateline(text) is None


def test_dateline_stripped_from_body_and_recorded():
    paragraphs = ["ASTANA (TCA) — " + STORY[0]] + STORY[1:]
    article = extract_article(page(paragraphs=paragraphs), "https://x.example/news/a")
    assert (article.dateline, article.dateline_place, article.dateline_agency) == ("ASTANA (TCA) —", "Astana", "TCA")
    assert article.body.startswith(STORY[0])


def test_non_dateline_kept_in_body():
    paragraphs = ["ALMATY is a city where " + STORY[0]] + STORY[1:]
    article = extract_article(page(paragraphs=paragraphs), "https://x.example/news/a")
    assert article.dateline is None
    assert article.body.startswith("ALMATY is a city")
