# `make run` and `make test` are the two commands a fresh machine needs; `make check` is the fast
# tier for daily work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU build of torch; a looser pin pulls gigabytes of CUDA packages.
TORCH := torch==2.13.0
SAMPLE_INDEX := .semsearch-sample
PORT ?= 8000

.PHONY: install run test check lint format bench bench-quick clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/semsearch index --index $(SAMPLE_INDEX) samples/
	$(BIN)/semsearch stats --index $(SAMPLE_INDEX)
	$(BIN)/semsearch search --index $(SAMPLE_INDEX) -n 3 "retards de paiement des primes à la rénovation"
	@echo "Serving the API and the search page on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/semsearch serve --index $(SAMPLE_INDEX) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest -q -rs

# ruff, mypy and the tests that need no real model, no server in another process, no browser and
# no long run (pyproject.toml's markers): under 90 s on 2 cores. Their temporary indexes go to a
# tmpfs where there is one: the engine syncs every write to disk, most of a small test's time.
CHECK_TESTS := not (model or server or browser or slow)

check: lint
	@tmp=$$(mktemp -d -p /dev/shm semsearch-check.XXXXXX 2>/dev/null || mktemp -d); \
	TMPDIR=$$tmp $(BIN)/python -m pytest -q -rs -m "$(CHECK_TESTS)"; status=$$?; \
	rm -rf "$$tmp"; exit $$status

# The performance benchmark (docs/performance.md): about an hour the first time on 2 cores, as it
# embeds the whole UK corpus from ../shared; writes bench/results/latest.md and latest.json.
bench: install
	$(BIN)/python -m bench.run

# The same machinery on small sizes, in a minute or two (results in /tmp, not in the repository).
bench-quick: install
	$(BIN)/python -m bench.run --quick --workdir /tmp/semsearch-bench-quick --results /tmp/semsearch-bench-quick/results

clean:
	rm -rf $(SAMPLE_INDEX) .pytest_cache .mypy_cache .ruff_cache
