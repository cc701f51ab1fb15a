"""`newslake` command line: the same stage code as the DAG, without Airflow."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from newslake.config import ConfigError, SourceConfig, get_source, load_sources


def _cmd_sources(args) -> int:
    sources = load_sources(args.config)
    if args.json:
        print(json.dumps([{"id": s.id, "name": s.name, "enabled": s.enabled, "base_url": s.base_url} for s in sources]))
        return 0
    print(f"{'id':<16} {'enabled':<8} {'languages':<10} {'dag':<20} base_url")
    for s in sources:
        print(f"{s.id:<16} {str(s.enabled).lower():<8} {','.join(s.languages):<10} {'news_' + s.id:<20} {s.base_url}")
    print(f"{len(sources)} source(s) valid in {args.config or 'the default sources.yaml'}")
    return 0


def _source_for_url(url: str, config: str | None) -> SourceConfig | None:
    host = urlsplit(url).hostname
    for source in load_sources(config):
        if source.is_allowed_host(host):
            return source
    return None


def _cmd_extract(args) -> int:
    from newslake.extraction import extract_article

    target = args.target
    source = get_source(args.source, args.config) if args.source else None
    if urlsplit(target).scheme in ("http", "https"):
        from newslake.fetching import Fetcher

        source = source or _source_for_url(target, args.config)
        if source is None:
            print(f"error: {target} belongs to no configured source; pass --source ID", file=sys.stderr)
            return 2
        with Fetcher(source) as fetcher:
            result = fetcher.fetch(target)
        if result.body is None:
            print(f"error: {target}: {result.outcome.value} ({result.error or result.status})", file=sys.stderr)
            return 1
        html, url, headers = result.body, result.final_url, result.headers
    else:
        path = Path(target)
        if not path.is_file():
            print(f"error: {target} is neither an http(s) URL nor a file", file=sys.stderr)
            return 2
        html, url, headers = path.read_bytes(), args.url or path.resolve().as_uri(), None
    article = extract_article(html, url, source=source, headers=headers)
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _cmd_ingest(args) -> int:
    from newslake.errors import NewslakeError
    from newslake.pipeline import RunContext, day_interval, run_all
    from newslake.storage import StorageSettings, open_store

    source = get_source(args.source, args.config)
    start, end = day_interval(date.fromisoformat(args.date))
    run_id = args.run_id or f"cli__{args.date}__{uuid.uuid4().hex[:8]}"
    ctx = RunContext(source=source, start=start, end=end, run_id=run_id, store=open_store(StorageSettings.from_env()))
    try:
        report = run_all(ctx, replay=args.replay)
    except NewslakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(report, indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree for the newslake command."""
    parser = argparse.ArgumentParser(prog="newslake", description=__doc__)
    parser.add_argument("--config", help="sources.yaml to use (default: $NEWSLAKE_SOURCES or the bundled one)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
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
    p.add_argument("--date", required=True, help="UTC day, YYYY-MM-DD")
    p.add_argument("--replay", action="store_true", help="re-extract from the raw zone, no HTTP")
    p.add_argument("--run-id", help="run id recorded in the records (default: cli__DATE__random)")
    p.set_defaults(func=_cmd_ingest)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `newslake` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
