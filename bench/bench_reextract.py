"""Benchmark re-extraction from the raw zone: one big day (throughput, peak RSS) and a bulk year (bulk vs single runs).

`day`: a synthetic raw zone of --articles pages for demo 2026-11-18 (demo-site templates, written
through RawZoneWriter) is replayed by `newslake ingest --replay` in its own process, the way a
task process runs it: wall time, CPU time, articles/s, articles per CPU-second (= per core) and
that process's peak RSS, plus the seconds of each stage from the published manifest.
`--profile` runs the same replay under cProfile instead and prints where the time went.

`bulk`: --days x --sources synthetic days of --per-day small pages; one `newslake reextract`
process rebuilds them all, then --individual of the same days are run as separate
`newslake ingest --replay` processes (each one a fresh process, as one Airflow task would be) and
their mean is extrapolated to every partition. The bulk partitions of those days must be
byte-identical to the single runs'. Both modes use a throwaway SeaweedFS (ports 177xx plus
$NEWSLAKE_TEST_PORT_OFFSET) unless --local DIR is given. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "include"), str(ROOT / "dev")]

from demo_site.synthetic import synthetic_pages  # noqa: E402
from newslake.lake import read_manifest  # noqa: E402
from newslake.layout import part_key  # noqa: E402
from newslake.storage import open_store  # noqa: E402
from newslake_dev.rawgen import write_raw_day  # noqa: E402

DAY = date(2026, 11, 18)
BULK_LAST = date(2026, 11, 21)
BENCH_BUCKET, BENCH_KEY, BENCH_SECRET = "bench", "bench-key", "bench-secret"

PROFILED = """
import cProfile, pstats, sys
from newslake.cli import main
profile = cProfile.Profile()
code = profile.runcall(main, sys.argv[2:])
profile.dump_stats(sys.argv[1])
sys.exit(code)
"""
# Where the time goes: cumulative seconds of these functions (they nest: extract_article holds body extraction).
PROFILE_BUCKETS = {
    "extraction (extract_article)": "extraction/extract.py:extract_article",
    "  body (trafilatura + ours)": "extraction/extract.py:_choose_body",
    "enrichment (enrich)": "enrichment/enrich.py:enrich",
    "raw body reads (waiting)": "rawzone.py:iter_raw_bodies",
    "records -> Arrow table": "lake.py:records_to_table",
    "validation (GX suite)": "newslake/validation.py:validate_articles",
    "  GX import": "quality/run.py:import_gx",
    "Data Docs page + index": "pipeline.py:_publish_docs",
    "publish (lake.write_partition)": "lake.py:write_partition",
}


def _server(tmp: Path):
    from newslake_dev.seaweed import SeaweedServer

    off = int(os.environ.get("NEWSLAKE_TEST_PORT_OFFSET", "0"))
    return SeaweedServer(
        tmp / "seaweed", s3_port=17733 + off, master_port=17743 + off, volume_port=17753 + off,
        filer_port=17763 + off, admin_port=17773 + off, s3_grpc_port=27733 + off, master_grpc_port=27743 + off,
        volume_grpc_port=27753 + off, filer_grpc_port=27763 + off, admin_grpc_port=27773 + off,
        access_key=BENCH_KEY, secret_key=BENCH_SECRET, bucket=BENCH_BUCKET,
    )  # fmt: skip


def _store_env(server, local: Path | None, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSLAKE_", "AIRFLOW_CONN_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "include"), str(ROOT / "dev")])
    if local is not None:
        return {**env, "NEWSLAKE_LAKE_DIR": str(local), "NEWSLAKE_PREFIX": prefix}
    return {**env, "NEWSLAKE_S3_ENDPOINT_URL": server.endpoint_url, "AWS_ACCESS_KEY_ID": BENCH_KEY,
            "AWS_SECRET_ACCESS_KEY": BENCH_SECRET, "NEWSLAKE_BUCKET": BENCH_BUCKET, "NEWSLAKE_PREFIX": prefix}


def _run_measured(argv: list[str], env: dict[str, str]) -> dict:
    """Like _run, with the child's own CPU seconds and peak RSS from wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:6])}... failed ({proc.returncode}):\n{err.read().decode()[-3000:]}")
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
                "stdout": out.read().decode()}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "newslake.cli", *args]


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _stage_seconds(manifest: dict) -> dict[str, float]:
    out = {}
    for stage, (began, ended) in (manifest.get("timings") or {}).items():
        out[stage] = round((datetime.fromisoformat(ended) - datetime.fromisoformat(began)).total_seconds(), 2)
    return out


def _profile_report(path: Path) -> dict[str, float]:
    import pstats

    stats = pstats.Stats(str(path))
    found: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, where in PROFILE_BUCKETS.items():
            file_part, func = where.split(":")
            if filename.endswith(file_part) and name == func:
                found[label] = max(found.get(label, 0.0), cumulative)
    total = max(cum for (_, _, _, cum, _) in stats.stats.values())  # type: ignore[attr-defined]
    ordered = {label: round(found[label], 2) for label in PROFILE_BUCKETS if label in found}
    return {**ordered, "total": round(total, 2)}


def bench_day(args, server, local: Path | None) -> dict:
    prefix = "reextract-day"
    store = open_store(server.settings(prefix=prefix)) if local is None else _local_store(local, prefix)
    t0 = time.perf_counter()
    raw_bytes = write_raw_day(store, "demo", DAY, synthetic_pages(DAY, args.articles))
    print(f"raw zone: {args.articles} pages, {raw_bytes / 1e6:.1f} MB of HTML, written in {time.perf_counter() - t0:.0f} s")
    env = _store_env(server, local, prefix)
    argv_tail = ["ingest", "--replay", "--source", "demo", "--date", DAY.isoformat(), "--run-id", "bench-day"]
    if args.profile:
        out = Path(tempfile.gettempdir()) / f"reextract-day-{os.getpid()}.prof"
        run = _run_measured([sys.executable, "-c", PROFILED, str(out), *argv_tail], env)
        report = _profile_report(out)
        print(f"cProfile of the replay ({_load()}), cumulative seconds:")
        for label, seconds in report.items():
            print(f"  {label:<32} {seconds:8.2f}")
        return {"mode": "day-profile", "articles": args.articles, "profile": report, "wall_s": round(run["wall"], 1)}
    run = _run_measured(_cli(*argv_tail), env)
    rows = json.loads(run["stdout"])["publish"]["rows"]
    stages = _stage_seconds(read_manifest(store, "articles", "demo", DAY) or {})
    figures = {
        "mode": "day", "articles": args.articles, "published_rows": rows, "raw_html_mb": round(raw_bytes / 1e6, 1),
        "wall_s": round(run["wall"], 1), "cpu_s": round(run["cpu"], 1),
        "articles_per_s": round(args.articles / run["wall"], 1),
        "articles_per_cpu_s": round(args.articles / run["cpu"], 1),
        "peak_rss_mb": round(run["rss_mb"]), "stages_s": stages, "load": os.getloadavg()[0],
    }
    print(f"replay of {args.articles} articles ({rows} published) in one process: {figures['wall_s']} s wall, "
          f"{figures['cpu_s']} s CPU -> {figures['articles_per_s']} articles/s, {figures['articles_per_cpu_s']} "
          f"articles per CPU-second; peak RSS {figures['peak_rss_mb']} MB; stages {stages} ({_load()})")
    return figures


def _local_store(local: Path, prefix: str):
    from newslake.storage import StorageSettings

    return open_store(StorageSettings(local_dir=local, prefix=prefix))


def _sources_file(path: Path, ids: list[str], first: date, last: date) -> None:
    import yaml

    entries = [{
        "id": sid, "name": f"Synthetic {sid}", "base_url": "http://127.0.0.1:8765/",
        "allowed_domains": ["127.0.0.1"], "allow_private_network": True, "languages": ["en", "ru"],
        "start_date": first.isoformat(), "end_date": last.isoformat(), "quarantine_threshold": 0.35,
        "min_articles_per_day": 1, "discovery": {"feeds": ["rss.xml"]},
    } for sid in ids]
    path.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False))


def bench_bulk(args, server, local: Path | None, tmp: Path) -> dict:
    prefix = "reextract-bulk"
    store = open_store(server.settings(prefix=prefix)) if local is None else _local_store(local, prefix)
    ids = [f"synth_{chr(ord('a') + i)}" for i in range(args.sources)]
    last = BULK_LAST
    first = last - timedelta(days=args.days - 1)
    days = [first + timedelta(days=i) for i in range(args.days)]
    config = tmp / "sources.yaml"
    _sources_file(config, ids, first, last)
    t0 = time.perf_counter()

    def one(job: tuple[str, date]) -> int:
        sid, day = job
        return write_raw_day(store, sid, day, synthetic_pages(day, args.per_day, paragraphs=args.paragraphs))

    with ThreadPoolExecutor(4) as pool:
        raw_bytes = sum(pool.map(one, [(s, d) for s in ids for d in days]))
    partitions = len(ids) * len(days)
    print(f"raw zone: {partitions} partitions x {args.per_day} pages ({raw_bytes / max(partitions * args.per_day, 1) / 1e3:.1f}"
          f" KB a page, {raw_bytes / 1e6:.0f} MB), written in {time.perf_counter() - t0:.0f} s")
    env = {**_store_env(server, local, prefix), "NEWSLAKE_SOURCES": str(config)}
    sources_args = [a for sid in ids for a in ("--source", sid)]
    bulk = _run_measured(_cli("reextract", *sources_args, "--from", first.isoformat(), "--to", last.isoformat()), env)
    report = json.loads(bulk["stdout"])
    done = [p for p in report["partitions"] if p["outcome"] == "reextracted"]
    articles = report["rows"]
    print(f"bulk: {len(done)}/{partitions} partitions, {articles} articles in {bulk['wall']:.0f} s wall "
          f"({articles / bulk['wall']:.1f} articles/s, peak RSS {bulk['rss_mb']:.0f} MB, {_load()})")
    # Distinct partitions spread over the sources and the year.
    sample = list(dict.fromkeys((ids[k % len(ids)], days[(k * len(days)) // max(args.individual, 1)])
                                for k in range(args.individual)))
    singles, identical = [], True
    for sid, day in sample:
        before = store.get(part_key("articles", sid, day))
        run = _run_measured(_cli("ingest", "--replay", "--source", sid, "--date", day.isoformat()), env)
        singles.append(run["wall"])
        identical = identical and store.get(part_key("articles", sid, day)) == before
        print(f"  single run {sid} {day}: {run['wall']:.1f} s (peak RSS {run['rss_mb']:.0f} MB)")
    mean = sum(singles) / len(singles)
    extrapolated = mean * partitions
    figures = {
        "mode": "bulk", "sources": len(ids), "days": len(days), "partitions": partitions, "articles": articles,
        "page_kb": round(raw_bytes / max(partitions * args.per_day, 1) / 1e3, 1),
        "bulk_wall_s": round(bulk["wall"], 1), "bulk_articles_per_s": round(articles / bulk["wall"], 1),
        "bulk_s_per_partition": round(bulk["wall"] / partitions, 3), "bulk_peak_rss_mb": round(bulk["rss_mb"]),
        "single_runs_measured": len(singles), "single_mean_s": round(mean, 2),
        "singles_extrapolated_s": round(extrapolated), "singles_articles_per_s": round(articles / extrapolated, 2),
        "speedup": round(extrapolated / bulk["wall"], 1), "bulk_equals_single_runs": identical,
        "load": os.getloadavg()[0],
    }
    print(f"single runs: mean {mean:.1f} s over {len(singles)} measured -> {extrapolated:.0f} s for {partitions} "
          f"(extrapolated); bulk is {figures['speedup']}x faster; bulk bytes == single-run bytes: {identical} ({_load()})")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("day", help="one source-day of many articles: throughput and peak RSS")
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--profile", action="store_true", help="run the replay under cProfile and print where the time went")
    q = sub.add_parser("bulk", help="days x sources rebuilt by one reextract process vs single runs")
    q.add_argument("--days", type=int, default=365)
    q.add_argument("--sources", type=int, default=3)
    q.add_argument("--per-day", type=int, default=8, help="articles per synthetic day")
    q.add_argument("--paragraphs", type=int, default=3, help="story paragraphs per page (smaller pages)")
    q.add_argument("--individual", type=int, default=6, help="single runs measured for the extrapolation")
    for x in (p, q):
        x.add_argument("--local", type=Path, help="use a LocalStore in this directory instead of SeaweedFS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = None
        if args.local is None:
            server = _server(tmp)
            server.start()
        try:
            figures = bench_day(args, server, args.local) if args.mode == "day" else bench_bulk(args, server, args.local, tmp)
        finally:
            if server is not None:
                server.stop()
    print(json.dumps({"bench": "reextract", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
