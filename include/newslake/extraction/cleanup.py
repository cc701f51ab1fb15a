"""Body clean-up rules applied to extracted paragraphs: headline and menus, furniture, rights notices."""

from __future__ import annotations

import re

from .authors import normalise_authors


def same_text(a: str, b: str) -> bool:
    """True when two texts have the same words, ignoring case and punctuation."""
    def norm(s: str) -> str:
        return " ".join(re.findall(r"\w+", s.lower()))

    return norm(a) == norm(b)


_FURNITURE_RE = re.compile(
    r"^(?:©|\(c\)|copyright\b)|all rights reserved|все права защищены|reproduction of (?:materials|content)"
    r"|(?:подпишитесь|подписывайтесь) на (?:нашу|наш|наши|рассылку|канал)|sign up (?:for|to) (?:our|the) \w*\s?newsletter"
    r"|subscribe to our|перепечатка (?:материалов|запрещена)|при (?:использовании|цитировании) материалов"
    r"|^(?:share|follow us|subscribe|advertisement|реклама|поделиться)\b",
    re.IGNORECASE,
)


# Rights notices end the story on every site that prints one: nothing after them is article text.
_END_MARKER_RE = re.compile(
    r"all rights reserved|все права защищены|права защищены|исключительные права|правовые ограничения"
    r"|(?:допускается|разрешается|запрещается) (?:цитирование|перепечатка|копирование|использование)"
    r"|(?:перепечатка|републикация|цитирование|копирование)[^.]{0,80}(?:ссылк|гиперссылк|согласовани|разрешени)"
    r"|may not be (?:reproduced|republished|redistributed)|without (?:the )?(?:prior )?written permission",
    re.IGNORECASE,
)
# a rights notice that opens by citing the law ('Under article 26 of the Law on ... the agency's output is its
# property'); such notices run long, so they are matched on their opening only
_RIGHTS_OPENING_RE = re.compile(
    r"^(?:согласно|в соответствии со?|under|according to) [^.]{0,80}(?:закон|law|act\b)[^.]{0,160}"
    r"(?:прав\w* собственност|авторск\w* прав|(?:is|are) (?:the )?(?:exclusive )?property of|protected by copyright)",
    re.IGNORECASE,
)
# a list of headlines each starting with its date or time: '27.11 \ 15:00 Title', '22:48 / 09.04.2013 Title'
_DATED_LINE_RE = re.compile(r"^\W*\d{1,2}[.:/]\d{2}(?:[.:/]\d{2,4})?\b")
_MONTH = (r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр|jan|feb|mar|apr|may|jun"
          r"|jul|aug|sep|oct|nov|dec)\w*\.?")
# the same lists with a spelled month ('28 ноября в 16:39 Title'), or the date/time or a view counter at the
# end ('Title 26 ноября 2011, 6:19', 'Title [10047]')
_SPELLED_DATE_LINE_RE = re.compile(rf"^\W*(?:\w+, )?\d{{1,2}} {_MONTH}(?: \d{{4}})?,?(?: (?:в )?\d{{1,2}}:\d{{2}})?(?:\s|$)",
                                   re.IGNORECASE)
_DATED_END_RE = re.compile(rf"(?:\d{{1,2}} {_MONTH},? \d{{4}}(?: г\.?)?(?:,? \d{{1,2}}:\d{{2}})?"
                           rf"|\d{{1,2}}:\d{{2}},? \d{{1,2}} {_MONTH}(?:,? \d{{4}})?|\[\d+\])\s*$", re.IGNORECASE)
# what a bare date stamp is made of: 'четверг, 05.01.2012, 10:43', 'Saturday December 23, 2023 09:30 PM EST'
_STAMP_PART_RE = re.compile(
    rf"\d+|{_MONTH}|(?:понедельник|вторник|сред[аy]|четверг|пятниц[аy]|суббот[аy]|воскресенье|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\.?|года?\.?|г\.|в|at|on|am|pm"
    r"|[ap]\.m\.|utc|gmt|[ecmp][sd]t|msk|мск|updated|published|обновлено|опубликовано",
    re.IGNORECASE,
)


_CALENDAR_TOKEN_RE = re.compile(r"^(?:\d{1,2}|пн|вт|ср|чт|пт|сб|вс|mo|tu|we|th|fr|sa|su|mon|tue|wed|thu|fri|sat|sun)$",
                                re.IGNORECASE)


def is_calendar(paragraph: str) -> bool:
    """A month calendar widget: a grid of day numbers and weekday abbreviations."""
    tokens = paragraph.split()
    return len(tokens) >= 7 and sum(1 for t in tokens if _CALENDAR_TOKEN_RE.match(t)) >= 0.8 * len(tokens)


def is_date_stamp(paragraph: str) -> bool:
    """A line that holds only a date and time (page metadata printed in the text column), not a sentence;
    a lone month or weekday name is an archive link."""
    words = len(paragraph.split())
    if words > 8 or (words > 1 and not re.search(r"\d", paragraph)):
        return False
    rest = _STAMP_PART_RE.sub(" ", paragraph)
    return not re.search(r"\w", rest)


# cross-links placed inside the story text: 'Read also: …', 'Читайте также: …'
_CROSS_LINK_RE = re.compile(
    r"^\[?(?:read (?:also|more)|see also|also (?:read|see)|related(?: stories| articles)?|more on this|more(?= ?:)"
    r"|required reading|читай(?:те)? (?:также|еще|ещё)|ранее на тему"
    r"|смотрите также|см\. также|по теме|оқыңыз|окуңуз)\b\s*[:.\-–—]?",
    re.IGNORECASE,
)
# a summary box above the story: a 'Key points' label and its bullet lines
_SUMMARY_LABEL_RE = re.compile(r"^(?:key (?:points|facts|takeaways)|highlights|in brief|summary|главное|коротко"
                               r"|кратко|основное)\s*:?$", re.IGNORECASE)


# the attribution line under an embedded post: '— Simon Ateba (@simonateba) December 19, 2023'
_POST_CREDIT_RE = re.compile(r"^[—–-]\s*.{1,80}\(@\w{1,15}\)\s+\w+\.?\s+\d{1,2},\s+\d{4}\s*$")
# a recommendation block's label, followed by its bullet lines: 'Read Next:', 'Don't Miss:', 'More From TIME'
_LINK_LIST_LABEL_RE = re.compile(
    r"^(?:don['’]t miss|read next|recommended(?: for you| stories| reading)?|more from [\w'’ ]{1,30}"
    r"|you (?:may|might) also like|trending(?: now)?|most popular|popular now|more stories|top stories"
    r"|editor['’]s picks|what to read next|up next|keep reading|more must-reads from [\w'’ ]{1,30}|читайте также"
    r"|самое читаемое|популярное|больше по теме|читайте в (?:этом )?разделе[^:]{0,40})\s*[:.]?$",
    re.IGNORECASE,
)
_BULLETS = ("- ", "• ", "* ")
# page tools and site notices printed inside the text column: never part of a story, wherever they sit
_SITE_CHROME_RE = re.compile(
    r"версия для (?:печати|pda)|оцените,? (?:пожалуйста,? )?(?:статью|материал)|нашли (?:опечатку|ошибку)"
    r"|выделите (?:её|ее|любой фрагмент|текст)[^.]{0,40}(?:нажмите|ctrl)|присоединяйтесь к нам"
    r"|свидетельство о регистрации сми|трансляция новостей на вашем"
    r"|^(?:другие новости раздела|главные события|ссылки по теме|новости по теме)\s*:?$"
    r"|^print (?:this )?(?:page|article)$|^(?:rate|share) this (?:article|story)\b|found a typo"
    r"|(?:читайте|следите за) [^.]{0,40}в социальных сетях|\brss[- ]?(?:2\.0|лент)|something went wrong"
    r"|^(?:твитнуть|порекомендовать другу|отправить комментарий|автор:|в статье|или скопируйте готовый код:?)$"
    r"|введите,? (?:пожалуйста,? )?логин и пароль|войдите или зарегистрируйтесь|log in or (?:register|sign up) to",
    re.IGNORECASE,
)


def drop_site_chrome(paragraphs: list[str]) -> list[str]:
    """Drop short page-tool and site-notice lines ('Версия для печати', 'Оцените статью', ...) anywhere."""
    return [p for p in paragraphs if len(p.split()) > 20 or not _SITE_CHROME_RE.search(p)]


def cut_tail_link_block(paragraphs: list[str]) -> list[str]:
    """Cut a closing block that starts with a short label ('Каталог NEWSru.com:') and holds only short lines."""
    for index in range(max(1, len(paragraphs) * 3 // 5), len(paragraphs)):
        label = paragraphs[index].strip()
        if label.endswith(":") and len(label.split()) <= 4:
            rest = paragraphs[index + 1:]
            if all(len(p.split()) <= 12 for p in rest):
                return paragraphs[:index]
    return paragraphs


def drop_embedded_posts(paragraphs: list[str]) -> list[str]:
    """Drop embedded social posts: the '— Name (@handle) Month D, YYYY' credit line and the post text above it."""
    keep = [True] * len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if _POST_CREDIT_RE.match(paragraph.strip()):
            keep[index] = False
            if index and len(paragraphs[index - 1].split()) <= 80:
                keep[index - 1] = False
    return [p for p, k in zip(paragraphs, keep, strict=True) if k]


def drop_link_lists(paragraphs: list[str]) -> list[str]:
    """Drop a 'Read Next:' / 'Recommended' label and the bullet lines of other stories under it."""
    out: list[str] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        if _LINK_LIST_LABEL_RE.match(paragraph.strip()):
            end = index + 1
            while end < len(paragraphs) and paragraphs[end].lstrip().startswith(_BULLETS):
                end += 1
            index = end
            continue
        out.append(paragraph)
        index += 1
    return out


def drop_summary_box(paragraphs: list[str]) -> list[str]:
    """Remove a 'Key points' label and its bullet lines near the start."""
    for index, paragraph in enumerate(paragraphs[:3]):
        if _SUMMARY_LABEL_RE.match(paragraph.strip()):
            end = index + 1
            while end < len(paragraphs) and paragraphs[end].lstrip().startswith(("- ", "• ", "* ", "— ")):
                end += 1
            if end > index + 1:
                return paragraphs[:index] + paragraphs[end:]
    return paragraphs


def is_cross_link(paragraph: str) -> bool:
    """A short 'Read also: …' line pointing at another story."""
    return len(paragraph.split()) <= 25 and _CROSS_LINK_RE.match(paragraph) is not None


def is_furniture(paragraph: str) -> bool:
    """A short copyright, subscription, share or advertising line."""
    words = len(paragraph.split())
    return (words <= 40 and bool(_FURNITURE_RE.search(paragraph))) or (words <= 8 and "©" in paragraph)


def is_headline_list(paragraph: str) -> bool:
    """A multi-line block whose lines mostly start with a date or time (a list of other stories)."""
    lines = paragraph.split("\n")
    return len(lines) >= 3 and sum(1 for line in lines if _DATED_LINE_RE.match(line)) >= 0.6 * len(lines)


def _is_dated_line(paragraph: str) -> bool:
    return len(paragraph.split()) <= 20 and bool(
        _DATED_LINE_RE.match(paragraph) or _SPELLED_DATE_LINE_RE.match(paragraph) or _DATED_END_RE.search(paragraph))


def drop_dated_runs(paragraphs: list[str]) -> list[str]:
    """Drop headline lists: runs of short lines that each carry a date or time, also when a teaser or title line
    sits between the dated ones ('10:11' / 'Title' / '10:06' / 'Title')."""
    dated = [_is_dated_line(p) for p in paragraphs]
    keep = [True] * len(paragraphs)
    index = 0
    while index < len(paragraphs):
        if not dated[index]:
            index += 1
            continue
        # extend over dated lines that are at most one short undated line apart
        end = index
        while True:
            if end + 1 < len(paragraphs) and dated[end + 1]:
                end += 1
            elif end + 2 < len(paragraphs) and dated[end + 2] and len(paragraphs[end + 1].split()) <= 30:
                end += 2
            else:
                break
        count = sum(dated[index:end + 1])
        if count >= 3 and end - index + 1 > count:  # alternating: the last dated line's title follows it
            if end + 1 < len(paragraphs) and len(paragraphs[end + 1].split()) <= 30 and not dated[end + 1]:
                end += 1
        if count >= 3:
            keep[index:end + 1] = [False] * (end + 1 - index)
        index = end + 1
    return [p for p, k in zip(paragraphs, keep, strict=True) if k and not is_headline_list(p)]


def cut_after_rights_notice(paragraphs: list[str]) -> list[str]:
    """Cut the body at a rights notice in its second half; what follows is site furniture."""
    for index in range(len(paragraphs) // 2, len(paragraphs)):
        words = len(paragraphs[index].split())
        if (words <= 80 and _END_MARKER_RE.search(paragraphs[index])) or (
                words <= 200 and _RIGHTS_OPENING_RE.match(paragraphs[index])):
            return paragraphs[:index]
    return paragraphs


def drop_heading(paragraphs: list[str], title: str | None) -> tuple[list[str], bool]:
    """Drop the headline and the short lines above it (menu items, section label); True if found."""
    if not title:
        return paragraphs, False
    for index, paragraph in enumerate(paragraphs[:15]):
        if same_text(paragraph, title):
            if all(len(p.split()) <= 8 for p in paragraphs[:index]):
                return paragraphs[index + 1:], True
            break
    return paragraphs, False


def is_trailing_junk(paragraph: str) -> bool:
    """A short label left at the end (menu link, button): no sentence, not a person's name."""
    words = paragraph.split()
    if len(words) > 3 or paragraph.rstrip().endswith((".", "!", "?", "…", "\"", "”", "»")):
        return False
    return not normalise_authors(paragraph, min_tokens=2)
