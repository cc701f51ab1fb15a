"""Second-round miss kinds: widgets in the text column, WordPress 'posted in' lines, long rights notices and bios."""

from __future__ import annotations

from newslake.extraction import extract_article
from newslake.extraction.cleanup import cut_after_rights_notice
from newslake.extraction.tails import cut_comments, cut_references, drop_closing_notes, drop_promos
from newslake.extraction.widgets import cut_posted_in, drop_widgets
from pagekit import STORY, page

QUOTES = "Курсы валют / 12.03\nUSD 474.20 475.10\nEUR 512.05 513.40\nRUB 5.12 5.15\nНефть Brent 81.3 -0.4%"


def test_a_quote_panel_inside_the_story_is_dropped():
    assert drop_widgets(STORY[:2] + [QUOTES] + STORY[2:]) == STORY


def test_a_multi_line_list_of_words_or_a_story_full_of_figures_is_kept():
    steps = "Bring your passport\nFill in form 12\nPay the fee at window 3\nWait for the stamp"
    figures = ("The budget grew from 1.2 trillion tenge in 2022 to 1.45 trillion in 2023, and the deficit fell "
               "to 2.1% of output, the ministry said on 14 March.")
    assert drop_widgets(STORY + [steps, figures]) == STORY + [steps, figures]


def test_a_block_of_partner_site_links_is_dropped_but_a_sentence_naming_two_sites_is_kept():
    partners = "Погода в Таразе на Pogoda.example.kz. Вакансии на Jobs.example.kz. Кино в Алматы на Kino.example.kz."
    cited = "The story was first reported by Vlast.kz and later confirmed by Tengrinews.kz, which spoke to the judge."
    assert drop_widgets(STORY + [partners, cited]) == STORY + [cited]


def test_a_most_read_list_with_view_counters_is_dropped():
    ranked = "1 Мост в Атырау закрыт 8105 просмотров\n2 Новая школа в Таразе 6451 просмотр\n3 Жара на юге 5384 просмотра"
    assert drop_widgets(STORY + [ranked]) == STORY
    poem = "First line of the verse\nSecond line of the verse\nThird and last line"
    assert drop_widgets(STORY + [poem]) == STORY + [poem]


def test_an_embedded_post_printed_as_markup_and_a_blocked_embed_placeholder_are_dropped():
    leaked = ('The coach says <a href="https://social.example/hashtag/Final?src=hash">#Final</a> is on. '
              "pic.example/abc — Reporter (@reporter)")
    placeholder = "Waiting for your permission to load the Instagram Media."
    assert drop_widgets(STORY[:2] + [leaked, placeholder] + STORY[2:]) == STORY
    about_html = "The court heard that the page's code used a blockquote element to quote the minister."
    assert drop_widgets(STORY + [about_html]) == STORY + [about_html]


def test_a_tag_line_is_dropped_but_a_sentence_about_tags_is_kept():
    sentence = "Tags on the seized goods showed they had been shipped from Aktau in May."
    assert drop_widgets(STORY + ["Теги: суд, пресса, Тараз", sentence]) == STORY + [sentence]


def test_a_wordpress_posted_in_footer_cuts_the_rest():
    footer = ["This entry was posted in Courts on 12 March 2024. You can follow any responses to this entry "
              "through the RSS 2.0 feed.", "Leave a Reply", "Your email address will not be published."]
    assert cut_posted_in(STORY + footer) == STORY
    story_about_rss = STORY[:1] + ["The agency said readers could follow its RSS feed for the verdict."] + STORY[1:]
    assert cut_posted_in(story_about_rss) == story_about_rss


def test_a_long_rights_notice_citing_the_law_cuts_the_rest():
    notice = ("Согласно статье 12 Закона об информационных агентствах право собственности на продукцию агентства "
              "охраняется законодательством. " + "Любое копирование материалов запрещено без письменного согласия "
              "редакции, в какой бы форме оно ни осуществлялось. " * 6)
    assert cut_after_rights_notice(STORY + [notice, "Все новости"]) == STORY
    quoted = ("According to the new law on media, the ministry may suspend any outlet for three months, which "
              "lawyers say breaks the constitution's property and speech guarantees.")
    assert cut_after_rights_notice(STORY + [quoted]) == STORY + [quoted]


def test_a_fuller_bio_as_the_last_paragraph_is_dropped_but_not_one_above_the_story_end():
    bio = ("Aida Nurlanovna (she/her) is the Steppe Courier's courts reporter. Before joining the paper she covered "
           "land disputes for a regional weekly for six years, and her reporting on the Taraz budget won the "
           "national press award in 2022. She studied law in Almaty and now lives in Shymkent with her family.")
    assert drop_closing_notes(STORY + [bio]) == STORY
    assert drop_closing_notes(STORY[:3] + [bio] + STORY[3:]) == STORY[:3] + [bio] + STORY[3:]


def test_newsletter_pitches_naming_the_publication_and_podcast_prompts_are_promos():
    pitches = ["Want more court news? Sign up for the Steppe Courier's free newsletter to get the week's rulings.",
               "Listen and subscribe wherever you get your podcasts."]
    assert drop_promos(STORY + pitches) == STORY


def test_an_origin_note_naming_the_headline_is_dropped():
    note = "This article 'Court Upholds Fine Against Taraz Weekly' originally appeared on SteppeCourier.example"
    assert drop_closing_notes(STORY + [note]) == STORY


def test_a_quote_table_after_the_story_is_dropped_from_a_whole_page():
    rows = "".join(f"<tr><td>{'</td><td>'.join(line.split())}</td></tr>" for line in QUOTES.split("\n")[1:])
    html = page(after=f"<table><tr><td>Курсы валют / 12.03</td></tr>{rows}</table>")
    article = extract_article(html, "https://steppe-courier.example/news/court-upholds-fine")
    assert article.body == "\n\n".join(STORY)


def test_a_row_of_social_network_links_is_dropped_but_a_sentence_naming_networks_is_kept():
    row = "Steppe Courier on Facebook, Steppe Courier on Telegram, Steppe Courier on YouTube"
    sentence = "The ministry said it had asked Facebook and Telegram to remove the posts about the court within a day."
    assert drop_widgets(STORY + [row, sentence]) == STORY + [sentence]


def test_a_source_note_a_login_prompt_and_a_complaint_notice_close_the_story():
    assert drop_closing_notes(STORY + ["По материалам агентства Steppe News"]) == STORY
    assert cut_comments(STORY + ["Зарегистрируйтесь или войдите, чтобы оставить комментарий", "Первый!"]) == STORY
    notice = "Если вы пожалуетесь на этот комментарий, модераторы рассмотрят жалобу в течение суток."
    assert cut_comments(STORY + [notice, "Отличная статья"]) == STORY
    quote = STORY[:3] + ["По материалам следствия, фирма получила земли без конкурса, сообщил прокурор в суде."] + STORY[3:]
    assert drop_closing_notes(quote) == quote


def test_a_closing_citation_with_a_doi_is_cut_but_a_sentence_citing_a_study_is_kept():
    citation = ("A. Nurlanova et al. 2023. Salt crusts of the Aral basin. Journal of Steppe Geology 12 (3): 101-117; "
                "doi: 10.5555/jsg.2023.12.101")
    assert cut_references(STORY + [citation]) == STORY
    cited = ("The survey, published by Nurlanova et al. 2023, found the crust had thickened, the team said; "
             "the data are at doi: 10.5555/jsg.2023.12.101.")
    assert cut_references(STORY + [cited]) == STORY + [cited]
