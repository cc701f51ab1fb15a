"""The five stages over object storage, shared by the Airflow DAG and the CLI.

Each stage is handed the previous stage's StageResult, reads exactly the objects it names, writes
its own under the run's hand-over prefix (_work/source=<id>/dt=<day>/run=<run>/) and returns a new
StageResult: keys and counts only, which is what goes into XCom. The interval travels in the
result, so it is resolved once per run. Nothing here imports Airflow.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from newslake import layout
from newslake.config import SourceConfig
from newslake.errors import (
    BlockingExpectationError,
    DataQualityError,
    MissingInputError,
    QuarantineThresholdError,
    SourceBlockedError,
    SourceUnreachableError,
    TooFewArticlesError,
)
from newslake.storage import ObjectNotFound, ObjectStore
from newslake.wording import plural

if TYPE_CHECKING:
    from newslake.fetching import PageFetcher
    from newslake.lease import SourceLease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    """What every stage needs: the source, the interval [start, end), the run id and the store."""

    source: SourceConfig
    start: datetime
    end: datetime
    run_id: str
    store: ObjectStore

    @property
    def day(self) -> date:
        """The UTC day the interval starts on: the dt of every partition this run owns."""
        return self.start.astimezone(UTC).date()

    def work_key(self, name: str) -> str:
        """Key of one of this run's hand-over objects."""
        return layout.work_key(self.source.id, self.day, self.run_id, name)

    def first_result(self) -> StageResult:
        """The empty result a run starts from: just its interval."""
        return StageResult(stage="start", interval=(self.start.isoformat(), self.end.isoformat()))


@dataclass(frozen=True)
class StageResult:
    """What one stage hands the next: the objects written so far (by name) and each stage's counts."""

    stage: str
    interval: tuple[str, str]
    keys: dict[str, str] = field(default_factory=dict)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, list[str]] = field(default_factory=dict)  # stage -> [started, finished] (UTC ISO)

    def then(self, stage: str, counts: dict[str, Any], started: datetime, **keys: str) -> StageResult:
        """The result after stage (which began at started): earlier keys, counts and timings plus this stage's."""
        span = [started.isoformat(timespec="milliseconds"), _now().isoformat(timespec="milliseconds")]
        # The task's summary line: every outcome count of the stage, in one map.
        log.info("%s summary: %s", stage, json.dumps(counts, sort_keys=True, default=str))
        return StageResult(
            stage, self.interval, {**self.keys, **keys}, {**self.counts, stage: counts}, {**self.timings, stage: span}
        )

    def key(self, name: str) -> str:
        """The key of a hand-over object an earlier stage wrote; MissingInputError if none did."""
        try:
            return self.keys[name]
        except KeyError:
            raise MissingInputError(f"stage {self.stage} handed over no {name!r} object (have: {sorted(self.keys)})") from None

    def to_xcom(self) -> dict[str, Any]:
        """JSON-ready form for XCom (keys and counts only)."""
        return {
            "stage": self.stage,
            "interval": list(self.interval),
            "keys": self.keys,
            "counts": self.counts,
            "timings": self.timings,
        }

    @classmethod
    def from_xcom(cls, value: dict[str, Any]) -> StageResult:
        """Rebuild a result from its XCom form."""
        start, end = value["interval"]
        return cls(
            value["stage"],
            (start, end),
            dict(value.get("keys") or {}),
            dict(value.get("counts") or {}),
            dict(value.get("timings") or {}),
        )

    def bounds(self) -> tuple[datetime, datetime]:
        """The run's interval as aware UTC datetimes."""
        start, end = (datetime.fromisoformat(v).astimezone(UTC) for v in self.interval)
        return start, end


def _now() -> datetime:
    return datetime.now(UTC)


def last_complete_day(moment: datetime) -> tuple[datetime, datetime]:
    """[yesterday 00:00, today 00:00) UTC for a moment: the interval a run triggered then covers."""
    moment = moment.astimezone(UTC)
    today = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return today - timedelta(days=1), today


def resolve_interval(
    start: datetime | None, end: datetime | None, triggered_at: datetime
) -> tuple[datetime, datetime]:
    """The run's [start, end) in UTC; without one (manual trigger, no logical date), the last complete day before triggered_at.

    Call once per run (its first task) and hand the result on: the trigger moment is fixed per
    run, so retries and later tasks cannot drift to another day around midnight.
    """
    if start is not None and end is not None and end > start:
        return _plain_utc(start), _plain_utc(end)
    return last_complete_day(triggered_at)


def _plain_utc(value: datetime) -> datetime:
    # Airflow hands out pendulum DateTimes; pandas/GX comparisons want the standard library type.
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def day_interval(day: date) -> tuple[datetime, datetime]:
    """[day 00:00 UTC, next day 00:00 UTC)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _put_json(ctx: RunContext, name: str, payload: dict) -> str:
    key = ctx.work_key(name)
    ctx.store.put(key, json.dumps(payload, sort_keys=True, indent=1).encode(), content_type="application/json")
    return key


def discover_stage(ctx: RunContext, fetcher: PageFetcher, handed: StageResult | None = None) -> StageResult:
    """Find candidate URLs for the interval and store them for the fetch stage."""
    from newslake.discovery import ConditionalCache, DiscoveryError, candidates_to_rows, discover
    from newslake.extraction.dates import reading_dates

    started = _now()
    index_running(ctx)
    try:
        from newslake.discovery_auto import resolve_auto

        source, methods = resolve_auto(ctx.source, fetcher)  # `auto: true`: entry points found at run time
        with reading_dates(ctx.source.timezone):  # a feed's offset-less pubDate is the site's local time
            result = discover(source, ctx.start, ctx.end, fetcher, ConditionalCache(ctx.store, ctx.source.id))
    except DiscoveryError as exc:
        # Timeouts and refused connections may pass; refusals (403, robots, 404 feeds) will not.
        raise (SourceUnreachableError if exc.transient else SourceBlockedError)(str(exc)) from exc
    summary = result.summary()
    if result.warnings:
        summary["warnings"] = result.warnings
    used = {url: methods.get(url, "configured") for url in result.entry_points}
    log.info("discovered %d candidates for %s %s: %s; entry points: %s", len(result.candidates), ctx.source.id,
             ctx.day, summary, ", ".join(f"{u} ({m}: {result.entry_points[u]})" for u, m in sorted(used.items())))
    key = _put_json(
        ctx,
        "candidates.json",
        {"entry_points": result.entry_points, "entry_point_methods": used,
         "candidates": candidates_to_rows(result.candidates)},
    )
    return (handed or ctx.first_result()).then("discover", summary, started, candidates=key)


def fetch_stage(
    ctx: RunContext,
    fetcher: PageFetcher,
    handed: StageResult,
    lease: SourceLease | None = None,
    max_articles: int | None = None,
) -> StageResult:
    """Fetch every candidate politely, storing raw bodies and the day's raw index before any parsing.

    max_articles (a quick test run) fetches only the first N candidates; the rest are counted as capped.
    """
    from newslake.discovery import PRUNE_SLACK, candidates_from_rows
    from newslake.fetching import Outcome
    from newslake.rawzone import RawZoneWriter, index_key, stored_pages
    from newslake.reuse import Plan, plan_for, reuse_days

    started = _now()
    handover = json.loads(ctx.store.get(handed.key("candidates")))
    candidates = {c.url: c for c in candidates_from_rows(handover["candidates"])}
    capped = 0
    if max_articles and len(candidates) > max_articles:
        capped = len(candidates) - max_articles
        candidates = dict(list(candidates.items())[:max_articles])
        log.info("fetch capped at %d of %d candidates (max_articles)", max_articles, max_articles + capped)
    total = len(candidates)
    # Bodies this day or a neighbour already holds: the neighbours' runs had the same URL-dated candidates.
    stored = stored_pages(ctx.store, ctx.source.id, reuse_days(ctx.day, PRUNE_SLACK))
    plans = {url: plan_for(c.changed_at, stored.get(url)) for url, c in candidates.items()}
    writer = RawZoneWriter(ctx.store, ctx.source.id, ctx.day, ctx.run_id)
    # Which entry points discovery used, and how it found them, travel with the day's raw index.
    writer.metadata["newslake.entry_points"] = json.dumps(
        {url: {"outcome": outcome, "method": (handover.get("entry_point_methods") or {}).get(url, "configured")}
         for url, outcome in handover.get("entry_points", {}).items()}, sort_keys=True)
    lost: list[str] = []  # stored bodies that vanished (a neighbour's rerun dropped them): fetch afresh

    def keep(url: str, outcome: Outcome) -> None:
        try:
            writer.keep(stored[url], outcome, extra=_hint_columns(candidates[url]))
        except ObjectNotFound:
            lost.append(url)

    for url in sorted(u for u, plan in plans.items() if plan is Plan.REUSE):
        keep(url, Outcome.REUSED)
    revalidate = {u: stored[u].validators for u, plan in plans.items() if plan is Plan.REVALIDATE}
    to_fetch = [u for u, plan in plans.items() if plan is not Plan.REUSE] + lost
    lost.clear()
    done = total - len(to_fetch)
    _log_progress(writer, done, total)
    for result in fetcher.fetch_many(to_fetch, validators=revalidate):
        done += 1
        if result.outcome is Outcome.NOT_MODIFIED and result.url in revalidate:
            keep(result.url, Outcome.NOT_MODIFIED)  # the stored body is still current
        else:
            writer.add(result, extra=_hint_columns(candidates.get(result.url)))
        _log_progress(writer, done, total)
    if lost:  # 304s whose stored body vanished meanwhile: fetch them whole
        for result in fetcher.fetch_many(lost):
            writer.add(result, extra=_hint_columns(candidates.get(result.url)))
    if lease is not None:
        lease.renew()  # still ours: nobody else fetched this source meanwhile
    writer.close()
    counts = {"candidates": total, **writer.counts, **({"capped": capped} if capped else {})}
    _check_fetch_health(ctx, counts)
    return handed.then("fetch", counts, started, raw_index=index_key(ctx.source.id, ctx.day))


def _hint_columns(candidate) -> dict:
    """What discovery knew about a URL, kept in the raw index so a replay extracts with the same hints."""
    from newslake.reuse import CHANGED_AT_COLUMN

    return {
        "hint_published_at": candidate.published_at.isoformat() if candidate and candidate.published_at else None,
        "hint_date_source": candidate.date_source if candidate else None,
        "hint_title": candidate.title if candidate else None,
        "hint_language": candidate.language if candidate else None,
        # the last-modified claim the body is checked against before the next run reuses it
        CHANGED_AT_COLUMN: candidate.changed_at.isoformat() if candidate and candidate.changed_at else None,
    }


def _log_progress(writer, done: int, total: int) -> None:
    if done and (done % 25 == 0 or done == total):
        so_far = writer.counts
        log.info("fetch %d/%d (%d failed)", done, total,
                 done - so_far["fetched"] - so_far["not_modified"] - so_far["reused"])


def _check_fetch_health(ctx: RunContext, counts: dict) -> None:
    total = counts.get("candidates", 0)
    bad = counts.get("blocked", 0) + counts.get("transient_failed", 0)
    if total and bad / total > ctx.source.fetch.blocked_share_threshold:
        raise SourceBlockedError(
            f"source {ctx.source.id} {ctx.day}: {bad}/{total} URLs blocked or failing "
            f"(blocked={counts.get('blocked', 0)}, transient_failed={counts.get('transient_failed', 0)}), "
            f"above the {ctx.source.fetch.blocked_share_threshold:.0%} threshold: the source may be blocking us"
        )
    if ctx.source.min_articles_per_day and not any(counts.get(o, 0) for o in ("fetched", "not_modified", "reused")):
        raise SourceBlockedError(
            f"source {ctx.source.id} {ctx.day}: 0 pages fetched ({total} candidates) but the source normally "
            f"yields at least {plural(ctx.source.min_articles_per_day, 'article')} a day"
        )


def replay_fetch_stage(ctx: RunContext, handed: StageResult | None = None) -> StageResult:
    """Reuse the day's raw zone instead of the network (replay mode); fails when there is none."""
    from newslake.rawzone import index_counts, index_key, read_raw_index

    started = _now()
    if handed is None or handed.stage == "start":
        index_running(ctx)  # replay runs have no discover stage: they start here
    try:
        index = read_raw_index(ctx.store, ctx.source.id, ctx.day)
    except ObjectNotFound:
        raise MissingInputError(
            f"replay requested for {ctx.source.id} {ctx.day} but the raw zone has no _index.parquet for that day"
        ) from None
    counts = {"candidates": index.num_rows, "replayed": True, **index_counts(index)}
    return (handed or ctx.first_result()).then("fetch", counts, started, raw_index=index_key(ctx.source.id, ctx.day))


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
    """One lake record from an extracted Article and its raw index row, with exactly ARTICLE_SCHEMA's fields."""
    from newslake.enrichment import enrich
    from newslake.lake import ARTICLE_SCHEMA
    from newslake.urls import article_id

    canonical = article.canonical_url if _same_site(article.canonical_url, row) else None
    canonical = canonical or row.get("final_url") or row["url"]
    body = article.body or ""
    values = {
        "article_id": article_id(canonical),
        "url": row["url"],
        "canonical_url": canonical,
        "authors": list(article.authors or []),
        "tags": list(article.tags or []),
        "content_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "field_sources": json.dumps(article.field_sources or {}, sort_keys=True),
        "http_status": row.get("status"),
        "fetched_at": row.get("fetched_at"),
        "raw_key": row.get("raw_key"),
        "run_id": row.get("run_id"),
    }
    enriched = enrich(article.title, body, article.language, article.dateline_place)
    values.update(
        countries=enriched.countries,
        primary_country=enriched.primary_country,
        organizations=enriched.organizations,
        topics=enriched.topics,
        topic_evidence=enriched.evidence_rows(),
    )
    # Every other field is the Article attribute of the same name: a new schema field is one edit.
    return {name: values[name] if name in values else getattr(article, name) for name in ARTICLE_SCHEMA.names}


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


def extract_stage(ctx: RunContext, handed: StageResult) -> StageResult:
    """Extract records from the day's raw zone; interval membership is decided here, once, on the article's date."""
    return extract_table(ctx, handed)[1]


def extract_table(ctx: RunContext, handed: StageResult):
    """extract_stage, also returning the extracted table (so validation in the same process needs no re-read)."""
    from newslake.extraction import extract_article
    from newslake.fetching import decode_html
    from newslake.lake import ARTICLE_SCHEMA, parquet_bytes, read_parquet_bytes, records_to_table
    from newslake.rawzone import iter_raw_bodies, usable_body

    started = _now()
    index = read_parquet_bytes(ctx.store.get(handed.key("raw_index")))
    counts: Counter = Counter()
    records: dict[str, dict] = {}
    rows = [row for row in sorted(index.to_pylist(), key=lambda r: r["url"]) if usable_body(row)]
    # Bodies stream in (a few read ahead), so a day's HTML is never all in memory: only its records are.
    for row, raw in iter_raw_bodies(ctx.store, rows):
        counts["pages"] += 1
        try:
            if isinstance(raw, Exception):
                raise raw
            # The response's charset header is evidence too: decode with it, not from the bytes alone.
            headers = json.loads(row.get("headers") or "{}")
            html = decode_html(raw, headers)
            article = extract_article(html, row.get("final_url") or row["url"], hints=_hints_from_row(row),
                                      source=ctx.source, fetched_at=row.get("fetched_at"))
        except Exception as exc:  # a single bad page must not sink the run; it is counted
            log.warning("unparseable page %s: %s", row["url"], exc)
            counts["unparseable"] += 1
            continue
        record = build_record(article, row)
        published = record["published_at"]
        if published is None:
            counts["undated"] += 1
        if published is not None and not (ctx.start <= published < ctx.end):
            counts["out_of_interval"] += 1
            continue
        previous = records.get(record["article_id"])
        if previous is not None:
            counts["duplicates"] += 1
            if not _prefer(record, previous):
                continue
        records[record["article_id"]] = record
    from newslake.discovery_changes import undated_problem

    problem = undated_problem(ctx.source.id, ctx.day, counts["pages"], counts["undated"])
    if problem:
        raise DataQualityError(problem)
    table = records_to_table(list(records.values()), ARTICLE_SCHEMA)
    key = ctx.work_key("extracted.parquet")
    ctx.store.put(key, parquet_bytes(table))
    result = {"extracted": table.num_rows, **dict(sorted(counts.items()))}
    log.info("extracted %s", result)
    return table, handed.then("extract", result, started, extracted=key)


def run_extract_validate(ctx: RunContext, handed: StageResult) -> StageResult:
    """The extract_validate task: extract, then validate the table in the same process (one task start, no re-read)."""
    table, extracted = extract_table(ctx, handed)
    return validate_table(ctx, extracted, table)


def validate_stage(ctx: RunContext, handed: StageResult) -> StageResult:
    """Run the source's GX suite; quarantine failing rows; keep the result and its Data Docs page; fail on critical ones."""
    from newslake.lake import read_parquet_bytes

    table = read_parquet_bytes(ctx.store.get(handed.key("extracted")))
    return validate_table(ctx, handed, table)


def validate_table(ctx: RunContext, handed: StageResult, table) -> StageResult:
    """validate_stage on a table already in memory (the extract task validates without re-reading it)."""
    from newslake.lake import parquet_bytes, write_partition
    from newslake.quality import results
    from newslake.validation import validate_articles

    started = _now()
    source = ctx.source
    recent = results.recent_row_counts(ctx.store, source.id, ctx.day)
    outcome = validate_articles(
        table,
        start=ctx.start,
        end=ctx.end,
        languages=source.languages,
        allowed_domains=source.allowed_domains,
        suite=source.validation.resolve(),
        min_rows_expected=1 if source.min_articles_per_day else 0,
        min_rows_recent=results.min_rows_recent(recent),
        meta={"source": source.id, "day": ctx.day.isoformat(), "run_id": ctx.run_id, "recent_rows": recent},
    )
    log.info("validation of %s %s (suite %s):\n%s", source.id, ctx.day, outcome.result.get("suite_name"),
             outcome.summary_text())
    write_partition(ctx.store, layout.QUARANTINE, source.id, ctx.day, outcome.quarantine, run_id=ctx.run_id)
    quality_key = results.store_result(ctx.store, source.id, ctx.day, ctx.run_id, outcome.result)
    docs_key = _publish_docs(ctx, outcome.result)
    results.point_latest(ctx.store, source.id, ctx.day, ctx.run_id, success=not outcome.blocked,
                         counts={k: v for k, v in outcome.counts.items() if k != "by_expectation"})
    validated_key = ctx.work_key("validated.parquet")
    ctx.store.put(validated_key, parquet_bytes(outcome.valid))
    total = table.num_rows
    quarantined = outcome.quarantine.num_rows
    share = quarantined / total if total else 0.0
    if quarantined:
        by_expectation = outcome.counts.get("by_expectation") or {}
        named = ", ".join(f"{name} ({n})" for name, n in sorted(by_expectation.items(), key=lambda kv: -(kv[1] or 0)))
        log.info("quarantined %s: %s", plural(quarantined, "row"), named or "see " + quality_key)
    counts = {
        "rows": total,
        "valid": outcome.valid.num_rows,
        "quarantined": quarantined,
        "quarantine_share": round(share, 4),
        "failed_critical": list(outcome.failed_critical),
        # Failed expectation -> unexpected rows: the status page's "top failed expectations".
        "failed_expectations": dict(outcome.counts.get("by_expectation") or {}),
        "quality_key": quality_key,
        "docs_key": docs_key,
    }
    where = f"see {quality_key}" + (f" and {docs_key}" if docs_key else "")
    if outcome.failed_critical == ["rows_expected"]:
        check_article_count(ctx, handed.then("validate", counts, started), 0,
                            detail=f"critical expectation {outcome.critical_messages[0]}; {where}")
    if outcome.failed_critical:
        raise BlockingExpectationError(
            f"critical expectations failed for {source.id} {ctx.day}: {'; '.join(outcome.critical_messages)}; {where}"
        )
    if share > source.quarantine_threshold:
        worst = sorted(((n, e) for e, n in outcome.counts["by_expectation"].items() if n), reverse=True)[:3]
        reasons = ", ".join(f"{e} {n}" for n, e in worst)
        raise QuarantineThresholdError(
            f"{quarantined}/{total} records quarantined for {source.id} {ctx.day} ({share:.0%}), above the "
            f"source threshold {source.quarantine_threshold:.0%} (top reasons: {reasons}); see quarantine/ and {where}"
        )
    return handed.then("validate", counts, started, validated=validated_key, quality=quality_key)


def _publish_docs(ctx: RunContext, result: dict) -> str | None:
    """This run's Data Docs page plus the rebuilt index; a renderer bug costs the page, not the run."""
    from newslake.quality import docs

    try:
        key = docs.publish_page(ctx.store, ctx.source.id, ctx.day, ctx.run_id, result)
    except (ImportError, AttributeError, KeyError, TypeError, ValueError) as exc:
        log.warning("no Data Docs page for %s %s: %s", ctx.source.id, ctx.day, exc)
        return None
    docs.rebuild_index(ctx.store, ctx.source.id)
    return key


def check_article_count(ctx: RunContext, handed: StageResult, rows: int, detail: str = "") -> None:
    """The zero-article alarm: fewer rows than min_articles_per_day fails the run, naming every count."""
    wanted = ctx.source.min_articles_per_day
    if rows >= wanted:
        return
    c = handed.counts
    figures = {
        "candidates": c.get("discover", {}).get("candidates", c.get("fetch", {}).get("candidates")),
        "fetched": c.get("fetch", {}).get("fetched"),
        "in interval": c.get("extract", {}).get("extracted"),
        "valid": c.get("validate", {}).get("valid", rows),
    }
    figures_text = ", ".join(f"{name} {'?' if value is None else value}" for name, value in figures.items())
    raise TooFewArticlesError(
        f"source {ctx.source.id} {ctx.day}: {plural(rows, 'article')} to publish but the source "
        f"normally yields at least {wanted} a day ({figures_text}); nothing was published for this day"
        + (f"; {detail}" if detail else "")
    )


def publish_stage(ctx: RunContext, handed: StageResult) -> dict[str, Any]:
    """Replace the day's articles partition, commit its manifest, then drop the run's hand-over objects."""
    from newslake.lake import SCHEMA_VERSION, read_parquet_bytes, write_partition

    table = read_parquet_bytes(ctx.store.get(handed.key("validated")))
    check_article_count(ctx, handed, table.num_rows)
    manifest = write_partition(
        ctx.store, layout.ARTICLES, ctx.source.id, ctx.day, table, run_id=ctx.run_id,
        extra_manifest={"counts": handed.counts, "timings": handed.timings},
    )
    from newslake.status_index import quietly, record_published

    quietly("publish", record_published, ctx.store, ctx.source.id, ctx.day, manifest)
    removed = clear_handover(ctx)
    log.info("published %d rows to %s; removed %d hand-over objects", table.num_rows, manifest["key"], removed)
    return {
        "source": ctx.source.id,
        "day": ctx.day.isoformat(),
        "rows": table.num_rows,
        "quarantined": handed.counts.get("validate", {}).get("quarantined", 0),
        "sha256": manifest["sha256"],
        "run_id": ctx.run_id,
        "schema_version": SCHEMA_VERSION,
        "key": manifest["key"],
    }


def clear_handover(ctx: RunContext) -> int:
    """Delete this run's hand-over objects (after a successful publish); returns how many there were."""
    keys = ctx.store.list(layout.run_prefix(layout.WORK, ctx.source.id, ctx.day, ctx.run_id))
    for key in keys:
        ctx.store.delete(key)
    return len(keys)


def source_lease(ctx: RunContext) -> SourceLease:
    """The lease this run must hold while it talks to the source."""
    from newslake.lease import SourceLease

    return SourceLease(ctx.store, ctx.source.id, holder=ctx.run_id)


def run_discover(ctx: RunContext) -> StageResult:
    """The discover task: take the source's lease (kept for fetch), discover with a fresh Fetcher."""
    from newslake.fetching import Fetcher

    lease = source_lease(ctx)
    with lease, Fetcher(ctx.source) as fetcher:
        try:
            return discover_stage(ctx, fetcher)
        except BaseException:
            _release_quietly(lease)
            raise


def run_fetch(ctx: RunContext, handed: StageResult, max_articles: int | None = None) -> StageResult:
    """The fetch task: renew the run's lease, fetch every candidate (or the first max_articles), give the source back."""
    from newslake.fetching import Fetcher

    lease = source_lease(ctx)
    try:
        with lease, Fetcher(ctx.source) as fetcher:
            return fetch_stage(ctx, fetcher, handed, lease=lease, max_articles=max_articles)
    finally:
        _release_quietly(lease)


def _release_quietly(lease: SourceLease) -> None:
    # A store outage must not hide the stage's own error; an unreleased lease expires by itself.
    try:
        lease.release()
    except Exception as exc:
        log.warning("could not release the fetch lease of %s: %s", lease.source_id, exc)


def index_running(ctx: RunContext) -> None:
    """Mark the run's day as running in the status index (best effort)."""
    from newslake.status_index import quietly, record_running

    quietly("run start", record_running, ctx.store, ctx.source.id, ctx.day, run_id=ctx.run_id)


def index_failure(ctx: RunContext, stage: str, exc: BaseException) -> None:
    """Record in the status index that stage failed for the run's day (best effort)."""
    from newslake.status_index import quietly, record_failure

    quality = layout.quality_key(ctx.source.id, ctx.day, ctx.run_id) if stage in layout.VALIDATING_STAGES else None
    quietly(
        "failure", record_failure, ctx.store, ctx.source.id, ctx.day,
        run_id=ctx.run_id, stage=stage, error_type=type(exc).__name__, reason=str(exc), quality_key=quality,
    )


def run_all(ctx: RunContext, *, replay: bool = False) -> dict[str, Any]:
    """All five stages in one process (CLI `newslake ingest`): same code and output as the DAG."""
    stage = "fetch" if replay else "discover"
    try:
        if replay:
            fetched = replay_fetch_stage(ctx)
        else:
            discovered = run_discover(ctx)
            stage = "fetch"
            fetched = run_fetch(ctx, discovered)
        stage = "extract_validate"
        validated = run_extract_validate(ctx, fetched)
        stage = "publish"
        published = publish_stage(ctx, validated)
    except Exception as exc:
        index_failure(ctx, stage, exc)
        raise
    return {"counts": validated.counts, "publish": published}
