# newslake: `make demo` sets everything up and runs the main job; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed

.PHONY: help venv demo up down shell test test-fast lint bench lock clean browser

help:
	@echo "make demo   - install, start PostgreSQL + SeaweedFS + demo site + Airflow, backfill the demo source, print the lake"
	@echo "make test   - lint, then run the whole test suite (starts and stops what it needs)"
	@echo "make up     - start the embedded stack only (NEWSLAKE_METADB=sqlite: Airflow on SQLite instead of PostgreSQL)"
	@echo "make shell  - a shell with newslake/airflow on PATH and the stack's settings"
	@echo "make down   - stop everything 'make demo' started (data stays in .run/)"
	@echo "make lint   - ruff, then mypy over include/newslake"
	@echo "make browser - install Debian's chromium for the UI browser test if missing (as root)"
	@echo "make bench  - extraction / fetching / enrichment / lake status / validation / DAG parsing benchmarks (all: bench/README.md)"

$(STAMP): requirements.txt requirements-dev.txt requirements.lock include/pyproject.toml dev/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	# Compiled now, once: this environment sets PYTHONDONTWRITEBYTECODE=1, and uv writes no .pyc by default,
	# so every Airflow task process would compile Airflow, GX and pandas from source again (seconds each).
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e include/
	# Development-only code (embedded stack, demo site, bench scoring): in the venv, never in the image.
	$(UV) pip install --quiet --python $(PY) --no-deps -e dev/
	touch $(STAMP)

venv: $(STAMP)

# The install line comes first so a first run on a fresh clone says what the wait is for.
demo:
	@export NEWSLAKE_DEMO_T0=$$(date +%s); \
	echo "[1/4] Python packages in .venv (a first install takes about 1 min, longer on a cold download cache)"; \
	$(MAKE) -s venv && $(PY) scripts/demo.py

up: $(STAMP)
	@$(PY) -m newslake_dev.devstack up

shell: $(STAMP)
	@$(PY) -m newslake_dev.devstack shell

down:
	@test -x $(PY) && $(PY) -m newslake_dev.devstack down || echo "nothing to stop (no venv)"

# Three lanes at once on the 2 cores: the end-to-end tests (an Airflow stack per module, mostly waiting on
# the scheduler) split over two lanes by module (tests/lanes.py), and everything else; the e2e lanes'
# reports follow the other's. Any lane failing fails `make test`.
E2E_LANES := e2e-1-of-2 e2e-2-of-2
test: lint browser
	@mkdir -p .run; echo "end-to-end lanes ($(E2E_LANES)) run in the background; their reports follow"; \
	pids=""; for lane in $(E2E_LANES); do \
	  NEWSLAKE_TEST_LANE=$$lane $(PY) -m pytest -m e2e -p no:cacheprovider > .run/test-$$lane.log 2>&1 & pids="$$pids $$!"; \
	done; \
	$(PY) -m pytest -m "not e2e"; rest=$$?; failed=0; \
	echo "waiting for the end-to-end lanes (.run/test-e2e-*.log) ..."; \
	set -- $$pids; for lane in $(E2E_LANES); do \
	  wait $$1; rc=$$?; shift; cat .run/test-$$lane.log; echo "lane $$lane exit $$rc"; test $$rc -eq 0 || failed=1; \
	done; \
	echo "lanes: everything but e2e exit $$rest, e2e lanes $$( [ $$failed = 0 ] && echo passed || echo FAILED)"; \
	test $$rest -eq 0 && test $$failed -eq 0

# The UI test drives Debian's Chromium; Playwright itself comes from requirements-dev.txt (make venv).
CHROMIUM ?= /usr/bin/chromium
browser: $(STAMP)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium + chromium-driver for the browser test (apt-get, about 1 min)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "the browser test needs $(CHROMIUM): run as root: apt-get install -y chromium chromium-driver"; exit 1; \
	  fi; }

test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e and not integration"

lint: $(STAMP)
	$(VENV)/bin/ruff check include dev dags plugins tests bench scripts
	$(VENV)/bin/mypy include/newslake dev/newslake_dev

# The quick benchmarks; the long ones (bench_reextract.py, bench_run_overhead.py: tens of minutes) and
# every script's options are in bench/README.md.
bench: $(STAMP)
	$(PY) bench/bench_extraction.py
	$(PY) bench/bench_fetch.py
	$(PY) bench/bench_enrichment.py
	$(PY) bench/bench_status.py
	$(PY) bench/bench_validation.py
	$(PY) bench/bench_parse.py

lock:
	$(UV) pip compile --quiet --python-version 3.11 requirements.txt requirements-dev.txt -o requirements.lock

clean: down
	rm -rf .run
