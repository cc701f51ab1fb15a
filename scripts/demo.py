"""`make demo`: start the embedded stack, backfill the demo source through the real scheduler, print the lake.

Runs news_demo for every day the demo site has articles, via Airflow's REST API (the same
call the UI's backfill dialog makes), waits for the runs, then prints one row per day read
back from the lake's manifests and leaves the stack running for exploration.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from datetime import date

from newslake.devstack import (
    AirflowApi,
    StackConfig,
    StackError,
    airflow_password,
    run_backfill,
    stack_env,
    up,
)

DAG_ID = "news_demo"
TIMEOUT = float(os.environ.get("NEWSLAKE_DEMO_TIMEOUT", "1200"))


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
                "fetched": fetch.get("fetched"),
                "failed": sum(v for k, v in fetch.items() if k not in ("candidates", "fetched", "not_modified", "replayed")),
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


def main() -> int:
    """Run the demo end to end."""
    cfg = StackConfig()
    print("newslake demo: starting SeaweedFS, the demo news site and Airflow (first start takes a minute)...", flush=True)
    try:
        up(cfg)
        api = AirflowApi(cfg.airflow_url, "admin", airflow_password(cfg))
        api.wait_for_dag(DAG_ID)
        days = demo_days(cfg.site_url)
        print(f"backfilling {DAG_ID} for {days[0]} .. {days[-1]} ({len(days)} days) through the Airflow scheduler", flush=True)
        states = run_backfill(api, DAG_ID, days, timeout=TIMEOUT, progress=print)
    except (StackError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print()
    print_table(lake_table(cfg, days, states))
    rows = check_readable(cfg)
    print()
    print(f"Partitions: s3://{cfg.bucket}/articles/source=demo/dt=YYYY-MM-DD/part-0.parquet at {cfg.s3_url}")
    print(f"  (raw zone: s3://{cfg.bucket}/raw/, quarantine: s3://{cfg.bucket}/quarantine/, quality: s3://{cfg.bucket}/quality/)")
    print(f"  pyarrow.dataset(..., partitioning='hive') reads {rows} rows; keys: {cfg.access_key} / {cfg.secret_key}")
    print(f"Airflow UI: {cfg.airflow_url}  login: admin / {airflow_password(cfg)}")
    print("Shell with the stack's settings: eval \"$(.venv/bin/python -m newslake.devstack env)\"")
    print("Stop everything: make down")
    failed = [d for d, s in states.items() if s != "success"]
    if failed:
        print(f"error: runs failed for {', '.join(sorted(failed))}; see the task logs in the UI", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
