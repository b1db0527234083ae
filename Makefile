# scaling-law-audit: `make` builds the environment, runs every replication that is out of date (in one process, each
# paper isolated and time-limited), builds the report, and then fails if any paper failed, naming them. `make test`
# runs the test suite on the results `make` built (bringing them up to date first). Variables: PYTHON (interpreter for
# the venv), MIRROR (data mirror directory, default ../shared/datasets when present), JOBS (worker processes for
# bootstrap chunks), N_BOOT (override the bootstrap count of every paper, for quick runs; the report records the count
# used, and a later run without it reruns those papers), TIME_LIMIT (seconds one paper may take, default 300; 0:
# none), DASK_SCHEDULER (run the parallel work on that Dask cluster, e.g. tcp://host:8786), K and B (coverage study:
# simulated datasets per main fit, default 10, and bootstrap resamples per dataset, default 25; see `make
# robustness`).
# Recipes never paste a variable's value into a shell command line: values reach the suite through the environment.

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
ifdef TIME_LIMIT
export SCALING_AUDIT_TIME_LIMIT := $(TIME_LIMIT)
endif
ifdef K
export SCALING_AUDIT_COVERAGE_K := $(K)
endif
ifdef B
export SCALING_AUDIT_COVERAGE_B := $(B)
endif
ifdef DASK_SCHEDULER
export SCALING_AUDIT_DASK_SCHEDULER := $(DASK_SCHEDULER)
endif
export PAPER FIGURE PAGE
# glibc's allocator: arrays up to 64 MiB come from the heap and up to 256 MiB of freed heap is kept, instead of every
# temporary of about a megabyte (one row of a bootstrap chunk's points) being mapped, faulted in page by page and
# unmapped again; about a tenth off the bootstrap refits, no effect on any number. Other allocators ignore these.
export MALLOC_MMAP_THRESHOLD_ ?= 67108864
export MALLOC_TRIM_THRESHOLD_ ?= 268435456

.PHONY: all env data replicate report test clean bench robustness
.DELETE_ON_ERROR:

# The report is built first; then `make` exits non-zero if any paper failed (`replication failures` names them).
all: report/index.html
	@$(BIN)/python -m replication failures

env: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Verify every data file (also done by each run, which fails only the papers that use a bad file).
data: | $(VENV)/.installed
	$(BIN)/python -m replication verify-data

# One process runs every paper whose result is missing, unreadable or out of date (inputs, library, data
# verification or bootstrap override changed). It exits 1 when a paper failed, which must not stop the report;
# any other status (a bad setting) stops make. build/.report-inputs changes only when something the report is
# built from changed, so the report is rebuilt only then.
replicate: build/.report-inputs
build/.report-inputs: FORCE | $(VENV)/.installed
	@$(BIN)/python -m replication run --stale --stamp $@ || [ $$? -eq 1 ]

# Digitised point sets and the digitiser's validation (figures read, refits on each calibration), for the report.
# `replication run --stale` computes it in its worker pool beside the papers when it is out of date, so this rule
# usually finds it current; it computes it here otherwise (one paper asked for, JOBS=1, a Dask cluster).
# DIGITISER_VALIDATION=0 leaves it out (about 35 s of work); the report then shows the section as not computed.
ifeq ($(DIGITISER_VALIDATION),0)
DIGITISED :=
export SCALING_AUDIT_DIGITISER_VALIDATION := 0
else
DIGITISED := build/digitised/validation.json
$(DIGITISED): $(shell find replication -name '*.py') $(wildcard datasets/*/dataset.yaml) pyproject.toml requirements.lock \
              $(wildcard papers/hoffmann2022training/paper.yaml papers/besiroglu2024chinchilla/paper.yaml) | $(VENV)/.installed
	@$(BIN)/python -m replication.report.digitised_results || \
	 echo "digitised: the validation step failed (above); the report shows the section as not computed"
endif

report: report/index.html
report/index.html: build/.report-inputs $(DIGITISED)
	$(BIN)/python -m replication report

# The end-to-end tests read the papers' results from build/ (tests/conftest.py): the replications are brought up to
# date first, exactly as `make` does (after `make` nothing reruns), then the suite runs.
test: build/.report-inputs | $(VENV)/.installed
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

# The full coverage study: `make robustness K=1000 [B=200]` reruns every paper with K simulated datasets per main
# fit (B bootstrap resamples each; defaults 1000 and 200 here, 10 and 25 in a plain make), locally over JOBS workers
# or on the Dask cluster of DASK_SCHEDULER, then rebuilds the report (tables/coverage.csv).
robustness: | $(VENV)/.installed
	@SCALING_AUDIT_COVERAGE_K="$${SCALING_AUDIT_COVERAGE_K:-1000}" SCALING_AUDIT_COVERAGE_B="$${SCALING_AUDIT_COVERAGE_B:-200}" \
	 SCALING_AUDIT_SCRIPT_MULTIVERSE="$${SCALING_AUDIT_SCRIPT_MULTIVERSE:-all}" \
	 SCALING_AUDIT_PROGRESS="$${SCALING_AUDIT_PROGRESS:-1}" SCALING_AUDIT_TIME_LIMIT="$${SCALING_AUDIT_TIME_LIMIT:-0}" $(BIN)/python -m replication run --stale || [ $$? -eq 1 ]
	$(BIN)/python -m replication report

# Benchmarks: the engine against a per-start scipy reference (see benchmarks/bench.py); not part of the tests.
bench: $(VENV)/.installed
	$(BIN)/python -m replication verify-data
	$(BIN)/python -m benchmarks.bench
