# Set-up and entry points. `make run` and `make test` work on a fresh machine with only Python.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := screener/samples/du_thao_nghi_dinh_mau.txt
PORT ?= 8501

.PHONY: run test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

run: install
	$(BIN)/screener parse $(SAMPLE) --format text

test: install-test
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/structure_gold.py
	$(BIN)/python benchmarks/documents.py

clean:
	rm -rf $(VENV) build *.egg-info
