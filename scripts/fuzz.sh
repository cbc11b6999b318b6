#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer via cargo-fuzz) of the seven targets in fuzz/: the SIP scanner,
# TCP streams through the engine, link/IP/tunnel decoding (with correlation and rules), whole pcap
# files, the access-network decoders, the media decoders (SDP, RTP, RTCP, stream counters) and HEP3. Seeds come from the bundled captures. Runs each target for SECONDS (default 20) or, with
# RUNS=N, for N executions; prints executions and crashes per target and exits non-zero on a crash
# (the crashing input is left in fuzz/artifacts/TARGET/ to become a regression test).
#
#   scripts/fuzz.sh            # short run, as in CI
#   RUNS=10000000 scripts/fuzz.sh   # the long run: 10 million executions per target
#   TARGETS=pcap_file RUNS=10000000 scripts/fuzz.sh   # one target only
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-20}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1   # cargo-fuzz passes nightly flags; the stable toolchain accepts them this way
python3 - <<'PY'
import os, struct, glob
root = "fuzz/corpus"
for t in ("scan", "tcp_stream", "decode", "pcap_file", "encap", "media", "hep"):
    os.makedirs(f"{root}/{t}", exist_ok=True)
def frames(path):
    data = open(path, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return []
    lt = struct.unpack("<I", data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
        out.append((lt, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return out
n = 0
for p in sorted(glob.glob("pcaps/*.pcap")):
    name = os.path.basename(p)
    if os.path.getsize(p) < 70_000:
        open(f"{root}/pcap_file/{name}", "wb").write(open(p, "rb").read())
    fr = frames(p)
    for i, (lt, f) in enumerate(fr[:40]):
        sel = {1: 0, 101: 1, 12: 2, 228: 3, 229: 4, 0: 5, 108: 6, 113: 7, 276: 8}.get(lt, 0)
        open(f"{root}/decode/{name}-{i}", "wb").write(bytes([sel]) + f)
        # The SIP payload (after the UDP or TCP header) for the scanner.
        k = f.find(b"SIP/2.0")
        if k > 0:
            start = max(f.rfind(b"\n", 0, k) + 1, 0)
            for cand in (b"INVITE", b"SIP/2.0", b"ACK", b"BYE", b"REGISTER", b"OPTIONS", b"CANCEL"):
                j = f.find(cand)
                if j >= 0:
                    start = min(start, j) if start else j
            open(f"{root}/scan/{name}-{i}", "wb").write(f[start:])
            n += 1
    if "tcp" in name:
        payloads = [f[54 + (f[46] >> 4) * 4 - 20:] for _, f in fr if len(f) > 66]
        seg = b""
        off = 0
        for pl in payloads[:20]:
            pl = pl[:255]
            seg += struct.pack(">HBB", off & 0xffff, 0x10, len(pl)) + pl
            off += len(pl)
        open(f"{root}/tcp_stream/{name}", "wb").write(seg)
# The encapsulation decoders: each frame of the encap captures from its outer payload on.
for p in sorted(glob.glob("pcaps/encap-*.pcap")):
    for i, (lt, f) in enumerate(frames(p)[:20]):
        for cut in (14, 20, 34, 42):
            open(f"{root}/encap/{os.path.basename(p)}-{i}-{cut}", "wb").write(f[cut:])
# The media decoders: SDP bodies, and runs of RTP/RTCP payloads (2-byte length prefixes) from the
# media captures (UDP payload of IPv4 Ethernet frames).
for p in sorted(glob.glob("pcaps/media-*.pcap")):
    fr = frames(p)
    name = os.path.basename(p)
    run = b""
    for i, (lt, f) in enumerate(fr):
        k = f.find(b"\r\n\r\nv=0")
        if k > 0:
            open(f"{root}/media/{name}-sdp-{i}", "wb").write(f[k + 4:])
        elif lt == 1 and len(f) > 42 and f[42] >> 6 == 2 and len(run) < 4000:
            pl = f[42:]
            run += struct.pack(">H", len(pl)) + pl
    if run:
        open(f"{root}/media/{name}-run", "wb").write(run)
# HEP3: a SIP payload of each capture wrapped as an agent would send it.
def hep3(payload, i):
    def chunk(t, v):
        return struct.pack(">HHH", 0, t, len(v) + 6) + v
    body = (chunk(1, b"\x02") + chunk(2, b"\x11") + chunk(3, bytes([192, 0, 2, 1])) + chunk(4, bytes([192, 0, 2, 2]))
            + chunk(7, struct.pack(">H", 5060)) + chunk(8, struct.pack(">H", 5060)) + chunk(9, struct.pack(">I", 1800000000 + i))
            + chunk(10, struct.pack(">I", 0)) + chunk(11, b"\x01") + chunk(12, struct.pack(">I", 2001)) + chunk(15, payload))
    return b"HEP3" + struct.pack(">H", 6 + len(body)) + body
for i, p in enumerate(sorted(glob.glob(f"{root}/scan/*"))[:40]):
    data = open(p, "rb").read()[:4000]
    open(f"{root}/hep/{os.path.basename(p)}", "wb").write(hep3(data, i))
print(f"seed corpora ready ({n} SIP payloads)")
PY
fail=0
for t in ${TARGETS:-scan tcp_stream decode pcap_file encap media hep}; do
  if [ -n "${RUNS:-}" ]; then limit="-runs=$RUNS"; else limit="-max_total_time=$SECONDS_PER"; fi
  # Whole files are capped at 16 KiB: the record framing is what this target adds, and
  # shorter files keep it at ~11,000 executions/s instead of ~3,300.
  if [ "$t" = pcap_file ]; then max_len=16384; else max_len=70000; fi
  log=$(mktemp)
  if cargo fuzz run "$t" -s none -O "fuzz/corpus/$t" -- $limit -print_final_stats=1 -max_len=$max_len > "$log" 2>&1; then
    status=ok
  else
    status=CRASH; fail=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz $t: ${execs:-?} executions, $status"
  [ "$status" = ok ] || tail -30 "$log"
done
exit $fail
