"""Multilingual date bench: accuracy per language of newslake's date reading and of dateparser alone.

Reads tests/fixtures/dates/regional_dates.json (dates as Central Asian outlets print them, with the
site's timezone and the fetch time that relative dates count from) and prints one row per language
and reader, then a final JSON line. `--baseline FILE` also scores another dates.py (e.g. main's).

    .venv/bin/python bench/bench_dates.py
    .venv/bin/python bench/bench_dates.py --baseline /work/main/include/newslake/extraction/dates.py -v
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "include"))

from newslake.extraction.dates import parse_datetime, reading_dates  # noqa: E402

CASES = ROOT / "tests" / "fixtures" / "dates" / "regional_dates.json"
_DATEPARSER_CODES = {"uz": ["uz", "uz-Cyrl"], "tg": ["ru"], "tk": ["en"]}  # dateparser has no tg or tk


def matches(value: datetime | None, expected: str) -> bool:
    """True when value is the expected UTC day (date-only labels) or the expected UTC minute."""
    if value is None:
        return False
    value = value.astimezone(UTC)
    if "T" in expected:
        return value.strftime("%Y-%m-%dT%H:%M") == expected
    return value.date().isoformat() == expected


def newslake_reader(case: dict) -> datetime | None:
    """newslake's parse_datetime in the source's timezone, counting relative dates from the fetch."""
    with reading_dates(case["timezone"], now=datetime.fromisoformat(case["fetched_at"]), languages=(case["lang"],)):
        return parse_datetime(case["text"])


def newslake_utc_reader(case: dict) -> datetime | None:
    """The same without the source's timezone (offset-less times taken as UTC, as before)."""
    with reading_dates(None, now=datetime.fromisoformat(case["fetched_at"]), languages=(case["lang"],)):
        return parse_datetime(case["text"])


def dateparser_reader(case: dict) -> datetime | None:
    """dateparser.parse alone, given the language, timezone and reference time."""
    import dateparser

    zone = ZoneInfo(case["timezone"])
    now = datetime.fromisoformat(case["fetched_at"]).astimezone(zone).replace(tzinfo=None)
    langs = _DATEPARSER_CODES.get(case["lang"], [case["lang"]])
    settings = {"DATE_ORDER": "DMY", "RELATIVE_BASE": now, "PREFER_DATES_FROM": "past"}
    try:
        value = dateparser.parse(case["text"], languages=langs, settings=settings)
    except Exception:
        return None
    if value is None:
        return None
    if "T" not in case["expected"]:
        return value.replace(tzinfo=UTC)  # a day: compare the calendar day dateparser read
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def baseline_reader(path: Path):
    spec = importlib.util.spec_from_file_location("baseline_dates", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return lambda case: module.parse_datetime(case["text"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another dates.py to score (e.g. main's)")
    parser.add_argument("-v", action="store_true", help="list every miss")
    args = parser.parse_args()
    cases = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    readers = {"newslake": newslake_reader, "newslake-utc": newslake_utc_reader, "dateparser": dateparser_reader}
    if args.baseline:
        readers["baseline"] = baseline_reader(args.baseline)
    langs = sorted({c["lang"] for c in cases})
    figures: dict[str, dict] = {}
    print(f"{len(cases)} cases; accuracy = share read to the expected UTC day (date-only) or minute")
    print(f"{'reader':<14}" + "".join(f"{lang:>7}" for lang in langs) + f"{'all':>7}{'ms/date':>9}")
    for name, reader in readers.items():
        hits: dict[str, list[bool]] = defaultdict(list)
        reader(cases[0])  # warm-up: dateparser loads its language data on first use
        started = time.perf_counter()
        for case in cases:
            ok = matches(reader(case), case["expected"])
            hits[case["lang"]].append(ok)
            if args.v and not ok:
                print(f"  miss {name} [{case['lang']}] {case['text']!r}: got {reader(case)}, want {case['expected']}")
        elapsed = (time.perf_counter() - started) * 1000 / len(cases)
        per = {lang: sum(h) / len(h) for lang, h in hits.items()}
        total = sum(sum(h) for h in hits.values()) / len(cases)
        figures[name] = {"accuracy": round(total, 3), "per_language": {k: round(v, 3) for k, v in per.items()},
                         "ms_per_date": round(elapsed, 2)}
        print(f"{name:<14}" + "".join(f"{per[lang]:>7.0%}" for lang in langs) + f"{total:>7.0%}{elapsed:>9.2f}")
    print(json.dumps({"bench": "dates", "cases": len(cases), "readers": figures}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
