"""Date parsing for extraction: metadata strings, URL patterns and dates printed in page text, all to UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

MIN_YEAR = 1990

_MONTHS = {
    # English
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    # Russian, nominative and genitive, with common abbreviations
    "янв": 1, "январь": 1, "января": 1, "фев": 2, "февр": 2, "февраль": 2, "февраля": 2,
    "мар": 3, "март": 3, "марта": 3, "апр": 4, "апрель": 4, "апреля": 4, "май": 5, "мая": 5,
    "июн": 6, "июнь": 6, "июня": 6, "июл": 7, "июль": 7, "июля": 7, "авг": 8, "август": 8,
    "августа": 8, "сен": 9, "сент": 9, "сентябрь": 9, "сентября": 9, "окт": 10, "октябрь": 10,
    "октября": 10, "ноя": 11, "нояб": 11, "ноябрь": 11, "ноября": 11, "дек": 12, "декабрь": 12,
    "декабря": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
_DMY_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_ALT})\.?,?\s+{_YEAR}\b", re.IGNORECASE)
_MDY_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b", re.IGNORECASE)
_NUMERIC_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b")
_ISO_DAY_RE = re.compile(r"\b((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\b")
_URL_RES = (
    re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$|[-_])"),
    re.compile(r"/((?:19|20)\d\d)-(\d{2})-(\d{2})(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d\d)(\d{2})(\d{2})(?:/|$|[-_.])"),
)
_RFC2822_RE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d\d")
_TZ_NAMES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
             "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "MSK": 3, "ALMT": 5, "ET": -5, "CT": -6, "PT": -8}


def to_utc(value: datetime) -> datetime:
    """Convert to UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _plausible(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = to_utc(value)
    if value.year < MIN_YEAR or value > datetime.now(UTC) + timedelta(days=2):
        return None
    return value


def _safe_date(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def parse_datetime(value: object) -> datetime | None:
    """Parse a metadata date string (ISO 8601, RFC 2822, 'Feb 10, 2017', '10 февраля 2017') to UTC."""
    if isinstance(value, datetime):
        return _plausible(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return _plausible(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 80:
        return None
    iso = text.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", text) else text
    iso = re.sub(r"(\.\d{6})\d+", r"\1", iso)  # fromisoformat accepts at most microseconds
    iso = re.sub(r"([+-]\d\d)$", r"\1:00", iso)
    try:
        return _plausible(datetime.fromisoformat(iso))
    except ValueError:
        pass
    if text.isdigit() and len(text) in (10, 13):
        return parse_datetime(int(text))
    if _RFC2822_RE.match(text):
        try:
            return _plausible(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError):
            pass
    return _parse_loose(text)


def _parse_loose(text: str) -> datetime | None:
    day = _first_text_date(text)
    if day is None:
        return None
    rest = text
    clock = re.search(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?", rest)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        second = int(clock.group(3) or 0)
        ampm = (clock.group(4) or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            offset = _offset_after(rest[clock.end():])
            local = day.replace(hour=hour, minute=minute, second=second, tzinfo=offset or UTC)
            return _plausible(local)
    return _plausible(day)


def _offset_after(text: str) -> timezone | None:
    match = re.match(r"\s*(?:\(?\s*)([A-Z]{1,4})\b", text)
    if match and match.group(1) in _TZ_NAMES:
        return timezone(timedelta(hours=_TZ_NAMES[match.group(1)]))
    match = re.match(r"\s*(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", text)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))
    return None


def _first_text_date(text: str) -> datetime | None:
    best: tuple[int, datetime] | None = None
    for regex, kind in ((_DMY_RE, "dmy"), (_MDY_RE, "mdy"), (_ISO_DAY_RE, "iso"), (_NUMERIC_RE, "num")):
        for match in regex.finditer(text):
            if kind == "dmy":
                found = _safe_date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
            elif kind == "mdy":
                found = _safe_date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
            elif kind == "iso":
                found = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            else:
                found = _safe_date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            if found and _plausible(found) and (best is None or match.start() < best[0]):
                best = (match.start(), found)
            if found:
                break
    return best[1] if best else None


def date_from_text(text: str | None) -> datetime | None:
    """The first plausible calendar date printed in a piece of text, at midnight UTC."""
    if not text:
        return None
    return _first_text_date(text)


def date_from_url(url: str | None) -> datetime | None:
    """A publication day encoded in the URL path (/2017/02/10/, /2017-02-10-, /20170210/)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.IGNORECASE).split("?", 1)[0]
    for regex in _URL_RES:
        match = regex.search(path)
        if match:
            found = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if found and _plausible(found):
                return found
    return None


_EMBEDDED_RE = re.compile(
    r"(?:datePublished|publishedDate|published_at|publishDate|pubDate)(?:\\?\"|&quot;|')?\s*:\s*(?:\\?\"|&quot;|')"
    r"(\d{4}-\d\d-\d\d[T ]?[\d:.]*(?:Z|[+-]\d\d:?\d\d)?)"
)


def embedded_json_date(html: str) -> datetime | None:
    """A datePublished-style key inside script data or escaped JSON attributes, when no metadata has one."""
    match = _EMBEDDED_RE.search(html)
    return parse_datetime(match.group(1)) if match else None


_SKIP = frozenset({"script", "style", "noscript", "template", "svg"})


def header_date(tree, *, max_chars: int = 600) -> datetime | None:
    """The first date in a <time> element or in the text right after the page's <h1> (the story header)."""
    heading = next(tree.iter("h1"), None)
    if heading is None:
        return None
    inside = set(heading.iter())
    collected: list[str] = []
    size = 0
    started = False
    for node in tree.iter():
        if node is heading:
            started = True
            continue
        if not started or not isinstance(node.tag, str) or node in inside:
            continue
        if node.tag in _SKIP:
            continue
        if node.tag == "time" and node.get("datetime"):
            value = parse_datetime(node.get("datetime"))
            if value:
                return value
        for piece in (node.text, node.tail):
            if piece and piece.strip():
                collected.append(piece.strip())
                size += len(piece)
        if size > max_chars:
            break
    return date_from_text(" ".join(collected))


def first_time_element(tree) -> datetime | None:
    """The first <time datetime> on the page that parses (story pages put the publication time first)."""
    for node in tree.iter("time"):
        value = parse_datetime(node.get("datetime"))
        if value:
            return value
    return None


def refine_day(day: datetime, tree) -> datetime | None:
    """A <time datetime> with a clock time on the same local day as a day-only date, if the page has one."""
    for node in tree.iter("time"):
        raw = (node.get("datetime") or "").strip()
        if ":" not in raw or not raw.startswith(day.date().isoformat()):
            continue
        value = parse_datetime(raw)
        if value:
            return value
    return None
