#!/usr/bin/env bash
# hep-kamailio-check.sh — real-peer check of sipscope's HEP3 listener against Kamailio siptrace.
#
#   sudo scripts/hep-kamailio-check.sh [OUTDIR]
#
# SIPp UAC (127.0.0.72) -> Kamailio (127.0.0.70:5060, tests/kamailio/siptrace-hep.cfg)
#   -> SIPp UAS 127.0.0.71:5060 (3 answered calls) and 127.0.0.71:5062 (2 calls, 486 Busy Here).
# Kamailio's siptrace mirrors every message it receives and sends as HEP3 to
# `sipscope report -L 127.0.0.1:9061` (-> OUTDIR/hep.json); tcpdump records the same SIP on lo
# (-> OUTDIR/sip.pcap, read back into OUTDIR/pcap.json) and the HEP datagrams themselves
# (-> OUTDIR/hep.pcap, raw test vectors). A comparison then checks that both reports hold the
# same Call-IDs with the same final codes and states, and that no HEP packet was refused.
#
# Env: SIPSCOPE (binary, default target/release/sipscope), TRACE_CORE=1 (Kamailio mirrors with
# core events, modparam trace_mode 1, instead of sip_trace_mode("t")), CALLS_OK, CALLS_BUSY.
# Needs root (tcpdump on lo). Traffic stays on 127.0.0.0/8; every process is bounded and stopped
# by its PID. Exit status 0 only when the comparison passes.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIPSCOPE=${SIPSCOPE:-$ROOT/target/release/sipscope}
KAM_CFG=$ROOT/tests/kamailio/siptrace-hep.cfg
SC=$ROOT/tests/sipp
OUT=${1:-$ROOT/target/hep-kamailio}
CALLS_OK=${CALLS_OK:-3}
CALLS_BUSY=${CALLS_BUSY:-2}
KAM_IP=127.0.0.70 UAS_IP=127.0.0.71 UAC_IP=127.0.0.72 HEP=127.0.0.1:9061

mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
LOGS=$OUT/logs RUN=$OUT/kamailio-run
rm -rf "$LOGS" "$RUN"; mkdir -p "$LOGS" "$RUN"
rm -f "$OUT"/hep.json "$OUT"/pcap.json "$OUT"/sip.pcap "$OUT"/hep.pcap
PIDS=()
T0=$(date +%s.%N)

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*"; }
bg() { local logf=$1; shift; "$@" >"$logf" 2>&1 & LAST_PID=$!; PIDS+=("$LAST_PID"); }
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_pid PID SECS: wait at most SECS, then TERM/KILL; returns the exit status (124 on timeout)
wait_pid() {
  local pid=$1 secs=$2 i=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$i" -ge $((secs * 10)) ]; then
      log "pid $pid still running after ${secs}s, stopping it"
      kill -TERM "$pid" 2>/dev/null; sleep 0.5; kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null; return 124
    fi
    sleep 0.1; i=$((i + 1))
  done
  wait "$pid" 2>/dev/null
}
wait_for() {  # wait_for FILE REGEX SECS
  local i=0
  until grep -qE "$2" "$1" 2>/dev/null || [ $i -ge $(($3 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}

[ "$(id -u)" = 0 ] || { echo "run as root (tcpdump on lo)" >&2; exit 2; }
for t in kamailio sipp tcpdump python3; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
[ -x "$SIPSCOPE" ] || { echo "missing $SIPSCOPE" >&2; exit 2; }
log "kamailio: $(kamailio -v | head -1)"

# 1. collector and captures
timeout 60 "$SIPSCOPE" report -L "$HEP" --duration 45s --format json >"$OUT/hep.json" 2>"$LOGS/hep-report.err" &
SCOPE=$!; PIDS+=("$SCOPE")
bg "$LOGS/sip.tcpdump.log" timeout 60 tcpdump -i lo -n -s 0 -U -w "$OUT/sip.pcap" \
  "udp and not port 9061 and (host $KAM_IP or host $UAS_IP or host $UAC_IP)"
CAP_SIP=$LAST_PID
bg "$LOGS/hep.tcpdump.log" timeout 60 tcpdump -i lo -n -s 0 -U -w "$OUT/hep.pcap" "udp and dst port 9061"
CAP_HEP=$LAST_PID
wait_for "$LOGS/sip.tcpdump.log" "listening on" 5
wait_for "$LOGS/hep.tcpdump.log" "listening on" 5

# 2. Kamailio
KARGS=(-f "$KAM_CFG" -DD -E -Y "$RUN" -P "$RUN/kamailio.pid")
[ "${TRACE_CORE:-0}" = 1 ] && KARGS+=(-A TRACE_CORE)
bg "$LOGS/kamailio.log" timeout 60 kamailio "${KARGS[@]}"
KAM=$LAST_PID
wait_for "$LOGS/kamailio.log" "INFO: <core> \[main.c:[0-9]+\]: main\(\): processes|(child|rank).*(init|started)|ERROR|CRITICAL" 5
sleep 0.5
kill -0 $KAM 2>/dev/null || { log "kamailio did not start:"; tail -20 "$LOGS/kamailio.log"; exit 1; }

# 3. SIPp: two UAS, then the UAC runs one after the other
COMMON=(-nostdin -trace_err -timeout 30 -timeout_error)
bg "$LOGS/uas-ok.log" sipp -sf "$SC/uas_basic.xml" -i $UAS_IP -p 5060 -m "$CALLS_OK" "${COMMON[@]}"
UAS1=$LAST_PID
bg "$LOGS/uas-busy.log" sipp -sf "$SC/uas_reject_486.xml" -i $UAS_IP -p 5062 -m "$CALLS_BUSY" -key server sipscope-busy "${COMMON[@]}"
UAS2=$LAST_PID
sleep 0.5
( cd "$LOGS" && timeout 40 sipp $KAM_IP:5060 -sf "$SC/uac_basic.xml" -i $UAC_IP -p 5060 -s bob -m "$CALLS_OK" \
    -cid_str "hepk-ok-%u@%s" "${COMMON[@]}" >"$LOGS/uac-ok.log" 2>&1 ) || log "UAC (answered) exit status $?"
( cd "$LOGS" && timeout 40 sipp $KAM_IP:5060 -sf "$SC/uac_reject.xml" -i $UAC_IP -p 5060 -s busy -m "$CALLS_BUSY" \
    -cid_str "hepk-busy-%u@%s" "${COMMON[@]}" >"$LOGS/uac-busy.log" 2>&1 ) || log "UAC (busy) exit status $?"
wait_pid $UAS1 10 || log "UAS (answered) exit status $?"
wait_pid $UAS2 10 || log "UAS (busy) exit status $?"

# 4. stop: Kamailio, captures, collector (SIGINT ends the report early and prints it)
sleep 0.7
kill -TERM $KAM 2>/dev/null; wait_pid $KAM 10
kill -INT $CAP_SIP $CAP_HEP 2>/dev/null; wait_pid $CAP_SIP 5; wait_pid $CAP_HEP 5
kill -INT $SCOPE 2>/dev/null; wait_pid $SCOPE 10 || log "sipscope -L exit status $?"
grep -hE "packets captured" "$LOGS"/*.tcpdump.log | sed 's/^/  tcpdump: /'
"$SIPSCOPE" report --format json -r "$OUT/sip.pcap" >"$OUT/pcap.json" 2>"$LOGS/pcap-report.err" \
  || log "sipscope -r exit status $?"

log "first HEP datagram (UDP payload hex in $OUT/first-hep.hex):"
tcpdump -n -r "$OUT/hep.pcap" -X -c 1 2>/dev/null
python3 - "$OUT/hep.pcap" >"$OUT/first-hep.hex" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
cl = struct.unpack("<I", b[32:36])[0]; p = b[40 + 14:40 + cl]; u = p[(p[0] & 15) * 4 + 8:]
for i in range(0, len(u), 32):
    print(u[i:i + 32].hex())
PY

# 5. compare
TRACE_CORE=${TRACE_CORE:-0} python3 - "$OUT" <<'PY'
import json, os, struct, sys
from collections import Counter, defaultdict
out = sys.argv[1]
core = os.environ.get("TRACE_CORE") == "1"
hep, pcap = (json.load(open(f"{out}/{n}.json")) for n in ("hep", "pcap"))
hc, pc = hep["capture"], pcap["capture"]
print(f"HEP : hep_packets={hc['hep_packets']} hep_errors={hc['hep_errors']} hep_not_sip={hc['hep_not_sip']} "
      f"sip_messages={hc['sip_messages']} retransmissions={hc['retransmissions']} decode_errors={hc['decode_errors']}")
print(f"pcap: packets={pc['packets']} sip_messages={pc['sip_messages']} retransmissions={pc['retransmissions']} "
      f"decode_errors={pc['decode_errors']} hep_packets={pc['hep_packets']}")

# Independent ground truth, read here without sipscope: every SIP message on the wire (sip.pcap)
# and every message Kamailio mirrored (hep.pcap), keyed by (src, dst, first line, CSeq) per Call-ID.
def frames(fn):  # classic pcap, Ethernet link type (tcpdump -i lo)
    b = open(fn, "rb").read(); off = 24
    while off + 16 <= len(b):
        cl = struct.unpack("<I", b[off + 8:off + 12])[0]; off += 16
        p = b[off + 14:off + cl]; off += cl
        ihl = (p[0] & 15) * 4
        yield p[12:16], p[16:20], p[ihl:ihl + 2], p[ihl + 2:ihl + 4], p[ihl + 8:]
def ep(ip, port):
    return ".".join(map(str, ip)) + ":" + str(struct.unpack(">H", port)[0])
def key(src, dst, sip):
    lines = sip.split(b"\r\n")
    hdr = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:] if b":" in l}
    cid = (hdr.get(b"call-id") or hdr.get(b"i") or b"").decode()
    return cid, (src, dst, lines[0].decode(errors="replace"), hdr.get(b"cseq", b"").decode())
wire, mirrored = defaultdict(Counter), defaultdict(Counter)
for s, d, sp, dp, u in frames(f"{out}/sip.pcap"):
    cid, k = key(ep(s, sp), ep(d, dp), u); wire[cid][k] += 1
chunk_kinds = Counter()
for _s, _d, _sp, _dp, u in frames(f"{out}/hep.pcap"):
    at, total, ch = 6, struct.unpack(">H", u[4:6])[0], {}
    while at < total:
        v, t, l = struct.unpack(">HHH", u[at:at + 6]); ch[t] = u[at + 6:at + l]; chunk_kinds[(v, t, l - 6)] += 1; at += l
    cid, k = key(ep(ch[3], ch[7]), ep(ch[4], ch[8]), ch[15]); mirrored[cid][k] += 1
kinds = sorted({(v, t, n if t != 15 else "*") for (v, t, n) in chunk_kinds}, key=lambda x: (x[0], x[1]))
print("HEP chunks Kamailio sent (vendor, type, value length):", kinds)

def calls(d):
    return {c["call_id"]: c for c in d["calls"]}
H, P = calls(hep), calls(pcap)
# Every call crosses Kamailio (UAC -> proxy -> UAS and back), so all of them are traced.
traced = {k: v for k, v in P.items() if v["src"].startswith("127.0.0.72") or v["dst"].startswith("127.0.0.70")}
fail = []
fmt = lambda c: "-" if c is None else f"{c['final_code']}/{c['state']}/{c['messages']}/{c['retransmissions']}"
print(f"{'call-id':<26} {'pcap final/state/msgs/retr':<28} {'hep final/state/msgs/retr':<28}")
for cid in sorted(set(H) | set(traced)):
    p, h = traced.get(cid), H.get(cid)
    mark = ""
    if p is None or h is None:
        mark = "  MISSING in " + ("pcap" if p is None else "HEP"); fail.append(cid)
    elif (p["final_code"], p["state"]) != (h["final_code"], h["state"]):
        mark = "  DIFFERENT final/state"; fail.append(cid)
    print(f"{cid:<26} {fmt(p):<28} {fmt(h):<28}{mark}")
    if p is None or h is None:
        continue
    # sipscope counted exactly what arrived, on each side
    nw, nm = sum(wire[cid].values()), sum(mirrored[cid].values())
    if p["messages"] != nw or h["messages"] != nm:
        print(f"    message count: pcap report {p['messages']} vs {nw} on the wire; HEP report {h['messages']} vs {nm} HEP datagrams")
        fail.append(cid + " count")
    # what the wire has that siptrace did not mirror (and the reverse)
    only_wire, only_hep = wire[cid] - mirrored[cid], mirrored[cid] - wire[cid]
    for k in only_wire.elements():
        print(f"    not mirrored: {k[0]} -> {k[1]}  {k[2][:40]}  [{k[3]}]")
    for k in only_hep.elements():
        print(f"    mirrored, not on the wire: {k[0]} -> {k[1]}  {k[2][:40]}  [{k[3]}]")
        fail.append(cid + " extra")
    # sip_trace_mode("t") has no transaction for the ACK of a 2xx that Kamailio relays statelessly
    # (loose_route + t_relay): its outgoing copy is not mirrored. Core-event mode mirrors everything.
    allowed = (lambda k: False) if core else (lambda k: k[0] == "127.0.0.70:5060" and k[2].startswith("ACK ") and h["final_code"] == 200)
    if any(not allowed(k) for k in only_wire):
        fail.append(cid + " missing")
    for f in ("from", "to", "src", "dst", "transport", "pdd_ms", "setup_ms", "duration_ms"):
        if p.get(f) != h.get(f):
            print(f"    {f}: pcap={p.get(f)!r} hep={h.get(f)!r}" + ("" if f.endswith("_ms") else "  DIFFERENT"))
            if not f.endswith("_ms"):  # timings come from Kamailio's clock, not tcpdump's
                fail.append(cid + " " + f)
    bp = [(b["peer"], b["final_code"]) for b in p.get("branches", [])]
    bh = [(b["peer"], b["final_code"]) for b in h.get("branches", [])]
    if bp != bh:
        print(f"    branches: pcap={bp} hep={bh}")
if hc["hep_errors"] != 0:
    fail.append("hep_errors")
if hc["hep_packets"] != sum(sum(c.values()) for c in mirrored.values()):
    fail.append("hep_packets != datagrams in hep.pcap")
if not H:
    fail.append("no calls from HEP")
print("RESULT:", "PASS" if not fail else "FAIL " + ", ".join(fail))
sys.exit(0 if not fail else 1)
PY
RC=$?
log "took $(python3 -c "import time; print(round(time.time() - $T0, 1))") s; outputs in $OUT"
exit $RC
