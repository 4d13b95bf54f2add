# Build, lint and test erpops.azure. `make bootstrap` installs everything the tests need;
# `make test` is what CI runs (.ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The venv's tools first on PATH: ansible-lint and ansible-test look up ansible-* there.
VENV_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
SANITY_PYTHON ?= 3.11
# ansible-test needs the checkout at .../ansible_collections/erpops/azure. A symlink is not enough (it
# resolves the real path), so the files git would list are copied there; the tree is kept between runs
# so that ansible-test's tests/output (its delegation venv) is reused.
SANITY_TREE ?= $${TMPDIR:-/tmp}/erpops-azure-sanity-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-10)
SANITY_COLL = $(SANITY_TREE)/ansible_collections/erpops/azure
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_24_2.py
# Test directories that exist (tools/azsim/tests arrives with the simulator).
PYTEST_PATHS = $(wildcard tools/azsim/tests tests/unit tests/integration)
# Two workers (one azsim each), a test file's tests kept together (they share module-scoped resources).
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder
# pip's index configuration on these machines warns about a missing local mirror on every call.
PIP_NOISE := is ignored: it is neither a file nor a directory

.PHONY: help bootstrap venv node postgres system-tools collection-link awx-collection lint ruff ansible-lint sanity pytest test bench-azsim \
	azsim-up demo release maintain audit demo-down docs bench bench-audit bench-fleet chaos chaos-faults chaos-kill chaos-input molecule clean

help:
	@echo "make demo         start azsim (the local Azure) and deploy the whole ERP stack on it, with a summary"
	@echo "make release      release examples/erp_app again (zero-downtime slot swap) on the demo's azsim"
	@echo "make maintain     run a maintenance routine on the demo (CADENCE=daily); reports in reports/"
	@echo "make audit        the quarterly security audit of the demo (read-only); reports in reports/audit/"
	@echo "make demo-down    stop azsim (its state stays in .azsim/; rm -rf .azsim for a fresh start)"
	@echo "make bootstrap    install the Python venv (.venv), Azurite (node_modules) and PostgreSQL"
	@echo "make lint         ruff, ansible-lint --profile production, ansible-test sanity"
	@echo "make test         bootstrap, lint, then pytest (tools/azsim/tests, tests/unit)"
	@echo "make bench-azsim  run the azsim benchmark"
	@echo "make molecule     run the Molecule scenarios (default: converge, idempotence, verify; check)"
	@echo "make bench        every speed figure with its budget: deploy and no-op walls, reads per resource, tokens, per-task cost, wait overlap"
	@echo "make chaos        the reliability suite: chaos-faults, chaos-kill, chaos-input; a summary line each, one exit code"
	@echo "make chaos-faults deploy.yml under 10 % injected ARM faults, CHAOS_SEEDS seeds (3): converges, clean re-run 0 writes"
	@echo "make chaos-kill   deploy.yml SIGKILLed at CHAOS_KILLS (3) seeded moments: the re-run converges, the next 0 writes"
	@echo "make chaos-input  deploy.yml with each of tests/chaos/bad_input.yml's invalid variable sets: fails before any write"
	@echo "make bench-audit  time the audit of 500 web apps + slots and 100 PostgreSQL servers on azsim (ARM calls, 429s)"
	@echo "make docs         the documentation site (modules, plugins, roles, the guide's chapters) in docs/build/html"
	@echo "make bench-fleet  the daily maintenance of 50 ERPs in one job over the erpops.azure.erp inventory (wall, calls)"
	@echo "make clean        remove the venv, node_modules and test output"

bootstrap: venv node postgres system-tools collection-link awx-collection

# ansible-playbook run from the checkout finds erpops.azure through this link (ansible.cfg's collections_path).
collection-link:
	@mkdir -p .make/collections/ansible_collections/erpops
	@test -L .make/collections/ansible_collections/erpops/azure || ln -sfn ../../../.. .make/collections/ansible_collections/erpops/azure

# awx.awx for playbooks/awx_configure.yml (ansible-lint resolves its modules): Galaxy is not reachable from these machines,
# so it is unpacked from the community `ansible` wheel (12.x bundles awx.awx 24.6.1), downloaded once into .make/wheels.
AWX_COLLECTION = .make/collections/ansible_collections/awx/awx
awx-collection: $(AWX_COLLECTION)/MANIFEST.json

$(AWX_COLLECTION)/MANIFEST.json: | venv
	@echo "==> awx.awx: unpacked from the community ansible wheel"
	@ls .make/wheels/ansible-12.*-py3-none-any.whl >/dev/null 2>&1 || \
	  $(PY) -m pip download -q --no-deps --only-binary :all: -d .make/wheels "ansible>=12,<13" 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	@$(PY) tests/ci/unpack_collection.py "$$(ls .make/wheels/ansible-12.*-py3-none-any.whl | tail -1)" awx/awx .make/collections

# --- Python ------------------------------------------------------------------------------------
venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt examples/erp_app/requirements.txt tools/azsim/pyproject.toml
	@echo "==> venv: installing requirements-dev.txt into $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q -r requirements-dev.txt 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	@touch $@

# --- Node (Azurite) ----------------------------------------------------------------------------
node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "node: npm not found; install Node.js >= 20 and npm" >&2; exit 1; }
	@echo "==> node: npm ci (Azurite)"
	@npm ci --no-audit --no-fund --loglevel=error
	@test -x node_modules/.bin/azurite-blob
	@touch $@

# --- PostgreSQL server binaries (the tests start their own clusters with initdb/pg_ctl) ----------
PG_BINDIRS ?= $$(pg_config --bindir 2>/dev/null || true) /usr/lib/postgresql/*/bin

postgres:
	@found=""; for d in $(PG_BINDIRS); do \
	  if [ -x "$$d/postgres" ] && [ -x "$$d/initdb" ]; then found=$$d; break; fi; \
	done; \
	if [ -n "$$found" ]; then echo "==> postgres: server binaries in $$found"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "==> postgres: installing postgresql-15 with apt-get"; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; \
	  for d in $(PG_BINDIRS); do [ -x "$$d/initdb" ] && [ -x "$$d/postgres" ] && { echo "==> postgres: server binaries in $$d"; exit 0; }; done; \
	  echo "postgres: postgresql-15 installed but no initdb/postgres found" >&2; exit 1; \
	else \
	  echo "==> postgres: NOT FOUND. No PostgreSQL server binaries (initdb, postgres) and not root."; \
	  echo "    Install them, e.g. 'sudo apt-get install postgresql-15' (Debian 12), then re-run."; \
	  echo "    Continuing: tests that need a real PostgreSQL will be skipped."; \
	fi

# --- System tools the tests use: Chromium renders the HTML reports to PNG; faketime moves the
# controller's clock with azsim's (certificate expiry seen from the future) ---------------------
SYSTEM_TOOLS ?= chromium:chromium faketime:faketime

system-tools:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $${t%%:*} >/dev/null || missing="$$missing $${t#*:}"; done; \
	if [ -z "$$missing" ]; then echo "==> system tools: chromium, faketime present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "==> system tools: installing$$missing with apt-get"; \
	  apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "==> system tools: MISSING$$missing and not root: install them (sudo apt-get install$$missing); tests needing them fail."; \
	fi

# --- Lint ----------------------------------------------------------------------------------------
lint: ruff ansible-lint sanity

ruff: venv
	@echo "==> ruff check"
	@$(VENV)/bin/ruff check --output-format=concise .

ansible-lint: venv
	@echo "==> ansible-lint --profile production"
	@$(VENV_ENV) ansible-lint --profile production --nocolor -q

sanity: venv
	@echo "==> ansible-test sanity --python $(SANITY_PYTHON) (tree: $(SANITY_COLL))"
	@mkdir -p "$(dir $(GET_PIP_CACHE))"
	@cmp -s tests/ci/get_pip_standin.py "$(GET_PIP_CACHE)" || cp tests/ci/get_pip_standin.py "$(GET_PIP_CACHE)"
	@mkdir -p "$(SANITY_COLL)/tests"
	@find "$(SANITY_COLL)" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
	@find "$(SANITY_COLL)/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
	@git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C "$(SANITY_COLL)"
	@cd "$(SANITY_COLL)" && $(VENV_ENV) ansible-test sanity --venv --python $(SANITY_PYTHON) --color no 2>&1 \
	  | { grep -vE "$(PIP_NOISE)|^ *(Looking in|Processing|Collecting|Downloading|Installing collected|Attempting uninstall|Found existing|Uninstalling|Successfully|━)" || true; }

# --- Tests ---------------------------------------------------------------------------------------
# pytest exits 5 when it collects no test: that fails the run on purpose.
pytest: venv
	@echo "==> pytest $(PYTEST_PATHS)"
	@$(PY) -m pytest $(PYTEST_PATHS) -q $(PYTEST_ARGS)

test: bootstrap
	@$(MAKE) -k lint
	@$(MAKE) pytest

bench-azsim: venv
	@$(PY) -m azsim.bench

# --- Demo: the whole stack on azsim ---------------------------------------------------------------
AZSIM_STATE_DIR ?= $(CURDIR)/.azsim
AZSIM_PORT ?= 8443
AZSIM_PROXY_PORT ?= 8444
# Azure's operation durations × this (0.01: the 8-minute PostgreSQL creation takes about 5 s).
AZSIM_TIME_SCALE ?= 0.01
DEMO_ARGS ?=

azsim-up: bootstrap
	@$(PY) -m azsim start --state-dir "$(AZSIM_STATE_DIR)" --port $(AZSIM_PORT) --proxy-port $(AZSIM_PROXY_PORT) \
	  --time-scale $(AZSIM_TIME_SCALE)

DEMO_ENV = $(VENV_ENV) AZSIM_STATE_DIR="$(AZSIM_STATE_DIR)" ANSIBLE_CONFIG="$(CURDIR)/ansible.cfg"

demo: azsim-up
	@echo "==> ansible-playbook playbooks/access.yml as azsim's owner (what an Owner runs once before the first deploy)"
	@$(DEMO_ENV) ansible-playbook playbooks/access.yml -e azsim_principal=owner
	@echo "==> ansible-playbook playbooks/deploy.yml (inventories/local: azsim in $(AZSIM_STATE_DIR))"
	@$(DEMO_ENV) ansible-playbook playbooks/deploy.yml $(DEMO_ARGS)

release: azsim-up
	@$(DEMO_ENV) ansible-playbook playbooks/release.yml $(DEMO_ARGS)

# The maintenance routine of a cadence on the demo's azsim (reports in reports/<cadence>/<run time>/<host>/).
CADENCE ?= daily
maintain: azsim-up
	@$(DEMO_ENV) ansible-playbook playbooks/maintain_$(CADENCE).yml $(DEMO_ARGS)

# The quarterly security audit of the demo, as azsim's auditor with the ERP Auditor role (read-only; reports in
# reports/audit/<run time>/).
audit: azsim-up
	@$(DEMO_ENV) ansible-playbook playbooks/access.yml -e azsim_principal=owner -e access_audit=true
	@$(DEMO_ENV) ansible-playbook playbooks/audit.yml -e azsim_principal=auditor $(DEMO_ARGS)

demo-down: venv
	@$(PY) -m azsim stop --state-dir "$(AZSIM_STATE_DIR)"

# Molecule scenarios (extensions/molecule): not part of `make test`, whose tests/integration/test_deploy.py runs the same
# sequence (check mode, converge, idempotence, SDK verification) and more.
molecule: bootstrap
	@$(VENV_ENV) ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/.make/collections" molecule test --all

# Every speed figure of issue 14 in one run, with its budget (tests/bench/bench.py; about 6 minutes; BENCH_PARTS picks parts).
bench: bootstrap
	@$(VENV_ENV) $(PY) tests/bench/bench.py

# The reliability suite (issue 14), benchmark-style, not part of `make test` (which runs the quick bad-input sets in
# tests/integration/test_bad_input.py). BAD_INPUT_WORKERS=2 runs two deploys at a time against the one azsim.
# Benchmark-style, not part of `make test`. CHAOS_SEED (1) picks the seeds, CHAOS_WORKERS (2) the azsims run at once.
chaos: bootstrap
	@$(VENV_ENV) $(PY) tests/chaos/deploy_chaos.py all

chaos-faults: bootstrap
	@$(VENV_ENV) $(PY) tests/chaos/deploy_chaos.py faults

chaos-kill: bootstrap
	@$(VENV_ENV) $(PY) tests/chaos/deploy_chaos.py kill

chaos-input: bootstrap
	@$(VENV_ENV) $(PY) tests/chaos/bad_input.py

# Not part of `make test`: it fills azsim with 1100 sites, slots and servers (100 real PostgreSQL clusters) first.
bench-audit: bootstrap
	@$(VENV_ENV) $(PY) tests/bench/bench_audit.py

docs: bootstrap
	@$(VENV_ENV) $(PY) docs/build.py

bench-fleet: bootstrap
	@$(VENV_ENV) $(PY) tests/bench/bench_fleet.py

clean:
	rm -rf $(VENV) node_modules .ansible .make tests/output .pytest_cache .ruff_cache .azsim tools/azsim/*.egg-info
	rm -rf "$(SANITY_TREE)"
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
