# Comunitar — `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv compile-translations translations bench page-budget clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Comunitar needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(BIN)/.installed

compile-translations: venv
	@$(BIN)/pybabel -q compile --statistics -d portal/translations

# Serve the embedded SQLite database (instance/), migrated and filled with demo data.
run: compile-translations
	$(BIN)/flask --app portal migrate
	$(BIN)/flask --app portal demo
	$(BIN)/flask --app portal serve --host $(HOST) --port $(PORT)

# The whole suite: SQLite and PostgreSQL (a throwaway cluster when PostgreSQL is installed),
# browser tests in Debian's Chromium. Skips are reported; with CI=true a skip is a failure.
test: compile-translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-extract messages and merge them into the ro/en catalogs.
translations: venv
	PYBABEL=$(BIN)/pybabel scripts/translations.sh

# Server time and query counts per page (figures go to docs/benchmarks.md).
bench: compile-translations
	$(BIN)/python scripts/bench_pages.py
	$(BIN)/python scripts/bench_register.py
	$(BIN)/python scripts/bench_attendance.py
	$(BIN)/python scripts/bench_results_wrk.py
	$(BIN)/python scripts/bench_shop.py

# Lighthouse on the public pages of a running demo (needs Chromium and npm).
page-budget: compile-translations
	scripts/page_budget.sh

clean:
	rm -rf $(VENV) .pytest_cache
