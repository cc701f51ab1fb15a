"""`newslake` command line: the same stage code as the DAG, without Airflow.

Every failure is one line on stderr and a documented exit code (newslake.errors.EXIT_*);
`-v` adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import traceback
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from newslake.config import ConfigError, SourceConfig, get_source, read_sources
from newslake.errors import (
    EXIT_CONFLICT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SOURCE,
    EXIT_STORAGE,
    EXIT_USAGE,
    EXIT_VALIDATION,
    MissingInputError,
    NewslakeError,
    NotAnArticleError,
    SourceBlockedError,
    SourceUnreachableError,
    UsageError,
)
from newslake.wording import plural

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND = {
    EXIT_USAGE: "error",
    EXIT_SOURCE: "source error",
    EXIT_STORAGE: "storage error",
    EXIT_VALIDATION: "validation failed",
    EXIT_CONFLICT: "conflict",
}


def _cmd_sources(args) -> int:
    checked = read_sources(args.config)
    sources = checked.sources
    if args.json:
        print(json.dumps([{"id": s.id, "name": s.name, "enabled": s.enabled, "base_url": s.base_url} for s in sources]))
    else:
        print(f"{'id':<16} {'enabled':<8} {'languages':<10} {'dag':<20} base_url")
        for s in sources:
            print(f"{s.id:<16} {str(s.enabled).lower():<8} {','.join(s.languages):<10} {'news_' + s.id:<20} {s.base_url}")
    for error in checked.errors:
        print(f"config error: {checked.path}: {error}", file=sys.stderr)
    n = len(checked.errors)
    broken = f", {plural(n, 'broken entry', 'broken entries')}" if n else ""
    # With --json, stdout stays pure JSON.
    print(f"{plural(len(sources), 'source')} valid{broken} in {checked.path}", file=sys.stderr if args.json else sys.stdout)
    return EXIT_USAGE if checked.errors else EXIT_OK


def _source_for_url(url: str, config: str | None) -> SourceConfig | None:
    host = urlsplit(url).hostname
    for source in read_sources(config).sources:
        if source.is_allowed_host(host):
            return source
    return None


def _fetch_failure(target: str, result) -> NewslakeError:
    from newslake.fetching.result import Outcome

    why = f"{target}: {result.outcome.value} ({result.error or result.status})"
    if result.outcome in (Outcome.BLOCKED, Outcome.ROBOTS_DISALLOWED):
        return SourceBlockedError(f"the source refuses us: {why}")
    if result.outcome is Outcome.TRANSIENT_FAILED:
        return SourceUnreachableError(f"the source could not be reached: {why}")
    return MissingInputError(f"no page to extract: {why}")


def _cmd_extract(args) -> int:
    from newslake.extraction import extract_article

    target = args.target
    source = get_source(args.source, args.config) if args.source else None
    if urlsplit(target).scheme in ("http", "https"):
        from newslake.fetching import Fetcher

        source = source or _source_for_url(target, args.config)
        if source is None:
            raise MissingInputError(f"{target} belongs to no configured source; pass --source ID")
        with Fetcher(source) as fetcher:
            result = fetcher.fetch(target)
        if result.body is None:
            raise _fetch_failure(target, result)
        html, url, headers, fetched_at = result.body, result.final_url, result.headers, result.fetched_at
    else:
        path = Path(target)
        if not path.is_file():
            raise MissingInputError(f"{target} is neither an http(s) URL nor a file")
        html, url, headers, fetched_at = path.read_bytes(), args.url or path.resolve().as_uri(), None, None
    from newslake.fetching.content import not_a_page

    what = not_a_page(html)
    if what:
        raise NotAnArticleError(f"{target} is {what}, not an HTML page: nothing to extract")
    # The response's charset header is evidence: the one decoder weighs it with the bytes.
    article = extract_article(html, url, source=source, headers=headers, fetched_at=fetched_at)
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_ingest(args) -> int:
    from newslake.pipeline import RunContext, day_interval, run_all
    from newslake.storage import StorageSettings, open_store

    source = get_source(args.source, args.config)
    source.require_day(args.date)
    start, end = day_interval(args.date)
    run_id = args.run_id or f"cli__{args.date}__{uuid.uuid4().hex[:8]}"
    store = open_store(StorageSettings.from_env())
    ctx = RunContext(source=source, start=start, end=end, run_id=run_id, store=store)
    # Every stage failure is a NewslakeError: main() prints it on one line with its exit code.
    report = run_all(ctx, replay=args.replay)
    print(json.dumps(report, indent=2, default=str))
    return EXIT_OK


def _cmd_source_probe(args) -> int:
    import yaml

    from newslake.onboarding import probe, render_report

    report, entry = probe(args.url, allow_private=args.allow_private, source_id=args.id, delay=args.delay)
    print(render_report(report), file=sys.stderr)
    # A whole sources document, so `newslake sources --config` reads the proposal as it is.
    print(yaml.safe_dump({"sources": [entry]}, sort_keys=False, allow_unicode=True), end="")
    return EXIT_OK if report.articles else EXIT_SOURCE


def _cmd_source_check(args) -> int:
    from newslake.discovery import DiscoveryError
    from newslake.onboarding import check

    source = get_source(args.id, args.config)
    try:
        result = check(source, args.date)
    except DiscoveryError as exc:
        raise (SourceUnreachableError if exc.transient else SourceBlockedError)(str(exc)) from exc
    if args.json:
        print(json.dumps({"source": result.source_id, "day": str(result.day), "entry_points": result.entry_points,
                          "methods": result.methods, "warnings": result.warnings, "outcomes": result.outcomes,
                          "records": result.records, "problem": result.problem}, ensure_ascii=False, indent=1))
    else:
        print(f"source {result.source_id} {result.day}: {plural(len(result.records), 'record')}, "
              f"{plural(len(result.outcomes), 'URL')} (nothing written to the lake)")
        print("entry points:")
        for url, outcome in sorted(result.entry_points.items()):
            print(f"  {outcome:<18} {url}  ({result.methods.get(url, 'configured')})")
        print("URLs:")
        for url, outcome in result.outcomes.items():
            print(f"  {outcome:<18} {url}")
        print("records:")
        for record in result.records:
            print(f"  {record['published_at']}  [{record['language']}] {record['title']}  {record['url']}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.problem:
        print(f"validation failed: {result.problem}", file=sys.stderr)
        return EXIT_VALIDATION
    return EXIT_OK if result.records else EXIT_VALIDATION


def _cmd_migrate(args) -> int:
    from newslake.migrate import check_outcomes, migrate_source
    from newslake.storage import StorageSettings, open_store

    source = get_source(args.source, args.config)
    if args.first and args.last and args.first > args.last:
        raise UsageError(f"--from {args.first} is after --to {args.last}")
    store = open_store(StorageSettings.from_env())
    outcomes = migrate_source(source, store, args.first, args.last, force=args.force)
    print(json.dumps({"source": source.id, "partitions": [o.to_dict() for o in outcomes]}, indent=2))
    check_outcomes(source.id, outcomes)
    return EXIT_OK


def _cmd_reextract(args) -> int:
    from newslake.reextract import check_reextracted, plan, reextract_batch
    from newslake.storage import StorageSettings, open_store

    if args.first > args.last:
        raise UsageError(f"--from {args.first} is after --to {args.last}")
    sources = {sid: get_source(sid, args.config) for sid in dict.fromkeys(args.source)}
    store = open_store(StorageSettings.from_env())
    partitions = plan(store, sources.values(), args.first, args.last)
    outcomes = reextract_batch(sources, store, partitions)
    rows = sum(o.rows or 0 for o in outcomes)
    print(json.dumps({"sources": list(sources), "from": str(args.first), "to": str(args.last), "rows": rows,
                      "partitions": [o.to_dict() for o in outcomes]}, indent=2))
    check_reextracted(outcomes)
    return EXIT_OK


def _cmd_status(args) -> int:
    from newslake.status import STATES, StatusError, collect_grid, sources_from_config
    from newslake.status_index import rebuild_index
    from newslake.storage import StorageSettings, open_store

    store = open_store(StorageSettings.from_env())
    if args.rebuild_index:
        done = rebuild_index(store, args.source)
        print(f"status index rebuilt: {plural(done['days'], 'published day')} in "
              f"{plural(done['objects'], 'year object')}, {plural(done['unreadable'], 'unreadable manifest')}",
              file=sys.stderr if args.json else sys.stdout)
    try:
        grid = collect_grid(store, sources_from_config(args.config), source_id=args.source,
                            since=args.since, until=args.until)
    except StatusError as exc:
        print(f"{exc}\n{exc.hint}", file=sys.stderr)
        return EXIT_STORAGE
    if args.json:
        print(json.dumps(grid))
        return EXIT_OK
    marks = {"written": "#", "warning": "w", "failed": "F", "running": "r", "missing": ".", "not_expected": " "}
    print(f"lake status {grid['since']} .. {grid['until']} (UTC)  " +
          "  ".join(f"{m!r}={s}" for s, m in marks.items()))
    width = max([len(r["source"]) for r in grid["sources"]] + [6])
    for row in grid["sources"]:
        t = row["totals"]
        line = "".join(marks.get(c["state"], "?") for c in row["cells"])
        print(f"{row['source']:<{width}} |{line}| written {t['written'] + t['warning']}, failed {t['failed']}, "
              f"missing {t['missing']}, rows {t['rows']}, quarantined {t['quarantined']}")
    bad = [(row["source"], c) for row in grid["sources"] for c in row["cells"] if c["state"] in STATES[:3]]
    for source, cell in bad:
        why = cell.get("failure") or (f"{cell.get('quarantined')} quarantined" if cell["state"] == "warning" else "")
        print(f"  {source} {cell['day']} {cell['state']}" + (f": {why}" if why else "") +
              (f" (run {cell['run_id']})" if cell.get("run_id") else ""))
    return EXIT_OK


def _day(value: str) -> date:
    """argparse type for --date: a real calendar day written YYYY-MM-DD."""
    try:
        if not _DAY_RE.match(value):
            raise ValueError("write it as YYYY-MM-DD")
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day YYYY-MM-DD ({exc})") from None


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and the documented usage exit code."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


VERBOSE_HELP = "log progress and show tracebacks on stderr"


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree for the newslake command."""
    parser = _Parser(prog="newslake", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="sources.yaml to use (default: $NEWSLAKE_SOURCES or the bundled one)")
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sources", help="list and validate the configured sources")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_sources)

    p = sub.add_parser("extract", help="print the record extracted from a URL or a local HTML file as JSON")
    p.add_argument("target", help="http(s) URL or path to an .html file")
    p.add_argument("--url", help="the page's URL when TARGET is a file")
    p.add_argument("--source", help="source id whose selectors and network rules apply")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("ingest", help="run all stages for one source and day (same output as the DAG)")
    p.add_argument("--source", required=True)
    p.add_argument("--date", required=True, type=_day, help="UTC day, YYYY-MM-DD")
    p.add_argument("--replay", action="store_true", help="re-extract from the raw zone, no HTTP")
    p.add_argument("--run-id", help="run id recorded in the records (default: cli__DATE__random)")
    p.set_defaults(func=_cmd_ingest)
    p = sub.add_parser("migrate", help="rewrite a source's partitions to the current schema from the raw zone (no HTTP)")
    p.add_argument("--source", required=True)
    p.add_argument("--from", dest="first", type=_day, help="first UTC day, YYYY-MM-DD (default: the oldest)")
    p.add_argument("--to", dest="last", type=_day, help="last UTC day, YYYY-MM-DD (default: the newest)")
    p.add_argument("--force", action="store_true", help="re-extract partitions already at the current schema too")
    p.set_defaults(func=_cmd_migrate)
    p = sub.add_parser("reextract", help="rebuild every partition of sources in a day range from the raw zone (no HTTP)")
    p.add_argument("--source", required=True, action="append", help="source id (repeat for several)")
    p.add_argument("--from", dest="first", required=True, type=_day, help="first UTC day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, type=_day, help="last UTC day, YYYY-MM-DD")
    p.set_defaults(func=_cmd_reextract)
    p = sub.add_parser("source", help="onboard a source: probe a site, check one day before enabling")
    source_sub = p.add_subparsers(dest="source_command", required=True)
    q = source_sub.add_parser("probe", help="discover a site's feeds/sitemaps, extract a few articles, propose an entry")
    q.add_argument("url", help="the site's homepage (http or https)")
    q.add_argument("--id", help="id for the proposed entry (default: from the host name)")
    q.add_argument("--allow-private", action="store_true",
                   help="allow a loopback/private address (a local test site); sets allow_private_network")
    q.add_argument("--delay", type=float, default=1.0, help="seconds between requests (default 1; robots Crawl-delay wins)")
    q.set_defaults(func=_cmd_source_probe)
    q = source_sub.add_parser("check", help="discover and extract one day for a source, without writing to the lake")
    q.add_argument("id", help="source id in sources.yaml (enabled or not)")
    q.add_argument("--date", required=True, type=_day, help="UTC day, YYYY-MM-DD")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_source_check)
    for q in source_sub.choices.values():
        q.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP, default=argparse.SUPPRESS)
    p = sub.add_parser("status", help="the lake status grid (sources x days) from the status index")
    p.add_argument("--source", help="only this source id")
    p.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (default: 31 days before --until)")
    p.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (default: yesterday, UTC)")
    p.add_argument("--json", action="store_true", help="the same JSON the UI page reads")
    p.add_argument("--rebuild-index", action="store_true", help="rebuild the index from the manifests first")
    p.set_defaults(func=_cmd_status)
    for p in sub.choices.values():
        # -v after the command too; SUPPRESS keeps `newslake -v CMD` from being reset to False.
        p.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP, default=argparse.SUPPRESS)
    return parser


def _report(exc: BaseException, verbose: bool) -> int:
    """Print one line for exc (the traceback too with -v) and return its exit code."""
    if verbose:
        traceback.print_exception(exc)
    # S3Store already turned every botocore failure into a NewslakeError naming the endpoint.
    error = exc if isinstance(exc, NewslakeError) else None
    if error is None:
        hint = "" if verbose else "; rerun with -v for the traceback"
        print(f"internal error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return EXIT_INTERNAL
    kind = "config error" if isinstance(error, ConfigError) else _KIND.get(error.exit_code, "error")
    print(f"{kind}: {error}", file=sys.stderr)
    return error.exit_code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `newslake` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except Exception as exc:  # the one place every failure becomes a line and an exit code
        return _report(exc, args.verbose)


def run() -> None:
    """Console-script entry point: main(), then exit with its code without native libraries' teardown."""
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # After a stage fails with GX, SciPy and pyarrow loaded, a native library's static destructors can
    # abort the interpreter's teardown ("terminate called without an active exception", SIGABRT), so
    # a documented exit code such as 5 became 134. Nothing of ours runs at teardown: skip it.
    os._exit(code)


if __name__ == "__main__":
    run()
