"""Page widgets that land in the text column: data panels, partner-link lines, embed leftovers, tag lines."""

from __future__ import annotations

import re

_DIGIT_RE = re.compile(r"\d")
# Several partner sites named in one short block ('Weather on Sinoptik.ua. Jobs on JOB.ukr.net. ...').
_DOMAIN_RE = re.compile(r"\b(?:[\w-]+\.)+(?:ua|ru|kz|kg|uz|by|tj|az|am|ge|net|com|org|info|tv|su)\b", re.IGNORECASE)
# An embedded social post whose markup was printed as text, or the placeholder a blocked embed leaves.
_LEAKED_MARKUP_RE = re.compile(r"<a href=|&ref_src=|</?(?:blockquote|p|div|span)>")
_EMBED_PLACEHOLDER_RE = re.compile(
    r"^(?:waiting for your permission to load|view this post on (?:instagram|tiktok|x|twitter)|a post shared by"
    r"|this (?:content|embed) (?:is not available|cannot be displayed))",
    re.IGNORECASE,
)
# A line that ends in a view or comment counter: '... 81052 просмотра', '... (2)'.
_COUNTER_END_RE = re.compile(r"(?:\d+\s*(?:просмотр\w*|прочтени\w*|комментари\w*|views?)|\(\d+\))\s*$", re.IGNORECASE)
# 'Our site on Facebook, on Twitter, on VKontakte': a row of social-network links
_SOCIAL_RE = re.compile(r"\b(?:facebook|twitter|вконтакте|vkontakte|instagram|telegram|youtube|одноклассники|"
                        r"социальных сетях)\b", re.IGNORECASE)
_TAGS_RE = re.compile(r"^(?:теги|тэги|метки|tags|ключевые слова)\s*:", re.IGNORECASE)
# WordPress-style closing line about where the entry was filed and how to follow replies to it.
_POSTED_IN_RE = re.compile(
    r"\b(?:responses?|ответы|комментарии)\b[^.]{0,60}\bRSS\b|^(?:this entry was posted|новость была оставлена|запись"
    r" опубликована)\b",
    re.IGNORECASE,
)
_PANEL_LINE_TOKENS = 14  # a readout line is short: a label and a few figures


def _lines(paragraph: str) -> list[str]:
    return [line for line in paragraph.split("\n") if line.strip()]


def _is_readout(line: str) -> bool:
    tokens = line.split()
    return 0 < len(tokens) <= _PANEL_LINE_TOKENS and sum(1 for t in tokens if _DIGIT_RE.search(t)) >= 0.4 * len(tokens)


def is_data_panel(paragraph: str) -> bool:
    """A block of four or more lines, most of them short figure readouts (quotes, rates, nutrition panel)."""
    if "\n" not in paragraph:
        return False
    lines = _lines(paragraph)
    return len(lines) >= 4 and sum(1 for line in lines if _is_readout(line)) >= 0.6 * len(lines)


def is_partner_links(paragraph: str) -> bool:
    """A short block naming three or more other sites, a dozen words or fewer per site."""
    if "." not in paragraph:
        return False
    sites = {match.casefold() for match in _DOMAIN_RE.findall(paragraph)}
    return len(sites) >= 3 and len(paragraph.split()) <= 12 * len(sites)


def is_ranked_list(paragraph: str) -> bool:
    """A multi-line list of other stories, most lines ending in a view or comment counter."""
    if "\n" not in paragraph:
        return False
    lines = _lines(paragraph)
    return len(lines) >= 3 and sum(1 for line in lines if _COUNTER_END_RE.search(line)) >= 0.6 * len(lines)


def is_embed_leftover(paragraph: str) -> bool:
    """An embedded post printed as markup, or a blocked embed's placeholder line."""
    if "<" in paragraph and _LEAKED_MARKUP_RE.search(paragraph):
        return True
    return len(paragraph.split()) <= 25 and _EMBED_PLACEHOLDER_RE.match(paragraph.strip()) is not None


def is_social_row(paragraph: str) -> bool:
    """A short line of social-network links: mostly network names, or 'in social networks'."""
    words = len(paragraph.split())
    if words > 20:
        return False
    names = {match.casefold() for match in _SOCIAL_RE.findall(paragraph)}
    # a sentence that mentions two networks is story; a row of links is little else than their names
    return "социальных сетях" in names or (len(names) >= 2 and 4 * len(names) >= words)


def is_tag_line(paragraph: str) -> bool:
    """A 'Tags: a, b, c' line."""
    return len(paragraph.split()) <= 40 and _TAGS_RE.match(paragraph.strip()) is not None


def drop_widgets(paragraphs: list[str]) -> list[str]:
    """Drop data panels, partner-link blocks, ranked lists, embed leftovers, tag lines and social rows anywhere."""
    return [p for p in paragraphs if not (is_data_panel(p) or is_partner_links(p) or is_ranked_list(p)
                                          or is_embed_leftover(p) or is_tag_line(p) or is_social_row(p))]


def cut_posted_in(paragraphs: list[str]) -> list[str]:
    """Cut the body at a closing 'posted in <category>, follow replies via RSS' line in its second half."""
    for index in range(max(1, len(paragraphs) // 2), len(paragraphs)):
        if len(paragraphs[index].split()) <= 80 and _POSTED_IN_RE.search(paragraphs[index]):
            return paragraphs[:index]
    return paragraphs
