"""Benchmark the lake path: rows -> Arrow table -> zstd Parquet -> partition write, plus GX validation.

Usage (from the repo root):
    .venv/bin/python bench/bench_lake.py [--rows N] [--s3] [--validate]

--s3 starts a throwaway SeaweedFS on bench-only ports (1x6xx) and also times writes/reads over HTTP.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))

from newslake.lake import parquet_bytes, read_partition, records_to_table, write_partition  # noqa: E402
from newslake.storage import LocalStore, open_store  # noqa: E402
from newslake.urls import article_id  # noqa: E402

WORDS = "press freedom court blogger sentence ministry internet access report media law".split()


def synthetic_rows(n: int, seed: int = 7) -> list[dict]:
    """n plausible article rows for one UTC day."""
    rnd = random.Random(seed)
    day = datetime(2026, 3, 14, tzinfo=UTC)
    rows = []
    for i in range(n):
        url = f"https://news.example.org/2026/03/14/story-{i}"
        body = "\n\n".join(" ".join(rnd.choices(WORDS, k=60)) for _ in range(8))
        rows.append(
            {
                "article_id": article_id(url),
                "url": url,
                "canonical_url": url,
                "title": " ".join(rnd.choices(WORDS, k=8)).capitalize(),
                "body": body,
                "authors": [f"Author {rnd.randint(1, 40)}"],
                "published_at": day + timedelta(seconds=rnd.randint(0, 86_399)),
                "language": "en",
                "tags": rnd.sample(WORDS, 3),
                "field_sources": {"title": "jsonld", "body": "trafilatura"},
                "http_status": 200,
                "fetched_at": day + timedelta(days=1),
                "run_id": "bench",
            }
        )
    return rows


def timed(label: str, fn, *args, **kwargs):
    """Run fn once, print its wall time, return its result."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:<34} {time.perf_counter() - t0:8.3f} s")
    return result


def publish_overhead(store, table, repeats: int) -> None:
    """Median time of a race-safe publish (GET manifest, HEAD, two conditional PUTs) vs two plain PUTs."""
    import statistics

    data = parquet_bytes(table)
    plain, safe = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        store.put("articles/source=plain/dt=2026-03-14/part-0.parquet", data)
        store.put("articles/source=plain/dt=2026-03-14/_SUCCESS", b"{}")
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_partition(store, "articles", "safe", "2026-03-14", table, run_id=f"r{i}")
        safe.append(time.perf_counter() - t0)
    p, q = statistics.median(plain) * 1000, statistics.median(safe) * 1000
    print(f"{'publish 50 rows: two plain PUTs':<34} {p:8.1f} ms (median of {repeats})")
    print(f"{'publish 50 rows: write_partition':<34} {q:8.1f} ms (median of {repeats}, +{q - p:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    """Print timings for each lake step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--s3", action="store_true")
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--repeats", type=int, default=20, help="publishes of a 50-row day for the overhead figure")
    args = parser.parse_args(argv)

    rows = timed(f"generate {args.rows} rows", synthetic_rows, args.rows)
    table = timed("records_to_table", records_to_table, rows)
    data = timed("parquet_bytes (zstd)", parquet_bytes, table)
    print(f"{'parquet size':<34} {len(data) / 1e6:8.2f} MB ({len(data) / max(1, args.rows):.0f} B/row)")
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(Path(tmp) / "lake")
        timed(
            "write_partition (LocalStore)",
            write_partition,
            store,
            "articles",
            "bench",
            "2026-03-14",
            table,
            run_id="b",
        )
        timed("read_partition (LocalStore)", read_partition, store, "articles", "bench", "2026-03-14")
        if args.s3:
            from newslake_dev.seaweed import SeaweedServer

            server = SeaweedServer(
                Path(tmp) / "seaweed",
                s3_port=16633, master_port=16933, volume_port=16681, filer_port=16688, admin_port=16646,
                s3_grpc_port=26633, master_grpc_port=26933, volume_grpc_port=26681, filer_grpc_port=26688,
                admin_grpc_port=16647, access_key="bench-key", secret_key="bench-secret", bucket="bench",
            )  # fmt: skip
            timed("start SeaweedFS", server.start)
            try:
                s3 = open_store(server.settings(prefix="bench"))
                timed(
                    "write_partition (SeaweedFS)",
                    write_partition,
                    s3,
                    "articles",
                    "bench",
                    "2026-03-14",
                    table,
                    run_id="b",
                )
                timed("read_partition (SeaweedFS)", read_partition, s3, "articles", "bench", "2026-03-14")
                publish_overhead(s3, records_to_table(rows[:50]), repeats=args.repeats)
            finally:
                timed("stop SeaweedFS", server.stop)
    if args.validate:
        from newslake.validation import validate_articles

        t0 = time.perf_counter()
        import great_expectations  # noqa: F401

        print(f"{'import great_expectations':<34} {time.perf_counter() - t0:8.3f} s")
        start = datetime(2026, 3, 14, tzinfo=UTC)
        outcome = timed(
            "validate_articles",
            validate_articles,
            table,
            start=start,
            end=start + timedelta(days=1),
            languages=["en"],
        )
        print(f"{'valid / quarantined':<34} {outcome.counts['valid']} / {outcome.counts['quarantined']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
