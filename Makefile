# kvdeck's two commands: `make demo` runs kvdeck on the embedded demo store,
# `make test` installs what the tests need (on Debian) and runs every test.
GO ?= go

.PHONY: demo test deps build screenshots bench bench-inprocess vet random

# CGO_ENABLED=0: a static binary (Go's own resolver and user lookup, which
# kvdeck needs nothing beyond), so no dynamic loader and libc are mapped at
# every start: about 5 ms of a 60 ms start-up on the project's machine.
build:
	CGO_ENABLED=0 $(GO) build -o bin/kvdeck .

demo:
	$(GO) run . --demo

# deps installs the servers and tools the tests drive for real: redis-server
# (and redis-cli for the cluster test), tmux for the end-to-end tests and
# sshd for the SSH tunnel tests, with ip, nsenter and useradd for the
# network namespace and throwaway user they make. NATS runs in-process, from the Go module.
deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v redis-cli >/dev/null || missing="$$missing redis-tools"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	test -x /usr/sbin/sshd || missing="$$missing openssh-server"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	command -v nsenter >/dev/null || missing="$$missing util-linux"; \
	command -v useradd >/dev/null || missing="$$missing passwd"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
		{ echo "could not install$$missing: install them with apt-get install -y$$missing"; exit 1; }; \
	fi

# -count=1: the end-to-end tests build the binary themselves, so go test's
# cache cannot see that they depend on every package; never trust a cached
# pass.
test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 40m ./...

vet:
	$(GO) vet ./...

# random is the long randomized run of every store (make test runs 1,000
# operations each): user operations interleaved with a second client's
# writes, checked against a model. RANDOM_OPS and RANDOM_SEED change it.
RANDOM_OPS ?= 100000
random:
	KVDECK_RANDOM_OPS=$(RANDOM_OPS) $(if $(RANDOM_SEED),KVDECK_RANDOM_SEED=$(RANDOM_SEED)) \
		$(GO) test -count=1 -v -timeout 120m -run '^TestRandom$$' ./backend/redis/ ./backend/nats/ ./backend/local/ | grep -E 'RunRandom|^(ok|FAIL|---)' 

screenshots:
	$(GO) run ./screenshots/gen

# bench measures kvdeck end to end, as a user sees it: the built binary in
# a pseudo-terminal against real servers it starts, each figure beside the
# floor (the plainest client doing the same work) from the same run.
# BENCH_FLAGS adds rows or changes runs: -ten-million (10M-key Redis rows,
# ~3 GB for redis-server), -nats-million, -rows redis1m,nats100k, -runs 5.
bench: deps
	GO=$(GO) $(GO) run ./bench/e2e $(BENCH_FLAGS)

# bench-inprocess runs the benchmarks inside one Go process: the model's
# and the ui's Go benchmarks, and the store listings without a terminal.
bench-inprocess:
	$(GO) test -run '^$$' -bench . -benchmem ./model/... ./ui/... ./backend/local/...
	$(GO) run ./bench/redis
	$(GO) run ./bench/nats
	$(GO) run ./bench/startup
