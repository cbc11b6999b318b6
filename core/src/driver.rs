//! The one driver: packets from a [`Source`] through the [`Engine`] to a [`Sink`].
//!
//! Every way sipscope runs (a report on a file, NDJSON from a live interface, the dashboard's
//! engine thread, the looping demo) is `drive(source, engine, sink)`: the source yields packets
//! (or, when nothing arrives, the capture time for timers), the engine turns them into messages,
//! calls and findings, and the sink writes them wherever it writes. New inputs (HEP listeners)
//! are new sources, new outputs (HEP out, metrics) new sinks; the loop stays this one.

use std::io;

use crate::correlate::{Added, Call};
use crate::diagnose::Finding;
use crate::engine::Engine;
use crate::packet::{Pull, RawPacket, Source, SourceError};
use crate::sip::SipMessage;

/// Where the engine's output goes. Every method has a default that ignores its item, so a sink
/// implements only what it writes.
pub trait Sink {
    /// A SIP message, in capture order, with what it was to its call (when correlating).
    fn message(&mut self, _msg: &SipMessage, _added: Option<Added>) -> io::Result<()> {
        Ok(())
    }
    /// A call that ended (or was evicted, or the input ended).
    fn call(&mut self, _call: &Call) -> io::Result<()> {
        Ok(())
    }
    /// A finding, when it was raised.
    fn finding(&mut self, _finding: &Finding) -> io::Result<()> {
        Ok(())
    }
    /// Every captured frame, marked when it carried SIP (what `-w` keeps).
    fn frame(&mut self, _pkt: &RawPacket<'_>, _carried_sip: bool) -> io::Result<()> {
        Ok(())
    }
    /// A notice from the source.
    fn notice(&mut self, _text: &str) -> io::Result<()> {
        Ok(())
    }
    /// After each step (a packet, an idle tick, the end), with the engine to read its state
    /// (batching sinks send live call summaries and counters from here).
    fn step(&mut self, _engine: &Engine) -> io::Result<()> {
        Ok(())
    }
    /// Whether the run should stop now (the dashboard closed).
    fn stop_requested(&self) -> bool {
        false
    }
}

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The source stopped early on this error (after everything before it was processed).
    pub error: Option<SourceError>,
    /// The sink asked to stop before the source was done.
    pub stopped: bool,
}

/// Feeds the engine from `source` until it ends, then finishes the engine (flushing TCP and
/// handing out every call); everything goes to `sink` in order. A sink's write error ends the
/// run at once and is returned.
pub fn drive(source: &mut dyn Source, engine: &mut Engine, sink: &mut dyn Sink) -> io::Result<Outcome> {
    let mut outcome = Outcome::default();
    loop {
        if sink.stop_requested() {
            outcome.stopped = true;
            break;
        }
        match source.pull() {
            Ok(Pull::Packet(pkt)) => {
                engine.ingest_each(&pkt, |m, a| sink.message(m, a))?;
                sink.frame(&pkt, engine.carried_sip())?;
            }
            Ok(Pull::Idle(now)) => {
                for m in engine.tick(now) {
                    sink.message(&m, None)?;
                }
            }
            Ok(Pull::Notice(text)) => sink.notice(&text)?,
            Ok(Pull::End) => break,
            Err(e) => {
                outcome.error = Some(e);
                break;
            }
        }
        hand_over(engine, sink)?;
        sink.step(engine)?;
    }
    engine.finish_each(|m, a| sink.message(m, a))?;
    hand_over(engine, sink)?;
    sink.step(engine)?;
    Ok(outcome)
}

/// Hands the findings raised and the calls ended so far to `sink` (findings first: a call is
/// written after the rules have looked at it for the last time).
fn hand_over(engine: &mut Engine, sink: &mut dyn Sink) -> io::Result<()> {
    if !engine.has_results() {
        return Ok(());
    }
    for f in engine.drain_findings() {
        sink.finding(&f)?;
    }
    let mut calls = engine.drain_finished_calls();
    crate::correlate::warm::start(calls.as_slice());
    while let Some(c) = calls.next() {
        // Handed out long after their last message: their memory is fetched a few calls ahead.
        crate::correlate::warm::ahead(calls.as_slice());
        sink.call(&c)?;
    }
    Ok(())
}

/// Several sinks fed the same items, in order (a report and `-w`, the dashboard and `-w`).
pub struct Fanout<'a>(pub Vec<&'a mut dyn Sink>);

impl Sink for Fanout<'_> {
    fn message(&mut self, msg: &SipMessage, added: Option<Added>) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.message(msg, added))
    }
    fn call(&mut self, call: &Call) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.call(call))
    }
    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.finding(finding))
    }
    fn frame(&mut self, pkt: &RawPacket<'_>, carried_sip: bool) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.frame(pkt, carried_sip))
    }
    fn notice(&mut self, text: &str) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.notice(text))
    }
    fn step(&mut self, engine: &Engine) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.step(engine))
    }
    fn stop_requested(&self) -> bool {
        self.0.iter().any(|s| s.stop_requested())
    }
}
