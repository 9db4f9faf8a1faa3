# kvdeck's two commands: `make demo` runs kvdeck on the embedded demo store,
# `make test` installs what the tests need (on Debian) and runs every test.
GO ?= go

.PHONY: demo test deps build screenshots bench vet

build:
	$(GO) build -o bin/kvdeck .

demo:
	$(GO) run . --demo

# deps installs the servers and tools the tests drive for real: redis-server
# (and redis-cli for the cluster test) and tmux for the end-to-end tests.
# NATS runs in-process, from the Go module.
deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v redis-cli >/dev/null || missing="$$missing redis-tools"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
		{ echo "could not install$$missing: install them with apt-get install -y$$missing"; exit 1; }; \
	fi

test: deps
	$(GO) vet ./...
	$(GO) test -race -timeout 40m ./...

vet:
	$(GO) vet ./...

screenshots:
	$(GO) run ./screenshots/gen

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/... ./ui/... ./backend/local/...
	$(GO) run ./bench/redis
	$(GO) run ./bench/nats
