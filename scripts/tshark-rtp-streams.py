#!/usr/bin/env python3
"""tshark-rtp-streams.py — the RTP streams tshark finds in a capture, as TSV.

    scripts/tshark-rtp-streams.py PCAP          # TSV, one line per stream (no header)
    scripts/tshark-rtp-streams.py --raw PCAP    # tshark's own `-n -q -z rtp,streams` table

Runs `tshark -n -r PCAP -q -z rtp,streams` (tshark only decodes UDP as RTP when it saw the SDP that
announced the port, or with its RTP heuristics on; this script uses tshark's defaults) and prints
one line per stream, sorted, with these tab-separated columns:

    src_ip  src_port  dst_ip  dst_port  ssrc  payload  packets  lost  max_delta_ms  max_jitter_ms  mean_jitter_ms

ssrc is decimal (tshark prints 0x hex); payload is tshark's name (g711U, telephone-event, ...);
lost is tshark's "lost" number (negative when there are more packets than the sequence range, e.g.
the repeated RFC 4733 end-of-event packets); the millisecond values are copied as tshark prints
them (3 decimals). The reference outputs of pcaps/media-*.pcap are in tests/golden/rtp/.
"""
import subprocess
import sys


def tshark_table(pcap):
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-q", "-z", "rtp,streams"],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ).stdout
    return out


def parse(table):
    rows = []
    for line in table.splitlines():
        tok = line.split()
        # data lines start with two times; header/separator lines do not
        if len(tok) < 17 or not tok[0].replace(".", "", 1).isdigit():
            continue
        if tok[-1] == "X":
            tok = tok[:-1]
        # from the right: min/mean/max delta, min/mean/max jitter
        max_jit, mean_jit = tok[-1], tok[-2]
        max_delta = tok[-4]
        # lost is "N (P%)": tok[-7] is "(P%)", tok[-8] is N; packets before it
        lost, packets = tok[-8], tok[-9]
        src, sport, dst, dport, ssrc = tok[2], tok[3], tok[4], tok[5], tok[6]
        payload = " ".join(tok[7:-9])
        rows.append((src, int(sport), dst, int(dport), int(ssrc, 16), payload, int(packets), int(lost),
                     max_delta, max_jit, mean_jit))
    rows.sort()
    return rows


def main(argv):
    args = argv[1:]
    raw = False
    if args and args[0] == "--raw":
        raw, args = True, args[1:]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    table = tshark_table(args[0])
    if raw:
        sys.stdout.write(table)
        return 0
    for r in parse(table):
        print("\t".join(str(v) for v in r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
