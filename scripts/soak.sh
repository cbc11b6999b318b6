#!/usr/bin/env bash
# soak.sh — does `sipscope monitor` stay flat under steady traffic? (root: live capture on lo)
#
#   sudo scripts/soak.sh [SECONDS] [RATE] [OUTDIR]      # default 90 s at 100 calls/s
#   sudo scripts/soak.sh 3600 200                      # the long run documented in docs/monitor.md
#
# SIPp places RATE calls per second for SECONDS seconds through loopback (127.0.0.180 ->
# 127.0.0.181, the load UAS draws an outcome per call: answered with 1 s of talk, busy, declined,
# refused, cancelled) while `sipscope monitor -i lo --metrics` runs. Every 5 s the metrics
# endpoint is scraped (OUTDIR/samples.tsv): resident memory, calls held, each bounded table,
# messages read, drops. The run then waits for the last calls to leave memory.
#
# Verdict (exit 0 only when all hold):
# - no packet dropped (kernel, interface, queue);
# - steady state: once the first calls have left memory (their 32 s linger), the tables of live
#   state (calls, registrations, TCP streams, IP fragments, media addresses) do not grow: the
#   largest value in the last third of the load is at most 1.25x (plus 50) the largest in the
#   middle third;
# - memory: resident memory grows in the last third by no more than the table of remembered
#   Call-IDs explains (it keeps a compact record of every ended call up to its bound of 262,144,
#   by design): at most 400 bytes per remembered Call-ID added, plus 4 MiB;
# - every call SIPp made is counted in sipscope_calls_total once the monitor stops.
# Traffic stays on 127.0.0.0/8; every process is bounded and stopped by its PID.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-90}
RATE=${2:-100}
OUT=${3:-$ROOT/target/soak}
SIPSCOPE=${SIPSCOPE:-$ROOT/target/release/sipscope}
CALLS=$((SECS * RATE))
PORT=${SOAK_METRICS_PORT:-9477}
UAC=127.0.0.180 UAS=127.0.0.181

[ "$(id -u)" = 0 ] || { echo "needs root (live capture on lo)" >&2; exit 2; }
for t in sipp curl python3; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
[ -x "$SIPSCOPE" ] || { echo "missing $SIPSCOPE (cargo build --release)" >&2; exit 2; }
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
chmod 0777 "$OUT"  # the monitor runs as nobody once the capture is open, and writes final.prom here
rm -f "$OUT"/samples.tsv "$OUT"/final.prom "$OUT"/*.log
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

# The monitor runs the load, then up to 60 s for the last calls' linger, and stops by itself.
"$SIPSCOPE" monitor -i lo -f "host $UAC and host $UAS" --metrics 127.0.0.1:$PORT \
  --metrics-file "$OUT/final.prom" --duration $((SECS + 90))s 2>"$OUT/monitor.log" &
MON=$!; PIDS+=("$MON")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null && break; sleep 0.2; done

sipp -sf "$ROOT/tests/sipp/uas_load.xml" -i $UAS -p 5060 -m $CALLS -nostdin -timeout $((SECS + 60)) \
  -buff_size 8388608 >"$OUT/uas.log" 2>&1 &
UASP=$!; PIDS+=("$UASP")
sleep 0.5
sipp $UAS:5060 -sf "$ROOT/tests/sipp/uac_load.xml" -i $UAC -p 5060 -s bob -m $CALLS -r $RATE -l $((RATE * 4)) \
  -cid_str "soak-%u@%s" -nostdin -timeout $((SECS + 60)) -buff_size 8388608 >"$OUT/uac.log" 2>&1 &
UACP=$!; PIDS+=("$UACP")
log "monitor pid $MON, $CALLS calls at $RATE/s for ${SECS}s"

sample() {  # t phase -> one TSV line
  curl -sf "http://127.0.0.1:$PORT/metrics" | python3 -c '
import sys
v = {}
for l in sys.stdin:
    if l.startswith("#") or not l.strip(): continue
    k, x = l.rsplit(" ", 1); v[k] = float(x)
g = lambda k: int(v.get(k, 0))
t = lambda n: g("sipscope_table_entries{table=\"%s\"}" % n)
drops = sum(g("sipscope_capture_drops_total{stage=\"%s\"}" % s) for s in ("kernel", "interface", "queue"))
print("\t".join(map(str, [sys.argv[1], sys.argv[2], g("sipscope_process_resident_memory_bytes"), t("calls"), t("registrations"),
    t("tcp_streams"), t("ip_fragments"), t("media_addresses"), t("call_ids"), g("sipscope_sip_messages_total"), drops])))
' "$1" "$2"
}
printf 't_s\tphase\trss_bytes\tcalls\tregistrations\ttcp_streams\tip_fragments\tmedia_addresses\tcall_ids\tsip_messages\tdrops\n' >"$OUT/samples.tsv"
t0=$(date +%s)
while kill -0 $UACP 2>/dev/null; do
  sleep 5; sample $(( $(date +%s) - t0 )) load >>"$OUT/samples.tsv" || true
done
wait $UACP; log "SIPp UAC exit status $?"
wait $UASP 2>/dev/null
# Calls linger 32 s after their end; more samples show the tables emptying (at most 60 s).
for _ in $(seq 12); do
  sleep 5; sample $(( $(date +%s) - t0 )) drain >>"$OUT/samples.tsv" || true
  [ "$(tail -1 "$OUT/samples.tsv" | cut -f4)" = 0 ] && break
done
kill -TERM $MON; wait $MON; log "monitor exit status $?"
column -t "$OUT/samples.tsv"
tail -3 "$OUT/monitor.log"

python3 - "$OUT" "$CALLS" <<'PY'
import sys
out, calls = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/samples.tsv")]
head, rows = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
num = lambda r, k: int(r[k])
load = [r for r in rows if r["phase"] == "load"]
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what); ok &= cond
check(len(load) >= 6, f"{len(load)} samples under load (at least 6)")
if len(load) >= 6:
    third = len(load) // 3
    mid, last = load[third:2 * third], load[2 * third:]
    for t in ("calls", "registrations", "tcp_streams", "ip_fragments", "media_addresses"):
        a, b = max(num(r, t) for r in mid), max(num(r, t) for r in last)
        check(b <= a * 1.25 + 50, f"{t}: max {b} in the last third vs {a} in the middle third")
    rss_a, rss_b = num(mid[-1], "rss_bytes"), max(num(r, "rss_bytes") for r in last)
    ids_a, ids_b = num(mid[-1], "call_ids"), num(last[-1], "call_ids")
    allowed = 400 * max(0, ids_b - ids_a) + (4 << 20)
    check(rss_b - rss_a <= allowed,
          f"resident memory {rss_a / 2**20:.1f} -> {rss_b / 2**20:.1f} MiB in the last third; remembered Call-IDs "
          f"{ids_a} -> {ids_b} allow {allowed / 2**20:.1f} MiB")
    check(max(num(r, "drops") for r in rows) == 0, "no packet dropped")
final = {}
for l in open(f"{out}/final.prom"):
    if l.startswith("sipscope_calls_total{"):
        k, v = l.rsplit(" ", 1); final[k] = float(v)
counted = sum(v for k, v in final.items() if 'kind="call"' in k)
check(counted == calls, f"calls counted at the end: {counted:.0f} of {calls} made")
print("RESULT: " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
