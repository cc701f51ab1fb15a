"""The lake opens as is in the readers analysts use: pandas, Polars, DuckDB, pyarrow.dataset (local copy and S3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from newslake.lake import QUARANTINE_SCHEMA, records_to_table, write_partition
from newslake.storage import LocalStore
from newslake.urls import article_id

pytestmark = pytest.mark.integration

# (source, day) -> row count; the empty partition is what an empty rerun leaves behind.
PARTITIONS = {
    ("alpha", "2026-03-14"): 3,
    ("alpha", "2026-03-15"): 2,
    ("beta", "2026-03-14"): 4,
    ("beta", "2026-03-15"): 0,
}
TOTAL = sum(PARTITIONS.values())


def _rows(source: str, day: str, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        url = f"https://{source}.example.org/{day}/{i}"
        rows.append(
            {
                "article_id": article_id(url),
                "url": url,
                "title": f"{source} {i}",
                "body": "text " * 45,
                "authors": [f"Author {i}", "Desk"],
                "tags": ["press-freedom"],
                "published_at": datetime.fromisoformat(f"{day}T10:{i:02d}:00.123456+00:00"),
                "fetched_at": datetime(2026, 3, 16, 1, 0, tzinfo=UTC),
                "http_status": 200,
                "run_id": f"run-{day}",
            }
        )
    return rows


def _fill(store) -> None:
    for (source, day), n in PARTITIONS.items():
        write_partition(
            store, "articles", source, day, records_to_table(_rows(source, day, n)), run_id=f"run-{day}"
        )
    # Another zone beside articles must not leak into an articles read.
    write_partition(
        store, "quarantine", "alpha", "2026-03-14", records_to_table([], QUARANTINE_SCHEMA), run_id="r"
    )


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory) -> Path:
    """A LocalStore lake; LocalStore is also the shape of an `aws s3 sync` copy of the bucket."""
    root = tmp_path_factory.mktemp("lake")
    _fill(LocalStore(root))
    return root


@pytest.fixture
def s3_copy(s3_store, tmp_path) -> Path:
    """A lake written to SeaweedFS, then copied key by key into a local directory."""
    _fill(s3_store)
    root = tmp_path / "copy"
    for key in s3_store.list(""):
        target = root.joinpath(*key.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3_store.get(key))
    return root


def _check_frame(df) -> None:
    assert len(df) == TOTAL
    counts = df.groupby(["source", "dt"], observed=True).size().to_dict()
    assert counts == {(s, d): n for (s, d), n in PARTITIONS.items() if n}
    assert list(df.iloc[0]["authors"])[-1] == "Desk"
    assert str(df["published_at"].dt.tz) == "UTC"


def test_pandas_read_parquet_dir(lake_dir: Path) -> None:
    import pandas as pd

    df = pd.read_parquet(lake_dir / "articles")
    df["source"] = df["source"].astype(str)
    df["dt"] = df["dt"].astype(str)
    _check_frame(df)
    assert df["published_at"].dt.microsecond.max() == 123456


def test_polars_scan_parquet_hive_glob(lake_dir: Path) -> None:
    import polars as pl

    lf = pl.scan_parquet(str(lake_dir / "articles" / "**" / "*.parquet"), hive_partitioning=True)
    df = lf.collect()
    assert df.height == TOTAL
    assert {"source", "dt"} <= set(df.columns)
    assert df.schema["published_at"] == pl.Datetime("us", "UTC")
    assert df.schema["authors"] == pl.List(pl.String)
    per = df.group_by("source").len().sort("source").to_dicts()
    assert per == [{"source": "alpha", "len": 5}, {"source": "beta", "len": 4}]


def test_duckdb_read_parquet_hive(lake_dir: Path) -> None:
    import duckdb

    glob = str(lake_dir / "articles" / "**" / "*.parquet")
    con = duckdb.connect()
    rows = con.execute(
        "select source, cast(dt as varchar), count(*), min(len(authors)) "
        "from read_parquet(?, hive_partitioning=1) group by all order by all",
        [glob],
    ).fetchall()
    assert rows == [
        ("alpha", "2026-03-14", 3, 2),
        ("alpha", "2026-03-15", 2, 2),
        ("beta", "2026-03-14", 4, 2),
    ]
    kind = con.execute(
        "select typeof(published_at) from read_parquet(?, hive_partitioning=1) limit 1", [glob]
    ).fetchone()
    assert kind[0] == "TIMESTAMP WITH TIME ZONE"


def test_pyarrow_dataset_hive(lake_dir: Path) -> None:
    import pyarrow.dataset as ds

    dataset = ds.dataset(lake_dir / "articles", format="parquet", partitioning="hive")
    table = dataset.to_table(filter=ds.field("source") == "beta")
    assert table.num_rows == 4
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")


def test_readers_on_a_copy_of_the_s3_lake(s3_copy: Path) -> None:
    import pandas as pd
    import polars as pl

    df = pd.read_parquet(s3_copy / "articles")
    df["source"] = df["source"].astype(str)
    df["dt"] = df["dt"].astype(str)
    _check_frame(df)
    assert (
        pl.scan_parquet(str(s3_copy / "articles/**/*.parquet"), hive_partitioning=True).collect().height
        == TOTAL
    )


def test_pyarrow_dataset_straight_from_s3(s3_server, s3_store, s3_settings) -> None:
    import pyarrow.dataset as ds
    from pyarrow import fs

    _fill(s3_store)
    s3 = fs.S3FileSystem(
        access_key=s3_settings.access_key,
        secret_key=s3_settings.secret_key,
        endpoint_override=s3_settings.endpoint_url,
        scheme="http",
        region=s3_settings.region,
        allow_bucket_creation=False,
    )
    base = f"{s3_settings.bucket}/{s3_settings.prefix}/articles"
    dataset = ds.dataset(base, filesystem=s3, format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == TOTAL
    assert sorted(set(table.column("source").to_pylist())) == ["alpha", "beta"]


def test_local_lake_has_no_stray_files_in_partitions(lake_dir: Path) -> None:
    names = {p.name for p in (lake_dir / "articles").rglob("*") if p.is_file()}
    assert names == {"part-0.parquet", "_SUCCESS"}


@pytest.mark.skipif(__import__("shutil").which("java") is None, reason="Spark needs a Java runtime")
def test_spark_read_parquet_dir(lake_dir: Path) -> None:
    import logging

    from pyspark.sql import SparkSession

    # py4j logs its shutdown at INFO from an atexit hook, after pytest has closed the captured stream.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("newslake-lake-readers")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    try:
        df = spark.read.parquet(str(lake_dir / "articles"))
        types = dict(df.dtypes)
        assert types["published_at"] == "timestamp"
        assert types["authors"] == "array<string>"
        per = {(r["source"], str(r["dt"])): r["count"] for r in df.groupBy("source", "dt").count().collect()}
        assert per == {(s, d): n for (s, d), n in PARTITIONS.items() if n}
        first = df.orderBy("published_at").select("published_at").first()[0]
        assert first.microsecond == 123456
    finally:
        spark.stop()


# --------------------------------------------------------------------------- schema 1 and 2 side by side

ENRICHMENT_COLUMNS = ["countries", "primary_country", "organizations", "topics", "topic_evidence"]


def _enriched(rows: list[dict]) -> list[dict]:
    for row in rows:
        row.update(countries=["KZ"], primary_country="KZ", organizations=["Adil Soz"],
                   topics=["detention_or_arrest"],
                   topic_evidence=[{"topic": "detention_or_arrest", "sentence": "Police detained a blogger."}])
    return rows


def _put_v1_partition(store, source: str, day: str, rows: list[dict]) -> None:
    """A partition exactly as a schema-1 newslake wrote it: no enrichment columns, version 1 in file and manifest."""
    import json

    from newslake.lake import parquet_bytes
    from newslake.layout import manifest_key, part_key

    table = records_to_table(rows).drop_columns(ENRICHMENT_COLUMNS)
    table = table.replace_schema_metadata({**table.schema.metadata, b"newslake.schema_version": b"1"})
    store.put(part_key("articles", source, day), parquet_bytes(table))
    store.put(manifest_key("articles", source, day), json.dumps({"schema_version": 1, "rows": len(rows)}).encode())


@pytest.fixture(scope="module")
def mixed_lake(tmp_path_factory) -> Path:
    """alpha 03-14 written by schema 1 (3 rows), alpha 03-15 and beta 03-14 by schema 2 (2 + 4 rows)."""
    root = tmp_path_factory.mktemp("mixed")
    store = LocalStore(root)
    _put_v1_partition(store, "alpha", "2026-03-14", _rows("alpha", "2026-03-14", 3))
    for source, day, n in (("alpha", "2026-03-15", 2), ("beta", "2026-03-14", 4)):
        write_partition(store, "articles", source, day, records_to_table(_enriched(_rows(source, day, n))), run_id="v2")
    return root


MIXED_DETENTIONS = {("alpha", "2026-03-15"): 2, ("beta", "2026-03-14"): 4}


def _lake_schema() -> pa.Schema:
    from newslake.lake import ARTICLE_SCHEMA

    return ARTICLE_SCHEMA.append(pa.field("source", pa.string())).append(pa.field("dt", pa.string()))


def test_pyarrow_dataset_reads_old_and_new_partitions_with_the_lake_schema(mixed_lake: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    dataset = ds.dataset(mixed_lake / "articles", schema=_lake_schema(), format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == 9
    old = table.filter(pc.field("dt") == "2026-03-14").filter(pc.field("source") == "alpha")
    assert old.column("topics").to_pylist() == [None, None, None]  # schema 1 had no enrichment: null, not []
    new = table.filter(pc.field("source") == "beta")
    assert new.column("topic_evidence").to_pylist()[0] == [
        {"topic": "detention_or_arrest", "sentence": "Police detained a blogger."}
    ]


def test_pandas_reads_old_and_new_partitions_with_the_lake_schema(mixed_lake: Path) -> None:
    import pandas as pd

    df = pd.read_parquet(mixed_lake / "articles", schema=_lake_schema())
    assert len(df) == 9
    detained = df[df["topics"].apply(lambda t: t is not None and "detention_or_arrest" in list(t))]
    assert detained.groupby(["source", "dt"]).size().to_dict() == MIXED_DETENTIONS


def test_polars_reads_old_and_new_partitions_inserting_missing_columns(mixed_lake: Path) -> None:
    import polars as pl
    from newslake.lake import ARTICLE_SCHEMA

    lf = pl.scan_parquet(
        str(mixed_lake / "articles" / "**" / "*.parquet"), hive_partitioning=True,
        schema=pl.from_arrow(ARTICLE_SCHEMA.empty_table()).schema, missing_columns="insert",
    )
    df = lf.collect()
    assert df.height == 9
    assert df.schema["topics"] == pl.List(pl.String)
    per = (df.filter(pl.col("topics").list.contains("detention_or_arrest")).group_by("source", "dt").len()
           .sort("source").to_dicts())
    assert {(r["source"], str(r["dt"])): r["len"] for r in per} == MIXED_DETENTIONS


def test_duckdb_reads_old_and_new_partitions_by_name(mixed_lake: Path) -> None:
    import duckdb

    glob = str(mixed_lake / "articles" / "**" / "*.parquet")
    rows = duckdb.connect().execute(
        "select source, cast(dt as varchar), count(*) filter (where list_contains(topics, 'detention_or_arrest')), "
        "count(*) from read_parquet(?, hive_partitioning=1, union_by_name=true) group by all order by all",
        [glob],
    ).fetchall()
    assert rows == [("alpha", "2026-03-14", 0, 3), ("alpha", "2026-03-15", 2, 2), ("beta", "2026-03-14", 4, 4)]


@pytest.mark.skipif(__import__("shutil").which("java") is None, reason="Spark needs a Java runtime")
def test_spark_reads_old_and_new_partitions_with_merge_schema(mixed_lake: Path) -> None:
    import logging

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    logging.getLogger("py4j").setLevel(logging.WARNING)
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("newslake-mixed-schema")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    try:
        df = spark.read.option("mergeSchema", "true").parquet(str(mixed_lake / "articles"))
        types = dict(df.dtypes)
        assert types["topics"] == "array<string>"
        assert types["topic_evidence"] == "array<struct<topic:string,sentence:string>>"
        detained = df.where(F.array_contains("topics", "detention_or_arrest")).groupBy("source", "dt").count()
        assert {(r["source"], str(r["dt"])): r["count"] for r in detained.collect()} == MIXED_DETENTIONS
        assert df.count() == 9
    finally:
        spark.stop()
