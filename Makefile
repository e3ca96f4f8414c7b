# The two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test quick lint imports bench mutate diagrams setup system docker clean gc

run: setup
	$(VENV)/bin/workbench

test: setup docker imports
	$(PY) -m pytest $(PYTEST_ARGS)

# For iterating: the unit tests only (no Docker, no services started), a few minutes.
quick: setup imports
	$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

lint: setup imports
	$(VENV)/bin/ruff check workbench tests bench labs
	$(VENV)/bin/ruff format --check workbench tests bench
	$(VENV)/bin/mypy

# The import contracts of pyproject.toml (which package may import which; no cycles).
imports: setup
	$(VENV)/bin/lint-imports --no-cache

bench: setup
	$(PY) bench/run_all.py

# Every generated mutant of every lab with a solution, against its checks (long: tens of minutes
# per lab; `bench/bench_mutate.py` projects it), then each lab's kill rate. Reports: .mutate/.
mutate: setup
	@mkdir -p .mutate; status=0; \
	for dir in labs/*/solution; do \
	  lab=$$(basename $$(dirname $$dir)); \
	  $(VENV)/bin/workbench labs mutate $$lab --json .mutate/$$lab.json || status=1; \
	done; \
	$(PY) scripts/kill-rates.py .mutate; \
	exit $$status

diagrams: setup
	$(VENV)/bin/workbench diagram --all-labs --format all -o diagrams

setup: system $(STAMP)

# System packages (graphviz for diagram export, debootstrap for the offline image bakery).
system:
	@scripts/system-packages.sh

# A Docker engine for the Docker runtime tests: installed and started without systemd when we are
# root; otherwise the Docker tests skip (or fail, when WORKBENCH_REQUIRE_DOCKER=1).
docker:
	@scripts/ensure-docker.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

gc: setup
	$(VENV)/bin/workbench gc

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
