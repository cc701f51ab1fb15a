"""Sources that change: warnings naming the source and the reason when its entry points stop working."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from newslake.config import SourceConfig

_GONE = ("gone", "not_html", "blocked")
# Below this share of pages with a publication date, a night fails instead of shrinking the partition.
MIN_DATED_SHARE = 0.5
MIN_PAGES_FOR_DATE_CHECK = 3


def entry_point_warnings(
    source: SourceConfig, outcomes: dict[str, str], counts: Counter, robots_sitemaps: Iterable[str]
) -> list[str]:
    """One warning per configured entry point that stopped working (feed gone, sitemap moved, robots disallow)."""
    announced = [u for u in robots_sitemaps if u in outcomes and outcomes[u] in ("fetched", "not_modified")]
    warnings: list[str] = []
    for feed in source.discovery.feeds:
        url = source.absolute(feed)
        outcome = outcomes.get(url)
        if outcome in _GONE:
            warnings.append(f"source {source.id}: feed {url} is no longer served ({outcome}); "
                            "the site removed or moved it — run `newslake source probe` on its homepage")
        elif outcome == "robots_disallowed":
            warnings.append(f"source {source.id}: robots.txt now disallows the feed {url}")
    for sitemap in source.discovery.sitemaps:
        url = source.absolute(sitemap)
        outcome = outcomes.get(url)
        if outcome in _GONE:
            moved = f"; robots.txt now announces {', '.join(announced)}" if announced else ""
            warnings.append(f"source {source.id}: sitemap {url} is no longer served ({outcome}){moved}")
        elif outcome == "robots_disallowed":
            warnings.append(f"source {source.id}: robots.txt now disallows the sitemap {url}")
    disallowed = sorted(u for u, o in outcomes.items() if o == "robots_disallowed")
    configured = {source.absolute(p) for p in (*source.discovery.feeds, *source.discovery.sitemaps)}
    extra = [u for u in disallowed if u not in configured]
    if extra:
        warnings.append(f"source {source.id}: robots.txt disallows {', '.join(extra)}")
    if source.discovery.feeds and counts.get("feed_items", 0) == 0 and not any(
        outcomes.get(source.absolute(f)) in _GONE for f in source.discovery.feeds
    ) and any(outcomes.get(source.absolute(f)) == "fetched" for f in source.discovery.feeds):
        warnings.append(f"source {source.id}: its feeds answered but list no items")
    return warnings


def undated_problem(source_id: str, day: object, pages: int, undated: int) -> str | None:
    """The failure message when most of a night's pages carry no publication date (the site changed its markup)."""
    if pages < MIN_PAGES_FOR_DATE_CHECK or pages - undated >= MIN_DATED_SHARE * pages:
        return None
    return (f"source {source_id} {day}: {undated}/{pages} pages have no publication date; the site may have "
            f"changed its markup (run `newslake source check {source_id} --date {day}` to see each page)")
