# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# `make run` is for trying it out: a demo database of its own, filled once (a database you
# name yourself is never filled behind your back).
DEMO_DB ?= sqlite:///$(CURDIR)/demo.db

run: $(STAMP)
	$(VENV)/bin/milestones --db $(DEMO_DB) demo --if-empty
	$(VENV)/bin/milestones --db $(DEMO_DB) $(ARGS)

demo: $(STAMP)
	$(VENV)/bin/milestones --db $(DEMO_DB) demo $(ARGS)

# Two workers (pytest-xdist): the machines have two cores. PYTEST_ARGS="-n 0" for one.
test: $(STAMP)
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
