#!/usr/bin/env bash
# make-media-captures.sh — regenerate the SIP + RTP media captures (pcaps/media-*.pcap) with SIPp.
#
#   sudo scripts/make-media-captures.sh [OUTDIR] [CASE ...]
#
# OUTDIR  where the .pcap files go (default: pcaps/ of this repository)
# CASE    any of: two_way one_way no_rtp hold early_media reinvite_move dtmf
#         (default: all of them; `--list` prints them). Case x_y writes media-x-y.pcap.
#
# Scenarios: tests/sipp/media/*.xml. Caller ext 201 on 127.0.0.11:5060, callee ext 202 on
# 127.0.0.12:5060, UDP on lo only. RTP is G.711 PCMU (PT 0, 160-byte 20 ms packets) sent by SIPp's
# rtp_stream action from tone files this script writes (plus play_pcap_audio for DTMF and for
# the moved stream); no RTCP. Needs root (tcpdump on lo) and sip-tester (SIPp 3.6.1 with
# RTPSTREAM), tcpdump, tshark, python3. Every process is bounded (`timeout`, SIPp -m and
# -timeout), recorded by PID and stopped by that PID on exit, error or Ctrl-C. Takes about 60 s.
# tshark's rtp,streams table of each capture goes to tests/golden/rtp/<name>.txt and its TSV form
# (scripts/tshark-rtp-streams.py) to <name>.tsv; when OUTDIR is not the repository's pcaps/,
# both go to OUTDIR instead.
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
SC="$REPO/tests/sipp/media"
ALL_CASES="two_way one_way no_rtp hold early_media reinvite_move dtmf"

if [ "${1:-}" = "--list" ]; then echo $ALL_CASES | tr ' ' '\n'; exit 0; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,18p' "$0"; exit 0; fi

OUT=${1:-$REPO/pcaps}
shift || true
CASES=${*:-$ALL_CASES}

CALLER_IP=127.0.0.11
CALLEE_IP=127.0.0.12

PIDS=()
WORK=""
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
  done
  sleep 0.3
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  [ -n "$WORK" ] && log "logs: $WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then echo "run as root (tcpdump on lo)" >&2; exit 1; fi

missing=()
command -v sipp    >/dev/null || missing+=(sip-tester)
command -v tcpdump >/dev/null || missing+=(tcpdump)
command -v tshark  >/dev/null || missing+=(tshark)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || exit 1
fi
sipp -v 2>&1 | grep -q RTPSTREAM || { echo "this SIPp has no RTPSTREAM support (sipp -v)" >&2; exit 1; }
DTMF_PCAP=/usr/share/sip-tester/dtmf_2833_0.pcap
[ -r "$DTMF_PCAP" ] || { echo "missing $DTMF_PCAP (package sip-tester)" >&2; exit 1; }

# loopback only: every address used below must be in 127.0.0.0/8, and lo must own that net
ip -4 addr show dev lo | grep -q 'inet 127\.0\.0\.1/8' || { echo "lo does not carry 127.0.0.1/8" >&2; exit 1; }
lo_only() {
  local a
  for a in "$@"; do
    case "$a" in 127.*) ;; *) echo "refusing non-loopback address $a" >&2; exit 1 ;; esac
  done
}
lo_only "$CALLER_IP" "$CALLEE_IP"

mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
if [ "$OUT" = "$REPO/pcaps" ]; then GOLDEN="$REPO/tests/golden/rtp"; else GOLDEN="$OUT"; fi
mkdir -p "$GOLDEN"
WORK=$(mktemp -d -t sipscope-media.XXXXXX)
cd "$WORK" || exit 1   # SIPp writes its *_errors.log here and reads the media files from here

# ---------------------------------------------------------------- media files
# Raw mu-law tone files for rtp_stream (SIPp loops them: "FILE,-1,0" = forever, PT 0) and a
# PCMU pcap for the moved stream of reinvite_move. Same bytes on every run.
python3 - <<'PY' || exit 1
import math, struct

def ulaw(s):
    s = max(-32635, min(32635, int(s)))
    sign = 0x80 if s < 0 else 0
    s = abs(s) + 0x84
    exp, mask = 7, 0x4000
    while exp > 0 and not (s & mask):
        exp, mask = exp - 1, mask >> 1
    return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0F)) & 0xFF

def tone(freqs, n, start=0):
    return bytes(ulaw(sum(7000 / len(freqs) * math.sin(2 * math.pi * f * (start + i) / 8000) for f in freqs))
                 for i in range(n))

open("caller-voice.ulaw", "wb").write(tone([440], 8000))          # 1 s, 440 Hz
open("callee-voice.ulaw", "wb").write(tone([620], 8000))          # 1 s, 620 Hz
open("ringback.ulaw", "wb").write(tone([440, 480], 8000))         # 1 s, 440+480 Hz ringback
moh = b"".join(tone([f], 4000) for f in (523.25, 659.25, 783.99, 659.25))
open("moh.ulaw", "wb").write(moh)                                 # 2 s, C-E-G-E, 0.5 s each

# caller-moved.pcap: 75 RTP packets (1.5 s), PT 0, SSRC 0x6D6F7665, seq 1000.., ts 160000..,
# marker on the first; SIPp's play_pcap_audio rewrites addresses and ports, keeps RTP as is.
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
with open("caller-moved.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for k in range(75):
        rtp = struct.pack("!BBHII", 0x80, 0x80 if k == 0 else 0, 1000 + k, 160000 + 160 * k, 0x6D6F7665)
        rtp += tone([440], 160, 160 * k)
        udp = struct.pack("!HHHH", 16602, 26600, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k, 0x4000, 64, 17, 0,
                         bytes([127, 0, 0, 11]), bytes([127, 0, 0, 12]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = b"\0" * 12 + b"\x08\x00" + ip + udp
        usec = k * 20000
        f.write(struct.pack("<IIII", usec // 1000000, usec % 1000000, len(frame), len(frame)) + frame)
PY
cp "$DTMF_PCAP" dtmf_2833_0.pcap

# bg LOGFILE CMD... : start in the background, bounded by `timeout 60`; PID in LAST_PID
bg() {
  local logf=$1; shift
  timeout 60 "$@" >"$logf" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_pid PID SECS: wait at most SECS, then stop that PID; returns its exit status (124 = stopped)
wait_pid() {
  local pid=$1 secs=$2 i=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$i" -ge $((secs * 10)) ]; then
      log "  pid $pid still running after ${secs}s, stopping it"
      kill -TERM "$pid" 2>/dev/null; sleep 0.5; kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 0.1; i=$((i + 1))
  done
  wait "$pid" 2>/dev/null
}

FAILED=0
check() {  # check WHAT STATUS
  if [ "$2" -ne 0 ]; then log "  $1 exited with status $2 (logs in $WORK)"; FAILED=1; fi
}

capture_start() {  # capture_start NAME FILTER -> CAP_PID
  local name=$1 filter=$2 i=0
  rm -f "$OUT/$name.pcap"
  bg "$WORK/$name.tcpdump.log" tcpdump -i lo -n -s 0 -U --immediate-mode -w "$OUT/$name.pcap" "$filter"
  CAP_PID=$LAST_PID
  until grep -q "listening on" "$WORK/$name.tcpdump.log" 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.3
}
capture_stop() {  # capture_stop NAME EXPECTED_SIP_MESSAGES EXPECTED_RTP_STREAMS
  local name=$1 want=$2 want_streams=$3 got streams
  sleep 1
  kill -INT "$CAP_PID" 2>/dev/null
  wait_pid "$CAP_PID" 10
  chown --reference="$OUT" "$OUT/$name.pcap" 2>/dev/null   # tcpdump wrote it as user tcpdump
  grep -E "packets (captured|dropped)" "$WORK/$name.tcpdump.log" | tr '\n' ' ' | sed 's/^/  tcpdump: /'; echo
  tshark -r "$OUT/$name.pcap" -Y sip -T fields -e frame.time_relative -e ip.src -e udp.srcport \
    -e ip.dst -e sip.Call-ID -e sip.Request-Line -e sip.Status-Line 2>/dev/null | sed 's/^/    /'
  timeout 60 python3 "$REPO/scripts/tshark-rtp-streams.py" --raw "$OUT/$name.pcap" >"$GOLDEN/$name.txt"
  timeout 60 python3 "$REPO/scripts/tshark-rtp-streams.py" "$OUT/$name.pcap" >"$GOLDEN/$name.tsv"
  sed 's/^/    rtp: /' "$GOLDEN/$name.tsv"
  got=$(tshark -r "$OUT/$name.pcap" -Y sip 2>/dev/null | wc -l)
  streams=$(wc -l <"$GOLDEN/$name.tsv")
  log "  $name.pcap: $(stat -c %s "$OUT/$name.pcap") bytes, $got SIP messages (expected $want)," \
      "$streams RTP streams (expected $want_streams)"
  if [ "$got" != "$want" ] || [ "$streams" != "$want_streams" ]; then
    log "  UNEXPECTED count (a retransmission on a loaded machine?): run the case again"
    FAILED=1
  fi
}

SIPP_COMMON=(-nostdin -trace_err -timeout_error -timeout 30s)

# call NAME CALLER_SCEN CALLEE_SCEN CALLER_MP CALLEE_MP SIP STREAMS : one captured call.
# The callee's SIPp first answers a warm-up OPTIONS (outside the capture) so that its rtp_stream
# SSRC is 0xCA110001 and the caller's 0xCA110000 (SIPp numbers SSRCs per process per call).
call() {
  local name=$1 cs=$2 us=$3 cmp=$4 ump=$5 want=$6 want_streams=$7 uas_pid sink_pid=""
  bg "$WORK/$name.callee.log" sipp -sf "$SC/$us" -i "$CALLEE_IP" -p 5060 -mi "$CALLEE_IP" -mp "$ump" \
    -m 2 -s 202 "${SIPP_COMMON[@]}"
  uas_pid=$LAST_PID
  sleep 0.5
  bg "$WORK/$name.warmup.log" sipp "$CALLEE_IP:5060" -sf "$SC/media_warmup_options.xml" -i "$CALLER_IP" \
    -p 5099 -m 1 -s 202 -cid_str "media-warmup-%u@$CALLER_IP" "${SIPP_COMMON[@]}"
  wait_pid "$LAST_PID" 15; check "warm-up OPTIONS" $?
  capture_start "$name" "udp and host $CALLER_IP and host $CALLEE_IP"
  if [ "$name" = media-reinvite-move ]; then
    # the caller's new media port (SIPp's play_pcap_audio sends from it over a raw socket and
    # does not bind it): a listener, so the callee's RTP to it draws no ICMP port unreachable
    bg "$WORK/$name.sink.log" python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],int(sys.argv[2]))); s.settimeout(10)
try:
    while True: s.recv(2048)
except OSError: pass' "$CALLER_IP" $((cmp + 2))
    sink_pid=$LAST_PID
  fi
  bg "$WORK/$name.caller.log" sipp "$CALLEE_IP:5060" -sf "$SC/$cs" -i "$CALLER_IP" -p 5060 -mi "$CALLER_IP" \
    -mp "$cmp" -m 1 -s 202 -cid_str "$name-%u@$CALLER_IP" "${SIPP_COMMON[@]}"
  wait_pid "$LAST_PID" 40; check "caller ($cs)" $?
  wait_pid "$uas_pid" 20; check "callee ($us)" $?
  if [ -n "$sink_pid" ]; then kill -TERM "$sink_pid" 2>/dev/null; wait_pid "$sink_pid" 5; fi
  capture_stop "$name" "$want" "$want_streams"
}

# ---------------------------------------------------------------- cases
# INVITE (SDP offer), 100, 180, 200 (SDP answer), ACK; both send PCMU 3 s; BYE, 200.
case_two_way()       { call media-two-way media_caller_talk.xml media_callee_talk.xml 16100 26100 7 2; }
# the same, the callee never sends RTP (one-way audio).
case_one_way()       { call media-one-way media_caller_talk.xml media_callee_silent.xml 16200 26200 7 1; }
# answered with SDP both ways, nobody sends RTP for 3 s, BYE.
case_no_rtp()        { call media-no-rtp media_caller_silent.xml media_callee_silent.xml 16300 26300 7 0; }
# two-way 1.5 s, re-INVITE sendonly / 200 recvonly, only the caller sends (music on hold) 1.5 s,
# re-INVITE sendrecv / 200, two-way 1 s, BYE.
case_hold()          { call media-hold media_caller_hold.xml media_callee_hold.xml 16400 26400 13 2; }
# 183 with SDP and callee ringback 1.5 s, 200, two-way 1.5 s, BYE.
case_early_media()   { call media-early-media media_caller_early.xml media_callee_early.xml 16500 26500 7 2; }
# two-way 1.5 s from 16600, re-INVITE moving the caller to 16602, two-way 1.5 s there, BYE.
case_reinvite_move() { call media-reinvite-move media_caller_move.xml media_callee_move.xml 16600 26600 10 4; }
# two-way 3 s; 1 s in, the caller sends RFC 4733 digit 0 (PT 101) from its RTP port.
case_dtmf()          { call media-dtmf media_caller_dtmf.xml media_callee_talk.xml 16700 26700 7 3; }

# ---------------------------------------------------------------- main
for c in $CASES; do
  if ! declare -F "case_$c" >/dev/null; then log "unknown case $c"; FAILED=1; continue; fi
  log "case $c"
  "case_$c"
done
if [ "$FAILED" = 0 ]; then log "done: captures in $OUT, tshark tables in $GOLDEN"; else log "done WITH ERRORS: see $WORK"; fi
exit "$FAILED"
