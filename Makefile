# scaling-audit: `make` builds the environment, verifies the data, runs every replication and builds the report;
# `make test` runs the test suite. Variables: PYTHON (interpreter for the venv), MIRROR (data mirror directory,
# default ../shared/datasets when present), JOBS (worker processes for bootstrap chunks), N_BOOT (override the
# bootstrap count of every paper, for quick runs; the report records the count used).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
export SCALING_AUDIT_JOBS := $(JOBS)
ifdef MIRROR
export SCALING_AUDIT_MIRROR := $(MIRROR)
endif
ifdef N_BOOT
export SCALING_AUDIT_N_BOOT := $(N_BOOT)
endif

PAPERS   := $(patsubst papers/%/paper.yaml,%,$(wildcard papers/*/paper.yaml))
RESULTS  := $(PAPERS:%=build/%/result.json)
# Code that only assembles the report (or the command line) does not change any result: editing it rebuilds the
# report, not the replications.
REPORTING := $(wildcard replication/checklist/*.py) $(addprefix replication/report/,build.py pages.py tables.py \
             cross_paper.py provenance.py) replication/cli.py
LIBRARY  := $(filter-out $(REPORTING),$(shell find replication -name '*.py')) pyproject.toml
DATAMETA := $(wildcard datasets/*/dataset.yaml)

.PHONY: all env data replicate report test clean bench
.DELETE_ON_ERROR:

all: report

env: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

data: build/.data-verified
build/.data-verified: $(DATAMETA) | $(VENV)/.installed
	mkdir -p build
	$(BIN)/python -m replication verify-data
	touch $@

replicate: $(RESULTS)
# A paper without data has no replicate.py; its result holds its claims only.
.SECONDEXPANSION:
build/%/result.json: papers/%/paper.yaml $$(wildcard papers/%/replicate.py) $(LIBRARY) $(DATAMETA) build/.data-verified | $(VENV)/.installed
	$(BIN)/python -m replication run $*

# The report records the code commit, so it is rebuilt when HEAD moves even if no result changed.
build/.commit: FORCE | $(VENV)/.installed
	@mkdir -p build
	@c=$$(git rev-parse HEAD 2>/dev/null; git status --porcelain --untracked-files=no 2>/dev/null | head -c 200); \
	 if [ "$$c" != "$$(cat $@ 2>/dev/null)" ]; then echo "$$c" > $@; fi

# Digitised point sets and the digitiser's validation (figures read, refits on each calibration), for the report.
DIGITISED := build/digitised/validation.json
$(DIGITISED): $(LIBRARY) $(DATAMETA) papers/hoffmann2022training/paper.yaml papers/besiroglu2024chinchilla/paper.yaml build/.data-verified | $(VENV)/.installed
	$(BIN)/python -m replication.report.digitised_results

report: report/index.html
report/index.html: $(RESULTS) $(DIGITISED) build/.commit $(wildcard papers/*/paper.yaml papers/*/checklist.yaml) replication/checklist/items.yaml \
                   $(REPORTING)
	$(BIN)/python -m replication report

test: $(VENV)/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf build report

# make review PAPER=<bibkey> [FIGURE=<pdf or svg> [PAGE=N]]: scaffold papers/<bibkey>/ if new, validate it, write
# report/reviews/<bibkey>.md; with FIGURE, digitise the figure into papers/<bibkey>/digitised/. The variables reach
# the recipe through the environment and are quoted there, so no value can run a command.
.PHONY: review
review: | $(VENV)/.installed
	@test -n "$$PAPER" || { echo "usage: make review PAPER=<bibkey> [FIGURE=<pdf> [PAGE=N]]"; exit 2; }
	$(BIN)/python -m replication review "$$PAPER"
	@if [ -n "$$FIGURE" ]; then $(BIN)/python -m replication digitise "$$FIGURE" --page "$${PAGE:-1}" --paper "$$PAPER"; fi

.PHONY: FORCE
FORCE:

# Benchmarks: the engine against a per-start scipy reference (see benchmarks/bench.py); not part of the tests.
bench: $(VENV)/.installed build/.data-verified
	$(BIN)/python -m benchmarks.bench
