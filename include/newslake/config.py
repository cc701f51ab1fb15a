"""Source configuration: typed, validated at load time, with errors that name the bad field."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from newslake.errors import EXIT_USAGE, OutOfRangeError, TerminalError
from newslake.quality.suite import SuiteError, ValidationConfig, parse_validation
from newslake.wording import plural

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "sources.yaml"
DEFAULT_USER_AGENT = "newslake/0.1 (+https://github.com/newslake/newslake)"

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_ENV_RE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class ConfigError(TerminalError, ValueError):
    """A source configuration is invalid; the message names the offending field."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, source_id: str | None = None) -> None:
        super().__init__(message)
        self.source_id = source_id  # the broken entry's id, or its index ("3") when it has no usable id


@dataclass(frozen=True)
class ArchiveConfig:
    """Date-archive listing pages: a URL template with strftime fields and pagination."""

    url_template: str
    page_template: str | None = None  # e.g. "{url}page/{page}/" ; None = follow rel=next links
    max_pages: int = 20


@dataclass(frozen=True)
class DiscoveryConfig:
    """Where candidate article URLs come from."""

    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    archive: ArchiveConfig | None = None
    article_url_pattern: str | None = None  # regex a URL must match to count as an article
    auto: bool = False  # also find feeds and sitemaps from the homepage and robots.txt at run time
    pages: tuple[str, ...] = ()  # listing pages (a watchdog's region page) whose article links are candidates


@dataclass(frozen=True)
class FetchConfig:
    """Politeness and safety limits for one source's HTTP traffic."""

    user_agent: str = DEFAULT_USER_AGENT
    delay_seconds: float = 1.0
    concurrency: int = 2
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0
    blocked_share_threshold: float = 0.5


@dataclass(frozen=True)
class Selectors:
    """Per-source CSS selector overrides for extraction (beautifulsoup4 syntax)."""

    title: str | None = None
    body: str | None = None
    date: str | None = None
    authors: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceConfig:
    """One news source: identity, network boundaries, discovery, politeness, quality thresholds."""

    id: str
    name: str
    base_url: str
    allowed_domains: tuple[str, ...]
    languages: tuple[str, ...]
    discovery: DiscoveryConfig
    fetch: FetchConfig = field(default_factory=FetchConfig)
    selectors: Selectors = field(default_factory=Selectors)
    enabled: bool = True
    allow_private_network: bool = False  # the private-address guard off for the whole source (the demo only)
    allow_private_endpoints: tuple[str, ...] = ()  # exact private "host:port" peers allowed; the guard stays on
    quarantine_threshold: float = 0.2
    min_articles_per_day: int = 0
    owner: str = "newslake"
    tags: tuple[str, ...] = ()
    description: str = ""
    start_date: date = date(2026, 11, 1)  # first day the DAG schedules
    end_date: date | None = None  # last day, for outlets that stopped publishing (or a fixed demo)
    timezone: str = "UTC"  # IANA name: the site's local time, for dates printed without an offset
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes of the countries the source covers
    validation: ValidationConfig = field(default_factory=ValidationConfig)  # suite overrides (quality/suite.py)

    def absolute(self, path_or_url: str) -> str:
        """Resolve a config path (e.g. '/rss.xml') against the source's base URL."""
        return urljoin(self.base_url, path_or_url)

    def is_allowed_host(self, host: str | None) -> bool:
        """True when host equals an allowed domain or is a subdomain of one."""
        if not host:
            return False
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def require_day(self, day: date) -> None:
        """Raise OutOfRangeError unless day lies within start_date .. end_date (the days the source publishes)."""
        if self.start_date <= day and (self.end_date is None or day <= self.end_date):
            return
        last = self.end_date.isoformat() if self.end_date else "today"
        first_logical = self.start_date + timedelta(days=1)
        logical = f"from {first_logical}" + (f" to {self.end_date + timedelta(days=1)}" if self.end_date else "")
        raise OutOfRangeError(
            f"source {self.id}: day {day} is outside the days it publishes ({self.start_date} .. {last}); "
            f"pick a day in that range: `newslake ingest --date`, an Airflow backfill of those days, or a manual "
            f"trigger with a logical date {logical} (a manual run covers the day before its logical date)"
        )


def _env_value(match: re.Match, where: str) -> str:
    name, default = match.group(1), match.group(2)
    value = os.environ.get(name, default)
    if value is None:
        raise ConfigError(
            f"{where}: environment variable {name} is not set and ${{{name}}} has no default "
            f"(set it, or write ${{{name}:-default}})"
        )
    return value


def _yaml_load(text: str) -> Any:
    """yaml.safe_load with libyaml's parser when PyYAML has it: every DAG file and task reads sources.yaml."""
    import yaml

    # The pure-Python parser costs ~5 ms of CPU per 100 lines of sources.yaml, libyaml under 1 ms.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _expand_env(value: Any, where: str) -> Any:
    if isinstance(value, str):
        expanded = _ENV_RE.sub(lambda m: _env_value(m, where), value)
        if expanded != value and _ENV_RE.fullmatch(value):
            # A value that is only a placeholder takes the YAML type of its expansion ("0.5" -> 0.5).
            import yaml

            try:
                return _yaml_load(expanded) if expanded else None
            except yaml.YAMLError:
                return expanded
        return expanded
    if isinstance(value, list):
        return [_expand_env(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand_env(v, f"{where}.{k}") for k, v in value.items()}
    return value


def _take(data: dict, where: str, allowed: set[str]) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")
    return data


def _str(data: dict, key: str, where: str, default: Any = ..., ) -> Any:
    if key not in data or data[key] is None:
        if default is ...:
            raise ConfigError(f"{where}.{key}: required field is missing")
        return default
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        # YAML 1.1 reads a bare yes/no/on/off as a boolean: `id: off` is False, not "off".
        hint = f" (quote it: {key}: \"...\")" if isinstance(value, bool) else ""
        raise ConfigError(f"{where}.{key}: expected a non-empty string, got {value!r}{hint}")
    return value.strip()


def _num(data: dict, key: str, where: str, default: float, *, lo: float, hi: float, kind=float) -> Any:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        article = "an" if kind is int else "a"
        raise ConfigError(f"{where}.{key}: expected {article} {kind.__name__}, got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"{where}.{key}: {value!r} is outside [{lo}, {hi}]")
    return kind(value)


def _str_list(data: dict, key: str, where: str, default: tuple = ()) -> tuple[str, ...]:
    value = data.get(key, list(default))
    if isinstance(value, str):
        # A bare string is a list typo (`languages: en`); turning it into [en] would hide the mistake.
        raise ConfigError(f"{where}.{key}: expected a list of strings, got the string {value!r} (write [{value}])")
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}.{key}: expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _bool(data: dict, key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _endpoints(data: dict, key: str, where: str) -> tuple[str, ...]:
    endpoints = _str_list(data, key, where)
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536 or "/" in endpoint:
            raise ConfigError(f"{where}.{key}: {endpoint!r} is not an exact host:port (e.g. 127.0.0.1:8765)")
    if endpoints and data.get("allow_private_network"):
        raise ConfigError(f"{where}: allow_private_network turns the guard off entirely; "
                          f"drop it to allow only {key} {list(endpoints)}")
    return tuple(e.lower().strip("[]") if e.startswith("[") else e.lower() for e in endpoints)


def _date(data: dict, key: str, where: str, default: date | None) -> date | None:
    value = data.get(key, default)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}.{key}: expected a date YYYY-MM-DD, got {value!r}") from None


def _required_date(data: dict, key: str, where: str, default: date) -> date:
    value = _date(data, key, where, default)
    if value is None:  # `start_date: null` (or an empty ${VAR}) would pass as "no first day"
        raise ConfigError(f"{where}.{key}: expected a date YYYY-MM-DD, got None")
    return value


def _parse_fetch(data: dict, where: str, defaults: dict) -> FetchConfig:
    merged = {**defaults, **(data or {})}
    _take(merged, where, set(FetchConfig.__dataclass_fields__))
    d = FetchConfig()
    return FetchConfig(
        user_agent=_str(merged, "user_agent", where, d.user_agent),
        delay_seconds=_num(merged, "delay_seconds", where, d.delay_seconds, lo=0, hi=600),
        concurrency=_num(merged, "concurrency", where, d.concurrency, lo=1, hi=32, kind=int),
        connect_timeout=_num(merged, "connect_timeout", where, d.connect_timeout, lo=0.1, hi=120),
        read_timeout=_num(merged, "read_timeout", where, d.read_timeout, lo=0.1, hi=600),
        max_bytes=_num(merged, "max_bytes", where, d.max_bytes, lo=1024, hi=500_000_000, kind=int),
        max_redirects=_num(merged, "max_redirects", where, d.max_redirects, lo=0, hi=20, kind=int),
        max_retries=_num(merged, "max_retries", where, d.max_retries, lo=0, hi=10, kind=int),
        backoff_base=_num(merged, "backoff_base", where, d.backoff_base, lo=0, hi=60),
        backoff_cap=_num(merged, "backoff_cap", where, d.backoff_cap, lo=0, hi=3600),
        max_retry_after=_num(merged, "max_retry_after", where, d.max_retry_after, lo=0, hi=3600),
        blocked_share_threshold=_num(
            merged, "blocked_share_threshold", where, d.blocked_share_threshold, lo=0, hi=1
        ),
    )


def _parse_discovery(data: dict, where: str) -> DiscoveryConfig:
    _take(data, where, {"feeds", "sitemaps", "archive", "article_url_pattern", "auto", "pages"})
    archive = None
    if data.get("archive") is not None:
        aw = f"{where}.archive"
        a = _take(data["archive"], aw, {"url_template", "page_template", "max_pages"})
        template = _str(a, "url_template", aw)
        if "{date" not in template:
            raise ConfigError(f"{aw}.url_template: must contain a {{date:...}} field, got {template!r}")
        page_template = _str(a, "page_template", aw, None)
        if page_template is not None and "{page}" not in page_template:
            raise ConfigError(f"{aw}.page_template: must contain {{page}}, got {page_template!r}")
        archive = ArchiveConfig(
            url_template=template,
            page_template=page_template,
            max_pages=_num(a, "max_pages", aw, 20, lo=1, hi=1000, kind=int),
        )
    pattern = _str(data, "article_url_pattern", where, None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}.article_url_pattern: invalid regex: {exc}") from None
    result = DiscoveryConfig(
        feeds=_str_list(data, "feeds", where),
        sitemaps=_str_list(data, "sitemaps", where),
        archive=archive,
        article_url_pattern=pattern,
        auto=_bool(data, "auto", where, False),
        pages=_str_list(data, "pages", where),
    )
    if not (result.feeds or result.sitemaps or result.archive or result.auto or result.pages):
        raise ConfigError(f"{where}: configure at least one of feeds, sitemaps, archive, pages (or auto: true)")
    return result


def parse_source(data: dict, where: str, defaults: dict | None = None) -> SourceConfig:
    """Build one SourceConfig from its YAML mapping, raising ConfigError on the first bad field."""
    defaults = defaults or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    sid = _str(data, "id", where)
    if not _ID_RE.match(sid):
        raise ConfigError(f"{where}.id: {sid!r} must be lowercase letters, digits or _ (2-41 chars)")
    where = f"sources[{sid}]"
    _take(data, where, set(SourceConfig.__dataclass_fields__))
    base_url = _str(data, "base_url", where)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}.base_url: {base_url!r} is not an absolute http(s) URL")
    if not base_url.endswith("/"):
        base_url += "/"
    domains = tuple(d.lower() for d in _str_list(data, "allowed_domains", where, (parts.hostname,)))
    source = SourceConfig(
        id=sid,
        name=_str(data, "name", where),
        base_url=base_url,
        allowed_domains=domains,
        languages=_str_list(data, "languages", where),
        discovery=_parse_discovery(data.get("discovery") or {}, f"{where}.discovery"),
        fetch=_parse_fetch(data.get("fetch") or {}, f"{where}.fetch", defaults.get("fetch", {})),
        selectors=_parse_selectors(data.get("selectors") or {}, f"{where}.selectors"),
        enabled=_bool(data, "enabled", where, True),
        allow_private_network=_bool(data, "allow_private_network", where, False),
        allow_private_endpoints=_endpoints(data, "allow_private_endpoints", where),
        quarantine_threshold=_num(data, "quarantine_threshold", where, 0.2, lo=0, hi=1),
        min_articles_per_day=_num(data, "min_articles_per_day", where, 0, lo=0, hi=100_000, kind=int),
        owner=_str(data, "owner", where, defaults.get("owner", "newslake")),
        tags=_str_list(data, "tags", where),
        description=_str(data, "description", where, ""),
        start_date=_required_date(data, "start_date", where, date(2026, 11, 1)),
        end_date=_date(data, "end_date", where, None),
        timezone=_timezone(data, where),
        countries=tuple(c.upper() for c in _str_list(data, "countries", where)),
        validation=_parse_validation(data.get("validation"), f"{where}.validation"),
    )
    for country in source.countries:
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ConfigError(f"{where}.countries: {country!r} is not an ISO 3166-1 alpha-2 code (e.g. KZ)")
    if source.end_date is not None and source.end_date < source.start_date:
        raise ConfigError(f"{where}.end_date: {source.end_date} is before start_date {source.start_date}")
    if not source.languages:
        raise ConfigError(f"{where}.languages: list at least one ISO 639-1 code")
    for lang in source.languages:
        if not _LANG_RE.match(lang):
            raise ConfigError(f"{where}.languages: {lang!r} is not an ISO 639-1 code")
    if not source.is_allowed_host(parts.hostname):
        raise ConfigError(f"{where}.allowed_domains: base_url host {parts.hostname!r} is not allowed")
    return source


def _timezone(data: dict, where: str) -> str:
    """The source's IANA timezone name, checked against the tz database (zoneinfo)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _str(data, "timezone", where, "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}.timezone: {name!r} is not an IANA time zone name (e.g. Asia/Almaty, Asia/Tashkent, Europe/Prague)"
        ) from None
    return name
def _parse_validation(data: Any, where: str) -> ValidationConfig:
    try:
        return parse_validation(data, where)
    except SuiteError as exc:
        message = str(exc)  # a broken suite file breaks every source: say which one is reporting it
        raise ConfigError(message if message.startswith(where) else f"{where}: {message}") from None


def _parse_selectors(data: dict, where: str) -> Selectors:
    _take(data, where, set(Selectors.__dataclass_fields__))
    return Selectors(
        title=_str(data, "title", where, None),
        body=_str(data, "body", where, None),
        date=_str(data, "date", where, None),
        authors=_str(data, "authors", where, None),
        drop=_str_list(data, "drop", where),
    )


@dataclass(frozen=True)
class SourcesFile:
    """One sources.yaml, every entry parsed on its own: the valid sources and one error per broken entry."""

    path: Path | None
    sources: tuple[SourceConfig, ...]
    errors: tuple[ConfigError, ...]  # messages start at "sources[<id>]..."; summary() adds the file

    def enabled(self) -> list[SourceConfig]:
        """The valid sources that are enabled (one DAG each)."""
        return [s for s in self.sources if s.enabled]

    def summary(self) -> str:
        """One line naming every broken entry and its field."""
        n = len(self.errors)
        where = f" in {self.path}" if self.path else ""
        details = "; ".join(str(e) for e in self.errors)
        return f"{plural(n, 'broken source entry', 'broken source entries')}{where} (not loaded): {details}"


def _entry_id(item: Any, index: int) -> str:
    """The entry's id when it has a usable one, else its position: what errors and the UI call it."""
    raw = item.get("id") if isinstance(item, dict) else None
    return raw if isinstance(raw, str) and _ID_RE.match(raw) else str(index)


def _parse_entry(item: Any, index: int, defaults: dict, seen: set[str]) -> SourceConfig:
    entry_id = _entry_id(item, index)
    try:
        source = parse_source(_expand_env(item, f"sources[{entry_id}]"), f"sources[{index}]", defaults)
    except ConfigError as exc:
        raise ConfigError(str(exc), source_id=entry_id) from None
    if source.id in seen:
        raise ConfigError(f"sources[{index}].id: duplicate source id {source.id!r}", source_id=source.id)
    return source


def check_sources(document: Any, path: Path | None = None) -> SourcesFile:
    """Parse every entry of a sources document on its own; raise only when no entry can be read."""
    _take(document, "sources.yaml", {"defaults", "sources"})
    defaults = _expand_env(document.get("defaults") or {}, "defaults")
    _take(defaults, "defaults", {"fetch", "owner"})
    items = document.get("sources")
    if not isinstance(items, list) or not items:
        raise ConfigError("sources: expected a non-empty list of sources")
    sources: list[SourceConfig] = []
    errors: list[ConfigError] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        try:
            source = _parse_entry(item, i, defaults, seen)
        except ConfigError as exc:
            errors.append(exc)
            continue
        seen.add(source.id)
        sources.append(source)
    return SourcesFile(path=path, sources=tuple(sources), errors=tuple(errors))


def parse_sources(document: Any) -> list[SourceConfig]:
    """Validate a whole sources document ({defaults, sources}); ConfigError on the first broken entry."""
    checked = check_sources(document)
    if checked.errors:
        raise checked.errors[0]
    return list(checked.sources)


def config_path() -> Path:
    """The sources.yaml in use: $NEWSLAKE_SOURCES or the bundled include/config/sources.yaml."""
    return Path(os.environ.get("NEWSLAKE_SOURCES", DEFAULT_CONFIG_PATH))


def _yaml_problem(exc: Exception) -> str:
    """PyYAML's several-line report as one line: what is wrong and where (1-based line:column)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


def read_sources(path: str | Path | None = None) -> SourcesFile:
    """Read sources.yaml entry by entry; ConfigError (naming the file) only when the file itself is unusable."""
    import yaml

    path = Path(path) if path else config_path()
    try:
        document = _yaml_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    try:
        checked = check_sources(document, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return checked


def load_sources(path: str | Path | None = None, *, enabled_only: bool = False) -> list[SourceConfig]:
    """Load and validate sources.yaml, all or nothing; ConfigError names the file and every bad field."""
    checked = read_sources(path)
    if checked.errors:
        raise ConfigError(checked.summary())
    return checked.enabled() if enabled_only else list(checked.sources)


def get_source(source_id: str, path: str | Path | None = None) -> SourceConfig:
    """One configured source by id; other sources' mistakes do not matter, its own or an unknown id raise."""
    checked = read_sources(path)
    for source in checked.sources:
        if source.id == source_id:
            return source
    for error in checked.errors:
        if error.source_id == source_id:
            raise ConfigError(f"{checked.path}: {error}", source_id=source_id)
    known = ", ".join(s.id for s in checked.sources)
    broken = f"; broken entries: {', '.join(str(e.source_id) for e in checked.errors)}" if checked.errors else ""
    raise ConfigError(f"unknown source {source_id!r} (configured: {known}{broken})")
