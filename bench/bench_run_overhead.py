"""Per-run cost through the real scheduler: a replay backfill of the demo source against DAGs that do nothing.

Starts a private embedded stack (PostgreSQL metadata DB, SeaweedFS, LocalExecutor, the Airflow
components of newslake_dev.devstack) on ports shifted by NEWSLAKE_TEST_PORT_OFFSET. The demo site
has six days of articles; this bench serves them as `--days` days (the six days repeated, each
copy moved on by six days and given its own slugs), fills the raw zone by running every day once
in-process (newslake.pipeline.run_all, live HTTP), then times through the scheduler:

* `news_demo`: a backfill of every day with `replay_raw` (re-extract from the raw zone, no HTTP);
* `floor_4tasks`: the same days on a DAG of the same shape (the same four task ids chained, the same
  timetable, retries and executor, a small dict handed on by XCom) whose tasks do nothing;
* `floor_2tasks` (unless `--no-two-task-floor`): the same with two tasks, the floor a merged DAG would have.

Every backfill runs one day at a time (max_active_runs=1), as an operator's backfill of one source
does, so wall time per run is the backfill's wall time divided by its days. Task durations come
from the metadata DB. Prints a table and a final JSON line.

    NEWSLAKE_TEST_PORT_OFFSET=1000 .venv/bin/python bench/bench_run_overhead.py [--days 30]

Target (issue "Throughput"): per-run wall time of news_demo <= 1.5x floor_4tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "include"), str(ROOT / "dev")]

from demo_site.catalog import CONTENT_DIR, load_catalog  # noqa: E402
from demo_site.server import make_server  # noqa: E402
from newslake_dev import metadb  # noqa: E402
from newslake_dev.devstack import (  # noqa: E402
    AirflowApi,
    StackConfig,
    airflow_password,
    down,
    run_backfill,
    stack_env,
    start_airflow,
)
from newslake_dev.seaweed import SeaweedServer, port_in_use  # noqa: E402

TARGET_RATIO = 1.5
DEMO_FIRST = date(2026, 11, 16)  # the demo site's first day
DEMO_DAYS = 6
DEMO_LAST = DEMO_FIRST + timedelta(days=DEMO_DAYS - 1)


def first_day(days: int) -> date:
    """The first of `days` days ending on the demo's last day: copies go back in time, since extraction
    rightly drops a publication date later than the fetch, and days after today would lose theirs."""
    return DEMO_LAST - timedelta(days=days - 1)
# Ports: our own plan, clear of the test suite's SeaweedFS plan at the same offset (tests may run beside it).
PORT_BASE = 21080
SEAWEED_SHIFT = 50

FLOOR = '''"""Floors for bench/bench_run_overhead.py: DAGs shaped like news_<source> whose tasks do nothing."""
from datetime import date, timedelta

from airflow.sdk import DAG, task
from newslake.timetables import SourceDayTimetable


@task
def nothing(handed: dict | None = None) -> dict:
    return {{"day": "handed on", "counts": {{"n": 0}}}}


def build(dag_id: str, task_ids: list[str]) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=SourceDayTimetable(first_day=date.fromisoformat("{first}"), last_day=date.fromisoformat("{last}")),
        catchup=False,
        max_active_runs=1,
        tags=["newslake-bench"],
        default_args={{"owner": "bench", "retries": 2, "retry_delay": timedelta(seconds=30),
                       "retry_exponential_backoff": True, "execution_timeout": timedelta(hours=2)}},
    ) as dag:
        handed = None
        for task_id in task_ids:
            handed = nothing.override(task_id=task_id)(handed)
    return dag


floor_4tasks = build("floor_4tasks", ["discover", "fetch", "extract_validate", "publish"])
floor_2tasks = build("floor_2tasks", ["collect", "process"])
'''


def shifted_catalog(folder: Path, days: int) -> Path:
    """A demo-site content folder with `days` days: the bundled six days repeated, moved back six days per copy."""
    folder.mkdir(parents=True)
    written: set[str] = set()
    first = first_day(days)
    for copy in range(-(-days // DEMO_DAYS)):
        shift = timedelta(days=-DEMO_DAYS * copy)
        for path in sorted(CONTENT_DIR.glob("2*.json")):
            stories = json.loads(path.read_text(encoding="utf-8"))
            for story in stories:
                if copy:
                    story["slug"] = f"{story['slug']}-{copy + 1}"
                for key in ("published_at", "modified_at"):
                    if story.get(key):
                        story[key] = (datetime.fromisoformat(story[key]) + shift).isoformat()
            day = date.fromisoformat(path.stem) + shift
            if day >= first:
                (folder / f"{day.isoformat()}.json").write_text(json.dumps(stories), encoding="utf-8")
                written |= {story["slug"] for story in stories}
    # The traps (undated page, duplicate, 404 ...) stay on their original days, those within the range.
    traps = [t for t in json.loads((CONTENT_DIR / "traps.json").read_text(encoding="utf-8"))
             if (t["of"] in written if t["kind"] == "duplicate" else datetime.fromisoformat(t["listed_at"]).date() >= first)]
    (folder / "traps.json").write_text(json.dumps(traps), encoding="utf-8")
    return folder


def write_sources(path: Path, days: int) -> Path:
    """sources.yaml with only the demo entry, its range widened to the bench's days."""
    document = yaml.safe_load((ROOT / "include" / "config" / "sources.yaml").read_text(encoding="utf-8"))
    demo = next(s for s in document["sources"] if s["id"] == "demo")
    document["sources"] = [dict(demo, start_date=first_day(days), end_date=DEMO_LAST)]
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def free_or_fail(*ports: int) -> None:
    """Refuse to start on a port someone else uses: a bench must not share another session's stack."""
    busy = [p for p in ports if port_in_use(p)]
    if busy:
        raise SystemExit(f"ports in use: {busy}; pick another NEWSLAKE_TEST_PORT_OFFSET")


@contextlib.contextmanager
def demo_site(content: Path, port: int) -> Iterator[str]:
    """The demo site serving `content` on 127.0.0.1:port, in a thread of this process."""
    server = make_server("127.0.0.1", port, crawl_delay=0.0)
    server.catalog = load_catalog(content)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()


def fill_raw_zone(days: list[date]) -> float:
    """Run every day once in this process (live HTTP): the raw zone a replay backfill needs; seconds per day."""
    from newslake.config import get_source
    from newslake.pipeline import RunContext, day_interval, run_all
    from newslake.storage import StorageSettings, open_store

    source = get_source("demo")
    store = open_store(StorageSettings.from_env())
    started = time.perf_counter()
    for day in days:
        start, end = day_interval(day)
        report = run_all(RunContext(source=source, start=start, end=end, run_id=f"bench__{day}", store=store))
        print(f"  raw zone {day}: {json.dumps(report.get('publish', report), default=str)[:120]}", flush=True)
    return (time.perf_counter() - started) / len(days)


def task_durations(cfg: StackConfig, dag_id: str) -> dict[str, float]:
    """Mean duration per task id over the DAG's successful task instances, from the metadata DB."""
    rows = metadb.query(cfg.pg_port, "SELECT task_id, avg(duration) FROM task_instance "
                        "WHERE dag_id = %s AND state = 'success' GROUP BY task_id", (dag_id,))
    return {task_id: round(float(seconds), 2) for task_id, seconds in rows}


def run_durations(cfg: StackConfig, dag_id: str) -> list[float]:
    """Seconds from each successful run's start to its end."""
    rows = metadb.query(cfg.pg_port, "SELECT extract(epoch FROM end_date - start_date) FROM dag_run "
                        "WHERE dag_id = %s AND state = 'success'", (dag_id,))
    return [float(r[0]) for r in rows]


def backfill(api: AirflowApi, cfg: StackConfig, dag_id: str, days: list[date], conf: dict, timeout: float) -> dict:
    """One backfill of every day through the scheduler, timed; per-run and per-task figures."""
    api.wait_for_dag(dag_id, timeout=300)
    started = time.perf_counter()
    states = run_backfill(api, dag_id, days, conf=conf, reprocess="completed", timeout=timeout,
                          progress=print)
    wall = time.perf_counter() - started
    failed = sorted(d for d, s in states.items() if s != "success")
    if failed:
        raise SystemExit(f"{dag_id}: runs failed for {failed}; see {cfg.run_dir}")
    runs = run_durations(cfg, dag_id)
    return {"dag_id": dag_id, "runs": len(days), "wall_s": round(wall, 1), "per_run_s": round(wall / len(days), 2),
            "run_duration_median_s": round(statistics.median(runs), 2), "task_mean_s": task_durations(cfg, dag_id),
            "load_average_end": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    """Start the stack, fill the raw zone, time the three backfills; print the table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days in each backfill (default 30)")
    parser.add_argument("--no-two-task-floor", action="store_true", help="skip the two-task floor")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per backfill")
    parser.add_argument("--keep", action="store_true", help="keep the run folder (logs) after the bench")
    args = parser.parse_args(argv)

    offset = int(os.environ.get("NEWSLAKE_TEST_PORT_OFFSET", "0"))
    base = PORT_BASE + offset
    weed_offset = offset + SEAWEED_SHIFT
    weed_ports = {"s3_port": 18433 + weed_offset, "master_port": 19433 + weed_offset,
                  "volume_port": 18181 + weed_offset, "filer_port": 18988 + weed_offset,
                  "admin_port": 18746 + weed_offset}
    free_or_fail(base, base + 1, base + 2, base + 3, base + 4, *weed_ports.values(),
                 *(p + 10000 for p in weed_ports.values()))
    days = [first_day(args.days) + timedelta(days=n) for n in range(args.days)]
    tmp = Path(tempfile.mkdtemp(prefix="newslake-bench-run-"))
    dags = tmp / "dags"
    dags.mkdir()
    (dags / "news_sources.py").symlink_to(ROOT / "dags" / "news_sources.py")
    (dags / "bench_floors.py").write_text(FLOOR.format(first=days[0], last=days[-1]), encoding="utf-8")
    os.environ["NEWSLAKE_SOURCES"] = str(write_sources(tmp / "sources.yaml", args.days))
    # A deployment has its bytecode compiled; without a cache every task process would compile
    # Airflow, great_expectations and pyarrow's Python parts again and the figures would measure that.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    content = shifted_catalog(tmp / "content", args.days)

    weed = SeaweedServer(tmp / "weed", **weed_ports, access_key="newslake-bench", secret_key="newslake-bench-secret",
                         bucket="newslake-bench")
    cfg = StackConfig(run_dir=tmp / "run", airflow_port=base, log_server_port=base + 1, site_port=base + 3,
                      s3_port=weed_ports["s3_port"], pg_port=base + 4, access_key="newslake-bench",
                      secret_key="newslake-bench-secret", bucket="newslake-bench", dags_folder=dags)
    results = {}
    try:
        with weed, demo_site(content, cfg.site_port):
            os.environ.update({k: v for k, v in stack_env(cfg).items() if k != "PATH"})
            print(f"filling the raw zone: {args.days} days in-process (live HTTP from the demo site)", flush=True)
            in_process = fill_raw_zone(days)
            start_airflow(cfg, timeout=300)
            api = AirflowApi(cfg.airflow_url, "admin", airflow_password(cfg))
            plan = [("news_demo", {"replay_raw": True}), ("floor_4tasks", {})]
            if not args.no_two_task_floor:
                plan.append(("floor_2tasks", {}))
            for dag_id, conf in plan:
                print(f"backfill {dag_id}: {args.days} days", flush=True)
                results[dag_id] = backfill(api, cfg, dag_id, days, conf, args.timeout)
    finally:
        down(cfg)
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    floor = results["floor_4tasks"]["per_run_s"]
    ratio = results["news_demo"]["per_run_s"] / floor
    print(f"\nper-run wall time, {args.days}-day backfills one run at a time (LocalExecutor, PostgreSQL); "
          f"load average now {os.getloadavg()[0]:.2f}")
    print(f"{'DAG':<16}{'wall s':>9}{'per run s':>11}{'run median s':>14}   mean task s")
    for row in results.values():
        tasks = ", ".join(f"{k} {v}" for k, v in row["task_mean_s"].items())
        print(f"{row['dag_id']:<16}{row['wall_s']:>9.1f}{row['per_run_s']:>11.2f}{row['run_duration_median_s']:>14.2f}   {tasks}")
    print(f"in-process run_all (live, no Airflow): {in_process:.2f} s per day")
    verdict = "ok" if ratio <= TARGET_RATIO else "over target"
    print(f"news_demo / floor_4tasks = {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict}")
    print(json.dumps({"bench": "run_overhead", "days": args.days, "results": results, "ratio": round(ratio, 2),
                      "in_process_live_s_per_day": round(in_process, 2), "load_average": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
