"""`make demo`: start the embedded stack, backfill the demo source through the real scheduler, print the lake.

Runs news_demo for every day the demo site has articles, via Airflow's REST API (the same
call the UI's backfill dialog makes), waits for the runs, then prints one row per day read
back from the lake's manifests and leaves the stack running for exploration. Prints one line
per phase with an estimate taken from the last run on this machine (.run/demo-timings.json).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from datetime import date

from newslake_dev.devstack import (
    AirflowApi,
    StackConfig,
    StackError,
    airflow_password,
    describe,
    run_backfill,
    stack_env,
    stack_running,
    up,
)

DAG_ID = "news_demo"
TIMEOUT = float(os.environ.get("NEWSLAKE_DEMO_TIMEOUT", "1200"))
# Measured on the project's 2-core machine; replaced by this machine's own figures after one run.
DEFAULT_TIMINGS = {"first_start": 30.0, "start": 25.0, "backfill_day": 20.0}
HAVE_BODY = ("fetched", "not_modified", "reused")  # fetch outcomes that leave the day a page body

LEGEND = """\
  found: candidate URLs listed for the day; fetched: pages the run has (downloaded, or reused unchanged from
  a neighbouring day's raw zone); written: rows in the day's partition.
  failed and quarantined are the demo site's deliberate traps: a 404, a page robots.txt disallows and a 500
  fail the fetch; a page without a date and a stub are quarantined by validation (s3://.../quarantine/).
  A trap the feeds list for two days counts on both.
  skipped: articles of a neighbouring day that the feeds and sitemaps also list (that day's run writes
  them) and an AMP duplicate of an article.
  Partition dt=D is written by the run whose logical date is D (data interval [D, D+1) UTC). Airflow's
  grid and the run id show that run's run-after time instead: dt=2026-11-16 is run backfill__2026-11-17T00:00:00."""


def demo_days(site_url: str) -> list[date]:
    """The days the demo site has articles, from its answer key."""
    with urllib.request.urlopen(site_url + "_answer_key.json", timeout=10) as response:
        key = json.loads(response.read())
    return sorted(date.fromisoformat(d) for d in key["days"])


def lake_table(cfg: StackConfig, days: list[date], states: dict[str, str]) -> list[dict]:
    """Per-day figures read back from the lake's manifests."""
    from newslake.lake import read_manifest, read_partition
    from newslake.storage import StorageSettings, open_store

    os.environ.update({k: v for k, v in stack_env(cfg).items() if k != "PATH"})
    store = open_store(StorageSettings.from_env())
    rows = []
    for day in days:
        manifest = read_manifest(store, "articles", "demo", day) or {}
        counts = manifest.get("counts", {})
        found = counts.get("discover", {}).get("candidates")
        fetch = counts.get("fetch", {})
        validate = counts.get("validate", {})
        extract = counts.get("extract", {})
        try:
            quarantined = read_partition(store, "quarantine", "demo", day).num_rows
        except KeyError:
            quarantined = None
        rows.append(
            {
                "day": day.isoformat(),
                "run": states.get(day.isoformat(), "-"),
                "found": found,
                # pages the run holds a body for: fetched now, or unchanged since a fetch of this or a neighbouring day
                "fetched": sum(fetch.get(k, 0) for k in HAVE_BODY) if "fetched" in fetch else None,
                "failed": sum(v for k, v in fetch.items() if k not in ("candidates", *HAVE_BODY, "replayed")),
                "skipped": extract.get("out_of_interval", 0) + extract.get("duplicates", 0),
                "written": manifest.get("rows"),
                "quarantined": quarantined if quarantined is not None else validate.get("quarantined"),
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    """Fixed-width table of the per-day figures."""
    cols = ["day", "run", "found", "fetched", "failed", "skipped", "written", "quarantined"]
    print("  " + "  ".join(f"{c:>11}" for c in cols))
    for row in rows:
        print("  " + "  ".join(f"{'-' if row[c] is None else row[c]!s:>11}" for c in cols))
    total = sum(r["written"] or 0 for r in rows)
    print(f"  {'total':>11}  {'':>11}  {'':>11}  {'':>11}  {'':>11}  {'':>11}  {total:>11}")


def check_readable(cfg: StackConfig) -> int:
    """Open the articles zone with pyarrow.dataset + Hive partitioning, as an analyst would."""
    import pyarrow.dataset as ds
    from pyarrow import fs

    s3 = fs.S3FileSystem(access_key=cfg.access_key, secret_key=cfg.secret_key,
                         endpoint_override=cfg.s3_url, scheme="http", region="us-east-1")
    dataset = ds.dataset(f"{cfg.bucket}/articles", filesystem=s3, format="parquet", partitioning="hive",
                         exclude_invalid_files=True)
    return dataset.count_rows()


def load_timings(cfg: StackConfig) -> dict[str, float]:
    """Phase durations of the last demo on this machine, or the project's measured defaults."""
    try:
        return {**DEFAULT_TIMINGS, **json.loads((cfg.run_dir / "demo-timings.json").read_text())}
    except (OSError, ValueError):
        return dict(DEFAULT_TIMINGS)


def save_timings(cfg: StackConfig, timings: dict[str, float]) -> None:
    """Keep this run's measured phase durations for the next run's estimates."""
    (cfg.run_dir / "demo-timings.json").write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")


def start_message(cfg: StackConfig, timings: dict[str, float]) -> str:
    """The phase line before the stack starts: reuse, first start or restart, with an estimate."""
    if stack_running(cfg):
        return "[2/4] the stack is already running: reusing it"
    first = not (cfg.run_dir / "airflow").exists()
    what = "first start: creating the databases" if first else "restart: data kept from the last run"
    estimate = timings["first_start" if first else "start"]
    return (f"[2/4] starting PostgreSQL, SeaweedFS, the demo news site and Airflow ({what}; "
            f"about {estimate:.0f} s)")


def backfill_message(days: list[date], timings: dict[str, float]) -> str:
    """The phase line before the backfill, with an estimate from the measured time per day."""
    minutes = len(days) * timings["backfill_day"] / 60
    return (f"[3/4] backfilling {DAG_ID} for {days[0]} .. {days[-1]} ({len(days)} days, one run at a time) "
            f"through the Airflow scheduler: about {minutes:.0f} min")


def _elapsed(since: float) -> float:
    return time.monotonic() - since


def _install_seconds() -> float | None:
    """Seconds `make demo` spent before this script (installing .venv), if make passed its start time."""
    try:
        return time.time() - float(os.environ["NEWSLAKE_DEMO_T0"])
    except (KeyError, ValueError):
        return None


def main() -> int:
    """Run the demo end to end."""
    cfg = StackConfig()
    install = _install_seconds()
    if install is not None:
        print(f"      Python packages ready ({install:.0f} s)", flush=True)
    begun = time.monotonic()
    timings = load_timings(cfg)
    running = stack_running(cfg)
    first = not (cfg.run_dir / "airflow").exists()
    print(start_message(cfg, timings), flush=True)
    try:
        up(cfg)
        if not running:
            timings["first_start" if first else "start"] = round(_elapsed(begun), 1)
            print(f"      stack up in {_elapsed(begun):.0f} s", flush=True)
        api = AirflowApi(cfg.airflow_url, "admin", airflow_password(cfg))
        api.wait_for_dag(DAG_ID)
        days = demo_days(cfg.site_url)
        print(backfill_message(days, timings), flush=True)
        backfill_start = time.monotonic()
        states = run_backfill(api, DAG_ID, days, timeout=TIMEOUT, progress=print)
        if _elapsed(backfill_start) > 5:  # not a run whose days had all succeeded before
            timings["backfill_day"] = round(_elapsed(backfill_start) / len(days), 1)
    except (StackError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    save_timings(cfg, timings)
    print("[4/4] reading the lake back from S3", flush=True)
    print()
    print_table(lake_table(cfg, days, states))
    print(LEGEND)
    rows = check_readable(cfg)
    print()
    print(f"Partitions: s3://{cfg.bucket}/articles/source=demo/dt=YYYY-MM-DD/part-0.parquet at {cfg.s3_url}")
    print(f"  (raw zone: s3://{cfg.bucket}/raw/, quarantine: s3://{cfg.bucket}/quarantine/, quality: s3://{cfg.bucket}/quality/)")
    print(f"  pyarrow.dataset(..., partitioning='hive') reads {rows} rows; keys: {cfg.access_key} / {cfg.secret_key}")
    print(f"Stack: {describe(cfg)}")
    print("Command line: `make shell` opens a shell with `newslake` on PATH and the stack's settings")
    print("  (or run .venv/bin/newslake after: eval \"$(.venv/bin/python -m newslake_dev.devstack env)\")")
    print("Stop everything: make down (the data stays in .run/ for the next make demo / make up)")
    total = _elapsed(begun) + (install or 0)
    print(f"demo finished in {total // 60:.0f} min {total % 60:.0f} s")
    failed = [d for d, s in states.items() if s != "success"]
    if failed:
        print(f"error: runs failed for {', '.join(sorted(failed))}; see the task logs in the UI", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
