#!/usr/bin/env python3
"""Writes crafted SIP + RTP + RTCP captures covering media edge cases. Python 3 standard library
only (struct); byte-identical on every run; no network.

    python3 scripts/make-media-crafted.py [OUTDIR]             # default: pcaps/ next to this script
    python3 scripts/make-media-crafted.py [OUTDIR] --golden [GOLDENDIR]
        # also runs `tshark -q -z rtp,streams` on each file and writes GOLDENDIR/<name>.txt (raw)
        # and GOLDENDIR/<name>.tsv (default GOLDENDIR: tests/golden/rtp/ next to this script).
        # The TSV comes from scripts/tshark-rtp-streams.py when that script exists (sorted
        # stream lines, no header); otherwise from tshark_rtp_streams_tsv() below (the same
        # lines after a '#' header naming the columns; MEDIA_CRAFTED_OWN_PARSER=1 forces it).

Every file is classic pcap (magic 0xa1b2c3d4 little-endian, version 2.4, snaplen 65535, link type 1
Ethernet), microsecond timestamps from integer microseconds, records in capture-time order, IPv4
header and UDP checksums computed (IPv6 UDP checksum too). File k (in CASES order) starts at
2026-11-02 10:00:00 UTC + 60*k s.

Each file holds one SIP dialog on UDP 5060 (many_calls: 20): INVITE with an SDP offer
(m=audio PORT RTP/AVP 0 8 101, rtpmap 0 PCMU, 8 PCMA, 101 telephone-event/8000, fmtp 101 0-16,
sendrecv), 100 Trying, 180 Ringing (or 183 with SDP), 200 OK with the SDP answer (one audio codec
plus 101), ACK, BYE, 200 OK; Content-Length exact. RTP: 12-byte header (V=2, no CSRC, no
extension), 20 ms packets, timestamp +160 per packet, 160-octet G.711 payloads (a 400 Hz tone from
the caller, 500 Hz from the callee). Addresses are documentation ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) plus private 10/8 and 192.168/16 where a case
needs them. See pcaps/MEDIA-CRAFTED.md for what a monitor must report for each file.
"""
import calendar
import os
import re
import shutil
import struct
import subprocess
import sys

from pcaplib import checksum as inet_checksum

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "pcaps"))
DEFAULT_GOLDEN = os.path.normpath(os.path.join(HERE, "..", "tests", "golden", "rtp"))
EPOCH_US = calendar.timegm((2026, 11, 2, 10, 0, 0)) * 1_000_000   # 2026-11-02 10:00:00 UTC
NTP_OFFSET = 2_208_988_800                                          # 1900-01-01 to 1970-01-01
MS = 1000                                                            # microseconds

# Default cast: caller (alice) and callee (bob), signalling and media on the same hosts.
A_IP, B_IP = "192.0.2.10", "198.51.100.20"
A_RTP, B_RTP = 4000, 20000
SSRC_A, SSRC_B = 0x1A2B3C01, 0x5E6F7002
SEQ_A, SEQ_B = 1000, 31000
TS_A, TS_B = 160_000, 4_000_000


# ---------------------------------------------------------------- checksums, IP, UDP, Ethernet

def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def ip6(addr):
    """Expands an IPv6 text address (with at most one '::') to 16 bytes."""
    if "::" in addr:
        head, tail = addr.split("::")
        h = [x for x in head.split(":") if x]
        t = [x for x in tail.split(":") if x]
        groups = h + ["0"] * (8 - len(h) - len(t)) + t
    else:
        groups = addr.split(":")
    assert len(groups) == 8, addr
    return b"".join(struct.pack("!H", int(g, 16)) for g in groups)


class IpIds:
    """IPv4 identification counter, reset for each file so every file is reproducible alone."""
    value = 0x2000


def ipv4_packet(src, dst, proto, payload, ttl=64):
    IpIds.value = (IpIds.value + 1) & 0xFFFF
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), IpIds.value, 0x4000, ttl,
                      proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp_datagram(src, sport, dst, dport, payload):
    """IPv4 or IPv6 packet carrying UDP, with the UDP checksum computed over the pseudo-header."""
    length = 8 + len(payload)
    v6 = ":" in src
    if v6:
        pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, 17)
    else:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, length)
    csum = inet_checksum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload)
    udp = struct.pack("!HHHH", sport, dport, length, csum or 0xFFFF) + payload
    if v6:
        return 0x86DD, struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64,
                                   ip6(src), ip6(dst)) + udp
    return 0x0800, ipv4_packet(src, dst, 17, udp)


def mac_for(addr):
    """Locally administered MAC derived from the host address (last 4 octets)."""
    raw = ip6(addr) if ":" in addr else ip4(addr)
    return b"\x02\x00" + raw[-4:]


def frame(src, sport, dst, dport, payload):
    ethertype, packet = udp_datagram(src, sport, dst, dport, payload)
    f = mac_for(dst) + mac_for(src) + struct.pack("!H", ethertype) + packet
    return f + b"\0" * max(0, 60 - len(f))


def write_pcap(path, packets):
    """packets: [(t_us, src, sport, dst, dport, payload)], written in capture-time order (stable
    for equal times, so generation order decides ties)."""
    IpIds.value = 0x2000
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, src, sport, dst, dport, payload in sorted(packets, key=lambda p: p[0]):
            fr = frame(src, sport, dst, dport, payload)
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(fr), len(fr)))
            f.write(fr)


# ---------------------------------------------------------------- G.711 payloads

def lin2ulaw(s):
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exp, mask = 7, 0x4000
    while exp > 0 and not s & mask:
        exp -= 1
        mask >>= 1
    return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0F)) & 0xFF


def lin2alaw(s):
    s >>= 3
    if s >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        s = -s - 1
    for seg, end in enumerate((0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)):
        if s <= end:
            break
    else:
        return 0x7F ^ mask
    aval = (seg << 4) | ((s >> 1) & 0x0F if seg < 2 else (s >> seg) & 0x0F)
    return aval ^ mask


# One period of a sine at 8000 samples/s, amplitude 6000, as exact integers (no libm involved).
# 400 Hz = 20 samples, 500 Hz = 16 samples; 160 samples hold whole periods of both.
_SIN20 = [0, 1854, 3527, 4854, 5706, 6000, 5706, 4854, 3527, 1854,
          0, -1854, -3527, -4854, -5706, -6000, -5706, -4854, -3527, -1854]
_SIN16 = [0, 2296, 4243, 5543, 6000, 5543, 4243, 2296,
          0, -2296, -4243, -5543, -6000, -5543, -4243, -2296]


def tone(pt, caller):
    table = _SIN20 if caller else _SIN16
    pcm = [table[i % len(table)] for i in range(160)]
    if pt == 0:
        return bytes(lin2ulaw(x) for x in pcm)
    if pt == 8:
        return bytes(lin2alaw(x) for x in pcm)
    if pt == 18:          # G.729: 2 frames of 10 octets per 20 ms (content arbitrary)
        return bytes(range(0x40, 0x54))
    raise ValueError(pt)


# ---------------------------------------------------------------- RTP

def rtp_header(pt, seq, ts, ssrc, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc)


class Lcg:
    """Deterministic pseudo-random numbers: the ANSI C rand() LCG, 31-bit state."""

    def __init__(self, seed):
        self.x = seed

    def below(self, n):
        self.x = (1103515245 * self.x + 12345) & 0x7FFFFFFF
        return (self.x >> 8) % n


def rtp_stream(t0, n, src, sport, dst, dport, ssrc, pt, seq0, ts0, caller, drop=(),
               jitter_ms=0, seed=1, marker_first=True):
    """n packets sent every 20 ms from t0 (µs). drop: packet indexes lost before the capture
    point. jitter_ms: each packet delayed by 0..jitter_ms ms (LCG), FIFO (never overtakes the
    previous packet, at least 1 ms after it). Returns [(t, src, sport, dst, dport, payload, meta)]
    where meta = (index, seq, ts)."""
    out = []
    rnd = Lcg(seed)
    payload = tone(pt, caller)
    prev = None
    for i in range(n):
        t = t0 + i * 20 * MS
        if jitter_ms:
            t += rnd.below(jitter_ms * 1000 + 1)
            if prev is not None and t < prev + MS:
                t = prev + MS
        if i in drop:
            continue
        prev = t
        seq, ts = seq0 + i, ts0 + 160 * i
        hdr = rtp_header(pt, seq, ts, ssrc, marker=(marker_first and i == 0))
        out.append((t, src, sport, dst, dport, hdr + payload, (i, seq & 0xFFFF, ts & 0xFFFFFFFF)))
    return out


def strip(pkts):
    return [p[:6] for p in pkts]


# ---------------------------------------------------------------- SIP and SDP

CODECS = {0: "PCMU/8000", 8: "PCMA/8000", 18: "G729/8000", 101: "telephone-event/8000"}


def sdp(user, sess_id, addr, port, pts, direction="sendrecv"):
    fam = "IP6" if ":" in addr else "IP4"
    lines = ["v=0",
             f"o={user} {sess_id} {sess_id} IN {fam} {addr}",
             "s=sipscope media fixture",
             f"c=IN {fam} {addr}",
             "t=0 0",
             f"m=audio {port} RTP/AVP {' '.join(str(p) for p in pts)}"]
    lines += [f"a=rtpmap:{p} {CODECS[p]}" for p in pts]
    if 101 in pts:
        lines.append("a=fmtp:101 0-16")
    lines += ["a=ptime:20", f"a={direction}"]
    return "\r\n".join(lines) + "\r\n"


def sip_message(start_line, headers, body=""):
    """Headers in order; Content-Type (when there is a body) and exact Content-Length appended."""
    body_b = body.encode()
    lines = [start_line] + [f"{k}: {v}" for k, v in headers]
    if body_b:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body_b)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body_b


def uri_host(addr):
    return f"[{addr}]" if ":" in addr else addr


class Dialog:
    """One INVITE dialog between alice (caller) and bob (callee).

    a_hdr/b_hdr: addresses written in the SIP headers; a_wire: (ip, port) the caller's SIP
    actually comes from (differs from a_hdr:5060 behind a NAT; then Via carries rport and the
    responses add received/rport). Callee SIP is b_hdr:5060 on the wire.
    """

    def __init__(self, name, offer, answer, a_hdr=A_IP, b_hdr=B_IP, a_wire=None):
        self.name = name
        self.offer, self.answer = offer, answer
        self.a_hdr, self.b_hdr = a_hdr, b_hdr
        self.a_wire = a_wire or (a_hdr, 5060)
        self.b_wire = (b_hdr, 5060)
        self.nat = a_wire is not None
        ah, bh = uri_host(a_hdr), uri_host(b_hdr)
        self.ah, self.bh = ah, bh
        tag = name.replace("_", "")
        self.tag_a, self.tag_b = f"{tag}-a1f3", f"{tag}-b7c2"
        self.call_id = f"media-{name.replace('_', '-')}-1@{ah}"
        self.br = f"z9hG4bK-{name.replace('_', '-')}"
        self.msgs = []

    def _via(self, suffix, response=False):
        v = f"SIP/2.0/UDP {self.ah}:5060;branch={self.br}-{suffix}"
        if self.nat:
            v += (f";received={self.a_wire[0]};rport={self.a_wire[1]}" if response
                  else ";rport")
        return "Via", v

    def _from_a(self):
        return "From", f"\"Alice\" <sip:alice@{self.ah}>;tag={self.tag_a}"

    def _to_b(self, tagged=True):
        return "To", f"<sip:bob@{self.bh}>" + (f";tag={self.tag_b}" if tagged else "")

    def _a_to_b(self, t, payload):
        self.msgs.append((t, *self.a_wire, *self.b_wire, payload))

    def _b_to_a(self, t, payload):
        self.msgs.append((t, *self.b_wire, *self.a_wire, payload))

    def invite(self, t, trying, provisional, ok, ack, early_sdp=False):
        """INVITE at t, 100 at trying, 180 (or 183 with the answer SDP) at provisional, 200 OK
        with the answer at ok, ACK at ack (all µs)."""
        cid, mf = ("Call-ID", self.call_id), ("Max-Forwards", "70")
        cseq = "CSeq", "1 INVITE"
        contact_a = "Contact", f"<sip:alice@{self.ah}:5060>"
        contact_b = "Contact", f"<sip:bob@{self.bh}:5060>"
        allow = "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"
        ua = "User-Agent", "sipscope-fixture/1.0"
        srv = "Server", "sipscope-fixture/1.0"
        self._a_to_b(t, sip_message(
            f"INVITE sip:bob@{self.bh} SIP/2.0",
            [self._via("inv"), mf, self._from_a(), self._to_b(False), cid, cseq, contact_a,
             allow, ua], self.offer))
        self._b_to_a(trying, sip_message(
            "SIP/2.0 100 Trying", [self._via("inv", True), self._from_a(), self._to_b(False),
                                   cid, cseq, srv]))
        if early_sdp:
            self._b_to_a(provisional, sip_message(
                "SIP/2.0 183 Session Progress",
                [self._via("inv", True), self._from_a(), self._to_b(), cid, cseq, contact_b,
                 srv], self.answer))
        else:
            self._b_to_a(provisional, sip_message(
                "SIP/2.0 180 Ringing",
                [self._via("inv", True), self._from_a(), self._to_b(), cid, cseq, contact_b,
                 srv]))
        self._b_to_a(ok, sip_message(
            "SIP/2.0 200 OK",
            [self._via("inv", True), self._from_a(), self._to_b(), cid, cseq, contact_b, allow,
             srv], self.answer))
        self._a_to_b(ack, sip_message(
            f"ACK sip:bob@{self.bh}:5060 SIP/2.0",
            [self._via("ack"), mf, self._from_a(), self._to_b(), cid, ("CSeq", "1 ACK"),
             contact_a, ua]))

    def bye(self, t, ok, from_callee=False):
        cid, mf = ("Call-ID", self.call_id), ("Max-Forwards", "70")
        if not from_callee:
            cseq = "CSeq", "2 BYE"
            self._a_to_b(t, sip_message(
                f"BYE sip:bob@{self.bh}:5060 SIP/2.0",
                [self._via("bye"), mf, self._from_a(), self._to_b(), cid, cseq,
                 ("User-Agent", "sipscope-fixture/1.0")]))
            self._b_to_a(ok, sip_message(
                "SIP/2.0 200 OK", [self._via("bye", True), self._from_a(), self._to_b(), cid,
                                   cseq]))
        else:
            via = "Via", f"SIP/2.0/UDP {self.bh}:5060;branch={self.br}-byeb"
            frm = "From", f"<sip:bob@{self.bh}>;tag={self.tag_b}"
            to = "To", f"\"Alice\" <sip:alice@{self.ah}>;tag={self.tag_a}"
            cseq = "CSeq", "1 BYE"
            self._b_to_a(t, sip_message(
                f"BYE sip:alice@{self.ah}:5060 SIP/2.0",
                [via, mf, frm, to, cid, cseq, ("User-Agent", "sipscope-fixture/1.0")]))
            self._a_to_b(ok, sip_message("SIP/2.0 200 OK", [via, frm, to, cid, cseq]))


def offer_sdp(addr=A_IP, port=A_RTP):
    return sdp("alice", 2890844526, addr, port, [0, 8, 101])


def answer_sdp(codec=0, addr=B_IP, port=B_RTP):
    return sdp("bob", 2890844730, addr, port, [codec, 101])


# Standard timeline (ms from the file's start): INVITE 0, 100 at 20, 180 at 200, 200 OK at 1000,
# ACK at 1020; callee media from 1010, caller media from 1030.
T_INV, T_100, T_180, T_200, T_ACK = 0, 20 * MS, 200 * MS, 1000 * MS, 1020 * MS
MEDIA_B, MEDIA_A = 1010 * MS, 1030 * MS


def basic_dialog(name, t0, codec=0, offer=None, answer=None, bye_at=None, **kw):
    d = Dialog(name, offer or offer_sdp(), answer or answer_sdp(codec), **kw)
    d.invite(t0 + T_INV, t0 + T_100, t0 + T_180, t0 + T_200, t0 + T_ACK)
    if bye_at is not None:
        d.bye(t0 + bye_at, t0 + bye_at + 30 * MS)
    return d


def two_way(t0, seconds, codec=0, a_kw=None, b_kw=None):
    """Caller and callee streams for `seconds` each (50 pps) on the default endpoints."""
    n = seconds * 50
    a = rtp_stream(t0 + MEDIA_A, n, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, codec, SEQ_A, TS_A, True,
                   **(a_kw or {}))
    b = rtp_stream(t0 + MEDIA_B, n, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, codec, SEQ_B, TS_B, False,
                   **(b_kw or {}))
    return a, b


def end_of(*streams):
    return max(p[0] for s in streams for p in s)


# ---------------------------------------------------------------- cases

def case_loss(t0):
    # caller -> callee: 150 packets, every 20th lost (index % 20 == 10: 7 packets) plus a burst
    # of 10 (indexes 53..62): 17 lost. Callee -> caller clean.
    drop = {i for i in range(150) if i % 20 == 10} | set(range(53, 63))
    a, b = two_way(t0, 3, a_kw={"drop": drop})
    d = basic_dialog("loss", t0, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + strip(a) + strip(b)


def case_reorder_dup(t0):
    # caller -> callee, 150 packets: index 30 delayed 25 ms (arrives after 31), index 80 delayed
    # 45 ms (after 81 and 82), index 120 delayed 65 ms (after 121..123), index 148 delayed
    # 25 ms (after 149: the last packet captured is not the highest sequence number); index 50
    # and 100 duplicated 3 ms after the original. Callee -> caller clean.
    a, b = two_way(t0, 3)
    out = []
    delays = {30: 25 * MS, 80: 45 * MS, 120: 65 * MS, 148: 25 * MS}
    for p in a:
        i = p[6][0]
        out.append((p[0] + delays.get(i, 0),) + p[1:6])
        if i in (50, 100):
            out.append((p[0] + 3 * MS,) + p[1:6])
    d = basic_dialog("reorder_dup", t0, bye_at=end_of(a, b) - t0 + 100 * MS)
    return d.msgs + out + strip(b)


def case_jitter(t0):
    # caller -> callee: each packet delayed 0..40 ms (LCG seed 2026), FIFO (at least 1 ms after
    # the previous packet). Callee -> caller clean. RTP timestamps nominal.
    a, b = two_way(t0, 3, a_kw={"jitter_ms": 40, "seed": 2026})
    d = basic_dialog("jitter", t0, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + strip(a) + strip(b)


def case_ssrc_change(t0):
    # caller: SSRC_A for 75 packets (1.5 s), then SSRC 0x0BADF00D with seq 20000, timestamp
    # 9000000, marker set, continuing on the 20 ms grid for 75 packets. Callee clean 150.
    a1 = rtp_stream(t0 + MEDIA_A, 75, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    a2 = rtp_stream(t0 + MEDIA_A + 75 * 20 * MS, 75, A_IP, A_RTP, B_IP, B_RTP, 0x0BADF00D, 0,
                    20000, 9_000_000, True)
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 0, SEQ_B, TS_B, False)
    d = basic_dialog("ssrc_change", t0, bye_at=end_of(a1, a2, b) - t0 + 20 * MS)
    return d.msgs + strip(a1) + strip(a2) + strip(b)


def case_seq_wrap(t0):
    # caller: seq from 65500 (wraps 65535 -> 0 after 36 packets), timestamp from 160000.
    # callee: seq from 65530 (wraps after 6 packets) and timestamp from 2^32 - 8000 (wraps
    # 2^32 -> 0 after 50 packets).
    a = rtp_stream(t0 + MEDIA_A, 150, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, 65500, TS_A, True)
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 0, 65530,
                   (1 << 32) - 8000, False)
    d = basic_dialog("seq_wrap", t0, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + strip(a) + strip(b)


NAT_PRIV, NAT_PUB = "192.168.1.20", "203.0.113.50"
NAT_CALLEE = "198.51.100.10"


def case_nat(t0):
    # Capture on the callee's (public) side. Caller alice behind a NAT: SIP headers and SDP say
    # 192.168.1.20 (SDP port 4000); on the wire her SIP comes from 203.0.113.50:61001 and her RTP
    # from 203.0.113.50:61000. Callee bob 198.51.100.10, SDP port 20000. Bob starts sending to the
    # SDP address 192.168.1.20:4000 (3 packets, unroutable) and latches onto 203.0.113.50:61000
    # once alice's first RTP (at 1060 ms) arrives (symmetric RTP / comedia), same SSRC and sequence.
    offer = offer_sdp(NAT_PRIV, 4000)
    answer = answer_sdp(0, NAT_CALLEE, 20000)
    a = rtp_stream(t0 + 1060 * MS, 150, NAT_PUB, 61000, NAT_CALLEE, 20000, SSRC_A, 0, SEQ_A,
                   TS_A, True)
    b_all = rtp_stream(t0 + MEDIA_B, 153, NAT_CALLEE, 20000, NAT_PRIV, 4000, SSRC_B, 0, SEQ_B,
                       TS_B, False)
    first_a = a[0][0]
    b = []
    for p in b_all:
        if p[0] > first_a:
            p = p[:3] + (NAT_PUB, 61000) + p[5:]
        b.append(p)
    d = Dialog("nat", offer, answer, a_hdr=NAT_PRIV, b_hdr=NAT_CALLEE, a_wire=(NAT_PUB, 61001))
    d.invite(t0 + T_INV, t0 + T_100, t0 + T_180, t0 + T_200, t0 + T_ACK)
    bye = end_of(a, b) + 20 * MS
    d.bye(bye, bye + 30 * MS)
    return d.msgs + strip(a) + strip(b)


def case_one_way(t0):
    # caller sends 198 packets (1030 .. 4970 ms), callee never sends; caller BYE 4 s after the
    # 200 OK (5000 ms), so no RTP after the BYE.
    a = rtp_stream(t0 + MEDIA_A, 198, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    d = basic_dialog("one_way", t0, bye_at=T_200 + 4000 * MS)
    return d.msgs + strip(a)


def case_no_media(t0):
    d = basic_dialog("no_media", t0, bye_at=T_200 + 4000 * MS)
    return d.msgs


def case_unannounced_dst(t0):
    # caller normal (192.0.2.10:4000 -> 198.51.100.20:20000); callee sends from its announced
    # 198.51.100.20:20000 to 10.0.0.99:7078, which neither SDP announced.
    a = rtp_stream(t0 + MEDIA_A, 150, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, "10.0.0.99", 7078, SSRC_B, 0, SEQ_B, TS_B,
                   False)
    d = basic_dialog("unannounced_dst", t0, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + strip(a) + strip(b)


def case_codec_mismatch(t0):
    # answer picks PCMA (8). caller sends PT 0 (PCMU) for 75 packets then PT 18 (G.729, 20-octet
    # payloads) for 75, one SSRC, continuous seq/timestamp. callee sends PT 8 as agreed.
    a1 = rtp_stream(t0 + MEDIA_A, 150, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    a2 = rtp_stream(t0 + MEDIA_A, 150, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 18, SEQ_A, TS_A, True)
    a = a1[:75] + a2[75:]
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 8, SEQ_B, TS_B, False)
    d = basic_dialog("codec_mismatch", t0, codec=8, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + strip(a) + strip(b)


def case_dtmf(t0):
    # caller stream (PT 0, 150 slots of 20 ms) carries RFC 4733 events for digits 1, 2, 3 at
    # slots 25, 60, 95: 7 packets each, in place of the audio (seq keeps counting): durations
    # 160, 320, 480, 640, 800, 800, 800; marker on the first, E bit on the last three (the
    # final packet sent 3 times); the RTP timestamp is the event start's for all 7; volume 10.
    # Audio resumes at the next slot with the nominal timestamp. Callee clean PT 0.
    payload = tone(0, True)
    a = []
    events = {25: 1, 60: 2, 95: 3}
    ev_slots = {}
    for start, digit in events.items():
        for k in range(7):
            ev_slots[start + k] = (digit, start, k)
    for i in range(150):
        t = t0 + MEDIA_A + i * 20 * MS
        seq = SEQ_A + i
        if i in ev_slots:
            digit, start, k = ev_slots[i]
            end = k >= 4
            duration = 160 * min(k + 1, 5)
            body = struct.pack("!BBH", digit, (0x80 if end else 0) | 10, duration)
            hdr = rtp_header(101, seq, TS_A + 160 * start, SSRC_A, marker=(k == 0))
            a.append((t, A_IP, A_RTP, B_IP, B_RTP, hdr + body))
        else:
            hdr = rtp_header(0, seq, TS_A + 160 * i, SSRC_A, marker=(i == 0))
            a.append((t, A_IP, A_RTP, B_IP, B_RTP, hdr + payload))
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 0, SEQ_B, TS_B, False)
    d = basic_dialog("dtmf", t0, bye_at=end_of(a, b) - t0 + 20 * MS)
    return d.msgs + a + strip(b)


def case_media_after_bye(t0):
    # two-way 3 s; the callee hangs up (BYE from bob 20 ms after its last packet, 200 OK from
    # alice 30 ms later) but alice keeps sending for 2 s after her 200 OK: 150 + 100 packets.
    b = rtp_stream(t0 + MEDIA_B, 150, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 0, SEQ_B, TS_B, False)
    bye = end_of(b) + 20 * MS
    n_a = (bye + 30 * MS + 2000 * MS - (t0 + MEDIA_A)) // (20 * MS) + 1
    a = rtp_stream(t0 + MEDIA_A, n_a, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    d = basic_dialog("media_after_bye", t0)
    d.bye(bye, bye + 30 * MS, from_callee=True)
    return d.msgs + strip(a) + strip(b)


V6_A, V6_B = "2001:db8:10::10", "2001:db8:20::20"


def case_ipv6(t0):
    a = rtp_stream(t0 + MEDIA_A, 150, V6_A, A_RTP, V6_B, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    b = rtp_stream(t0 + MEDIA_B, 150, V6_B, B_RTP, V6_A, A_RTP, SSRC_B, 0, SEQ_B, TS_B, False)
    d = Dialog("ipv6", offer_sdp(V6_A, A_RTP), answer_sdp(0, V6_B, B_RTP), a_hdr=V6_A,
               b_hdr=V6_B)
    d.invite(t0 + T_INV, t0 + T_100, t0 + T_180, t0 + T_200, t0 + T_ACK)
    bye = end_of(a, b) + 20 * MS
    d.bye(bye, bye + 30 * MS)
    return d.msgs + strip(a) + strip(b)


def case_early_media_183(t0):
    # 183 with the answer SDP at 300 ms; callee ringback from 320 ms; 200 OK (same SDP) at
    # 2300 ms; ACK 2320; caller from 2330 ms for 3 s; callee's stream continues (same SSRC and
    # sequence) until 3 s after the 200 OK: 250 packets. Caller 150.
    d = Dialog("early_media_183", offer_sdp(), answer_sdp(0))
    d.invite(t0, t0 + 20 * MS, t0 + 300 * MS, t0 + 2300 * MS, t0 + 2320 * MS, early_sdp=True)
    b = rtp_stream(t0 + 320 * MS, 250, B_IP, B_RTP, A_IP, A_RTP, SSRC_B, 0, SEQ_B, TS_B, False)
    a = rtp_stream(t0 + 2330 * MS, 150, A_IP, A_RTP, B_IP, B_RTP, SSRC_A, 0, SEQ_A, TS_A, True)
    bye = end_of(a, b) + 20 * MS
    d.bye(bye, bye + 30 * MS)
    return d.msgs + strip(a) + strip(b)


MANY_LOSS = {3: ("a", "every 25th (index % 25 == 12): 4 lost"),
             7: ("b", "burst of 5 (indexes 40..44)"),
             12: ("ab", "one packet each way (index 50)"),
             18: ("a", "every 10th (index % 10 == 5): 10 lost")}


def many_drop(k, side):
    if k not in MANY_LOSS or side not in MANY_LOSS[k][0]:
        return set()
    if k == 3:
        return {i for i in range(100) if i % 25 == 12}
    if k == 7:
        return set(range(40, 45))
    if k == 12:
        return {50}
    return {i for i in range(100) if i % 10 == 5}


def case_many_calls(t0):
    # 20 calls, call k (0..19) starts k*100 ms after the file start: caller 192.0.2.(101+k)
    # port 4000+2k, callee gateway 198.51.100.20 port 20000+2k. Even k use PCMU, odd k PCMA.
    # 2 s (100 packets) each way; losses per MANY_LOSS.
    out = []
    for k in range(20):
        tk = t0 + k * 100 * MS
        a_ip, a_port, b_port = f"192.0.2.{101 + k}", 4000 + 2 * k, 20000 + 2 * k
        codec = 0 if k % 2 == 0 else 8
        offer = sdp("alice", 2890844526 + k, a_ip, a_port, [0, 8, 101])
        answer = sdp("bob", 2890844730 + k, B_IP, b_port, [codec, 101])
        d = Dialog(f"many_calls_{k:02d}", offer, answer, a_hdr=a_ip, b_hdr=B_IP)
        d.invite(tk + T_INV, tk + T_100, tk + T_180, tk + T_200, tk + T_ACK)
        a = rtp_stream(tk + MEDIA_A, 100, a_ip, a_port, B_IP, b_port, 0x10000000 + k * 0x1111,
                       codec, 1000 + 100 * k, 160_000 * (k + 1), True, drop=many_drop(k, "a"))
        b = rtp_stream(tk + MEDIA_B, 100, B_IP, b_port, a_ip, a_port, 0x20000000 + k * 0x2222,
                       codec, 30000 + 100 * k, 4_000_000 + 8000 * k, False,
                       drop=many_drop(k, "b"))
        bye = end_of(a, b) + 20 * MS
        d.bye(bye, bye + 30 * MS)
        out += d.msgs + strip(a) + strip(b)
    return out


# ---------------------------------------------------------------- RTCP (RFC 3550, RFC 3611)

def rtcp_hdr(count, pt, body):
    assert len(body) % 4 == 0
    return struct.pack("!BBH", 0x80 | count, pt, len(body) // 4) + body


def ntp_of(t_us):
    sec = t_us // 1_000_000 + NTP_OFFSET
    frac = ((t_us % 1_000_000) << 32) // 1_000_000
    return sec, frac


def sdes_cname(ssrc, cname):
    item = bytes([1, len(cname)]) + cname.encode()
    chunk = struct.pack("!I", ssrc) + item + b"\0"
    chunk += b"\0" * (-len(chunk) % 4)
    return rtcp_hdr(1, 202, chunk)


class RecvStats:
    """RFC 3550 receiver statistics (appendix A.1, A.3, A.8) over packets as they arrive."""

    def __init__(self):
        self.received = 0
        self.base = self.max_seq = None
        self.cycles = 0
        self.jitter = 0.0
        self.transit = None
        self.exp_prior = self.rec_prior = 0

    def add(self, arrival_us, seq, ts):
        if self.base is None:
            self.base = self.max_seq = seq
        else:
            if seq < self.max_seq and self.max_seq - seq > 0x8000:
                self.cycles += 1 << 16
            if ((seq - self.max_seq) & 0xFFFF) < 0x8000:
                self.max_seq = seq
        self.received += 1
        arrival = arrival_us * 8000 // 1_000_000   # receiver's clock in timestamp units
        transit = arrival - ts
        if self.transit is not None:
            self.jitter += (abs(transit - self.transit) - self.jitter) / 16
        self.transit = transit

    def report_block(self, ssrc, lsr, dlsr):
        ext_max = self.cycles + self.max_seq
        expected = ext_max - self.base + 1
        lost = expected - self.received
        exp_int = expected - self.exp_prior
        rec_int = self.received - self.rec_prior
        self.exp_prior, self.rec_prior = expected, self.received
        lost_int = exp_int - rec_int
        fraction = (lost_int << 8) // exp_int if exp_int and lost_int > 0 else 0
        return struct.pack("!IIIIII", ssrc, (fraction << 24) | (lost & 0xFFFFFF), ext_max,
                           int(self.jitter), lsr, dlsr), (fraction, lost, expected,
                                                          int(self.jitter))


def case_rtcp(t0):
    # Two-way 5 s (250 packets each way). The capture point sits midway: every packet is
    # captured 15 ms after it is sent and received 15 ms after capture (one-way delay 30 ms,
    # end-to-end RTT 60 ms). caller -> callee: 0..8 ms LCG jitter (seed 7); callee -> caller:
    # indexes 60 and 170 lost (before the capture point). RTCP on RTP port + 1 (4001, 20001):
    # caller compound SR + SDES CNAME at media start + 1, 2, 3, 4 s; callee at + 1.5, 2.5, 3.5,
    # 4.5 s; each SR has one report block on the peer's SSRC, computed per RFC 3550 from what
    # that side has received before sending it. LSR/DLSR from the last SR received. The caller's
    # 4 s compound also carries an XR (RFC 3611) VoIP metrics block (BT 7). At the end each side
    # sends SR + SDES + BYE.
    hop = 15 * MS
    a, b = two_way(t0, 5, a_kw={"jitter_ms": 8, "seed": 7}, b_kw={"drop": {60, 170}})
    pkts = strip(a) + strip(b)
    sides = {
        "a": dict(ssrc=SSRC_A, peer=SSRC_B, ip=A_IP, port=A_RTP + 1, dst=B_IP,
                  dport=B_RTP + 1, recv=b, cname=f"alice@{A_IP}", ts0=TS_A,
                  start=t0 + MEDIA_A),
        "b": dict(ssrc=SSRC_B, peer=SSRC_A, ip=B_IP, port=B_RTP + 1, dst=A_IP,
                  dport=A_RTP + 1, recv=a, cname=f"bob@{B_IP}", ts0=TS_B,
                  start=t0 + MEDIA_B),
    }
    for s in sides.values():
        s["stats"] = RecvStats()
        s["fed"] = 0
        s["srs"] = []                # [(middle 32 bits of its NTP, our receive time in µs)]
    last_media = end_of(a, b)
    events = []
    for k in range(1, 5):
        events.append((t0 + MEDIA_A + k * 1000 * MS, "a", k == 4, False))
        events.append((t0 + MEDIA_A + k * 1000 * MS + 500 * MS, "b", False, False))
    end = (last_media // (10 * MS) + 1) * 10 * MS          # on a whole 10 ms after the media
    events.append((end, "a", False, True))
    events.append((end + 10 * MS, "b", False, True))
    events.sort()
    for cap, who, with_xr, bye in events:
        s = sides[who]
        other = sides["b" if who == "a" else "a"]
        send = cap - hop
        # feed the receiver statistics with every peer packet received before `send`
        recv = s["recv"]
        while s["fed"] < len(recv) and recv[s["fed"]][0] + hop <= send:
            p = recv[s["fed"]]
            s["stats"].add(p[0] + hop, p[6][1], p[6][2])
            s["fed"] += 1
        # packet i left the sender at start - hop + 20 ms * i (jitter and loss come after)
        first_send = s["start"] - hop
        n_sent = min(250, (send - first_send) // (20 * MS) + 1)
        octets = 160 * n_sent
        sec, frac = ntp_of(send)
        rtp_ts = (s["ts0"] + (send - first_send) * 8000 // 1_000_000) & 0xFFFFFFFF
        heard = [x for x in s["srs"] if x[1] <= send]
        if not heard:
            lsr = dlsr = 0
        else:
            lsr, got = heard[-1]
            dlsr = ((send - got) * 65536 + 500_000) // 1_000_000      # rounded to nearest
        block, vals = s["stats"].report_block(s["peer"], lsr, dlsr)
        sr = rtcp_hdr(1, 200, struct.pack("!IIIIII", s["ssrc"], sec, frac, rtp_ts, n_sent,
                                           octets) + block)
        compound = sr + sdes_cname(s["ssrc"], s["cname"])
        if with_xr:
            # loss rate and gap density: lost since the start in 1/256 (no burst: the whole
            # reception is one gap); gap duration: ms since the first packet received.
            rate = vals[1] * 256 // vals[2]
            gap_ms = (send - (s["recv"][0][0] + hop)) // MS
            xr_block = struct.pack(
                "!BBHIBBBBHHHHbbBBBBBBBBHHH", 7, 0, 8, s["peer"],
                rate, 0, 0, rate, 0, gap_ms, 60, 40, -20, -70, 127, 16, 92, 127, 43, 42,
                0x00, 0, 40, 80, 120)
            compound += rtcp_hdr(0, 207, struct.pack("!I", s["ssrc"]) + xr_block)
        if bye:
            compound += rtcp_hdr(1, 203, struct.pack("!I", s["ssrc"]))
        pkts.append((cap, s["ip"], s["port"], s["dst"], s["dport"], compound))
        other["srs"].append((((sec & 0xFFFF) << 16) | (frac >> 16), cap + hop))
    d = basic_dialog("rtcp", t0, bye_at=last_media - t0 + 30 * MS)
    return d.msgs + pkts


CASES = [
    ("loss", case_loss),
    ("reorder_dup", case_reorder_dup),
    ("jitter", case_jitter),
    ("ssrc_change", case_ssrc_change),
    ("seq_wrap", case_seq_wrap),
    ("nat", case_nat),
    ("one_way", case_one_way),
    ("no_media", case_no_media),
    ("unannounced_dst", case_unannounced_dst),
    ("codec_mismatch", case_codec_mismatch),
    ("rtcp", case_rtcp),
    ("dtmf", case_dtmf),
    ("media_after_bye", case_media_after_bye),
    ("ipv6", case_ipv6),
    ("early_media_183", case_early_media_183),
    ("many_calls", case_many_calls),
]


def file_name(case):
    return f"media-crafted-{case}.pcap"


# ---------------------------------------------------------------- tshark reference output

TSV_HEADER = ("# src_ip\tsrc_port\tdst_ip\tdst_port\tssrc_decimal\tpayload\tpackets\tlost\t"
              "max_delta_ms\tmax_jitter_ms\tmean_jitter_ms")

_ROW = re.compile(
    r"^\s*(?P<start>\d+\.\d+)\s+(?P<end>\d+\.\d+)\s+(?P<src>\S+)\s+(?P<sport>\d+)\s+"
    r"(?P<dst>\S+)\s+(?P<dport>\d+)\s+(?P<ssrc>0x[0-9A-Fa-f]+)\s+(?P<payload>.+?)\s+"
    r"(?P<pkts>\d+)\s+(?P<lost>-?\d+)\s+\((?P<pct>[-\d.]+)%\)\s+(?P<mind>[-\d.]+)\s+"
    r"(?P<meand>[-\d.]+)\s+(?P<maxd>[-\d.]+)\s+(?P<minj>[-\d.]+)\s+(?P<meanj>[-\d.]+)\s+"
    r"(?P<maxj>[-\d.]+)\s+(?P<problem>\S?)\s*$")


def tshark_rtp_streams_tsv(text):
    """Turns `tshark -q -z rtp,streams` output into TSV: a '#' header naming the columns, then
    one line per stream sorted like scripts/tshark-rtp-streams.py sorts them (that script prints
    the same lines without the header)."""
    rows = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            rows.append((m["src"], int(m["sport"]), m["dst"], int(m["dport"]),
                         int(m["ssrc"], 16), m["payload"], int(m["pkts"]), int(m["lost"]),
                         m["maxd"], m["maxj"], m["meanj"]))
    rows.sort()
    return "".join(line + "\n" for line in
                   [TSV_HEADER] + ["\t".join(str(v) for v in r) for r in rows])


def write_golden(out, golden):
    os.makedirs(golden, exist_ok=True)
    helper = os.path.join(HERE, "tshark-rtp-streams.py")
    for case, _ in CASES:
        pcap = os.path.join(out, file_name(case))
        stem = file_name(case)[:-5]
        raw = subprocess.run(["tshark", "-n", "-r", pcap, "-q", "-z", "rtp,streams"],
                             check=True, capture_output=True, text=True).stdout
        with open(os.path.join(golden, stem + ".txt"), "w") as f:
            f.write(raw)
        if os.path.exists(helper) and os.environ.get("MEDIA_CRAFTED_OWN_PARSER") is None:
            tsv = subprocess.run([sys.executable, helper, pcap], check=True,
                                 capture_output=True, text=True).stdout
        else:
            tsv = tshark_rtp_streams_tsv(raw)
        with open(os.path.join(golden, stem + ".tsv"), "w") as f:
            f.write(tsv)


def main(argv):
    args = list(argv)
    golden = None
    if "--golden" in args:
        i = args.index("--golden")
        rest = args[i + 1:]
        golden = rest[0] if rest and not rest[0].startswith("-") else DEFAULT_GOLDEN
        del args[i:i + (2 if rest and not rest[0].startswith("-") else 1)]
    out = args[0] if args else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    for k, (case, fn) in enumerate(CASES):
        t0 = EPOCH_US + 60_000_000 * k
        write_pcap(os.path.join(out, file_name(case)), fn(t0))
    if golden:
        if not shutil.which("tshark"):
            sys.exit("tshark not found")
        write_golden(out, golden)


if __name__ == "__main__":
    main(sys.argv[1:])
