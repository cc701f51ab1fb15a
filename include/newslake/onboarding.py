"""Onboarding a source: `source probe` proposes a sources.yaml entry, `source check` dry-runs one day."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from newslake.config import SourceConfig, parse_source

# A country's main timezone, for a site on its country-code domain (Kazakhstan is UTC+5 since 2024).
TLD_ZONES = {"kz": "Asia/Almaty", "kg": "Asia/Bishkek", "tj": "Asia/Dushanbe", "uz": "Asia/Tashkent",
             "tm": "Asia/Ashgabat", "ru": "Europe/Moscow", "cz": "Europe/Prague"}
LANGUAGE_ZONES = {"kk": "Asia/Almaty", "ky": "Asia/Bishkek", "tg": "Asia/Dushanbe", "uz": "Asia/Tashkent",
                  "tk": "Asia/Ashgabat"}
# A zone for a UTC offset seen in the site's own timestamps when the domain says nothing.
OFFSET_ZONES = {300: "Asia/Tashkent", 360: "Asia/Bishkek", 180: "Europe/Moscow", 60: "Europe/Prague",
                120: "Europe/Prague", 0: "UTC", -300: "America/New_York", -240: "America/New_York"}
_OFFSET_RE = re.compile(
    r"(?:<pubDate>|<published>|<updated>|datePublished\"?\s*:\s*\"|published_time\"\s+content=\"|datetime=\")"
    r"[^<\"]*?\d\d:\d\d(?::\d\d)?(?:\.\d+)?\s*(Z|GMT|UTC|[+-]\d\d:?\d\d)"
)
PROBE_ARTICLES = 4
# A watchdog's page for the region or one of its countries (the homepage links to it).
_REGION_PAGE_RE = re.compile(
    r"/(?:central[-_]?asia|kazakhstan|kyrgyzstan|kyrgyz-republic|tajikistan|turkmenistan|uzbekistan)/?$", re.I
)
_MONTH_PATH_RE = re.compile(r"/20\d\d/\d\d/")


@dataclass
class ProbeReport:
    """What `source probe` learned about a site, for the stderr report and the proposed entry."""

    base_url: str
    name: str | None = None
    methods: dict[str, str] = field(default_factory=dict)  # entry point -> how found
    per_day: dict[str, float] = field(default_factory=dict)  # entry point -> articles per day
    articles: list[dict[str, Any]] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)
    offsets: Counter = field(default_factory=Counter)  # minutes east of UTC -> times seen
    timezone: str = "UTC"
    timezone_reason: str = "no timestamps with an offset seen"
    problems: list[str] = field(default_factory=list)
    region_pages: list[str] = field(default_factory=list)
    article_pattern: str | None = None


def offsets_in(body: bytes) -> list[int]:
    """UTC offsets (minutes) of the timestamps a feed or page states (pubDate, datePublished, <time>)."""
    found = []
    for match in _OFFSET_RE.finditer(body.decode("utf-8", "replace")):
        raw = match.group(1)
        if raw in ("Z", "GMT", "UTC"):
            found.append(0)
            continue
        sign = -1 if raw[0] == "-" else 1
        digits = raw[1:].replace(":", "")
        found.append(sign * (int(digits[:2]) * 60 + int(digits[2:])))
    return found


def infer_timezone(base_url: str, offsets: Counter, languages: tuple[str, ...] = ()) -> tuple[str, str]:
    """(IANA zone, why): the country-code domain's zone, else the commonest non-zero offset's (the language's
    country when its zone has that offset)."""
    from zoneinfo import ZoneInfo

    tld = (urlsplit(base_url).hostname or "").rsplit(".", 1)[-1]
    if tld in TLD_ZONES:
        return TLD_ZONES[tld], f"the .{tld} domain"
    local = [(n, o) for o, n in offsets.items() if o != 0]
    if local:
        _, offset = max(local)
        seen = f"timestamps at UTC{offset / 60:+g} ({offsets[offset]} seen)"
        for lang in languages:
            zone_name = LANGUAGE_ZONES.get(lang)
            delta = ZoneInfo(zone_name).utcoffset(datetime.now()) if zone_name else None
            if zone_name and delta is not None and delta.total_seconds() == offset * 60:
                return zone_name, f"{seen} and {lang} pages"
        zone = OFFSET_ZONES.get(offset)
        if zone:
            return zone, seen
    return "UTC", "only UTC timestamps seen" if offsets else "no timestamps with an offset seen"


def provisional_source(url: str, *, allow_private: bool, source_id: str | None = None,
                       delay: float = 1.0) -> SourceConfig:
    """A throwaway SourceConfig for probing url: auto-discovery, the site's own host (and subdomains)."""
    host = (urlsplit(url).hostname or "").lower()
    domain = host[4:] if host.startswith("www.") else host
    sid = source_id or (re.sub(r"[^a-z0-9]+", "_", domain.rsplit(".", 1)[0]).strip("_") or "site")
    if not sid[0].isalpha():
        sid = "s_" + sid
    data = {"id": sid[:40], "name": host, "base_url": url, "allowed_domains": [domain], "languages": ["en"],
            "discovery": {"auto": True}, "allow_private_network": allow_private,
            "fetch": {"delay_seconds": delay, "concurrency": 1, "max_retries": 1}}
    return parse_source(data, "probe")


def _title(html: bytes) -> str | None:
    match = re.search(rb"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    if not match:
        return None
    from html import unescape

    return " ".join(unescape(match.group(1).decode("utf-8", "replace")).split())[:120] or None


def _per_day(dates: list[datetime]) -> float:
    """Articles per day over the days the dates span (at least one day)."""
    if not dates:
        return 0.0
    days = {d.astimezone(UTC).date() for d in dates}
    span = (max(days) - min(days)).days + 1
    return round(len(dates) / span, 1)


def probe(url: str, *, allow_private: bool = False, source_id: str | None = None,
          delay: float = 1.0) -> tuple[ProbeReport, dict]:
    """Probe a site politely: entry points, yield per day, a few extracted articles, timezone, problems."""
    from newslake.discovery import parse_feed, parse_sitemap
    from newslake.discovery_auto import find_entry_points
    from newslake.extraction import extract_article
    from newslake.fetching import Fetcher, Outcome

    source = provisional_source(url, allow_private=allow_private, source_id=source_id, delay=delay)
    report = ProbeReport(base_url=source.base_url)
    recent: list[tuple[datetime, str]] = []
    with Fetcher(source) as fetcher:
        rules = fetcher.robots(source.base_url)
        found = find_entry_points(source, fetcher)
        report.methods = found.methods()
        report.problems += found.problems
        if not allow_private and any("refused private address" in p for p in found.problems):
            report.problems.append("the site is on a private/loopback address: a local test site needs --allow-private")
        report.name = _title(found.homepage) if found.homepage else None
        report.region_pages = sorted({u for u in found.homepage_links if _REGION_PAGE_RE.search(urlsplit(u).path)
                                      and source.is_allowed_host(urlsplit(u).hostname)})
        for feed in found.feeds:
            result = fetcher.fetch(feed, kind="xml")
            if not result.body:
                report.problems.append(f"feed {feed} -> {result.outcome}")
                continue
            report.offsets.update(offsets_in(result.body))
            items = parse_feed(result.body, feed)
            dates = [c.published_at for c in items if c.published_at is not None]
            report.per_day[feed] = _per_day(dates)
            recent += [(c.published_at, c.url) for c in items if c.published_at is not None]
            if items and not dates:
                report.problems.append(f"feed {feed} gives no dates")
        pending: list[tuple[str, str]] = [(u, u) for u in found.sitemaps]  # (sitemap, the entry point it hangs from)
        seen: set[str] = set()
        sitemap_dates: dict[str, list[datetime]] = {}
        while pending and len(seen) < 10:
            sitemap, root = pending.pop(0)
            if sitemap in seen:
                continue
            seen.add(sitemap)
            result = fetcher.fetch(sitemap, kind="xml")
            if not result.body:
                report.problems.append(f"sitemap {sitemap} -> {result.outcome}")
                continue
            children, entries = parse_sitemap(result.body, sitemap)
            pending += [(c, root) for c, _ in children]
            for candidate, lastmod in entries:
                when = candidate.published_at or lastmod
                if when is not None:
                    sitemap_dates.setdefault(root, []).append(when)
                    recent.append((when, candidate.url))
        for root, dates in sitemap_dates.items():
            report.per_day[root] = _per_day(dates)
        if found.archive:
            report.per_day[found.archive] = float("nan")  # counted by `source check` for a given day
        from newslake.urls import normalise_url

        picked = [normalise_url(u) for _, u in sorted(recent, reverse=True)
                  if source.is_allowed_host(urlsplit(u).hostname)]
        for article_url in list(dict.fromkeys(picked))[:PROBE_ARTICLES]:
            if not rules.allowed(article_url):
                report.problems.append(f"robots.txt disallows {article_url}")
                continue
            result = fetcher.fetch(article_url)
            entry: dict[str, Any] = {"url": article_url, "outcome": str(result.outcome)}
            if result.outcome in (Outcome.BLOCKED, Outcome.ROBOTS_DISALLOWED):
                report.problems.append(f"{article_url} -> {result.outcome} ({result.error or result.status})")
            if result.final_url and not source.is_allowed_host(urlsplit(result.final_url).hostname):
                report.problems.append(f"{article_url} redirects off the site to {result.final_url}")
            if result.body:
                report.offsets.update(offsets_in(result.body))
                article = extract_article(result.body, result.final_url or article_url, source=source,
                                          headers=result.headers, fetched_at=result.fetched_at)
                entry.update({"title": article.title, "published_at": article.published_at.isoformat()
                              if article.published_at else None, "language": article.language,
                              "fields": dict(sorted(article.field_sources.items())), "missing": article.missing})
                if article.language:
                    report.languages[article.language] += 1
                if article.published_at is None:
                    report.problems.append(f"{article_url}: no publication date found")
            report.articles.append(entry)
        crawl_delay = rules.crawl_delay or 0.0
    if not report.articles:
        report.problems.append("no article could be fetched and extracted")
    if picked and all(_MONTH_PATH_RE.search(u) for u in picked):
        report.article_pattern = r"/20\d\d/\d\d/"
    if report.region_pages:
        report.problems.append(
            "the homepage links to Central Asia region/country pages (" + ", ".join(report.region_pages)
            + "): if its feeds and sitemaps cover the whole world, keep only discovery.pages")
    languages = tuple(lang for lang, _ in report.languages.most_common())
    report.timezone, report.timezone_reason = infer_timezone(source.base_url, report.offsets, languages)
    return report, proposed_entry(source, found, report, crawl_delay)


def _relative(source: SourceConfig, url: str) -> str:
    return url[len(source.base_url):] if url.startswith(source.base_url) else url


def proposed_entry(source: SourceConfig, found, report: ProbeReport, crawl_delay: float) -> dict:
    """The sources.yaml entry probe proposes: disabled, auto-discovery plus what it found."""
    discovery: dict[str, Any] = {"auto": True}
    if found.feeds:
        discovery["feeds"] = [_relative(source, u) for u in found.feeds]
    if found.sitemaps:
        discovery["sitemaps"] = [_relative(source, u) for u in found.sitemaps]
    if found.archive:
        discovery["archive"] = {"url_template": found.archive, "max_pages": 5}
    if report.region_pages:
        discovery["pages"] = [_relative(source, u) for u in report.region_pages]
    if report.article_pattern:
        discovery["article_url_pattern"] = report.article_pattern
    languages = [lang for lang, _ in report.languages.most_common()] or ["en"]
    entry: dict[str, Any] = {
        "id": source.id,
        "name": report.name or source.name,
        "base_url": source.base_url,
        "allowed_domains": list(source.allowed_domains),
        "languages": languages,
        "timezone": report.timezone,
        "enabled": False,
        "discovery": discovery,
        "fetch": {"delay_seconds": max(3.0, crawl_delay), "concurrency": 1},
    }
    if source.allow_private_network:
        entry["allow_private_network"] = True
    return entry


def render_report(report: ProbeReport) -> str:
    """The human report probe prints on stderr."""
    lines = [f"probe {report.base_url}" + (f" ({report.name})" if report.name else "")]
    lines.append("discovery:")
    for url, method in sorted(report.methods.items()):
        rate = report.per_day.get(url)
        if rate is None:
            shown = ""
        elif rate != rate:  # NaN: an archive's yield depends on the day (see `source check`)
            shown = "per-day archive"
        else:
            shown = f"{rate} articles/day"
        lines.append(f"  {method:<26} {url}  {shown}")
    if not report.methods:
        lines.append("  none found")
    lines.append("articles:")
    for article in report.articles:
        lines.append(f"  {article['outcome']:<10} {article['url']}")
        if "fields" in article:
            lines.append(f"    published_at={article['published_at']} language={article['language']} "
                         f"title={article['title']!r}")
            lines.append("    fields from: " + ", ".join(f"{k}={v}" for k, v in article["fields"].items()))
            if article["missing"]:
                lines.append("    missing: " + ", ".join(article["missing"]))
    lines.append(f"timezone: {report.timezone} (from {report.timezone_reason})")
    lines.append("problems:" + ("" if report.problems else " none"))
    lines += [f"  - {p}" for p in report.problems]
    return "\n".join(lines)


@dataclass
class CheckResult:
    """`source check`: the records one day would get and what happened to every URL."""

    source_id: str
    day: date
    entry_points: dict[str, str]
    methods: dict[str, str]
    warnings: list[str]
    outcomes: dict[str, str]  # url -> record | out_of_interval | undated | <fetch outcome>
    records: list[dict[str, Any]]
    problem: str | None = None


def check(source: SourceConfig, day: date) -> CheckResult:
    """Discovery and extraction for one source and day, exactly as a run does them, without touching the lake."""
    from newslake.discovery import discover
    from newslake.discovery_auto import resolve_auto
    from newslake.discovery_changes import undated_problem
    from newslake.extraction import extract_article
    from newslake.extraction.dates import reading_dates
    from newslake.fetching import Fetcher, Outcome

    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    outcomes: dict[str, str] = {}
    records: list[dict[str, Any]] = []
    with Fetcher(source) as fetcher:
        resolved, methods = resolve_auto(source, fetcher)
        with reading_dates(source.timezone):
            result = discover(resolved, start, end, fetcher)
        hints = {c.url: c for c in result.candidates}
        for fetched in fetcher.fetch_many(list(hints)):
            if fetched.outcome is not Outcome.FETCHED or not fetched.body:
                outcomes[fetched.url] = str(fetched.outcome)
                continue
            article = extract_article(fetched.body, fetched.final_url or fetched.url, hints=hints[fetched.url].hints(),
                                      source=source, headers=fetched.headers, fetched_at=fetched.fetched_at)
            if article.published_at is None:
                outcomes[fetched.url] = "undated"
            elif not start <= article.published_at < end:
                outcomes[fetched.url] = "out_of_interval"
            else:
                outcomes[fetched.url] = "record"
                records.append({"url": article.url, "published_at": article.published_at.isoformat(),
                                "title": article.title, "language": article.language, "authors": article.authors,
                                "fields": dict(sorted(article.field_sources.items())), "missing": article.missing})
    pages = sum(1 for o in outcomes.values() if o in ("record", "out_of_interval", "undated"))
    undated = sum(1 for o in outcomes.values() if o == "undated")
    return CheckResult(source.id, day, result.entry_points, methods, result.warnings, dict(sorted(outcomes.items())),
                       sorted(records, key=lambda r: r["url"]), undated_problem(source.id, day, pages, undated))
