"""Lake status over the real things: the index on SeaweedFS, and the plugin as Airflow serves it (login required)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from newslake.status import STATE_FAILED, STATE_MISSING, STATE_WARNING, SourceDays, collect_grid, create_app
from newslake.status_index import read_index, rebuild_index, record_failure, record_running
from newslake.storage import LocalStore, StorageSettings, open_store
from unit.test_status import publish

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_FILE = ROOT / "plugins" / "newslake_plugin.py"
SOURCES = [SourceDays("demo", date(2026, 11, 16)), SourceDays("kaktus", date(2026, 11, 16))]


def _fill(store) -> None:
    publish(store, "demo", "2026-11-16", rows=3, quarantined=1, run_id="scheduled__16")
    publish(store, "kaktus", "2026-11-16", rows=2, run_id="manual__k16")
    record_failure(store, "demo", date(2026, 11, 17), run_id="scheduled__17", stage="validate",
                   error_type="QuarantineThresholdError", reason="9/10 records quarantined")


@pytest.mark.integration
def test_index_on_seaweedfs_keeps_parallel_updates_and_rebuilds(s3_store):
    _fill(s3_store)
    days = [date(2026, 11, d) for d in range(18, 30)]
    threads = [
        threading.Thread(target=record_running, args=(s3_store, "demo", d), kwargs={"run_id": f"backfill__{d.day}"})
        for d in days
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = read_index(s3_store)
    assert {d.isoformat() for d in days} <= set(index["demo"])  # no conditional write lost an update
    grid = collect_grid(s3_store, SOURCES, since=date(2026, 11, 16), until=date(2026, 11, 17), today=date(2026, 12, 1))
    cells = {(r["source"], c["day"]): c for r in grid["sources"] for c in r["cells"]}
    assert cells[("demo", "2026-11-16")]["state"] == STATE_WARNING  # 1 of 4 rows quarantined
    assert cells[("demo", "2026-11-16")]["run_id"] == "scheduled__16"
    assert cells[("demo", "2026-11-17")]["state"] == STATE_FAILED
    assert cells[("kaktus", "2026-11-17")]["state"] == STATE_MISSING
    for key in s3_store.list("_status/"):
        s3_store.delete(key)
    assert rebuild_index(s3_store)["days"] == 2
    assert read_index(s3_store)["kaktus"]["2026-11-16"]["published"]["rows"] == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_unreachable_s3_gives_a_human_page_without_secrets():
    settings = StorageSettings(
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        access_key="status-test-key",
        secret_key="status-test-very-secret",
        bucket="newslake",
    )
    with TestClient(create_app(lambda: open_store(settings), sources=lambda: SOURCES)) as c:
        page = c.get("/")
        body = c.get("/status")
    assert page.status_code == 503 and body.status_code == 503
    assert "The lake storage (S3) is unreachable" in page.text and "SeaweedFS" in page.text
    assert body.json()["where"] == "storage"
    assert "status-test-very-secret" not in page.text + body.text


# --------------------------------------------------------------------------- the Airflow plugin


def _load_plugin_module():
    spec = importlib.util.spec_from_file_location("newslake_plugin_under_test", PLUGIN_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_registers_fastapi_app_and_ui_link():
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse
    from airflow.plugins_manager import AirflowPlugin

    module = _load_plugin_module()
    plugin = module.NewslakePlugin
    assert issubclass(plugin, AirflowPlugin) and plugin.name == "newslake"
    plugin.validate()
    [app] = plugin.fastapi_apps
    assert app["url_prefix"] == "/newslake" and callable(app["app"]) and app["name"]
    views = {v["destination"]: v for v in plugin.external_views}
    for view in plugin.external_views:
        ExternalViewResponse.model_validate(view)  # the shape the Airflow UI reads
    assert len({v["url_route"] for v in plugin.external_views}) == len(plugin.external_views)
    assert views["nav"]["href"] == "/newslake/"
    # The UI fills {DAG_ID} in on a DAG page; the page then shows that DAG's source.
    assert views["dag"]["href"] == "/newslake/?dag_id={DAG_ID}"


def test_loading_the_plugin_does_not_import_fastapi():
    code = "import runpy, sys; runpy.run_path(sys.argv[1]); print('fastapi' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code, str(PLUGIN_FILE)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


_AIRFLOW_SERVER_SCRIPT = textwrap.dedent(
    """
    import json
    from airflow.api_fastapi.app import create_auth_manager, init_plugins
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    init_plugins(app)  # what the Airflow API server does with every plugin's fastapi_apps
    token = create_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops", role="viewer"))
    out = {}
    with TestClient(app) as client:
        r = client.get("/newslake/status")
        out["anonymous"] = r.status_code
        r = client.get("/newslake/status", headers={"Authorization": "Bearer not-a-token"})
        out["bad_token"] = r.status_code
        client.cookies.set("_token", token)  # the UI's session cookie, sent with the iframe request
        r = client.get("/newslake/status?since=2026-11-16&until=2026-11-17")
        out["logged_in"] = [r.status_code, r.json()]
        r = client.get("/newslake/?since=2026-11-16&until=2026-11-17")
        out["page"] = [r.status_code, r.headers.get("content-type"), 'data-run="scheduled__16"' in r.text]
        r = client.get("/newslake/day?source=demo&day=2026-11-17")
        out["day"] = [r.status_code, "QuarantineThresholdError" in r.text]
    print("RESULT " + json.dumps(out))
    """
)


@pytest.mark.integration
def test_plugin_served_by_airflow_requires_login(tmp_path):
    """Real Airflow: plugin folder loading, init_plugins mounting, JWT cookie auth, lake from the connection."""
    lake_dir = tmp_path / "lake"
    _fill(LocalStore(lake_dir))
    home = tmp_path / "airflow-home"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API_AUTH__JWT_SECRET": "plugin-test-" + "x" * 64,
        # The page reads the lake through the tasks' connection; file:// makes it a local directory.
        "AIRFLOW_CONN_NEWSLAKE_S3": "aws://@/?endpoint_url=" + quote(f"file://{lake_dir}", safe=""),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("NEWSLAKE_LAKE_DIR", None)
    airflow = Path(sys.executable).parent / "airflow"
    # Token checks consult the revoked-token table, so the metadata DB must exist.
    migrate = subprocess.run(
        [str(airflow), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    run = subprocess.run(
        [sys.executable, "-c", _AIRFLOW_SERVER_SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    [line] = [x for x in run.stdout.splitlines() if x.startswith("RESULT ")]
    out = json.loads(line.removeprefix("RESULT "))
    assert out["anonymous"] == 401
    assert out["bad_token"] == 403
    status_code, body = out["logged_in"]
    assert status_code == 200
    cells = {(r["source"], c["day"]): c for r in body["sources"] for c in r["cells"]}
    assert (cells[("demo", "2026-11-16")]["rows"], cells[("kaktus", "2026-11-16")]["rows"]) == (3, 2)
    assert cells[("demo", "2026-11-17")]["state"] == "failed"
    assert out["page"][0] == 200 and out["page"][1].startswith("text/html") and out["page"][2]
    assert out["day"] == [200, True]
