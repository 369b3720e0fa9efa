# prebake — see README.md. `make run` bakes the bundled synthetic sample,
# `make test` runs the whole suite (what CI runs), `make bench` the benchmarks,
# `make dist` the Python wheels that carry the CLI (docs/ci.md).

GO      ?= go
BIN     := bin/prebake
SAMPLE  := .cache/sample
# The committed manifest of `make run`, checked by cmd/prebake's TestBakeReproducible.
GOLDEN  := cmd/prebake/testdata/sample-manifest.json
# A fixed creation time, so that rebuilding the sample reproduces the committed
# manifest (GOLDEN) byte for byte. Override it for real bakes (CI: the commit time).
SOURCE_DATE_EPOCH ?= 1767225600
export SOURCE_DATE_EPOCH
# The commit stamped into the binary (`prebake version`); the version itself is
# cmd/prebake/VERSION, embedded. Same commit, same binary (-trimpath).
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

.PHONY: run golden test bench build dist sample clean

build:
	$(GO) build -trimpath -ldflags '-X main.commit=$(COMMIT)' -o $(BIN) ./cmd/prebake

# Platform wheels carrying the CLI, and an sdist, in dist/ (scripts/dist.sh).
dist:
	bash scripts/setup-python.sh
	bash scripts/dist.sh

sample: build
	./$(BIN) sample --out $(SAMPLE)

run: sample
	./$(BIN) build --source '$(SAMPLE)/synthetic_*.json' --postcodes $(SAMPLE)/synthetic_postcodes.csv \
		--out output --manifest manifest.json

# After an intended change of output: bake the sample afresh (no earlier bake in
# output/, so changes/latest.json is against nothing, as in TestBakeReproducible)
# and commit its manifest.
golden:
	find output -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -f manifest.json prebake-report.jsonl
	$(MAKE) run
	cp manifest.json $(GOLDEN)

test:
	bash scripts/setup-peers.sh
	$(GO) vet ./...
	@# The clustering's helper goroutines (lookahead queries, the KD-tree's two
	@# halves) under the race detector.
	$(GO) test -count=1 -race -run 'TestLookahead|TestLoadSameOnAnyGOMAXPROCS|TestBuildSameOnAnyGOMAXPROCS|TestLoadPanicStopsLookahead' ./cluster
	@# One bake of the real data in ../shared for the whole run (internal/testkit/realbake),
	@# read by every Go package and pytest that needs it; empty without ../shared
	@# outside CI (those tests then skip).
	PREBAKE_REALBAKE="$$($(GO) run ./internal/testkit/realbake/cmd/realbake)" && export PREBAKE_REALBAKE && \
		$(GO) test -count=1 -timeout 80m $(GOTESTFLAGS) ./... && \
		bash scripts/test-python.sh $(PYTESTFLAGS)

bench: build
	bash scripts/setup-peers.sh
	bash scripts/bench.sh

clean:
	find output -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf bin dist .cache/sample prebake-report.jsonl manifest.json
