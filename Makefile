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

# the review app; it opens the bundled sample draft ($(SAMPLE)) until a draft is uploaded
run: install
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Debian packages the tests need: Chromium for the browser test, Tesseract for OCR
DEB_PACKAGES := chromium chromium-driver tesseract-ocr tesseract-ocr-vie
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
test: install-test
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "note: cannot install $$missing (no apt-get): the tests that need them will be skipped"; fi; \
	fi
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/structure_gold.py
	$(BIN)/python benchmarks/documents.py

clean:
	rm -rf $(VENV) build *.egg-info
