#!/usr/bin/env bash
# make-ordinary-captures.sh — regenerate the "ordinary phone behaviour" captures with SIPp.
#
#   sudo scripts/make-ordinary-captures.sh [OUTDIR] [CASE ...]
#
# OUTDIR  where the .pcap files go (default: pcaps/ of this repository)
# CASE    any of: nat_boot_storm stale_nonce_refresh call_forwarded blind_transfer
#         subscriptions 2xx_no_ack   (default: all of them; `--list` prints them)
#
# Scenarios: tests/sipp/ordinary/*.xml. Needs root (tcpdump on lo); installs sip-tester (SIPp),
# tcpdump and tshark from Debian when missing. All traffic is UDP between addresses of
# 127.0.0.0/8 on the loopback interface. Every process is bounded (SIPp -m call counts,
# -timeout, and `timeout` around every command), recorded by PID and stopped by that PID
# on exit, error or Ctrl-C. Takes about 90 s (the 2xx_no_ack case alone waits 32 s).
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
SC="$REPO/tests/sipp/ordinary"
ALL_CASES="nat_boot_storm stale_nonce_refresh call_forwarded blind_transfer subscriptions 2xx_no_ack"

if [ "${1:-}" = "--list" ]; then echo $ALL_CASES | tr ' ' '\n'; exit 0; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,15p' "$0"; exit 0; fi

OUT=${1:-$REPO/pcaps}
shift || true
CASES=${*:-$ALL_CASES}

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
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || exit 1
fi

# loopback only: every address used below must be in 127.0.0.0/8, and lo must own that net
ip -4 addr show dev lo | grep -q 'inet 127\.0\.0\.1/8' || { echo "lo does not carry 127.0.0.1/8" >&2; exit 1; }
lo_only() {
  local a
  for a in "$@"; do
    case "$a" in 127.*) ;; *) echo "refusing non-loopback address $a" >&2; exit 1 ;; esac
  done
}

mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d -t sipscope-ordinary.XXXXXX)
cd "$WORK" || exit 1   # SIPp writes its *_errors.log files into the working directory

# bg LOGFILE CMD... : start in the background, bounded by `timeout 90`; PID in LAST_PID
bg() {
  local logf=$1; shift
  timeout 90 "$@" >"$logf" 2>&1 &
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
capture_stop() {  # capture_stop NAME EXPECTED_SIP_MESSAGES
  local name=$1 want=$2 got
  sleep 1.5
  kill -INT "$CAP_PID" 2>/dev/null
  wait_pid "$CAP_PID" 10
  chown --reference="$OUT" "$OUT/$name.pcap" 2>/dev/null   # tcpdump wrote it as user tcpdump
  grep -E "packets (captured|dropped)" "$WORK/$name.tcpdump.log" | tr '\n' ' ' | sed 's/^/  tcpdump: /'; echo
  tshark -r "$OUT/$name.pcap" -Y sip -T fields -e frame.time_relative -e ip.src -e udp.srcport \
    -e ip.dst -e sip.Call-ID -e sip.Request-Line -e sip.Status-Line 2>/dev/null | sed 's/^/    /'
  got=$(tshark -r "$OUT/$name.pcap" -Y sip 2>/dev/null | wc -l)
  log "  $name.pcap: $(stat -c %s "$OUT/$name.pcap") bytes, $got SIP messages (expected $want)"
  if [ "$got" != "$want" ]; then
    log "  UNEXPECTED message count (a retransmission on a loaded machine?): run the case again"
    FAILED=1
  fi
}

SIPP_COMMON=(-nostdin -trace_err -timeout_error)
SIPP_TIMEOUT=30s   # global SIPp timeout per process (the 2xx_no_ack case raises it)

# uas NAME SCEN IP [args...] : background SIPp server on IP:5060 -> UAS_PIDS
uas() {
  local name=$1 scen=$2 ip=$3; shift 3
  lo_only "$ip"
  bg "$WORK/$name.uas-$ip.log" sipp -sf "$SC/$scen" -i "$ip" -p 5060 "${SIPP_COMMON[@]}" -timeout "$SIPP_TIMEOUT" "$@"
  UAS_PIDS+=("$LAST_PID")
}
# uac NAME SCEN TARGET IP PORT [args...] : background SIPp client -> LAST_PID
uac() {
  local name=$1 scen=$2 target=$3 ip=$4 port=$5; shift 5
  lo_only "$ip" "${target%:*}"
  bg "$WORK/$name.uac-$ip-$port.log" sipp "$target" -sf "$SC/$scen" -i "$ip" -p "$port" -m 1 \
    "${SIPP_COMMON[@]}" -timeout "$SIPP_TIMEOUT" "$@"
}
wait_uas() {
  local p
  for p in "${UAS_PIDS[@]:-}"; do [ -n "$p" ] && { wait_pid "$p" "${1:-20}"; check "SIPp server $p" $?; }; done
  UAS_PIDS=()
}
# one call: pair NAME UAS_SCEN UAS_IP UAC_SCEN UAC_IP CID [UAS args...] -- [UAC args...]
pair() {
  local name=$1 us=$2 uip=$3 cs=$4 cip=$5 cid=$6; shift 6
  local uargs=() cargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do uargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cargs=("$@")
  UAS_PIDS=()
  uas "$name" "$us" "$uip" -m 1 "${uargs[@]}"
  sleep 0.5
  uac "$name" "$cs" "$uip:5060" "$cip" 5060 -cid_str "$cid" "${cargs[@]}"
  wait_pid "$LAST_PID" 60; check "SIPp client ($cs)" $?
  wait_uas 20
}

md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
# digest_auth USER PASSWORD URI NONCE CNONCE NC : Authorization value, qop=auth, REGISTER
digest_auth() {
  local ha1 ha2 resp
  ha1=$(md5 "$1:pbx.sipscope.test:$2"); ha2=$(md5 "REGISTER:$3")
  resp=$(md5 "$ha1:$4:$6:$5:auth:$ha2")
  printf 'Digest username="%s",realm="pbx.sipscope.test",nonce="%s",uri="%s",response="%s",algorithm=MD5,cnonce="%s",qop=auth,nc=%s' \
    "$1" "$4" "$3" "$resp" "$5" "$6"
}

# ---------------------------------------------------------------- cases
# 12 phones behind one NAT address (127.0.0.60, ports 50601-50612) boot together and register at
# 127.0.0.70: REGISTER, 401, REGISTER with credentials, 200. Ext 2NN uses NAT port 506NN and LAN
# address 192.168.1.1NN (written in Via and Contact); password pw-2NN. All 12 SIPp phones are
# started at once; fixed boot delays (600 ms + 0..310 ms) and 401->REGISTER delays (30..120 ms)
# make their transactions interleave within ~0.5 s, the same way on every run.
BOOT_MS=(0 35 12 80 57 140 101 190 163 240 222 310)
THINK_MS=(40 65 30 90 55 45 120 35 70 50 85 60)
case_nat_boot_storm() {
  local name=ordinary-nat-boot-storm n ext pids=()
  UAS_PIDS=()
  capture_start "$name" "udp and host 127.0.0.60 and host 127.0.0.70"
  uas "$name" reg_registrar_boot.xml 127.0.0.70 -m 12 -key nat_ip 127.0.0.60
  sleep 0.5
  for n in $(seq 1 12); do
    ext=$((200 + n))
    uac "$name" reg_phone_boot.xml 127.0.0.70:5060 127.0.0.60 $((50600 + n)) \
      -s "$ext" -au "$ext" -ap "pw-$ext" -key privip "192.168.1.$((100 + n))" -mp $((20000 + 10 * n)) \
      -key boot_ms $((600 + BOOT_MS[n - 1])) -key think_ms "${THINK_MS[n - 1]}" \
      -cid_str "ord-boot-$ext-%u@192.168.1.$((100 + n))"
    pids+=("$LAST_PID")
  done
  for n in "${pids[@]}"; do wait_pid "$n" 60; check "phone $n" $?; done
  wait_uas 20
  capture_stop "$name" 48
}

# 4 phones behind NAT 127.0.0.61 (ports 50601-50604) refresh their registration at 127.0.0.71
# with the credentials of an old nonce: REGISTER+Authorization (CSeq 7), 401 stale=true,
# REGISTER with new credentials (CSeq 8), 200.
case_stale_nonce_refresh() {
  local name=ordinary-stale-nonce-refresh n ext auth pids=()
  UAS_PIDS=()
  capture_start "$name" "udp and host 127.0.0.61 and host 127.0.0.71"
  uas "$name" reg_registrar_stale.xml 127.0.0.71 -m 4 -key nat_ip 127.0.0.61
  sleep 0.5
  for n in 1 2 3 4; do
    ext=$((200 + n))
    auth=$(digest_auth "$ext" "pw-$ext" "sip:127.0.0.71:5060" "9c41e0d7b2a86f3${n}" "0a4f113${n}" 00000004)
    uac "$name" reg_phone_refresh_stale.xml 127.0.0.71:5060 127.0.0.61 $((50600 + n)) \
      -s "$ext" -au "$ext" -ap "pw-$ext" -key privip "192.168.2.$((100 + n))" -key oldauth "$auth" \
      -key fromtag "r${ext}x8d3f1a" -base_cseq 7 -mp $((20000 + 10 * n)) \
      -cid_str "ord-refresh-$ext-%u@192.168.2.$((100 + n))"
    pids+=("$LAST_PID")
    sleep 0.3
  done
  for n in "${pids[@]}"; do wait_pid "$n" 60; check "phone $n" $?; done
  wait_uas 20
  capture_stop "$name" 16
}

# 201 (127.0.0.62) calls 202 (127.0.0.72), which forwards with 302 to 203 (127.0.0.73): ACK, new
# INVITE (same Call-ID, CSeq 2) to 203, 100/180/200, ACK, BYE, 200.
# Then 201 calls 204 at a PBX (127.0.0.76) that forwards internally: 100, 181, 180, 200, ACK, BYE, 200.
case_call_forwarded() {
  local name=ordinary-call-forwarded
  UAS_PIDS=()
  capture_start "$name" "udp and host 127.0.0.62"
  uas "$name" fwd_phone_302.xml 127.0.0.72 -m 1 -key fwd_contact "sip:203@127.0.0.73:5060"
  uas "$name" call_callee_answer.xml 127.0.0.73 -m 1 -s 203
  sleep 0.5
  uac "$name" fwd_caller_302.xml 127.0.0.72:5060 127.0.0.62 5060 -s 202 -cid_str "ord-fwd302-%u@127.0.0.62"
  wait_pid "$LAST_PID" 60; check "caller (302)" $?
  wait_uas 20
  sleep 0.5
  pair "$name" fwd_pbx_181.xml 127.0.0.76 call_caller_basic.xml 127.0.0.62 "ord-fwd181-%u@127.0.0.62" \
    -s 204 -- -s 204
  capture_stop "$name" 19
}

# 201 (127.0.0.64) calls 202 (127.0.0.74); 202 sends REFER (Refer-To: sip:203@127.0.0.73).
# Call 1: 202 Accepted, NOTIFY 100 Trying, NOTIFY 200 OK, BYE.  Call 2: the same, the sipfrag
# says 486 Busy Here.  Call 3: the REFER is answered 403 Forbidden, BYE.
case_blind_transfer() {
  local name=ordinary-blind-transfer
  capture_start "$name" "udp and host 127.0.0.64 and host 127.0.0.74"
  pair "$name" xfer_transferor.xml 127.0.0.74 xfer_transferee.xml 127.0.0.64 "ord-xfer-ok-%u@127.0.0.64" \
    -key refer_to sip:203@127.0.0.73 -- -s 202 -key final_frag "200 OK"
  sleep 0.5
  pair "$name" xfer_transferor.xml 127.0.0.74 xfer_transferee.xml 127.0.0.64 "ord-xfer-busy-%u@127.0.0.64" \
    -key refer_to sip:203@127.0.0.73 -- -s 202 -key final_frag "486 Busy Here"
  sleep 0.5
  pair "$name" xfer_transferor_refused.xml 127.0.0.74 xfer_transferee_refuse.xml 127.0.0.64 "ord-xfer-403-%u@127.0.0.64" \
    -key refer_to sip:203@127.0.0.73 -- -s 202
  capture_stop "$name" 35
}

# Phone 201 (127.0.0.65) subscribes to the dialog state of 202, 203, 204 at the PBX (127.0.0.75).
# 202: SUBSCRIBE/200, NOTIFY/200, refresh SUBSCRIBE/200, NOTIFY/200.
# 203: SUBSCRIBE/200, NOTIFY/200, NOTIFY/481 (the phone lost the subscription).
# 204: SUBSCRIBE/200, NOTIFY/200, refresh SUBSCRIBE/481 (the PBX lost it).
case_subscriptions() {
  local name=ordinary-subscriptions
  capture_start "$name" "udp and host 127.0.0.65 and host 127.0.0.75"
  pair "$name" sub_notifier.xml 127.0.0.75 sub_watcher.xml 127.0.0.65 "ord-sub-202-%u@127.0.0.65" -s 202 -- -s 202
  sleep 0.5
  pair "$name" sub_notifier_lost.xml 127.0.0.75 sub_watcher_lost.xml 127.0.0.65 "ord-sub-203-%u@127.0.0.65" -s 203 -- -s 203
  sleep 0.5
  pair "$name" sub_notifier_refresh_481.xml 127.0.0.75 sub_watcher_refresh_481.xml 127.0.0.65 "ord-sub-204-%u@127.0.0.65" -s 204 -- -s 204
  capture_stop "$name" 20
}

# 201 (127.0.0.80) calls 202 (127.0.0.81); the 200 OK carries Contact <sip:202@192.168.1.50:5060>;
# no ACK ever comes; the 200 is retransmitted (T1 doubling, T2 cap, 9 retransmissions) and after
# ~32 s the callee sends BYE with Reason: SIP;cause=408;text="ACK timeout", answered 200.
case_2xx_no_ack() {
  local name=ordinary-2xx-no-ack SIPP_TIMEOUT=50s
  UAS_PIDS=()
  capture_start "$name" "udp and host 127.0.0.80 and host 127.0.0.81"
  uas "$name" noack_callee.xml 127.0.0.81 -m 1 -key priv_contact "sip:202@192.168.1.50:5060" \
    -max_non_invite_retrans 9
  sleep 0.5
  uac "$name" noack_caller.xml 127.0.0.81:5060 127.0.0.80 5060 -s 202 -cid_str "ord-noack-%u@127.0.0.80"
  wait_pid "$LAST_PID" 70; check "caller (no ACK)" $?
  wait_uas 20
  capture_stop "$name" 15
}

# ---------------------------------------------------------------- main
for c in $CASES; do
  if ! declare -F "case_$c" >/dev/null; then log "unknown case $c"; FAILED=1; continue; fi
  log "case $c"
  "case_$c"
done
if [ "$FAILED" = 0 ]; then log "done: captures in $OUT"; else log "done WITH ERRORS: see $WORK"; fi
exit "$FAILED"
