# meshflow: `make run` to start it, `make test` to check everything.
# Both install what they need first (scripts/install-deps.sh).

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DATA     ?=
ADDR     ?= 127.0.0.1:8080

DESKTOP_TAGS := desktop,production,webkit2_41

.PHONY: run build deps test-deps generate check check-generated check-vendor fmt \
        lint vet test test-go fuzz test-desktop desktop desktop-windows bench clean

## run: install, generate, build, serve on $(ADDR) with the default data dir, and open the login link
run: deps generate build
	./bin/meshflow serve --open --addr $(ADDR) $(if $(DATA),--data $(DATA))

deps:
	scripts/install-deps.sh run

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/meshflow .

## generate: templ components → *_templ.go (committed)
generate:
	$(GO) tool templ generate -path frontend

## test: everything CI runs: install, stale-file checks, lint, vet, tests, fuzzing, desktop smoke test
test: test-deps check lint vet test-go fuzz test-desktop

test-deps:
	scripts/install-deps.sh test

check: check-generated check-vendor
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi

## check-generated: fail if a committed *_templ.go differs from what templ generates
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && cp -r frontend $$tmp/ && \
	  $(GO) tool templ generate -path $$tmp/frontend >/dev/null 2>&1 && \
	  if ! diff -r -q -x node_modules frontend $$tmp/frontend; then \
	    echo "generated templ files are stale: run 'make generate' and commit"; exit 1; fi

check-vendor:
	scripts/vendor-assets.sh --check

lint:
	.bin/golangci-lint run ./...

vet:
	$(GO) vet ./...
	$(GO) vet -tags $(DESKTOP_TAGS) ./app/...

test-go:
	$(GO) test -race -count=1 ./...

## fuzz: the DAG loader must survive 30 s of coverage-guided random input;
## minimizing a new input may take 2 s (the default 60 s ate the whole budget)
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s -fuzzminimizetime 2s ./backend/dag/

## test-desktop: build the desktop app and check its window shows the Overview under Xvfb
test-desktop:
	$(GO) test -count=1 -tags desktopsmoke -run TestDesktopSmoke -v ./app/

## desktop: the Linux desktop app (needs libgtk-3-dev, libwebkit2gtk-4.1-dev)
desktop:
	$(GO) build -tags $(DESKTOP_TAGS) -ldflags "-w -s $(LDFLAGS)" -o bin/meshflow-desktop .

## desktop-windows: cross-build the Windows desktop exe (needs gcc-mingw-w64-x86-64)
desktop-windows:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -tags desktop,production -ldflags "-w -s -H windowsgui $(LDFLAGS)" -o bin/meshflow.exe .

clean:
	rm -rf bin

## bench: Go benchmarks (page renders, audit writes) and start-up/memory figures; see docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...
	scripts/bench-startup.sh
