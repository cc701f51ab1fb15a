"""Miss kinds found on the public corpora: embedded social posts and recommendation lists kept, a dek lost."""

from __future__ import annotations

from newslake.extraction import extract_article
from newslake.extraction.cleanup import drop_embedded_posts, drop_link_lists

STORY = ("The city council approved the budget on Tuesday after a debate that lasted most of the night, "
         "with members split over the cost of repairing the old market hall.")


def test_an_embedded_post_and_its_credit_line_are_dropped():
    paragraphs = [STORY, "BREAKING: council passes budget pic.twitter.com/abc123",
                  "— City Reporter (@cityreporter) December 19, 2023", "The mayor welcomed the vote."]
    assert drop_embedded_posts(paragraphs) == [STORY, "The mayor welcomed the vote."]


def test_a_recommendation_label_and_its_bullets_are_dropped_but_story_bullets_stay():
    paragraphs = [STORY, "The plan includes:", "- a new roof", "- wider doors", "Read Next:",
                  "- Another story about the council", "- A third story", "The work starts in May."]
    assert drop_link_lists(paragraphs) == [STORY, "The plan includes:", "- a new roof", "- wider doors",
                                           "The work starts in May."]


def test_a_dek_shown_under_the_headline_opens_the_body():
    dek = "A late-night vote ends months of argument over the market hall."
    html = f"""<html><head><title>Council passes budget</title><meta name="description" content="{dek}"></head>
<body><header><h1>Council passes budget</h1><p class="dek">{dek}</p></header>
<article><p>{STORY}</p><p>{STORY.replace("Tuesday", "Wednesday")}</p></article></body></html>"""
    article = extract_article(html, "https://example.org/news/budget")
    assert article.body.startswith(dek + "\n\n" + STORY[:40])


def test_a_description_that_is_not_shown_on_the_page_is_not_added():
    html = f"""<html><head><title>Council passes budget</title>
<meta name="description" content="Read the latest council news and more from our city desk today."></head>
<body><h1>Council passes budget</h1><article><p>{STORY}</p><p>{STORY}</p></article></body></html>"""
    article = extract_article(html, "https://example.org/news/budget")
    assert article.body.startswith(STORY[:40])


def test_page_tools_and_a_closing_link_block_are_dropped():
    from newslake.extraction.cleanup import cut_tail_link_block, drop_site_chrome

    story = ["Суд в Бишкеке оштрафовал блогера за публикацию о ценах на воду, сообщил его адвокат.",
             "Адвокат заявил, что решение будет обжаловано в вышестоящем суде в течение месяца.",
             "Блогер настаивает, что его публикация основана на открытых данных мэрии."]
    tail = ["Версия для печати | Версия для PDA", "Оцените, пожалуйста, статью. Нам важно Ваше мнение.",
            "Каталог NEWSru.com:", "Информационные интернет-ресурсы", "Средства массовой информации"]
    assert cut_tail_link_block(drop_site_chrome(story + tail)) == story
    assert cut_tail_link_block(story) == story
