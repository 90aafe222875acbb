# Two commands for a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask
export FLASK_APP := wsgi.py

# Debian packages the app needs at run time (WeasyPrint's Pango, the Japanese font)
# and the tools the tests use to look inside PDFs (pdftoppm, pdftotext, zbarimg).
RUN_DEBS  := fonts-ipaexfont libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_DEBS := $(RUN_DEBS) poppler-utils zbar-tools

.PHONY: run test setup venv system-deps system-deps-test translations translations-update db lint clean

run: setup
	@echo ""
	@echo "Tsunagari LMS: http://127.0.0.1:5000  (demo accounts printed above; Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

setup: venv system-deps translations db

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# Installs missing Debian packages when run as root; otherwise prints the apt line.
define ensure_debs
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Please run: sudo apt-get install $$missing"; \
	  fi; \
	fi
endef

system-deps:
	$(call ensure_debs,$(RUN_DEBS))

system-deps-test:
	$(call ensure_debs,$(TEST_DEBS))

translations: venv
	$(VENV)/bin/pybabel compile -d app/translations

db: venv
	$(FLASK) db upgrade
	$(FLASK) municipalities load
	$(FLASK) content import-defaults
	$(FLASK) demo

# The browser journeys need Chromium and axe-core (quality-deps, below); they skip politely without them.
test: venv system-deps-test quality-deps translations
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check app tests bench quality scripts

clean:
	rm -rf $(VENV) .pytest_cache

# Refresh the message catalogue after changing user-facing text, then translate the new
# entries in app/translations/en/LC_MESSAGES/messages.po.
translations-update: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations

# Benchmarks on a national-scale data set in PostgreSQL (bench/, BENCHMARKS.md). `make bench`
# seeds 1,000,000 trainees into BENCH_DATABASE_URL (default: the tsunagari_bench database on
# 127.0.0.1; reused when already seeded) and rewrites BENCHMARKS.md; `make bench-smoke` does
# the same on a few thousand rows, quickly, to prove the tool works (CI). Both include the four
# peak scenarios (bench/peaks.py: sections p1-p4, gunicorn with 4 workers, headless Chromium for
# the slow phone); `make bench-peaks` runs only those and writes bench/.logs/peaks.md.
BENCH_DEBS := $(RUN_DEBS) wrk chromium

.PHONY: bench bench-smoke bench-seed bench-peaks

bench: venv translations
	$(call ensure_debs,$(BENCH_DEBS))
	$(PY) -m bench.run $(BENCH_ARGS)

bench-smoke: venv translations
	$(call ensure_debs,$(BENCH_DEBS))
	$(PY) -m bench.run --smoke $(BENCH_ARGS)

bench-seed: venv
	$(PY) -m bench.seed $(BENCH_ARGS)

bench-peaks: venv translations
	$(call ensure_debs,$(BENCH_DEBS))
	$(PY) -m bench.run --only p --output bench/.logs/peaks.md $(BENCH_ARGS)

# Quality gates (issue 8). `make test` also runs the browser journeys (tests/e2e: Debian's
# Chromium driven by Playwright, axe-core from the npm registry for the accessibility checks)
# and the security tests (tests/security). The load test, the fault test and the two-server
# check start their own gunicorn, nginx and RQ processes on 127.0.0.1 with a fresh PostgreSQL
# database (QUALITY_PG_URL, default postgresql://postgres@127.0.0.1:5432/test, is where it is
# created and dropped) and stop by themselves; `--short` is the ~20 s version CI runs.
QUALITY_DEBS := chromium nodejs
AXE          := quality/node_modules/axe-core/axe.min.js

.PHONY: quality-deps quality-debs loadtest faulttest clustertest

quality-deps: quality-debs $(AXE)

quality-debs:
	$(call ensure_debs,$(QUALITY_DEBS))
	@command -v npm >/dev/null || { [ "$$(id -u)" = "0" ] && apt-get install -y -qq npm >/dev/null; } \
	  || echo "npm is missing: please install nodejs and npm"

# axe-core, pinned in quality/package.json; node_modules stays out of git.
$(AXE): quality/package.json | quality-debs
	npm install --prefix quality --no-package-lock --no-audit --no-fund --loglevel=error
	@test -f $@ && touch $@

loadtest: venv translations
	$(call ensure_debs,$(RUN_DEBS))
	$(PY) -m quality.load $(LOAD_ARGS)

faulttest: venv translations
	$(call ensure_debs,$(RUN_DEBS) postgresql-client)
	$(PY) -m quality.faults $(FAULT_ARGS)

clustertest: venv translations
	$(call ensure_debs,$(RUN_DEBS) nginx redis-tools)
	$(PY) -m quality.cluster $(CLUSTER_ARGS)
