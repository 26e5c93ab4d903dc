# Two commands on a fresh machine: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test test-slow compiled bench lint clean sysdeps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "intake needs Python 3.11 or newer"'
	@bash .ci/system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

sysdeps:
	@bash .ci/system-deps

run: setup
	$(BIN)/intake start

# The package and the tests' helpers are compiled first: where PYTHONDONTWRITEBYTECODE is set (as on this machine),
# every `intake` child process a test starts, and every worker, would otherwise compile them again from source.
# Test modules and conftest files get pytest's assertion-rewritten bytecode once (tests/rewrite_ahead.py), not once
# per worker.
# `make test` runs every test but those marked `slow` (the walks in a real terminal and in Chromium, and the few
# exhaustive walks that take more than about 10 s each); `make test-slow` runs those alone; `make test SLOW=1` runs
# all of them in one run, as CI (.ci/run) does.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n 3 --dist worksteal

test: setup compiled
	$(PYTEST) $(if $(SLOW),,-m "not slow")
	@$(if $(SLOW),true,echo "The tests marked slow were left out (deselected above): make test-slow runs them, CI always does.")

test-slow: setup compiled
	$(PYTEST) -m slow

compiled:
	$(BIN)/python -m compileall -q -x '/(test_[^/]*|conftest)\.py$$' intake tests
	$(BIN)/python tests/rewrite_ahead.py

bench: setup
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/ruff check intake tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
