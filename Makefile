# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test demo bench mutation clean

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

# Three workers (pytest-xdist) on the machines' two cores: many tests wait on other
# processes (SSH, pseudo-terminals, PostgreSQL), and two workers left the CPUs a quarter
# idle (5 min 20 s against 7 min 18 s for the same suite). PYTEST_ARGS="-n 0" for one.
test: $(STAMP)
	$(PY) -m pytest -q -n 3 $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Mutation testing of the money-moving modules of rules/ ([tool.mutmut] in pyproject.toml,
# scores and survivors in tests/README.md). Not part of `make test`: ~an hour on two cores.
# MUTANTS="rules.money*" for one module; the results stay in mutants/ and a second run
# only re-tests what changed. SQLite only: the PostgreSQL variables are dropped.
MUTANTS ?=
MUTATION_STAMP := $(VENV)/.installed-mutation

$(MUTATION_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	env -u MILESTONES_TEST_PG -u CI nice $(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(PY) tests/mutation_report.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache mutants
