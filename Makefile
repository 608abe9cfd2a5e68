# Two commands: `make demo` and `make test`. Each sets itself up from the project's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench check-deployments clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==0.13.8"
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/healthcoop demo

test: $(STAMP)
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not flow and not browser and not slow"

bench: $(STAMP)
	for b in crawl parsing coding network faults flows; do $(PY) benchmarks/$$b.py || exit 1; done

check-deployments: $(STAMP)
	bash scripts/check_deployments.sh

clean:
	rm -rf $(VENV) data/demo .prefect
