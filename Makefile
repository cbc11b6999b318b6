# sipscope: the two quick-start commands (`make demo`, `make test`) install what they need.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_CAPTURE ?= pcaps/lab-fork-603-nocancel.pcap

.PHONY: demo test deps lint bench-messages

# Debian packages the build needs: libpcap (capture) and pkg-config (to find it).
deps:
	@if ! dpkg -s libpcap-dev pkg-config >/dev/null 2>&1; then \
		echo "Installing libpcap-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpcap-dev pkg-config; \
	fi

# Shows sipscope on a bundled capture.
demo: deps
	cargo run --release --quiet -- report -r $(DEMO_CAPTURE)
	cargo run --release --quiet -- messages -r $(DEMO_CAPTURE)

# Formatting, lints and the whole test suite.
test: deps lint
	cargo test --all-targets

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# Throughput of `messages --format ndjson` on a large capture (see docs/performance.md).
bench-messages: deps
	scripts/bench-messages.sh
