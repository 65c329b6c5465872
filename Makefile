# Coffer's tasks. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
GO ?= go
# The OpenAPI linter, pinned, installed by npm into .tools (gitignored) the first time it is needed.
REDOCLY_VERSION := 2.77.0
REDOCLY := .tools/node_modules/.bin/redocly
# The PostgreSQL suites run whenever this names a server; CI keeps it set so they never skip.
COFFER_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export COFFER_TEST_POSTGRES
# The RabbitMQ and NATS (JetStream) suites run whenever these name a server, and fail if it
# does not answer.
COFFER_TEST_AMQP ?= amqp://guest:guest@127.0.0.1:5672/
export COFFER_TEST_AMQP
COFFER_TEST_NATS ?= nats://127.0.0.1:4222
export COFFER_TEST_NATS
# The chain tests against a real node run geth --dev; "require" makes a missing geth fail them
# (unset, they skip). A path names another binary than $(go env GOPATH)/bin/geth.
COFFER_TEST_GETH ?= require
export COFFER_TEST_GETH
# The dashboard's tests drive Debian's Chromium with Playwright (web/node_modules, from
# npm ci --prefix web); "require" makes a missing browser fail them (unset, they skip).
COFFER_TEST_BROWSER ?= require
export COFFER_TEST_BROWSER

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

.PHONY: serve
serve: ## Start the server on the embedded default (SQLite in ./data, http://127.0.0.1:8080).
	$(GO) run ./cmd/coffer serve

.PHONY: build
build: ## Build bin/coffer.
	$(GO) build -o bin/coffer ./cmd/coffer

.PHONY: test
test: ## Run every test with the race detector, PostgreSQL, RabbitMQ, NATS, geth and browser suites included.
	set -o pipefail; $(GO) test -race -count=1 -timeout 20m -json ./... | $(GO) run ./internal/testscan

.PHONY: test-short
test-short: ## Run the quick tests on SQLite only.
	COFFER_TEST_POSTGRES= COFFER_TEST_AMQP= COFFER_TEST_NATS= COFFER_TEST_GETH= COFFER_TEST_BROWSER= $(GO) test -short ./...

.PHONY: lint
lint: ## gofmt, go vet and go mod tidy must be clean.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: lint-metrics
lint-metrics: ## promtool checks the alert rules and their tests, and the names /metrics serves after real traffic (needs promtool, Debian's prometheus package).
	@command -v promtool >/dev/null || { echo "promtool is missing: apt-get install prometheus"; exit 1; }
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts_test.yml
	$(GO) test -count=1 -run 'TestMetricsCountTraffic|TestMetricsDocumented' ./cmd/coffer

.PHONY: lint-openapi
lint-openapi: .tools/redocly-$(REDOCLY_VERSION) ## redocly lint httpapi/openapi.json and the compatibility profiles' documents: any warning fails (needs node and npm).
	REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config redocly.yaml httpapi/openapi.json compat/coinwallet/openapi.json compat/walletdemo/openapi.json

# The stamp names the version, so that changing REDOCLY_VERSION installs that one.
.tools/redocly-$(REDOCLY_VERSION):
	npm install --prefix .tools --no-audit --no-fund --save-exact @redocly/cli@$(REDOCLY_VERSION)
	touch $@

.PHONY: ui
ui: ## Rebuild the dashboard from web/ into ui/dist (npm ci, then esbuild); commit ui/dist with its sources.
	npm ci --prefix web --no-audit --no-fund
	node web/build.mjs

.PHONY: contracts
contracts: ## Compile chain/contracts with the pinned solc (installed by npm) and regenerate chain/testtoken.
	bash chain/contracts/build.sh

.PHONY: bench
bench: ## Run the Go benchmarks (compare runs with benchstat).
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee bench.txt

.PHONY: fuzz
fuzz: ## Fuzz the ledger model, the amount parser, the request decoder, the address parser, the seed file reader, the inbox's message checks and the chain watcher's Transfer log decoder for a minute each.
	$(GO) test -run '^$$' -fuzz FuzzModel -fuzztime 60s ./ledger
	$(GO) test -run '^$$' -fuzz FuzzParseAmount -fuzztime 60s .
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./internal/strict
	$(GO) test -run '^$$' -fuzz FuzzParseAddress -fuzztime 60s ./chain
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 60s ./chain/hdkey
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 60s ./inbox
	$(GO) test -run '^$$' -fuzz FuzzDecodeTransfer -fuzztime 60s ./chain/watch
