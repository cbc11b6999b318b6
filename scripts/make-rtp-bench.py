#!/usr/bin/env python3
"""make-rtp-bench.py — an RTP-heavy benchmark capture: CALLS concurrent G.711 calls for SECONDS.

    scripts/make-rtp-bench.py [--calls 1000] [--seconds 60] [--loss 0.5] --out /work/bench/rtp-1000x60.pcap

Each call: INVITE with an SDP offer, 100, 180, 200 with an SDP answer, ACK, then PCMU RTP both
ways (20 ms, 160-byte payload) for SECONDS, then BYE and 200. Calls start 1 ms apart so their
packets interleave as on a real trunk. Addresses: callers 10.1.x.y, the PBX 10.0.0.1, media ports
from 10000. --loss drops that percentage of RTP packets at random (fixed seed) so loss counting
is exercised. Deterministic: the same arguments give the same bytes. Ethernet, IPv4, UDP checksum
0 (allowed for IPv4). 1,000 calls for 60 s is 6,000,000 RTP packets, about 1.3 GB.
"""
import argparse
import random
import struct

ap = argparse.ArgumentParser()
ap.add_argument("--calls", type=int, default=1000)
ap.add_argument("--seconds", type=int, default=60)
ap.add_argument("--loss", type=float, default=0.5)
ap.add_argument("--out", required=True)
a = ap.parse_args()

T0 = 1_796_000_000  # 2026-12-01
rng = random.Random(2026)
ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ipv4_udp(src, sport, dst, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 17, 0, ip4(src), ip4(dst))
    s = sum(struct.unpack(">10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack(">H", ~s & 0xFFFF) + hdr[12:]
    return ETH + hdr + udp


def sdp(ip, port):
    return (f"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")


def sip(first, call, frm, to, cseq, method, body=""):
    ct = "Content-Type: application/sdp\r\n" if body else ""
    return (f"{first}\r\nVia: SIP/2.0/UDP {frm};branch=z9hG4bK-{call}-{cseq}\r\nFrom: <sip:a@{frm}>;tag=f{call}\r\n"
            f"To: <sip:b@{to}>{'' if first.startswith('INVITE') else f';tag=t{call}'}\r\nCall-ID: rtpbench-{call}@bench\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:a@{frm}>\r\n{ct}Content-Length: {len(body)}\r\n\r\n{body}").encode()


records = []  # (ts_us, frame) for signalling; RTP is generated tick by tick
out = open(a.out, "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))


def write(ts_us, frame):
    out.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(frame), len(frame)))
    out.write(frame)


calls = []
for i in range(a.calls):
    caller = f"10.1.{i // 250}.{i % 250 + 1}"
    cport, pport = 10000 + 2 * i, 30000 + 2 * i
    start = T0 * 1_000_000 + i * 1000
    calls.append((i, caller, cport, pport, start))
    for k, (dt, s, sp, d, dp, msg) in enumerate([
        (0, caller, 5060, "10.0.0.1", 5060, sip(f"INVITE sip:b@10.0.0.1 SIP/2.0", i, caller, "10.0.0.1", 1, "INVITE", sdp(caller, cport))),
        (20_000, "10.0.0.1", 5060, caller, 5060, sip("SIP/2.0 100 Trying", i, caller, "10.0.0.1", 1, "INVITE")),
        (200_000, "10.0.0.1", 5060, caller, 5060, sip("SIP/2.0 180 Ringing", i, caller, "10.0.0.1", 1, "INVITE")),
        (900_000, "10.0.0.1", 5060, caller, 5060, sip("SIP/2.0 200 OK", i, caller, "10.0.0.1", 1, "INVITE", sdp("10.0.0.1", pport))),
        (920_000, caller, 5060, "10.0.0.1", 5060, sip("ACK sip:b@10.0.0.1 SIP/2.0", i, caller, "10.0.0.1", 1, "ACK")),
        (1_000_000 + a.seconds * 1_000_000 + 10_000, caller, 5060, "10.0.0.1", 5060, sip("BYE sip:b@10.0.0.1 SIP/2.0", i, caller, "10.0.0.1", 2, "BYE")),
        (1_000_000 + a.seconds * 1_000_000 + 30_000, "10.0.0.1", 5060, caller, 5060, sip("SIP/2.0 200 OK", i, caller, "10.0.0.1", 2, "BYE")),
    ]):
        records.append((start + dt, k, ipv4_udp(s, sp, d, dp, msg)))
records.sort()
sig = iter(records)
nxt = next(sig, None)
payload = bytes(rng.randrange(256) for _ in range(160))
# Per call and direction: (frame prefix up to the RTP header, ssrc)
tmpl = []
for (i, caller, cport, pport, start) in calls:
    for d, (s, sp, dst, dp) in enumerate([(caller, cport, "10.0.0.1", pport), ("10.0.0.1", pport, caller, cport)]):
        frame = ipv4_udp(s, sp, dst, dp, b"\x00" * 172)
        tmpl.append((start, frame[:42], 0x10000000 + 2 * i + d))
ticks = a.seconds * 50
written = 0
for t in range(ticks):
    for (start, prefix, ssrc) in tmpl:
        ts = start + 1_000_000 + t * 20_000
        while nxt is not None and nxt[0] <= ts:
            write(nxt[0], nxt[2])
            nxt = next(sig, None)
        if a.loss and rng.random() * 100 < a.loss:
            continue
        rtp = struct.pack(">BBHII", 0x80, 0, t & 0xFFFF, (t * 160) & 0xFFFFFFFF, ssrc)
        write(ts, prefix + rtp + payload)
        written += 1
while nxt is not None:
    write(nxt[0], nxt[2])
    nxt = next(sig, None)
out.close()
print(f"{a.out}: {a.calls} calls, {written} RTP packets, {len(records)} SIP messages")
