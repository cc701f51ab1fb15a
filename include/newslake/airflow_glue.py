"""The only newslake module that knows about Airflow: task context -> RunContext, failures -> task states."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from newslake.errors import PartitionBusyError, SourceBusyError, TerminalError
from newslake.pipeline import RunContext, StageResult, resolve_interval

log = logging.getLogger(__name__)

CONN_ID = os.environ.get("NEWSLAKE_CONN_ID", "newslake_s3")


def busy_recheck_seconds() -> float:
    """How long a task waits (as up_for_reschedule, holding no worker slot) before asking for a busy source again."""
    return float(os.environ.get("NEWSLAKE_BUSY_RECHECK_SECONDS", "30"))


def open_airflow_store(conn_id: str | None = None):
    """Object store from the Airflow connection (default newslake_s3), its S3 client made by the amazon provider's S3Hook.

    The connection may come from the UI, a secrets backend or an AIRFLOW_CONN_* variable. A missing or
    malformed one is a StorageError that names it, never a fall-back to other credentials.
    """
    from newslake.storage import S3Store, StorageError, StorageSettings, open_store, s3_client_config

    conn_id = conn_id or CONN_ID
    settings = StorageSettings.from_airflow(conn_id)
    if settings.is_local:
        return open_store(settings)
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    try:
        client = S3Hook(aws_conn_id=conn_id, config=s3_client_config()).get_conn()
    except Exception as exc:
        raise StorageError(f"Airflow connection {conn_id!r}: the amazon provider could not make an S3 client: {exc}") from exc
    return S3Store(client, settings.bucket, settings.prefix)


def run_interval(context: dict[str, Any]) -> tuple[datetime, datetime]:
    """The run's data interval, or for a manual run without one the last complete day before it was triggered."""
    dag_run = context.get("dag_run")
    triggered = getattr(dag_run, "run_after", None) or getattr(dag_run, "logical_date", None)
    if triggered is None:
        raise TerminalError("the task context has neither a data interval nor the run's trigger time (run_after)")
    return resolve_interval(context.get("data_interval_start"), context.get("data_interval_end"), triggered)


def run_context(source_id: str, context: dict[str, Any], handed: StageResult | None = None) -> RunContext:
    """RunContext for a task: source from sources.yaml, interval handed on by the first task, store from the connection.

    The first task resolves the interval (run_interval); every later task takes it from the
    result it is handed, so a run never works on two different days.
    """
    from newslake.config import get_source

    start, end = handed.bounds() if handed is not None else run_interval(context)
    source = get_source(source_id)
    source.require_day(start.date())  # a day outside start_date..end_date fails and says why
    dag_run = context.get("dag_run")
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id") or "manual"
    return RunContext(source=source, start=start, end=end, run_id=run_id, store=open_airflow_store())


@contextlib.contextmanager
def task_outcomes() -> Iterator[None]:
    """Map newslake failures onto Airflow: terminal -> failed without retries, busy -> rescheduled, rest -> retried."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowRescheduleException

    try:
        yield
    except (SourceBusyError, PartitionBusyError) as exc:
        wait = busy_recheck_seconds()
        log.info("%s; asking again in %.0fs", exc, wait)
        raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=wait)) from exc
    except TerminalError as exc:
        # Retrying cannot fix a bad config, a source that blocks us or data that breaks the contract.
        raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def skip_dry_run(ctx: RunContext, handed: StageResult) -> None:
    """End a dry run before publish: drop its hand-over objects and its "running" mark, skip the task."""
    from airflow.sdk.exceptions import AirflowSkipException

    from newslake.pipeline import clear_handover
    from newslake.status_index import clear_running, quietly

    rows = handed.counts.get("validate", {}).get("valid")
    clear_handover(ctx)
    quietly("dry run", clear_running, ctx.store, ctx.source.id, ctx.day, run_id=ctx.run_id)
    raise AirflowSkipException(f"dry run: would have published {rows} rows for {ctx.source.id} {ctx.day}")
