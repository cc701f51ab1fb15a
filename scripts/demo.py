"""`make demo`: start the embedded stack, backfill the demo source through the real scheduler, print the lake.

Runs news_demo for every day the demo site has articles, via Airflow's REST API (the same
call the UI's backfill dialog makes), waits for the runs, then prints one row per day read
back from the lake's manifests and leaves the stack running for exploration.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import date

from newslake.devstack import StackConfig, StackError, airflow_password, stack_env, up

DAG_ID = "news_demo"
TIMEOUT = float(os.environ.get("NEWSLAKE_DEMO_TIMEOUT", "1200"))


class Api:
    """Minimal client for Airflow's REST API v2 with a JWT from /auth/token."""

    def __init__(self, base: str, user: str, password: str):
        self.base = base
        token = self._call("POST", "/auth/token", {"username": user, "password": password}, auth=False)
        self.token = token["access_token"]

    def _call(self, method: str, path: str, body: dict | None = None, *, auth: bool = True) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path} -> {exc.code}: {exc.read()[:500].decode(errors='replace')}") from None

    def get(self, path: str) -> dict:
        """GET a JSON resource."""
        return self._call("GET", path)

    def post(self, path: str, body: dict) -> dict:
        """POST a JSON body."""
        return self._call("POST", path, body)

    def patch(self, path: str, body: dict) -> dict:
        """PATCH a JSON body."""
        return self._call("PATCH", path, body)


def wait_for_dag(api: Api, timeout: float = 180) -> None:
    """Wait until the DAG processor has parsed news_demo."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            api.get(f"/api/v2/dags/{DAG_ID}")
            return
        except RuntimeError:
            time.sleep(2)
    raise StackError(f"{DAG_ID} was not parsed within {timeout:.0f}s; see .run/airflow.log")


def demo_days(site_url: str) -> list[date]:
    """The days the demo site has articles, from its answer key."""
    with urllib.request.urlopen(site_url + "_answer_key.json", timeout=10) as response:
        key = json.loads(response.read())
    return sorted(date.fromisoformat(d) for d in key["days"])


def run_backfill(api: Api, days: list[date]) -> dict[str, str]:
    """Create the backfill, unpause the DAG and wait until every day's run has finished."""
    wanted = {d.isoformat() for d in days}
    existing = {r["logical_date"][:10]: r["state"] for r in api.get(f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"]}
    if not wanted <= {d for d, s in existing.items() if s == "success"}:
        api.post(
            "/api/v2/backfills",
            {
                "dag_id": DAG_ID,
                "from_date": f"{days[0].isoformat()}T00:00:00Z",
                "to_date": f"{days[-1].isoformat()}T00:00:00Z",
                "reprocess_behavior": "failed",
                "max_active_runs": 1,
            },
        )
    api.patch(f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    deadline, last = time.monotonic() + TIMEOUT, ""
    while True:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100&order_by=logical_date")["dag_runs"]
        states = {r["logical_date"][:10]: r["state"] for r in runs if r["logical_date"][:10] in wanted}
        done = {d: s for d, s in states.items() if s in ("success", "failed")}
        line = f"  runs finished {len(done)}/{len(wanted)}: " + " ".join(f"{d[5:]}={s}" for d, s in sorted(states.items()))
        if line != last:
            print(line, flush=True)
            last = line
        if len(done) == len(wanted):
            return states
        if time.monotonic() > deadline:
            raise StackError(f"backfill did not finish within {TIMEOUT:.0f}s: {states}")
        time.sleep(3)


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
        found = counts.get("candidates", {}).get("candidates")
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
        api = Api(cfg.airflow_url, "admin", airflow_password(cfg))
        wait_for_dag(api)
        days = demo_days(cfg.site_url)
        print(f"backfilling {DAG_ID} for {days[0]} .. {days[-1]} ({len(days)} days) through the Airflow scheduler", flush=True)
        states = run_backfill(api, days)
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
