"""Miss kinds found on the public corpora: promos, writer notes, comments, footers, headline lists, teasers, captions."""

from __future__ import annotations

from newslake.extraction import extract_article
from newslake.extraction.cleanup import drop_dated_runs
from newslake.extraction.tails import (
    cut_comments,
    cut_footer,
    drop_captions,
    drop_closing_notes,
    drop_promos,
    drop_teasers,
)
from pagekit import STORY, page


def test_a_newsletter_promo_and_its_heading_are_dropped_wherever_they_sit():
    promo = ["Stay in the loop", "Get the week's best stories from our desk delivered to your inbox every Friday."]
    assert drop_promos(STORY[:2] + promo + STORY[2:]) == STORY


def test_a_story_that_mentions_newsletters_in_long_prose_keeps_it():
    prose = ("The regulator said the publisher's weekly newsletter, which lands in your inbox on Mondays, had "
             "reached forty thousand readers before the ministry asked telecom operators to block its site.")
    assert drop_promos(STORY + [prose]) == STORY + [prose]


def test_writer_bio_contact_line_and_origin_note_at_the_end_are_dropped():
    tail = ["Aida Nurlanovna is a senior reporter at the Steppe Courier covering courts and media law.",
            "Contact reporter Aida Nurlanovna at aida@steppe-courier.example.",
            "This story originally appeared in the Steppe Courier weekend edition."]
    assert drop_closing_notes(STORY + tail) == STORY


def test_a_writer_note_inside_the_story_is_kept():
    quote = "Aida Nurlanovna is a senior reporter at the paper, the court heard."
    paragraphs = [STORY[0], quote, *STORY[1:]]
    assert drop_closing_notes(paragraphs) == paragraphs


def test_reader_comments_are_cut_where_they_start():
    comments = ["Comments (12)", "I was in court that day and the judge barely listened.", "Same here."]
    assert cut_comments(STORY + comments) == STORY
    forum = ["steppe_reader said:The fine is bigger than the paper's yearly budget.", "Agreed with you. Reply"]
    assert cut_comments(STORY + forum) == STORY


def test_a_quote_introduced_with_said_is_not_a_comment():
    paragraphs = STORY + ["She said: 'We will appeal again.'", "The appeal is due in March."]
    assert cut_comments(paragraphs) == paragraphs


def test_a_site_footer_after_the_story_is_cut():
    footer = ["2004-2024 © Степной курьер", "тел.: +7 727 000 00 00", "E-mail: news@steppe-courier.example"]
    assert cut_footer(STORY + footer) == STORY


def test_a_headline_list_with_times_between_titles_is_dropped():
    listing = ["10:11", "Мост закрыли на ремонт", "10:06", "В Таразе открыли новую школу",
               "09:58", "Суд отложил заседание", "09:40", "Погода на выходные"]
    assert drop_dated_runs(STORY + listing) == STORY
    spelled = ["- Блогеру продлили арест 26 ноября 2024, 6:19", "- Газету оштрафовали 24 ноября 2024, 19:42",
               "- Сайт заблокировали 23 ноября 2024, 12:22"]
    assert drop_dated_runs(STORY + spelled) == STORY


def test_story_paragraphs_that_mention_dates_stay():
    paragraphs = ["The hearing on 12 March 2024 lasted an hour.", *STORY, "The next hearing is on 2 April."]
    assert drop_dated_runs(paragraphs) == paragraphs


def test_another_storys_teaser_and_its_read_more_label_are_dropped():
    teaser = "Ещё одна редакция получила предупреждение прокуратуры за публикацию о выборах."
    assert drop_teasers(STORY + [teaser, "Читать дальше"]) == STORY


def test_a_caption_restating_a_story_sentence_is_dropped_but_a_new_subheading_stays():
    caption = "The publisher said it would take the case to the Supreme Court on Tuesday"
    heading = "What the fine means for small newsrooms in the region"
    paragraphs = [STORY[0], caption, STORY[1], heading, STORY[2], STORY[3]]
    assert drop_captions(paragraphs) == [STORY[0], STORY[1], heading, STORY[2], STORY[3]]


def test_similar_product_lines_are_not_taken_for_captions():
    lines = [STORY[0], *(f"Winter Jacket model {n} in navy Sale Price $49 Regular Price $98 USD" for n in range(4)),
             STORY[1]]
    assert drop_captions(lines) == lines


def test_the_kinds_are_removed_from_a_whole_page():
    after = ("<p>Aida Nurlanovna is a senior reporter at the Steppe Courier covering courts.</p>"
             "<h3>Stay in the loop</h3><p>Get our best stories delivered to your inbox every Friday.</p>")
    article = extract_article(page(after=after), "https://steppe-courier.example/news/court-upholds-fine")
    assert article.body == "\n\n".join(STORY)


def test_bare_date_stamps_are_dropped_but_sentences_with_dates_stay():
    from newslake.extraction.cleanup import is_date_stamp

    for stamp in ("четверг, 05.01.2012, 10:43", "14:39 | 25.11.2011", "17 января 2012 г. (13:17)",
                  "Saturday December 23, 2023 09:30 PM EST", "Updated: Dec. 5, 2023 at 3:10 p.m. EST"):
        assert is_date_stamp(stamp), stamp
    for sentence in ("The hearing resumes on 12 March.", "The 2023 season", "May 2024 budget"):
        assert not is_date_stamp(sentence), sentence


def test_photo_credits_and_arrow_links_to_other_stories_are_dropped():
    paragraphs = [STORY[0], "Фото: пресс-служба суда", STORY[1], "Здание суда в Таразе. Фото court.example",
                  STORY[2], "Ещё один суд оштрафовал редакцию >>>", STORY[3]]
    assert drop_teasers(paragraphs) == STORY


def test_a_sign_up_box_with_two_sentences_of_pitch_is_dropped():
    pitch = ("Join the readers who follow the Steppe Courier for the inside story on courts and media law across "
             "the region, every week since 2004. We'll send breaking news and our long reads straight to your inbox.")
    assert drop_promos([*STORY, "Stay informed", pitch]) == STORY


def test_a_long_footer_after_a_short_story_is_cut():
    story = STORY[:2]
    footer = ["RSS: Степной курьер", "Степной курьер ®", "2004-2024 © Степной курьер", "тел.: +7 727 000 00 00",
              "E-mail: news@steppe-courier.example", "Реклама на сайте", "О редакции"]
    assert cut_footer(story + footer) == story


def test_a_closing_run_of_other_headlines_is_cut_but_a_bulleted_list_stays():
    from newslake.extraction.tails import cut_trailing_headlines

    headlines = ["Мост в Таразе закроют на ремонт", "Суд отложил заседание по делу редакции",
                 "В Алматы открылась выставка фотографий", "Погода на выходные (ВИДЕО)"]
    assert cut_trailing_headlines(STORY + headlines) == STORY
    bullets = [f"- {h}" for h in headlines]
    assert cut_trailing_headlines(STORY + bullets) == STORY + bullets
    assert cut_trailing_headlines(STORY + headlines[:3]) == STORY + headlines[:3]


def test_a_comment_moderation_notice_starts_the_comments():
    notice = "Редакция не несет ответственности за содержание комментариев читателей."
    assert cut_comments(STORY + [notice, "Полностью согласен с автором!"]) == STORY


def test_a_calendar_widget_and_an_aggregator_teaser_are_dropped():
    from newslake.extraction.cleanup import is_calendar

    assert is_calendar("Пн Вт Ср Чт Пт Сб Вс 1 2 3 4 5 6 7\n8 9 10 11 12 13 14")
    assert not is_calendar("The court fined 3 of the 7 newspapers on 12 May 2024.")
    teaser = "example.ru: Ещё одна редакция получила предупреждение прокуратуры."
    assert drop_teasers([*STORY, teaser]) == STORY


def test_a_closing_reference_list_is_cut_but_a_sentence_about_more_information_stays():
    from newslake.extraction.tails import cut_references

    refs = ["More information: A. Author et al, Court fines and small newsrooms, Journal of Media Law (2024).",
            "The Steppe Media Foundation has more about press fines."]
    assert cut_references(STORY + refs) == STORY
    sentence = "More information about the appeal can be found on the court's website."
    assert cut_references([*STORY, sentence]) == [*STORY, sentence]


def test_a_paywall_bookmark_pitch_is_a_promo():
    pitch = ["Subscribe to Steppe Courier Plus to bookmark this article",
             "Want to save stories to read later? Start your Steppe Courier Plus subscription today."]
    assert drop_promos(STORY + pitch) == STORY
