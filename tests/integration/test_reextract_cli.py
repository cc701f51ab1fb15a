"""`newslake reextract` as an operator runs it: a real process on a real SeaweedFS, byte-identical to single replays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from demo_site.synthetic import synthetic_pages
from newslake.errors import EXIT_OK, EXIT_USAGE
from newslake.lake import read_manifest
from newslake.layout import part_key
from newslake.storage import open_store
from newslake_dev.rawgen import write_raw_day

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")
DAYS = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 19)]
BAD_DAY = date(2026, 11, 20)


def _run(settings, *args: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSLAKE_", "AIRFLOW_CONN_", "AWS_"))}
    env = {**keep, "NEWSLAKE_S3_ENDPOINT_URL": settings.endpoint_url, "NEWSLAKE_BUCKET": settings.bucket,
           "NEWSLAKE_PREFIX": settings.prefix, "AWS_ACCESS_KEY_ID": settings.access_key,
           "AWS_SECRET_ACCESS_KEY": settings.secret_key}
    return subprocess.run([NEWSLAKE, *args], capture_output=True, text=True, timeout=600, env=env)


def test_reextract_rebuilds_every_raw_day_in_range_as_a_single_replay_would(s3_settings) -> None:
    store = open_store(s3_settings)
    for day in DAYS:
        write_raw_day(store, "demo", day, synthetic_pages(day, 5))
    # A raw zone whose pages all belong to the day before: that day publishes nothing and must be named.
    write_raw_day(store, "demo", BAD_DAY, synthetic_pages(date(2026, 11, 19), 3))

    out = _run(s3_settings, "reextract", "--source", "demo", "--from", "2026-11-01", "--to", "2026-11-30")

    assert out.returncode == EXIT_USAGE, out.stderr
    report = json.loads(out.stdout)
    assert [(p["day"], p["outcome"], p["rows"]) for p in report["partitions"]] == [
        *[(d.isoformat(), "reextracted", 5) for d in DAYS], (BAD_DAY.isoformat(), "failed", None)]
    assert report["rows"] == 15
    assert "1 of 4 partition(s) not re-extracted" in out.stderr and f"demo {BAD_DAY}: TooFewArticlesError" in out.stderr
    assert store.head(part_key("articles", "demo", BAD_DAY)) is None
    bulk = {d: store.get(part_key("articles", "demo", d)) for d in DAYS}
    assert read_manifest(store, "articles", "demo", DAYS[0])["run_id"].startswith("reextract__")

    single = _run(s3_settings, "ingest", "--replay", "--source", "demo", "--date", DAYS[1].isoformat())
    assert single.returncode == EXIT_OK, single.stderr
    assert store.get(part_key("articles", "demo", DAYS[1])) == bulk[DAYS[1]]
