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
            let raw = &data[..len];
            let (from, contact) = (headers.from_addr(raw), headers.contact_addr(raw));
            // The dialog keys, read lazily or indexed once, agree with the full parsers.
            let mut indexed = headers;
            indexed.index_dialog_keys(raw);
            let (to_tag, via_branch) = (headers.to_tag(raw), headers.via_branch(raw));
            assert_eq!((indexed.to_tag(raw), indexed.via_branch(raw)), (to_tag, via_branch));
            assert_eq!(to_tag.get(data), headers.to_addr(raw).tag.get(data));
            let top = headers.top_via(raw);
            if !top.transport.is_empty() && !top.sent_by.get(data).contains(&b';') {
                assert_eq!(via_branch.get(data), top.branch.get(data));
            }
            for span in [
                headers.call_id,
                from.uri,
                from.tag,
                from.display,
                contact.uri,
                to_tag,
                via_branch,
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
