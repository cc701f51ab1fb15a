"""Airflow plugin "newslake": the lake status page (/newslake/), its link in the UI, the source timetable.

Wiring only: the report itself is newslake.status. Every Airflow component loads plugins, but
only the API server serves the page, so FastAPI and the auth code are imported on first request.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin
from newslake.timetables import SourceDayTimetable

URL_PREFIX = "/newslake"


def build_status_app() -> Any:
    """The status FastAPI app: lake from the Airflow connection newslake_s3 (as the tasks), Airflow login required."""
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from fastapi import Depends
    from newslake.airflow_glue import open_airflow_store
    from newslake.status import create_app, sources_from_config

    return create_app(
        open_airflow_store,
        sources=_every(60.0, sources_from_config),
        dependencies=[Depends(requires_authenticated())],
    )


def _every(seconds: float, load: Any) -> Any:
    """load() at most once per `seconds`: sources.yaml changes rarely, the page is asked often."""
    import time

    cached: dict[str, Any] = {"at": float("-inf"), "value": None}

    def get() -> Any:
        now = time.monotonic()
        if now - cached["at"] > seconds:
            cached["value"], cached["at"] = load(), now
        return cached["value"]

    return get


class LazyStatusApp:
    """ASGI app that builds the status app on its first request (in the API server only)."""

    def __init__(self) -> None:
        # Built once per process and reused: FastAPI apps are not meant to be rebuilt per request.
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = build_status_app()
        await self._app(scope, receive, send)


class NewslakePlugin(AirflowPlugin):
    """Lake status grid (HTML + JSON) under /newslake, linked from the Browse menu and from each DAG page."""

    name = "newslake"
    # Custom timetables must be registered for the DAG processor to serialize them and the scheduler to load them.
    timetables = [SourceDayTimetable]
    fastapi_apps = [
        {"app": LazyStatusApp(), "url_prefix": URL_PREFIX, "name": "newslake lake status"},
    ]
    external_views = [
        {
            "name": "Lake status",
            # Same origin as the UI: the browser sends the Airflow session cookie with the iframe request.
            "href": f"{URL_PREFIX}/",
            "url_route": "newslake-lake-status",
            "destination": "nav",
            "category": "browse",
        },
        {
            # A tab on each DAG page: the partitions of that DAG's source (news_<id> -> <id>).
            "name": "Lake partitions",
            "href": f"{URL_PREFIX}/?dag_id={{DAG_ID}}",
            "url_route": "newslake-dag-lake-partitions",
            "destination": "dag",
        },
    ]
