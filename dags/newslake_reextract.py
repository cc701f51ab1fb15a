"""Bulk re-extraction on the workers: rebuild sources x days from the raw zone, no HTTP request.

Wiring only: `plan` lists the partitions that have a raw zone and cuts them into batches of
consecutive days of one source; `reextract` is mapped over the batches (.expand), so the
executor spreads them over every Celery worker there is; `report` sums them up and fails the run
when a partition could not be rebuilt. Each partition is the replay a nightly run with
`replay_raw` does (newslake.reextract.reextract_day), so its Parquet is byte-identical to it.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, Param, task

DOC = """
### Bulk re-extract (`newslake_reextract`)

Rebuilds every articles partition of the chosen sources and days from the **raw zone** (the stored
responses), without any HTTP request: after an extraction fix, a new enrichment field or a schema
change. Each partition is re-extracted, validated and published exactly as a nightly run with
*Replay from raw zone* would, so the bytes are the same as that run's.

**Trigger** with *sources* (ids; empty = every enabled source), *from* and *to* (UTC days,
inclusive). Days without a raw zone are not listed; days outside a source's start/end date are
skipped. `plan` cuts the partitions into batches of at most *batch_size* consecutive days of one
source, and one mapped `reextract` task handles one batch, so the work spreads over every worker:
a task start costs seconds of imports (GX, the extractor), so one task per partition would spend
most of the time starting tasks, and a year of three sources would pass Airflow's
`max_map_length` (1024). `report` fails the run if any partition was not rebuilt and names each.

The same from a shell: `newslake reextract --source ID [--source ID2] --from D --to D`.
"""

with DAG(
    dag_id="newslake_reextract",
    description="Rebuild lake partitions from the raw zone (no HTTP), spread over the workers",
    doc_md=DOC,
    schedule=None,
    catchup=False,
    tags=["newslake", "maintenance"],
    params={
        "sources": Param([], type="array", items={"type": "string"}, title="Sources",
                         description="Source ids to rebuild (empty: every enabled source)."),
        "from": Param("", type="string", format="date", title="From", description="First UTC day, YYYY-MM-DD."),
        "to": Param("", type="string", format="date", title="To", description="Last UTC day, YYYY-MM-DD (inclusive)."),
        "batch_size": Param(30, type="integer", minimum=1, title="Days per task",
                            description="Partitions of one source re-extracted by one mapped task."),
    },
    default_args={
        "owner": "newslake",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=4),
    },
) as dag:

    @task(task_id="plan")
    def plan(params=None) -> list[list[dict]]:
        from newslake.airflow_glue import open_airflow_store, task_outcomes
        from newslake.reextract import plan_batches

        with task_outcomes():
            return plan_batches(open_airflow_store(), params or {})

    @task(task_id="reextract")
    def reextract(batch: list[dict], **context) -> list[dict]:
        from newslake.airflow_glue import open_airflow_store, task_outcomes
        from newslake.reextract import run_batch

        with task_outcomes():
            return run_batch(open_airflow_store(), batch, run_prefix=f"reextract__{context['run_id']}")

    @task(task_id="report")
    def report(done: list[list[dict]]) -> dict:
        from newslake.airflow_glue import task_outcomes
        from newslake.reextract import summarise

        with task_outcomes():
            return summarise([outcome for batch in done for outcome in batch])

    report(reextract.expand(batch=plan()))
