"""Example downstream DAG: runs once per published lake partition and reads exactly that partition.

Copy this file to build your own consumer of the news lake: keep the schedule, replace the body of
`summarise` with your analysis. Wiring only; heavy libraries are imported inside the task.
"""

from __future__ import annotations

import functools
import logging
import operator
from datetime import timedelta

from airflow.sdk import DAG, Asset, PartitionedAssetTimetable, StartOfDayMapper, task
from newslake.assets import asset_name
from newslake.config import read_sources

log = logging.getLogger(__name__)

DAG_ID = "lake_partition_consumer"
# The sources this consumer follows; in your copy, list only the ids you need, e.g. ["demo"].
SOURCES = [s.id for s in read_sources().enabled()]

DOC = """
### Example downstream DAG: one run per lake partition

Every `news_<source>` DAG's **publish** task emits an asset event on `newslake_articles_<source>`
whose **partition key is the day** (`YYYY-MM-DD`, the partition's `dt=`) and whose `extra` says
what it wrote: `source`, `day`, `rows`, `quarantined`, `sha256`, `run_id`, `schema_version`, `key`.

This DAG is scheduled with `PartitionedAssetTimetable` on those assets, so Airflow creates one run
per partition key, with `dag_run.partition_key` set to that day. Its task reads exactly the announced
`articles/source=<source>/dt=<day>/` partition, checks the data's sha256 against the event and the
`_SUCCESS` manifest, and returns keys and counts (XCom): rows, sha256, languages.

* A partition republished since the event is skipped here: the newer publish emits its own event,
  which triggers another run for the same day.
* A partition whose data does not match its manifest fails the run without retries.
* Events of several sources for the same day may arrive in one run; each is read and checked.

Copy the file, keep the schedule, change the body of the task. Unpause the DAG before the
producers publish: events that arrive while a consumer is paused do not queue runs for it.
"""


def count_languages(table) -> dict:
    """Your analysis goes here: this example counts the day's articles per language."""
    languages = table.column("language").to_pylist()
    return {lang or "unknown": languages.count(lang) for lang in sorted(set(languages), key=str)}


def build_consumer(source_ids: list[str]) -> DAG:
    """The consumer DAG over the given sources' assets."""
    # Name references: the producer DAG owns the asset's definition, the consumer only names it.
    watched = functools.reduce(operator.or_, [Asset.ref(name=asset_name(sid)) for sid in source_ids])
    with DAG(
        dag_id=DAG_ID,
        description="Example: read and check each newly published lake partition",
        doc_md=DOC,
        # The day key maps to itself; StartOfDayMapper also gives the run a partition_date (the day).
        schedule=PartitionedAssetTimetable(
            assets=watched, default_partition_mapper=StartOfDayMapper(input_format="%Y-%m-%d")
        ),
        catchup=False,
        tags=["newslake", "example", "downstream"],
        default_args={
            "owner": "newslake",
            "retries": 2,
            "retry_delay": timedelta(seconds=30),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=10),
            "execution_timeout": timedelta(minutes=30),
        },
    ) as dag:

        @task(task_id="read_partition")
        def read_partition(**context) -> dict:
            """Read the partition(s) this run's asset events announced; return keys and counts."""
            from airflow.sdk.exceptions import AirflowSkipException
            from newslake.airflow_glue import open_airflow_store, task_outcomes
            from newslake.assets import latest_events, read_announced_partition

            key = context["dag_run"].partition_key
            read = []
            with task_outcomes():  # a mismatch fails at once: no retry can fix it
                events = latest_events(context["triggering_asset_events"], key)
                store = open_airflow_store()
                for source_id, extra in events:
                    part = read_announced_partition(store, source_id, key, extra)
                    summary = {**part.summary(), "languages": count_languages(part.table)}
                    log.info("read %s %s: %s", source_id, key, summary)
                    read.append(summary)
            if not any(p["current"] for p in read):
                raise AirflowSkipException(f"every partition announced for {key} was republished since; newer runs follow")
            return {"partition_key": key, "partitions": read}

        read_partition()
    return dag


if SOURCES:
    consumer = build_consumer(SOURCES)
