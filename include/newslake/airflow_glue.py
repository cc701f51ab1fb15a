"""The only newslake module that knows about Airflow: turns a task context into a RunContext."""

from __future__ import annotations

import logging
import os

from newslake.pipeline import RunContext, resolve_interval

log = logging.getLogger(__name__)

CONN_ID = os.environ.get("NEWSLAKE_CONN_ID", "newslake_s3")


def open_airflow_store():
    """Object store from the Airflow connection `newslake_s3` (type aws, endpoint_url in extra), else env vars."""
    from newslake.storage import StorageSettings, open_store

    try:
        settings = StorageSettings.from_airflow(CONN_ID)
    except Exception as exc:  # connection missing: fall back to documented env vars
        log.info("connection %s not usable (%s); using NEWSLAKE_* environment settings", CONN_ID, exc)
        settings = StorageSettings.from_env()
    return open_store(settings)


def run_context(source_id: str, context: dict) -> RunContext:
    """RunContext for a task: source from sources.yaml, interval from the DAG run, store from the connection."""
    from newslake.config import get_source

    start, end = resolve_interval(context.get("data_interval_start"), context.get("data_interval_end"))
    get_source(source_id).require_day(start.date())  # a day outside start_date..end_date fails with why
    dag_run = context.get("dag_run")
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id") or "manual"
    return RunContext(source=get_source(source_id), start=start, end=end, run_id=run_id, store=open_airflow_store())
