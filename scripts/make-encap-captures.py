#!/usr/bin/env python3
"""Writes crafted capture fixtures: SIP calls inside tunnel encapsulations, and one-packet files in
capture formats other than pcap. Python 3 standard library only (struct, zlib for the Ethernet FCS).

    python3 scripts/make-encap-captures.py [OUTDIR]      # default: pcaps/ next to this script

Classic pcap files (magic 0xa1b2c3d4 little-endian, version 2.4, snaplen 65535, link type 1):

  encap-pppoe.pcap         Ethernet / PPPoE session (0x8864) / PPP 0x0021 / IPv4 / UDP 5060 / SIP,
                           preceded by PPPoE discovery (PADI, PADO, PADR, PADS on 0x8863) and with
                           an LCP echo request/reply (PPP 0xc021) inside the session mid-call.
  encap-pppoe-ipv6.pcap    the same with PPP 0x0057 / IPv6 / UDP / SIP (UDP checksum computed).
  encap-gre-ppp.pcap       PPTP data channel: Ethernet / IPv4 proto 47 / enhanced GRE v1 (K and S
                           set, protocol 0x880b, key = payload length + peer call id, sequence
                           number, acknowledgement number on some) / PPP / IPv4 / UDP / SIP. The
                           PPP framing varies packet by packet: ff 03 00 21, 21 (ACFC+PFC),
                           ff 03 21 (PFC only), 00 21 (ACFC only).
  encap-gtpu.pcap          Ethernet / IPv4 / UDP 2152 / GTPv1-U T-PDU / IPv4 / UDP 5060 / SIP.
                           GTP flags 0x30 on most packets, 0x32 (S: seq + N-PDU + next-ext present)
                           on some, 0x34 (E: one PDU Session Container extension header 0x85) on
                           one; plus two Echo Requests (type 1) and their Echo Responses (type 2).
  encap-gtpu-ipv6.pcap     the same with IPv6 inside the tunnel (outer IPv4).

Each pcap carries one call: INVITE (SDP), 100, 180, 200 (SDP), ACK, BYE, 200, one Call-ID per file
(`encap-<name>-1@<caller>`). Timing: 100 ms steps, 200 OK 2 s after 180, BYE 5 s after ACK.

Other capture formats, one SIP OPTIONS packet each (Ethernet / IPv4 / UDP 5060):

  format-snoop.snoop       Sun snoop version 2, datalink 4 (Ethernet)
  format-netmon2.cap       Microsoft Network Monitor 2.1 ("GMBU")
  format-netmon1.cap       Microsoft Network Monitor 1.1 ("RTSS")
  format-sniffer.enc       Network General / NAI Sniffer (DOS) uncompressed ("TRSNIFF data    \\x1a")
  format-erf.erf           Endace ERF, one type 2 (ETH) record; the frame ends with its CRC-32 FCS
                           as DAG cards capture it.

Addresses are documentation ranges only (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32).
"""
import os
import struct
import sys
import time
import zlib

from pcaplib import checksum as inet_checksum

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "pcaps"))
BASE = 1_767_225_600  # 2026-01-01 00:00:00 UTC; each file starts at its own offset from here

MAC_CLIENT = bytes.fromhex("020000000a01")   # locally administered
MAC_SERVER = bytes.fromhex("020000000a02")
BROADCAST = b"\xff" * 6


# ---------------------------------------------------------------- checksums and IP/UDP headers

def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


def ip6(addr):
    """Expands an IPv6 text address (with at most one '::') to 16 bytes, no socket module needed."""
    if "::" in addr:
        head, tail = addr.split("::")
        h = [x for x in head.split(":") if x]
        t = [x for x in tail.split(":") if x]
        groups = h + ["0"] * (8 - len(h) - len(t)) + t
    else:
        groups = addr.split(":")
    assert len(groups) == 8, addr
    return b"".join(struct.pack("!H", int(g, 16)) for g in groups)


_ip_id = [0x1000]


def ipv4_packet(src, dst, proto, payload, ttl=64):
    _ip_id[0] = (_ip_id[0] + 1) & 0xFFFF
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), _ip_id[0], 0x4000, ttl, proto,
                      0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6_packet(src, dst, next_header, payload, hop_limit=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hop_limit,
                       ip6(src), ip6(dst)) + payload


def udp_ipv4(src, sport, dst, dport, payload, checksum=False):
    """UDP over IPv4; the checksum is optional for IPv4 (RFC 768), 0 means 'not computed'."""
    length = 8 + len(payload)
    csum = 0
    if checksum:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, length)
        csum = inet_checksum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload)
        csum = csum or 0xFFFF
    return ipv4_packet(src, dst, 17, struct.pack("!HHHH", sport, dport, length, csum) + payload)


def udp_ipv6(src, sport, dst, dport, payload):
    """UDP over IPv6; the checksum is mandatory (RFC 8200 section 8.1), pseudo-header included."""
    length = 8 + len(payload)
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, 17)
    csum = inet_checksum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload)
    csum = csum or 0xFFFF
    return ipv6_packet(src, dst, 17, struct.pack("!HHHH", sport, dport, length, csum) + payload)


def udp_ip(src, sport, dst, dport, payload):
    return (udp_ipv6 if ":" in src else udp_ipv4)(src, sport, dst, dport, payload)


def ethernet(dst_mac, src_mac, ethertype, payload):
    """Ethernet II frame without FCS, zero-padded to the 60-octet minimum as a receiver sees it
    (so short PPPoE/GTP control frames carry trailing padding beyond their length fields)."""
    frame = dst_mac + src_mac + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


# ---------------------------------------------------------------- SIP call

def uri_host(addr):
    return f"[{addr}]" if ":" in addr else addr


def sdp(user, addr, sess_id):
    fam = "IP6" if ":" in addr else "IP4"
    return ("v=0\r\n"
            f"o={user} {sess_id} {sess_id} IN {fam} {addr}\r\n"
            "s=-\r\n"
            f"c=IN {fam} {addr}\r\n"
            "t=0 0\r\n"
            f"m=audio {49170 if user == 'alice' else 51372} RTP/AVP 0 8 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=sendrecv\r\n")


def sip_message(start_line, headers, body=""):
    """Headers in order; Content-Length is appended, computed from the UTF-8 body."""
    body_b = body.encode()
    lines = [start_line] + [f"{k}: {v}" for k, v in headers]
    if body_b:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body_b)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body_b


def sip_call(name, a, b):
    """A basic answered and hung-up call from alice@a to bob@b, both on port 5060.

    Returns [(offset_seconds, direction, payload)] with direction 'ab' (caller to callee) or 'ba'.
    """
    ah, bh = uri_host(a), uri_host(b)
    call_id = f"encap-{name}-1@{ah}"
    tag_a, tag_b = f"{name}-a7f31", f"{name}-b92c4"
    br = f"z9hG4bK-{name}"
    ua = "User-Agent", "sipscope-fixture/1.0"
    from_a = "From", f"\"Alice\" <sip:alice@{ah}>;tag={tag_a}"
    to_b = "To", f"<sip:bob@{bh}>"
    to_b_tag = "To", f"<sip:bob@{bh}>;tag={tag_b}"
    cid = "Call-ID", call_id
    contact_a = "Contact", f"<sip:alice@{ah}:5060>"
    contact_b = "Contact", f"<sip:bob@{bh}:5060>"
    via_inv = "Via", f"SIP/2.0/UDP {ah}:5060;branch={br}-inv1"
    via_ack = "Via", f"SIP/2.0/UDP {ah}:5060;branch={br}-ack1"
    via_bye = "Via", f"SIP/2.0/UDP {ah}:5060;branch={br}-bye1"
    mf = "Max-Forwards", "70"

    invite = sip_message(f"INVITE sip:bob@{bh} SIP/2.0",
                         [via_inv, mf, from_a, to_b, cid, ("CSeq", "1 INVITE"), contact_a,
                          ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"), ua],
                         sdp("alice", a, 2890844526))
    trying = sip_message("SIP/2.0 100 Trying", [via_inv, from_a, to_b, cid, ("CSeq", "1 INVITE")])
    ringing = sip_message("SIP/2.0 180 Ringing",
                          [via_inv, from_a, to_b_tag, cid, ("CSeq", "1 INVITE"), contact_b])
    ok_inv = sip_message("SIP/2.0 200 OK",
                         [via_inv, from_a, to_b_tag, cid, ("CSeq", "1 INVITE"), contact_b,
                          ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")],
                         sdp("bob", b, 2890844730))
    ack = sip_message(f"ACK sip:bob@{bh}:5060 SIP/2.0",
                      [via_ack, mf, from_a, to_b_tag, cid, ("CSeq", "1 ACK"), contact_a, ua])
    bye = sip_message(f"BYE sip:bob@{bh}:5060 SIP/2.0",
                      [via_bye, mf, from_a, to_b_tag, cid, ("CSeq", "2 BYE"), contact_a, ua])
    ok_bye = sip_message("SIP/2.0 200 OK", [via_bye, from_a, to_b_tag, cid, ("CSeq", "2 BYE")])
    return [(0.0, "ab", invite), (0.1, "ba", trying), (0.2, "ba", ringing),
            (2.2, "ba", ok_inv), (2.3, "ab", ack), (7.3, "ab", bye), (7.4, "ba", ok_bye)]


def sip_options(src, dst):
    h, d = uri_host(src), uri_host(dst)
    return sip_message(f"OPTIONS sip:{d} SIP/2.0",
                       [("Via", f"SIP/2.0/UDP {h}:5060;branch=z9hG4bK-format-opt1"),
                        ("Max-Forwards", "70"),
                        ("From", f"<sip:monitor@{h}>;tag=fmt-0a1b"),
                        ("To", f"<sip:{d}>"),
                        ("Call-ID", f"format-options-1@{h}"),
                        ("CSeq", "1 OPTIONS"),
                        ("Contact", f"<sip:monitor@{h}:5060>"),
                        ("Accept", "application/sdp"),
                        ("User-Agent", "sipscope-fixture/1.0")])


# ---------------------------------------------------------------- pcap writer

def write_pcap(path, frames, linktype=1):
    """frames: [(seconds_float, bytes)]. Classic pcap, microsecond timestamps, little-endian."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for ts, frame in frames:
            sec = int(ts)
            usec = int(round((ts - sec) * 1_000_000))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


# ---------------------------------------------------------------- PPPoE (RFC 2516) and PPP (RFC 1661)

PPPOE_SESSION = 0x1234
AC_MAC = bytes.fromhex("020000000b01")
HOST_MAC = bytes.fromhex("020000000b02")


def pppoe_tags(tags):
    return b"".join(struct.pack("!HH", t, len(v)) + v for t, v in tags)


def pppoe_discovery(code, session, tags, dst, src):
    payload = pppoe_tags(tags)
    hdr = struct.pack("!BBHH", 0x11, code, session, len(payload))
    return ethernet(dst, src, 0x8863, hdr + payload)


def pppoe_session_frame(ppp_proto, ppp_payload, dst, src):
    ppp = struct.pack("!H", ppp_proto) + ppp_payload
    hdr = struct.pack("!BBHH", 0x11, 0x00, PPPOE_SESSION, len(ppp))
    return ethernet(dst, src, 0x8864, hdr + ppp)


def lcp_echo(code, ident, magic):
    """LCP Echo-Request (9) / Echo-Reply (10): code, id, length, magic number."""
    return struct.pack("!BBHI", code, ident, 8, magic)


def make_pppoe(out, ipv6):
    name = "pppoe-ipv6" if ipv6 else "pppoe"
    # The subscriber (alice) sits behind the PPPoE client; bob is across the access concentrator.
    a, b = ("2001:db8:10::10", "2001:db8:20::20") if ipv6 else ("192.0.2.10", "192.0.2.20")
    proto = 0x0057 if ipv6 else 0x0021
    t0 = BASE + (200 if ipv6 else 100)
    host_uniq = (0x0103, bytes.fromhex("5eed0001"))
    svc = (0x0101, b"")
    ac_name = (0x0102, b"sipscope-ac")
    cookie = (0x0104, bytes.fromhex("c00c1e5a11bb22cc33dd44ee55ff6600"))
    frames = [
        (t0 - 1.0, pppoe_discovery(0x09, 0, [svc, host_uniq], BROADCAST, HOST_MAC)),       # PADI
        (t0 - 0.99, pppoe_discovery(0x07, 0, [ac_name, svc, cookie, host_uniq],
                                    HOST_MAC, AC_MAC)),                                    # PADO
        (t0 - 0.98, pppoe_discovery(0x19, 0, [svc, cookie, host_uniq], AC_MAC, HOST_MAC)),  # PADR
        (t0 - 0.97, pppoe_discovery(0x65, PPPOE_SESSION, [svc, host_uniq],
                                    HOST_MAC, AC_MAC)),                                    # PADS
    ]
    for off, direction, payload in sip_call(name, a, b):
        if direction == "ab":
            pkt = udp_ip(a, 5060, b, 5060, payload)
            frames.append((t0 + off, pppoe_session_frame(proto, pkt, AC_MAC, HOST_MAC)))
        else:
            pkt = udp_ip(b, 5060, a, 5060, payload)
            frames.append((t0 + off, pppoe_session_frame(proto, pkt, HOST_MAC, AC_MAC)))
    # LCP keep-alive in the middle of the call (between ACK at +2.3 and BYE at +7.3).
    frames.append((t0 + 4.0, pppoe_session_frame(0xC021, lcp_echo(9, 1, 0x1A2B3C4D),
                                                 HOST_MAC, AC_MAC)))
    frames.append((t0 + 4.001, pppoe_session_frame(0xC021, lcp_echo(10, 1, 0x5E6F7081),
                                                   AC_MAC, HOST_MAC)))
    frames.sort(key=lambda x: x[0])
    write_pcap(os.path.join(out, f"encap-{name}.pcap"), frames)


# ---------------------------------------------------------------- PPTP enhanced GRE (RFC 2637 4.1)

PPP_FRAMINGS = [
    b"\xff\x03\x00\x21",  # address, control, 2-byte protocol
    b"\x21",              # address/control field compression + protocol field compression
    b"\xff\x03\x21",      # protocol field compression only
    b"\x00\x21",          # address/control field compression only
]


def gre_v1(call_id, seq, ack, payload):
    """Enhanced GRE header: K and S always set, A set when ack is not None; version 1."""
    flags = 0x3000 | 0x0001          # K (0x2000), S (0x1000), version 1
    if ack is not None:
        flags |= 0x0080              # A
    hdr = struct.pack("!HHHHI", flags, 0x880B, len(payload), call_id, seq)
    if ack is not None:
        hdr += struct.pack("!I", ack)
    return hdr + payload


def make_gre_ppp(out):
    name = "gre-ppp"
    pns, pac = "198.51.100.1", "198.51.100.2"   # outer tunnel endpoints
    a, b = "192.0.2.10", "192.0.2.20"            # inner: alice is the PPTP client's PPP address
    # Each side puts the *peer's* call id in the key field (RFC 2637 4.1).
    call_id_at_pac, call_id_at_pns = 0x4001, 0x8002
    t0 = BASE + 300
    seq = {"ab": 0, "ba": 0}
    last_rx = {"ab": None, "ba": None}  # highest sequence received from the other direction
    frames = []
    for i, (off, direction, payload) in enumerate(sip_call(name, a, b)):
        if direction == "ab":
            inner = udp_ip(a, 5060, b, 5060, payload)
            src, dst, key, smac, dmac = pns, pac, call_id_at_pac, MAC_CLIENT, MAC_SERVER
        else:
            inner = udp_ip(b, 5060, a, 5060, payload)
            src, dst, key, smac, dmac = pac, pns, call_id_at_pns, MAC_SERVER, MAC_CLIENT
        ppp = PPP_FRAMINGS[i % len(PPP_FRAMINGS)] + inner
        other = "ba" if direction == "ab" else "ab"
        # Piggy-back an acknowledgement on every other packet once the peer has sent something.
        ack = last_rx[direction] if (i % 2 == 1 and last_rx[direction] is not None) else None
        gre = gre_v1(key, seq[direction], ack, ppp)
        last_rx[other] = seq[direction]
        seq[direction] += 1
        frames.append((t0 + off, ethernet(dmac, smac, 0x0800, ipv4_packet(src, dst, 47, gre))))
    write_pcap(os.path.join(out, f"encap-{name}.pcap"), frames)


# ---------------------------------------------------------------- GTPv1-U (3GPP TS 29.281)

def gtpu(msg_type, teid, payload, seq=None, ext=None, npdu=0):
    """GTPv1-U header. seq: S flag with that sequence number. ext: (type, content) for one
    extension header (E flag). The 4 optional octets are present when S or E is set."""
    flags = 0x30                               # version 1, PT=1
    opt = b""
    ext_bytes = b""
    if seq is not None or ext is not None:
        if seq is not None:
            flags |= 0x02
        next_ext = 0
        if ext is not None:
            flags |= 0x04
            ext_type, content = ext
            next_ext = ext_type
            # length octet (in 4-octet units), content, next extension header type (0 = none)
            assert (len(content) + 2) % 4 == 0
            ext_bytes = bytes([(len(content) + 2) // 4]) + content + b"\0"
        opt = struct.pack("!HBB", seq or 0, npdu, next_ext)
    rest = opt + ext_bytes + payload
    return struct.pack("!BBHI", flags, msg_type, len(rest), teid) + rest


def make_gtpu(out, ipv6):
    name = "gtpu-ipv6" if ipv6 else "gtpu"
    enb, sgw = "198.51.100.10", "198.51.100.20"     # outer: access node and user-plane gateway
    a, b = ("2001:db8:10::10", "2001:db8:20::20") if ipv6 else ("192.0.2.10", "192.0.2.20")
    teid_ul, teid_dl = 0x0000ABCD, 0x0000DCBA
    t0 = BASE + (500 if ipv6 else 400)
    frames = []

    def outer(direction, gtp):
        if direction == "ab":   # uplink: UE (alice) -> network
            return ethernet(MAC_SERVER, MAC_CLIENT, 0x0800, udp_ipv4(enb, 2152, sgw, 2152, gtp))
        return ethernet(MAC_CLIENT, MAC_SERVER, 0x0800, udp_ipv4(sgw, 2152, enb, 2152, gtp))

    # Echo Request / Response before the call (from the access node) and mid-call (from the
    # gateway). Echo messages carry S=1 and TEID 0; the response carries Recovery IE (14) = 0.
    recovery_ie = bytes([14, 0])
    frames.append((t0 - 0.5, outer("ab", gtpu(0x01, 0, b"", seq=1))))
    frames.append((t0 - 0.499, outer("ba", gtpu(0x02, 0, recovery_ie, seq=1))))
    frames.append((t0 + 4.0, outer("ba", gtpu(0x01, 0, b"", seq=7))))
    frames.append((t0 + 4.001, outer("ab", gtpu(0x02, 0, recovery_ie, seq=7))))

    seq = {"ab": 100, "ba": 200}
    for i, (off, direction, payload) in enumerate(sip_call(name, a, b)):
        if direction == "ab":
            inner = udp_ip(a, 5060, b, 5060, payload)
            teid = teid_ul
        else:
            inner = udp_ip(b, 5060, a, 5060, payload)
            teid = teid_dl
        if i == 0:
            # INVITE uplink with a PDU Session Container (TS 38.415): UL PDU SESSION INFORMATION
            # (PDU type 1 in the high nibble), QFI 5; E flag only (flags 0x34).
            gtp = gtpu(0xFF, teid, inner, ext=(0x85, bytes([0x10, 0x05])))
        elif i in (2, 4, 5):
            gtp = gtpu(0xFF, teid, inner, seq=seq[direction])    # flags 0x32
            seq[direction] += 1
        else:
            gtp = gtpu(0xFF, teid, inner)                        # flags 0x30
        frames.append((t0 + off, outer(direction, gtp)))
    frames.sort(key=lambda x: x[0])
    write_pcap(os.path.join(out, f"encap-{name}.pcap"), frames)


# ---------------------------------------------------------------- other capture formats

FMT_SRC, FMT_DST = "192.0.2.50", "192.0.2.60"
FMT_TIME = BASE + 600


def options_frame():
    return ethernet(MAC_SERVER, MAC_CLIENT, 0x0800,
                    udp_ipv4(FMT_SRC, 5060, FMT_DST, 5060, sip_options(FMT_SRC, FMT_DST),
                             checksum=True))


def write_snoop(path):
    # Sun snoop version 2, as described in RFC 1761 ("Snoop Version 2 Packet Capture File
    # Format"): 8-octet identification "snoop\0\0\0", 32-bit version (2), 32-bit datalink type
    # (4 = Ethernet), then packet records, all big-endian: original length, included length,
    # packet record length (24-octet record header + data + pad to a 4-octet boundary),
    # cumulative drops, timestamp seconds, timestamp microseconds, packet data, pad.
    frame = options_frame()
    pad = (-len(frame)) % 4
    rec = struct.pack("!IIIIII", len(frame), len(frame), 24 + len(frame) + pad, 0,
                      FMT_TIME, 250000) + frame + b"\0" * pad
    with open(path, "wb") as f:
        f.write(b"snoop\0\0\0" + struct.pack("!II", 2, 4) + rec)


def netmon_header(magic, ver_major, ver_minor, frametable_off, frametable_len):
    # Network Monitor capture file header (CAPTUREFILE_HEADER), little-endian, padded to 128
    # octets including the magic: magic, minor and major version (BCD), MAC type (1 = Ethernet),
    # capture start as a Windows SYSTEMTIME (year, month, day-of-week, day, hour, minute, second,
    # millisecond), then offset/length pairs for the frame table, user data, comments,
    # statistics / process info and network info. Layout as documented in the Network Monitor
    # 3.x help ("Network Monitor Capture File Format", 2.x) and Microsoft's STRUCT.H
    # (CAPTUREFILE_HEADER, 1.x), as listed on the Wireshark wiki page "FileFormatReference".
    tm = time.gmtime(FMT_TIME)
    dow = (tm.tm_wday + 1) % 7                       # SYSTEMTIME: Sunday = 0
    hdr = magic + struct.pack("<BBH8H", ver_minor, ver_major, 1,
                              tm.tm_year, tm.tm_mon, dow, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec, 250)
    hdr += struct.pack("<10I", frametable_off, frametable_len, 0, 0, 0, 0, 0, 0, 0, 0)
    return hdr + b"\0" * (128 - len(hdr))


def write_netmon2(path):
    # Frame record for 2.x: 64-bit time offset from capture start in microseconds, 32-bit
    # frame length, 32-bit bytes available, frame data; from version 2.1 on a per-frame trailer
    # follows, for 2.1 just the 16-bit media (MAC) type. The frame table is an array of 32-bit
    # file offsets of the frame records.
    frame = options_frame()
    rec = struct.pack("<QII", 1000, len(frame), len(frame)) + frame + struct.pack("<H", 1)
    table = struct.pack("<I", 128)
    with open(path, "wb") as f:
        f.write(netmon_header(b"GMBU", 2, 1, 128 + len(rec), len(table)) + rec + table)


def write_netmon1(path):
    # Frame record for 1.x: 32-bit time offset from capture start in milliseconds, 16-bit
    # frame length, 16-bit bytes available, frame data. Frame table as for 2.x.
    frame = options_frame()
    rec = struct.pack("<IHH", 1, len(frame), len(frame)) + frame
    table = struct.pack("<I", 128)
    with open(path, "wb") as f:
        f.write(netmon_header(b"RTSS", 1, 1, 128 + len(rec), len(table)) + rec + table)


def write_sniffer(path):
    # Network General / NAI "Sniffer" DOS-based capture file, uncompressed (format 1). Layout as
    # given in the Sniffer Network Analyzer Operations manual's "File format" appendix and
    # summarised on the Wireshark wiki (FileFormatReference, "NA Sniffer (DOS)"): the 17-octet
    # magic "TRSNIFF data" + 4 spaces + 0x1a, then records, each with a 16-bit record type, a
    # 16-bit length of the data that follows and 2 unused octets (all little-endian).
    #   type 1 version record (18 octets): major, minor version, DOS time, DOS date, record type
    #     that follows (4), network (1 = Ethernet), format (1 = uncompressed), time unit index
    #     (1 = 0.838096 us ticks), compression version, compression level, 2 reserved words;
    #   type 4 "frame2" record: 48-bit timestamp in time units since the start (16 low, 16 mid,
    #     8 high) and 8-bit day count, 16-bit size, fs and flags octets, 16-bit true size,
    #     16-bit reserved, then the frame;
    #   type 3 end of file, length 0.
    tm = time.gmtime(FMT_TIME)
    dos_time = (tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec // 2)
    dos_date = ((tm.tm_year - 1980) << 9) | (tm.tm_mon << 5) | tm.tm_mday
    vers = struct.pack("<hhHHbBbBbbhh", 4, 0, dos_time, dos_date, 4, 1, 1, 1, 0, 0, 0, 0)
    frame = options_frame()
    # Frame timestamps count from midnight of the capture date (readers take the start as the
    # DOS date at 00:00 and add the ticks), so express FMT_TIME's time of day in ticks.
    ticks = int(round((FMT_TIME % 86400 + 0.25) / 0.838096e-6))
    frame2 = struct.pack("<HHBBhBBhh", ticks & 0xFFFF, (ticks >> 16) & 0xFFFF,
                         (ticks >> 32) & 0xFF, 0, len(frame), 0, 0, len(frame), 0) + frame

    def record(rtype, data):
        return struct.pack("<HHH", rtype, len(data), 0) + data

    with open(path, "wb") as f:
        f.write(b"TRSNIFF data    \x1a" + record(1, vers) + record(4, frame2) + record(3, b""))


def write_erf(path):
    # Endace ERF (Extensible Record Format), per the Endace "ERF types" reference and the
    # Wireshark wiki page "ERF": no file header; each record has a 16-octet generic header:
    # 64-bit little-endian timestamp (upper 32 bits seconds, lower 32 bits binary fraction),
    # type (2 = ETH), flags (bit 2 0x04 = varying-length record), big-endian rlen (record
    # length including this header), lctr (loss counter), wlen (wire length). An ETH record
    # then has 2 octets (offset and pad) before the Ethernet frame. DAG cards capture the
    # 4-octet FCS, counted in wlen; the record is padded to 8 octets.
    frame = options_frame()
    frame += struct.pack("<I", zlib.crc32(frame) & 0xFFFFFFFF)
    body = b"\x00\x00" + frame
    rlen = 16 + len(body)
    pad = (-rlen) % 8
    ts = (FMT_TIME << 32) | (1 << 30)                # + 0.25 s
    hdr = struct.pack("<Q", ts) + struct.pack("!BBHHH", 2, 0x04, rlen + pad, 0, len(frame))
    with open(path, "wb") as f:
        f.write(hdr + body + b"\0" * pad)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    make_pppoe(out, ipv6=False)
    make_pppoe(out, ipv6=True)
    make_gre_ppp(out)
    make_gtpu(out, ipv6=False)
    make_gtpu(out, ipv6=True)
    write_snoop(os.path.join(out, "format-snoop.snoop"))
    write_netmon2(os.path.join(out, "format-netmon2.cap"))
    write_netmon1(os.path.join(out, "format-netmon1.cap"))
    write_sniffer(os.path.join(out, "format-sniffer.enc"))
    write_erf(os.path.join(out, "format-erf.erf"))


if __name__ == "__main__":
    main()
