"""Discovery: candidate article URLs for a data interval from feeds, sitemaps and date archives."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from newslake.article import Hints
from newslake.config import SourceConfig
from newslake.extraction.dates import parse_datetime
from newslake.layout import cache_prefix
from newslake.urls import normalise_url

if TYPE_CHECKING:
    from newslake.fetching import PageFetcher
    from newslake.storage import ObjectStore

log = logging.getLogger(__name__)

MAX_SITEMAPS = 200  # guards against sitemap-index loops and runaway nesting

# How far a date that discovery reads (feed, sitemap, URL path, archive day) may sit from the
# article's real publication instant. Interval membership is decided once, by extraction, from
# the page's own date; discovery only drops what cannot belong to the interval, and one day
# either side covers every way these dates mislead:
# - a local time written without an offset or labelled UTC/GMT: off by the site's UTC offset,
#   at most 14 h (UTC-12 .. UTC+14);
# - a date-only value, a /YYYY/MM/DD/ path or an archive page is the site's local calendar day,
#   which overlaps the UTC day before or after;
# - a feed timestamp taken after the page's (feed D+1 00:30Z for a page dated D 23:10Z).
# A last-modified date (sitemap lastmod, sitemap-index lastmod, Atom <updated>) only bounds
# publication from above: the page was published before it was last modified.
PRUNE_SLACK = timedelta(days=1)


class DiscoveryError(RuntimeError):
    """Discovery could not read any configured entry point (every feed, sitemap and archive failed)."""

    def __init__(self, message: str, entry_points: dict[str, str]) -> None:
        super().__init__(message)
        self.entry_points = entry_points  # entry point URL -> fetch outcome

    @property
    def transient(self) -> bool:
        """True when every entry point failed only with timeouts or refused connections (worth a retry)."""
        return all(outcome == "transient_failed" for outcome in self.entry_points.values())


@dataclass
class Candidate:
    """One article URL worth fetching, with what discovery learned about it."""

    url: str
    published_at: datetime | None = None  # the publication date the feed or news sitemap states
    date_source: str | None = None  # feed | sitemap
    title: str | None = None
    language: str | None = None
    via: set[str] = field(default_factory=set)  # feed | sitemap | archive
    lastmod: datetime | None = None  # a last-modified date (sitemap lastmod, Atom <updated>)
    # The latest last-modified date any entry point stated for the URL: the evidence the fetch
    # stage reuses a stored body on (newslake.reuse). Kept apart from lastmod, which feeds hints.
    changed_at: datetime | None = None

    def hint_date(self) -> datetime | None:
        """The date handed to extraction as a fallback: the stated publication, else a feed's <updated>."""
        if self.published_at is not None:
            return self.published_at
        return self.lastmod if self.date_source == "feed" else None

    def hints(self) -> Hints:
        """The Hints handed to extraction."""
        return Hints(
            published_at=self.hint_date(), date_source=self.date_source, title=self.title, language=self.language
        )


@dataclass
class DiscoveryResult:
    """Candidates for the interval plus counts of everything seen and skipped."""

    candidates: list[Candidate]
    counts: Counter
    entry_points: dict[str, str]  # entry URL -> outcome
    warnings: list[str] = field(default_factory=list)  # a source that changed: feed gone, sitemap moved ...

    def summary(self) -> dict:
        """Counts as a plain dict (for XCom and logs)."""
        return {"candidates": len(self.candidates), **dict(sorted(self.counts.items()))}


_URL_DATE_RE = re.compile(r"/(20\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$)")


def url_date(url: str) -> date | None:
    """The calendar day in a /YYYY/MM/DD/ (or /YYYY-MM-DD/) URL path, if any."""
    # Stricter than extraction's date_from_url (no compact YYYYMMDD): here a date prunes a candidate,
    # so a numeric article id must never pass for one.
    match = _URL_DATE_RE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def may_be_in_interval(when: datetime, start: datetime, end: datetime) -> bool:
    """False only when an article whose discovery date is `when` cannot have been published in [start, end)."""
    return start - PRUNE_SLACK <= when < end + PRUNE_SLACK


def modified_before(lastmod: datetime, start: datetime) -> bool:
    """True when a last-modified date proves publication before start (publication precedes modification)."""
    return lastmod < start - PRUNE_SLACK


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element, *names: str) -> str | None:
    for child in element:
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return None


def _parse_xml(body: bytes):
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None


def parse_feed(body: bytes, base_url: str) -> list[Candidate]:
    """Items of an RSS 2.0, RSS 1.0 or Atom feed as candidates with their feed date and title."""
    root = _parse_xml(body)
    if root is None:
        return []
    found = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        for child in item:
            if _local(child.tag) != "link":
                continue
            href = child.get("href")
            if href and child.get("rel", "alternate") == "alternate":
                link = href
                break
            if not href and (child.text or "").strip():
                link = child.text.strip()
                break
        if not link:
            guid = _child_text(item, "guid", "id")
            link = guid if guid and guid.startswith("http") else None
        if not link:
            continue
        published = _first_date(item, _FEED_PUBLISHED)
        updated = _first_date(item, _FEED_UPDATED)
        found.append(
            Candidate(
                url=urljoin(base_url, link),
                published_at=published,
                date_source="feed" if published or updated else None,
                title=_child_text(item, "title"),
                via={"feed"},
                lastmod=updated,
            )
        )
    return found


# Element names in order of preference: RSS pubDate, Atom published, Atom 0.3 issued, Dublin Core date.
_FEED_PUBLISHED = ("published", "pubdate", "issued", "date")
_FEED_UPDATED = ("updated", "modified")


def _first_date(item, names: tuple[str, ...]) -> datetime | None:
    # by preference, not document order: Atom entries often list <updated> before <published>
    for name in names:
        value = parse_datetime(_child_text(item, name))
        if value is not None:
            return value
    return None


def parse_sitemap(
    body: bytes, base_url: str
) -> tuple[list[tuple[str, datetime | None]], list[tuple[Candidate, datetime | None]]]:
    """Split a sitemap into (child sitemaps with lastmod, url entries as (candidate, lastmod))."""
    root = _parse_xml(body)
    if root is None:
        return [], []
    children: list[tuple[str, datetime | None]] = []
    urls: list[tuple[Candidate, datetime | None]] = []
    if _local(root.tag) == "sitemapindex":
        for sm in root:
            if _local(sm.tag) == "sitemap":
                loc = _child_text(sm, "loc")
                if loc:
                    children.append((urljoin(base_url, loc), parse_datetime(_child_text(sm, "lastmod"))))
        return children, urls
    for entry in root:
        if _local(entry.tag) != "url":
            continue
        loc = _child_text(entry, "loc")
        if not loc:
            continue
        lastmod = parse_datetime(_child_text(entry, "lastmod"))
        candidate = Candidate(url=urljoin(base_url, loc), via={"sitemap"}, lastmod=lastmod)
        for child in entry:
            if _local(child.tag) != "news":
                continue
            candidate.published_at = parse_datetime(_child_text(child, "publication_date"))
            candidate.date_source = "sitemap" if candidate.published_at else None
            candidate.title = _child_text(child, "title")
            for pub in child:
                if _local(pub.tag) == "publication":
                    lang = _child_text(pub, "language")
                    candidate.language = lang.split("-")[0].lower() if lang else None
        urls.append((candidate, lastmod))
    return children, urls


def parse_archive(body: bytes, page_url: str) -> tuple[list[str], str | None]:
    """Links on an archive listing page and the rel=next page URL, if any."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError):
        return [], None
    links, next_url = [], None
    for a in tree.iter("a", "link"):
        href = a.get("href")
        if not href or href.startswith(("#", "mailto:", "javascript:")):
            continue
        absolute = urljoin(page_url, href)
        if "next" in (a.get("rel") or "").lower().split():
            next_url = next_url or absolute
        elif a.tag == "a":
            links.append(absolute)
    return links, next_url


def _days(start: datetime, end: datetime) -> list[date]:
    """The calendar days whose local day can hold an article of [start, end): archive pages to read."""
    start, end = start - PRUNE_SLACK, end + PRUNE_SLACK
    day, days = start.astimezone(timezone.utc).date(), []
    while datetime.combine(day, time(), timezone.utc) < end:
        days.append(day)
        day += timedelta(days=1)
    return days


class _Collector:
    """Merges candidates from all entry points, filtering by interval and domain."""

    def __init__(self, source: SourceConfig, start: datetime, end: datetime):
        self.source, self.start, self.end = source, start, end
        self.by_url: dict[str, Candidate] = {}
        self.ruled_out: set[str] = set()  # URLs an entry point's date put outside the interval
        self.counts: Counter = Counter()
        self.pattern = re.compile(source.discovery.article_url_pattern) if source.discovery.article_url_pattern else None

    def add(self, candidate: Candidate, *, require_pattern: bool = False) -> None:
        if urlsplit(candidate.url).scheme not in ("http", "https"):
            self.counts["skipped_not_http"] += 1
            return
        if not self.source.is_allowed_host(urlsplit(candidate.url).hostname):
            self.counts["skipped_off_domain"] += 1
            return
        if require_pattern and self.pattern and not self.pattern.search(candidate.url):
            self.counts["skipped_not_article"] += 1
            return
        key = normalise_url(candidate.url)
        if not self._may_belong(candidate):
            self.counts["skipped_out_of_interval"] += 1
            # A dated mention outranks an undated one (an archive link), whichever was read first.
            self.ruled_out.add(key)
            if key in self.by_url and self.by_url[key].hint_date() is None:
                del self.by_url[key]
            return
        if key in self.ruled_out and candidate.hint_date() is None:
            self.counts["skipped_out_of_interval"] += 1
            return
        existing = self.by_url.get(key)
        if existing is None:
            candidate.url = key
            candidate.changed_at = _later(candidate.changed_at, candidate.lastmod)
            self.by_url[key] = candidate
            return
        self.counts["merged_duplicates"] += 1
        existing.via |= candidate.via
        existing.changed_at = _later(existing.changed_at, candidate.lastmod, candidate.changed_at)
        if existing.hint_date() is None and candidate.hint_date() is not None:
            existing.published_at, existing.date_source = candidate.published_at, candidate.date_source
            existing.lastmod = candidate.lastmod or existing.lastmod
        existing.title = existing.title or candidate.title
        existing.language = existing.language or candidate.language

    def _may_belong(self, candidate: Candidate) -> bool:
        """False only when the candidate's dates, read with PRUNE_SLACK, rule the interval out."""
        if candidate.published_at is not None:
            return may_be_in_interval(candidate.published_at, self.start, self.end)
        if candidate.lastmod is not None and modified_before(candidate.lastmod, self.start):
            return False
        url_day = url_date(candidate.url)
        if url_day is not None:
            return may_be_in_interval(datetime.combine(url_day, time(), timezone.utc), self.start, self.end)
        return True


def _later(*values: datetime | None) -> datetime | None:
    """The latest of the given dates (None when there is none): a newer claim of change always wins."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


class ConditionalCache:
    """Feed and sitemap bodies with their ETag/Last-Modified, kept in the store so a 304 can reuse the body."""

    def __init__(self, store: ObjectStore, source_id: str):
        self.store, self.prefix = store, cache_prefix(source_id)

    def _key(self, url: str) -> str:
        from newslake.urls import article_id

        return self.prefix + article_id(url) + ".json.gz"

    def get(self, url: str) -> tuple[dict, bytes] | None:
        """(validators, body) stored for url, or None."""
        import base64
        import gzip
        import json

        try:
            entry = json.loads(gzip.decompress(self.store.get(self._key(url))))
        except (KeyError, ValueError, OSError):
            return None
        return entry["validators"], base64.b64decode(entry["body"])

    def put(self, url: str, validators: dict, body: bytes) -> None:
        """Remember body and validators for the next conditional request."""
        import base64
        import gzip
        import json

        if validators:
            entry = {"url": url, "validators": validators, "body": base64.b64encode(body).decode()}
            self.store.put(self._key(url), gzip.compress(json.dumps(entry).encode(), mtime=0))


def discover(
    source: SourceConfig,
    start: datetime,
    end: datetime,
    fetcher: PageFetcher,
    cache: ConditionalCache | None = None,
) -> DiscoveryResult:
    """Candidate article URLs that may belong to [start, end) (PRUNE_SLACK) from feeds, sitemaps and archives."""
    from newslake.fetching import Outcome

    collector = _Collector(source, start, end)
    entry_points: dict[str, str] = {}

    def get(url: str, conditional: bool = True) -> bytes | None:
        cached = cache.get(url) if cache is not None and conditional else None
        result = fetcher.fetch(url, kind="xml", validators=cached[0] if cached else None)
        entry_points[url] = str(result.outcome)
        if result.outcome == Outcome.NOT_MODIFIED and cached:
            collector.counts["not_modified"] += 1
            return cached[1]
        if result.outcome != Outcome.FETCHED or not result.body:
            log.warning("discovery: %s -> %s (%s)", url, entry_points[url], result.error or result.status)
            return None
        if cache is not None and conditional:
            cache.put(url, result.validators, result.body)
        return result.body

    for feed in source.discovery.feeds:
        url = source.absolute(feed)
        body = get(url)
        if body is not None:
            items = parse_feed(body, url)
            collector.counts["feed_items"] += len(items)
            for candidate in items:
                collector.add(candidate)

    sitemaps = [source.absolute(s) for s in source.discovery.sitemaps]
    # Sitemaps that robots.txt announces count as entry points too, even when the config omits them.
    sitemaps += [u for u in fetcher.robots(source.base_url).sitemaps if u not in sitemaps]
    pending: list[tuple[str, datetime | None]] = [(url, None) for url in sitemaps]
    seen_sitemaps: set[str] = set()
    while pending and len(seen_sitemaps) < MAX_SITEMAPS:
        url, lastmod = pending.pop(0)
        if url in seen_sitemaps or not source.is_allowed_host(urlsplit(url).hostname):
            continue
        seen_sitemaps.add(url)
        if lastmod is not None and modified_before(lastmod, start):
            collector.counts["sitemaps_skipped_stale"] += 1
            continue
        body = get(url)
        if body is None:
            continue
        children, entries = parse_sitemap(body, url)
        pending.extend(children)
        collector.counts["sitemap_urls"] += len(entries)
        for candidate, _ in entries:
            collector.add(candidate)

    archive = source.discovery.archive
    if archive is not None:
        for day in _days(start, end):
            page_url: str | None = source.absolute(archive.url_template.format(date=day))
            first = page_url
            for page in range(1, archive.max_pages + 1):
                if page_url is None:
                    break
                body = get(page_url, conditional=False)
                if body is None:
                    break
                links, next_url = parse_archive(body, page_url)
                collector.counts["archive_pages"] += 1
                for link in links:
                    collector.add(Candidate(url=link, via={"archive"}), require_pattern=True)
                if archive.page_template:
                    page_url = archive.page_template.format(url=first, page=page + 1) if links else None
                else:
                    page_url = next_url

    for listing in source.discovery.pages:
        # A listing page (a watchdog's Central Asia page): its links that match the article pattern.
        listing_url = source.absolute(listing)
        body = get(listing_url, conditional=False)
        if body is not None:
            links, _ = parse_archive(body, listing_url)
            collector.counts["listing_pages"] += 1
            for link in links:
                collector.add(Candidate(url=link, via={"page"}), require_pattern=True)

    from newslake.discovery_changes import entry_point_warnings

    warnings = entry_point_warnings(source, entry_points, collector.counts, fetcher.robots(source.base_url).sitemaps)
    for warning in warnings:
        log.warning("%s", warning)
    if entry_points and all(o not in ("fetched", "not_modified") for o in entry_points.values()):
        raise DiscoveryError(
            f"source {source.id}: every discovery entry point failed: "
            + ", ".join(f"{u} -> {o}" for u, o in sorted(entry_points.items())),
            dict(entry_points),
        )
    candidates = sorted(collector.by_url.values(), key=lambda c: c.url)
    return DiscoveryResult(candidates=candidates, counts=collector.counts, entry_points=entry_points, warnings=warnings)


def candidates_to_rows(candidates: Iterable[Candidate]) -> list[dict]:
    """JSON-friendly rows for the hand-over file between discover and fetch."""
    return [
        {
            "url": c.url,
            "published_at": _isoformat(c.hint_date()),
            "date_source": c.date_source,
            "title": c.title,
            "language": c.language,
            "via": sorted(c.via),
            "changed_at": _isoformat(c.changed_at),
        }
        for c in candidates
    ]


def _isoformat(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def candidates_from_rows(rows: Iterable[dict]) -> list[Candidate]:
    """Inverse of candidates_to_rows."""
    return [
        Candidate(
            url=r["url"],
            published_at=parse_datetime(r.get("published_at")),
            date_source=r.get("date_source"),
            title=r.get("title"),
            language=r.get("language"),
            via=set(r.get("via") or ()),
            changed_at=parse_datetime(r.get("changed_at")),
        )
        for r in rows
    ]
