#!/usr/bin/env bash
# hep-sipcapture-check.sh — real-peer check of sipscope's HEP3 output against Kamailio sipcapture.
#
#   scripts/hep-sipcapture-check.sh [OUTDIR]
#
# Kamailio 5.6 with tests/kamailio/sipcapture-hep.cfg listens on udp:127.0.0.1:9062 and
# tcp:127.0.0.1:9062, decapsulates every HEP3 packet with its sipcapture module (no database
# insert) and logs one HEPRX line per message (OUTDIR/logs/kamailio.log). For each capture,
# `sipscope report -r PCAP --hep 127.0.0.1:9062 --hep-id 2042 --hep-auth KEY` sends every SIP
# message as HEP3; `sipscope messages -r PCAP --format ndjson` (OUTDIR/NAME.sent.ndjson) is the
# list of what was sent. A comparison then checks that each sent message (less the duplicates
# sipscope reports as not sent) was logged by Kamailio once, with the same source, destination,
# Call-ID, first line (method or status code), CSeq, length, capture time to the microsecond,
# capture id 2042, auth key and IP protocol; also that Kamailio's own receive info after
# decapsulation (source, protocol) agrees with the HEP chunks and that the packets came over
# HEP_TRANSPORT. Prints the mismatches (also OUTDIR/mismatches.tsv) and a summary.
# Default captures: media-crafted-many_calls (IPv4, 20 calls, 140 messages) and
# ordinary-2xx-no-ack (a 200 OK retransmitted 10 times: identical messages told apart only by
# their capture time). Which route logged a line (perr for UDP, req/rpl for TCP) is explained
# in the config.
#
# Env: SIPSCOPE (binary, default target/release/sipscope), HEP_TRANSPORT=udp|tcp (default udp;
# tcp sends with --hep tcp:127.0.0.1:9062), PCAPS (capture files, default two UDP captures from
# pcaps/), HEP_ID (2042), HEP_AUTH (sipscope-check; empty: no key sent, Kamailio must log "-").
# Traffic stays on 127.0.0.1; every process is bounded and stopped by its PID. Does not need
# root. Exit status 0 only when every message matches and the counts are equal.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIPSCOPE=${SIPSCOPE:-$ROOT/target/release/sipscope}
KAM_CFG=$ROOT/tests/kamailio/sipcapture-hep.cfg
OUT=${1:-$ROOT/target/hep-sipcapture}
HEP_TRANSPORT=${HEP_TRANSPORT:-udp}
HEP_ID=${HEP_ID:-2042}
HEP_AUTH=${HEP_AUTH-sipscope-check}  # empty: send no key
PCAPS=${PCAPS:-"$ROOT/pcaps/media-crafted-many_calls.pcap $ROOT/pcaps/ordinary-2xx-no-ack.pcap"}
HEP_PORT=9062

case $HEP_TRANSPORT in
  udp) HEP_DEST=127.0.0.1:$HEP_PORT ;;
  tcp) HEP_DEST=tcp:127.0.0.1:$HEP_PORT ;;
  *) echo "HEP_TRANSPORT must be udp or tcp" >&2; exit 2 ;;
esac

mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
LOGS=$OUT/logs RUN=$OUT/kamailio-run
rm -rf "$LOGS" "$RUN"; mkdir -p "$LOGS" "$RUN/dbtext"
rm -f "$OUT"/*.sent.ndjson "$OUT"/*.report.json "$OUT"/runs.tsv "$OUT"/heprx.log "$OUT"/mismatches.tsv
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
  until grep -aqE "$2" "$1" 2>/dev/null || [ $i -ge $(($3 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}
heprx_count() { grep -acE 'HEPRX( |-NOTSIP|-NOEVENT|-PARSE-ERROR)' "$LOGS/kamailio.log" 2>/dev/null; }

for t in kamailio python3; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
[ -x "$SIPSCOPE" ] || { echo "missing $SIPSCOPE" >&2; exit 2; }
for p in $PCAPS; do [ -r "$p" ] || { echo "missing capture $p" >&2; exit 2; }; done
if command -v ss >/dev/null && ss -Hlnut 2>/dev/null | grep -q "127.0.0.1:$HEP_PORT "; then
  echo "127.0.0.1:$HEP_PORT is already in use:" >&2; ss -Hlnutp | grep ":$HEP_PORT " >&2; exit 2
fi
log "kamailio: $(kamailio -v | head -1); sipscope: $("$SIPSCOPE" --version 2>&1); transport: $HEP_TRANSPORT"

# 1. Kamailio (foreground -DD, logs on stderr -E); db_text only so that sipcapture can bind a
# db_url (an empty directory, never written to)
bg "$LOGS/kamailio.log" timeout 120 kamailio -f "$KAM_CFG" -DD -E -Y "$RUN" -P "$RUN/kamailio.pid" \
  -A "DBTEXT_URL=\"text://$RUN/dbtext\""
KAM=$LAST_PID
wait_for "$LOGS/kamailio.log" "HEPRX-READY|ERROR: bad config|CRITICAL|exiting" 10
sleep 0.5  # the TCP workers start after the first UDP worker
if ! kill -0 $KAM 2>/dev/null || ! grep -aq HEPRX-READY "$LOGS/kamailio.log"; then
  log "kamailio did not start:"; tail -20 "$LOGS/kamailio.log"; exit 1
fi
log "kamailio ready (pid $(cat "$RUN/kamailio.pid" 2>/dev/null))"

# 2. one capture after the other: what sipscope sends, then wait for Kamailio's lines
printf 'name\tpcap\tfirst_line\tlines\tsent\tdropped\terrors\tduplicates\tstatus\tsecs\n' >"$OUT/runs.tsv"
for p in $PCAPS; do
  name=$(basename "$p"); name=${name%.*}
  timeout 60 "$SIPSCOPE" messages -r "$p" --format ndjson >"$OUT/$name.sent.ndjson" 2>"$LOGS/$name.messages.err" \
    || log "$name: sipscope messages exit status $?"
  before=$(heprx_count)
  t1=$(date +%s.%N)
  AUTH_ARGS=(); [ -n "$HEP_AUTH" ] && AUTH_ARGS=(--hep-auth "$HEP_AUTH")
  timeout 60 "$SIPSCOPE" report -r "$p" --hep "$HEP_DEST" --hep-id "$HEP_ID" "${AUTH_ARGS[@]}" --format json \
    >"$OUT/$name.report.json" 2>"$LOGS/$name.hep.err"
  st=$?
  [ $st = 0 ] || { log "$name: sipscope report --hep exit status $st:"; sed 's/^/    /' "$LOGS/$name.hep.err" | tail -5; }
  # "HEP out: N handed to the network, …" (older builds) or "HEP out to [tcp:]HOST:PORT: N …"
  line=$(grep -aE 'HEP out( to [^ ]+)?: ' "$LOGS/$name.hep.err" | tail -1)
  read -r sent dropped errors dups < <(printf '%s\n' "$line" |
    sed -nE 's/.*HEP out( to [^ ]+)?: ([0-9]+) handed to the network, ([0-9]+) dropped \(([0-9]+) send errors\), ([0-9]+) duplicates not sent.*/\2 \3 \4 \5/p')
  sent=${sent:-0} dropped=${dropped:-0} errors=${errors:-0} dups=${dups:-0}
  # wait (at most 10 s) until Kamailio logged as many lines as sipscope handed to the network
  i=0
  while [ "$(heprx_count)" -lt $((before + sent)) ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.3  # anything beyond the expected count shows up as an extra line
  after=$(heprx_count)
  secs=$(python3 -c "import time; print(round(time.time() - $t1, 2))")
  log "$name: ${line:-no HEP out line}; kamailio logged $((after - before)) lines in ${secs}s"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$p" "$before" "$((after - before))" \
    "$sent" "$dropped" "$errors" "$dups" "$st" "$secs" >>"$OUT/runs.tsv"
done

# 3. stop Kamailio by its PID (the timeout wrapper passes TERM on)
kill -TERM $KAM 2>/dev/null; wait_pid $KAM 10 || log "kamailio exit status $?"
grep -aE 'HEPRX( |-)' "$LOGS/kamailio.log" | grep -v HEPRX-READY >"$OUT/heprx.log"
grep -aE ' (ERROR|CRITICAL|BUG):' "$LOGS/kamailio.log" | head -5 | sed 's/^/  kamailio: /'

# 4. compare
HEP_TRANSPORT=$HEP_TRANSPORT HEP_ID=$HEP_ID HEP_AUTH=$HEP_AUTH python3 - "$OUT" "$LOGS/kamailio.log" <<'PY'
import calendar, collections, json, os, re, sys
from datetime import datetime

out, klog = sys.argv[1], sys.argv[2]
transport, hep_id, hep_auth = os.environ["HEP_TRANSPORT"], os.environ["HEP_ID"], os.environ["HEP_AUTH"]
ipproto = {"udp": "17", "tcp": "6", "sctp": "132", "ws": "6"}

lines = [l.rstrip("\n") for l in open(klog, "rb").read().decode("utf-8", "replace").split("\n")]
heprx = [l for l in lines if re.search(r"HEPRX( |-NOTSIP|-NOEVENT|-PARSE-ERROR)", l)]

def parse_heprx(l):
    m = re.search(r"HEPRX (path=.*)$", l)
    if not m:
        return None
    body = m.group(1)
    head, _, callid = body.partition(" callid=")
    r = dict(kv.split("=", 1) for kv in head.split(" ") if "=" in kv)
    r["callid"] = callid
    return r

def ts_of(iso):  # "2026-11-21T04:53:49.112711Z" -> (sec, usec), fraction truncated to us
    base, _, frac = iso.rstrip("Z").partition(".")
    sec = calendar.timegm(datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").timetuple())
    return sec, int((frac + "000000")[:6])

def sent_rec(o):
    return {
        "src": o["src"], "dst": o["dst"], "callid": o["call_id"],
        "first": o["method"] if "method" in o else str(o["status"]),
        "cseq": str(o["cseq"]), "cseqm": o["cseq_method"], "len": str(o["bytes"]),
        "ts": "%d.%06d" % ts_of(o["ts"]), "ipproto": ipproto.get(o["transport"], "?"),
    }

def kam_rec(r):
    # a header Kamailio cannot find or parse prints as <null>; sipscope writes a missing
    # Call-ID as "" and a missing CSeq as 0 with method ""
    null = lambda v, none: none if v == "<null>" else v
    return {
        "src": r.get("hepsrc", "?"), "dst": r.get("hepdst", "?"), "callid": null(r.get("callid", "?"), ""),
        "first": r.get("first", "?"), "cseq": null(r.get("cseq", "?"), "0"), "cseqm": r.get("cseqm", "?"),
        "len": r.get("len", "?"), "ts": r.get("ts", "?"), "ipproto": r.get("ipproto", "?"),
    }

FIELDS = ["src", "dst", "callid", "first", "cseq", "cseqm", "len", "ts", "ipproto"]
key = lambda d: tuple(d[f] for f in FIELDS)
runs = [dict(zip(["name", "pcap", "first_line", "lines", "sent", "dropped", "errors", "dups", "status", "secs"],
                 l.rstrip("\n").split("\t"))) for l in list(open(f"{out}/runs.tsv"))[1:]]
mism, fail, summary = [], [], []
paths_all = collections.Counter()
for run in runs:
    name = run["name"]
    first, n = int(run["first_line"]), int(run["lines"])
    sent_n, dropped, dups = int(run["sent"]), int(run["dropped"]), int(run["dups"])
    sent = [sent_rec(json.loads(l)) for l in open(f"{out}/{name}.sent.ndjson") if l.strip()]
    if run["status"] != "0" and n == 0:
        # sipscope did not send (a usage error while --hep tcp: does not exist yet, an unreadable
        # capture): one line, not every message as missing
        mism.append((name, "run", "-", "sipscope report failed", f"exit {run['status']}", f"see logs/{name}.hep.err"))
        fail.append(name)
        summary.append((name, len(sent), dups, sent_n, dropped, n, 0, {}, 0, run["secs"], run["status"]))
        continue
    got_lines = heprx[first:first + n]
    got, other = [], []
    for l in got_lines:
        r = parse_heprx(l)
        (got if r else other).append(r if r else l)
    paths = collections.Counter(r.get("path") for r in got); paths_all.update(paths)
    senders = collections.Counter(r.get("rcv", "").rsplit(":", 2)[0] + ":" + r.get("rcv", "").rsplit(":", 1)[-1] for r in got)
    # per line: what only Kamailio knows must be right too
    for i, r in enumerate(got):
        checks = {
            "capid": (r.get("capid"), hep_id), "auth": (r.get("auth"), hep_auth or "-"), "version": (r.get("version"), "3"),
            "type": (r.get("type"), "1"), "decoded src": (r.get("src"), r.get("hepsrc")),
            "decoded proto": (r.get("proto"), {"17": "udp", "6": "tcp"}.get(r.get("ipproto"), "?")),
            "family": (r.get("family"), "10" if r.get("hepsrc", "").startswith("[") else "2"),
            "carried by": (r.get("rcv", "").split(":")[0], transport),
        }
        for what, (have, want) in checks.items():
            if have != want:
                mism.append((name, f"kam#{i}", r.get("callid", "?")[:34], what, want, have))
    # multiset match on every field
    want_c = collections.Counter(key(s) for s in sent)
    have_c = collections.Counter(key(kam_rec(r)) for r in got)
    matched = sum((want_c & have_c).values())
    miss = list((want_c - have_c).elements())
    extra = list((have_c - want_c).elements())
    # duplicates sipscope did not send: the same message (all fields but time) within 10 ms of a sent one
    dup_ok = 0
    rest = []
    sent_keys = [key(s) for s in sent]
    for k in miss:
        kt = float(k[FIELDS.index("ts")])
        twin = any(s[:7] == k[:7] and s[8:] == k[8:] and s != k and abs(float(s[7]) - kt) < 0.010 for s in sent_keys)
        if twin and dup_ok < dups:
            dup_ok += 1
        else:
            rest.append(k)
    miss = rest
    # pair what is left, to show which fields differ: the same packet (addresses and time),
    # else the same Call-ID, first line and CSeq
    ident = lambda x: (x[0], x[1], x[7])
    for k in list(miss):
        cand = ([e for e in extra if ident(e) == ident(k)] or
                [e for e in extra if (e[2], e[3], e[4]) == (k[2], k[3], k[4])])
        if cand:
            e = cand[0]; extra.remove(e); miss.remove(k)
            for f, a, b in zip(FIELDS, k, e):
                if a != b:
                    mism.append((name, "msg", k[2][:34], f, a, b))
    for k in miss:
        mism.append((name, "msg", k[2][:34], "missing in kamailio", f"{k[3]} {k[4]} {k[5]} {k[0]}->{k[1]} @{k[7]}", "-"))
    for e in extra:
        mism.append((name, "msg", e[2][:34], "not sent", "-", f"{e[3]} {e[4]} {e[5]} {e[0]}->{e[1]} @{e[7]}"))
    for l in other:
        mism.append((name, "line", "-", "not a HEPRX message line", "-", l[-90:]))
    counts_ok = (int(run["status"]) == 0 and dropped == 0 and sent_n == len(sent) - dups == n == len(got) == matched)
    if not counts_ok or any(m[0] == name for m in mism):
        fail.append(name)
    summary.append((name, len(sent), dups, sent_n, dropped, n, matched, dict(paths), len(senders), run["secs"], run["status"]))

if mism:
    print(f"\nMISMATCHES ({len(mism)}):")
    print(f"{'capture':<26} {'where':<8} {'call-id':<34} {'field':<22} {'sent':<30} kamailio")
    for m in mism[:60]:
        print(f"{m[0]:<26} {m[1]:<8} {m[2]:<34} {m[3]:<22} {str(m[4])[:30]:<30} {m[5]}")
    if len(mism) > 60:
        print(f"... {len(mism) - 60} more, all in {out}/mismatches.tsv")
    with open(f"{out}/mismatches.tsv", "w") as f:
        f.write("capture\twhere\tcall_id\tfield\tsent\tkamailio\n")
        for m in mism:
            f.write("\t".join(map(str, m)) + "\n")
print("\nSUMMARY (transport %s, capture id %s)" % (transport, hep_id))
print(f"{'capture':<26} {'messages':>8} {'dups':>5} {'HEP sent':>8} {'dropped':>7} {'kam lines':>9} {'matched':>7}  {'paths':<22} {'senders':>7} {'secs':>5}")
for s in summary:
    print(f"{s[0]:<26} {s[1]:>8} {s[2]:>5} {s[3]:>8} {s[4]:>7} {s[5]:>9} {s[6]:>7}  {str(s[7]):<22} {s[8]:>7} {s[9]:>5}" +
          ("" if s[10] == "0" else f"  (sipscope exit {s[10]})"))
tot = [sum(s[i] for s in summary) for i in (1, 2, 3, 5, 6)]
print(f"{'total':<26} {tot[0]:>8} {tot[1]:>5} {tot[2]:>8} {'':>7} {tot[3]:>9} {tot[4]:>7}  {dict(paths_all)}")
if not runs:
    fail.append("no capture run")
print("RESULT:", "PASS" if not fail else "FAIL " + ", ".join(fail))
sys.exit(0 if not fail else 1)
PY
RC=$?
log "took $(python3 -c "import time; print(round(time.time() - $T0, 1))") s; outputs in $OUT"
exit $RC
