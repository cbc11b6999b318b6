//! Warming calls about to be handed out.
//!
//! A call is handed out about half a minute after its last message (see
//! [`super::linger_ms`]), so its memory has left the CPU's caches by then. Handing it out reads
//! it in several loops over the calls a tick hands out (metrics, the media table, the end-of-call
//! rules, then the report and the free): a few hundred calls a second, more than the CPU's
//! cache keeps from one loop to the next. Each first read of a line waited for memory, one call
//! after another. Each loop now asks for the memory of the calls a few places ahead while it
//! works on the current one (prefetch hints), so the loads overlap with work. Hints change no
//! result, only when memory arrives.

use super::call::Call;
use super::transaction::Response;

/// Most bytes of one region prefetched (a region is one allocation: the call, its
/// transactions, its media, a response).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const MAX_REGION: usize = 1024;

/// How much of a kept message's bytes is fetched: its start line and first headers.
const RAW_HEAD: usize = 512;

/// For a loop over calls that handles them one at a time: starts loading the calls after the
/// current one, `rest` being those still to come. A call is warmed in four steps as the loop
/// comes nearer, each reading only pointers an earlier step has fetched: the call itself (six
/// ahead), what it points at (four ahead), what its transactions and media point at (two
/// ahead), the bytes of its kept responses (next).
#[inline]
pub(crate) fn ahead(rest: &[Box<Call>]) {
    if let Some(call) = rest.get(5) {
        fetch_call(call);
    }
    if let Some(call) = rest.get(3) {
        fetch_parts(call);
    }
    if let Some(call) = rest.get(1) {
        fetch_leaves(call);
    }
    if let Some(call) = rest.first() {
        fetch_response_bytes(call);
    }
}

/// Before a loop over `calls` with [`ahead`]: the steps `ahead` would have taken for the first.
pub(crate) fn start(calls: &[Box<Call>]) {
    calls.iter().take(6).for_each(|c| fetch_call(c));
    calls.iter().take(4).for_each(|c| fetch_parts(c));
    calls.iter().take(2).for_each(|c| fetch_leaves(c));
    calls.iter().take(1).for_each(|c| fetch_response_bytes(c));
}

/// The call's own bytes.
fn fetch_call(call: &Call) {
    #[cfg(test)]
    tests::saw(0, call);
    region(call as *const Call as *const u8, std::mem::size_of::<Call>());
}

/// What the call points at: its transactions and Call-ID.
fn fetch_parts(call: &Call) {
    #[cfg(test)]
    tests::saw(1, call);
    region(call.transactions.as_ptr() as *const u8, std::mem::size_of_val(&call.transactions[..]));
    region(call.call_id.as_ptr(), call.call_id.len());
    // The first message's header block (the report reads its From and To).
    region(call.first.raw.as_ptr(), call.first.raw.len().min(RAW_HEAD));
}

/// What its transactions and media point at: the responses kept, SDP records, endpoints.
fn fetch_leaves(call: &Call) {
    #[cfg(test)]
    tests::saw(2, call);
    for r in kept_responses(call) {
        region(&**r as *const _ as *const u8, std::mem::size_of_val(&**r));
    }
    let media = &call.media;
    region(media.sdp.as_ptr() as *const u8, std::mem::size_of_val(&media.sdp[..]));
    region(media.endpoints.as_ptr() as *const u8, std::mem::size_of_val(&media.endpoints[..]));
}

/// The header blocks of the call's kept responses (the response records themselves were
/// fetched a step earlier: their pointer to the bytes is read here).
fn fetch_response_bytes(call: &Call) {
    #[cfg(test)]
    tests::saw(3, call);
    for r in kept_responses(call) {
        region(r.msg.raw.as_ptr(), r.msg.raw.len().min(RAW_HEAD));
    }
}

/// The responses the call's transactions keep (first final, first 2xx).
fn kept_responses(call: &Call) -> impl Iterator<Item = &std::sync::Arc<Response>> {
    call.transactions.iter().flat_map(|t| [&t.first_final, &t.first_success].into_iter().flatten())
}

/// Hints the cache lines of `len` bytes from `start` (at most [`MAX_REGION`]).
#[inline(always)]
fn region(start: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let mut offset = 0;
        while offset < len.min(MAX_REGION) {
            // SAFETY: a prefetch is only a hint: it never faults, whatever the address, and
            // reads nothing the program sees. SSE is part of every x86-64 CPU.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset) as *const i8) };
            offset += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (start, len);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Call;
    use std::cell::RefCell;

    thread_local! {
        /// Which step fetched which call, in order (test builds only).
        static SEEN: RefCell<Vec<(u8, usize)>> = const { RefCell::new(Vec::new()) };
    }

    /// Records that step `step` (0: the call, 1: its parts, 2: its leaves, 3: response bytes)
    /// fetched `call`.
    pub(crate) fn saw(step: u8, call: &Call) {
        SEEN.with(|s| s.borrow_mut().push((step, call as *const Call as usize)));
    }

    /// What was recorded since the last call, emptied.
    pub(crate) fn take() -> Vec<(u8, usize)> {
        SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
    }
}
