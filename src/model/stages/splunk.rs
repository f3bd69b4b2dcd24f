//! The Splunk destination, over HEC with indexer acknowledgements (SP1-SP3). It states:
//! - hints: 1-5 MiB and 0-60 s, defaults 5 MiB and 60 s (SP1);
//! - requests: cut and sent as for an HTTP endpoint ([`super::requests`], H2);
//! - call: the acknowledgement time over the sent size, failing at the acknowledgement
//!   timeout, which restarts on every attempt (SP2); `Outage` and `Errors` fail at the
//!   acknowledgement time or the timeout, whichever is first; `AckLost` means the events were
//!   indexed and no acknowledgement came, so the attempt times out;
//! - retry policy: H5's pauses and counting (only the pauses count);
//! - success: an acknowledged attempt delivers; a timed-out attempt "may have been indexed":
//!   with probability `indexed_on_ack_timeout`, drawn once per attempt from the
//!   destination's stream, it left a copy, so a later success adds `duplicates` (SP2);
//! - give-up: no retry left skips to `splunk-failed/` (the copies already indexed stay:
//!   `splunk.indexed_then_skipped`);
//! - metrics `DeliveryToSplunk.*` (SP3), calls `splunk`, report `splunk`.

use super::http_endpoint::pause_budget;
use super::requests::{Protocol, Request, RequestStage, SkipStats, body_bytes};
use crate::engine::{RngStreams, SimDuration};
use crate::model::delivery::{DeliveryCalls, MetricSlots, Service};
use crate::model::faults::CallFate;
use crate::model::pipeline::{Ctx, Handoffs};
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{CallTime, Scenario, SplunkDestination, SplunkService, Target};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The report's `splunk` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SplunkReport {
    /// Copies of skipped events that were indexed by attempts whose acknowledgement timed
    /// out (SP2): the events are both in Splunk and under `splunk-failed/`.
    pub indexed_then_skipped: u64,
    /// Attempts whose acknowledgement did not arrive within the timeout.
    pub ack_timeouts: u64,
    /// Of those, the attempts whose events were indexed all the same (SP2).
    pub indexed_on_timeout: u64,
    /// Requests given up and written under `splunk-failed/`.
    pub skipped_requests: u64,
    /// The most attempts a skipped request made (H5).
    pub max_attempts_per_skipped_request: u64,
    /// The longest sum of pauses of a skipped request, in seconds: the retry budget used.
    pub max_retry_pauses_seconds: f64,
    /// The longest time from a skipped request's first attempt to its skip, in seconds.
    pub max_seconds_to_skip: f64,
}

/// What the Splunk stage states.
pub(crate) struct Splunk {
    ack_time: CallTime,
    ack_timeout: SimDuration,
    indexed_on_timeout: f64,
    report: SplunkReport,
}

/// The stage for destination `d` of `scenario`.
pub(crate) fn stage(
    d: &SplunkDestination,
    scenario: &Scenario,
    streams: &RngStreams,
) -> RequestStage<Splunk> {
    let s: &SplunkService = &scenario.services.splunk;
    let service = Service::new(
        Stage::Splunk,
        FaultSet::for_target(&scenario.faults, Target::Splunk),
        streams.stream("splunk"),
        pause_budget(d.retry_options.duration_in_seconds, s.jitter),
        MetricSlots {
            attempts: Slot::SplunkAttempts,
            ok: Slot::SplunkOk,
            records: Some((Slot::SplunkRecords, false)),
            duration_ms: None,
        },
    );
    RequestStage::new(
        service,
        Splunk {
            ack_time: s.ack_time,
            ack_timeout: SimDuration::from_secs(u64::from(d.hec_acknowledgment_timeout_in_seconds)),
            indexed_on_timeout: s.indexed_on_ack_timeout,
            report: SplunkReport::default(),
        },
    )
}

impl Protocol for Splunk {
    /// SP2: acknowledged within the timeout, or failed at the timeout (indexed or not).
    fn attempt(
        &mut self,
        req: &Request,
        fate: CallFate,
        rng: &mut ChaCha8Rng,
    ) -> (Outcome, SimDuration) {
        let sent = body_bytes(req.batch.bytes, req.batch.records());
        let ack = self.ack_time.for_bytes(sent).mul_f64(fate.slow);
        let timeout = self.ack_timeout;
        if fate.failed {
            (Outcome::Failed, ack.min(timeout))
        } else if fate.ack_lost {
            (Outcome::TimeoutIndexed, timeout)
        } else if ack > timeout {
            let indexed = rng.random::<f64>() < self.indexed_on_timeout;
            let o = if indexed {
                Outcome::TimeoutIndexed
            } else {
                Outcome::Timeout
            };
            (o, timeout)
        } else {
            (Outcome::Ok, ack)
        }
    }

    /// SP2: an acknowledged attempt delivers (each earlier indexed attempt left a duplicate);
    /// an indexed timed-out one leaves a copy.
    fn ended(&mut self, ctx: &mut Ctx, req: &mut Request, outcome: Outcome) -> Handoffs {
        let now = ctx.now;
        match outcome {
            Outcome::Ok => {
                let took = now.since(req.batch.tries.attempt_start).as_secs_f64();
                ctx.metric(Slot::SplunkAckSeconds, took);
                ctx.metric(Slot::SplunkAcks, 1.0);
                let mut firsts = 0;
                for c in &mut req.batch.chunks {
                    if c.is_settled() {
                        continue;
                    }
                    firsts += ctx.ledger.delivered(c, now);
                    for _ in 0..req.indexed {
                        ctx.ledger.delivered(c, now);
                    }
                }
                ctx.metric(Slot::Delivered, firsts as f64);
            }
            Outcome::TimeoutIndexed => {
                self.report.ack_timeouts += 1;
                self.report.indexed_on_timeout += 1;
                req.indexed += 1;
            }
            Outcome::Timeout => self.report.ack_timeouts += 1,
            _ => {}
        }
        Vec::new()
    }

    fn skipped(&mut self, req: &Request, undelivered: u64) {
        self.report.indexed_then_skipped += undelivered * u64::from(req.indexed);
    }

    fn finish(self, calls: DeliveryCalls, skips: SkipStats, out: &mut RunOutput) {
        out.calls.splunk = calls.into();
        out.splunk = Some(SplunkReport {
            skipped_requests: skips.skipped_requests,
            max_attempts_per_skipped_request: skips.max_attempts_per_skipped_request,
            max_retry_pauses_seconds: skips.max_retry_pauses_seconds,
            max_seconds_to_skip: skips.max_seconds_to_skip,
            ..self.report
        });
    }
}
