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

# pytest's exit status 5 means it collected no tests: a failure, said out loud (make's own status is then 2).
test: $(STAMP)
	$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$status

test-fast: $(STAMP)
	$(PY) -m pytest -m "not flow and not browser and not slow"

bench: $(STAMP)
	for b in crawl parsing coding network faults flows; do $(PY) benchmarks/$$b.py || exit 1; done

check-deployments: $(STAMP)
	bash scripts/check_deployments.sh

clean:
	rm -rf $(VENV) data/demo .prefect
