"""Lake status: the report over real stores, the FastAPI app over HTTP, and the Airflow plugin wiring."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from newslake.lake import QUARANTINE_SCHEMA, SCHEMA_VERSION, records_to_table, write_partition
from newslake.status import (
    STATE_BAD_MANIFEST,
    STATE_EMPTY,
    STATE_MISSING_MANIFEST,
    STATE_OK,
    STATE_QUARANTINE_ONLY,
    collect_status,
    create_app,
)
from newslake.storage import LocalStore, StorageSettings, open_store

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_FILE = ROOT / "plugins" / "newslake_plugin.py"


def _article(n: int, day: str) -> dict:
    return {
        "article_id": f"{n:064x}",
        "url": f"https://news.example.org/en/{day.replace('-', '/')}/story-{n}/",
        "title": f"Story {n}",
        "body": "word " * 60,
        "published_at": f"{day}T09:00:00+00:00",
        "language": "en",
        "run_id": "unused",
    }


def _publish(store, source: str, day: str, *, rows: int, quarantined: int = 0, run_id: str) -> dict:
    table = records_to_table([_article(i, day) for i in range(rows)])
    manifest = write_partition(store, "articles", source, day, table, run_id=run_id)
    if quarantined:
        bad = [
            {**_article(100 + i, day), "failed_expectations": ["title_not_empty"]} for i in range(quarantined)
        ]
        write_partition(
            store, "quarantine", source, day, records_to_table(bad, QUARANTINE_SCHEMA), run_id=run_id
        )
    return manifest


def _fill(store) -> dict[tuple[str, str], dict]:
    """A small lake with one partition in each state an operator can meet."""
    manifests = {
        ("demo", "2026-11-16"): _publish(
            store, "demo", "2026-11-16", rows=3, quarantined=1, run_id="scheduled__16"
        ),
        ("demo", "2026-11-17"): _publish(store, "demo", "2026-11-17", rows=0, run_id="scheduled__17"),
        ("demo", "2026-11-18"): _publish(
            store, "demo", "2026-11-18", rows=0, quarantined=2, run_id="backfill__18"
        ),
        ("kaktus", "2026-11-16"): _publish(store, "kaktus", "2026-11-16", rows=2, run_id="manual__k16"),
    }
    # A publish that died after the data PUT and before the manifest: data without _SUCCESS.
    _publish(store, "demo", "2026-11-19", rows=1, run_id="scheduled__19")
    store.delete("articles/source=demo/dt=2026-11-19/_SUCCESS")
    return manifests


@pytest.fixture
def lake(local_store):
    return local_store, _fill(local_store)


def _by_key(status) -> dict[tuple[str, str], object]:
    return {(p.source, p.day): p for p in status.partitions}


def test_status_reports_rows_quarantine_and_manifest_per_partition(lake):
    store, manifests = lake
    status = collect_status(store)
    parts = _by_key(status)
    assert set(parts) == {*manifests, ("demo", "2026-11-19")}

    ok = parts[("demo", "2026-11-16")]
    m = manifests[("demo", "2026-11-16")]
    assert (ok.state, ok.rows, ok.quarantined) == (STATE_OK, 3, 1)
    assert (ok.run_id, ok.schema_version, ok.written_at) == ("scheduled__16", SCHEMA_VERSION, m["written_at"])
    assert parts[("kaktus", "2026-11-16")].rows == 2
    assert parts[("kaktus", "2026-11-16")].quarantined is None


def test_status_flags_partitions_that_need_attention(lake):
    store, _ = lake
    parts = _by_key(collect_status(store))
    assert parts[("demo", "2026-11-17")].state == STATE_EMPTY
    assert (parts[("demo", "2026-11-18")].state, parts[("demo", "2026-11-18")].quarantined) == (
        STATE_QUARANTINE_ONLY,
        2,
    )
    unfinished = parts[("demo", "2026-11-19")]
    assert (unfinished.state, unfinished.rows, unfinished.run_id) == (STATE_MISSING_MANIFEST, None, None)


def test_status_summarises_each_source(lake):
    store, _ = lake
    summaries = {s.source: s for s in collect_status(store).sources}
    demo = summaries["demo"]
    assert (demo.partitions, demo.rows, demo.quarantined) == (4, 3, 3)
    assert (demo.first_day, demo.last_day, demo.attention) == ("2026-11-16", "2026-11-19", 3)
    assert (summaries["kaktus"].rows, summaries["kaktus"].attention) == (2, 0)


def test_status_filters_and_orders_newest_first(lake):
    store, _ = lake
    status = collect_status(store, source_id="demo", since=date(2026, 11, 17), until=date(2026, 11, 18))
    assert [(p.source, p.day) for p in status.partitions] == [("demo", "2026-11-18"), ("demo", "2026-11-17")]
    newest = collect_status(store, days_per_source=2)
    assert [(p.source, p.day) for p in newest.partitions] == [
        ("demo", "2026-11-19"),
        ("demo", "2026-11-18"),
        ("kaktus", "2026-11-16"),
    ]


def test_quarantine_count_falls_back_to_the_publish_counts(local_store):
    table = records_to_table([_article(1, "2026-11-20")])
    counts = {"validate": {"total": 3, "valid": 1, "quarantined": 2}}
    write_partition(
        local_store, "articles", "demo", "2026-11-20", table, run_id="r1", extra_manifest={"counts": counts}
    )
    [part] = collect_status(local_store).partitions
    assert (part.rows, part.quarantined, part.quarantine_run_id) == (1, 2, None)


def test_quarantine_from_a_later_failed_run_is_told_apart(lake):
    store, _ = lake
    bad = [{**_article(200, "2026-11-16"), "failed_expectations": ["language_in_set"]}]
    write_partition(
        store,
        "quarantine",
        "demo",
        "2026-11-16",
        records_to_table(bad, QUARANTINE_SCHEMA),
        run_id="manual__rerun",
    )
    part = _by_key(collect_status(store))[("demo", "2026-11-16")]
    assert (part.run_id, part.quarantine_run_id, part.rows, part.quarantined) == (
        "scheduled__16",
        "manual__rerun",
        3,
        1,
    )


def test_a_corrupt_manifest_is_flagged_and_the_rest_still_shows(lake):
    store, _ = lake
    store.put("articles/source=demo/dt=2026-11-17/_SUCCESS", b"{not json")
    parts = _by_key(collect_status(store))
    assert parts[("demo", "2026-11-17")].state == STATE_BAD_MANIFEST
    assert parts[("demo", "2026-11-16")].state == STATE_OK


def test_status_of_an_empty_lake(local_store):
    status = collect_status(local_store)
    assert status.partitions == () and status.sources == ()


def test_republishing_a_day_shows_the_new_run(lake):
    store, _ = lake
    _publish(store, "demo", "2026-11-17", rows=5, run_id="backfill__17")
    part = _by_key(collect_status(store))[("demo", "2026-11-17")]
    assert (part.state, part.rows, part.run_id) == (STATE_OK, 5, "backfill__17")


@pytest.mark.integration
def test_status_over_seaweedfs(s3_store):
    manifests = _fill(s3_store)
    status = collect_status(s3_store)
    parts = _by_key(status)
    assert {k: (p.rows, p.run_id) for k, p in parts.items() if k in manifests} == {
        k: (m["rows"], m["run_id"]) for k, m in manifests.items()
    }
    assert parts[("demo", "2026-11-19")].state == STATE_MISSING_MANIFEST


# --------------------------------------------------------------------------- the FastAPI app


@pytest.fixture
def client(lake):
    store, _ = lake
    with TestClient(create_app(lambda: store)) as c:
        yield c


def test_status_json_endpoint(client, lake):
    _, manifests = lake
    response = client.get("/status")
    assert response.status_code == 200
    body = response.json()
    rows = {(p["source"], p["day"]): p for p in body["partitions"]}
    assert rows[("demo", "2026-11-16")] == {
        "source": "demo",
        "day": "2026-11-16",
        "state": "ok",
        "rows": 3,
        "quarantined": 1,
        "run_id": "scheduled__16",
        "schema_version": SCHEMA_VERSION,
        "written_at": manifests[("demo", "2026-11-16")]["written_at"],
        "quarantine_run_id": "scheduled__16",
    }
    assert {s["source"] for s in body["sources"]} == {"demo", "kaktus"}
    assert datetime.fromisoformat(body["generated_at"]).tzinfo is not None


def test_status_json_filters(client):
    body = client.get("/status", params={"source": "kaktus"}).json()
    assert [(p["source"], p["day"]) for p in body["partitions"]] == [("kaktus", "2026-11-16")]
    body = client.get("/status", params={"since": "2026-11-18", "days": 1}).json()
    assert [(p["source"], p["day"]) for p in body["partitions"]] == [("demo", "2026-11-19")]


def test_dag_tab_shows_the_source_of_that_dag(client):
    body = client.get("/status", params={"dag_id": "news_kaktus"}).json()
    assert [(p["source"], p["day"]) for p in body["partitions"]] == [("kaktus", "2026-11-16")]
    page = client.get("/", params={"dag_id": "news_kaktus"})
    assert page.status_code == 200 and "kaktus" in page.text and "scheduled__16" not in page.text
    assert 'href="status?dag_id=news_kaktus&amp;days=31"' in page.text
    assert client.get("/", params={"dag_id": "some_other_dag"}).status_code == 404
    assert client.get("/status", params={"dag_id": "news_kaktus", "source": "demo"}).status_code == 422


@pytest.mark.parametrize(
    "params", [{"source": "../etc"}, {"since": "yesterday"}, {"days": 0}, {"days": 100000}]
)
def test_status_rejects_bad_query(client, params):
    assert client.get("/status", params=params).status_code == 422


def test_status_html_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<table>" in page and "scheduled__16" in page and "kaktus" in page
    assert "missing_manifest" in page and 'href="status?days=31"' in page


def test_status_html_escapes_lake_content(local_store):
    _publish(local_store, "demo", "2026-11-16", rows=1, run_id="<script>alert(1)</script>")
    with TestClient(create_app(lambda: local_store)) as c:
        page = c.get("/").text
    assert "<script>" not in page and "&lt;script&gt;" in page


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_store_gives_503_without_secrets():
    settings = StorageSettings(
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        access_key="status-test-key",
        secret_key="status-test-very-secret",
        bucket="newslake",
    )
    with TestClient(create_app(lambda: open_store(settings))) as c:
        response = c.get("/status")
    assert response.status_code == 503
    assert "cannot list the lake" in response.json()["detail"]
    assert "status-test-very-secret" not in response.text


def test_open_store_failure_gives_503():
    def broken():
        raise OSError("no route to the lake")

    with TestClient(create_app(broken)) as c:
        response = c.get("/")
    assert response.status_code == 503 and "no route to the lake" in response.json()["detail"]


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
        r = client.get("/newslake/status")
        out["logged_in"] = [r.status_code, r.json()]
        r = client.get("/newslake/")
        out["page"] = [r.status_code, r.headers.get("content-type"), "scheduled__16" in r.text]
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
    assert {(p["source"], p["day"], p["rows"]) for p in body["partitions"]} >= {
        ("demo", "2026-11-16", 3),
        ("kaktus", "2026-11-16", 2),
    }
    assert out["page"][0] == 200 and out["page"][1].startswith("text/html") and out["page"][2]
