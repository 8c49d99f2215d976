# The two commands a newcomer needs: `make run` and `make test` (docs/design.md §3.1).
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PORT   ?= 5000
PYTHON ?= python3

.PHONY: run test test-quick bench mutation messages translations check clean-instance production-check

# Coverage on every `make test`; its floor (pyproject.toml) and the per-file floor apply when nothing is skipped.
STRICT := $(filter 1,$(REQUIRE_ALL))
COVERAGE := --cov --cov-report=term:skip-covered $(if $(STRICT),,--cov-fail-under=0)
# Two pytest workers (pytest-xdist), one per core; a test file stays on one worker (module fixtures are built once).
WORKERS ?= 2
PARALLEL := $(if $(filter-out 0 1,$(WORKERS)),-n $(WORKERS) --dist loadfile)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Message catalogues compiled, and our modules' bytecode written ahead (as a deployment would), so that a process
# started with PYTHONDONTWRITEBYTECODE set does not compile every module again at each start.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d whitepaper/translations 2>&1 | grep -v "^compiling" || true
	$(PY) -m compileall -q whitepaper wsgi.py >/dev/null

run: translations
	$(FLASK) db upgrade
	$(FLASK) catalog load
	$(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops it)"
	PORT=$(PORT) $(PY) -m whitepaper.serve

test: translations
	rm -f .coverage .coverage.*
	$(PY) -m pytest $(PARALLEL) $(COVERAGE) $(PYTEST_ARGS)
	$(if $(STRICT),$(PY) -m tests.coverage_floor 85)

# The quick run: everything but the exhaustive sweeps (marked slow), no coverage.
test-quick: translations
	$(PY) -m pytest $(PARALLEL) -m "not slow" $(PYTEST_ARGS)

# Mutation testing of the pure cores ([tool.mutmut] in pyproject.toml says what is mutated and which tests run);
# not in CI: it takes a while (about 15 minutes on 2 cores). Prints the counts per module and the score, and
# fails below MUTATION_FLOOR % or when the run did not finish (tests/mutation_score.py).
MUTATION_CHILDREN ?= 2
MUTATION_FLOOR ?= 90
$(VENV)/.mutation-installed: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test,mutation]'
	touch $@

mutation: translations $(VENV)/.mutation-installed
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN)
	$(VENV)/bin/mutmut results --all true > mutants/results.txt
	$(VENV)/bin/mutmut export-cicd-stats
	$(PY) -m tests.mutation_score mutants/results.txt --stats mutants/mutmut-cicd-stats.json \
	  --fail-under $(MUTATION_FLOOR)

# Every bench/bench_*.py, or those named in ARGS (make bench ARGS=bench_pdf); writes bench/results.json.
bench: translations
	$(PY) -m bench.run $(ARGS)

# The production recipe run for real (deploy/production_check.py): a throwaway PostgreSQL on 127.0.0.1,
# gunicorn (deploy/gunicorn.conf.py) and the worker in production mode, a smoke journey over HTTP, all stopped.
production-check: translations
	$(PY) -m deploy.production_check

# Re-extract the interface strings and merge them into the Spanish catalogue (then translate what is new).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --omit-header \
	  -o whitepaper/translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update --init-missing --no-fuzzy-matching --ignore-obsolete \
	  -i whitepaper/translations/messages.pot -d whitepaper/translations -l es

check: translations
	$(FLASK) catalog check
