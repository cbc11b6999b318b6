#!/usr/bin/env bash
# Throughput benchmark: SIP messages per second for `sipscope messages --format ndjson > /dev/null`.
#
# Uses BIG (default /work/bench/big-1m.pcap, or $1). If it is missing and we are root, builds it
# the documented way: the lab's load_20k case grown to 1,000,000 messages by make-big-pcap.py
# (shared/bench/README.md). Runs the command RUNS times (default 5) and prints each run's wall
# and CPU time, peak RSS and messages per second of CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
BIG=${1:-${BIG:-/work/bench/big-1m.pcap}}
RUNS=${RUNS:-5}
SHARED=${SHARED:-../shared}
if [ ! -f "$BIG" ]; then
  [ "$(id -u)" = 0 ] || { echo "need root to build $BIG with the lab (or pass an existing capture)"; exit 1; }
  seed=$(mktemp -d)
  "$SHARED/lab/make-captures.sh" "$seed" load_20k
  mkdir -p "$(dirname "$BIG")"
  python3 "$SHARED/bench/make-big-pcap.py" "$seed/lab-load-20k-udp.pcap" --messages 1000000 --out "$BIG"
fi
command -v /usr/bin/time >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq time; }
cargo build --release --quiet
bin=target/release/sipscope
msgs=$($bin messages -r "$BIG" --format ndjson 2>&1 >/dev/null | sed -n 's/.* packets, \([0-9]*\) SIP messages.*/\1/p')
echo "capture: $BIG ($msgs SIP messages), machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for i in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "%e %U %S %M" -o /tmp/sipscope-bench.$$ $bin messages -r "$BIG" --format ndjson >/dev/null 2>/dev/null
  read -r wall user sys rss < /tmp/sipscope-bench.$$
  awk -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v m="$msgs" -v i="$i" \
    'BEGIN { printf "run %d: wall %.2f s, cpu %.2f s, peak RSS %.1f MiB, %.0f msg/s (cpu), %.0f msg/s (wall)\n", i, w, u+s, r/1024, m/(u+s), m/w }'
done
rm -f /tmp/sipscope-bench.$$
