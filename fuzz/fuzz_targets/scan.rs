//! The SIP scanner on arbitrary bytes, framed as a datagram and as a stream, plus the
//! start-line search used for resynchronisation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope::sip::scan::{find_start_line, leading_crlf, scan, Framing, Scan};

fuzz_target!(|data: &[u8]| {
    for framing in [Framing::Datagram, Framing::Stream] {
        if let Scan::Complete { len, headers } = scan(data, framing) {
            assert!(len <= data.len());
            assert!(headers.body.end as usize <= len);
            let (from, contact) = (headers.from_addr(&data[..len]), headers.contact_addr(&data[..len]));
            for span in [
                headers.call_id,
                from.uri,
                from.tag,
                from.display,
                contact.uri,
                headers.to.tag,
                headers.via.branch,
                headers.reason,
            ] {
                assert!(span.end as usize <= len && span.start <= span.end.max(span.start));
                let _ = span.get(data);
            }
        }
    }
    let _ = find_start_line(data, 0);
    let _ = leading_crlf(data);
});
