#!/usr/bin/env bash
# Compares sipscope with sipnab, sngrep, tshark and the bare libpcap read loop on one large capture, in
# one run, RUNS rounds of every tool (default 3, tools interleaved): wall time, CPU time (user+sys) and peak RSS from
# /usr/bin/time -v, then the ratios. Builds the capture if missing (root; see
# shared/bench/README.md). Installs sngrep and tshark if missing (Debian packages). sngrep and
# tshark take many minutes per run on the large capture, so they run SLOW_RUNS times (default 1).
#
#   scripts/bench.sh [CAPTURE]          # default /work/bench/big-1m.pcap
#   TOOLS="floor sipscope-report sipnab" scripts/bench.sh   # a subset
#
# sipnab (the closest Rust peer) runs when built from its public source outside the repo by
# ../shared/peers/build-sipnab.sh (SIPNAB=path to point elsewhere); skipped with a message when
# absent. At the end the targets of issue 16 are checked: report >= 1,000,000 SIP messages per
# CPU second and >= 5x sipnab's CPU, report peak memory <= 100 MB, messages within 3x the floor.
# sipscope-report and sipscope-messages are the profile-guided build of scripts/build-pgo.sh
# (PGO=0, or no llvm-tools: the plain release build); sipscope-*-plain are the plain build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIG=${1:-${BIG:-/work/bench/big-1m.pcap}}
RUNS=${RUNS:-3}
SLOW_RUNS=${SLOW_RUNS:-1}
SIPNAB=${SIPNAB:-/tmp/sipnab-target/release/sipnab}
SHARED=${SHARED:-../shared}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
for tool in sngrep tshark; do
  command -v $tool >/dev/null || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $tool; }
done
command -v /usr/bin/time >/dev/null || $SUDO apt-get install -y -qq time
if [ ! -f "$BIG" ]; then
  seed=$(mktemp -d)
  $SUDO "$SHARED/lab/make-captures.sh" "$seed" load_20k
  mkdir -p "$(dirname "$BIG")"
  python3 "$SHARED/bench/make-big-pcap.py" "$seed/lab-load-20k-udp.pcap" --messages 1000000 --out "$BIG"
fi
cargo build --release --quiet
cargo build --release --quiet --example pcap_floor
# The build under test: profile-guided (scripts/build-pgo.sh) unless PGO=0 or it cannot be made;
# the plain release build runs too, as sipscope-*-plain.
BIN=target/release/sipscope
if [ "${PGO:-1}" != 0 ]; then
  status=0
  pgo=$(scripts/build-pgo.sh) || status=$?
  case $status in
    0) BIN=$pgo ;;
    # Exit 2: no llvm-profdata or python3. Anything else (a build that fails, outputs that differ) stops.
    2) echo "PGO build not made (see above): sipscope-report and sipscope-messages are the plain build" ;;
    *) exit "$status" ;;
  esac
fi
msgs=$(target/release/sipscope messages -r "$BIG" --format ndjson 2>&1 >/dev/null | sed -n 's/.* packets, \([0-9]*\) SIP messages.*/\1/p')
calls=$(python3 -c "print(int($msgs / 6 * 1.5))")
echo "capture: $BIG, $(stat -c %s "$BIG") bytes, $msgs SIP messages"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GiB; $(date -u +%F)"
declare -A CMD=(
  [floor]="target/release/examples/pcap_floor $BIG"
  [sipscope-report]="$BIN report -r $BIG --format json"
  [sipscope-messages]="$BIN messages -r $BIG --format ndjson"
  [sipscope-report-plain]="target/release/sipscope report -r $BIG --format json"
  [sipscope-messages-plain]="target/release/sipscope messages -r $BIG --format ndjson"
  [sipnab]="$SIPNAB -N --report --no-cli-print --no-rtp -I $BIG"
  [sngrep]="sngrep -N -q -l $calls -I $BIG"
  [tshark]="tshark -r $BIG -Y sip -T fields -e sip.Call-ID"
)
ORDER=${TOOLS:-floor sipscope-report sipscope-messages sipscope-report-plain sipscope-messages-plain sipnab sngrep tshark}
if [ "$BIN" = target/release/sipscope ]; then
  ORDER=${ORDER//sipscope-report-plain/}
  ORDER=${ORDER//sipscope-messages-plain/}
fi
echo "sipscope-report and sipscope-messages: $BIN"
out=$(mktemp)
if [[ " $ORDER " == *" sipnab "* ]] && [ ! -x "$SIPNAB" ]; then
  echo "sipnab: not built ($SIPNAB); skipped (../shared/peers/build-sipnab.sh builds it)"
  ORDER=${ORDER//sipnab/}
fi
# Round by round, every tool once per round: the VM's speed drifts by the minute, and each
# ratio should compare runs made under the same conditions (sngrep and tshark in the first
# SLOW_RUNS rounds only).
for i in $(seq 1 "$(( RUNS > SLOW_RUNS ? RUNS : SLOW_RUNS ))"); do
  for name in $ORDER; do
    case $name in sngrep|tshark) n=$SLOW_RUNS ;; *) n=$RUNS ;; esac
    [ "$i" -le "$n" ] || continue
    /usr/bin/time -v -o "$out.time" ${CMD[$name]} > /dev/null 2>"$out.err" || true
    wall=$(awk -F': ' '/Elapsed/ {print $2}' "$out.time")
    user=$(awk -F': ' '/User time/ {print $2}' "$out.time")
    sys=$(awk -F': ' '/System time/ {print $2}' "$out.time")
    rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$out.time")
    echo "$name $i $wall $user $sys $rss" >> "$out"
  done
done
python3 - "$out" "$msgs" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    name, _, wall, user, sys_, rss = line.split()
    m, s = wall.split(":")[-2:]
    rows.setdefault(name, []).append((float(m) * 60 + float(s), float(user) + float(sys_), int(rss) / 1024))
msgs = int(sys.argv[2])
med = {n: tuple(statistics.median(x[i] for x in v) for i in range(3)) for n, v in rows.items()}
print(f"{'tool':<23} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'msg/s (cpu)':>12}")
for n, (w, c, r) in med.items():
    print(f"{n:<23} {w:>8.2f} {c:>8.2f} {r:>9.1f} {msgs / c if c else 0:>12,.0f}")
r, m, s, t, f = (med.get(k) for k in ("sipscope-report", "sipscope-messages", "sngrep", "tshark", "floor"))
n = med.get("sipnab")
print()
if r and n: print(f"sipnab / sipscope report: CPU {n[1] / r[1]:.1f}x, peak memory {n[2] / r[2]:.1f}x")
if r and s: print(f"sngrep / sipscope report: CPU {s[1] / r[1]:.1f}x, peak memory {s[2] / r[2]:.1f}x")
if r and t: print(f"tshark / sipscope report: CPU {t[1] / r[1]:.1f}x, peak memory {t[2] / r[2]:.1f}x")
if r and f: print(f"sipscope report / libpcap floor: CPU {r[1] / f[1]:.1f}x")
if m and f: print(f"sipscope messages / libpcap floor: CPU {m[1] / f[1]:.1f}x")
rp, mp = med.get("sipscope-report-plain"), med.get("sipscope-messages-plain")
if r and rp: print(f"plain build / tested build: report CPU {rp[1] / r[1]:.2f}x")
if m and mp: print(f"plain build / tested build: messages CPU {mp[1] / m[1]:.2f}x")
# The same ratios taken round by round (each tool's run against the other's in the same round),
# for information: the targets below use the medians above.
def paired(a, b):
    pairs = [x[1] / y[1] for x, y in zip(rows.get(a, []), rows.get(b, [])) if y[1]]
    return f"{statistics.median(pairs):.1f}x (rounds: {', '.join(f'{p:.1f}' for p in pairs)})" if pairs else None
for label, a, b in (("sipnab / sipscope report", "sipnab", "sipscope-report"),
                    ("sipscope messages / libpcap floor", "sipscope-messages", "floor")):
    p = paired(a, b)
    if p: print(f"{label}, round by round: median {p}")
print()
def target(name, ok, got):
    print(f"target {name}: {'met' if ok else 'MISSED'} ({got})")
if r:
    target("report >= 1,000,000 SIP messages per CPU second", msgs / r[1] >= 1e6, f"{msgs / r[1]:,.0f}")
    target("report peak memory <= 100 MB", r[2] * 1024 * 1024 <= 100e6, f"{r[2] * 1.048576:.0f} MB")
if r and n: target("report >= 5x sipnab's CPU", n[1] / r[1] >= 5, f"{n[1] / r[1]:.1f}x")
if m and f: target("messages within 3x the libpcap floor", m[1] / f[1] <= 3, f"{m[1] / f[1]:.1f}x")
PY
