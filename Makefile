# Coffer's tasks. `make help` lists them.
.DEFAULT_GOAL := help
GO ?= go
# The PostgreSQL suites run whenever this names a server; CI keeps it set so they never skip.
COFFER_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export COFFER_TEST_POSTGRES

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: serve
serve: ## Start the server on the embedded default (SQLite in ./data, http://127.0.0.1:8080).
	$(GO) run ./cmd/coffer serve

.PHONY: build
build: ## Build bin/coffer.
	$(GO) build -o bin/coffer ./cmd/coffer

.PHONY: test
test: ## Run every test with the race detector, PostgreSQL suites included.
	$(GO) test -race -count=1 -timeout 20m ./...

.PHONY: test-short
test-short: ## Run the quick tests on SQLite only.
	COFFER_TEST_POSTGRES= $(GO) test -short ./...

.PHONY: lint
lint: ## gofmt, go vet and go mod tidy must be clean.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: bench
bench: ## Run the Go benchmarks (compare runs with benchstat).
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee bench.txt

.PHONY: fuzz
fuzz: ## Fuzz the ledger model, the amount parser and the request decoder for a minute each.
	$(GO) test -run '^$$' -fuzz FuzzModel -fuzztime 60s ./ledger
	$(GO) test -run '^$$' -fuzz FuzzParseAmount -fuzztime 60s .
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./internal/strict
