"""Lake status: the index the runs keep, the grid states an operator reads, the pages and the CLI."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from fastapi.testclient import TestClient
from newslake import cli, layout
from newslake.errors import QuarantineThresholdError
from newslake.lake import records_to_table, write_partition
from newslake.pipeline import RunContext, index_failure, index_running
from newslake.status import (
    STATE_FAILED,
    STATE_MISSING,
    STATE_NOT_EXPECTED,
    STATE_RUNNING,
    STATE_WARNING,
    STATE_WRITTEN,
    SourceDays,
    collect_grid,
    create_app,
    data_docs_url,
    day_detail,
)
from newslake.status_index import (
    read_day,
    read_index,
    rebuild_index,
    record_failure,
    record_published,
    record_running,
)
from unit.test_pipeline import BASE, DAY, FEED, PAGES, ScriptedFetcher, make_ctx, run

TODAY = date(2026, 11, 25)
SOURCES = [SourceDays("demo", date(2026, 11, 16)), SourceDays("kaktus", date(2026, 11, 1))]


def _article(n: int, day: str) -> dict:
    return {
        "article_id": f"{n:064x}",
        "url": f"https://news.example.org/en/{day.replace('-', '/')}/story-{n}/",
        "title": f"Story {n}",
        "body": "word " * 60,
        "published_at": f"{day}T09:00:00+00:00",
        "language": "en",
        "run_id": "unused",
    }


def publish(store, source: str, day: str, *, rows: int, quarantined: int = 0, run_id: str) -> dict:
    """What publish_stage does for the index: write the partition with its counts, then index it."""
    table = records_to_table([_article(i, day) for i in range(rows)])
    counts = {
        "fetch": {"candidates": rows + quarantined + 1, "fetched": rows + quarantined, "gone": 1},
        "validate": {"rows": rows + quarantined, "quarantined": quarantined},
    }
    manifest = write_partition(store, "articles", source, day, table, run_id=run_id, extra_manifest={"counts": counts})
    record_published(store, source, date.fromisoformat(day), manifest)
    return manifest


def states(grid: dict, source: str) -> dict[str, str]:
    [row] = [r for r in grid["sources"] if r["source"] == source]
    return {c["day"]: c["state"] for c in row["cells"]}


def grid_of(store, **kw):
    return collect_grid(store, SOURCES, since=date(2026, 11, 14), until=date(2026, 11, 24), today=TODAY, **kw)


@pytest.fixture
def lake(local_store):
    publish(local_store, "demo", "2026-11-16", rows=40, quarantined=1, run_id="scheduled__16")
    publish(local_store, "demo", "2026-11-17", rows=10, quarantined=5, run_id="backfill__17")
    record_failure(local_store, "demo", date(2026, 11, 18), run_id="scheduled__18", stage="fetch",
                   error_type="SourceBlockedError", reason="12/12 URLs blocked")
    record_running(local_store, "demo", date(2026, 11, 19), run_id="manual__19")
    publish(local_store, "kaktus", "2026-11-16", rows=2, run_id="manual__k16")
    return local_store


def test_each_day_gets_the_state_an_operator_needs(lake):
    demo = states(grid_of(lake), "demo")
    assert demo["2026-11-14"] == demo["2026-11-15"] == STATE_NOT_EXPECTED  # before the source's start
    assert demo["2026-11-16"] == STATE_WRITTEN  # 1/41 quarantined: under the 5% warning share
    assert demo["2026-11-17"] == STATE_WARNING  # 5/15 quarantined
    assert demo["2026-11-18"] == STATE_FAILED
    assert demo["2026-11-19"] == STATE_RUNNING
    assert demo["2026-11-20"] == STATE_MISSING  # expected, never written: the gap
    kaktus = states(grid_of(lake), "kaktus")
    assert kaktus["2026-11-14"] == STATE_MISSING and kaktus["2026-11-16"] == STATE_WRITTEN


def test_days_not_over_yet_are_not_expected(lake):
    grid = collect_grid(lake, SOURCES, since=date(2026, 11, 23), until=date(2026, 11, 26), today=TODAY)
    assert states(grid, "kaktus") == {
        "2026-11-23": STATE_MISSING, "2026-11-24": STATE_MISSING,
        "2026-11-25": STATE_NOT_EXPECTED, "2026-11-26": STATE_NOT_EXPECTED,
    }


def test_totals_per_source(lake):
    [demo] = [r for r in grid_of(lake)["sources"] if r["source"] == "demo"]
    t = demo["totals"]
    assert (t["written"], t["warning"], t["failed"], t["running"], t["missing"], t["not_expected"]) == (1, 1, 1, 1, 5, 2)
    assert (t["rows"], t["quarantined"]) == (50, 6)
    cells = {c["day"]: c for c in demo["cells"]}
    assert cells["2026-11-17"]["run_id"] == "backfill__17"
    assert cells["2026-11-18"]["failure"] == "fetch: SourceBlockedError"


def test_a_later_success_replaces_a_failure_and_a_later_failure_is_shown(lake):
    publish(lake, "demo", "2026-11-18", rows=3, run_id="backfill__18")
    assert states(grid_of(lake), "demo")["2026-11-18"] == STATE_WRITTEN
    record_failure(lake, "demo", date(2026, 11, 16), run_id="manual__16b", stage="validate",
                   error_type="QuarantineThresholdError", reason="9/10 quarantined")
    assert states(grid_of(lake), "demo")["2026-11-16"] == STATE_FAILED
    detail = day_detail(lake, SOURCES[0], date(2026, 11, 16), today=TODAY)
    assert detail["published"]["run_id"] == "scheduled__16"  # still what readers get
    assert detail["failure"]["type"] == "QuarantineThresholdError"


def test_a_run_that_started_after_the_last_publish_is_running(lake):
    record_running(lake, "demo", date(2026, 11, 16), run_id="backfill__16b")
    assert states(grid_of(lake), "demo")["2026-11-16"] == STATE_RUNNING
    publish(lake, "demo", "2026-11-16", rows=4, run_id="backfill__16b")
    assert states(grid_of(lake), "demo")["2026-11-16"] == STATE_WRITTEN


def test_the_page_reads_the_index_not_the_partitions(lake):
    # A partition the index does not know of stays a gap until the index is rebuilt.
    write_partition(lake, "articles", "demo", "2026-11-21", records_to_table([_article(1, "2026-11-21")]), run_id="r21")
    assert states(grid_of(lake), "demo")["2026-11-21"] == STATE_MISSING
    assert rebuild_index(lake)["days"] == 4
    assert states(grid_of(lake), "demo")["2026-11-21"] == STATE_WRITTEN


def test_rebuild_index_recreates_published_days_and_keeps_failures(lake):
    before = read_index(lake)
    for key in lake.list("_status/"):
        if "kaktus" in key:
            lake.delete(key)
    done = rebuild_index(lake)
    after = read_index(lake)
    def without_instant(entry):
        return {k: v for k, v in entry["published"].items() if k != "at"}

    assert without_instant(after["kaktus"]["2026-11-16"]) == without_instant(before["kaktus"]["2026-11-16"])
    assert after["demo"]["2026-11-18"]["failure"]["type"] == "SourceBlockedError"
    assert after["demo"]["2026-11-16"]["published"] == before["demo"]["2026-11-16"]["published"]
    assert done["unreadable"] == 0 and done["objects"] == 2


def test_parallel_runs_of_one_source_keep_every_update(local_store):
    days = [date(2026, 11, d) for d in range(1, 25)]
    threads = [
        threading.Thread(target=record_running, args=(local_store, "demo", d), kwargs={"run_id": f"r{d.day}"})
        for d in days
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = read_index(local_store)["demo"]
    assert sorted(index) == [d.isoformat() for d in days]
    assert {index[d.isoformat()]["running"]["run_id"] for d in days} == {f"r{d.day}" for d in days}


def test_pipeline_run_indexes_itself(local_store):
    ctx = make_ctx(local_store)
    run(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    entry = read_day(local_store, "wire", DAY)
    published = entry["published"]
    assert (published["run_id"], published["rows"], published["quarantined"]) == ("run-1", 2, 1)
    assert published["top_failed"][0] == ["published_at_not_null", 1]
    assert published["fetch"]["fetched"] == len(PAGES)
    assert entry["running"]["run_id"] == "run-1"


def test_stage_failure_is_indexed_with_stage_type_and_reason(local_store):
    ctx = make_ctx(local_store)
    other = RunContext(ctx.source, ctx.start, ctx.end, "run-9", local_store)
    index_running(other)
    index_failure(other, "validate", QuarantineThresholdError("3/4 records quarantined"))
    detail = day_detail(local_store, SourceDays("wire"), DAY, today=TODAY)
    assert detail["state"] == STATE_FAILED
    assert (detail["failure"]["stage"], detail["failure"]["type"]) == ("validate", "QuarantineThresholdError")
    assert detail["failure"]["reason"] == "3/4 records quarantined"
    assert detail["links"]["failed_data_docs"] == data_docs_url("wire", DAY, "run-9")
    assert detail["links"]["failed_run"] == "/dags/news_wire/runs/run-9"


# --------------------------------------------------------------------------- pages


@pytest.fixture
def client(lake):
    with TestClient(create_app(lambda: lake, sources=lambda: SOURCES)) as c:
        yield c


def test_grid_json_and_page(client):
    body = client.get("/status", params={"since": "2026-11-14", "until": "2026-11-24"}).json()
    assert [r["source"] for r in body["sources"]] == ["demo", "kaktus"]
    assert len(body["sources"][0]["cells"]) == 11
    page = client.get("/", params={"since": "2026-11-14", "until": "2026-11-24"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert 'data-day="2026-11-18" data-state="failed"' in text
    assert 'data-day="2026-11-20" data-state="missing"' in text
    assert 'data-state="written" data-run="scheduled__16" href="day?source=demo&amp;day=2026-11-16"' in text
    assert 'type="date" name="since" value="2026-11-14"' in text


def test_dag_tab_shows_only_its_source(client):
    body = client.get("/status", params={"dag_id": "news_kaktus", "since": "2026-11-16", "until": "2026-11-16"}).json()
    assert [r["source"] for r in body["sources"]] == ["kaktus"]
    assert client.get("/", params={"dag_id": "some_other_dag"}).status_code == 404
    assert client.get("/status", params={"dag_id": "news_kaktus", "source": "demo"}).status_code == 422


def test_day_detail_page_links_run_data_docs_and_quarantine(client, lake):
    page = client.get("/day", params={"source": "demo", "day": "2026-11-17"}).text
    assert 'href="/dags/news_demo/runs/backfill__17" target="_top"' in page
    docs = data_docs_url("demo", date(2026, 11, 17), "backfill__17")
    assert f'href="{docs}"' in page
    assert 'href="lake/quarantine/source=demo/dt=2026-11-17/part-0.parquet"' in page
    assert "fetched 15" in page and "gone 1" in page
    failed = client.get("/day", params={"source": "demo", "day": "2026-11-18"}).text
    assert "Last run failed" in failed and "SourceBlockedError" in failed and "12/12 URLs blocked" in failed
    missing = client.get("/day", params={"source": "demo", "day": "2026-11-20"}).text
    assert "Never written" in missing and 'href="/dags/news_demo"' in missing


def test_lake_files_are_served_only_from_quality_and_quarantine(client, lake):
    key = layout.quality_key("demo", "2026-11-17", "backfill__17")
    lake.put(key, b'{"success": false}', content_type="application/json")
    assert client.get(f"lake/{key}").json() == {"success": False}
    page = layout.docs_page_key("demo", "2026-11-17", "backfill__17")
    lake.put(page, b"<html><body>newslake_articles</body></html>", content_type="text/html")
    response = client.get(data_docs_url("demo", date(2026, 11, 17), "backfill__17"))
    assert response.status_code == 200 and "newslake_articles" in response.text
    assert "sandbox" in response.headers["content-security-policy"]
    assert client.get("lake/articles/source=demo/dt=2026-11-16/part-0.parquet").status_code == 404
    assert client.get("lake/_locks/source=demo/fetch.json").status_code == 404
    assert client.get("lake/quality/nothing-here.json").status_code == 404


def test_html_escapes_lake_content(local_store):
    publish(local_store, "demo", "2026-11-16", rows=1, run_id="<script>alert(1)</script>")
    with TestClient(create_app(lambda: local_store, sources=lambda: SOURCES)) as c:
        page = c.get("/", params={"since": "2026-11-16", "until": "2026-11-16"}).text
        day = c.get("/day", params={"source": "demo", "day": "2026-11-16"}).text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" not in day


def test_corrupt_index_names_the_index_and_the_repair(client, lake):
    lake.put(layout.status_index_key("demo", "2026"), b"{half a json")
    response = client.get("/", params={"since": "2026-11-14", "until": "2026-11-24"})
    assert response.status_code == 503
    assert "status index cannot be read" in response.text and "--rebuild-index" in response.text
    assert "_status/source=demo/year=2026.json" in response.text
    assert client.get("/status").json()["where"] == "index"


def test_store_that_cannot_be_opened_names_s3():
    def broken():
        raise OSError("no route to the lake")

    with TestClient(create_app(broken, sources=lambda: SOURCES)) as c:
        page = c.get("/")
        body = c.get("/status").json()
    assert page.status_code == 503 and "lake storage (S3) is unreachable" in page.text
    assert "no route to the lake" in page.text and "newslake_s3" in page.text
    assert body["where"] == "storage"


# --------------------------------------------------------------------------- CLI


def test_cli_status_prints_the_grid_and_json(lake, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("NEWSLAKE_LAKE_DIR", str(lake.root))
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - {id: demo, name: Demo, base_url: 'https://demo.example.org/', languages: [en],\n"
        "     start_date: 2026-11-16, discovery: {feeds: [rss.xml]}}\n"
    )
    code = cli.main(["--config", str(config), "status", "--source", "demo", "--since", "2026-11-14", "--until", "2026-11-20"])
    out = capsys.readouterr().out
    assert code == 0
    assert "demo   |  #wFr.|" in out
    assert "demo 2026-11-18 failed: fetch: SourceBlockedError (run scheduled__18)" in out
    assert cli.main(["status", "--json", "--since", "2026-11-16", "--until", "2026-11-16"]) == 0
    grid = json.loads(capsys.readouterr().out)
    assert {r["source"]: r["cells"][0]["state"] for r in grid["sources"]}["kaktus"] == STATE_WRITTEN


def test_cli_rebuild_index(lake, monkeypatch, capsys):
    monkeypatch.setenv("NEWSLAKE_LAKE_DIR", str(lake.root))
    for key in lake.list("_status/"):
        lake.delete(key)
    assert cli.main(["status", "--rebuild-index", "--since", "2026-11-16", "--until", "2026-11-17"]) == 0
    out = capsys.readouterr().out
    assert "status index rebuilt: 3 published days in 2 year objects, 0 unreadable manifests" in out


def test_disabled_sources_are_not_reported_missing(tmp_path):
    # The bundled pack ships every real source disabled: the grid must not fill with their "missing" days.
    from newslake.status import sources_from_config

    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - {id: wire, name: Wire, base_url: 'https://wire.example.org/', allowed_domains: [wire.example.org],\n"
        "     languages: [en], discovery: {feeds: [rss.xml]}}\n"
        "  - {id: later, name: Later, base_url: 'https://later.example.org/', allowed_domains: [later.example.org],\n"
        "     languages: [en], enabled: false, discovery: {feeds: [rss.xml]}}\n",
        encoding="utf-8",
    )
    assert [s.source for s in sources_from_config(str(config))] == ["wire"]
