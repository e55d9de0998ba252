# The two commands of the README: `make run` (embedded default) and `make test` (PostgreSQL, Redis
# and a real Celery worker). Both create the virtualenv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)

TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/interview_loops
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Two workers (the CI machine has two cores), whole files per worker: module fixtures stay shared
# and the stateful fuzzer's check over all its runs sees them in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run test venv lint services bench-help

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# DEBUG is off unless DEBUG=1 (config/settings.py): the laptop server and its demo users turn it on.
run: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_question_bank
	DEBUG=1 $(PY) manage.py create_demo_users
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

services:
	bash scripts/ensure_services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test: venv services lint
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
	  $(PY) -m pytest $(PYTEST_ARGS)
