"""The five stages over a LocalStore, offline: golden pages from a scripted fetcher, real extraction,
real Great Expectations, real Parquet."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from newslake.config import parse_sources
from newslake.errors import (
    MissingInputError,
    QuarantineThresholdError,
    SourceBlockedError,
    SourceUnreachableError,
    TerminalError,
    TooFewArticlesError,
)
from newslake.fetching import FetchResult, Outcome, PageFetcher, RobotsRules
from newslake.lake import read_manifest, read_partition
from newslake.pipeline import (
    RunContext,
    day_interval,
    discover_stage,
    extract_stage,
    fetch_stage,
    publish_stage,
    replay_fetch_stage,
    resolve_interval,
    validate_stage,
)

BASE = "https://wire.example.kz/"
DAY = datetime(2026, 11, 18, tzinfo=timezone.utc).date()

PARAGRAPHS = [
    "ASTANA (NL) — A district court in the capital on Wednesday fined a regional blogger for a post that "
    "questioned how the city council spends money on road repairs, his lawyer said after the hearing.",
    "The blogger, who has written about local budgets for six years, said he would appeal the ruling and "
    "that he had only repeated figures the council itself published in its annual report last spring.",
    "Press freedom groups said the case was the third of its kind this autumn and called on prosecutors to "
    "stop treating criticism of officials as the spreading of false information under the criminal code.",
    "Dana Omarova",
]


def page(slug: str, published: str | None, *, canonical: str | None = None, words: list[str] = PARAGRAPHS) -> bytes:
    url = canonical or f"{BASE}en/2026/11/18/{slug}/"
    date_meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    # Each page's own text: the suite quarantines one body text under two article ids.
    body = "".join(f"<p>{p}</p>" for p in words).replace("road repairs", f"road repairs ({slug})", 1)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Court fines blogger {slug} | Wire</title><meta property="og:title" content="Court fines blogger {slug}">
<link rel="canonical" href="{url}">{date_meta}</head>
<body><nav><a href="/">Home</a> <a href="/about/">About</a></nav>
<article><h1>Court fines blogger {slug}</h1>{body}</article>
<footer>© Wire. All rights reserved.</footer></body></html>""".encode()


PAGES = {
    BASE + "en/2026/11/18/one/": page("one", "2026-11-18T09:00:00+05:00"),
    BASE + "en/2026/11/18/two/": page("two", "2026-11-18T22:30:00Z"),
    # 06:00 +05:00 on the 19th is 01:00 UTC on the 19th: another day's article.
    BASE + "en/2026/11/19/later/": page("later", "2026-11-19T06:00:00+05:00"),
    BASE + "amp/en/2026/11/18/one/": page("one", "2026-11-18T09:00:00+05:00", canonical=BASE + "en/2026/11/18/one/"),
    BASE + "en/features/undated/": page("undated", None),
}
FEED = "".join(f"<item><link>{u}</link></item>" for u in PAGES).encode()
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel>' + FEED + b"</channel></rss>"


class ScriptedFetcher:
    """Serves golden pages; everything not listed is 404, blocked lists answer 403 after retries."""

    def __init__(self, pages: dict, blocked: set = frozenset()):
        self.pages, self.blocked, self.requests = pages, blocked, 0

    def fetch(self, url, *, kind="html", validators=None):
        self.requests += 1
        if url in self.blocked:
            return self._result(url, 403, Outcome.BLOCKED, None)
        body = self.pages.get(url)
        return self._result(url, 200 if body else 404, Outcome.FETCHED if body else Outcome.GONE, body)

    def fetch_many(self, urls, *, kind="html", validators=None):
        for url in urls:
            yield self.fetch(url, kind=kind, validators=(validators or {}).get(url))

    def robots(self, url):
        return RobotsRules(status="missing")  # no robots.txt: everything allowed, no sitemaps announced

    @staticmethod
    def _result(url, status, outcome, body):
        headers = {"content-type": "text/html; charset=utf-8"} if body else {}
        return FetchResult(url, url, status, outcome, headers, body, headers.get("content-type"),
                           datetime(2026, 11, 19, 1, tzinfo=timezone.utc), 1, None, 0.01)


def make_ctx(store, **overrides) -> RunContext:
    doc = {"sources": [{"id": "wire", "name": "Wire", "base_url": BASE, "languages": ["en"],
                        "discovery": {"feeds": ["rss.xml"]}, "quarantine_threshold": 0.5, **overrides}]}
    start, end = day_interval(DAY)
    return RunContext(parse_sources(doc)[0], start, end, "run-1", store)


def run(ctx, fetcher):
    fetched = fetch_stage(ctx, fetcher, discover_stage(ctx, fetcher))
    validated = validate_stage(ctx, extract_stage(ctx, fetched))
    publish_stage(ctx, validated)
    return validated.counts["extract"], validated.counts["validate"]


def test_scripted_fetcher_is_a_page_fetcher():
    assert isinstance(ScriptedFetcher({}), PageFetcher)


def test_stages_write_the_day_and_count_everything(local_store):
    ctx = make_ctx(local_store)
    extracted, validated = run(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    table = read_partition(local_store, "articles", "wire", DAY)
    assert sorted(table.column("url").to_pylist()) == [BASE + "en/2026/11/18/one/", BASE + "en/2026/11/18/two/"]
    assert extracted["duplicates"] == 1  # the AMP copy collapses into its canonical article
    assert extracted["out_of_interval"] == 1  # 06:00+05:00 on the 19th is 01:00 UTC on the 19th
    quarantine = read_partition(local_store, "quarantine", "wire", DAY).to_pylist()
    assert [q["url"] for q in quarantine] == [BASE + "en/features/undated/"]
    assert "published_at_not_null" in quarantine[0]["failed_expectations"]
    manifest = read_manifest(local_store, "articles", "wire", DAY)
    assert manifest["rows"] == 2 and manifest["counts"]["extract"]["duplicates"] == 1
    row = table.to_pylist()[0]
    assert row["dateline"] == "ASTANA (NL) —" and row["authors"] == ["Dana Omarova"]


def test_replay_is_offline_and_byte_identical(local_store):
    ctx = make_ctx(local_store)
    run(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    first = local_store.get("articles/source=wire/dt=2026-11-18/part-0.parquet")
    replay_ctx = RunContext(ctx.source, ctx.start, ctx.end, "run-2-replay", local_store)
    replayed = replay_fetch_stage(replay_ctx)
    counts = replayed.counts["fetch"]
    assert counts["replayed"] is True and counts["fetched"] == len(PAGES)
    publish_stage(replay_ctx, validate_stage(replay_ctx, extract_stage(replay_ctx, replayed)))
    assert local_store.get("articles/source=wire/dt=2026-11-18/part-0.parquet") == first


def test_replay_without_raw_zone_is_a_clear_error(local_store):
    with pytest.raises(MissingInputError, match="no _index.parquet"):
        replay_fetch_stage(make_ctx(local_store))


def test_a_source_that_blocks_us_fails_loudly(local_store):
    ctx = make_ctx(local_store)
    fetcher = ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}, blocked=set(list(PAGES)[:4]))
    discovered = discover_stage(ctx, fetcher)
    with pytest.raises(SourceBlockedError, match=r"4/5 URLs blocked or failing \(blocked=4"):
        fetch_stage(ctx, fetcher, discovered)


def test_a_day_without_articles_is_flagged(local_store):
    ctx = make_ctx(local_store, min_articles_per_day=3)
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>' + BASE.encode() + \
        b'en/2026/11/18/gone/</link></item></channel></rss>'
    fetcher = ScriptedFetcher({BASE + "rss.xml": feed})
    discovered = discover_stage(ctx, fetcher)
    with pytest.raises(SourceBlockedError, match="0 pages fetched .* normally yields at least 3"):
        fetch_stage(ctx, fetcher, discovered)


def test_too_much_quarantine_fails_the_run_after_writing_it(local_store):
    ctx = make_ctx(local_store, quarantine_threshold=0.1)
    stub = {BASE + "rss.xml": FEED, **PAGES, BASE + "en/2026/11/18/two/": page("two", "2026-11-18T10:00:00Z",
                                                                                 words=["Too short."])}
    fetcher = ScriptedFetcher(stub)
    extracted = extract_stage(ctx, fetch_stage(ctx, fetcher, discover_stage(ctx, fetcher)))
    with pytest.raises(QuarantineThresholdError, match="quarantined .* above the source threshold"):
        validate_stage(ctx, extracted)
    assert read_partition(local_store, "quarantine", "wire", DAY).num_rows == 2


def test_interval_without_logical_date_is_the_last_complete_day_before_the_trigger():
    triggered = datetime(2026, 11, 28, 13, 5, tzinfo=timezone.utc)
    assert resolve_interval(None, None, triggered) == (datetime(2026, 11, 27, tzinfo=timezone.utc),
                                                       datetime(2026, 11, 28, tzinfo=timezone.utc))


def test_later_stages_use_the_interval_the_first_stage_resolved(local_store):
    # Finding 6: the interval travels with the hand-over, so no later task recomputes it from a clock.
    ctx = make_ctx(local_store)
    discovered = discover_stage(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    again = type(discovered).from_xcom(discovered.to_xcom())
    assert again.bounds() == (ctx.start, ctx.end)
    assert again.keys["candidates"].startswith("_work/source=wire/dt=2026-11-18/run=run-1/")


def test_a_day_with_too_few_articles_fails_and_publishes_nothing(local_store):
    # Finding 4: pages fetched but none inside the interval must not become a green, empty partition.
    ctx = make_ctx(local_store, min_articles_per_day=3)
    later = {BASE + "en/2026/11/19/later/": PAGES[BASE + "en/2026/11/19/later/"]}
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>' + \
        (BASE + "en/2026/11/19/later/").encode() + b"</link></item></channel></rss>"
    fetcher = ScriptedFetcher({BASE + "rss.xml": feed, **later})
    extracted = extract_stage(ctx, fetch_stage(ctx, fetcher, discover_stage(ctx, fetcher)))
    with pytest.raises(TooFewArticlesError) as failure:  # the suite's critical rows_expected, before publish
        validate_stage(ctx, extracted)
    message = str(failure.value)
    assert "critical expectation rows_expected (expect_table_row_count_to_be_between): observed 0" in message
    assert "source wire 2026-11-18: 0 articles" in message and "at least 3" in message
    assert "candidates 1, fetched 1, in interval 0, valid 0" in message
    assert isinstance(failure.value, TerminalError)
    assert read_manifest(local_store, "articles", "wire", DAY) is None
    # A failed run keeps its hand-over for inspection.
    assert local_store.list("_work/source=wire/dt=2026-11-18/run=run-1/")


def test_a_successful_publish_removes_only_its_own_hand_over(local_store):
    # Finding 7: hand-over objects are run-scoped and gone after success.
    other = make_ctx(local_store)
    other = RunContext(other.source, other.start, other.end, "run-0-failed", local_store)
    other.store.put(other.work_key("extracted.parquet"), b"left by a failed run")
    ctx = make_ctx(local_store)
    run(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    assert local_store.list("_work/source=wire/dt=2026-11-18/run=run-1/") == []
    assert local_store.list("_work/") == [other.work_key("extracted.parquet")]


def test_publish_result_describes_the_partition_for_the_asset_event(local_store):
    from newslake.assets import EXTRA_FIELDS, event_extra
    from newslake.lake import SCHEMA_VERSION

    ctx = make_ctx(local_store)
    fetcher = ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES})
    validated = validate_stage(ctx, extract_stage(ctx, fetch_stage(ctx, fetcher, discover_stage(ctx, fetcher))))
    extra = event_extra(publish_stage(ctx, validated))
    manifest = read_manifest(local_store, "articles", "wire", DAY)
    assert set(extra) == set(EXTRA_FIELDS)
    assert extra == {"source": "wire", "day": "2026-11-18", "rows": manifest["rows"],
                     "quarantined": validated.counts["validate"]["quarantined"], "sha256": manifest["sha256"],
                     "run_id": "run-1", "schema_version": SCHEMA_VERSION,
                     "key": "articles/source=wire/dt=2026-11-18/part-0.parquet"}
    assert extra["quarantined"] == 1


class DownFetcher(ScriptedFetcher):
    """A source whose every request times out."""

    def fetch(self, url, *, kind="html", validators=None):
        return self._result(url, None, Outcome.TRANSIENT_FAILED, None)


@pytest.mark.parametrize(("fetcher", "kind"), [
    (ScriptedFetcher({}, blocked={BASE + "rss.xml"}), SourceBlockedError),  # 403 on the feed: terminal
    (DownFetcher({}), SourceUnreachableError),  # timeouts only: worth a retry
])
def test_discovery_failures_are_terminal_only_when_the_source_refuses(local_store, fetcher, kind):
    with pytest.raises(kind, match="every discovery entry point failed"):
        discover_stage(make_ctx(local_store), fetcher)
    assert issubclass(kind, TerminalError) == (kind is SourceBlockedError)
