"""The five stages over object storage, shared by the Airflow DAG and the CLI.

Each stage reads what the previous one left in the store and returns a small dict of keys and
counts (what goes into XCom). Nothing here imports Airflow.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from newslake.config import SourceConfig

log = logging.getLogger(__name__)

WORK_ZONE = "_work"


class StageError(RuntimeError):
    """A stage finished but its result must fail the run (the message says why)."""


@dataclass(frozen=True)
class RunContext:
    """What every stage needs: the source, the interval [start, end), the run id and the store."""

    source: SourceConfig
    start: datetime
    end: datetime
    run_id: str
    store: object  # newslake.storage.ObjectStore

    @property
    def day(self) -> date:
        """The UTC day the interval starts on: the dt of every partition this run owns."""
        return self.start.astimezone(timezone.utc).date()

    def work_key(self, name: str) -> str:
        """Key of a hand-over object between tasks of this run's partition."""
        return f"{WORK_ZONE}/source={self.source.id}/dt={self.day.isoformat()}/{name}"


def resolve_interval(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The run's [start, end) in UTC; without one (manual trigger, logical_date null), the last complete day."""
    if start is not None and end is not None and end > start:
        return _plain_utc(start), _plain_utc(end)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    today = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    return today - timedelta(days=1), today


def _plain_utc(value: datetime) -> datetime:
    # Airflow hands out pendulum DateTimes; pandas/GX comparisons want the standard library type.
    return datetime.fromtimestamp(value.timestamp(), tz=timezone.utc)


def day_interval(day: date) -> tuple[datetime, datetime]:
    """[day 00:00 UTC, next day 00:00 UTC)."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def _put_json(ctx: RunContext, name: str, payload: dict) -> str:
    key = ctx.work_key(name)
    ctx.store.put(key, json.dumps(payload, sort_keys=True, indent=1).encode(), content_type="application/json")
    return key


def _get_json(ctx: RunContext, name: str) -> dict:
    return json.loads(ctx.store.get(ctx.work_key(name)))


def discover_stage(ctx: RunContext, fetcher) -> dict:
    """Find candidate URLs for the interval and store them for the fetch stage."""
    from newslake.discovery import ConditionalCache, candidates_to_rows, discover

    result = discover(ctx.source, ctx.start, ctx.end, fetcher, ConditionalCache(ctx.store, ctx.source.id))
    summary = result.summary()
    log.info("discovered %d candidates for %s %s: %s", len(result.candidates), ctx.source.id, ctx.day, summary)
    key = _put_json(
        ctx,
        "candidates.json",
        {"counts": summary, "entry_points": result.entry_points, "candidates": candidates_to_rows(result.candidates)},
    )
    return {"key": key, **summary}


def fetch_stage(ctx: RunContext, fetcher) -> dict:
    """Fetch every candidate politely, storing raw bodies and the day's raw index before any parsing."""
    from newslake.discovery import candidates_from_rows
    from newslake.rawzone import RawZoneWriter

    candidates = {c.url: c for c in candidates_from_rows(_get_json(ctx, "candidates.json")["candidates"])}
    total = len(candidates)
    writer = RawZoneWriter(ctx.store, ctx.source.id, ctx.day, ctx.run_id)
    for done, result in enumerate(fetcher.fetch_many(list(candidates)), start=1):
        writer.add(result, extra=_hint_columns(candidates.get(result.url)))
        if done % 25 == 0 or done == total:
            so_far = writer.counts
            log.info("fetched %d/%d, %d failed", done, total, done - so_far["fetched"] - so_far["not_modified"])
    writer.close()
    counts = {"candidates": total, **writer.counts}
    _put_json(ctx, "fetch.json", counts)
    _check_fetch_health(ctx, counts)
    return counts


def _hint_columns(candidate) -> dict:
    """What discovery knew about a URL, kept in the raw index so a replay extracts with the same hints."""
    return {
        "hint_published_at": candidate.published_at.isoformat() if candidate and candidate.published_at else None,
        "hint_date_source": candidate.date_source if candidate else None,
        "hint_title": candidate.title if candidate else None,
        "hint_language": candidate.language if candidate else None,
    }


def _check_fetch_health(ctx: RunContext, counts: dict) -> None:
    total = counts.get("candidates", 0)
    bad = counts.get("blocked", 0) + counts.get("transient_failed", 0)
    if total and bad / total > ctx.source.fetch.blocked_share_threshold:
        raise StageError(
            f"source {ctx.source.id} {ctx.day}: {bad}/{total} URLs blocked or failing "
            f"(blocked={counts.get('blocked', 0)}, transient_failed={counts.get('transient_failed', 0)}), "
            f"above the {ctx.source.fetch.blocked_share_threshold:.0%} threshold: the source may be blocking us"
        )
    if ctx.source.min_articles_per_day and counts.get("fetched", 0) == 0 and counts.get("not_modified", 0) == 0:
        raise StageError(
            f"source {ctx.source.id} {ctx.day}: 0 pages fetched ({total} candidates) but the source normally "
            f"yields at least {ctx.source.min_articles_per_day} articles a day"
        )


def replay_fetch_stage(ctx: RunContext) -> dict:
    """Reuse the day's raw zone instead of the network (replay mode); fails when there is none."""
    from newslake.rawzone import index_counts, read_raw_index

    try:
        index = read_raw_index(ctx.store, ctx.source.id, ctx.day)
    except KeyError:
        raise StageError(
            f"replay requested for {ctx.source.id} {ctx.day} but the raw zone has no _index.parquet for that day"
        ) from None
    counts = {"candidates": index.num_rows, "replayed": True, **index_counts(index)}
    _put_json(ctx, "fetch.json", counts)
    return counts


def _hints_from_row(row: dict):
    from newslake.article import Hints
    from newslake.extraction.dates import parse_datetime

    return Hints(
        published_at=parse_datetime(row.get("hint_published_at")),
        date_source=row.get("hint_date_source"),
        title=row.get("hint_title"),
        language=row.get("hint_language"),
    )


def build_record(article, row: dict) -> dict:
    """One lake record from an extracted Article and its raw index row."""
    from newslake.urls import article_id

    canonical = article.canonical_url if _same_site(article.canonical_url, row) else None
    canonical = canonical or row.get("final_url") or row["url"]
    body = article.body or ""
    return {
        "article_id": article_id(canonical),
        "url": row["url"],
        "canonical_url": canonical,
        "title": article.title,
        "description": article.description,
        "body": article.body,
        "authors": list(article.authors or []),
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "date_source": article.date_source,
        "dateline": article.dateline,
        "dateline_place": article.dateline_place,
        "dateline_agency": article.dateline_agency,
        "language": article.language,
        "section": article.section,
        "tags": list(article.tags or []),
        "word_count": article.word_count,
        "content_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "extraction_method": article.extraction_method,
        "field_sources": json.dumps(article.field_sources or {}, sort_keys=True),
        "http_status": row.get("status"),
        "fetched_at": row.get("fetched_at"),
        "raw_key": row.get("raw_key"),
        "run_id": row.get("run_id"),
    }


def _same_site(canonical: str | None, row: dict) -> bool:
    from urllib.parse import urlsplit

    if not canonical:
        return False
    # A canonical pointing to another host is not trusted as identity (could merge unrelated articles).
    return urlsplit(canonical).hostname == urlsplit(row.get("final_url") or row["url"]).hostname


def _prefer(record: dict, other: dict) -> bool:
    """True when record is the better copy of a duplicated article (the one fetched at its canonical URL)."""
    from newslake.urls import normalise_url

    mine = normalise_url(record["url"]) == normalise_url(record["canonical_url"])
    theirs = normalise_url(other["url"]) == normalise_url(other["canonical_url"])
    return (mine, -len(record["url"]), record["url"]) > (theirs, -len(other["url"]), other["url"])


def extract_stage(ctx: RunContext) -> dict:
    """Extract records from the day's raw zone, dropping duplicates and articles of other days."""
    from newslake.extraction import extract_article
    from newslake.fetching import decode_html
    from newslake.lake import ARTICLE_SCHEMA, parquet_bytes, records_to_table
    from newslake.rawzone import read_raw_body, read_raw_index

    index = read_raw_index(ctx.store, ctx.source.id, ctx.day)
    counts: Counter = Counter()
    records: dict[str, dict] = {}
    for row in sorted(index.to_pylist(), key=lambda r: r["url"]):
        if row["outcome"] != "fetched" or not row.get("raw_key"):
            continue
        counts["pages"] += 1
        try:
            # The response's charset header is evidence too: decode with it, not from the bytes alone.
            headers = json.loads(row.get("headers") or "{}")
            html = decode_html(read_raw_body(ctx.store, row["raw_key"]), headers)
            article = extract_article(html, row.get("final_url") or row["url"], hints=_hints_from_row(row), source=ctx.source)
        except Exception as exc:  # a single bad page must not sink the run; it is counted
            log.warning("unparseable page %s: %s", row["url"], exc)
            counts["unparseable"] += 1
            continue
        record = build_record(article, row)
        published = record["published_at"]
        if published is not None and not (ctx.start <= published < ctx.end):
            counts["out_of_interval"] += 1
            continue
        previous = records.get(record["article_id"])
        if previous is not None:
            counts["duplicates"] += 1
            if not _prefer(record, previous):
                continue
        records[record["article_id"]] = record
    table = records_to_table(list(records.values()), ARTICLE_SCHEMA)
    ctx.store.put(ctx.work_key("extracted.parquet"), parquet_bytes(table))
    result = {"extracted": table.num_rows, **dict(sorted(counts.items()))}
    _put_json(ctx, "extract.json", result)
    log.info("extracted %s", result)
    return result


def validate_stage(ctx: RunContext) -> dict:
    """Run the Great Expectations suite; quarantine failing rows; fail on blocking checks or too much quarantine."""
    from newslake.lake import parquet_bytes, read_parquet_bytes, write_partition
    from newslake.validation import validate_articles

    table = read_parquet_bytes(ctx.store.get(ctx.work_key("extracted.parquet")))
    outcome = validate_articles(table, start=ctx.start, end=ctx.end, languages=ctx.source.languages)
    write_partition(ctx.store, "quarantine", ctx.source.id, ctx.day, outcome.quarantine, run_id=ctx.run_id)
    quality_key = f"quality/source={ctx.source.id}/dt={ctx.day.isoformat()}/validation.json"
    ctx.store.put(
        quality_key,
        json.dumps(outcome.report, sort_keys=True, indent=1, default=str).encode(),
        content_type="application/json",
    )
    ctx.store.put(ctx.work_key("validated.parquet"), parquet_bytes(outcome.valid))
    total = table.num_rows
    quarantined = outcome.quarantine.num_rows
    share = quarantined / total if total else 0.0
    result = {
        "rows": total,
        "valid": outcome.valid.num_rows,
        "quarantined": quarantined,
        "quarantine_share": round(share, 4),
        "failed_blocking": list(outcome.failed_blocking),
        "quality_key": quality_key,
    }
    _put_json(ctx, "validate.json", result)
    if outcome.failed_blocking:
        raise StageError(f"blocking expectations failed for {ctx.source.id} {ctx.day}: {outcome.failed_blocking}")
    if share > ctx.source.quarantine_threshold:
        raise StageError(
            f"{quarantined}/{total} records quarantined for {ctx.source.id} {ctx.day} ({share:.0%}), above the "
            f"source threshold {ctx.source.quarantine_threshold:.0%}; see quarantine/ and {quality_key}"
        )
    return result


def publish_stage(ctx: RunContext) -> dict:
    """Replace the day's articles partition atomically and write its _SUCCESS manifest."""
    from newslake.lake import SCHEMA_VERSION, read_parquet_bytes, write_partition

    table = read_parquet_bytes(ctx.store.get(ctx.work_key("validated.parquet")))
    counts = {}
    for stage in ("candidates", "fetch", "extract", "validate"):
        try:
            data = _get_json(ctx, f"{stage}.json")
        except KeyError:
            continue
        counts[stage] = data.get("counts", data) if stage == "candidates" else data
    manifest = write_partition(
        ctx.store, "articles", ctx.source.id, ctx.day, table, run_id=ctx.run_id, extra_manifest={"counts": counts}
    )
    log.info("published %d rows to articles/source=%s/dt=%s", table.num_rows, ctx.source.id, ctx.day)
    return {
        "source": ctx.source.id,
        "day": ctx.day.isoformat(),
        "rows": table.num_rows,
        "quarantined": counts.get("validate", {}).get("quarantined", 0),
        "sha256": manifest["sha256"],
        "run_id": ctx.run_id,
        "schema_version": SCHEMA_VERSION,
        "key": manifest["key"],
    }


def run_all(ctx: RunContext, *, replay: bool = False) -> dict:
    """All five stages in one process (CLI `newslake ingest`): same code and output as the DAG."""
    from newslake.fetching import Fetcher

    report = {}
    if replay:
        report["fetch"] = replay_fetch_stage(ctx)
    else:
        with Fetcher(ctx.source) as fetcher:
            report["discover"] = discover_stage(ctx, fetcher)
            report["fetch"] = fetch_stage(ctx, fetcher)
    report["extract"] = extract_stage(ctx)
    report["validate"] = validate_stage(ctx)
    report["publish"] = publish_stage(ctx)
    return report
