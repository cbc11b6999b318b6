#!/usr/bin/env python3
"""Builds pcaps/demo.pcap, the capture `sipscope --demo` replays (embedded in the binary).

A few minutes of PBX traffic stitched from the bundled captures, each shifted to its own moment:
answered calls, busy, 403s, a forked call declined correctly and one where the proxy ignores the
603, a 603 that should be 486, a cancelled call, registrations challenged then accepted (made
here), a refused registration, and a SIP scanner. Python 3 standard library only.

    python3 scripts/make-demo-pcap.py            # writes pcaps/demo.pcap
"""
import os
import sys

from pcaplib import read_pcap, udp_frame, write_pcap

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "pcaps")
BASE = 1_795_000_000  # capture time of the demo's start


def registration(user, phone_ip, pbx_ip, t0_ns):
    """REGISTER, 401 challenge, REGISTER with credentials, 200 OK."""
    cid = f"demo-reg-{user}@{phone_ip}"
    def req(cseq, auth):
        lines = [
            f"REGISTER sip:{pbx_ip} SIP/2.0",
            f"Via: SIP/2.0/UDP {phone_ip}:5060;branch=z9hG4bK-{user}-{cseq}",
            "Max-Forwards: 70",
            f"From: \"{user.title()}\" <sip:{user}@{pbx_ip}>;tag={user}-t",
            f"To: <sip:{user}@{pbx_ip}>",
            f"Call-ID: {cid}",
            f"CSeq: {cseq} REGISTER",
            f"Contact: <sip:{user}@{phone_ip}:5060>;expires=3600",
            "User-Agent: DemoPhone 2.1",
        ]
        if auth:
            lines.append(f"Authorization: Digest username=\"{user}\", realm=\"pbx.demo\", nonce=\"n1\", uri=\"sip:{pbx_ip}\", response=\"0123456789abcdef\"")
        return ("\r\n".join(lines + ["Content-Length: 0", "", ""])).encode()
    def resp(cseq, code, reason, extra=()):
        lines = [
            f"SIP/2.0 {code} {reason}",
            f"Via: SIP/2.0/UDP {phone_ip}:5060;branch=z9hG4bK-{user}-{cseq};received={phone_ip}",
            f"From: \"{user.title()}\" <sip:{user}@{pbx_ip}>;tag={user}-t",
            f"To: <sip:{user}@{pbx_ip}>;tag=pbx-{user}",
            f"Call-ID: {cid}",
            f"CSeq: {cseq} REGISTER",
            *extra,
            "Server: DemoPBX 18",
        ]
        return ("\r\n".join(lines + ["Content-Length: 0", "", ""])).encode()
    return [
        (t0_ns, udp_frame(phone_ip, 5060, pbx_ip, 5060, req(1, False))),
        (t0_ns + 2_000_000, udp_frame(pbx_ip, 5060, phone_ip, 5060, resp(1, 401, "Unauthorized", ["WWW-Authenticate: Digest realm=\"pbx.demo\", nonce=\"n1\""]))),
        (t0_ns + 20_000_000, udp_frame(phone_ip, 5060, pbx_ip, 5060, req(2, True))),
        (t0_ns + 23_000_000, udp_frame(pbx_ip, 5060, phone_ip, 5060, resp(2, 200, "OK", [f"Contact: <sip:{user}@{phone_ip}:5060>;expires=3600"]))),
    ]


# (seconds into the demo, capture, at most this many packets)
SCHEDULE = [
    (6, "lab-basic-udp.pcap", None),
    (16, "lab-busy-486.pcap", None),
    (24, "lab-invite-403-reason.pcap", None),
    (34, "lab-fork-603-cancel.pcap", None),
    (48, "lab-dnd-603.pcap", None),
    (58, "lab-fork-603-nocancel.pcap", None),
    (72, "lab-cancel-487.pcap", None),
    (84, "initconf-sipvicious-baduseragent.pcap", 12),
    (96, "lab-register-401-403.pcap", None),
    (108, "lab-basic-tcp.pcap", None),
    (122, "lab-fork-603-then-200.pcap", None),
    (136, "lab-invite-403-plain.pcap", None),
    (150, "lab-ip-fragmented-invite.pcap", None),
]


def main():
    out = []
    for i, user in enumerate(["alice", "bob", "carol"]):
        out += registration(user, f"192.168.10.{21 + i}", "192.168.10.2", BASE * 1_000_000_000 + (1 + i) * 700_000_000)
    for at, name, limit in SCHEDULE:
        packets = list(read_pcap(os.path.join(PCAPS, name)))
        if limit:
            packets = packets[:limit]
            # The scanner trace spans hours: squeeze it to a few seconds, keeping the order.
            packets = [(packets[0][0] + k * 400_000_000, f) for k, (_, f) in enumerate(packets)]
        t0 = packets[0][0]
        for ts, frame in packets:
            out.append((BASE * 1_000_000_000 + at * 1_000_000_000 + (ts - t0), frame))
    out.sort(key=lambda p: p[0])
    path = os.path.join(PCAPS, "demo.pcap")
    write_pcap(path, out)
    print(f"{path}: {len(out)} packets over {(out[-1][0] - out[0][0]) / 1e9:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
