"""DAG parsing cost as the DAG processor pays it: each file in a fresh process with Airflow imported.

With N sources configured (default 20: copies of the demo entry under other ids), every file in
`dags/` is parsed the way `airflow dag-processor` does it (a BundleDagBag for that one file, then
the DAGs serialized), in a fresh interpreter that has already imported `airflow.sdk` and the
processor, so the figure is what the DAG file itself costs. Beside them, a floor file of the same
shape (N DAGs of four chained tasks that do nothing, no params, no callbacks) shows what Airflow
itself charges for that many DAGs. Each measurement is repeated and the median counts; wall and CPU
time are both given because CPU time is the steadier figure on a shared machine. Bytecode is cached
(in a private pycache) as in an installed deployment, and one untimed run per file warms it.
Prints a table and a final JSON line.

    .venv/bin/python bench/bench_parse.py [--sources 20] [--repeat 5]

Targets (issue "Throughput"): each file <= 50 ms, the whole folder <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"
SOURCES = ROOT / "include" / "config" / "sources.yaml"
FILE_TARGET_MS = 50.0
FOLDER_TARGET_S = 0.5

# Runs in the child: Airflow and the processor are imported first (not timed), then the file is parsed.
CHILD = r"""
import json, sys, time
from pathlib import Path
import airflow.sdk  # noqa: F401  (the processor has this imported before it parses anything)
import structlog
from airflow.dag_processing.processor import _serialize_dags
from airflow.dag_processing.dagbag import BundleDagBag

target = Path(sys.argv[1])
started, started_cpu = time.perf_counter(), time.process_time()
bag = BundleDagBag(dag_folder=str(target), bundle_path=target if target.is_dir() else target.parent,
                   bundle_name="bench", load_op_links=False)
parsed, parsed_cpu = time.perf_counter(), time.process_time()
serialized, errors = _serialize_dags(bag, structlog.get_logger())
done, done_cpu = time.perf_counter(), time.process_time()
print(json.dumps({"parse_s": parsed - started, "serialize_s": done - parsed, "cpu_s": done_cpu - started_cpu,
                  "dags": len(bag.dags), "import_errors": {**bag.import_errors, **errors}}))
"""

# Airflow's own cost for the same number of DAGs of the same shape: tasks that do nothing.
FLOOR = '''"""Floor for bench_parse.py: {count} airflow DAGs of four chained tasks that do nothing."""
from airflow.sdk import DAG, task

for n in range({count}):
    with DAG(dag_id=f"floor_{{n}}", schedule="0 0 * * *", catchup=False) as dag:

        @task(task_id="discover")
        def discover() -> dict:
            return {{}}

        @task(task_id="fetch")
        def fetch(handed: dict) -> dict:
            return handed

        @task(task_id="extract_validate")
        def extract_validate(handed: dict) -> dict:
            return handed

        @task(task_id="publish")
        def publish(handed: dict) -> dict:
            return handed

        publish(extract_validate(fetch(discover())))
    globals()[f"floor_{{n}}"] = dag
'''


def write_sources(count: int, folder: Path) -> Path:
    """A sources.yaml holding `count` enabled copies of the bundled demo entry, ids demo, demo2, ..."""
    document = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    demo = next(s for s in document["sources"] if s["id"] == "demo")
    entries = []
    for n in range(count):
        entry = dict(demo, id="demo" if n == 0 else f"demo{n + 1}", enabled=True)
        entry.pop("end_date", None)
        entries.append(entry)
    document["sources"] = entries
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def child_env(home: Path, sources: Path) -> dict[str, str]:
    """The environment of a DAG processor child: a private AIRFLOW_HOME, our sources file, no examples."""
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "NEWSLAKE_SOURCES": str(sources),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), env.get("PYTHONPATH", "")]),
        # A deployment has its bytecode compiled; without this every run would pay compile() again.
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    })
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(target: Path, env: dict[str, str], repeat: int) -> dict:
    """Median parse, serialize and CPU milliseconds for one file or folder over `repeat` fresh processes (after one untimed)."""
    runs = []
    for _ in range(repeat + 1):
        out = subprocess.run([sys.executable, "-c", CHILD, str(target)], env=env, check=True,
                             capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if runs[-1]["import_errors"]:
        raise SystemExit(f"{target.name}: import errors: {runs[-1]['import_errors']}")
    timed = runs[1:]  # the first run writes the bytecode cache

    def median_ms(key: str) -> float:
        return round(statistics.median(r[key] for r in timed) * 1000, 1)

    return {
        "parse_ms": median_ms("parse_s"),
        "serialize_ms": median_ms("serialize_s"),
        "total_ms": round(statistics.median((r["parse_s"] + r["serialize_s"]) for r in timed) * 1000, 1),
        "cpu_ms": median_ms("cpu_s"),
        "dags": runs[-1]["dags"],
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every DAG file and the folder; print the table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20, help="configured sources (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per measurement (median counts)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newslake-bench-parse-") as tmp:
        home = Path(tmp)
        env = child_env(home, write_sources(args.sources, home))
        floor_file = home / "floor" / "floor_dags.py"
        floor_file.parent.mkdir()
        floor_file.write_text(FLOOR.format(count=args.sources), encoding="utf-8")
        files = {path.name: measure(path, env, args.repeat) for path in sorted(DAGS.glob("*.py"))}
        folder = measure(DAGS, env, args.repeat)
        floor = measure(floor_file, env, args.repeat)

    print(f"DAG parsing with {args.sources} sources, median of {args.repeat} fresh processes "
          f"(airflow.sdk imported beforehand, not counted)")
    print(f"{'file':<32}{'dags':>6}{'parse ms':>11}{'serialize ms':>14}{'total ms':>10}{'cpu ms':>9}   target")
    rows = {**files, f"(floor: {floor_file.name})": floor}
    for name, row in rows.items():
        verdict = "ok" if row["total_ms"] <= FILE_TARGET_MS else f"over {FILE_TARGET_MS:.0f} ms"
        print(f"{name:<32}{row['dags']:>6}{row['parse_ms']:>11.1f}{row['serialize_ms']:>14.1f}"
              f"{row['total_ms']:>10.1f}{row['cpu_ms']:>9.1f}   {verdict}")
    per_file_sum = sum(r["total_ms"] for r in files.values()) / 1000
    one_process = folder["total_ms"] / 1000
    print(f"whole folder: {per_file_sum:.3f} s as the processor does it (one process per file), "
          f"{one_process:.3f} s in one process; target {FOLDER_TARGET_S} s")
    print(json.dumps({"bench": "parse", "sources": args.sources, "files": files, "floor": floor,
                      "folder_per_file_s": round(per_file_sum, 3), "folder_one_process_s": round(one_process, 3),
                      "load_average": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
