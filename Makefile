# Touchpoint Audit — everything a fresh machine needs, with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails follow the port the server really runs on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run install test lint security migrate seed worker beat bench loadtest mutation clean

## make run: install, migrate, load the catalogue and demo organisation, serve at http://127.0.0.1:8000
run: install migrate seed
	@echo "客户触点考核:http://$(HOST):$(PORT)/  (演示账号见上方,管理后台 /admin/)"
	SITE_URL=$(SITE_URL) $(MANAGE) runserver $(HOST):$(PORT)

## make install: create .venv and install the pinned dependencies
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: install
	$(MANAGE) migrate --noinput

seed: install
	SITE_URL=$(SITE_URL) $(MANAGE) seed_demo

## make test: the whole suite (DATABASE_URL picks the database; CI points it at PostgreSQL)
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check
	$(BIN)/mypy --strict scoring/engine.py core/dates.py

## make security: static analysis, dependency advisories, and Django's deployment checklist on production settings
security: install
	$(BIN)/bandit -q -r config core touchpoints audits scoring rewards notifications demo -x '*/migrations/*'
	$(BIN)/pip-audit -r requirements.txt --progress-spinner off
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
		RESULTS_SIGNING_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(40))") \
		ALLOWED_HOSTS=touchpoint.example.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

## make bench: benchmark on PostgreSQL (pages, publication, exports); figures also go to docs/performance.md
bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py --markdown docs/performance.md

## make loadtest: the deadline surge (locust against gunicorn and PostgreSQL, 127.0.0.1 only, 300 leads, think time
## stepping down over 120 s), ticks counted in the database afterwards; figures also go to docs/load-test.md
loadtest: $(VENV)/.bench-installed
	$(BIN)/python bench/surge.py --markdown docs/load-test.md

## make mutation: mutmut on scoring/engine.py and core/dates.py against their own tests (config in
## pyproject.toml [tool.mutmut]); prints the survivors. Not part of make test.
mutation: $(VENV)/.mutation-installed
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

$(VENV)/.mutation-installed: install requirements-mutation.txt
	$(BIN)/python -m pip install --quiet -r requirements-mutation.txt
	touch $@

$(VENV)/.bench-installed: install requirements-bench.txt
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $@

worker: install
	$(BIN)/celery -A config worker --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache mutants
