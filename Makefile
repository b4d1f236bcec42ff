# wsa_eval: every target builds its own virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
DOCS_STAMP = $(VENV)/.docs-stamp
OUT    ?= gm_report

.PHONY: help install system-deps demo test pytest docs lint bench bench-quick bench-envs bench-r bench-table validate notebooks clean

help:
	@echo "make demo   - install, then run the Greater Manchester case study (writes $(OUT)/)"
	@echo "make test   - install, run the whole test suite (notebooks and doctests included), then build the docs"
	@echo "make pytest - the test suite only"
	@echo "make docs   - build the user guide and API reference into docs/_build/html (fails on any warning)"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks against peer packages, then the README table (~1 h; see benchmarks/README.md)"
	@echo "make bench-quick - the same at small sizes: does every contender install and run? (minutes)"
	@echo "make validate - size/power Monte Carlo study of the inference methods (~25 min)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	@touch $(DOCS_STAMP)

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python examples/greater_manchester.py --out $(OUT)

# Debian's chromium renders the reports in the browser test (tests/test_report_browser.py);
# installed when the machine has apt-get and we are root, otherwise that test is skipped with
# a message saying so (NO_APT=1 never installs).
system-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ -z "$(NO_APT)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the report rendering test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium >/dev/null) || \
	  echo "note: could not install chromium: the report rendering test will be skipped"; \
	else echo "note: chromium not found (apt-get install chromium): the report rendering test will be skipped"; fi

pytest: $(STAMP) system-deps
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n 2

test: pytest docs

# notebooks are rendered from their committed outputs (never executed here); -E rereads
# every page so that a warning anywhere fails every build, not only the first
docs: $(DOCS_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -E -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

# Benchmarks: one virtual environment per peer package under benchmarks/.envs (pinned files in
# benchmarks/envs/), R's survival package from Debian when the machine has apt-get and we are
# root (BENCH_NO_APT=1 skips that; R contenders are then reported as unavailable).
bench-r:
	@if command -v Rscript >/dev/null 2>&1; then :; \
	elif [ -z "$(BENCH_NO_APT)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing R and its survival package (Debian) for the R contenders"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends r-base-core r-cran-survival >/dev/null) || \
	  echo "!!! could not install R: the R contenders will be reported as unavailable"; \
	else echo "!!! Rscript not found: the R contenders will be reported as unavailable"; fi

bench-envs: bench-r
	$(PYTHON) benchmarks/envs/build.py

bench: bench-envs
	$(PYTHON) benchmarks/run_all.py

bench-quick: bench-envs
	$(PYTHON) benchmarks/run_all.py --quick

bench-table:
	$(PYTHON) benchmarks/make_table.py

validate: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python validation/size_power.py --all --jobs 2

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build dist benchmarks/.envs docs/_build docs/api docs/notebooks
