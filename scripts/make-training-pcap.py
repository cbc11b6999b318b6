#!/usr/bin/env python3
"""Writes the steady-state call traffic the profile-guided build trains on (scripts/build-pgo.sh).

The bundled captures are mostly one odd case each; a PBX spends its day on ordinary calls, many
at once. This stitches the bundled single-call lab captures into such a day: a new call every
few milliseconds, each a copy of one template with its own Call-ID, most answered, some busy,
refused, declined, cancelled or forked. The same arguments give the same bytes. It is not the
bench capture (shared/bench) and is not committed: build-pgo.sh makes it under target/.
Python 3 standard library only.

    python3 scripts/make-training-pcap.py OUT.pcap [--calls N]
"""
import argparse
import os
import sys

from pcaplib import read_pcap, udp_frame, udp_parts, write_pcap

PCAPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps")

# (template capture, weight out of 20): mostly answered calls, as on a working PBX.
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


def template(name):
    """The template's UDP packets as (offset_ns, src, sport, dst, dport, payload) and its Call-ID."""
    packets = []
    call_id = None
    t0 = None
    for ts, frame in read_pcap(os.path.join(PCAPS, name)):
        parts = udp_parts(frame)
        if parts is None:
            continue
        t0 = ts if t0 is None else t0
        payload = parts[4]
        for line in payload.split(b"\r\n"):
            if line.lower().startswith(b"call-id:"):
                call_id = call_id or line.split(b":", 1)[1].strip()
        packets.append((ts - t0,) + parts)
    assert call_id, f"{name}: no Call-ID"
    return packets, call_id


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--calls", type=int, default=8000)
    args = ap.parse_args()
    templates = [(template(name), weight) for name, weight in MIX]
    # A fixed cycle through the mix (no randomness): call n takes the template at n modulo 20.
    cycle = [t for t, weight in templates for _ in range(weight)]
    out = []
    for n in range(args.calls):
        packets, call_id = cycle[(n * 7) % len(cycle)]
        new_id = b"train-%d-" % n + call_id
        start = START_NS + n * GAP_NS
        for offset, src, sport, dst, dport, payload in packets:
            out.append((start + offset, udp_frame(src, sport, dst, dport, payload.replace(call_id, new_id))))
    out.sort(key=lambda p: p[0])
    write_pcap(args.out, out)
    print(f"{args.out}: {args.calls} calls, {len(out)} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
