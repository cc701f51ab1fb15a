"""Inside Airflow the lake is opened from the connection newslake_s3 through the amazon provider's S3Hook:
a good connection reaches the real SeaweedFS, a missing or malformed one is an error that names it, and
the worker's ambient AWS credentials are never used instead."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from newslake.airflow_glue import open_airflow_store
from newslake.storage import S3Store, StorageError

pytestmark = pytest.mark.integration

AMBIENT = {"AWS_ACCESS_KEY_ID": "ambient-key", "AWS_SECRET_ACCESS_KEY": "ambient-secret"}


def _uri(access: str, secret: str, endpoint: str) -> str:
    return f"aws://{quote(access, safe='')}:{quote(secret, safe='')}@/?endpoint_url={quote(endpoint, safe='')}"


def test_connection_opens_the_lake_through_the_s3_hook(s3_server, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_S3", _uri(s3_server.access_key, s3_server.secret_key,
                                                        s3_server.endpoint_url))
    monkeypatch.setenv("NEWSLAKE_BUCKET", s3_server.bucket)
    monkeypatch.setenv("NEWSLAKE_PREFIX", "tests/airflow-store")
    store = open_airflow_store()
    assert isinstance(store, S3Store)
    store.put("probe.txt", b"via S3Hook")
    assert store.get("probe.txt") == b"via S3Hook"
    store.delete("probe.txt")


def test_a_missing_connection_names_itself_and_ignores_ambient_keys(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NEWSLAKE_S3", raising=False)
    for name, value in AMBIENT.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StorageError, match="'newslake_s3'"):
        open_airflow_store()


@pytest.mark.parametrize(
    ("uri", "complaint"),
    [
        ("http://user:pw@example.org/", "has type 'http'"),
        ("aws://@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A1", "has no credentials"),
        ("aws://key@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A1", "without a secret key"),
        ("aws://k:s@/?endpoint_url=ftp%3A%2F%2Fhost", "is not an http"),
        ('{"conn_type": "aws", "login": "k", "password": "s", "extra": "{not json"}', "not valid JSON"),
    ],
)
def test_a_malformed_connection_is_an_error_naming_it(monkeypatch, uri, complaint):
    for name, value in AMBIENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AIRFLOW_CONN_LAKE_BROKEN", uri)
    with pytest.raises(StorageError, match="'lake_broken'") as failure:
        open_airflow_store("lake_broken")
    assert complaint in str(failure.value)
