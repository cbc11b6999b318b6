#!/usr/bin/env python3
"""Writes the steady-state call traffic the profile-guided build trains on (scripts/build-pgo.sh).

The bundled captures are mostly one odd case each; a PBX spends its day on ordinary calls, many
at once. This stitches the bundled single-call lab captures into such a day: a new call every
few milliseconds, each a copy of one template with its own Call-ID, tags, branches and RTP port,
most answered, some busy, refused, declined, cancelled or forked. The same arguments give the
same bytes. It is not the bench capture (shared/bench) and is not committed: build-pgo.sh makes
it under target/. Python 3 standard library only.

    python3 scripts/make-training-pcap.py OUT.pcap [--calls N]
"""
import argparse
import math
import os
import re
import sys

from pcaplib import read_pcap, udp_frame, udp_parts, write_pcap

PCAPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps")

# (template capture, weight): mostly answered calls, as on a working PBX.
MIX = [
    ("lab-basic-udp.pcap", 12),
    ("lab-busy-486.pcap", 2),
    ("lab-cancel-487.pcap", 2),
    ("lab-invite-403-plain.pcap", 1),
    ("lab-invite-403-reason.pcap", 1),
    ("lab-dnd-603.pcap", 1),
    ("lab-fork-603-cancel.pcap", 1),
]
START_NS = 1_796_000_000 * 1_000_000_000
GAP_NS = 4_000_000  # a new call every 4 ms: 250 calls a second, a few hundred up at once
# Call n takes entry (STRIDE * n) mod len(cycle) of the weighted cycle: the outcomes interleave,
# and every entry comes up once per len(cycle) calls as long as the two are coprime.
STRIDE = 7

CALL_ID_LINE = re.compile(rb"^(call-id|i)[ \t]*:[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)
# Tag and branch values: made per call by appending the call number (header part only, so the
# body and its Content-Length stay as they are).
TAG_OR_BRANCH = re.compile(rb"(;[ \t]*(?:tag|branch)=)([^;>,\s]+)", re.IGNORECASE)
# The templates' RTP port: each call gets its own of the same width (the body keeps its length).
MEDIA_PORT = re.compile(rb"^(m=audio )6000 ", re.MULTILINE)


def template(name):
    """The template's packets as (offset_ns, src, sport, dst, dport, head, body), where head is
    the start line and headers, body the blank line and what follows; and its Call-ID."""
    packets = []
    call_ids = set()
    t0 = None
    for ts, frame in read_pcap(os.path.join(PCAPS, name)):
        parts = udp_parts(frame)
        assert parts is not None, f"{name}: a frame that is not a whole IPv4/UDP datagram"
        src, sport, dst, dport, payload = parts
        head, blank, body = payload.partition(b"\r\n\r\n")
        assert blank, f"{name}: a message without the blank line after its headers"
        call_ids.update(m.group(2).strip() for m in CALL_ID_LINE.finditer(head))
        t0 = ts if t0 is None else t0
        packets.append((ts - t0, src, sport, dst, dport, head, blank + body))
    assert len(call_ids) == 1, f"{name}: one call wanted, Call-IDs {sorted(call_ids)}"
    return packets, call_ids.pop()


def copy_of(packets, call_id, n):
    """The template's messages as call n: its own Call-ID, tags, branches and RTP port."""
    new_id = b"train-%d-" % n + call_id
    suffix = b"-%d" % n
    port = b"%d " % (2000 + 2 * (n % 3999))  # 2000-9996: four digits, as 6000
    out = []
    for offset, src, sport, dst, dport, head, body in packets:
        head = CALL_ID_LINE.sub(lambda m: m.group(0).replace(call_id, new_id), head)
        head = TAG_OR_BRANCH.sub(lambda m: m.group(1) + m.group(2) + suffix, head)
        new_body = MEDIA_PORT.sub(lambda m: m.group(1) + port, body)
        assert len(new_body) == len(body)
        out.append((offset, udp_frame(src, sport, dst, dport, head + new_body)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--calls", type=int, default=8000)
    args = ap.parse_args()
    cycle = [template(name) for name, weight in MIX for _ in range(weight)]
    assert math.gcd(STRIDE, len(cycle)) == 1, "the stride must reach every entry of the mix"
    out = []
    for n in range(args.calls):
        packets, call_id = cycle[(STRIDE * n) % len(cycle)]
        start = START_NS + n * GAP_NS
        out += [(start + offset, frame) for offset, frame in copy_of(packets, call_id, n)]
    out.sort(key=lambda p: p[0])
    write_pcap(args.out, out)
    print(f"{args.out}: {args.calls} calls, {len(out)} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
