//! The access and mobile-network decoders (PPP, PPPoE session, enhanced GRE, GTP-U) on
//! arbitrary bytes: no panic, and an inner packet is always a slice of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::decode::encap::{gre_v1, gtpu, ppp, pppoe_session};
use sipscope_core::decode::link::Next;

fuzz_target!(|data: &[u8]| {
    let range = data.as_ptr_range();
    for next in [ppp(data), pppoe_session(data), gre_v1(data), gtpu(data)] {
        if let Next::Ip(inner) | Next::Ethernet(inner) = next {
            let r = inner.as_ptr_range();
            assert!(r.start >= range.start && r.end <= range.end, "inner packet outside the input");
        }
    }
});
