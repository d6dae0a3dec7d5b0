# The front door. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

-include .env
export

.PHONY: run test lint format bench install messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# A local .env the first time only: random secret key, DEBUG on, one demo password, mail on the console.
.env: | $(BIN)/python
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY={secrets.token_urlsafe(50)}\nDEBUG=true\nDEMO_PASSWORD={secrets.token_urlsafe(9)}\nEMAIL_URL=consolemail://')" > .env

install: $(VENV)/.installed .env

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --password "$$DEMO_PASSWORD"
	@echo "Reform Portal: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Demo logins: admin, reviewer, leader, canloc, stttt — password: $$DEMO_PASSWORD"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# SQLite by default; DATABASE_URL=postgres://… runs the same suite on PostgreSQL.
test: install
	STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks run on PostgreSQL when one answers on 127.0.0.1 (the targets are about it), else on SQLite.
# They use their own database, never the portal's: SCALE=1m (default) reform_bench, SCALE=10m reform_bench_10m;
# the first run there generates the national data set (~1 M or ~10 M values). BENCH=bench_x runs one.
SCALE ?= 1m
# After changing user-visible strings: extract them, translate locale/en/…/django.po, compile.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore='static/vendor/*' \
	  --ignore='api/*' --ignore='test-artifacts/*' --ignore='bench/*' --no-obsolete
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv
	$(BIN)/python api/locale/build.py

bench: install
	@db=reform_bench; [ "$(SCALE)" = 1m ] || db=reform_bench_$(SCALE); \
	if [ -z "$$BENCH_DATABASE_URL" ] && command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -qc "select 1" >/dev/null 2>&1; then \
	  psql -h 127.0.0.1 -U postgres -d postgres -qtc "select 1 from pg_database where datname='$$db'" | grep -q 1 \
	    || psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $$db"; \
	  export BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$$db; \
	fi; BENCH_SCALE=$(SCALE) $(BIN)/python bench/run.py $(BENCH)
