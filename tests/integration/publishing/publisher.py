"""One publisher process for the race tests: writes an N-row partition, optionally holding between its writes.

    python publisher.py --rows N --run-id R [--hold-after-data S --marker FILE] [--stale-seconds S]

Storage comes from the NEWSLAKE_S3_ENDPOINT_URL / AWS_* / NEWSLAKE_BUCKET / NEWSLAKE_PREFIX variables.
Exit code: 0 published, else the newslake error's exit code (6 = lost the partition).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from newslake.errors import NewslakeError
from newslake.lake import records_to_table, write_partition
from newslake.storage import StorageSettings, open_store
from newslake.urls import article_id

PART = "articles/source=race/dt=2026-11-18/part-0.parquet"


class HoldAfterData:
    """Store wrapper: after this process's part-0 PUT, touch the marker and sleep (the forced interleave)."""

    def __init__(self, store, hold: float, marker: Path | None):
        self.store, self.hold, self.marker = store, hold, marker

    def __getattr__(self, name):
        return getattr(self.store, name)

    def put(self, key, data, **kwargs):
        etag = self.store.put(key, data, **kwargs)
        if key == PART and self.hold:
            if self.marker:
                self.marker.write_text("data written\n")
            time.sleep(self.hold)
        return etag


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--hold-after-data", type=float, default=0.0)
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--stale-seconds", type=float, default=600.0)
    args = parser.parse_args()
    rows = [
        {"article_id": article_id(f"https://race.example/{args.run_id}/{i}"), "url": f"https://race.example/{i}",
         "title": f"{args.run_id} {i}", "run_id": args.run_id}
        for i in range(args.rows)
    ]
    store = HoldAfterData(open_store(StorageSettings.from_env()), args.hold_after_data, args.marker)
    started = time.monotonic()
    try:
        manifest = write_partition(store, "articles", "race", "2026-11-18", records_to_table(rows),
                                   run_id=args.run_id, stale_seconds=args.stale_seconds)
    except NewslakeError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return exc.exit_code
    print(json.dumps({"run_id": manifest["run_id"], "rows": manifest["rows"],
                      "seconds": round(time.monotonic() - started, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
