//! Synthetic frames for every link type and tunnel the decoder supports, and IP fragments in
//! every order: each must yield exactly the SIP message inside.

mod common;

use common::*;
use sipscope::capture::linktype;

fn invite() -> Vec<u8> {
    sip_request("INVITE", "synthetic-1@192.0.2.1", 1, "v=0\r\n")
}

fn v4_packet() -> Vec<u8> {
    ip_udp(addr("192.0.2.1:5060"), addr("192.0.2.2:5060"), &invite())
}

fn v6_packet() -> Vec<u8> {
    ip_udp(addr("[2001:db8::1]:5060"), addr("[2001:db8::2]:5060"), &invite())
}

fn assert_one_invite(linktype: i32, frame: Vec<u8>, what: &str) {
    let (msgs, stats) = run_frames(linktype, &[frame]);
    assert_eq!(msgs.len(), 1, "{what}: {stats:?}");
    assert_eq!(msgs[0].call_id(), b"synthetic-1@192.0.2.1", "{what}");
    assert_eq!(stats.decode.errors, 0, "{what}");
}

fn sll(protocol: u16, arphrd: u16, ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0];
    f.extend_from_slice(&arphrd.to_be_bytes());
    f.extend_from_slice(&6u16.to_be_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&protocol.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

fn sll2(protocol: u16, arphrd: u16, ip: &[u8]) -> Vec<u8> {
    let mut f = protocol.to_be_bytes().to_vec();
    f.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&arphrd.to_be_bytes());
    f.extend_from_slice(&[0, 6]);
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(ip);
    f
}

#[test]
fn ethernet_plain_vlan_qinq_and_mpls() {
    let ip = v4_packet();
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[], &ip), "ethernet");
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[(0x8100, 42)], &ip), "802.1Q");
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[(0x88a8, 100), (0x8100, 42)], &ip), "QinQ");
    assert_one_invite(linktype::ETHERNET, ethernet(0x86dd, &[(0x9100, 7)], &v6_packet()), "old QinQ, IPv6");
    let mut mpls = vec![0, 0x01, 0x00, 64, 0, 0x02, 0x01, 64];
    mpls.extend_from_slice(&ip);
    assert_one_invite(linktype::ETHERNET, ethernet(0x8847, &[], &mpls), "MPLS two labels");
}

#[test]
fn linux_cooked_v1_and_v2_including_loopback_and_tun() {
    let ip = v4_packet();
    for arphrd in [1u16, 772, 65534] {
        assert_one_invite(linktype::LINUX_SLL, sll(0x0800, arphrd, &ip), "SLL");
        assert_one_invite(linktype::LINUX_SLL2, sll2(0x0800, arphrd, &ip), "SLL2");
        assert_one_invite(linktype::LINUX_SLL2, sll2(0x86dd, arphrd, &v6_packet()), "SLL2 v6");
    }
}

#[test]
fn bsd_null_and_loop_in_both_byte_orders() {
    let ip = v4_packet();
    let mut le = 2u32.to_le_bytes().to_vec();
    le.extend_from_slice(&ip);
    assert_one_invite(linktype::NULL, le, "NULL little-endian");
    let mut be = 2u32.to_be_bytes().to_vec();
    be.extend_from_slice(&ip);
    assert_one_invite(linktype::LOOP, be, "LOOP big-endian");
    for af in [24u32, 28, 30] {
        let mut f = af.to_le_bytes().to_vec();
        f.extend_from_slice(&v6_packet());
        assert_one_invite(linktype::NULL, f, "NULL AF_INET6");
    }
}

#[test]
fn raw_ip_link_types() {
    for lt in [linktype::RAW, linktype::RAW_12, linktype::RAW_14, linktype::IPV4] {
        assert_one_invite(lt, v4_packet(), "raw v4");
    }
    assert_one_invite(linktype::IPV6, v6_packet(), "raw v6");
}

fn outer_v4(proto: u8, inner: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2];
    let total = (h.len() + inner.len()) as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(inner);
    h
}

#[test]
fn ip_in_ip_and_gre_tunnels() {
    let ip = v4_packet();
    assert_one_invite(linktype::RAW, outer_v4(4, &ip), "IPv4 in IPv4");
    assert_one_invite(linktype::RAW, outer_v4(41, &v6_packet()), "IPv6 in IPv4");
    let mut gre = vec![0x20, 0x00, 0x08, 0x00, 0, 0, 0, 9]; // key present
    gre.extend_from_slice(&ip);
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[], &outer_v4(47, &gre)), "GRE with key");
    let mut teb = vec![0x00, 0x00, 0x65, 0x58];
    teb.extend_from_slice(&ethernet(0x0800, &[(0x8100, 5)], &ip));
    assert_one_invite(linktype::RAW, outer_v4(47, &teb), "GRE transparent Ethernet bridging");
}

#[test]
fn erspan_type_2_and_3() {
    let inner = ethernet(0x0800, &[], &v4_packet());
    let mut t2 = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 0, 0, 0, 0];
    t2.extend_from_slice(&inner);
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[], &outer_v4(47, &t2)), "ERSPAN II");
    let mut t3 = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
    t3.extend_from_slice(&[0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    t3.extend_from_slice(&inner);
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[], &outer_v4(47, &t3)), "ERSPAN III");
    let mut t3o = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
    t3o.extend_from_slice(&[0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    t3o.extend_from_slice(&[0xff; 8]);
    t3o.extend_from_slice(&inner);
    assert_one_invite(
        linktype::ETHERNET,
        ethernet(0x0800, &[], &outer_v4(47, &t3o)),
        "ERSPAN III + platform header",
    );
}

#[test]
fn vxlan() {
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
    vx.extend_from_slice(&ethernet(0x0800, &[], &v4_packet()));
    let outer = ip_udp(addr("198.51.100.1:40000"), addr("198.51.100.2:4789"), &vx);
    assert_one_invite(linktype::ETHERNET, ethernet(0x0800, &[], &outer), "VXLAN");
}

#[test]
fn tunnels_nest_only_to_a_limit() {
    let mut pkt = v4_packet();
    for _ in 0..10 {
        pkt = outer_v4(4, &pkt);
    }
    let (msgs, stats) = run_frames(linktype::RAW, &[pkt]);
    assert!(msgs.is_empty());
    assert_eq!(stats.decode.tunnels, sipscope::decode::MAX_TUNNEL_DEPTH as u64);
}

fn big_invite_packets(v6: bool) -> Vec<u8> {
    let body = "a=candidate:1 1 UDP 2122260223 192.0.2.1 50000 typ host\r\n".repeat(60);
    let msg = sip_request("INVITE", "synthetic-1@192.0.2.1", 1, &body);
    if v6 {
        ip_udp(addr("[2001:db8::1]:5060"), addr("[2001:db8::2]:5060"), &msg)
    } else {
        ip_udp(addr("192.0.2.1:5060"), addr("192.0.2.2:5060"), &msg)
    }
}

#[test]
fn ip_fragments_in_any_order_reassemble_once() {
    for v6 in [false, true] {
        let whole = big_invite_packets(v6);
        let frags = if v6 { ipv6_fragments(&whole, 1232) } else { ipv4_fragments(&whole, 1480) };
        assert!(frags.len() >= 3);
        let orders: Vec<Vec<usize>> = vec![
            (0..frags.len()).collect(),
            (0..frags.len()).rev().collect(),
            vec![1, 0, 2, 3].into_iter().filter(|&i| i < frags.len()).collect(),
        ];
        for order in orders {
            let mut frames: Vec<Vec<u8>> = order.iter().map(|&i| frags[i].clone()).collect();
            frames.extend(frags[frags.len() - 1..].iter().cloned()); // a stray duplicate afterwards
            let (msgs, stats) = run_frames(linktype::RAW, &frames);
            assert_eq!(msgs.len(), 1, "v6={v6} order={order:?} {stats:?}");
            assert_eq!(msgs[0].headers.body.len(), msgs[0].headers.content_length.unwrap() as usize);
            assert_eq!(stats.decode.defrag.reassembled, 1);
        }
    }
}

#[test]
fn fragments_that_never_complete_expire_and_are_counted() {
    let whole = big_invite_packets(false);
    let frags = ipv4_fragments(&whole, 1480);
    let mut engine = sipscope::engine::Engine::default();
    let t0 = sipscope::time::Timestamp::from_parts(1_700_000_000, 0);
    let pkt = sipscope::capture::RawPacket { ts: t0, linktype: linktype::RAW, data: &frags[0], orig_len: 0 };
    assert_eq!(engine.ingest(&pkt).count(), 0);
    assert!(engine.stats().bytes_held > 0);
    assert_eq!(engine.tick(t0.plus_millis(31_000)).count(), 0);
    let s = engine.stats();
    assert_eq!(s.decode.defrag.expired, 1);
    assert_eq!(s.bytes_held, 0);
}

#[test]
fn sctp_data_chunks_carry_sip() {
    let msg = invite();
    let mut sctp = vec![0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 1, 0, 0, 0, 0];
    let push_data = |sctp: &mut Vec<u8>, flags: u8, tsn: u32, data: &[u8]| {
        let len = 16 + data.len();
        sctp.extend_from_slice(&[0, flags]);
        sctp.extend_from_slice(&(len as u16).to_be_bytes());
        sctp.extend_from_slice(&tsn.to_be_bytes());
        sctp.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
        sctp.extend_from_slice(data);
        while sctp.len() % 4 != 0 {
            sctp.push(0);
        }
    };
    // One packet: an unfragmented message, then the same message split over two chunks.
    push_data(&mut sctp, 0x03, 1, &msg);
    push_data(&mut sctp, 0x02, 2, &msg[..100]);
    push_data(&mut sctp, 0x01, 3, &msg[100..]);
    let (msgs, stats) = run_frames(linktype::RAW, &[outer_v4(132, &sctp)]);
    assert_eq!(msgs.len(), 2, "{stats:?}");
    assert!(msgs
        .iter()
        .all(|m| m.transport == sipscope::sip::Transport::Sctp && m.raw.as_ref() == msg.as_slice()));
    assert_eq!(stats.decode.sctp.data_chunks, 3);
}

#[test]
fn unsupported_and_non_ip_frames_are_counted() {
    let (msgs, stats) = run_frames(147, &[v4_packet()]);
    assert!(msgs.is_empty());
    assert_eq!(stats.decode.unsupported_link, 1);
    let (_, stats) = run_frames(linktype::ETHERNET, &[ethernet(0x0806, &[], &[0; 28])]);
    assert_eq!(stats.decode.not_ip_transport, 1);
    assert_eq!(stats.decode.errors, 0);
}

#[test]
fn port_filter_narrows_what_is_read() {
    let cfg = sipscope::engine::EngineConfig {
        ports: Some(sipscope::engine::PortSet::parse("5070-5080").unwrap()),
        ..Default::default()
    };
    let inside = ip_udp(addr("192.0.2.1:5075"), addr("192.0.2.2:40000"), &invite());
    let outside = v4_packet();
    let (msgs, stats) = run_frames_with(cfg, linktype::RAW, &[inside, outside]);
    assert_eq!(msgs.len(), 1);
    assert_eq!(stats.filtered, 1);
}
