# Veilig op Pad: `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium
PO := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

LIGHTHOUSE_VERSION := 12.8.2

.PHONY: run test bench lint format i18n-extract chromium wrk

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile -i $< -o $@

run: $(BIN)/.installed $(MO)
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo
	$(BIN)/flask --app app serve --host $(HOST) --port $(PORT)

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Chromium ontbreekt: installeren met apt-get (Debian chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium ontbreekt. Installeer het als root: apt-get install chromium (of zet CHROMIUM=/pad/naar/chromium)"; \
	    exit 1; \
	  fi; \
	fi

# Lighthouse (npm) for the performance and accessibility budgets in the test suite.
.lighthouse/.installed-$(LIGHTHOUSE_VERSION):
	npm install --silent --no-audit --no-fund --prefix .lighthouse lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

test: $(BIN)/.installed $(MO) chromium .lighthouse/.installed-$(LIGHTHOUSE_VERSION)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VOP_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q

# Every benchmark at its default size, the escalation one in each of its modes.
BENCHMARKS := "bench_escalation.py" \
	"bench_escalation.py --push-latency-ms 100" \
	"bench_escalation.py --push-latency-ms 100 --burst" \
	"bench_escalation.py --push-latency-ms 100 --office 5 --due 500" \
	"bench_escalation.py --push-latency-ms 100 --panic --active 12000 --due 10000" \
	"bench_escalation.py --push-latency-ms 100 --kill --active 2000 --due 500" \
	"bench_sync.py" "bench_http.py" "bench_failover.py"

wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk ontbreekt (voor bench_http). Installeer het als root: apt-get install wrk"; \
	    exit 1; \
	  fi; \
	fi

bench: $(BIN)/.installed $(MO) wrk
	@set -e; for b in $(BENCHMARKS); do $(BIN)/python tests/benchmarks/$$b; done

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

i18n-extract: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _n:1,2 -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete
