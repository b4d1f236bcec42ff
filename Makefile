# wsa_eval: every target builds its own virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
DOCS_STAMP = $(VENV)/.docs-stamp
OUT    ?= gm_report

.PHONY: help install demo test docs lint bench validate notebooks clean

help:
	@echo "make demo   - install, then run the Greater Manchester case study (writes $(OUT)/)"
	@echo "make test   - install, then run the whole test suite (notebooks and doctests included)"
	@echo "make docs   - build the user guide and API reference into docs/_build/html (fails on any warning)"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmarks against peer packages (installs them; slow)"
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

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n 2

# notebooks are rendered from their committed outputs (never executed here); -E rereads
# every page so that a warning anywhere fails every build, not only the first
docs: $(DOCS_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -E -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	MPLBACKEND=Agg $(BIN)/python benchmarks/run_all.py

validate: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python validation/size_power.py --all --jobs 2

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build dist docs/_build docs/api docs/notebooks
