# The two commands a newcomer needs: `make run` and `make test` (docs/design.md §3.1).
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PORT   ?= 5000
PYTHON ?= python3

.PHONY: run test test-quick bench messages translations check clean-instance

# Coverage on every `make test`; its floor (pyproject.toml) and the per-file floor apply when nothing is skipped.
STRICT := $(filter 1,$(REQUIRE_ALL))
COVERAGE := --cov --cov-report=term:skip-covered $(if $(STRICT),,--cov-fail-under=0)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d whitepaper/translations 2>&1 | grep -v "^compiling" || true

run: translations
	$(FLASK) db upgrade
	$(FLASK) catalog load
	$(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops it)"
	PORT=$(PORT) $(PY) -m whitepaper.serve

test: translations
	rm -f .coverage .coverage.*
	$(PY) -m pytest $(COVERAGE) $(PYTEST_ARGS)
	$(if $(STRICT),$(PY) -m tests.coverage_floor 85 --report-only)

# The quick run: everything but the exhaustive sweeps (marked slow), no coverage.
test-quick: translations
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

bench: translations
	$(PY) -m bench.run

# Re-extract the interface strings and merge them into the Spanish catalogue (then translate what is new).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --omit-header \
	  -o whitepaper/translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update --init-missing --no-fuzzy-matching --ignore-obsolete \
	  -i whitepaper/translations/messages.pot -d whitepaper/translations -l es

check: translations
	$(FLASK) catalog check
