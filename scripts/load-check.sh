#!/usr/bin/env bash
# Load check for live capture (root): SIPp pushes RATE calls per second for SECONDS seconds through
# loopback (127.0.0.60 -> 127.0.0.61, mixed outcomes drawn by the UAS) while `sipscope report -i lo`
# captures. Passes when kernel, interface and queue drops are 0 and every call SIPp made is in the
# report with a final answer. Every process is bounded (-m, -timeout) and stopped by its PID.
#
#   sudo scripts/load-check.sh 2000 10      # 20,000 calls at 2,000 calls/s
#
# The kernel buffer is -B 128 (LOADCHECK_BUFFER=MiB to change it). SIPp starts only once sipscope
# says it is capturing: with a fixed one-second wait, -B 256 on lo lost ~5 % of the first second's
# packets without any drop counter showing it (opening the interface took longer than the wait).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-1000}
SECONDS_RUN=${2:-10}
CALLS=$((RATE * SECONDS_RUN))
[ "$(id -u)" = 0 ] || { echo "needs root (live capture on lo)"; exit 1; }
command -v sipp >/dev/null || { echo "needs sipp (Debian sip-tester)"; exit 1; }
BIN=${SIPSCOPE:-target/release/sipscope}
[ -x "$BIN" ] || cargo build --release --quiet
work=$(mktemp -d)
cleanup() { for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
PIDS=""
"$BIN" report -i lo -f "host 127.0.0.60 and host 127.0.0.61" -B ${LOADCHECK_BUFFER:-128} --duration $((SECONDS_RUN + 120))s --format json \
  > "$work/report.json" 2> "$work/sipscope.err" &
SIPSCOPE_PID=$!; PIDS="$SIPSCOPE_PID"
# Wait until it captures (opening lo with a large -B can take over a second; a blind sleep lost
# the first packets without any counter showing it).
for _ in $(seq 100); do grep -q "capturing on" "$work/sipscope.err" 2>/dev/null && break; sleep 0.1; done
grep -q "capturing on" "$work/sipscope.err" || { echo "sipscope did not start capturing:"; cat "$work/sipscope.err"; exit 1; }
sipp -sf tests/sipp/uas_load.xml -i 127.0.0.61 -p 5060 -m "$CALLS" -nostdin -timeout $((SECONDS_RUN + 60)) -buff_size 8388608 \
  > "$work/uas.log" 2>&1 &
UAS_PID=$!; PIDS="$PIDS $UAS_PID"
sleep 0.5
start=$(date +%s.%N)
sipp 127.0.0.61:5060 -sf tests/sipp/uac_load.xml -i 127.0.0.60 -p 5060 -s bob -m "$CALLS" -r "$RATE" -l $((RATE * 4)) \
  -cid_str "load-%u@%s" -nostdin -timeout $((SECONDS_RUN + 60)) -buff_size 8388608 > "$work/uac.log" 2>&1 || echo "SIPp UAC exit $? (failed calls, see $work/uac.log)"
end=$(date +%s.%N)
wait "$UAS_PID" 2>/dev/null || true
sleep 2
kill -INT "$SIPSCOPE_PID"
wait "$SIPSCOPE_PID" || true
python3 - "$work" "$CALLS" "$RATE" "$start" "$end" <<'PY'
import json, sys, collections
work, calls, rate, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
r = json.load(open(f"{work}/report.json"))
cap = r["capture"]
finals = collections.Counter(c["final_code"] for c in r["calls"])
made = len(r["calls"])
print(f"offered {rate} calls/s for {calls // rate} s ({calls} calls); SIPp took {end - start:.1f} s ({calls / (end - start):.0f} calls/s achieved)")
print(f"sipscope: {cap['packets']} packets, {cap['sip_messages']} SIP messages, {made} calls, final codes {dict(sorted(finals.items(), key=lambda x: (x[0] is None, x[0] or 0)))}")
print(f"drops: kernel {cap['kernel_drops']}, interface {cap['interface_drops']}, queue {cap['queue_drops']}")
ok = cap["kernel_drops"] == 0 and cap["interface_drops"] == 0 and cap["queue_drops"] == 0 and made == calls and None not in finals
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
