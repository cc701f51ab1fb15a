"""Blocks around the story that are not story: newsletter promos, author bios, reader comments, site footers."""

from __future__ import annotations

import re

# A newsletter or alert promo printed in the text column; matched on short lines only. 'Inbox' alone is not
# enough (a story may mention one): the line must also address the reader the way sign-up boxes do.
_PROMO_RE = re.compile(
    r"thank you for subscribing|this newsletter may contain|by submitting your (?:email|information)"
    r"|you can unsubscribe at any time|newsletter sign[- ]?up|sign up for (?:our|the) [\w ]{0,30}newsletter"
    r"|sign up for [\w'’ .-]{0,40}newsletters?\b|^\W{0,3}not a subscriber\b|subscribe wherever you get your podcasts"
    r"|^subscribe to [\w ]{1,40} to \w|start your [\w ]{0,30}subscription|^get the latest [\w ]{0,40}from|подпишитесь на (?:нашу )?рассылку|получайте (?:новости|лучшие материалы)",
    re.IGNORECASE,
)
_INBOX_RE = re.compile(r"\byour inbox\b", re.IGNORECASE)
_READER_CUE_RE = re.compile(r"^\W*(?:want|stay)\b|\b(?:get|sign up|join|subscribe|receive)\b|\bwe['’]ll send\b",
                            re.IGNORECASE)
# Closing notes about the writer or the piece's origin: 'Jane Roe is a reporter at ...', 'Contact ... at',
# 'This story originally appeared in ...', '... print edition under the headline ...'.
_CLOSING_NOTE_RE = re.compile(
    r"^\W{0,3}(?:contact|reach|email) (?:reporter |the (?:writer|author) |\w+(?: \w+)? at )"
    r"|^\W{0,3}(?:[A-Z][\w.'’-]+ ){1,3}(?:\([\w/]+\) )?(?:is|was|has been) (?:a|an|the|[A-Z][\w.-]*['’]s) [^.]{0,80}"
    r"(?:writer|reporter|editor|correspondent|journalist|columnist|contributor|producer|intern)\b"
    r"|^\W{0,3}(?:[A-Z][\w.'’-]+ ){1,3}(?:writes|reports|covers) (?:about|on|for) "
    r"|\bfollow (?:him|her|them|me|us) on (?:twitter|x|instagram|facebook|threads|linkedin)"
    r"|^\W{0,3}this (?:article|story|piece|post) (?:was )?(?:originally |first )?(?:appeared|published|ran)"
    r"|^\W{0,3}this (?:article|story|post)\b.{0,200}\boriginally appeared (?:on|in)\b[\w .-]{0,60}\W*$"
    r"|^\W{0,3}по материалам(?: (?:https?://\S+|[^\s,;:]+)){1,8}\s*$"  # the whole short line is the credit: no clause follows
    r"|print edition under the headline|^\W{0,3}(?:gallery|photo|image|video) credit:",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]{2,}")
# Where readers' comments start: a heading, a counter, a form label, or a forum post ('Name said: ...', '... Reply').
_COMMENTS_START_RE = re.compile(
    r"^(?:comments?|reader comments|\d+ comments?|комментари[йи]\s*\d*|отзывы|ваше мнение"
    r"|(?:leave|post|add) a (?:comment|reply)|(?:добавить|оставить|написать) (?:комментарий|отзыв)|комментировать"
    r"|join the (?:conversation|discussion))\s*[:(\d)]*$",
    re.IGNORECASE,
)
# the moderation notice printed above readers' comments
_COMMENT_POLICY_RE = re.compile(
    r"(?:комментари|сообщени)[^.]{0,80}(?:ответственност|без предварительного редактирования|редакционн\w* политик"
    r"|удаля|модерац)|(?:ответственност|редакционн\w* политик)[^.]{0,60}комментари"
    r"|комментари[^.]{0,80}жалоб|(?:зарегистрируйтесь|войдите)[^.]{0,40}(?:оставить|написать|добавить) комментари"
    r"|comments? (?:are|is) moderated|views expressed in (?:the )?comments|comment policy"
    r"|(?:log in|sign in|register) to (?:post a |leave a |add a )?comment",
    re.IGNORECASE,
)
_FORUM_POST_RE = re.compile(r"^[\w.-]{2,30} said:\S|\sReply$")  # quoted post glued to its label
# Site footers: a copyright line with a year, the newsroom's address and telephone lines.
_FOOTER_RE = re.compile(
    r"(?:©|\(c\)|®)\s*(?:\d{4}|[^\d\s]{2,})|\d{4}\s*(?:[-–]\s*\d{4}\s*)?©|^(?:тел|tel|phone|факс|fax)\.?\s*:"
    r"|^(?:e-?mail|адрес редакции|адрес|address)\s*:|^rss\s*:",
    re.IGNORECASE,
)
_SHORT = 40  # words: notes and footer lines are short; a longer paragraph is prose
_LAST_NOTE = 80
_PROMO_WORDS = 50  # a sign-up box may carry two sentences of pitch


def _words(paragraph: str) -> int:
    return len(paragraph.split())


def _is_heading(paragraph: str) -> bool:
    return _words(paragraph) <= 6 and not paragraph.rstrip().endswith((".", "!", "?", "…", "\"", "”", "»", ":"))


def drop_promos(paragraphs: list[str]) -> list[str]:
    """Drop newsletter promo lines anywhere, with the short heading right above one ('Stay informed')."""
    keep = [True] * len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if _words(paragraph) <= _PROMO_WORDS and (_PROMO_RE.search(paragraph) or (
                _INBOX_RE.search(paragraph) and _READER_CUE_RE.search(paragraph))):
            keep[index] = False
            if index and _is_heading(paragraphs[index - 1]):
                keep[index - 1] = False
    return [p for p, k in zip(paragraphs, keep, strict=True) if k]


def is_closing_note(paragraph: str, *, last: bool = False) -> bool:
    """A short note about the writer (bio, contact address) or where the piece first appeared."""
    # the story's very last paragraph may carry a fuller bio: a few sentences of career
    if _words(paragraph) > (_LAST_NOTE if last else _SHORT):
        return False
    if _CLOSING_NOTE_RE.search(paragraph):
        return True
    return bool(_EMAIL_RE.search(paragraph)) and _words(paragraph) <= 25


def drop_closing_notes(paragraphs: list[str]) -> list[str]:
    """Drop writer bios, contact lines and origin notes among the last three paragraphs."""
    start = max(1, len(paragraphs) - 3)
    last = len(paragraphs) - 1
    return paragraphs[:start] + [p for i, p in enumerate(paragraphs[start:], start)
                                 if not is_closing_note(p, last=i == last)]


def cut_comments(paragraphs: list[str]) -> list[str]:
    """Cut the body where a reader-comments block starts in its second half."""
    for index in range(max(1, len(paragraphs) // 2), len(paragraphs)):
        paragraph = paragraphs[index].strip()
        if _COMMENTS_START_RE.match(paragraph) or (_words(paragraph) <= 200 and _FORUM_POST_RE.search(paragraph)) or (
                _words(paragraph) <= 60 and _COMMENT_POLICY_RE.search(paragraph)):
            return paragraphs[:index]
    return paragraphs


def cut_footer(paragraphs: list[str]) -> list[str]:
    """Cut a site footer: from a copyright/contact line after which only short lines follow (in the last third,
    or earlier when the block holds a second such line)."""
    footer = [_words(p) <= 30 and bool(_FOOTER_RE.search(p)) for p in paragraphs]
    for index in range(1, len(paragraphs)):
        if footer[index] and all(_words(p) <= 30 for p in paragraphs[index + 1:]):
            if index >= len(paragraphs) * 2 // 3 or sum(footer[index:]) >= 2:
                return paragraphs[:index]
    return paragraphs


def cut_trailing_headlines(paragraphs: list[str]) -> list[str]:
    """Cut a closing run of four or more other stories' headlines: short unpunctuated lines, no bullets."""
    start = len(paragraphs)
    while start > 1:
        text = paragraphs[start - 1].strip()
        if _words(text) > 16 or text.endswith(_SENTENCE_END[:-1]) or text.startswith(("- ", "• ", "* ")):
            break
        start -= 1
    return paragraphs[:start] if len(paragraphs) - start >= 4 else paragraphs


# A link label under another story's teaser: 'Read more', 'Continue reading', 'Читать дальше', 'Смотреть'.
_TEASER_LINK_RE = re.compile(
    r"^(?:read more|continue reading|read the full (?:story|article)|watch(?: now| video)?|читать (?:дальше|далее|полностью)"
    r"|подробнее|смотреть|узнать больше)\s*(?:[»›>→…]|\.\.\.)?$",
    re.IGNORECASE,
)


# a headline that is itself the link to another story ('Title >>>'), or an aggregator's teaser of another
# site's story ('example.ru: The first sentence ...')
_LINK_ARROW_RE = re.compile(r"(?:>>>|»»|→)\s*$|^[\w-]+(?:\.[\w-]+)*\.(?:ru|ua|kz|by|uz|kg|com|net|org|info)\s*:\s")
# a photo credit line: 'Фото: ИТАР-ТАСС', 'Photo: Jane Roe', or a caption ending 'Фото site.ru'
_PHOTO_CREDIT_RE = re.compile(r"^(?:фото|photo|фотография|иллюстрация)\s*(?::|с\s)|\sфото:?\s+\S+(?:\s\S+)?\s*$",
                              re.IGNORECASE)


def is_photo_credit(paragraph: str) -> bool:
    """A short photo credit or a caption that ends with one."""
    return _words(paragraph) <= 25 and bool(_PHOTO_CREDIT_RE.search(paragraph.strip()))


def drop_teasers(paragraphs: list[str]) -> list[str]:
    """Drop 'Read more' / 'Читать дальше' link labels with the other story's teaser right above each,
    headlines that end in a link arrow, and photo credits."""
    keep = [_words(p) > 80 or not (_LINK_ARROW_RE.search(p) or is_photo_credit(p)) for p in paragraphs]
    for index, paragraph in enumerate(paragraphs):
        if _TEASER_LINK_RE.match(paragraph.strip()):
            keep[index] = False
            if index and _words(paragraphs[index - 1]) <= 60:
                keep[index - 1] = False
    return [p for p, k in zip(paragraphs, keep, strict=True) if k]


_SENTENCE_END = (".", "!", "?", "…", "\"", "'", "”", "’", "»", ":", ";", ")")


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}


def drop_captions(paragraphs: list[str]) -> list[str]:
    """Drop photo captions that restate a story sentence: unpunctuated lines of 8-40 words whose wording
    mostly appears in a punctuated paragraph (a subheading is new text; a list item starts with a bullet)."""
    if len(paragraphs) < 4:
        return paragraphs
    candidates = [i for i, p in enumerate(paragraphs)
                  if 8 <= _words(p) <= 40 and not p.rstrip().endswith(_SENTENCE_END) and "\n" not in p
                  and not p.lstrip().startswith(("- ", "• ", "* "))]
    if not candidates:
        return paragraphs
    shingles = [_shingles(p) for p in paragraphs]
    drop: set[int] = set()
    for i in candidates:
        own = shingles[i]
        # the sentence it restates is punctuated prose: near-identical product or list lines are not captions
        if own and any(j != i and paragraphs[j].rstrip().endswith(_SENTENCE_END)
                       and len(own & shingles[j]) >= 0.6 * len(own) for j in range(len(paragraphs))):
            drop.add(i)
    return [p for i, p in enumerate(paragraphs) if i not in drop]


# Where a science story's reference list starts: a 'More information:' label with its citation, or a
# 'References' / 'Footnotes' heading line (a rule line alone also separates a roundup's sections, so it is no cue).
_REFERENCES_RE = re.compile(r"^(?:more information|journal information|references|footnotes|sources|bibliography"
                            r"|список литературы|литература|источники)\s*(?::|$)", re.IGNORECASE)


# An unlabelled closing citation: 'A. Author et al. 2023. Title. Journal 69 (4): 337-352; doi: 10.1234/x'.
_CITATION_RE = re.compile(r"\bet al\.,? \(?(?:19|20)\d\d\)?\. ")  # in prose the year is followed by a comma
_DOI_RE = re.compile(r"\bdoi:\s*10\.\d{4,}/|\bdoi\.org/10\.\d{4,}/", re.IGNORECASE)


def _is_citation(paragraph: str) -> bool:
    return _words(paragraph) <= 80 and bool(_DOI_RE.search(paragraph)) and bool(_CITATION_RE.search(paragraph))


def cut_references(paragraphs: list[str]) -> list[str]:
    """Cut a closing reference list (citations, footnotes) that starts in the body's second half."""
    for index in range(max(1, len(paragraphs) // 2), len(paragraphs)):
        if _REFERENCES_RE.match(paragraphs[index].strip()):
            return paragraphs[:index]
        # a bare citation with a DOI among the last two paragraphs, with no label above it
        if index >= len(paragraphs) - 2 and _is_citation(paragraphs[index]):
            return paragraphs[:index]
    return paragraphs
