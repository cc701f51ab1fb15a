"""Headline choice helpers: strip site names and section labels, decode entities, trust the story's <h1>."""

from __future__ import annotations

import re

_TITLE_SEP_RE = re.compile(r"\s+(?:\||-|–|—|::|»|·|•|/)\s+")


def squash(text: str) -> str:
    """Lowercase letters and digits only, for comparing titles across punctuation and quotes."""
    return re.sub(r"\W+", "", text.lower())


_SECTION_WORDS = frozenset(
    "opinion opinions editorial editorials analysis commentary column news breaking politics world local "
    "national business economy sport sports college culture entertainment lifestyle tech technology science "
    "health travel video photos live update updated exclusive watch review reviews мнение новости политика "
    "экономика спорт культура общество".split()
)


def is_section_label(part: str) -> bool:
    """A one-to-three word section name such as 'Opinion' or 'College Sports'."""
    words = part.lower().split()
    return 0 < len(words) <= 3 and all(w.strip("[]():") in _SECTION_WORDS for w in words)


def strip_section_labels(title: str) -> str:
    """'Opinion | Story | Editorial' -> 'Story'."""
    parts = _TITLE_SEP_RE.split(title)
    while len(parts) > 1 and is_section_label(parts[0]):
        title = title[len(parts[0]):].lstrip(" |-–—:»·•/")
        parts = parts[1:]
    while len(parts) > 1 and is_section_label(parts[-1]):
        title = title[: title.rfind(parts[-1])].rstrip(" |-–—:»·•/")
        parts = parts[:-1]
    return title


def strip_site_name(title: str, site_names: tuple[str, ...], h1: str | None, host: str,
                     headings: frozenset[str] = frozenset()) -> str:
    """Remove a site-name part from a page title ('Story | Site', 'Site - Story')."""
    if h1 and h1 != title and h1 in title:
        rest = title.replace(h1, "", 1).strip()
        # the heading plus a separated site part: 'Story | Site', 'Site: Story'
        if rest and (rest[0] in "|-–—:»·•/" or rest[-1] in "|-–—:»·•/"):
            return h1
    parts = _TITLE_SEP_RE.split(title)
    if len(parts) < 2:
        return title
    names = {squash(s) for s in site_names if squash(s)}
    squashed_host = squash(host.removeprefix("www."))

    def is_site(part: str) -> bool:
        key = squash(part)
        return bool(key) and (key in names or (len(part.split()) <= 4 and key in squashed_host))

    for part in parts:
        if squash(part) in headings:  # the part the page itself prints as its headline
            return part
    title = strip_section_labels(title)
    parts = _TITLE_SEP_RE.split(title)
    if len(parts) < 2:
        return title
    first, last = parts[0], parts[-1]
    if is_site(last) or (" | " in title and len(last.split()) <= 5 < len(first.split())):
        return title[: title.rfind(last)].rstrip(" |-–—:»·•/")
    if is_site(first):
        return title[len(first):].lstrip(" |-–—:»·•/")
    return title


def unescape_entities(text: str) -> str:
    """Decode entities a CMS escaped twice ('&amp;#8217;' arrives as '&#8217;')."""
    if "&" in text and re.search(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text):
        import html

        return html.unescape(text)
    return text


def is_story_heading(h1: str, title: str, site_names: tuple[str, ...]) -> bool:
    """True when the page's <h1> is this story's headline and should win over a metadata title."""
    if h1 == title or len(h1.split()) < 3 or len(h1) > 300:
        return False
    if squash(h1) in {squash(s) for s in site_names}:
        return False
    squashed_h1, squashed_title = squash(h1), squash(title)
    if len(squashed_h1) > len(squashed_title) and squashed_h1.endswith(squashed_title):
        return False  # the heading is the title behind a section label

    # share a distinctive word with the metadata title, so a site banner in <h1> does not win
    h1_words = {w for w in re.findall(r"\w{4,}", h1.lower())}
    title_words = {w for w in re.findall(r"\w{4,}", title.lower())}
    return len(h1_words & title_words) >= max(1, min(len(h1_words), len(title_words)) // 3)
