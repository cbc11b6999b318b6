#!/usr/bin/env bash
# Line rate of live capture (root): the first N packets of a capture are replayed onto loopback
# with tcpreplay, at each of a list of packet rates (and at tcpreplay's top speed), while
# `sipscope report -i lo` captures. A rate passes when kernel, interface and queue drops are 0,
# sipscope saw every packet tcpreplay sent, and its report has as many calls as `sipscope report
# -r` on the same packets read offline. One table row per rate, then the highest passing rate.
# Every process is bounded (--duration, timeout, the end of the file) and stopped by its PID.
#
#   usage: sudo scripts/line-rate.sh [--pps LIST] [--limit N] [--dashboard] [CAPTURE]
#
#   sudo scripts/line-rate.sh                          # 50k, 100k, 200k pps and topspeed, 200,000 packets each
#   sudo scripts/line-rate.sh --pps 20000,topspeed --limit 100000 /work/bench/sip-150k.pcap
#   sudo scripts/line-rate.sh --dashboard --pps 50000  # the dashboard in tmux instead of `report`
#
# CAPTURE defaults to /work/bench/big-1m.pcap (shared/bench/README.md makes it); --pps takes
# packets per second, comma-separated, and `topspeed`; rates run lowest first, topspeed last.
# Exit 0 when the lowest rate passes. Columns: offered and achieved packets/s (tcpreplay's own
# figure), packets sent, packets and SIP messages sipscope counted, its drops, calls in the live
# report and in the offline one, "busy": cores busy on the whole machine during the replay (out
# of nproc; what is not sipscope or tcpreplay is someone else's load), "us/pkt": sipscope's CPU
# (user + system, from the replay's start to its stop; with --dashboard, until the status bar
# is read, drawing included) per packet seen.
#
# --dashboard runs `sipscope -i lo` in a 160x45 tmux pane on a private socket instead, and reads
# packets, SIP, calls and drops from its status bar once it stops changing (the status bar's drops
# are kernel + interface + queue in one number); q stops it. The manual equivalent:
#   tcprewrite --enet-dmac=02:00:00:00:00:01 --infile=CAPTURE --outfile=replay.pcap   # once checked
#   tmux new -d -s lr -x 160 -y 45 'sipscope -i lo -f "host 127.0.0.50 or host 127.0.0.51"'
#   tcpreplay -i lo --pps=50000 --limit=200000 replay.pcap; sleep 2; tmux capture-pane -p -t lr | tail -1
# After reading the status bar the script sends one non-SIP UDP datagram (the "nudge", port 9)
# and reads it again: the row counts the nudge out and notes how many packets appeared only after
# it. (Until 2026-12-03 sipscope's capture thread kept its last partial batch on a link gone
# quiet, because libpcap's immediate mode never returned on its timeout; the handle is now
# non-blocking with its own poll(2), and the note should never appear: it is kept as a check.)
#
# Safety: before anything is sent, every frame of CAPTURE is read (Python, no packages): it must
# be Ethernet, IPv4 or IPv6 (VLAN tags allowed), every IPv4 address in 127.0.0.0/8 and every IPv6
# address ::1, no tunnel inside (IP-in-IP, GRE, ESP, EtherIP, L2TP), no frame over lo's MTU;
# otherwise the script refuses. Packets go to `lo` only, and their destination MAC is rewritten
# (tcprewrite) to 02:00:00:00:00:01: on lo (address 00:00:00:00:00:00) that makes them "other
# host" frames, which packet sockets capture and the IP stack drops on arrival, so no local SIP
# service receives them and the kernel answers none of them.
#
# Environment: SIPSCOPE (binary, default target/release/sipscope), LINERATE_BUFFER (-B, MiB,
# default 128, as load-check.sh), LINERATE_SETTLE (seconds between the end of the replay and
# stopping sipscope, default 2), LINERATE_FILTER (capture filter; default: the capture's hosts),
# LINERATE_KEEP=1 (keep the work directory: slices, reports, tcpreplay output).
#
# What to know when reading the figures (Debian 12, libpcap 1.10.3, 6.x kernel, 2026-12-03):
# - On lo the kernel hands a capture each packet twice (outgoing and incoming); libpcap drops the
#   outgoing copy, so sipscope sees each packet once, but both copies go through the kernel ring:
#   the kernel drop counter on lo counts about two per packet lost.
# - The kernel ring: sipscope used to open interfaces in immediate mode, where libpcap uses
#   TPACKET_V2 with fixed slots of MTU + 18 bytes (64 KiB on lo and on `any`): -B 128 held 2,046
#   slots, 1,023 packets on lo (measured with sipscope stopped by SIGSTOP), 10 ms of slack at
#   100,000 packets/s. It now opens them buffered (TPACKET_V3, packets packed by size in blocks
#   handed over when full or after 20 ms), which by arithmetic holds
#   some 200,000 SIP packets in -B 128 (measured: 250,000 packets/s for 1.1 M packets, no drop).
# - tcpreplay warns "Unsupported physical layer type 0x0304 on lo. Maybe it works": it does, for
#   Ethernet captures (lo's link type is Ethernet); other link types are refused above.
# - sipscope must be capturing before the replay starts: the script waits for its "capturing on"
#   line (opening lo with a large -B once took 1.1 s; a blind `sleep 1` lost the first 721
#   packets at 20,000 pps without any drop counter showing it).
# - Live timestamps are the replay's, not the file's: a replay much slower than the original
#   (about 2,900 packets/s for the bench captures) can time calls out where the file does not.
set -euo pipefail
cd "$(dirname "$0")/.."
PPS_LIST=50000,100000,200000,topspeed
LIMIT=200000
DASHBOARD=0
CAPTURE=/work/bench/big-1m.pcap
while [ $# -gt 0 ]; do
  case $1 in
    --pps) PPS_LIST=$2; shift 2 ;;
    --pps=*) PPS_LIST=${1#--pps=}; shift ;;
    --limit) LIMIT=$2; shift 2 ;;
    --limit=*) LIMIT=${1#--limit=}; shift ;;
    --dashboard) DASHBOARD=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1 (usage: scripts/line-rate.sh [--pps LIST] [--limit N] [--dashboard] [CAPTURE])"; exit 2 ;;
    *) CAPTURE=$1; shift ;;
  esac
done
[[ $LIMIT =~ ^[1-9][0-9]*$ ]] || { echo "--limit takes a packet count, not '$LIMIT'"; exit 2; }
RATES=""; TOP=""
for r in ${PPS_LIST//,/ }; do
  case $r in
    topspeed) TOP=topspeed ;;
    *) [[ $r =~ ^[1-9][0-9]*$ ]] || { echo "--pps takes packets per second or topspeed, not '$r'"; exit 2; }
       RATES="$RATES $r" ;;
  esac
done
RATES="$(printf '%s\n' $RATES | sort -nu | tr '\n' ' ')$TOP"
[ -n "${RATES// /}" ] || { echo "no rate given"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (replay onto lo, live capture on lo)"; exit 1; }
for t in tcpreplay tcprewrite editcap python3; do
  command -v $t >/dev/null || { echo "needs $t (Debian tcpreplay, tshark's editcap, python3)"; exit 1; }
done
[ "$DASHBOARD" = 0 ] || command -v tmux >/dev/null || { echo "needs tmux for --dashboard"; exit 1; }
[ -r "$CAPTURE" ] || { echo "cannot read $CAPTURE"; exit 1; }
BIN=${SIPSCOPE:-target/release/sipscope}
[ -x "$BIN" ] || cargo build --release --quiet
BUFFER=${LINERATE_BUFFER:-128}
SETTLE=${LINERATE_SETTLE:-2}
# One run at a time: two runs replay the same packets onto lo and each counts the other's.
exec 9> "${TMPDIR:-/tmp}/sipscope-line-rate.lock"
flock -n 9 || { echo "another scripts/line-rate.sh is running (both would capture each other's replay); try later"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/line-rate.XXXXXX")
SOCK=line-rate-$$
tm() { tmux -u -L "$SOCK" -f /dev/null "$@" 9>&-; }  # the server must not hold the lock
PIDS=""
cleanup() {
  for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
  if [ "$DASHBOARD" = 1 ] && tm list-sessions >/dev/null 2>&1; then tm kill-server 2>/dev/null || true; fi
  if [ -n "${LINERATE_KEEP:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# 1. Safety: every frame Ethernet + IPv4 in 127.0.0.0/8 or IPv6 ::1, and no larger than lo takes.
MTU=$(cat /sys/class/net/lo/mtu)
echo "checking every packet of $CAPTURE (loopback addresses only, Ethernet, frames <= $MTU + 14 bytes)"
if ! python3 - "$CAPTURE" "$MTU" > "$work/check.json" <<'PY'
import json, mmap, struct, sys

path, mtu = sys.argv[1], int(sys.argv[2])
LOOP6 = bytes(15) + b"\x01"
TUNNELS = {4: "IPv4-in-IP", 41: "IPv6-in-IP", 47: "GRE", 50: "ESP", 97: "EtherIP", 115: "L2TP"}
packets = max_frame = truncated = 0
addrs, ports, bad = set(), set(), []


def finish():
    print(json.dumps({"packets": packets, "addresses": sorted(addrs), "ports": sorted(ports),
                      "max_frame": max_frame, "truncated": truncated, "refused": bad}))
    sys.exit(1 if bad else 0)


def refuse(n, why):
    bad.append(f"packet {n}: {why}")
    if len(bad) >= 5:
        finish()


def frame(n, linktype, data, orig):
    global max_frame, truncated
    if linktype != 1:
        return refuse(n, f"link type {linktype}, not Ethernet (tcpreplay on lo sends Ethernet frames)")
    max_frame = max(max_frame, len(data))
    if len(data) > mtu + 14:
        return refuse(n, f"{len(data)}-byte frame, more than lo's MTU {mtu} + 14")
    truncated += len(data) < orig
    off = 12
    while True:
        if len(data) < off + 2:
            return refuse(n, "frame too short for an EtherType")
        etype = struct.unpack_from("!H", data, off)[0]
        off += 2
        if etype not in (0x8100, 0x88A8, 0x9100):
            break
        off += 2
    if etype == 0x0800:
        if len(data) < off + 20:
            return refuse(n, "truncated IPv4 header")
        proto, src, dst = data[off + 9], data[off + 12:off + 16], data[off + 16:off + 20]
        for a in (src, dst):
            if a[0] != 127:
                return refuse(n, "IPv4 address %d.%d.%d.%d is not in 127.0.0.0/8" % tuple(a))
        addrs.update(("%d.%d.%d.%d" % tuple(src), "%d.%d.%d.%d" % tuple(dst)))
        if proto in TUNNELS:
            return refuse(n, f"{TUNNELS[proto]} inside IPv4 (inner addresses not checked)")
        ihl = (data[off] & 0x0F) * 4
        first = struct.unpack_from("!H", data, off + 6)[0] & 0x1FFF == 0
        if proto in (6, 17) and first and len(data) >= off + ihl + 4:
            ports.update(struct.unpack_from("!HH", data, off + ihl))
    elif etype == 0x86DD:
        if len(data) < off + 40:
            return refuse(n, "truncated IPv6 header")
        nh, src, dst = data[off + 6], data[off + 8:off + 24], data[off + 24:off + 40]
        for a in (src, dst):
            if a != LOOP6:
                return refuse(n, f"IPv6 address {a.hex()} is not ::1")
        addrs.add("::1")
        if nh in TUNNELS:
            return refuse(n, f"{TUNNELS[nh]} inside IPv6 (inner addresses not checked)")
        if nh in (6, 17) and len(data) >= off + 44:
            ports.update(struct.unpack_from("!HH", data, off + 40))
    else:
        return refuse(n, f"EtherType 0x{etype:04x} is neither IPv4 nor IPv6")


with open(path, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
magic = m[:4]
if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    e = "<" if magic[0] in (0xD4, 0x4D) else ">"
    linktype = struct.unpack_from(e + "I", m, 20)[0] & 0x0FFFFFFF
    rec, off, size = struct.Struct(e + "IIII"), 24, len(m)
    while off + 16 <= size:
        _, _, incl, orig = rec.unpack_from(m, off)
        off += 16
        if off + incl > size:
            refuse(packets + 1, "record runs past the end of the file")
            break
        packets += 1
        frame(packets, linktype, m[off:off + incl], orig)
        off += incl
elif magic == b"\x0a\x0d\x0d\x0a":
    e, off, size, links = "<", 0, len(m), []
    while off + 12 <= size:
        btype = struct.unpack_from(e + "I", m, off)[0]
        if btype == 0x0A0D0D0A:
            e = "<" if m[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(e + "I", m, off + 4)[0]
        if blen < 12 or off + blen > size:
            refuse(packets + 1, "pcapng block runs past the end of the file")
            break
        if btype == 1:
            links.append(struct.unpack_from(e + "H", m, off + 8)[0])
        elif btype in (2, 6):  # (obsolete) packet block, enhanced packet block
            if btype == 6:
                iface, _, _, incl, orig = struct.unpack_from(e + "IIIII", m, off + 8)
            else:
                iface, _, _, _, incl, orig = struct.unpack_from(e + "HHIIII", m, off + 8)
            packets += 1
            frame(packets, links[iface] if iface < len(links) else -1, m[off + 28:off + 28 + incl], orig)
        elif btype == 3:  # simple packet block
            orig = struct.unpack_from(e + "I", m, off + 8)[0]
            packets += 1
            frame(packets, links[0] if links else -1, m[off + 12:off + 12 + min(orig, blen - 16)], orig)
        off += blen
else:
    refuse(0, "not a pcap or pcapng file")
finish()
PY
then
  echo "REFUSED: $CAPTURE is not safe to replay onto lo:"
  python3 -c 'import json,sys; [print("  " + b) for b in json.load(open(sys.argv[1]))["refused"]]' "$work/check.json"
  exit 1
fi
read -r TOTAL HOSTS < <(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["packets"], " ".join(c["addresses"]))' "$work/check.json")
echo "ok: $TOTAL packets, hosts $HOSTS"
[ "$TOTAL" -gt 0 ] || { echo "no packets in $CAPTURE"; exit 1; }
# The capture filter: the capture's hosts (as load-check.sh does), so other loopback traffic is
# not counted; with many hosts, all of loopback.
if [ -n "${LINERATE_FILTER:-}" ]; then
  FILTER=$LINERATE_FILTER
elif [ "$(wc -w <<<"$HOSTS")" -le 16 ]; then
  FILTER=$(sed 's/ / or host /g; s/^/host /' <<<"$HOSTS")
else
  FILTER="net 127.0.0.0/8 or ip6 host ::1"
fi

# 2. The packets sent: the first N, destination MAC rewritten; and the same packets read offline.
N=$((LIMIT < TOTAL ? LIMIT : TOTAL))
editcap -F pcap -r "$CAPTURE" "$work/slice.pcap" "1-$N"
tcprewrite --enet-dmac=02:00:00:00:00:01 --infile="$work/slice.pcap" --outfile="$work/replay.pcap"
rm -f "$work/slice.pcap"
"$BIN" report -r "$work/replay.pcap" --format json > "$work/offline.json"
# The dashboard's nudge: one UDP datagram that is not SIP, between the capture's first two hosts
# (port 9, same rewritten MAC). Sent after a dashboard run, it makes sipscope's capture thread hand
# over the packets it still holds (see --dashboard above); it is counted as one packet, no SIP.
if [ "$DASHBOARD" = 1 ]; then
  python3 - "$work/nudge.pcap" $HOSTS <<'PY'
import ipaddress, struct, sys
out, hosts = sys.argv[1], sys.argv[2:]
src = ipaddress.ip_address(hosts[0])
same = [h for h in hosts if ipaddress.ip_address(h).version == src.version]
dst = ipaddress.ip_address(same[1] if len(same) > 1 else same[0])
payload = b"sipscope line-rate nudge"
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
udp = struct.pack("!HHHH", 9, 9, 8 + len(payload), 0) + payload
if src.version == 4:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src.packed, dst.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\0\0\0\0\x01" + bytes(6) + b"\x08\x00" + ip + udp
else:
    pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64, src.packed, dst.packed)
    frame = b"\x02\0\0\0\0\x01" + bytes(6) + b"\x86\xdd" + ip + udp
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)
PY
fi

echo "capture: $CAPTURE, first $N packets; sipscope: $BIN ($("$BIN" --version)); -B $BUFFER; filter: $FILTER"
echo "mode: $([ "$DASHBOARD" = 1 ] && echo "dashboard (sipscope -i lo in tmux 160x45)" || echo "sipscope report -i lo")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
printf '%-9s %9s %8s %8s %8s %-16s %-15s %5s %6s %s\n' offered achieved sent seen SIP \
  "$([ "$DASHBOARD" = 1 ] && echo "drops (all)" || echo "drops k/i/q")" "calls live/off" busy "us/pkt" result
echo "--------- --------- -------- -------- -------- ---------------- --------------- ----- ------ ------"

# CPU time in clock ticks: all cores busy (not idle, not iowait), and one process (user + system).
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
proc_ticks() { { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || echo "x 0 0 0 0 0 0 0 0 0 0 0 0"; } | awk '{print $12 + $13}'; }

# replay RATE SECONDS DIR PID: tcpreplay onto lo, bounded by the file and by timeout; DIR/cpu gets
# the replay's wall time and the ticks of the whole machine during it, and sipscope's (PID) ticks
# at its start (the end is added by the caller just before sipscope is stopped).
replay() {
  local opt=--pps=$1 t0 b0 p0
  [ "$1" = topspeed ] && opt=--topspeed
  t0=$(date +%s.%N); b0=$(busy_ticks); p0=$(proc_ticks "$4")
  timeout --signal=INT "$2" tcpreplay -i lo "$opt" --limit="$N" "$work/replay.pcap" > "$3/tcpreplay.out" 2>&1 &
  local rp=$!
  PIDS="$PIDS $rp"
  wait "$rp" || echo "tcpreplay exit $? (see $3/tcpreplay.out)" >&2
  PIDS=${PIDS% "$rp"}
  echo "$(getconf CLK_TCK) $t0 $(date +%s.%N) $b0 $(busy_ticks) $p0" > "$3/cpu"
}

# row RATE DIR MODE: compare what sipscope saw with what tcpreplay sent and what the file holds.
row() {
  python3 - "$1" "$2" "$3" "$N" "$work/offline.json" >> "$work/rows.tsv" <<'PY'
import json, re, sys
rate, d, mode, n, offline = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
tr = open(f"{d}/tcpreplay.out").read()
m = re.search(r"Actual: (\d+) packets", tr)
sent = int(m.group(1)) if m else 0
m = re.search(r"Rated: .*?([\d.]+) pps", tr)
achieved = float(m.group(1)) if m else 0.0
m = re.search(r"Failed packets:\s+(\d+)", tr)
sent -= int(m.group(1)) if m else 0
off = json.load(open(offline))
off_calls = off["capture"]["calls"]
notes = []
if mode == "report":
    try:
        r = json.load(open(f"{d}/report.json"))
        c = r["capture"]
        seen, sip, calls = c["packets"], c["sip_messages"], len(r["calls"])
        k, i, q = c["kernel_drops"], c["interface_drops"], c["queue_drops"]
        off_calls = len(off["calls"])
        drops_ok = k == i == q == 0
        drops = f"{k}/{i}/{q}"
        if sip != off["capture"]["sip_messages"]:
            notes.append(f"SIP messages offline {off['capture']['sip_messages']}")
        if k and sent > seen:
            notes.append(f"kernel drops {k / (sent - seen):.2f} per packet lost")
    except (OSError, ValueError, KeyError) as e:
        seen = sip = calls = -1
        drops, drops_ok = "?", False
        notes.append(f"no report: {e}")
else:
    bar = r"pkts (\d+) · SIP (\d+) · calls (\d+) · \d+ msg/s · drops (\d+)"
    m = re.search(bar, open(f"{d}/pane.txt").read())
    before = re.search(bar, open(f"{d}/before-nudge.txt").read())
    if m:
        seen, sip, calls, total = map(int, m.groups())
        seen -= 1  # the nudge
        drops, drops_ok = f"all:{total}", total == 0
        if before and int(before.group(1)) != seen:
            held = seen - int(before.group(1))
            notes.append(f"{held} packet{'s' if held != 1 else ''} shown only after the nudge")
    else:
        seen = sip = calls = -1
        drops, drops_ok = "?", False
        notes.append("no status bar in the pane")
if sent != n:
    notes.append(f"tcpreplay sent {sent} of {n}")
if seen > sent:
    notes.append(f"seen {seen / max(sent, 1):.2f}x sent (duplicates?)")
ok = drops_ok and seen == sent == n and calls == off_calls
offered = rate if rate == "topspeed" else f"{int(rate):,}"
try:
    hz, t0, t1, b0, b1, p0, p1 = map(float, open(f"{d}/cpu").read().split())
    busy = f"{(b1 - b0) / hz / (t1 - t0):.2f}"
    per_packet = f"{(p1 - p0) / hz / seen * 1e6:.1f}" if seen > 0 and p1 >= p0 > 0 else "?"
except (OSError, ValueError, ZeroDivisionError):
    busy = per_packet = "?"
print(f"{offered:<9} {achieved:9,.0f} {sent:8} {seen:8} {sip:8} {drops:<16} {calls:>7}/{off_calls:<7} {busy:>5} {per_packet:>6} "
      f"{'PASS' if ok else 'FAIL'}{'  (' + '; '.join(notes) + ')' if notes else ''}", flush=True)
PY
  tail -n 1 "$work/rows.tsv"
}

# wait_for_file FILE TEXT PID: until FILE holds TEXT (10 s at most, or PID gone).
wait_for_file() {
  local tries=100
  while [ $tries -gt 0 ] && kill -0 "$3" 2>/dev/null; do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1; tries=$((tries - 1))
  done
  return 1
}

# wait_for_pane SESSION TEXT: until the pane shows TEXT (10 s at most).
wait_for_pane() {
  local tries=100
  while [ $tries -gt 0 ]; do
    tm capture-pane -p -t "=$1:" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.1; tries=$((tries - 1))
  done
  return 1
}

run=0
for rate in $RATES; do
  run=$((run + 1)); d=$work/run$run; mkdir -p "$d"
  if [ "$rate" = topspeed ]; then dur=$((N / 20000 + 60)); else dur=$((N / rate + 60)); fi
  if [ "$DASHBOARD" = 0 ]; then
    "$BIN" report -i lo -f "$FILTER" -B "$BUFFER" --duration "${dur}s" --format json \
      > "$d/report.json" 2> "$d/sipscope.err" &
    SIPSCOPE_PID=$!; PIDS="$SIPSCOPE_PID"
    # Capturing once it says so (the ring is open); then a moment for the capture thread.
    wait_for_file "$d/sipscope.err" "capturing on" "$SIPSCOPE_PID" || { cat "$d/sipscope.err"; echo "sipscope did not start"; exit 1; }
    sleep 0.5
    replay "$rate" "$dur" "$d" "$SIPSCOPE_PID"
    sleep "$SETTLE"
    echo " $(proc_ticks "$SIPSCOPE_PID")" >> "$d/cpu"
    kill -INT "$SIPSCOPE_PID" 2>/dev/null || true
    wait "$SIPSCOPE_PID" || echo "sipscope exit $? (see $d/sipscope.err)" >&2
    PIDS=""
    row "$rate" "$d" report
  else
    s=lr$run
    # timeout --foreground: the dashboard keeps the terminal; the timeout is the upper bound.
    tm new-session -d -s "$s" -x 160 -y 45 \
      "exec timeout --foreground --signal=TERM ${dur}s $(printf '%q' "$BIN") -i lo -B $BUFFER -f $(printf '%q' "$FILTER") 2>$d/sipscope.err"
    PANE_PID=$(tm display-message -p -t "=$s:" '#{pane_pid}'); PIDS="$PANE_PID"
    wait_for_file "$d/sipscope.err" "capturing on" "$PANE_PID" && wait_for_pane "$s" "pkts 0 " ||
      { tm capture-pane -p -t "=$s:" || true; cat "$d/sipscope.err"; echo "the dashboard did not start"; exit 1; }
    # sipscope, under timeout (read once it runs: right after new-session timeout may not have forked yet)
    DASH_PID=$(awk '{print $1}' "/proc/$PANE_PID/task/$PANE_PID/children" 2>/dev/null || true)
    sleep 0.5
    replay "$rate" "$dur" "$d" "${DASH_PID:-0}"
    sleep "$SETTLE"
    # The status bar is read once it has stopped changing (two equal reads 0.5 s apart, 20 s at
    # most), then again after the nudge has released what the capture thread held back.
    for f in before-nudge pane; do
      prev=""
      for _ in $(seq 40); do
        tm capture-pane -p -t "=$s:" > "$d/$f.txt"
        cur=$(grep -o 'pkts [0-9]* · SIP [0-9]* · calls [0-9]*' "$d/$f.txt" || true)
        [ -n "$cur" ] && [ "$cur" = "$prev" ] && break
        prev=$cur; sleep 0.5
      done
      [ "$f" = pane ] || timeout 10 tcpreplay -i lo "$work/nudge.pcap" > "$d/nudge.out" 2>&1 || echo "nudge: tcpreplay exit $?" >&2
    done
    echo " $(proc_ticks "${DASH_PID:-0}")" >> "$d/cpu"
    tm send-keys -t "=$s:" q
    for _ in $(seq 100); do kill -0 "$PANE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PANE_PID" 2>/dev/null && { echo "the dashboard is still running after q; SIGTERM" >&2; kill "$PANE_PID" || true; }
    PIDS=""
    row "$rate" "$d" dashboard
  fi
done

python3 - "$work/rows.tsv" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
best = [r for r in rows if r[9] == "PASS"]
if best:
    b = max(best, key=lambda r: float(r[1].replace(",", "")))
    offered = "topspeed" if b[0] == "topspeed" else f"{b[0]} pps"
    print(f"highest passing rate: {offered} offered, {b[1]} pps achieved")
else:
    print("highest passing rate: none")
PY
head -n 1 "$work/rows.tsv" | grep -q ' PASS' && exit 0
exit 1
