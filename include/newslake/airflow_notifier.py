"""Airflow side of notifications: a BaseNotifier for task callbacks, and the callback recording failures.

Light at import (the DAG file instantiates these at parse time): everything else is imported
when a callback runs, in the task's process after the task failed for good (not on a retry).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC
from typing import Any

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger(__name__)

SMTP_CONN_ID = "newslake_smtp"
WEBHOOK_CONN_ID = "newslake_webhook"


def _connection_url(conn_id: str) -> str | None:
    """The URL an Airflow connection holds (host as a full URL, or its URI), or None when undefined."""
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:
        return None
    host = conn.host or ""
    if host.startswith(("http://", "https://", "smtp://")):
        return host
    return conn.get_uri()


def _failure_of(context: dict[str, Any]) -> tuple[str, str]:
    """(failure type, reason) of the task's exception; our error, not Airflow's wrapper around it."""
    exc = context.get("exception")
    if exc is None:
        return "unknown", "the task failed without an exception (killed, timed out or marked failed)"
    if isinstance(exc, str):
        return "error", exc
    cause = exc.__cause__ or exc
    return type(cause).__name__, str(cause)


def event_from_context(context: dict[str, Any], kind: str = "failure", reason: str | None = None) -> Any:
    """The RunEvent a task callback's context describes."""
    from newslake.airflow_glue import run_interval
    from newslake.notify import RunEvent
    from newslake.status import source_for_dag

    ti = context.get("ti") or context.get("task_instance")
    dag_id = str(getattr(ti, "dag_id", "") or getattr(context.get("dag"), "dag_id", ""))
    run_id = str(getattr(ti, "run_id", "") or context.get("run_id") or "")
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    try:
        if start is not None and end is not None and end > start:
            day = start.astimezone(UTC).date().isoformat()
        else:  # a manual run without a data interval: the day its first task resolved
            day = run_interval(context)[0].date().isoformat()
    except Exception:
        day = "unknown day"
    failure_type, why = _failure_of(context) if kind == "failure" else ("QuarantineWarning", reason or "")
    base = (os.environ.get("AIRFLOW__API__BASE_URL") or "").rstrip("/")
    return RunEvent(
        kind=kind,
        source=source_for_dag(dag_id) or dag_id,
        day=day,
        stage=str(getattr(ti, "task_id", "") or "run"),
        failure_type=failure_type,
        reason=reason or why,
        dag_id=dag_id,
        run_id=run_id,
        try_number=getattr(ti, "try_number", None),
        url=f"{base}/dags/{dag_id}/runs/{run_id}" if base and run_id else None,
    )


class NewslakeNotifier(BaseNotifier):
    """Sends a run's failure (or warning) to the deployment's channels (NEWSLAKE_NOTIFY; newslake.notify)."""

    def __init__(self, kind: str = "failure") -> None:
        super().__init__()
        self.kind = kind

    def notify(self, context: Any) -> None:
        """Build the event from the callback context and send it to every configured channel."""
        from newslake.notify import channels_from_env, send

        event = event_from_context(dict(context), self.kind)
        channels = channels_from_env(
            os.environ, smtp_url=_connection_url(SMTP_CONN_ID), webhook_url=_connection_url(WEBHOOK_CONN_ID)
        )
        outcome = send(event, channels)
        log.info("notified %s: %s", event.subject, outcome)


def record_failure_callback(context: Any) -> None:
    """Task failure callback: the status index shows the day as failed, with stage, type and reason."""
    from newslake.airflow_glue import open_airflow_store
    from newslake.status_index import quietly, record_failure

    event = event_from_context(dict(context))
    if event.day == "unknown day" or event.source == event.dag_id:
        log.warning("not indexing the failure of %s: no source day in the context", event.dag_id)
        return
    from datetime import date

    from newslake import layout

    day = date.fromisoformat(event.day)
    quality = layout.quality_key(event.source, day, event.run_id) if event.stage in layout.VALIDATING_STAGES else None
    quietly(
        "failure", record_failure, open_airflow_store(), event.source, day,
        run_id=event.run_id, stage=event.stage, error_type=event.failure_type, reason=event.reason,
        quality_key=quality,
    )


def notify_warning(context: Any, published: dict[str, Any]) -> None:
    """After a successful publish: a warning when the quarantine share is above the warning share (opt-in)."""
    from newslake.status import warn_share

    if os.environ.get("NEWSLAKE_NOTIFY_WARNINGS", "").lower() not in ("1", "true", "yes"):
        return
    rows, quarantined = int(published.get("rows") or 0), int(published.get("quarantined") or 0)
    total = rows + quarantined
    if not total or quarantined / total <= warn_share():
        return
    from newslake.notify import channels_from_env, send

    reason = f"{quarantined}/{total} records quarantined ({quarantined / total:.0%}), above the {warn_share():.0%} warning share"
    event = event_from_context(dict(context), "warning", reason)
    send(event, channels_from_env(os.environ, smtp_url=_connection_url(SMTP_CONN_ID),
                                  webhook_url=_connection_url(WEBHOOK_CONN_ID)))
