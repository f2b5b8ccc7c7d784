# Insyn. `make demo` runs the demo, `make test` runs the tests; both install
# what is missing from Debian's packages first.
GO       ?= go
# A count, not a duration: duration-bounded fuzzing can fail spuriously with
# "context deadline exceeded" (golang/go#75804).
FUZZTIME ?= 10000x
BIN      := bin/insyn

.PHONY: all build deps deps-test demo test vet unit fuzz-smoke fuzz bench bench-ingest bench-extract bench-web bench-review clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/insyn

deps:
	@.ci/install-deps

deps-test:
	@.ci/install-deps test

demo: deps build
	$(BIN) demo

test: deps-test vet unit fuzz-smoke

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 20m ./...

# A short run of every fuzz target; `make fuzz` runs them for longer.
FUZZ_PKGS := $(shell grep -rl --include='*_test.go' '^func Fuzz' . 2>/dev/null | xargs -r -n1 dirname | sort -u)

fuzz-smoke:
	@for p in $(FUZZ_PKGS); do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$p/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$p $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$p || exit 1; \
	  done; \
	done

fuzz:
	$(MAKE) fuzz-smoke FUZZTIME=2m

bench: deps-test bench-ingest bench-extract bench-web bench-review

bench-ingest:
	$(GO) test -run='^$$' -bench=BenchmarkIngestVsCopy -benchtime=1x -timeout 60m ./portal/ingest/

bench-extract:
	$(GO) test -run='^$$' -bench=BenchmarkPDF -benchtime=1x -timeout 30m ./extract/

# The history page of a patient with 500 accesses among 5,000,000 events
# (INSYN_BENCH_EVENTS), under 4 concurrent clients, beside the same read in SQL.
bench-web:
	$(GO) test -run='^$$' -bench=BenchmarkHistoryPage -benchtime=1x -timeout 60m ./portal/web/

# Explanations and rules over 1,000,000 events (ten days; INSYN_BENCH_EVENTS
# changes it) beside a sequential scan of them, then one more day.
bench-review:
	INSYN_BENCH_EVENTS=$${INSYN_BENCH_EVENTS:-1000000} $(GO) test -run='^$$' -bench=BenchmarkReview -benchtime=1x -timeout 60m ./portal/review/

clean:
	rm -rf bin
