# sipscope: the two quick-start commands (`make demo`, `make test`) install what they need.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_CAPTURE ?= pcaps/lab-fork-603-nocancel.pcap

.PHONY: soak demo test deps test-deps lint bench-messages bench-dashboard load-check line-rate fuzz-short fuzz-long bench bench-rtp bench-pipeline release-pgo

PACKAGES := libpcap-dev pkg-config
TEST_PACKAGES := $(PACKAGES) tmux sip-tester tcpdump tshark kamailio prometheus python3

# Debian packages: libpcap (capture) and pkg-config (to find it); tests also drive tmux, SIPp,
# tcpdump, tshark (the RTP oracle), Kamailio (HEP3 from siptrace, to sipcapture) and promtool
# (package prometheus, checks the monitor's metrics); Python 3 runs tshark's RTP reference in a
# media test, the fuzzing summary, and makes the steady call traffic the profile-guided build
# trains on.
deps:
	@if ! dpkg -s $(PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(PACKAGES)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(PACKAGES); \
	fi

test-deps:
	@if ! dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(TEST_PACKAGES)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES); \
	fi

# The dashboard on the built-in demo capture (q quits).
demo: deps
	cargo run --release --quiet -- --demo

# Formatting, lints and the whole test suite.
test: test-deps lint
	cargo test --workspace --all-targets

# Live capture under load (root): RATE calls/s for SECONDS through loopback, drops must be 0.
load-check: deps
	cargo build --release --quiet
	scripts/load-check.sh $(or $(RATE),2000) $(or $(SECONDS),10)

# Live capture at line rate (root): the bench capture (built by `make bench` if missing) replayed
# onto lo by tcpreplay at fixed rates and at top speed while `sipscope report -i lo` captures
# (the dashboard with DASHBOARD=1); every rate must lose nothing (docs/performance.md).
BIG ?= /work/bench/big-1m.pcap
PPS ?= 100000,250000,topspeed
LIMIT ?= 1111590
line-rate: deps
	@command -v tcpreplay >/dev/null || { $(SUDO) apt-get update -qq; $(SUDO) apt-get install -y -qq tcpreplay; }
	@test -f $(BIG) || PGO=0 TOOLS=floor scripts/bench.sh $(BIG)
	cargo build --release --quiet
	scripts/line-rate.sh $(if $(DASHBOARD),--dashboard) --pps $(PPS) --limit $(LIMIT) $(BIG)

# A monitor under steady SIPp load (root): tables and memory must stay flat. The suite runs
# 90 s at 100 calls/s; this is the long run (docs/monitor.md).
soak: deps
	cargo build --release --quiet
	scripts/soak.sh $(or $(SECONDS),3600) $(or $(RATE),200)

# Coverage-guided fuzzing: a short run of every target (CI), or the long one.
fuzz-short: deps
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),10)

fuzz-long: deps
	RUNS=10000000 scripts/fuzz.sh

# The release build with profile-guided optimisation, trained on the bundled captures and checked
# against the plain build's outputs: target/pgo/release/sipscope (docs/performance.md, round nine).
release-pgo: deps
	scripts/build-pgo.sh

# sipscope against sngrep, tshark and the bare libpcap loop on a large capture (docs/performance.md).
bench: deps
	scripts/bench.sh

# RTP-heavy: 1,000 concurrent G.711 calls for 60 s (6 M RTP packets) against the libpcap floor,
# sipnab (when built by ../shared/peers/build-sipnab.sh) and tshark -z rtp,streams.
bench-rtp: deps
	scripts/bench-rtp.sh

# Micro-benchmarks of the scanner, TCP reassembly and the engine.
bench-pipeline: deps
	cargo bench -p sipscope-core --bench pipeline

# Frame render time of the dashboard on a 1,000,000-message model (docs/performance.md).
bench-dashboard: deps
	cargo bench --bench dashboard

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# Throughput of `messages --format ndjson` on a large capture (see docs/performance.md).
bench-messages: deps
	scripts/bench-messages.sh
