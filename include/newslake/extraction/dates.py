"""Date parsing for extraction: metadata strings, URL patterns and dates printed in page text, all to UTC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from newslake.extraction.calendar_words import AGO_UNITS, AGO_WORDS, DAY_WORDS, MONTHS

MIN_YEAR = 1990

_MONTHS = MONTHS
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
# A day may carry an ordinal ("10th", "10-nji", "10-уми"); a month stem up to four more letters (see calendar_words).
_DAY = r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|-?[^\W\d_]{0,4})?"
_MON = rf"\b({_MONTH_ALT})[^\W\d_]{{0,4}}\b"
_DMY_RE = re.compile(rf"{_DAY}[\s.,-]*{_MON}\.?,?\s*(?:of\s+)?{_YEAR}\b", re.IGNORECASE)
_MDY_RE = re.compile(rf"{_MON}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b", re.IGNORECASE)
# Year first, as Kazakh, Kyrgyz, Uzbek and Turkmen write it: "2017 жылғы 10 ақпан", "2017-yil 10-fevral".
_YDM_RE = re.compile(rf"{_YEAR}(?:[-\s]*[^\W\d_]+\.?){{0,2}}[-\s]+{_DAY}[\s.,-]*{_MON}", re.IGNORECASE)
# The region writes day first: 10.02.2017 and 10/02/2017 are 10 February.
_NUMERIC_RE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d\d)\b")
_ISO_DAY_RE = re.compile(r"\b((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\b")
_BARE_ISO_DAY_RE = re.compile(r"^\d{4}-\d\d-\d\d$")
_URL_RES = (
    re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$|[-_])"),
    re.compile(r"/((?:19|20)\d\d)-(\d{2})-(\d{2})(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d\d)(\d{2})(\d{2})(?:/|$|[-_.])"),
)
_DAY_WORD_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, DAY_WORDS), key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE
)
_AGO_RE = re.compile(
    r"(?<!\d)(\d{1,3})\s*(" + "|".join(sorted(AGO_UNITS, key=len, reverse=True)) + r")[^\W\d_]*\.?\s+("
    + "|".join(AGO_WORDS) + r")(?!\w)",
    re.IGNORECASE,
)
# dateparser's codes for the languages it knows; Tajik and Turkmen it lacks (our own tables read them).
_DATEPARSER_LANGS = {"en": ("en",), "ru": ("ru",), "kk": ("kk",), "ky": ("ky",), "uz": ("uz", "uz-Cyrl")}
# Relative dates count from the page's fetch time; without one, dateparser counts from this
# sentinel, which _plausible() rejects, so a replay never reads the wall clock.
_NO_REFERENCE = datetime(1900, 1, 1)


@dataclass(frozen=True)
class _Reading:
    zone: tzinfo = UTC
    now: datetime | None = None
    languages: tuple[str, ...] = ()


_UTC_READING = _Reading()
_READING: ContextVar[_Reading | None] = ContextVar("newslake_date_reading", default=None)


def _reading() -> _Reading:
    return _READING.get() or _UTC_READING


@contextmanager
def reading_dates(
    timezone_name: str | None = None, *, now: datetime | None = None, languages: tuple[str, ...] = ()
) -> Iterator[None]:
    """Within the block, offset-less times are the site's local time and relative dates count from `now`."""
    zone: tzinfo = ZoneInfo(timezone_name) if timezone_name and timezone_name != "UTC" else UTC
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    token = _READING.set(_Reading(zone=zone, now=now, languages=tuple(languages)))
    try:
        yield
    finally:
        _READING.reset(token)


def site_zone() -> tzinfo:
    """The timezone offset-less times are read in (UTC outside reading_dates)."""
    return _reading().zone
_RFC2822_RE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d\d")
_TZ_NAMES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
             "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "MSK": 3, "ALMT": 5, "ET": -5, "CT": -6, "PT": -8}


def to_utc(value: datetime) -> datetime:
    """Convert to UTC; a naive value is the site's local time (UTC outside reading_dates)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=site_zone())
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
    if _BARE_ISO_DAY_RE.match(text):
        # A bare day is the calendar day the page states: kept as that UTC day, not shifted by the offset.
        return _plausible(_safe_date(int(text[:4]), int(text[5:7]), int(text[8:10])))
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
    relative = _relative(text)
    if relative is not None:
        return relative
    day = _first_text_date(text)
    if day is None:
        return _dateparser(text)
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
            local = day.replace(hour=hour, minute=minute, second=second, tzinfo=offset or site_zone())
            return _plausible(local)
    return _plausible(day)


def _clock(text: str) -> tuple[int, int] | None:
    match = re.search(r"(?<!\d)([01]?\d|2[0-3])[:.]([0-5]\d)(?!\d)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _relative(text: str, *, need_clock: bool = False) -> datetime | None:
    """'вчера, 14:30', 'kecha 09:10', '3 часа назад': counted from the fetch time in the site's timezone."""
    reading = _reading()
    ago = _AGO_RE.search(text)
    word = _DAY_WORD_RE.search(text)
    if word and need_clock and _clock(text[word.end():word.end() + 12]) is None:
        word = None  # in running text "today" is prose; a header's "today, 14:30" is a date
    if not (ago or word):
        return None
    if reading.now is None:
        return None  # no reference instant: a relative date cannot be placed deterministically
    if ago:
        unit = AGO_UNITS[next(k for k in sorted(AGO_UNITS, key=len, reverse=True)
                              if ago.group(2).lower().startswith(k))]
        return _plausible(reading.now - timedelta(**{unit: int(ago.group(1))}))
    assert word is not None
    local_day = reading.now.astimezone(reading.zone).date() - timedelta(days=DAY_WORDS[word.group(1).lower()])
    clock = _clock(text)
    if clock is None:
        return _plausible(datetime(local_day.year, local_day.month, local_day.day, tzinfo=UTC))
    local = datetime(local_day.year, local_day.month, local_day.day, *clock, tzinfo=reading.zone)
    return _plausible(local)


def _dateparser(text: str) -> datetime | None:
    """dateparser for what our patterns miss, in the source's languages, day before month."""
    import dateparser

    reading = _reading()
    languages: list[str] = []
    for lang in (*reading.languages, "en", "ru"):
        languages += [code for code in _DATEPARSER_LANGS.get(lang, ()) if code not in languages]
    base = reading.now.astimezone(reading.zone).replace(tzinfo=None) if reading.now else _NO_REFERENCE
    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past", "RELATIVE_BASE": base,
                "REQUIRE_PARTS": ["day", "month", "year"]}
    try:
        value = dateparser.parse(text, languages=languages, settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; an unreadable date is just no date
        return None
    if value is None:
        return None
    if value.tzinfo is None and (value.hour, value.minute, value.second) == (0, 0, 0) and not _clock(text):
        return _plausible(value.replace(tzinfo=UTC))  # a day without a time stays that calendar day
    return _plausible(value)


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
    found = _first_text_match(text)
    return found[2] if found else None


# A clock printed right next to the date: "18.11.2026 - 07:40", "19 қараша 2026, 00:45", "15:40, 10 февраля".
_CLOCK_AFTER_RE = re.compile(r"^\s*(?:[-–—,|·]|\bв\b|\bat\b|\bж\.,?)?\s*([01]?\d|2[0-3])[:.]([0-5]\d)(?!\d)")
_CLOCK_BEFORE_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)\s*[,|·-]?\s*$")


def _adjacent_clock(text: str, start: int, end: int, day: datetime) -> datetime:
    """The day at the clock time printed right beside it, read in the site's timezone; else the bare day."""
    match = _CLOCK_AFTER_RE.match(text[end:end + 16]) or _CLOCK_BEFORE_RE.search(text[max(0, start - 10):start])
    if not match:
        return day
    local = day.replace(hour=int(match.group(1)), minute=int(match.group(2)), tzinfo=site_zone())
    return _plausible(local) or day


def _first_text_match(text: str) -> tuple[int, int, datetime] | None:
    best: tuple[int, int, datetime] | None = None
    for regex, kind in ((_DMY_RE, "dmy"), (_MDY_RE, "mdy"), (_YDM_RE, "ydm"), (_ISO_DAY_RE, "iso"),
                        (_NUMERIC_RE, "num")):
        for match in regex.finditer(text):
            if kind == "dmy":
                found = _safe_date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
            elif kind == "ydm":
                found = _safe_date(int(match.group(1)), _MONTHS[match.group(3).lower()], int(match.group(2)))
            elif kind == "mdy":
                found = _safe_date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
            elif kind == "iso":
                found = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            else:
                found = _safe_date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            if found and _plausible(found) and (best is None or match.start() < best[0]):
                best = (match.start(), match.end(), found)
            if found:
                break
    return best


def date_from_text(text: str | None) -> datetime | None:
    """The first plausible date printed in text: midnight UTC of that day, or the local clock printed beside it."""
    if not text:
        return None
    found = _first_text_match(text)
    if found is not None:
        return _adjacent_clock(text, *found)
    return _relative(text[:300], need_clock=True)


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
