"""pytest fixtures for object storage: a real SeaweedFS on pinned test ports, S3 settings/stores, a LocalStore."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from newslake.storage import LocalStore, S3Store, StorageSettings, open_store
from newslake_dev.seaweed import SeaweedError, SeaweedPorts, SeaweedServer, check_ports_free

__all__ = [
    "TEST_ACCESS_KEY",
    "TEST_BUCKET",
    "TEST_PORTS",
    "TEST_SECRET_KEY",
    "local_store",
    "make_test_server",
    "s3_server",
    "s3_settings",
    "s3_store",
]

TEST_BUCKET = "newslake-test"
TEST_ACCESS_KEY = "newslake-test-key"
TEST_SECRET_KEY = "newslake-test-secret"

# Test ports never overlap the demo's defaults (see SeaweedPorts), so tests can run beside `make demo`.
TEST_PORTS = SeaweedPorts(
    s3=18433,
    s3_grpc=28433,
    master=19433,
    master_grpc=29433,
    volume=18181,
    volume_grpc=28181,
    filer=18988,
    filer_grpc=28988,
    admin=18746,
    admin_grpc=28746,
)
# Several test sessions may share a machine: shift the whole plan by a step of 100 until it is free.
PORT_OFFSETS = (0, 100, 200, 300, 400)


def _shifted(ports: SeaweedPorts, offset: int) -> SeaweedPorts:
    return SeaweedPorts(**{name: port + offset for name, port in ports.named().items()})


def _lane_start(lane: str) -> int:
    """The first port plan a test lane tries: the rest 0, the e2e lane 2, lane e2e-<k>-of-<n> 1 + k."""
    from lanes import parse_lane

    if lane == "e2e":
        return 2
    split = parse_lane(lane)
    return (1 + split[0]) % len(PORT_OFFSETS) if split else 0


def _pick_ports() -> SeaweedPorts:
    fixed = os.environ.get("NEWSLAKE_TEST_PORT_OFFSET")
    # `make test` starts its lanes at the same moment: each begins at its own plan so they never race for one.
    start = _lane_start(os.environ.get("NEWSLAKE_TEST_LANE", ""))
    offsets = (int(fixed),) if fixed else PORT_OFFSETS[start:] + PORT_OFFSETS[:start]
    errors = []
    for offset in offsets:
        plan = _shifted(TEST_PORTS, offset)
        try:
            check_ports_free(plan)
        except SeaweedError as exc:
            errors.append(str(exc))
            continue
        return plan
    raise SeaweedError("no free SeaweedFS test port plan:\n" + "\n".join(errors))


def make_test_server(data_dir, ports: SeaweedPorts) -> SeaweedServer:
    """A SeaweedServer with the test credentials and bucket on the given ports."""
    return SeaweedServer(
        data_dir,
        s3_port=ports.s3,
        s3_grpc_port=ports.s3_grpc,
        master_port=ports.master,
        master_grpc_port=ports.master_grpc,
        volume_port=ports.volume,
        volume_grpc_port=ports.volume_grpc,
        filer_port=ports.filer,
        filer_grpc_port=ports.filer_grpc,
        admin_port=ports.admin,
        admin_grpc_port=ports.admin_grpc,
        access_key=TEST_ACCESS_KEY,
        secret_key=TEST_SECRET_KEY,
        bucket=TEST_BUCKET,
    )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[SeaweedServer]:
    """A running SeaweedFS (`weed mini`) for the whole session; `.endpoint_url`, `.settings(prefix)`."""
    server = make_test_server(tmp_path_factory.mktemp("seaweedfs"), _pick_ports())
    with server:
        yield server


@pytest.fixture
def s3_settings(s3_server: SeaweedServer, request) -> StorageSettings:
    """StorageSettings for the test bucket on a prefix no other test uses."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:40].strip("-")
    return s3_server.settings(prefix=f"tests/{name}-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def s3_store(s3_settings: StorageSettings) -> S3Store:
    """An S3Store on the test's own prefix."""
    store = open_store(s3_settings)
    assert isinstance(store, S3Store)
    return store


@pytest.fixture
def local_store(tmp_path) -> LocalStore:
    """A LocalStore rooted in the test's tmp_path/lake."""
    return LocalStore(tmp_path / "lake")
