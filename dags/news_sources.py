"""One nightly DAG per enabled source in include/config/sources.yaml: discover -> fetch -> extract_validate -> publish.

Wiring only: every stage is plain Python in newslake.pipeline, imported inside the task so that
parsing this file stays fast and free of heavy libraries.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import DAG, Asset, Param, task
from newslake.assets import ASSET_GROUP, asset_name, event_extra, partition_key
from newslake.config import SourceConfig, read_sources
from newslake.timetables import SourceDayTimetable

DOC = """
### News ingestion: {name} (`{id}`)

Every night this DAG collects the articles **{name}** published during the run's data interval
(one UTC day, `[start, end)`), validates them with Great Expectations and replaces one Parquet
partition: `articles/source={id}/dt=<day>/part-0.parquet` (+ `_SUCCESS` manifest).

* **discover**: feeds, sitemaps and date archives from `include/config/sources.yaml`.
* **fetch**: polite HTTP (robots.txt, Crawl-delay, backoff); raw bytes to `raw/source={id}/dt=<day>/`.
* **extract_validate**: JSON-LD, meta tags, body text, dateline and byline; then the Great
  Expectations suite (`include/config/suites/articles.json` + this source's `validation:` overrides):
  failing rows go to `quarantine/`, the full GX result to `quality/source={id}/dt=<day>/run=<run>/`.
  One task, so GX's import is paid once per run and the extracted table is not read back.
* **Data Docs**: `quality/docs/index.html` in the bucket links every kept result; a day's page is
  `quality/docs/validations/source={id}/dt=<day>/run=<run>.html` (the day's latest run is named in
  `quality/source={id}/dt=<day>/latest.json`).
* **publish**: atomic replace of the day's partition; emits the asset event.

Backfill any range from the UI (*Trigger* -> *Backfill*): each day gives exactly the partition a
nightly run would have written. Set **replay_raw** to re-extract from the raw zone without any
HTTP request. {description}
"""


def build_dag(source: SourceConfig) -> DAG:
    """The DAG for one source."""
    sid = source.id
    # One asset per source, the day as partition key. A plain name (no URI scheme) keeps provider
    # lookups out of DAG parsing.
    asset = Asset(name=asset_name(sid), group=ASSET_GROUP)
    with DAG(
        dag_id=f"news_{sid}",
        description=f"Nightly ingestion of {source.name} into the news lake",
        doc_md=DOC.format(name=source.name, id=sid, description=source.description),
        # No DAG start_date/end_date: Airflow creates no tasks for a logical date outside them (an empty
        # green run). The timetable bounds scheduling and backfills; the tasks refuse a day out of range.
        schedule=SourceDayTimetable(first_day=source.start_date, last_day=source.end_date),
        catchup=False,
        # Scheduled and manual runs one at a time; backfills ignore this limit, so the discover and
        # fetch tasks also hold the source's lease (newslake.lease) while they talk to the site.
        max_active_runs=1,
        tags=["newslake", "news", f"source:{sid}", *source.tags],
        params={
            "replay_raw": Param(
                False,
                type="boolean",
                title="Replay from raw zone",
                description="Re-extract the day from the stored raw responses without any HTTP request.",
            )
        },
        default_args={
            "owner": source.owner,
            "retries": 2,
            "retry_delay": timedelta(seconds=float(os.environ.get("NEWSLAKE_RETRY_DELAY_SECONDS", "30"))),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=10),
            "execution_timeout": timedelta(hours=2),
        },
    ) as dag:

        @task(task_id="discover")
        def discover(params=None, **context) -> dict:
            from newslake.airflow_glue import run_context, task_outcomes
            from newslake.pipeline import run_discover

            with task_outcomes():
                ctx = run_context(sid, context)
                if params and params.get("replay_raw"):
                    return ctx.first_result().to_xcom()  # replay: no network, the interval is still fixed here
                return run_discover(ctx).to_xcom()

        @task(task_id="fetch")
        def fetch(discovered: dict, params=None, **context) -> dict:
            from newslake.airflow_glue import run_context, task_outcomes
            from newslake.pipeline import StageResult, replay_fetch_stage, run_fetch

            with task_outcomes():
                handed = StageResult.from_xcom(discovered)
                ctx = run_context(sid, context, handed)
                if params and params.get("replay_raw"):
                    return replay_fetch_stage(ctx, handed).to_xcom()
                return run_fetch(ctx, handed).to_xcom()

        @task(task_id="extract_validate")
        def extract_validate(fetched: dict, **context) -> dict:
            from newslake.airflow_glue import run_context, task_outcomes
            from newslake.pipeline import StageResult, run_extract_validate

            with task_outcomes():
                handed = StageResult.from_xcom(fetched)
                return run_extract_validate(run_context(sid, context, handed), handed).to_xcom()

        @task(task_id="publish", outlets=[asset])
        def publish(validated: dict, **context) -> dict:
            from newslake.airflow_glue import run_context, task_outcomes
            from newslake.pipeline import StageResult, publish_stage

            with task_outcomes():
                handed = StageResult.from_xcom(validated)
                published = publish_stage(run_context(sid, context, handed), handed)
            # A partitioned event (key = the day) lets downstream DAGs run once per partition.
            event = context["outlet_events"][asset]
            event.extra = event_extra(published)
            event.add_partitions(partition_key(event.extra["day"]))
            return published

        publish(extract_validate(fetch(discover())))
    return dag


# Entry by entry: a broken entry is reported by news_source_errors.py and costs only its own DAG.
for _source in read_sources().enabled():
    globals()[f"news_{_source.id}"] = build_dag(_source)
