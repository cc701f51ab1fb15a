"""Benchmark the lake status page and JSON on a 20 sources x 365 days index in a real SeaweedFS.

Usage (from the repo root):
    .venv/bin/python bench/bench_status.py [--sources 20] [--days 365] [--repeats 5] [--rebuild-days 0]

Starts a throwaway SeaweedFS on bench-only ports (17xxx), writes the status index the runs would
have written (written days, some with quarantine, failures, running days and gaps), then times
GET / and GET /status through the status app (FastAPI, in process; the store over HTTP) for the
default 31 days and for all days. Also times the publish path's index update (one conditional
read-modify-write of a full year object). With --rebuild-days N it also publishes N real
partitions of one source and times `rebuild_index`. Target: page and JSON under 1 s at 20 x 365.
Prints one figure per line, then a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))

from newslake.status import SourceDays, create_app  # noqa: E402
from newslake.status_index import (  # noqa: E402
    INDEX_VERSION,
    rebuild_index,
    record_published,
    write_years,
    year_of,
)
from newslake.storage import open_store  # noqa: E402

TODAY = date(2026, 12, 1)
EXPECTATIONS = ["published_at_in_interval", "body_min_words", "language_in_set", "title_not_empty"]


def synthetic_entry(rnd: random.Random, source: str, day: date) -> dict | None:
    """What the runs leave in the index for one day: mostly published, some failures, some gaps."""
    roll = rnd.random()
    if roll < 0.03:
        return None  # a gap: never written
    run_id = f"scheduled__{day.isoformat()}T00:00:00+00:00"
    at = f"{(day + timedelta(days=1)).isoformat()}T00:1{rnd.randint(0, 9)}:00.000+00:00"
    if roll < 0.06:
        return {"failure": {"run_id": run_id, "at": at, "stage": "fetch", "type": "SourceBlockedError",
                            "reason": "38/40 URLs blocked or failing, above the 50% threshold", "quality_key": None}}
    rows, quarantined = rnd.randint(20, 120), rnd.choice([0, 0, 0, 1, 2, 9])
    return {
        "running": {"run_id": run_id, "at": at},
        "published": {
            "run_id": run_id, "at": at, "written_at": at[:19] + "+00:00", "rows": rows, "quarantined": quarantined,
            "quarantine_share": round(quarantined / (rows + quarantined), 4),
            "top_failed": [[rnd.choice(EXPECTATIONS), quarantined]] if quarantined else [],
            "fetch": {"candidates": rows + 10, "fetched": rows + quarantined, "gone": 3, "blocked": 1, "not_modified": 6},
            "quality_key": f"quality/source={source}/dt={day.isoformat()}/run={run_id}/validation.json",
            "key": f"articles/source={source}/dt={day.isoformat()}/part-0.parquet", "schema_version": 1,
        },
    }


def build_index(store, sources: list[str], days: int) -> int:
    """Write the year objects of every source; returns how many days hold an entry."""
    rnd = random.Random(11)
    first = TODAY - timedelta(days=days)
    entries = 0
    documents = []
    for source in sources:
        years: dict[str, dict] = {}
        for i in range(days):
            day = first + timedelta(days=i)
            entry = synthetic_entry(rnd, source, day)
            doc = years.setdefault(year_of(day), {"source": source, "year": year_of(day),
                                                    "version": INDEX_VERSION, "days": {}})
            if entry:
                doc["days"][day.isoformat()] = entry
                entries += 1
        documents.extend(years.values())
    write_years(store, documents)
    return entries


def timed_get(client, path: str, params: dict, repeats: int) -> tuple[float, int]:
    """Median wall time (s) of GET path over repeats, and the response size."""
    times, size = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        response = client.get(path, params=params)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.text[:500]
        size = len(response.content)
    return statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rebuild-days", type=int, default=0)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from newslake_dev.seaweed import SeaweedServer

    sources = [f"src{i:02d}" for i in range(args.sources)]
    first = TODAY - timedelta(days=args.days)
    expected = [SourceDays(s, first) for s in sources]
    figures: dict[str, float | int] = {"sources": args.sources, "days": args.days}
    with tempfile.TemporaryDirectory() as tmp:
        server = SeaweedServer(
            Path(tmp) / "seaweed",
            s3_port=17633, master_port=17933, volume_port=17681, filer_port=17688, admin_port=17646,
            s3_grpc_port=27633, master_grpc_port=27933, volume_grpc_port=27681, filer_grpc_port=27688,
            admin_grpc_port=17647, access_key="bench-key", secret_key="bench-secret", bucket="bench",
        )  # fmt: skip
        server.start()
        try:
            store = open_store(server.settings(prefix="status-bench"))
            t0 = time.perf_counter()
            figures["index_days"] = build_index(store, sources, args.days)
            figures["build_index_s"] = round(time.perf_counter() - t0, 3)
            print(f"index: {figures['index_days']} days in {len(store.list('_status/'))} year objects, "
                  f"written in {figures['build_index_s']} s")

            # One publish's index update, on a year object that already holds a year of days.
            manifest = {"run_id": "bench", "written_at": "2026-11-30T00:10:00+00:00", "rows": 50,
                        "key": "articles/source=src00/dt=2026-11-30/part-0.parquet",
                        "counts": {"validate": {"rows": 51, "quarantined": 1}}}
            t0 = time.perf_counter()
            for _ in range(args.repeats * 4):
                record_published(store, "src00", date(2026, 11, 30), manifest)
            figures["publish_index_update_ms"] = round(1000 * (time.perf_counter() - t0) / (args.repeats * 4), 1)
            print(f"publish path index update: {figures['publish_index_update_ms']} ms per publish")

            app = create_app(lambda: store, sources=lambda: expected)
            until = (TODAY - timedelta(days=1)).isoformat()
            with TestClient(app) as client:
                client.get("/status")  # warm-up: imports, first connection
                cases = {
                    "page_31d": ("/", {"until": until}),
                    "json_31d": ("/status", {"until": until}),
                    "page_all": ("/", {"since": first.isoformat(), "until": until}),
                    "json_all": ("/status", {"since": first.isoformat(), "until": until}),
                    "day_detail": ("/day", {"source": "src00", "day": "2026-11-15"}),
                }
                for name, (path, params) in cases.items():
                    seconds, size = timed_get(client, path, params, args.repeats)
                    figures[f"{name}_s"] = round(seconds, 3)
                    figures[f"{name}_kb"] = round(size / 1024, 1)
                    print(f"GET {path} {name}: {seconds:.3f} s median of {args.repeats}, {size / 1024:.0f} KiB")

            if args.rebuild_days:
                from bench_lake import synthetic_rows
                from newslake.lake import records_to_table, write_partition

                table = records_to_table(synthetic_rows(30))
                t0 = time.perf_counter()
                for i in range(args.rebuild_days):
                    write_partition(store, "articles", "rebuilt", TODAY - timedelta(days=i + 1), table, run_id="bench")
                print(f"wrote {args.rebuild_days} partitions in {time.perf_counter() - t0:.1f} s")
                t0 = time.perf_counter()
                done = rebuild_index(store, "rebuilt")
                figures["rebuild_days"] = done["days"]
                figures["rebuild_s"] = round(time.perf_counter() - t0, 3)
                print(f"rebuild_index: {done['days']} days in {figures['rebuild_s']} s")
        finally:
            server.stop()
    worst = max(figures[k] for k in ("page_31d_s", "json_31d_s", "page_all_s", "json_all_s"))
    figures["target_s"] = 1.0
    figures["met"] = int(worst < 1.0)
    print(json.dumps({"bench": "status", **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
