"""One nightly DAG per enabled source in include/config/sources.yaml: discover -> fetch -> extract_validate -> publish.

Wiring only: every stage is plain Python in newslake.pipeline, imported inside the task so that
parsing this file stays fast and free of heavy libraries.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import DAG, Asset, Param, get_parsing_context, task
from newslake.airflow_notifier import NewslakeNotifier, record_failure_callback
from newslake.assets import ASSET_GROUP, asset_name, event_extra, partition_key
from newslake.config import SourceConfig, read_sources
from newslake.timetables import SourceDayTimetable

# Trigger-form params declare JSON Schema draft-07: Airflow validates every param of every task with
# jsonschema at construction and again at serialization, each time checking the schema against its
# metaschema first, and draft 2020-12's metaschema (the default) costs ~4x draft-07's. The form
# needs nothing newer than type, minimum, title and description.
FORM_SCHEMA = {"$schema": "http://json-schema.org/draft-07/schema#"}

DOC = """
### News ingestion: {name} (`{id}`)

{description}

Every night this DAG collects the articles **{name}** published during the run's data interval
(one UTC day, `[start, end)`, from {start_date}), validates them with Great Expectations and
replaces one Parquet partition. Where the data lands (bucket of the `newslake_s3` connection):

| what | key |
|---|---|
| articles | `articles/source={id}/dt=<day>/part-0.parquet` + `_SUCCESS` manifest |
| rejected rows + the expectations they failed | `quarantine/source={id}/dt=<day>/part-0.parquet` |
| GX result of each run | `quality/source={id}/dt=<day>/run=<run>/validation.json` (day's latest: `latest.json`) |
| Data Docs | `quality/docs/index.html`; a day's page `quality/docs/validations/source={id}/dt=<day>/run=<run>.html` |
| raw responses (for replay) | `raw/source={id}/dt=<day>/` |

Tasks: **discover** (feeds, sitemaps, archives) -> **fetch** (polite HTTP; logs `fetch 120/480`)
-> **extract_validate** (extraction, then the Great Expectations suite
`include/config/suites/articles.json` with this source's `validation:` overrides; logs
`quarantined 3 rows: <expectation> (n)`) -> **publish**.
Each task logs a `<stage> summary: {{...}}` line with every outcome count. The day's state is on
**Browse -> Lake status** (and the *Lake partitions* tab of this DAG).

#### Backfill from the UI

*Trigger* -> *Backfill*, pick the date range, then choose **All Runs** under *Reprocess behaviour*
to re-process days that already ran: the default *Missing Runs* silently skips every day that has
a run already, even a failed one (*Missing and Errored Runs* redoes failed days only). Each day
gives exactly the partition a nightly run would have written.

#### Trigger-form options

* **Replay from raw zone**: re-extract the day from the stored raw responses, no HTTP request.
* **Dry run**: every stage but publish; the published partition stays as it was.
* **Cap on articles**: fetch only the first N candidates (0 = all), for a quick test.

#### When a run fails

| failure type | means | what to do |
|---|---|---|
| `SourceBlockedError` | the site refuses us (403, robots.txt, most URLs failing) | check the site by hand; retries will not help |
| `SourceUnreachableError` | timeouts / refused connections after retries | wait, or check the network |
| `QuarantineThresholdError` | too many records failed validation | layout change? see the day's Data Docs and quarantine file |
| `BlockingExpectationError` | the data breaks the contract | see the Data Docs; fix extraction |
| `TooFewArticlesError` | fewer articles than the source normally yields | check discovery and extraction |
| `OutOfRangeError` | the day is outside start/end date in `sources.yaml` | pick a day in range |
| `StorageUnavailableError` | S3 did not answer | check SeaweedFS and `newslake_s3` |
| `PartitionConflictError` | another run replaced the partition first | rerun the day if needed |

Terminal failures fail at once (no retries); transient ones are retried. Failures are sent to the
deployment's notification channels (`NEWSLAKE_NOTIFY`: log, smtp, webhook).
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
        doc_md=DOC.format(name=source.name, id=sid, description=source.description, start_date=source.start_date),
        # No DAG start_date/end_date: Airflow creates no tasks for a logical date outside them (an empty
        # green run). The timetable bounds scheduling and backfills; the tasks refuse a day out of range.
        schedule=SourceDayTimetable(first_day=source.start_date, last_day=source.end_date),
        catchup=False,
        # Scheduled and manual runs one at a time; backfills ignore this limit, so the discover and
        # fetch tasks also hold the source's lease (newslake.lease) while they talk to the site.
        max_active_runs=1,
        tags=["newslake", "news", f"source:{sid}", *source.tags],
        # Defaults are what the nightly run does.
        params={
            "replay_raw": Param(
                False,
                **FORM_SCHEMA,
                type="boolean",
                title="Replay from raw zone",
                description="Re-extract the day from the stored raw responses without any HTTP request.",
            ),
            "dry_run": Param(
                False,
                **FORM_SCHEMA,
                type="boolean",
                title="Dry run",
                description="Run every stage but publish: the day's published partition is left as it was.",
            ),
            "max_articles": Param(
                0,
                **FORM_SCHEMA,
                type="integer",
                minimum=0,
                title="Cap on articles",
                description="Fetch only the first N candidate URLs, for a quick test (0 = no cap).",
            ),
        },
        default_args={
            "owner": source.owner,
            "retries": 2,
            "retry_delay": timedelta(seconds=float(os.environ.get("NEWSLAKE_RETRY_DELAY_SECONDS", "30"))),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=10),
            "execution_timeout": timedelta(hours=2),
            # After the last try: the status index shows the day as failed, and the operator is told.
            "on_failure_callback": [record_failure_callback, NewslakeNotifier()],
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
                return run_fetch(ctx, handed, max_articles=(params or {}).get("max_articles") or None).to_xcom()

        @task(task_id="extract_validate")
        def extract_validate(fetched: dict, **context) -> dict:
            from newslake.airflow_glue import run_context, task_outcomes
            from newslake.pipeline import StageResult, run_extract_validate

            with task_outcomes():
                handed = StageResult.from_xcom(fetched)
                return run_extract_validate(run_context(sid, context, handed), handed).to_xcom()

        @task(task_id="publish", outlets=[asset])
        def publish(validated: dict, params=None, **context) -> dict:
            from newslake.airflow_glue import run_context, skip_dry_run, task_outcomes
            from newslake.airflow_notifier import notify_warning
            from newslake.pipeline import StageResult, publish_stage

            with task_outcomes():
                handed = StageResult.from_xcom(validated)
                ctx = run_context(sid, context, handed)
                if params and params.get("dry_run"):
                    skip_dry_run(ctx, handed)  # skipped: no partition replaced, no asset event
                published = publish_stage(ctx, handed)
            notify_warning(context, published)
            # A partitioned event (key = the day) lets downstream DAGs run once per partition.
            event = context["outlet_events"][asset]
            event.extra = event_extra(published)
            event.add_partitions(partition_key(event.extra["day"]))
            return published

        publish(extract_validate(fetch(discover())))
    return dag


# Entry by entry: a broken entry is reported by news_source_errors.py and costs only its own DAG.
# A task process parses this file to run one task of one DAG, which Airflow names in the parsing
# context: building every other source's DAG too would make each task pay for all of them.
_only = get_parsing_context().dag_id
for _source in read_sources().enabled():
    if _only is None or _only == f"news_{_source.id}":
        globals()[f"news_{_source.id}"] = build_dag(_source)
