"""Small classic-pcap helpers shared by the capture generators in scripts/ (standard library only).

Frames are Ethernet; timestamps are integer nanoseconds.
"""
import os
import struct


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
    """The Internet checksum (RFC 1071) of `b`."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src, sport, dst, dport, payload):
    """An Ethernet/IPv4/UDP frame (dotted-quad addresses, no UDP checksum) carrying `payload`."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    return eth + ip + udp


def udp_parts(frame):
    """(src, sport, dst, dport, payload) of an unfragmented Ethernet/IPv4/UDP frame, or None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[14] >> 4 != 4 or frame[23] != 17:
        return None
    if struct.unpack("!H", frame[20:22])[0] & 0x3FFF:
        return None  # a fragment (more fragments, or an offset): not a whole datagram
    ihl = (frame[14] & 0x0F) * 4
    udp = 14 + ihl
    sport, dport, length = struct.unpack("!HHH", frame[udp:udp + 6])
    src = ".".join(map(str, frame[26:30]))
    dst = ".".join(map(str, frame[30:34]))
    return src, sport, dst, dport, frame[udp + 8:udp + length]


def write_pcap(path, packets):
    """Writes (ts_ns, frame) pairs as a classic microsecond pcap (Ethernet). The file appears
    whole or not at all: it is written beside `path` and renamed, so a run cut short never
    leaves a truncated capture that looks fresh."""
    part = path + ".part"
    with open(part, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, frame in packets:
            f.write(struct.pack("<IIII", ts // 1_000_000_000, (ts % 1_000_000_000) // 1000, len(frame), len(frame)))
            f.write(frame)
    os.replace(part, path)
