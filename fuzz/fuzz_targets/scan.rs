//! The SIP scanner on arbitrary bytes, framed as a datagram and as a stream, plus the
//! start-line search used for resynchronisation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::sip::scan::{find_start_line, leading_crlf, scan, Framing, Scan};

fuzz_target!(|data: &[u8]| {
    for framing in [Framing::Datagram, Framing::Stream] {
        if let Scan::Complete { len, headers } = scan(data, framing) {
            assert!(len <= data.len());
            assert!(headers.body.end as usize <= len);
            let (from, contact) = (headers.from_addr(&data[..len]), headers.contact_addr(&data[..len]));
            // The eagerly indexed To tag and Via branch agree with the full parsers.
            assert_eq!(headers.to_tag.get(data), headers.to_addr(&data[..len]).tag.get(data));
            let top = headers.top_via(&data[..len]);
            if !top.transport.is_empty() && !top.sent_by.get(data).contains(&b';') {
                assert_eq!(headers.via_branch.get(data), top.branch.get(data));
            }
            for span in [
                headers.call_id,
                from.uri,
                from.tag,
                from.display,
                contact.uri,
                headers.to_tag,
                headers.via_branch,
                headers.to_addr(&data[..len]).tag,
                headers.top_via(&data[..len]).sent_by,
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
