# BagiPakai — `make run` for the demo, `make test` for the suite.
# Needs only Python 3.11 on the machine; everything else is installed here.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 0.0.0.0
PORT ?= 8000
# The demo runs with DEBUG on and plain HTTP; production sets DEBUG=0 and HTTPS.
# PUBLIC_PORT: links in e-mails (sent by the worker, with no request) keep the port.
RUN_ENV := DEBUG=$${DEBUG:-1} PUBLIC_PORT=$${PUBLIC_PORT:-$(PORT)}

.PHONY: api-fuzz run serve test install bench-load db migrate seed stop-db lint messages publiccode-verdicts check-deploy bench bench-routing bench-scale bench-verify bench-bigtenant bench-archive clean citus-up citus-down citus-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "  Platform:        http://localhost:$(PORT)/"
	@echo "  Kota Tangerang:  http://tangerang.localhost:$(PORT)/"
	@echo "  Kota Bandung:    http://bandung.localhost:$(PORT)/"
	@echo "  Background jobs: manage.py jobs_worker (stops with the server)"
	@echo ""
	@$(RUN_ENV) $(PY) manage.py jobs_worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# As production runs: gunicorn with several worker processes (config/gunicorn.py),
# DEBUG off, static files collected; plain HTTP on localhost.
serve: seed
	DEBUG=0 HTTPS=0 $(PY) manage.py collectstatic --noinput -v 0
	@DEBUG=0 HTTPS=0 $(PY) manage.py jobs_worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  DEBUG=0 HTTPS=0 PORT=$(PORT) $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi:application

# The suite runs on every CPU, up to four (pytest-xdist; each worker has its own
# test database). TEST_WORKERS=0 runs it in this one process.
# Each test database is made afresh at the start (--create-db) and left at the
# end (--reuse-db) rather than dropped: DROP DATABASE waits for a checkpoint of
# every page the suite wrote (up to a minute on a busy disk), while at the start
# of the next run there is little left to write.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal --create-db --reuse-db $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Schemathesis, deeper than the bounded run in `make test`: tools/api_fuzz.py
# starts a server of its own on a free port (DEBUG off, rate limits off so that
# the run meets no 429), runs it and stops the server. API_URL=http://... runs it
# against a server of yours instead, whose rate limits must be off
# (DISABLE_RATE_LIMITS=1).
API_URL ?=
API_FUZZ_EXAMPLES ?= 200
api-fuzz: $(if $(API_URL),install,seed)
	$(PY) tools/api_fuzz.py --examples $(API_FUZZ_EXAMPLES) $(if $(API_URL),--url '$(API_URL)')

# Record the publiccode.yml reference validator's verdict on every corpus file
# (tests/catalog/publiccode_corpus/expectations.json); PUBLICCODE_PARSER overrides
# ../shared/tools/publiccode-parser/publiccode-parser.
publiccode-verdicts:
	$(PYTHON) tests/catalog/publiccode_corpus/refresh.py

# Regenerate and compile translations (needs GNU gettext; compiled .mo files are committed).
messages: install
	$(PY) manage.py makemessages -l id --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=templates/admin/index.html --ignore=templates/admin/app_list.html --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

check-deploy: install
	DEBUG=0 HTTPS=1 SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  BASE_DOMAIN=bagipakai.example.id $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) bench/provisioning.py
	$(PY) bench/catalog.py
	$(PY) bench/migrate.py

# Needs wrk (installed here when missing, as .ci/run installs chromium); a few minutes.
bench-routing: install
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/routing.py

# The public pages under load against /healthz (gunicorn as configured, Redis, wrk).
bench-load: install
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/load.py

# 10,000 tenants in one database (about 9 GB of disk, 15-20 minutes on 2 CPUs);
# TENANTS=300 for a quick run.
# Verifying an audit chain from its last anchored head vs in full (docs/audit.md).
bench-verify: install
	$(PY) bench/verify_chain.py --events $${EVENTS:-200000}

bench-scale: install
	$(PY) bench/scale.py --tenants $${TENANTS:-10000}

# One tenant with a million proposals and two million audit events (issue 16),
# kept in database BIGTENANT_DB on the same server between runs: the first run
# seeds it with COPY (about 10 minutes on 2 busy CPUs, 2.2 GB), later runs only
# apply new migrations and measure. Drop the database by hand when done.
BIGTENANT_DB ?= bagipakai_bench_bigtenant
bench-bigtenant: install
	$(PY) bench/grants.py --keep-db $(BIGTENANT_DB) --proposals 1000000 --events 2000000 --requests $${REQUESTS:-60}
	$(PY) bench/verify_chain.py --keep-db $(BIGTENANT_DB) --repeat 3

# A local Citus cluster (coordinator + CITUS_WORKERS workers on ports from
# CITUS_PORT, default 9700-9702; data in .data/citus) from the installed
# extension; tools/citus_cluster.py says how to build Citus when it is missing
# (../shared/tools/citus/, which needs the `fetch` tool). Not part of `make test`.
CITUS_PORT ?= 9700
CITUS_WORKERS ?= 2
citus-up: install
	CITUS_PORT=$(CITUS_PORT) CITUS_WORKERS=$(CITUS_WORKERS) $(PY) tools/citus_cluster.py up

citus-down:
	CITUS_PORT=$(CITUS_PORT) CITUS_WORKERS=$(CITUS_WORKERS) $(PY) tools/citus_cluster.py down

# migrate, seed_demo, a smoke of the main pages, a tenant move and the test suite
# against the coordinator; prints how tenant schemas are spread over the nodes.
citus-check: install
	CITUS_PORT=$(CITUS_PORT) CITUS_WORKERS=$(CITUS_WORKERS) $(PY) tools/citus_cluster.py check --pytest-args "$(PYTEST_ARGS)"

stop-db:
	@test -x $(PY) && $(PY) -c "from pathlib import Path; from config.embedded_db import stop; print('stopped' if stop(Path('.data/postgres').resolve()) else 'not running')" || true

clean: stop-db
	rm -rf $(VENV) .data staticfiles .pytest_cache

# One tenant's archive at 10,000 tenants: tenant_export and tenant_import of a
# tenant with 1,000 proposals against pg_dump --schema (issue 16); long (setup).
bench-archive: install
	$(PY) bench/tenant_archive.py $(BENCH_ARGS)
