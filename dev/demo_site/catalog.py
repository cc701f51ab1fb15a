"""The Steppe Wire catalogue: stories and traps loaded from the bundled JSON, with URLs and the answer key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

SITE_NAME = "Steppe Wire"
AGENCY = "NL"
CONTENT_DIR = Path(__file__).resolve().parent / "content"

SECTIONS = {
    "internet": {"en": "Internet Freedom", "ru": "Интернет"},
    "courts": {"en": "Courts", "ru": "Суды"},
    "media": {"en": "Media", "ru": "СМИ"},
    "policy": {"en": "Policy", "ru": "Политика"},
    "features": {"en": "Features", "ru": "Репортажи"},
}

TRAP_OUTCOMES = {
    "no_date": "quarantined",
    "duplicate": "duplicate",
    "stub": "quarantined",
    "not_found": "gone",
    "server_error": "transient_failed",
    "robots_disallowed": "robots_disallowed",
}


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp with an explicit offset (or Z) into an aware datetime."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value!r}")
    return dt


def utc_z(dt: datetime) -> str:
    """Format an aware datetime as UTC ISO-8601 with a trailing Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Story:
    """One page of the site that looks like an article (real story, stub or undated feature)."""

    slug: str
    lang: str
    section_key: str
    tags: tuple[str, ...]
    title: str
    description: str
    published_raw: str | None
    modified_raw: str | None
    authors: tuple[str, ...]
    dateline_place: str
    paragraphs: tuple[str, ...]
    layout: str = "wordpress"
    jsonld: str = "plain"  # plain | graph | none
    author_form: str = "object"  # object | list | string (how JSON-LD gives authors)
    date_meta: str = "og"  # og | time : where the date sits when there is no JSON-LD
    byline: str = "name"  # name | by
    author_in_meta: bool = False
    encoding: str = "utf-8"
    kind: str = "article"  # article | stub | no_date
    path_override: str | None = None

    @property
    def section(self) -> str:
        return SECTIONS[self.section_key][self.lang]

    @property
    def published_at(self) -> datetime | None:
        return parse_iso(self.published_raw) if self.published_raw else None

    @property
    def modified_at(self) -> datetime | None:
        return parse_iso(self.modified_raw) if self.modified_raw else None

    @property
    def last_modified(self) -> datetime:
        """When the page last changed (modified, else published, else a fixed site date)."""
        return self.modified_at or self.published_at or datetime(2026, 11, 1, tzinfo=UTC)

    @property
    def day(self) -> str | None:
        """UTC calendar day of publication, YYYY-MM-DD."""
        pub = self.published_at
        return pub.astimezone(UTC).strftime("%Y-%m-%d") if pub else None

    @property
    def path(self) -> str:
        if self.path_override:
            return self.path_override
        return f"/{self.lang}/{self.day.replace('-', '/')}/{self.slug}/"

    @property
    def dateline(self) -> str:
        return f"{self.dateline_place.upper()} ({AGENCY}) —"

    @property
    def byline_text(self) -> str:
        joiner = " и " if self.lang == "ru" else " and "
        names = ", ".join(self.authors[:-1]) + joiner + self.authors[-1] if len(self.authors) > 1 else self.authors[0]
        if self.byline == "by":
            return ("Автор: " if self.lang == "ru" else "By ") + names
        return names

    @property
    def body_paragraphs(self) -> list[str]:
        """Paragraphs as printed: dateline in front of the first, byline as the last line."""
        paras = list(self.paragraphs)
        if paras:
            paras[0] = f"{self.dateline} {paras[0]}"
        if self.authors:
            paras.append(self.byline_text)
        return paras

    @property
    def clean_body(self) -> str:
        """Body as an extractor should return it: no dateline, no byline."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Trap:
    """A URL discovery will find that must end with a specific, counted outcome."""

    kind: str
    path: str
    day: str
    title: str
    listed_in: tuple[str, ...]  # archive | sitemap
    listed_at: datetime  # position in listings, lastmod in sitemaps
    story: Story | None = None  # page content for traps that render a page

    @property
    def expected_outcome(self) -> str:
        return TRAP_OUTCOMES[self.kind]


@dataclass
class Catalog:
    """All stories and traps of the site, indexed for the server."""

    stories: list[Story]
    traps: list[Trap]
    by_path: dict[str, Story] = field(default_factory=dict)
    trap_by_path: dict[str, Trap] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stories.sort(key=lambda s: (s.published_at, s.slug))
        self.by_path = {s.path: s for s in self.stories}
        self.trap_by_path = {t.path: t for t in self.traps}

    @property
    def days(self) -> list[str]:
        return sorted({s.day for s in self.stories})

    def stories_on(self, day: str) -> list[Story]:
        return [s for s in self.stories if s.day == day]

    def latest(self, n: int) -> list[Story]:
        return sorted(self.stories, key=lambda s: s.published_at, reverse=True)[:n]

    def archive_entries(self, day: str) -> list[tuple[str, str, datetime | None]]:
        """(path, title, shown time) of everything the day's archive lists, newest first."""
        rows = [(s.published_at, s.path, s.title, s.published_at) for s in self.stories_on(day)]
        rows += [(t.listed_at, t.path, t.title, None if t.kind == "no_date" else t.listed_at)
                 for t in self.traps if t.day == day and "archive" in t.listed_in]
        rows.sort(key=lambda r: r[0], reverse=True)
        return [(path, title, shown) for _, path, title, shown in rows]

    def sitemap_entries(self) -> list[tuple[str, datetime]]:
        """(path, lastmod) for the monthly posts sitemap: stories plus sitemap-listed traps."""
        rows = [(s.path, s.last_modified) for s in self.stories]
        rows += [(t.path, t.listed_at) for t in self.traps if "sitemap" in t.listed_in]
        return sorted(rows, key=lambda r: r[1])

    def news_stories(self) -> list[Story]:
        """Stories of the last two UTC days, as a Google News sitemap carries them."""
        keep = set(self.days[-2:])
        return [s for s in self.stories if s.day in keep]

    def answer_key(self, base_url: str) -> dict:
        """The expected ingest result per day: valid articles and trap outcomes."""
        base = base_url.rstrip("/")
        articles = []
        for s in self.stories:
            articles.append({
                "url": base + s.path,
                "canonical_url": base + s.path,
                "day": s.day,
                "title": s.title,
                "description": s.description,
                "published_at": utc_z(s.published_at),
                "modified_at": utc_z(s.modified_at) if s.modified_at else None,
                "dateline": s.dateline,
                "dateline_place": s.dateline_place,
                "dateline_agency": AGENCY,
                "authors": list(s.authors),
                "language": s.lang,
                "section": s.section,
                "tags": list(s.tags),
                "has_jsonld": s.jsonld != "none",
                "date_in": "jsonld" if s.jsonld != "none" else ("meta" if s.date_meta == "og" else "time"),
                "layout": s.layout,
                "encoding": s.encoding,
                "body": s.clean_body,
                "word_count": len(s.clean_body.split()),
            })
        traps = [{"kind": t.kind, "url": base + t.path, "day": t.day, "expected_outcome": t.expected_outcome}
                 for t in self.traps]
        for t in traps:
            if t["kind"] == "duplicate":
                original = self.trap_by_path[t["url"][len(base):]].story
                t["duplicate_of"] = base + original.path
        per_day = {}
        for day in self.days:
            kinds: dict[str, int] = {}
            for t in self.traps:
                if t.day == day:
                    kinds[t.kind] = kinds.get(t.kind, 0) + 1
            per_day[day] = {"articles": len(self.stories_on(day)), "traps": kinds}
        return {"site": SITE_NAME, "agency": AGENCY, "days": self.days, "articles": articles,
                "traps": traps, "per_day": per_day}


def _story(data: dict, kind: str = "article", path: str | None = None) -> Story:
    flags = data.get("flags", {})
    section = data["section"]
    if section not in SECTIONS:
        raise ValueError(f"{data['slug']}: unknown section {section!r}")
    return Story(
        slug=data["slug"],
        lang=data["lang"],
        section_key=section,
        tags=tuple(data.get("tags", ())),
        title=data["title"],
        description=data["description"],
        published_raw=data.get("published_at"),
        modified_raw=data.get("modified_at"),
        authors=tuple(data.get("authors", ())),
        dateline_place=data.get("dateline_place", ""),
        paragraphs=tuple(data["paragraphs"]),
        layout=data.get("layout", "wordpress"),
        jsonld=flags.get("jsonld", "plain"),
        author_form=flags.get("author_form", "object"),
        date_meta=flags.get("date_meta", "og"),
        byline=flags.get("byline", "name"),
        author_in_meta=flags.get("author_in_meta", False),
        encoding=flags.get("encoding", "utf-8"),
        kind=kind,
        path_override=path,
    )


def load_catalog(content_dir: Path = CONTENT_DIR) -> Catalog:
    """Read every content/*.json story file and content/traps.json into a Catalog."""
    stories = []
    for path in sorted(content_dir.glob("*.json")):
        if path.name == "traps.json":
            continue
        stories += [_story(item) for item in json.loads(path.read_text(encoding="utf-8"))]
    by_slug = {s.slug: s for s in stories}
    if len(by_slug) != len(stories):
        raise ValueError("duplicate slug in demo site content")
    traps = []
    for item in json.loads((content_dir / "traps.json").read_text(encoding="utf-8")):
        kind = item["kind"]
        story = None
        if kind == "duplicate":
            story = by_slug[item["of"]]
            path = "/amp" + story.path
            title, day = story.title, story.day
            listed_at = story.published_at + timedelta(seconds=1)
        else:
            listed_at = parse_iso(item["listed_at"])
            day = listed_at.astimezone(UTC).strftime("%Y-%m-%d")
        if "story" in item:
            story = _story(item["story"], kind=kind, path=item.get("path"))
            path, title = story.path, story.title
        elif kind != "duplicate":
            path, title = item["path"], item["title"]
        traps.append(Trap(kind=kind, path=path, day=day, title=title, listed_in=tuple(item["listed_in"]),
                          listed_at=listed_at, story=story))
    return Catalog(stories=stories, traps=traps)
