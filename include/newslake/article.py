"""The Article dataclass: what extraction returns for one page, before lake-level fields are added."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class Article:
    """Every field a page can give, plus where each came from (field_sources) and what is missing."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    description: str | None = None
    body: str | None = None  # paragraphs separated by "\n\n", dateline and byline removed
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None  # timezone-aware, UTC
    modified_at: datetime | None = None  # timezone-aware, UTC
    date_source: str | None = None  # jsonld | meta | feed | sitemap | url | text
    dateline: str | None = None  # raw dateline as printed, e.g. "ASTANA (TCA) —"
    dateline_place: str | None = None  # e.g. "Astana"
    dateline_agency: str | None = None  # e.g. "TCA"
    language: str | None = None  # ISO 639-1
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    extraction_method: str | None = None  # method that produced the body, e.g. "jsonld", "trafilatura"
    field_sources: dict[str, str] = field(default_factory=dict)  # field name -> method
    missing: list[str] = field(default_factory=list)  # important fields the page did not give
    warnings: list[str] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        """Number of whitespace-separated words in the body."""
        return len(self.body.split()) if self.body else 0

    def to_dict(self) -> dict:
        """Plain dict with ISO-8601 datetimes, for JSON output."""
        data = asdict(self)
        for key in ("published_at", "modified_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["word_count"] = self.word_count
        return data


@dataclass(frozen=True)
class Hints:
    """What discovery already knows about a URL (feed pubDate, sitemap date, title)."""

    published_at: datetime | None = None
    date_source: str | None = None  # "feed" or "sitemap"
    title: str | None = None
    language: str | None = None
