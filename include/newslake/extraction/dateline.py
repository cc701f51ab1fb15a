"""Datelines at the start of a story: 'ASTANA (TCA) —', 'ALMATY, Feb 10 (Reuters) -', 'БИШКЕК, 10 фев — Sputnik.'."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UP = "A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІЎҲҶӢӮ"
_LOW = "a-zß-öø-ÿа-яёәғқңөұүһіўҳҷӣӯ"
_PLACE_CAPS = rf"[{_UP}][{_UP}'’.\-]+(?:\s+[{_UP}][{_UP}'’.\-]*){{0,3}}"
_PLACE_TITLE = rf"[{_UP}][{_LOW}'’.\-]+(?:\s+[{_UP}][{_LOW}'’.\-]+){{0,3}}"
_REGION = rf"[{_UP}][{_UP}{_LOW}.'’\-]+(?:\s+[{_UP}][{_UP}{_LOW}.'’\-]+){{0,2}}"
_MONTH_WORD = rf"[{_UP}{_LOW}]{{3,9}}\.?"
_DATE = rf"(?:{_MONTH_WORD}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH_WORD}(?:\s+\d{{4}})?(?:\s*г\.)?)"
# a hyphen counts as a dash only with a space before it, so 'COVID-19 — ...' is no dateline
_DASH = r"(?:\s*[—–‒―]|\s+--?(?=\s))"
# 'Sputnik', 'РИА Новости', 'Финансовая лента': up to three capitalised words, or two words of any case
_AGENCY_WORDS = (rf"[{_UP}0-9][\w.\-]*(?:\s+[{_UP}0-9][\w.\-]*){{0,2}}"
                 rf"|[{_UP}0-9][\w.\-]*\s+[\w.\-]+")

_CAPS_RE = re.compile(
    rf"^(?P<place>{_PLACE_CAPS})(?:,\s*(?P<region>{_REGION}))?"
    rf"(?:,\s*(?P<date>{_DATE}))?"
    rf"(?:\.?\s*/(?P<agency_slash>[^/]{{1,30}})/\.?\s+"
    rf"|(?:\s*\((?P<agency>[^()]{{1,40}})\))?\.?{_DASH}\s*(?:(?P<agency_after>{_AGENCY_WORDS})\.\s+)?)"
)
_TITLE_RE = re.compile(
    rf"^(?P<place>{_PLACE_TITLE})(?:,\s*(?P<region>{_REGION}))?"
    rf"(?:,\s*(?P<date>{_DATE}))?\s*\((?P<agency>[^()]{{1,40}})\){_DASH}\s*"
)


@dataclass(frozen=True)
class Dateline:
    """A dateline found at the start of the body, and the body text that follows it."""

    raw: str
    place: str | None
    agency: str | None
    rest: str


def _place_name(place: str) -> str:
    place = place.strip(" .,")
    return place.title() if place.isupper() else place


def parse_dateline(paragraph: str) -> Dateline | None:
    """Split a leading dateline off a paragraph; None when the paragraph does not start with one."""
    text = paragraph.lstrip()
    head = text[:200]  # a dateline is short; matching only the head keeps long paragraphs cheap
    match = _CAPS_RE.match(head)
    if match:
        place = match.group("place")
        letters = [c for c in place if c.isalpha()]
        # a place in capitals, none lowercase; two letters ('ОШ') only with an agency in brackets
        short = len(letters) < 3 and not (len(letters) == 2 and match.group("agency"))
        if short or any(c.islower() for c in letters):
            match = None
    if match is not None and match.group("agency_after") and not match.group("date"):
        # 'WASHINGTON — Officials said.' must not lose 'Officials': an agency after the dash only
        # follows the 'PLACE, date — Agency.' convention
        match = _CAPS_RE.match(head[: match.start("agency_after")])
    if match is None:
        match = _TITLE_RE.match(head)
    if match is None:
        return None
    rest = text[match.end():]
    if not rest or not (rest[0].isalnum() or rest[0] in "\"“«'‘("):
        return None
    groups = match.groupdict()
    agency = groups.get("agency") or groups.get("agency_slash") or groups.get("agency_after")
    raw = text[: match.end()].strip()
    return Dateline(raw=raw, place=_place_name(match.group("place")),
                    agency=agency.strip() if agency else None, rest=rest)
