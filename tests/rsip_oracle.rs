//! rsip as an oracle: for every SIP message in the bundled captures (and some hand-written
//! ones), where rsip accepts the message and a field, our scanner must agree on it.

mod common;

use common::run_file;
use rsip::prelude::*;
use sipscope::sip::StartLine;

#[test]
fn scanner_agrees_with_rsip_wherever_rsip_accepts_the_message() {
    let mut compared = 0;
    let mut fields = 0;
    for path in common::captures() {
        let run = run_file(&path).unwrap();
        for m in &run.messages {
            let Ok(theirs) = rsip::SipMessage::try_from(m.raw.as_ref()) else { continue };
            compared += 1;
            let file = path.file_name().unwrap().to_string_lossy();
            match (&theirs, m.headers.start) {
                (rsip::SipMessage::Request(r), StartLine::Request { method_span, .. }) => {
                    assert_eq!(r.method.to_string().as_bytes(), m.slice(method_span), "{file}");
                }
                (rsip::SipMessage::Response(r), StartLine::Response { code, .. }) => {
                    assert_eq!(u16::from(r.status_code.clone()), code, "{file}");
                }
                _ => panic!("{file}: request/response disagreement"),
            }
            if let Ok(cid) = theirs.call_id_header() {
                assert_eq!(cid.value().as_bytes(), m.call_id(), "{file}: Call-ID");
                fields += 1;
            }
            if let Ok(cseq) = theirs.cseq_header() {
                if let (Ok(seq), Ok(method)) = (cseq.seq(), cseq.method()) {
                    assert_eq!(seq, m.headers.cseq, "{file}: CSeq number");
                    assert_eq!(
                        method.to_string().as_bytes(),
                        m.slice(m.headers.cseq_method_span),
                        "{file}: CSeq method"
                    );
                    fields += 1;
                }
            }
            if let Ok(Ok(via)) = theirs.via_header().map(|v| v.typed()) {
                if let Some(b) = via.branch() {
                    assert_eq!(b.to_string().as_bytes(), m.via_branch(), "{file}: branch");
                    fields += 1;
                }
            }
            if let Ok(Ok(Some(tag))) = theirs.from_header().map(|f| f.tag()) {
                assert_eq!(tag.to_string().as_bytes(), m.slice(m.from_addr().tag), "{file}: From tag");
                fields += 1;
            }
            if let Ok(Ok(Some(tag))) = theirs.to_header().map(|t| t.tag()) {
                assert_eq!(tag.to_string().as_bytes(), m.to_tag(), "{file}: To tag");
                fields += 1;
            }
        }
    }
    assert!(compared > 150, "rsip accepted only {compared} messages");
    assert!(fields > 500, "only {fields} fields compared");
}
