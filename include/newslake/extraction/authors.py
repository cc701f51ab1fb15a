"""Author names: normalise metadata values and find bylines at the start or end of a body."""

from __future__ import annotations

import html
import re

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:story|text|words|written|reporting|posted|published|photos?)\s+)?"
    r"(?:by|from)\s*:?\s+|^\s*(?:authors?|автор(?:ы)?|текст|written by|reporting by)\s*[:\-–—]?\s+",
    re.IGNORECASE,
)
_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bи\b|\bва\b|\bжана\b|\bжәне\b)\s*", re.IGNORECASE)
# credits that follow a name but are not part of it
_AGENCY_TAIL_RE = re.compile(
    r"\s*(?:[/|]\s*.+|\(\s*[^)]*\)|\s[-–—]\s.+|,?\s+(?:for|для)\s+.+|,?\s+in\s+[A-Z][\w ]+|,\s*[A-Z]{2,5})$"
)
# an editor's or desk's initials after the name: 'Jane Doe, NL'
_INITIALS_TAIL_RE = re.compile(r",\s*[A-Z]{2,5}\.?$")
# one capitalised word after the last comma of a name line is the agency: 'Айгерим Сапарова, АгроИнфо'
_AGENCY_WORD_TAIL_RE = re.compile(r"(?<=\w),\s*[A-ZА-ЯЁ][\w.\-]*$")
_ROLE_RE = re.compile(
    r"\b(?:reporter|editor|correspondent|staff|writer|contributor|columnist|journalist|producer|"
    r"photographer|contributing|associated press|news desk|newsroom|editorial|team|"
    r"корреспондент|редактор|редакция|журналист|обозреватель)\b",
    re.IGNORECASE,
)
_MONTH_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\b(?:updated|published|"
    r"min read|ago|today|yesterday|сегодня|вчера|обновлено)\b",
    re.IGNORECASE,
)
# words that appear in page furniture and agency credits, never in a person's name
_NOT_NAME_WORDS = frozenset(
    "read more share follow subscribe related comments comment advertisement photo photos image images "
    "getty source sources news contact email print tweet facebook twitter home menu search login sign "
    "terms privacy policy copyright click here newsletter video watch listen top next previous back "
    "latest opinion world politics business sports reuters ap afp bloomberg tass xinhua upi sputnik "
    "interfax kazinform associated press agency agencies media online daily times post herald "
    "tribune journal guardian telegraph website site admin administrator editors desk wire staff "
    "ria новости тасс интерфакс редакция фото источник читать также the a an end this that our your we "
    "you it is of by author authors officer chief director president ceo manager executive gazette "
    "redazione rédaction redaktion".split()
)
_NAME_TOKEN_RE = re.compile(r"^(?:[A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІЎ][\w'’.\-]*|[A-Z]\.|(?:de|da|van|von|der|den|la|le|di|del|bin|al|ibn)|[a-z]+'[A-Z][\w]*)$")


def _clean_one(name: str) -> str | None:
    name = " ".join(name.split()).strip(" .,;:-–—|•·")
    name = _PREFIX_RE.sub("", name)
    name = re.sub(r"\S+@\S+|https?://\S+|@\w+", "", name).strip(" .,;:-–—|")
    if not name:
        return None
    name = _AGENCY_TAIL_RE.sub("", name).strip(" .,;:-–—|")
    if name.isupper() and len(name) > 3:
        name = name.title()
    return name or None


def looks_like_name(name: str, min_tokens: int = 1) -> bool:
    """A person-like name: 1-5 capitalised words, no digits, no dates, no job titles."""
    if not name or len(name) > 60 or any(c.isdigit() for c in name):
        return False
    if _ROLE_RE.search(name) or _MONTH_RE.search(name):
        return False
    tokens = name.split()
    if not min_tokens <= len(tokens) <= 5:
        return False
    if any(t.lower().strip(".,'’") in _NOT_NAME_WORDS for t in tokens):
        return False
    return all(_NAME_TOKEN_RE.match(t) for t in tokens) and any(len(t.strip(".")) > 1 for t in tokens)


# academic and professional credentials after a name: 'Jane Doe, Ph.D.', 'Lauren Manaker MS, RDN'
_CREDENTIAL_RE = re.compile(r"^(?:Ph\.?\s?D\.?|M\.?D\.?|MBA|RDN?|MS|MA|BSc|MSc|CFA|CPA|DVM|RN|Esq\.?)$")
_SUFFIX_RE = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$")


def _merge_parts(parts: list[str]) -> list[str]:
    merged: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if _SUFFIX_RE.match(part) and merged:
            merged[-1] = f"{merged[-1]} {part}"
        elif not _CREDENTIAL_RE.match(part):
            tokens = part.split()
            while len(tokens) > 2 and _CREDENTIAL_RE.match(tokens[-1]):
                tokens.pop()
            merged.append(" ".join(tokens))
    return merged


def normalise_authors(
    values: list[str] | str, *, site_names: tuple[str, ...] = (), min_tokens: int = 1
) -> list[str]:
    """Clean raw author strings into distinct person names: no 'By', no agency, split on and/и/','."""
    if isinstance(values, str):
        values = [values]
    blocked = {s.strip().lower() for s in site_names if s and s.strip()}
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        if not value or not isinstance(value, str) or value.strip().lower().startswith("http"):
            continue
        if "&" in value:
            value = html.unescape(value)
        value = _INITIALS_TAIL_RE.sub("", _PREFIX_RE.sub("", " ".join(value.split())))
        for part in _merge_parts(_SPLIT_RE.split(value)):
            name = _clean_one(part)
            if not name or name.lower() in blocked or not looks_like_name(name, min_tokens):
                continue
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
    # 'Jim Walsh' and 'Jim Walsh Cherry Hill Courier-Post' are one person with an affiliation
    return [n for n in out if not any(o != n and n.lower().startswith(o.lower() + " ") for o in out)]


def _byline(paragraph: str, *, at_end: bool, site_names: tuple[str, ...]) -> list[str]:
    text = " ".join(paragraph.split())
    if len(text) > 120:
        return []
    if _PREFIX_RE.match(text):
        return normalise_authors(text, site_names=site_names, min_tokens=2)
    # a sentence ends with a full stop; a name does not (unless it ends with an initial)
    if at_end and len(text) <= 60 and not text.endswith(("?", "!", ":")) and not re.search(r"\w{2}\.$", text):
        # a name alone on the last line; a sentence would have lowercase words
        text = _AGENCY_WORD_TAIL_RE.sub("", _INITIALS_TAIL_RE.sub("", text.strip(" .")))
        names = normalise_authors(text, site_names=site_names, min_tokens=2)
        parts = [p for p in _SPLIT_RE.split(text) if p]
        if names and len(names) == len(parts):
            return names
    return []


def byline_from_paragraphs(
    paragraphs: list[str], *, site_names: tuple[str, ...] = (), after_heading: bool = False
) -> tuple[list[str], int | None]:
    """Authors from a byline paragraph at the start or end, and the index of that paragraph.

    A name alone counts at the start only right under the headline or when several names are
    joined ('A and B'): a lone capitalised phrase there is more often a section label.
    """
    if not paragraphs:
        return [], None
    for index in range(min(2, len(paragraphs))):
        names = _byline(paragraphs[index], at_end=False, site_names=site_names)
        if not names and index == 0 and len(paragraphs) > 1:
            names = _byline(paragraphs[0], at_end=True, site_names=site_names)
            if not (after_heading or len(names) > 1):
                names = []
        if names:
            return names, index
    if len(paragraphs) > 1:
        names = _byline(paragraphs[-1], at_end=True, site_names=site_names)
        if names:
            return names, len(paragraphs) - 1
    return [], None
