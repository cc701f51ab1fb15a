"""What `make demo` tells a new user before and after each phase (scripts/demo.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from datetime import date

import pytest
from newslake_dev.devstack import AIRFLOW_COMPONENTS, ROOT, StackConfig


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("demo_script", ROOT / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pretend_running(cfg: StackConfig) -> None:
    """Pid files of every component pointing at a live process (this one)."""
    (cfg.run_dir / "seaweed").mkdir(parents=True)
    for pidfile in [cfg.run_dir / "seaweed" / "weed.pid",
                    *(cfg.run_dir / f"{n}.pid" for n in ("demo-site", "postgres", *AIRFLOW_COMPONENTS))]:
        pidfile.write_text(f"{os.getpid()}\n")


def test_start_message_says_first_start_only_on_a_fresh_run_dir(demo, tmp_path):
    cfg = StackConfig(run_dir=tmp_path / "run", metadb="postgres")
    timings = dict(demo.DEFAULT_TIMINGS)
    assert "first start" in demo.start_message(cfg, timings)
    (cfg.run_dir / "airflow").mkdir(parents=True)
    restart = demo.start_message(cfg, timings)
    assert "first start" not in restart and "data kept" in restart
    _pretend_running(cfg)
    assert demo.start_message(cfg, timings) == "[2/4] the stack is already running: reusing it"


def test_estimates_come_from_the_last_measured_run(demo, tmp_path):
    cfg = StackConfig(run_dir=tmp_path, metadb="postgres")
    days = [date(2026, 11, 16 + i) for i in range(6)]
    assert demo.load_timings(cfg) == demo.DEFAULT_TIMINGS
    demo.save_timings(cfg, {**demo.DEFAULT_TIMINGS, "backfill_day": 60.0})
    assert (tmp_path / "demo-timings.json").read_text().endswith("\n")
    assert "about 6 min" in demo.backfill_message(days, demo.load_timings(cfg))


def test_legend_explains_the_counts_and_the_run_dates(demo):
    for phrase in ("a 404", "robots.txt disallows", "a 500", "without a date", "a stub", "neighbouring day",
                   "AMP duplicate", "logical date is D", "dt=2026-11-16 is run backfill__2026-11-17"):
        assert phrase in demo.LEGEND, phrase


def test_make_shell_puts_newslake_on_path():
    out = subprocess.run(["make", "-s", "shell"], cwd=ROOT, input="command -v newslake; echo $NEWSLAKE_BUCKET\n",
                         capture_output=True, text=True, timeout=120, env={**os.environ, "SHELL": "/bin/bash"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[-2:] == [str(ROOT / ".venv" / "bin" / "newslake"), "newslake"], out.stdout
