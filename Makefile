# sipctl — see README.md. `make demo` runs the main job against the built-in
# sandbox; `make test` installs the test peers (as root) and runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG      := github.com/sipctl/sipctl/internal/build
LDFLAGS  := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)

.PHONY: build demo test test-deps lint docs bench bench-startup bench-rotate bench-apply bench-kamailio bench-asterisk bench-telnyx bench-plivo bench-signalwire clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/sipctl ./cmd/sipctl

demo:
	@echo "Building sipctl (bin/sipctl), then running the main job against the built-in sandbox..."
	@$(MAKE) --no-print-directory -s build
	@./scripts/demo.sh ./bin/sipctl

test-deps:
	./scripts/test-deps.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: test-deps lint
	$(GO) test -timeout 40m ./...

docs:
	$(GO) test ./internal/docgen -run TestGeneratedFilesUpToDate -update

bench: bench-startup bench-rotate bench-apply bench-kamailio bench-asterisk bench-telnyx bench-plivo bench-signalwire

bench-startup:
	./scripts/bench-startup.sh

bench-rotate:
	./scripts/bench-rotate.sh

bench-apply:
	./scripts/bench-apply.sh

bench-kamailio:
	./scripts/bench-kamailio.sh

bench-asterisk:
	./scripts/bench-asterisk.sh

bench-telnyx:
	./scripts/bench-telnyx.sh

bench-plivo:
	./scripts/bench-plivo.sh

bench-signalwire:
	./scripts/bench-signalwire.sh

clean:
	rm -rf bin dist
