"""The embedded stack on its own PostgreSQL: backfills created through the REST API (what the UI's
backfill dialog calls) while the scheduler is busy with two DAGs and a manual run never get a 503
or a half-created backfill, and every process of the stack listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
import yaml
from e2e_support import listening_sockets, running_airflow, stack_config, stack_pids
from newslake import layout
from newslake.lake import read_manifest
from newslake.quality import docs
from newslake.storage import open_store
from newslake_dev.devstack import AirflowApi, StackError

pytestmark = pytest.mark.e2e

BUNDLED = "include/config/sources.yaml"
DAGS = ("news_demo", "news_demo2")
# Three rounds inside the demo site's days (whole days only: a range without a complete interval
# makes Airflow answer 500 and block new backfills for minutes). news_demo also gets a manual run
# per round on a day outside its backfills; news_demo2 backfills two days per round.
ROUNDS = [
    {"news_demo": [date(2026, 11, 16 + r)], "news_demo2": [date(2026, 11, 16 + 2 * r), date(2026, 11, 17 + 2 * r)],
     "manual": date(2026, 11, 19 + r)}
    for r in range(3)
]


@pytest.fixture
def two_sources(tmp_path, monkeypatch):
    """A sources.yaml with the demo source twice (ids demo and demo2, the same demo site)."""
    from newslake_dev.devstack import ROOT

    config = yaml.safe_load((ROOT / BUNDLED).read_text())
    demo = next(s for s in config["sources"] if s["id"] == "demo")
    config["sources"] = [demo, {**demo, "id": "demo2", "name": "Steppe Wire (second copy)"}]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    monkeypatch.setenv("NEWSLAKE_SOURCES", str(path))
    return path


def _body(dag_id: str, days: list[date]) -> dict:
    return {"dag_id": dag_id, "from_date": f"{min(days)}T00:00:00Z", "to_date": f"{max(days)}T00:00:00Z",
            "reprocess_behavior": "failed", "max_active_runs": 1}


def _at_once(calls: dict) -> dict:
    """Run the calls in threads released together; name -> response or the StackError raised."""
    barrier, results = threading.Barrier(len(calls)), {}

    def run(name, call):
        barrier.wait()
        try:
            results[name] = call()
        except StackError as exc:
            results[name] = exc

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _round_calls(api: AirflowApi, plan: dict) -> dict:
    """One round: a backfill of each DAG and a manual run of news_demo."""
    calls = {dag_id: partial(api.post, "/api/v2/backfills", _body(dag_id, plan[dag_id])) for dag_id in DAGS}
    day = plan["manual"]
    # With only a logical date Airflow infers the interval that ends there, [D-1, D): give [D, D+1).
    calls["manual"] = partial(api.post, "/api/v2/dags/news_demo/dagRuns", {
        "logical_date": f"{day}T00:00:00Z", "data_interval_start": f"{day}T00:00:00Z",
        "data_interval_end": f"{day + timedelta(days=1)}T00:00:00Z"})
    return calls


def _wait(done, what: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f}s"
        time.sleep(3)


def _runs(api: AirflowApi, dag_id: str) -> list[dict]:
    return api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]


def test_backfills_while_the_scheduler_is_busy(s3_server, demo_site, tmp_path, two_sources):
    cfg = stack_config(s3_server, demo_site, tmp_path / "stack", f"concurrent-{uuid.uuid4().hex[:8]}")
    assert cfg.metadb == "postgres" and cfg.pg_port != 5432
    with running_airflow(cfg, *DAGS) as api:
        for dag_id in DAGS:
            api.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})

        sockets = listening_sockets(stack_pids(cfg, s3_server.process.pid, demo_site.process.pid))
        assert {cfg.airflow_port, cfg.log_server_port, cfg.pg_port, cfg.s3_port, cfg.site_port} <= {
            port for _, port, _ in sockets}, sockets
        assert {address for address, _, _ in sockets} == {"127.0.0.1"}, sorted(sockets)

        for plan in ROUNDS:
            # Created while the previous round's manual run (and the other DAG) keep the scheduler busy.
            results = _at_once(_round_calls(api, plan))
            errors = {name: str(r) for name, r in results.items() if isinstance(r, Exception)}
            assert not errors, errors  # no 503 "Database is locked", no 409 "already a running backfill"
            # Whole backfill: a run for every day of its range as soon as the call has returned.
            for dag_id in DAGS:
                days = {r["logical_date"][:10] for r in _runs(api, dag_id) if r["run_type"] == "backfill"}
                assert {d.isoformat() for d in plan[dag_id]} <= days, (dag_id, results[dag_id], days)
            ids = [results[dag_id]["id"] for dag_id in DAGS]
            _wait(lambda ids=ids: all(api.get(f"/api/v2/backfills/{i}")["completed_at"] for i in ids),
                  "the round's backfills completed")
        _wait(lambda: all(r["state"] in ("success", "failed") for d in DAGS for r in _runs(api, d)),
              "every run finished")
        states = {(d, r["logical_date"][:10], r["run_type"]): r["state"] for d in DAGS for r in _runs(api, d)}
        pids = stack_pids(cfg)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()], "down() returned before every process exited"
    logs = "".join(p.read_text(errors="replace") for p in cfg.run_dir.glob("*.log"))
    assert "InsecureKeyLengthWarning" not in logs  # the stack's JWT / log-server keys are long enough

    expected = {(d, day.isoformat(), "backfill") for plan in ROUNDS for d in DAGS for day in plan[d]}
    expected |= {("news_demo", plan["manual"].isoformat(), "manual") for plan in ROUNDS}
    assert states == {key: "success" for key in expected}
    store = open_store(s3_server.settings(prefix=cfg.prefix))
    for dag_id, day, run_type in expected:
        manifest = read_manifest(store, "articles", dag_id.removeprefix("news_"), date.fromisoformat(day))
        assert manifest["run_id"].startswith(f"{run_type}__"), (dag_id, day, manifest["run_id"])
    # Runs of different days validated at the same time each keep their GX result and Data Docs
    # page, and the site's entry page links every one of them (no run's page replaced another's).
    index = store.get(layout.DOCS_INDEX_KEY).decode()
    for dag_id, day, _ in expected:
        source = dag_id.removeprefix("news_")
        run_id = read_manifest(store, "articles", source, date.fromisoformat(day))["run_id"]
        result = json.loads(store.get(layout.quality_key(source, day, run_id)))
        assert result["suite_name"] == "newslake_articles" and result["meta"]["newslake"]["run_id"] == run_id
        page = layout.docs_page_key(source, day, run_id)
        assert b"newslake_articles" in store.get(page)
        assert f"href='{page.removeprefix(layout.DOCS_PREFIX)}'" in index, (dag_id, day)
        assert docs.docs_key(source, day, store=store) == page
