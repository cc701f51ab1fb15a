"""Body: main text only, paragraphs kept, headline/kicker/copyright lines removed, layout tables handled."""

from __future__ import annotations

from newslake.extraction import extract_article
from pagekit import STORY, page

URL = "https://x.example/news/a"


def test_paragraphs_are_kept_and_chrome_is_dropped():
    article = extract_article(page(), URL)
    assert article.body.split("\n\n") == STORY
    assert article.extraction_method == "trafilatura"
    for chrome in ("Most read", "All rights reserved", "About us", "Court upholds fine"):
        assert chrome not in article.body


def test_kicker_headline_and_copyright_lines_are_not_body():
    body = ('<div class="wrap"><div class="story"><p class="kicker">World</p><p>Court upholds fine</p>'
            + "".join(f"<p>{p}</p>" for p in STORY)
            + "<p>© 2013–2024 Steppe Courier. Reproduction of materials is permitted only with a link.</p>"
            "</div></div>")
    article = extract_article(page(body=body), URL)
    assert article.body.split("\n\n") == STORY


def test_layout_table_page():
    cells = "".join(f"{p}<br><br>" for p in STORY)
    body = (
        '<table width="100%"><tr><td colspan="2"><font size="5">Bureau for Human Rights</font></td></tr>'
        '<tr><td width="20%"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></td>'
        f'<td><table><tr><td><b>Court upholds fine</b></td></tr><tr><td><font>{cells}</font></td></tr></table></td>'
        '</tr><tr><td colspan="2"><font size="1">All rights reserved. © 2004-2024</font></td></tr></table>'
    )
    article = extract_article(page(body=body), URL)
    text = article.body.replace("\n\n", " ")
    assert all(p in text for p in STORY)
    assert "|" not in article.body and "Home" not in article.body


def test_data_table_rows_stay_one_per_line():
    table = ("<table><tr><th>Area</th><th>2023</th><th>2024</th></tr>"
             "<tr><td>Education</td><td>2,870</td><td>3,120</td></tr>"
             "<tr><td>Health care</td><td>2,260</td><td>2,281</td></tr></table>")
    article = extract_article(page(after=table), URL)
    assert "Area 2023 2024\nEducation 2,870 3,120\nHealth care 2,260 2,281" in article.body


def test_article_element_used_when_extractor_finds_nothing():
    body = "<article><p>Short note: the office is closed on Monday.</p></article>"
    article = extract_article(page(body=body), URL)
    assert article.body == "Short note: the office is closed on Monday."


def test_body_ends_at_a_rights_notice_and_headline_lists_are_dropped():
    notice = ("<p>Все права защищены. Перепечатка материалов разрешается только с гиперссылкой на источник.</p>"
              "<p>Читайте также наши материалы о судебной практике в регионе и подписывайтесь на канал.</p>")
    headlines = ("<p>27.11 15:00 Суд оставил штраф в силе<br>26.11 14:50 В Таразе открыли мост<br>"
                 "25.11 12:10 Погода на выходные</p>")
    article = extract_article(page(after=headlines + notice), URL)
    assert article.body.split("\n\n") == STORY


def test_menu_lines_above_the_headline_are_not_body():
    body = ('<div class="page"><div class="nav"><div>Home</div><div>News</div><div>Sport</div></div>'
            '<div class="story"><div>Court upholds fine</div>' + "".join(f"<p>{p}</p>" for p in STORY) + "</div></div>")
    article = extract_article(page(body=body), URL)
    assert article.body.split("\n\n") == STORY


def test_cross_links_and_summary_boxes_are_not_body():
    before = '<p>Key points</p><ul><li>Fine upheld on appeal</li><li>Publisher will go to the Supreme Court</li></ul>'
    inside = STORY[:2] + ["Read also: Heat wave hits the south"] + STORY[2:]
    article = extract_article(page(before=before, paragraphs=inside), URL)
    assert article.body.split("\n\n") == STORY


def test_story_sentences_mentioning_newsletters_are_kept():
    first = ("БИШКЕК (NL) — Региональное издание запустило три зеркала и ежедневную почтовую рассылку, "
             "чтобы читатели могли получать материалы без VPN.")
    last = "The paper said its newsletter had gained ten thousand readers since the block began last week."
    article = extract_article(page(paragraphs=[first] + STORY + [last]), URL)
    assert article.dateline == "БИШКЕК (NL) —"
    assert article.body.split("\n\n") == [first.split("— ", 1)[1]] + STORY + [last]
