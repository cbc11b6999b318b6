#!/usr/bin/env bash
# RTP-heavy benchmark: CALLS concurrent G.711 calls for SECONDS (default 1,000 x 60 s: 6 million
# RTP packets, ~1.3 GB, made by scripts/make-rtp-bench.py if missing). Measures, in one run, RUNS
# times each (default 3, medians): the bare libpcap read loop (the floor), `sipscope report`
# (calls, media, rules, JSON), and when present sipnab (`SIPNAB=path`, built outside the repo by
# shared/peers/build-sipnab.sh; its RTP analysis on) and tshark -z rtp,streams (SLOW_RUNS, default
# 1). CPU is user + system from /usr/bin/time -v. Prints the per-packet cost and the ratios.
#
#   scripts/bench-rtp.sh [CAPTURE]                 # default /work/bench/rtp-1000x60.pcap
#   CALLS=200 SECONDS_RTP=30 scripts/bench-rtp.sh /tmp/rtp-small.pcap
#   TOOLS="floor sipscope-report" scripts/bench-rtp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CAP=${1:-/work/bench/rtp-1000x60.pcap}
RUNS=${RUNS:-3}
SLOW_RUNS=${SLOW_RUNS:-1}
SIPNAB=${SIPNAB:-/tmp/sipnab-target/release/sipnab}
command -v /usr/bin/time >/dev/null || { SUDO=$([ "$(id -u)" = 0 ] || echo sudo); $SUDO apt-get install -y -qq time; }
if [ ! -f "$CAP" ]; then
  mkdir -p "$(dirname "$CAP")"
  python3 scripts/make-rtp-bench.py --calls "${CALLS:-1000}" --seconds "${SECONDS_RTP:-60}" --out "$CAP"
fi
cargo build --release --quiet
cargo build --release --quiet --example pcap_floor
packets=$(target/release/examples/pcap_floor "$CAP" 2>&1 | grep -o '[0-9]* packets' | head -1 | cut -d' ' -f1 || true)
echo "capture: $CAP, $(stat -c %s "$CAP") bytes, ${packets:-?} packets"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
declare -A CMD=(
  [floor]="target/release/examples/pcap_floor $CAP"
  [sipscope-report]="target/release/sipscope report -r $CAP --format json"
  [sipnab]="$SIPNAB -N --report --no-cli-print -I $CAP"
  [tshark-rtp]="tshark -n -r $CAP -q -z rtp,streams"
)
ORDER=${TOOLS:-floor sipscope-report sipnab tshark-rtp}
out=$(mktemp)
for name in $ORDER; do
  if [ "$name" = sipnab ] && [ ! -x "$SIPNAB" ]; then echo "sipnab: not built ($SIPNAB); skipped (../shared/peers/build-sipnab.sh builds it)"; continue; fi
  if [ "$name" = tshark-rtp ] && ! command -v tshark >/dev/null; then echo "tshark: not installed; skipped"; continue; fi
  case $name in tshark-rtp|sipnab) n=$SLOW_RUNS ;; *) n=$RUNS ;; esac
  for i in $(seq 1 "$n"); do
    /usr/bin/time -v -o "$out.time" ${CMD[$name]} > /dev/null 2>"$out.err" || true
    wall=$(awk -F': ' '/Elapsed/ {print $2}' "$out.time")
    user=$(awk -F': ' '/User time/ {print $2}' "$out.time")
    sys=$(awk -F': ' '/System time/ {print $2}' "$out.time")
    rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$out.time")
    echo "$name $i $wall $user $sys $rss" >> "$out"
  done
done
python3 - "$out" "${packets:-0}" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    name, _, wall, user, sys_, rss = line.split()
    m, s = wall.split(":")[-2:]
    rows.setdefault(name, []).append((float(m) * 60 + float(s), float(user) + float(sys_), int(rss) / 1024))
pk = int(sys.argv[2])
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(3)) for n, v in rows.items()}
print(f"{'tool':<18} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'packets/s (cpu)':>16} {'ns/packet':>10}")
for n, (w, c, r) in med.items():
    print(f"{n:<18} {w:>8.2f} {c:>8.2f} {r:>9.1f} {pk / c if c else 0:>16,.0f} {c * 1e9 / pk if pk else 0:>10.0f}")
f, r, s, t = (med.get(k) for k in ("floor", "sipscope-report", "sipnab", "tshark-rtp"))
print()
if r and f: print(f"sipscope report / libpcap floor: CPU {r[1] / f[1]:.1f}x")
if r and s: print(f"sipnab / sipscope report: CPU {s[1] / r[1]:.1f}x, peak memory {s[2] / r[2]:.1f}x")
if r and t: print(f"tshark rtp,streams / sipscope report: CPU {t[1] / r[1]:.1f}x, peak memory {t[2] / r[2]:.1f}x")
PY
