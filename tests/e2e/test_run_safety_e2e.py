"""Runs on the real scheduler: one run at a time talks to a source whatever created the runs, and a
terminal failure fails its task at once instead of being retried.

Findings 8 and 5 of "Runs an operator can trust". The stack is `airflow standalone` with the real
SeaweedFS and the real demo site; the demo site's own request log is the witness.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, datetime, timedelta

import pytest
import yaml
from e2e_support import running_airflow, stack_config
from integration.tiny_site import Route, serve_tiny_site
from newslake.config import DEFAULT_CONFIG_PATH
from newslake.lake import read_manifest
from newslake.storage import open_store
from newslake_dev.devstack import AirflowApi

pytestmark = pytest.mark.e2e

BACKFILL_DAYS = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)]
MANUAL_DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def blocking_site():
    """A real HTTP server that answers 403 to every request, robots.txt and feed included."""
    forbidden = Route(b"forbidden", "text/plain", 403)
    with serve_tiny_site({"/robots.txt": forbidden, "/rss.xml": forbidden, "/sitemap.xml": forbidden}) as site:
        yield site


@pytest.fixture(scope="module")
def stack(s3_server, demo_site, blocking_site, tmp_path_factory):
    """airflow standalone with the demo source plus a source whose site refuses us."""
    home = tmp_path_factory.mktemp("safety")
    document = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    document["sources"].append({
        "id": "blocked", "name": "A site that blocks us", "base_url": blocking_site.base_url,
        "allowed_domains": ["127.0.0.1"], "allow_private_network": True, "languages": ["en"],
        "discovery": {"feeds": ["rss.xml"], "sitemaps": ["sitemap.xml"]}, "fetch": {"delay_seconds": 0.0},
        "min_articles_per_day": 1,
    })
    sources = home / "sources.yaml"
    sources.write_text(yaml.safe_dump(document))
    cfg = stack_config(s3_server, demo_site, home / "stack", f"safety-{uuid.uuid4().hex[:8]}")
    with pytest.MonkeyPatch.context() as mp:
        # Quicker rechecks of a busy source than the 30 s default, and retries that would show at once if
        # a terminal failure got one. Not quicker than 10 s: on a loaded machine the scheduler can handle a
        # rescheduled try's exit after the next try has started, and then fails that try as "state changed
        # externally" (seen with 2 s); each recheck is also a whole task process.
        for key, value in {"NEWSLAKE_SOURCES": str(sources), "NEWSLAKE_BUSY_RECHECK_SECONDS": "10",
                           "NEWSLAKE_RETRY_DELAY_SECONDS": "1"}.items():
            mp.setenv(key, value)
        with running_airflow(cfg, "news_demo", "news_blocked") as api:
            yield {"api": api, "store": open_store(s3_server.settings(prefix=cfg.prefix))}


def _wait_for_runs(api: AirflowApi, dag_id: str, count: int, timeout: float = 900) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
        if len(runs) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        assert time.monotonic() < deadline, [(r["dag_run_id"], r["state"]) for r in runs]
        time.sleep(3)


def _site_requests(demo_site, since: float) -> list[tuple[float, str]]:
    own = ("/_stats.json", "/_answer_key.json")
    return sorted((t, path) for t, path, _ in demo_site.stats()["recent"] if t >= since and path not in own)


def test_a_backfill_and_a_manual_run_never_talk_to_the_source_at_once(stack, demo_site):
    api = stack["api"]
    since = time.time()
    api.post("/api/v2/backfills", {
        "dag_id": "news_demo", "from_date": f"{BACKFILL_DAYS[0]}T00:00:00Z", "to_date": f"{BACKFILL_DAYS[-1]}T00:00:00Z",
        "reprocess_behavior": "completed", "max_active_runs": 10,  # Airflow's REST default: 10 runs at once
    })
    api.post("/api/v2/dags/news_demo/dagRuns", {
        "dag_run_id": "manual__safety", "logical_date": f"{MANUAL_DAY}T00:00:00Z",
        "data_interval_start": f"{MANUAL_DAY}T00:00:00Z",
        "data_interval_end": f"{MANUAL_DAY + timedelta(days=1)}T00:00:00Z",
    })
    api.patch("/api/v2/dags/news_demo", {"is_paused": False})
    runs = _wait_for_runs(api, "news_demo", len(BACKFILL_DAYS) + 1)
    assert {r["dag_run_id"]: r["state"] for r in runs} == {r["dag_run_id"]: "success" for r in runs}

    # The waiting runs were rescheduled (holding no worker slot), never failed or retried.
    bad = []
    for run in runs:
        for task in ("discover", "fetch"):
            base = f"/api/v2/dags/news_demo/dagRuns/{run['dag_run_id']}/taskInstances/{task}"
            for t in api.get(base + "/tries")["task_instances"]:
                if t["state"] not in ("success", "up_for_reschedule"):
                    log = json.dumps(api.get(f"{base}/logs/{t['try_number']}"))
                    bad.append((run["dag_run_id"], task, t["try_number"], t["state"], log[-4000:]))
    assert not bad, bad

    # Each run's talk to the site is the span from its discover start to its fetch end. Unpausing
    # also let the scheduler create the nightly run of the source's last day: a third kind of run.
    kinds = {r["run_type"] for r in runs}
    assert {"backfill", "manual"} <= kinds, kinds
    days = {r["dag_run_id"]: r["data_interval_start"][:10] for r in runs}
    assert len(set(days.values())) == len(days), days  # one run per day, so one owner per partition
    windows = {}
    for run_id, day in days.items():
        manifest = read_manifest(stack["store"], "articles", "demo", day)
        assert manifest["run_id"] == run_id  # every partition is owned by the run for its day
        timings = manifest["timings"]
        windows[run_id] = (datetime.fromisoformat(timings["discover"][0]).timestamp(),
                           datetime.fromisoformat(timings["fetch"][1]).timestamp())
    assert len(windows) >= 4 and "manual__safety" in windows
    spans = sorted(windows.values())
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"two runs talked to the site at once: {spans}"
    # And every request the site saw fell inside exactly one run's span.
    requests = _site_requests(demo_site, since)
    assert requests
    stray = [(t, path) for t, path in requests if sum(s - 0.05 <= t <= e + 0.05 for s, e in spans) != 1]
    assert not stray, (stray, spans)


def test_a_source_that_blocks_us_fails_once_without_retries(stack):
    api = stack["api"]
    day = date(2026, 11, 18)
    api.post("/api/v2/dags/news_blocked/dagRuns", {
        "dag_run_id": "manual__blocked", "logical_date": f"{day}T00:00:00Z",
        "data_interval_start": f"{day}T00:00:00Z", "data_interval_end": f"{day + timedelta(days=1)}T00:00:00Z",
    })
    api.patch("/api/v2/dags/news_blocked", {"is_paused": False})
    runs = _wait_for_runs(api, "news_blocked", 1, timeout=300)
    # Unpausing also queues the nightly run of the latest day; ours is the manual one.
    assert next(r for r in runs if r["dag_run_id"] == "manual__blocked")["state"] == "failed"
    ti = api.get("/api/v2/dags/news_blocked/dagRuns/manual__blocked/taskInstances/discover")
    assert (ti["state"], ti["try_number"]) == ("failed", 1)
    tries = api.get("/api/v2/dags/news_blocked/dagRuns/manual__blocked/taskInstances/discover/tries")
    assert tries["total_entries"] == 1, tries  # retries=2 in default_args, yet no second try
    log = json.dumps(api.get("/api/v2/dags/news_blocked/dagRuns/manual__blocked/taskInstances/discover/logs/1"))
    assert "SourceBlockedError" in log and "every discovery entry point failed" in log
