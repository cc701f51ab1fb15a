"""Object storage: the ObjectStore protocol, an S3 store (boto3), a local-directory store, and their settings."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, unquote, urlsplit

from newslake.errors import EXIT_STORAGE, StorageUnavailableError, TerminalError

DEFAULT_BUCKET = "newslake"
DEFAULT_REGION = "us-east-1"
DEFAULT_CONN_ID = "newslake_s3"
CONN_ENV = "AIRFLOW_CONN_NEWSLAKE_S3"


class StorageError(TerminalError):
    """Object storage is misconfigured (bad connection, credentials refused, no such bucket)."""

    exit_code = EXIT_STORAGE


class ObjectNotFound(KeyError):
    """The requested key does not exist in the store."""


class PreconditionFailed(Exception):
    """A conditional write lost: the object changed (If-Match) or already exists (If-None-Match)."""


@dataclass(frozen=True)
class ObjectInfo:
    """What HEAD tells about an object: its ETag and how long ago (by the store's clock) it was written."""

    etag: str
    age_seconds: float


@runtime_checkable
class ObjectStore(Protocol):
    """Flat key -> bytes store; keys are '/'-separated and relative to the store's root.

    Writes may be conditional: if_match=ETag replaces only that version, if_none_match=True
    creates only a missing object; a write that loses raises PreconditionFailed.
    """

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Write one object atomically (readers see the old or the new bytes); returns its ETag."""

    def get(self, key: str) -> bytes:
        """Read one object; raise ObjectNotFound if it is missing."""

    def get_versioned(self, key: str) -> tuple[bytes, str]:
        """Read one object and its ETag; raise ObjectNotFound if it is missing."""

    def head(self, key: str) -> ObjectInfo | None:
        """ETag and age of an object, or None when it is missing."""

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

    @contextlib.contextmanager
    def _conditional(self) -> Iterator[None]:
        # One lock file serialises conditional writes across processes, like S3's per-key check.
        tmp_dir = self.root / self.TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        with open(tmp_dir / "conditional.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Write to a temp file outside the key's folder, fsync, then rename into place."""
        target = self._path(key)
        if if_match is None and not if_none_match:
            self._write(target, data)
            return _etag(data)
        with self._conditional():
            current = self.head(key)
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key} already exists")
            if if_match is not None and (current is None or current.etag != if_match):
                raise PreconditionFailed(f"{key} is not at version {if_match}")
            self._write(target, data)
        return _etag(data)

    def _write(self, target: Path, data: bytes) -> None:
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

    def get_versioned(self, key: str) -> tuple[bytes, str]:
        """Read one object and its ETag (MD5 of the bytes, as S3 gives for single-part objects)."""
        data = self.get(key)
        return data, _etag(data)

    def head(self, key: str) -> ObjectInfo | None:
        """ETag and age of the file at key, or None."""
        path = self._path(key)
        try:
            data, mtime = path.read_bytes(), path.stat().st_mtime
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        return ObjectInfo(etag=_etag(data), age_seconds=max(0.0, datetime.now(UTC).timestamp() - mtime))

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

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Single PUT (S3 makes a whole object visible at once), conditional when asked; returns the ETag."""
        kwargs: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        if if_match is not None:
            kwargs["IfMatch"] = if_match
        if if_none_match:
            kwargs["IfNoneMatch"] = "*"
        with self._errors("PUT", key):
            response = self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **kwargs)
        return str(response.get("ETag") or _etag(data))

    def get(self, key: str) -> bytes:
        """Read one object."""
        return self.get_versioned(key)[0]

    def get_versioned(self, key: str) -> tuple[bytes, str]:
        """Read one object and its ETag."""
        with self._errors("GET", key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            with response["Body"] as body:
                return body.read(), str(response.get("ETag"))

    def head(self, key: str) -> ObjectInfo | None:
        """HEAD the object: ETag and age by the server's own clock (Date header minus Last-Modified)."""
        try:
            with self._errors("HEAD", key):
                response = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ObjectNotFound:
            return None
        return ObjectInfo(etag=str(response.get("ETag")), age_seconds=_server_age(response))

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        return self.head(key) is not None

    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys under prefix, relative to the store prefix."""
        full = _join_prefix(self.prefix, prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys = []
        with self._errors("LIST", prefix or "/"):
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
        with self._errors("DELETE", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    @contextlib.contextmanager
    def _errors(self, verb: str, key: str) -> Iterator[None]:
        """Translate botocore failures into newslake's: missing, precondition, misconfigured, unreachable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code"))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _NOT_FOUND or (status == 404 and code != "NoSuchBucket"):
                raise ObjectNotFound(key) from None
            if code in _PRECONDITION or status == 412:
                raise PreconditionFailed(f"{verb} {key}: {code}") from None
            endpoint = self._endpoint()
            where = f"{verb} s3://{self.bucket}/{self._key(key) if key != '/' else self.prefix}"
            if code in _MISCONFIGURED:
                message = f"{code} {error.get('Message') or ''}".strip()
                raise StorageError(f"storage at {endpoint} refused the request: {message} ({where})") from exc
            raise StorageUnavailableError(f"storage at {endpoint} failed: {code} (HTTP {status}) ({where})") from exc
        except BotoCoreError as exc:
            # Connection refused, timeouts, closed connections: the store is not reachable right now.
            raise StorageUnavailableError(f"storage unreachable at {self._endpoint()}: {exc} ({verb} {key})") from exc

    def _endpoint(self) -> str:
        url = str(getattr(self.client.meta, "endpoint_url", "") or "the default AWS endpoint")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
# AWS answers a concurrent conditional write with 409 ConditionalRequestConflict: it lost too.
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
_MISCONFIGURED = {
    "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket", "InvalidBucketName", "403",
}


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


def _server_age(response: Mapping[str, Any]) -> float:
    modified = response.get("LastModified")
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        now = parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError):
        now = datetime.now(UTC)
    if not isinstance(modified, datetime):
        return 0.0
    return max(0.0, (now - modified).total_seconds())


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
        """Settings from an Airflow connection of type aws; a missing or malformed one is a StorageError naming it."""
        from airflow.sdk import BaseHook

        try:
            conn = BaseHook.get_connection(conn_id)
        except Exception as exc:  # AirflowNotFoundException, a broken secrets backend, an unparsable URI
            raise StorageError(f"Airflow connection {conn_id!r} cannot be read: {exc}") from exc
        return settings_from_airflow_connection(
            conn_id, conn.conn_type, login=conn.login, password=conn.password, host=conn.host, extra=conn.extra, env=env
        )


# Extra keys that name an explicit AWS identity instead of keys in login/password.
_EXPLICIT_IDENTITY = ("role_arn", "profile_name", "aws_session_token")


def settings_from_airflow_connection(
    conn_id: str,
    conn_type: str | None,
    *,
    login: str | None,
    password: str | None,
    host: str | None,
    extra: Any,
    env: Mapping[str, str] | None = None,
) -> StorageSettings:
    """Check an Airflow connection for the lake and turn it into settings; StorageError names the connection.

    A connection without its own credentials is refused: boto3 would otherwise quietly use whatever
    keys the worker's environment or instance profile happens to have.
    """
    env = os.environ if env is None else env
    where = f"Airflow connection {conn_id!r}"
    if (conn_type or "").lower() != "aws":
        raise StorageError(f"{where} has type {conn_type!r}; the lake needs type aws (an aws:// URI)")
    try:
        extra_fields = _extra_dict(extra)
    except StorageError as exc:
        raise StorageError(f"{where}: {exc}") from None
    settings = settings_from_connection({"login": login, "password": password, "host": host, "extra": extra_fields})
    endpoint = settings.endpoint_url
    if endpoint and not endpoint.startswith(("http://", "https://", "file://")):
        raise StorageError(f"{where}: endpoint_url {endpoint!r} is not an http(s):// or file:// URL")
    if bool(settings.access_key) != bool(settings.secret_key):
        raise StorageError(f"{where} has an access key without a secret key (or the reverse)")
    has_identity = any(extra_fields.get(k) for k in _EXPLICIT_IDENTITY)
    if not settings.access_key and not has_identity and not (endpoint or "").startswith("file://"):
        raise StorageError(
            f"{where} has no credentials (login/password, or role_arn/profile_name in extra); "
            "newslake never falls back to the ambient AWS credentials of the worker"
        )
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


def s3_client_config() -> Any:
    """botocore Config of every S3 client newslake makes: path-style addressing, bounded timeouts, standard retries."""
    from botocore.config import Config

    return Config(
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=60,
        # Checksums only where S3 requires them: S3-compatible servers differ in trailer support.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def make_s3_client(settings: StorageSettings) -> Any:
    """boto3 S3 client for explicit settings (CLI and tests; inside Airflow the hook makes it)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
    )
    config = s3_client_config().merge(Config(region_name=settings.region))
    return session.client("s3", endpoint_url=settings.endpoint_url, config=config)


def open_store(settings: StorageSettings) -> ObjectStore:
    """The ObjectStore the settings describe."""
    if settings.local_dir is not None:
        root = settings.local_dir / settings.prefix if settings.prefix else settings.local_dir
        return LocalStore(root)
    return S3Store(make_s3_client(settings), settings.bucket, settings.prefix)
