"""Auto-discovery: a site's feeds, sitemaps and date archives found from its homepage and robots.txt.

Order: feeds announced by <link rel="alternate"> on the homepage, then the standard feed paths of the
CMS the homepage reveals (WordPress, Drupal, Bitrix, Joomla, Pangea ...) and of its language versions;
sitemaps from robots.txt `Sitemap:` lines, else the standard sitemap paths; a date archive from the
/YYYY/MM/DD/ shape of the article URLs found, kept only when the latest day's archive page lists it. Every request goes through the
source's polite Fetcher. What was found, and how, is kept so the run log and the raw index can say it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from newslake.config import ArchiveConfig, SourceConfig

if TYPE_CHECKING:
    from newslake.fetching import PageFetcher

log = logging.getLogger(__name__)

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
# Standard feed paths by CMS, as each CMS documents them; "generic" is tried for any site.
CMS_FEED_PATHS: dict[str, tuple[str, ...]] = {
    "wordpress": ("feed/",),
    "drupal": ("rss.xml",),
    "bitrix": ("rss/",),
    "joomla": ("?format=feed&type=rss",),
    "ghost": ("rss/",),
    "generic": ("feed/", "rss.xml", "rss/", "atom.xml", "feed.xml", "index.xml"),
}
SITEMAP_PATHS = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml", "sitemap-news.xml", "news-sitemap.xml")
_CMS_SIGNS = (
    ("wordpress", re.compile(r"wp-content/|wp-includes/|content=\"WordPress", re.I)),
    ("drupal", re.compile(r"Drupal|/sites/default/files/", re.I)),
    ("bitrix", re.compile(r"/bitrix/", re.I)),
    ("joomla", re.compile(r"Joomla|/media/jui/", re.I)),
    ("ghost", re.compile(r"content=\"Ghost", re.I)),
)
_LANG_PREFIX_RE = re.compile(r"^/(ru|kz|kk|ky|kg|uz|oz|uzb|tj|tg|tk|tm|en|rus|eng)/$")
_DAY_PATH_RE = re.compile(r"^(/(?:[\w-]+/)*?)(20\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")
MAX_PROBES = 24  # guessed paths fetched at most, per run: auto-discovery must stay polite


@dataclass
class FoundEntryPoints:
    """Entry points auto-discovery found, each with how it was found (the method)."""

    feeds: dict[str, str] = field(default_factory=dict)  # url -> link-alternate | cms-path:<cms>
    sitemaps: dict[str, str] = field(default_factory=dict)  # url -> robots | cms-path
    archive: str | None = None  # url_template with {date:...}, relative to the base URL
    archive_method: str | None = None
    cms: str | None = None
    language_versions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    homepage_links: list[str] = field(default_factory=list)
    homepage: bytes = b""  # the homepage as fetched (probe reads its title without asking again)
    homepage_outcome: str = ""

    def methods(self) -> dict[str, str]:
        """Every found entry point -> how it was found (for the run log and the raw index)."""
        found = {**{u: f"feed:{m}" for u, m in self.feeds.items()}, **{u: f"sitemap:{m}" for u, m in self.sitemaps.items()}}
        if self.archive:
            found[self.archive] = f"archive:{self.archive_method}"
        return found


def feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate" type="application/rss+xml|atom+xml">."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return []
    found: list[str] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href and "comments" not in href.lower():
            url = urljoin(base_url, href)
            if url not in found:
                found.append(url)
    return found


def detect_cms(html: bytes | str) -> str | None:
    """The CMS a page's markup reveals (generator meta, asset paths), or None."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    for name, sign in _CMS_SIGNS:
        if sign.search(text[:200_000]):
            return name
    return None


def page_links(html: bytes | str, base_url: str) -> list[str]:
    """Absolute http(s) links of a page, in order, without fragments."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return []
    links: list[str] = []
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("#", "mailto:", "javascript:", "tel:")):
            url = urljoin(base_url, href).split("#", 1)[0]
            if urlsplit(url).scheme in ("http", "https"):
                links.append(url)
    return links


def archive_template(urls: list[str], base_url: str) -> str | None:
    """A {date:%Y/%m/%d}/ archive template when most dated article URLs share one /prefix/YYYY/MM/DD/ shape."""
    base_path = urlsplit(base_url).path or "/"
    prefixes: Counter = Counter()
    for url in urls:
        match = _DAY_PATH_RE.match(urlsplit(url).path)
        if match:
            prefixes[match.group(1)] += 1
    if not prefixes:
        return None
    prefix, _ = prefixes.most_common(1)[0]
    relative = prefix[len(base_path):] if prefix.startswith(base_path) else prefix.lstrip("/")
    return relative + "{date:%Y/%m/%d}/"


def _is_feed(body: bytes | None) -> int:
    from newslake.discovery import parse_feed

    if not body or b"<" not in body[:512]:
        return 0
    return len(parse_feed(body, "http://x/"))


def _is_sitemap(body: bytes | None) -> bool:
    from newslake.discovery import parse_sitemap

    if not body:
        return False
    children, urls = parse_sitemap(body, "http://x/")
    return bool(children or urls)


def find_entry_points(source: SourceConfig, fetcher: PageFetcher) -> FoundEntryPoints:
    """Look at the homepage and robots.txt (then the CMS's standard paths) for feeds, sitemaps and archives."""
    from newslake.fetching import Outcome

    found = FoundEntryPoints()
    probes = 0

    def get(url: str, kind: str = "xml") -> bytes | None:
        nonlocal probes
        probes += 1
        result = fetcher.fetch(url, kind=kind)
        if result.outcome == Outcome.ROBOTS_DISALLOWED:
            found.problems.append(f"robots.txt disallows {url}")
        return result.body if result.outcome == Outcome.FETCHED else None

    home = fetcher.fetch(source.base_url, kind="html")
    found.homepage_outcome = str(home.outcome)
    if home.outcome != Outcome.FETCHED or not home.body:
        found.problems.append(f"homepage {source.base_url} -> {home.outcome} ({home.error or home.status})")
        html = b""
    else:
        html = home.body
        final_host = urlsplit(home.final_url).hostname
        if not source.is_allowed_host(final_host):
            found.problems.append(f"homepage redirects off the allowed domains to {home.final_url}")
    found.homepage = html
    found.cms = detect_cms(html) if html else None
    found.homepage_links = page_links(html, source.base_url) if html else []
    for url in feed_links(html, source.base_url) if html else []:
        if source.is_allowed_host(urlsplit(url).hostname):
            found.feeds[url] = "link-alternate"
    # Language versions (/ru/, /kz/ ...) have their own feeds on multilingual CMS sites.
    found.language_versions = sorted({urlsplit(u).path for u in found.homepage_links
                                      if urlsplit(u).hostname == urlsplit(source.base_url).hostname
                                      and _LANG_PREFIX_RE.match(urlsplit(u).path)})
    if not found.feeds:
        paths = CMS_FEED_PATHS.get(found.cms or "", ()) + CMS_FEED_PATHS["generic"]
        bases = [source.base_url] + [source.absolute(p.lstrip("/")) for p in found.language_versions]
        tried: set[str] = set()
        for base in bases:  # one feed per version: the first standard path that answers with a feed
            for path in dict.fromkeys(paths):
                url = urljoin(base, path)
                if url in tried or probes >= MAX_PROBES:
                    continue
                tried.add(url)
                if _is_feed(get(url)):
                    found.feeds[url] = f"cms-path:{found.cms or 'generic'}"
                    break
    for url in fetcher.robots(source.base_url).sitemaps:
        if source.is_allowed_host(urlsplit(url).hostname):
            found.sitemaps[url] = "robots"
    if not found.sitemaps:
        for path in SITEMAP_PATHS:
            if probes >= MAX_PROBES:
                break
            url = source.absolute(path)
            if _is_sitemap(get(url)):
                found.sitemaps[url] = "cms-path"
                break
    dated = list(found.homepage_links)
    template = archive_template(dated, source.base_url)
    if template is None:
        from newslake.discovery import parse_feed

        for url in list(found.feeds)[:1]:
            dated = [c.url for c in parse_feed(get(url) or b"", url)]
            template = archive_template(dated, source.base_url)
    if template is not None and probes < MAX_PROBES:
        # Checked, not assumed: the archive page of the latest day seen must list that day's stories.
        from newslake.discovery import parse_archive, url_date

        days = sorted(d for d in (url_date(u) for u in dated) if d is not None)
        page = source.absolute(template.format(date=days[-1])) if days else None
        body = get(page, kind="html") if page else None
        links = parse_archive(body, page)[0] if body and page else []
        day_path = days[-1].strftime("/%Y/%m/%d/") if days else "//"
        if any(day_path in urlsplit(link).path for link in links):
            found.archive, found.archive_method = template, "url-shape"
        else:
            found.problems.append(f"article URLs are dated but no date archive answers at {page}")
    if not (found.feeds or found.sitemaps or found.archive):
        found.problems.append("no feed, sitemap or date archive found")
    return found


def with_found(source: SourceConfig, found: FoundEntryPoints) -> SourceConfig:
    """The source with found entry points added to its configured ones (configured ones first)."""
    d = source.discovery
    feeds = tuple(dict.fromkeys([*d.feeds, *(u for u in found.feeds if source.absolute(u) not in
                                                  {source.absolute(f) for f in d.feeds})]))
    sitemaps = tuple(dict.fromkeys([*d.sitemaps, *found.sitemaps]))
    archive = d.archive or (ArchiveConfig(url_template=found.archive) if found.archive else None)
    return dataclasses.replace(source, discovery=dataclasses.replace(d, feeds=feeds, sitemaps=sitemaps, archive=archive))


def resolve_auto(source: SourceConfig, fetcher: PageFetcher) -> tuple[SourceConfig, dict[str, str]]:
    """For `auto: true` sources, the source with its discovered entry points and their methods; others unchanged."""
    if not source.discovery.auto:
        return source, {}
    found = find_entry_points(source, fetcher)
    methods = found.methods()
    for problem in found.problems:
        log.warning("source %s: auto-discovery: %s", source.id, problem)
    log.info("source %s: auto-discovery found %s", source.id,
             ", ".join(f"{u} ({m})" for u, m in sorted(methods.items())) or "nothing")
    resolved = with_found(source, found)
    d = resolved.discovery
    if not (d.feeds or d.sitemaps or d.archive or d.pages):
        from newslake.discovery import DiscoveryError

        # Nothing to read is a refusal or a changed site, never an empty night.
        raise DiscoveryError(f"source {source.id}: auto-discovery found no feed, sitemap or date archive: "
                             + "; ".join(found.problems), {source.base_url: found.homepage_outcome or "fetched"})
    return resolved, methods
