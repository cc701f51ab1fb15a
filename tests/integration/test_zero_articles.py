"""Finding 4: a day with pages fetched but no article inside it fails loudly instead of publishing 0 rows.

Real demo site over HTTP, real SeaweedFS, the real `newslake ingest` process. The day after the demo
site's last day has candidates (discovery's slack brings in the previous evening's articles) and
fetched pages, but none of them belongs to the day.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from newslake.config import DEFAULT_CONFIG_PATH
from newslake.errors import EXIT_VALIDATION
from newslake.lake import read_manifest

pytestmark = pytest.mark.integration

NEWSLAKE = str(Path(sys.executable).parent / "newslake")


def test_a_day_without_its_own_articles_fails_naming_the_counts(demo_site, s3_settings, tmp_path):
    document = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    (demo,) = [s for s in document["sources"] if s["id"] == "demo"]
    demo.pop("end_date")  # a live source: no last day
    demo["min_articles_per_day"] = 3
    config = tmp_path / "sources.yaml"
    config.write_text(yaml.safe_dump(document))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env.update({
        "NEWSLAKE_DEMO_BASE_URL": demo_site.base_url, "NEWSLAKE_S3_ENDPOINT_URL": s3_settings.endpoint_url,
        "AWS_ACCESS_KEY_ID": s3_settings.access_key, "AWS_SECRET_ACCESS_KEY": s3_settings.secret_key,
        "NEWSLAKE_BUCKET": s3_settings.bucket, "NEWSLAKE_PREFIX": s3_settings.prefix,
    })
    out = subprocess.run([NEWSLAKE, "--config", str(config), "ingest", "--source", "demo", "--date", "2026-11-22"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == EXIT_VALIDATION, out.stdout + out.stderr
    message = out.stderr.strip().splitlines()[-1]
    assert "source demo 2026-11-22: 0 articles to publish" in message
    assert "at least 3 a day" in message and "in interval 0, valid 0" in message
    # The pages were fetched: this is a day without its own articles, not a source that blocks us.
    fetched = int(message.split("fetched ")[1].split(",")[0])
    assert fetched > 0
    from newslake.storage import open_store

    assert read_manifest(open_store(s3_settings), "articles", "demo", "2026-11-22") is None
