# wsa_eval: every target builds its own virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
OUT    ?= gm_report

.PHONY: help install demo test lint bench bench-engine validate notebooks clean

help:
	@echo "make demo   - install, then run the Greater Manchester case study (writes $(OUT)/)"
	@echo "make test   - install, then run the whole test suite (notebooks included)"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks against peer packages (installs them; slow)"
	@echo "make bench-engine - linked data at scale: DuckDB and Spark (writes ~2 GB to /tmp)"
	@echo "make validate - size/power Monte Carlo study of the inference methods (~25 min)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python examples/greater_manchester.py --out $(OUT)

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	MPLBACKEND=Agg $(BIN)/python benchmarks/run_all.py

bench-engine: $(STAMP)
	$(BIN)/python benchmarks/engine/run.py --data /tmp/wsa_bench

validate: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python validation/size_power.py --all --jobs 2

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build dist
