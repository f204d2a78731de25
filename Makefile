# The two commands of the quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# This machine's services; override on the command line, e.g. make test PG_URL=postgresql://...
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
# Installs a Debian package, refreshing the package lists once if the first try fails.
APT = sh -c 'apt-get install -y -q "$$0" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$$0" >/dev/null; }' 
DEMO_ARGS ?=

.PHONY: demo test lint typecheck unit check-services test-deps clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/exchange demo $(DEMO_ARGS)

test: $(BIN)/.installed lint typecheck check-services test-deps
	EXCHANGE_TEST_DATABASE_URL=$(PG_URL) EXCHANGE_TEST_REDIS_URL=$(REDIS_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# Says plainly what is missing instead of failing somewhere deep inside a test.
check-services: $(BIN)/.installed
	$(BIN)/python -m tests.preflight --database-url $(PG_URL) --redis-url $(REDIS_URL)

# What the page and login tests drive besides Python: Debian's chromium (Playwright never downloads
# a browser), the DejaVu fonts the PDFs embed, and npm for the OpenID Connect test provider
# (tests/oidc, installed by the tests themselves from its lock file).
test-deps:
	@command -v chromium >/dev/null || $(APT) chromium
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || $(APT) fonts-dejavu-core
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (the OIDC test provider needs them)"; exit 1; }

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
