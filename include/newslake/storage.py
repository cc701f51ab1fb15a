"""Object storage: the ObjectStore protocol, an S3 store (boto3), a local-directory store, and their settings."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_BUCKET = "newslake"
DEFAULT_REGION = "us-east-1"
DEFAULT_CONN_ID = "newslake_s3"
CONN_ENV = "AIRFLOW_CONN_NEWSLAKE_S3"


class StorageError(Exception):
    """Object storage could not be configured or reached."""


class ObjectNotFound(KeyError):
    """The requested key does not exist in the store."""


@runtime_checkable
class ObjectStore(Protocol):
    """Flat key -> bytes store; keys are '/'-separated and relative to the store's root."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Write one object atomically: readers see the old or the new bytes, never a mix."""

    def get(self, key: str) -> bytes:
        """Read one object; raise ObjectNotFound if it is missing."""

    def exists(self, key: str) -> bool:
        """True if the object exists."""

    def list(self, prefix: str) -> list[str]:
        """Sorted keys under prefix."""

    def delete(self, key: str) -> None:
        """Remove one object; a missing key is not an error."""


def _check_key(key: str) -> str:
    if not key or key.startswith("/") or key.endswith("/"):
        raise ValueError(f"invalid object key: {key!r}")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid object key: {key!r}")
    return key


def _join_prefix(prefix: str, key: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{key}" if prefix else key


# --------------------------------------------------------------------------- local directory


class LocalStore:
    """ObjectStore on a local directory; puts go through <root>/.tmp/ so partitions never hold temp files."""

    TMP_DIR = ".tmp"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        _check_key(key)
        if key.split("/", 1)[0] == self.TMP_DIR:
            raise ValueError(f"key {key!r} is inside the store's temp area")
        return self.root.joinpath(*key.split("/"))

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Write to a temp file outside the key's folder, fsync, then rename into place."""
        target = self._path(key)
        tmp_dir = self.root / self.TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, key: str) -> bytes:
        """Read one object."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        """True if a file exists at key."""
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys starting with prefix (plain string prefix, like S3)."""
        if not self.root.is_dir():
            return []
        # Walk only the deepest directory the prefix names, then filter by the string prefix.
        base_parts = prefix.split("/")[:-1]
        base = self.root.joinpath(*base_parts) if base_parts else self.root
        if not base.is_dir():
            return []
        keys = []
        for dirpath, dirnames, filenames in os.walk(base):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d != self.TMP_DIR]
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if rel_dir == "." else f"{rel_dir}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        """Remove the file and any folders it leaves empty (S3 has no empty folders either)."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and parent.is_dir():
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


# --------------------------------------------------------------------------- S3


class S3Store:
    """ObjectStore on an S3 bucket (boto3 client); keys are relative to prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return _join_prefix(self.prefix, _check_key(key))

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Single PUT: S3 makes a whole object visible at once."""
        kwargs = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **kwargs)

    def get(self, key: str) -> bytes:
        """Read one object."""
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _is_not_found(exc):
                raise ObjectNotFound(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys under prefix, relative to the store prefix."""
        full = _join_prefix(self.prefix, prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                key = item["Key"][strip:]
                # Some S3 servers list folder markers ("a/b/"); they are not objects.
                if key and not key.endswith("/"):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        """Delete one object (S3 treats a missing key as success)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def _is_not_found(exc: Exception) -> bool:
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code")) in {"404", "NoSuchKey", "NotFound"}


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class StorageSettings:
    """Where the lake lives: an S3 endpoint + bucket + prefix, or a local directory."""

    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    region: str = DEFAULT_REGION
    bucket: str = DEFAULT_BUCKET
    prefix: str = ""
    local_dir: Path | None = None

    def __repr__(self) -> str:
        where = (
            f"local_dir={str(self.local_dir)!r}" if self.local_dir else f"endpoint_url={self.endpoint_url!r}"
        )
        return (
            f"StorageSettings({where}, access_key={_mask(self.access_key)}, "
            f"secret_key={_mask(self.secret_key)}, region={self.region!r}, "
            f"bucket={self.bucket!r}, prefix={self.prefix!r})"
        )

    __str__ = __repr__

    @property
    def is_local(self) -> bool:
        """True when the store is a local directory."""
        return self.local_dir is not None

    def with_prefix(self, prefix: str) -> StorageSettings:
        """Same store, another key prefix."""
        return replace(self, prefix=prefix.strip("/"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StorageSettings:
        """Settings from AIRFLOW_CONN_NEWSLAKE_S3 (URI or JSON), else NEWSLAKE_S3_ENDPOINT_URL + AWS_* keys."""
        env = os.environ if env is None else env
        bucket = env.get("NEWSLAKE_BUCKET") or DEFAULT_BUCKET
        prefix = (env.get("NEWSLAKE_PREFIX") or "").strip("/")
        if env.get("NEWSLAKE_LAKE_DIR"):
            return cls(local_dir=Path(env["NEWSLAKE_LAKE_DIR"]), bucket=bucket, prefix=prefix)
        conn = env.get(CONN_ENV)
        if conn:
            settings = settings_from_connection(parse_connection(conn))
        else:
            settings = cls(
                endpoint_url=env.get("NEWSLAKE_S3_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_S3") or None,
                access_key=env.get("AWS_ACCESS_KEY_ID") or None,
                secret_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
                region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION,
            )
        return _local_if_file(replace(settings, bucket=bucket, prefix=prefix))

    @classmethod
    def from_airflow(
        cls, conn_id: str = DEFAULT_CONN_ID, env: Mapping[str, str] | None = None
    ) -> StorageSettings:
        """Settings from an Airflow connection of type aws (endpoint_url / region_name in extra)."""
        env = os.environ if env is None else env
        try:
            from airflow.sdk import BaseHook
        except ImportError:  # Airflow 2 layout
            from airflow.hooks.base import BaseHook

        conn = BaseHook.get_connection(conn_id)
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else _extra_dict(conn.extra)
        fields = {"login": conn.login, "password": conn.password, "host": conn.host, "extra": extra}
        settings = settings_from_connection(fields)
        return _local_if_file(
            replace(
                settings,
                bucket=env.get("NEWSLAKE_BUCKET") or settings.bucket,
                prefix=(env.get("NEWSLAKE_PREFIX") or settings.prefix).strip("/"),
            )
        )


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


def _local_if_file(settings: StorageSettings) -> StorageSettings:
    endpoint = settings.endpoint_url or ""
    if endpoint.startswith("file://"):
        return replace(settings, endpoint_url=None, local_dir=Path(unquote(urlsplit(endpoint).path)))
    return settings


def _extra_dict(extra: Any) -> dict[str, Any]:
    if not extra:
        return {}
    if isinstance(extra, Mapping):
        return dict(extra)
    try:
        value = json.loads(extra)
    except ValueError as exc:
        raise StorageError("connection extra is not valid JSON") from exc
    if not isinstance(value, dict):
        raise StorageError("connection extra must be a JSON object")
    return value


def parse_connection(value: str) -> dict[str, Any]:
    """Airflow connection from its env form (URI or JSON) -> {login, password, host, extra}."""
    value = value.strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise StorageError(f"{CONN_ENV} is not valid JSON") from exc
        return {
            "login": data.get("login"),
            "password": data.get("password"),
            "host": data.get("host"),
            "extra": _extra_dict(data.get("extra")),
        }
    parts = urlsplit(value)
    if not parts.scheme:
        raise StorageError(f"{CONN_ENV} is neither a connection URI nor JSON")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra = _extra_dict(query.pop("__extra__")) if "__extra__" in query else query
    return {
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "host": unquote(parts.hostname) if parts.hostname else None,
        "extra": extra,
    }


def settings_from_connection(fields: Mapping[str, Any]) -> StorageSettings:
    """StorageSettings from connection fields; the aws conn keeps endpoint_url and region_name in extra."""
    extra = dict(fields.get("extra") or {})
    client_kwargs = (
        extra.get("service_config", {}).get("s3", {}) if isinstance(extra.get("service_config"), dict) else {}
    )
    host = fields.get("host") or ""
    # Only a full URL in host is an endpoint; a bare aws conn host means nothing to boto3.
    host_endpoint = host if host.startswith(("http://", "https://", "file://")) else None
    endpoint = extra.get("endpoint_url") or client_kwargs.get("endpoint_url") or host_endpoint
    return StorageSettings(
        endpoint_url=endpoint,
        access_key=fields.get("login") or extra.get("aws_access_key_id") or None,
        secret_key=fields.get("password") or extra.get("aws_secret_access_key") or None,
        region=extra.get("region_name") or DEFAULT_REGION,
        bucket=extra.get("bucket_name") or DEFAULT_BUCKET,
        prefix=str(extra.get("prefix") or "").strip("/"),
    )


# --------------------------------------------------------------------------- factories


def make_s3_client(settings: StorageSettings) -> Any:
    """boto3 S3 client: path-style addressing, bounded timeouts, standard retry mode."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=settings.region,
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=60,
        # Checksums only where S3 requires them: S3-compatible servers differ in trailer support.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
    )
    return session.client("s3", endpoint_url=settings.endpoint_url, config=config)


def open_store(settings: StorageSettings) -> ObjectStore:
    """The ObjectStore the settings describe."""
    if settings.local_dir is not None:
        root = settings.local_dir / settings.prefix if settings.prefix else settings.local_dir
        return LocalStore(root)
    return S3Store(make_s3_client(settings), settings.bucket, settings.prefix)
