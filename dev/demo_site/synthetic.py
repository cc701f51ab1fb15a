"""Synthetic article pages for benchmarks and tests: many varied pages from the demo site's templates.

Pages come from the demo site's own templates (dev/demo_site) and stories: each synthetic article
takes one of the 48 stories, a layout and JSON-LD shape chosen by its number, a unique slug, a
publication time spread over the day and a paragraph order and extra paragraph of its own, so
bodies, URLs and content hashes never repeat. The same arguments always give the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

if __package__:
    from .catalog import Catalog, Story, load_catalog
    from .pages import render_story
else:  # run as a script from dev/demo_site/
    from catalog import Catalog, Story, load_catalog  # type: ignore[no-redef]
    from pages import render_story  # type: ignore[no-redef]

LAYOUTS = ("wordpress", "drupal", "minimal", "amp")
JSONLD = ("plain", "graph", "none")
DATE_META = ("og", "time")
BYLINES = ("name", "by")


@dataclasses.dataclass(frozen=True)
class SyntheticPage:
    """One synthetic fetched page: its URL, the bytes served and the response headers."""

    url: str
    body: bytes
    headers: dict[str, str]
    fetched_at: datetime


def _variant(story: Story, others: list[Story], n: int, day: date, count: int, paragraphs: int | None) -> Story:
    published = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=(n * 86_399) // max(count, 1))
    paras = list(story.paragraphs)
    shift = n % len(paras)
    paras = paras[shift:] + paras[:shift]
    # One paragraph borrowed from another story of the language: the body (and its hash) is unique.
    extra = others[(n * 7 + 3) % len(others)].paragraphs[n % 2]
    paras = (paras[:paragraphs] if paragraphs else paras) + [f"{extra} ({n})"]
    return dataclasses.replace(
        story,
        slug=f"{story.slug}-{n:05d}",
        title=f"{story.title} ({n})",
        published_raw=published.isoformat(),
        modified_raw=None,
        paragraphs=tuple(paras),
        layout=LAYOUTS[n % len(LAYOUTS)],
        jsonld=JSONLD[(n // len(LAYOUTS)) % len(JSONLD)],
        date_meta=DATE_META[n % 2],
        byline=BYLINES[(n // 3) % 2],
        author_in_meta=bool(n % 2),
        path_override=None,
    )


def synthetic_pages(
    day: date,
    count: int,
    base_url: str = "http://127.0.0.1:8765/",
    *,
    paragraphs: int | None = None,
    catalog: Catalog | None = None,
) -> Iterator[SyntheticPage]:
    """count distinct article pages published on day (UTC), one at a time; paragraphs caps each page's story text."""
    catalog = catalog or load_catalog()
    stories = [s for s in catalog.stories if s.kind == "article"]
    by_lang = {lang: [s for s in stories if s.lang == lang] for lang in {s.lang for s in stories}}
    base = base_url if base_url.endswith("/") else base_url + "/"
    for n in range(count):
        story = stories[n % len(stories)]
        variant = _variant(story, by_lang[story.lang], n, day, count, paragraphs)
        html = render_story(variant, catalog, base)
        charset = "windows-1251" if variant.encoding == "windows-1251" else "utf-8"
        fetched_at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1, minutes=5, milliseconds=n)
        yield SyntheticPage(
            url=base + variant.path.lstrip("/"),
            body=html.encode(charset),
            headers={"content-type": f"text/html; charset={charset}",
                     "etag": f'"syn-{day.isoformat()}-{n}"'},
            fetched_at=fetched_at,
        )
