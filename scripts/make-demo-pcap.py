#!/usr/bin/env python3
"""Builds pcaps/demo.pcap, the capture `sipscope --demo` replays (embedded in the binary).

A few minutes of PBX traffic stitched from the bundled captures, each shifted to its own moment:
answered calls, busy, 403s, a forked call declined correctly and one where the proxy ignores the
603, a 603 that should be 486, a cancelled call, registrations challenged then accepted (made
here), a refused registration, and a SIP scanner. Python 3 standard library only.

    python3 scripts/make-demo-pcap.py            # writes pcaps/demo.pcap
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "pcaps")
BASE = 1_795_000_000  # capture time of the demo's start


def read_pcap(path):
    """Yields (ts_ns, frame) from a classic pcap (µs or ns, either byte order, Ethernet)."""
    data = open(path, "rb").read()
    magic = data[:4]
    endian, nano = {
        b"\xd4\xc3\xb2\xa1": ("<", False),
        b"\xa1\xb2\xc3\xd4": (">", False),
        b"\x4d\x3c\xb2\xa1": ("<", True),
        b"\xa1\xb2\x3c\x4d": (">", True),
    }[magic]
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    assert linktype == 1, f"{path}: Ethernet only"
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        yield sec * 1_000_000_000 + (frac if nano else frac * 1000), frame


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    return eth + ip + udp


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
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, frame in out:
            f.write(struct.pack("<IIII", ts // 1_000_000_000, (ts % 1_000_000_000) // 1000, len(frame), len(frame)))
            f.write(frame)
    print(f"{path}: {len(out)} packets over {(out[-1][0] - out[0][0]) / 1e9:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
