# riskgate: `make run` (embedded, no servers) and `make test` (everything) set themselves up.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run demo snapshot test unit integration lint contracts redis clean swagger-ui

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "riskgate needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the whole system in one process, sample year loaded, on http://127.0.0.1:8000
	$(VENV)/bin/riskgate run

demo: $(STAMP)
	$(VENV)/bin/riskgate demo

# The sample year's snapshot, prepared ahead (`make run` otherwise writes it after its first
# load): every empty home then starts from it in seconds. Nothing to do if it is there.
snapshot: $(STAMP)
	$(VENV)/bin/riskgate snapshot build

# Redis on 127.0.0.1:6379 for the tests: use the machine's, start one if it is down.
redis:
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 0.5; done; \
	  echo "redis-server did not come up on 127.0.0.1:6379" >&2; exit 1

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: $(STAMP) redis lint chromium
	$(PY) -m pytest -q -p no:cacheprovider

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP) redis
	$(PY) -m pytest -q tests/integration

contracts: $(STAMP)  ## regenerate contracts/ from the marshmallow schemas
	$(PY) -m riskgate.schemas.export

# Swagger UI for /docs, vendored in the package so that neither install nor run needs node or
# the internet; this refreshes the copy from the npm registry (needs npm), at the pinned version.
SWAGGER_UI_VERSION := 5.32.0
SWAGGER_UI_DIR     := services/riskgate/entrypoints/http/static/swagger-ui
swagger-ui:
	rm -rf .swagger-ui && mkdir -p .swagger-ui
	cd .swagger-ui && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz
	cd .swagger-ui/package && cp swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css \
	  favicon-32x32.png LICENSE NOTICE $(CURDIR)/$(SWAGGER_UI_DIR)/
	echo $(SWAGGER_UI_VERSION) > $(SWAGGER_UI_DIR)/VERSION
	rm -rf .swagger-ui

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info services/*.egg-info

# The GOV.UK Design System's built CSS, JS, fonts and images, vendored into the package at a
# pinned version (refresh with `make assets` after changing the pin; pip install and make run
# never need node). govuk-frontend-jinja's macros target this version.
GOVUK_FRONTEND_VERSION := 5.7.1
GOVUK_STATIC := services/riskgate/entrypoints/web/static/govuk

.PHONY: assets chromium browser
assets:
	rm -rf $(GOVUK_STATIC) .assets-tmp && mkdir -p $(GOVUK_STATIC) .assets-tmp
	cd .assets-tmp && npm pack --silent govuk-frontend@$(GOVUK_FRONTEND_VERSION) >/dev/null && tar xzf govuk-frontend-$(GOVUK_FRONTEND_VERSION).tgz
	cp .assets-tmp/package/dist/govuk/govuk-frontend.min.css .assets-tmp/package/dist/govuk/govuk-frontend.min.js $(GOVUK_STATIC)/
	cp -r .assets-tmp/package/dist/govuk/assets $(GOVUK_STATIC)/assets
	echo $(GOVUK_FRONTEND_VERSION) > $(GOVUK_STATIC)/VERSION
	rm -rf .assets-tmp

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

browser: $(STAMP) chromium  ## the browser journeys and accessibility checks alone
	$(PY) -m pytest -q tests/browser
