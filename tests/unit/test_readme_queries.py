"""The README's enrichment queries (DuckDB and pandas), run exactly as printed on a small lake with
partitions from schema 1 and schema 2 side by side."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from newslake.lake import parquet_bytes, records_to_table, write_partition
from newslake.layout import manifest_key, part_key
from newslake.storage import LocalStore
from newslake.urls import article_id

README = Path(__file__).resolve().parents[2] / "README.md"
ENRICHMENT = ["countries", "primary_country", "organizations", "topics", "topic_evidence"]


def readme_block(name: str) -> str:
    match = re.search(rf"<!-- readme-query: {name} -->\n```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, f"README has no {name} query block"
    return match.group(1)


def _row(source: str, when: str, i: int, country: str | None, topics: list[str], orgs: list[str]) -> dict:
    url = f"https://{source}.example.org/{when}/{i}"
    return {"article_id": article_id(url), "url": url, "title": f"t{i}", "body": "text " * 40, "language": "en",
            "published_at": datetime.fromisoformat(when).replace(tzinfo=UTC), "countries": [country] if country else [],
            "primary_country": country, "organizations": orgs, "topics": topics,
            "topic_evidence": [{"topic": t, "sentence": "s"} for t in topics]}


@pytest.fixture
def lake(tmp_path, monkeypatch) -> Path:
    store = LocalStore(tmp_path / "lake")
    detained = ["detention_or_arrest"]
    days = {
        ("alpha", "2026-03-14"): [
            _row("alpha", "2026-03-14T10:00:00", 0, "KZ", detained, ["Adil Soz", "Supreme Court"]),
            _row("alpha", "2026-03-14T11:00:00", 1, "KZ", detained, ["Committee to Protect Journalists"]),
            _row("alpha", "2026-03-14T12:00:00", 2, "KZ", ["website_blocking"], ["Human Rights Watch"]),
        ],
        ("beta", "2026-04-01"): [
            _row("beta", "2026-04-01T08:00:00", 0, "KG", detained + ["criminal_prosecution"],
                 ["Adil Soz", "National Security Committee"]),
            _row("beta", "2026-04-01T09:00:00", 1, "KZ", detained, []),
        ],
    }
    for (source, day), rows in days.items():
        write_partition(store, "articles", source, day, records_to_table(rows), run_id="r")
    # A schema-1 partition (no enrichment columns) from before the upgrade: readable beside the others.
    old = records_to_table([_row("alpha", "2026-02-10T10:00:00", 0, None, [], [])]).drop_columns(ENRICHMENT)
    store.put(part_key("articles", "alpha", "2026-02-10"), parquet_bytes(old))
    store.put(manifest_key("articles", "alpha", "2026-02-10"), json.dumps({"schema_version": 1}).encode())
    monkeypatch.chdir(tmp_path)
    return tmp_path


EXPECTED = [
    ("2026-03", "KZ", 2, ["Adil Soz", "Committee to Protect Journalists"]),
    ("2026-04", "KG", 1, ["Adil Soz"]),
    ("2026-04", "KZ", 1, []),
]


def test_the_duckdb_query_answers_detentions_per_month_and_country(lake: Path) -> None:
    scope: dict = {}
    exec(readme_block("duckdb"), scope)  # noqa: S102 - the README's own text is what is under test
    assert [(m, c, n, list(w)) for m, c, n, w in scope["report"]] == EXPECTED


def test_the_pandas_query_gives_the_same_answer(lake: Path) -> None:
    scope: dict = {}
    exec(readme_block("pandas"), scope)  # noqa: S102
    report = scope["report"]
    got = [(r.month, r.primary_country, int(r.articles), list(r.watchdogs)) for r in report.itertuples()]
    assert got == EXPECTED
