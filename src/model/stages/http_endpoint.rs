//! The HTTP endpoint destination, custom or a partner's (H1-H8). It states:
//! - hints: 1-64 MiB and 0-900 s, a partner's recommended size as the default (H1);
//! - requests: the shared request loop ([`super::requests`]) cuts flushes into requests of at
//!   most 10,000 records and a 64 MiB body (H2) and sends them one at a time;
//! - call: the response time over the sent size (Gzip applied), failing at the 180 s
//!   response timeout (H3, T8); a sent body over `max_request_bytes` gets `413` (H4);
//! - retry policy: `RetryPolicy::Backoff` doubling from 1 s up to 120 s with jitter, the
//!   duration counting only the pauses (H5);
//! - success: only a `200` succeeds; an `AckLost` attempt was processed all the same, so its
//!   records are delivered, and a later attempt delivers them again unless the endpoint
//!   de-duplicates request ids (H3, H7);
//! - give-up: `413` discards (H4); no retry left skips to `http-endpoint-failed/` (H6);
//! - metrics `DeliveryToHttpEndpoint.*` (H8), calls `http_endpoint`, report `http_endpoint`.

use super::requests::{Protocol, Request, RequestStage, SkipStats, body_bytes};
use crate::engine::{RngStreams, SimDuration};
use crate::model::delivery::{DeliveryCalls, MetricSlots, Service};
use crate::model::faults::CallFate;
use crate::model::pipeline::{Ctx, Handoffs};
use crate::model::retry::{Budget, RetryPolicy};
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{
    CallTime, ContentEncoding, HttpEndpointDestination, HttpEndpointService, Scenario, Target,
};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Firehose waits this long for an endpoint's response (H3).
pub(crate) const RESPONSE_TIMEOUT: SimDuration = SimDuration::from_secs(180);

/// `calls.http_endpoint` and `calls.splunk`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequestCalls {
    /// Distinct requests.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Failed tries (timeouts, lost responses and `413`s included).
    pub failed: u64,
    /// Requests skipped to S3 after the retry duration.
    pub skipped_batches: u64,
    /// The most attempts one request made.
    pub max_attempts_per_batch: u64,
}

impl From<DeliveryCalls> for RequestCalls {
    fn from(c: DeliveryCalls) -> Self {
        RequestCalls {
            batches: c.batches,
            attempts: c.attempts,
            failed: c.failed,
            skipped_batches: c.skipped_batches,
            max_attempts_per_batch: c.max_attempts_per_batch,
        }
    }
}

/// The report's `http_endpoint` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpEndpointReport {
    /// Requests refused with `413` (H4): not retried, not backed up.
    pub requests_too_large: u64,
    /// Records those carried that end `discarded` (H4): a record a resent copy delivered
    /// later is `delivered` (F1), so this is `records.discarded`.
    pub records_discarded: u64,
    /// Attempts that ran past the 180 s response timeout (H3).
    pub timeouts: u64,
    /// Attempts whose response was lost after the endpoint processed them (H3).
    pub responses_lost: u64,
    /// Requests given up and written under `http-endpoint-failed/` (H6).
    pub skipped_requests: u64,
    /// The most attempts a skipped request made (H5).
    pub max_attempts_per_skipped_request: u64,
    /// The longest sum of pauses of a skipped request, in seconds: the retry budget used (H5).
    pub max_retry_pauses_seconds: f64,
    /// The longest time from a skipped request's first attempt to its skip, in seconds.
    pub max_seconds_to_skip: f64,
}

/// What the HTTP endpoint stage states.
pub(crate) struct HttpEndpoint {
    response_time: CallTime,
    max_request_bytes: u64,
    gzip_ratio: Option<f64>,
    deduplicates: bool,
    timeouts: u64,
    responses_lost: u64,
}

/// The stage for destination `d` of `scenario`.
pub(crate) fn stage(
    d: &HttpEndpointDestination,
    scenario: &Scenario,
    streams: &RngStreams,
) -> RequestStage<HttpEndpoint> {
    let s: &HttpEndpointService = &scenario.services.http_endpoint;
    let service = Service::new(
        Stage::HttpEndpoint,
        FaultSet::for_target(&scenario.faults, Target::HttpEndpoint),
        streams.stream("http_endpoint"),
        pause_budget(d.retry_options.duration_in_seconds, s.jitter),
        MetricSlots {
            attempts: Slot::HttpAttempts,
            ok: Slot::HttpOk,
            records: Some((Slot::HttpRecords, false)),
            duration_ms: None,
        },
    );
    RequestStage::new(
        service,
        HttpEndpoint {
            response_time: s.response_time,
            max_request_bytes: s.max_request_bytes,
            gzip_ratio: (d.content_encoding == ContentEncoding::Gzip).then_some(s.gzip_ratio),
            deduplicates: s.deduplicates,
            timeouts: 0,
            responses_lost: 0,
        },
    )
}

/// H5 (and SP1): pauses doubling from 1 s up to 120 s with `jitter`, the duration counting
/// only the pauses.
pub(crate) fn pause_budget(duration_in_seconds: u32, jitter: f64) -> RetryPolicy {
    RetryPolicy::Backoff {
        initial: SimDuration::from_secs(1),
        multiplier: 2,
        max: SimDuration::from_secs(120),
        jitter,
        duration: SimDuration::from_secs(u64::from(duration_in_seconds)),
        budget: Budget::PausesOnly,
    }
}

impl HttpEndpoint {
    /// H2: the size sent for a request, after Gzip.
    fn sent_bytes(&self, req: &Request) -> u64 {
        let body = body_bytes(req.batch.bytes, req.batch.records());
        match self.gzip_ratio {
            Some(r) => (body as f64 * r).ceil() as u64,
            None => body,
        }
    }
}

impl Protocol for HttpEndpoint {
    /// H3, H4: the response time of the sent size, failing at the 180 s timeout; a 5xx under
    /// `Outage` or `Errors`; otherwise a body over the limit gets `413` at the response's end.
    fn attempt(
        &mut self,
        req: &Request,
        fate: CallFate,
        _rng: &mut ChaCha8Rng,
    ) -> (Outcome, SimDuration) {
        let sent = self.sent_bytes(req);
        let (outcome, took) = Service::timed(
            fate,
            self.response_time.for_bytes(sent),
            Some(RESPONSE_TIMEOUT),
        );
        match outcome {
            Outcome::Ok | Outcome::AckLost if sent > self.max_request_bytes => {
                (Outcome::RequestTooLarge, took)
            }
            o => (o, took),
        }
    }

    /// H3, H7: a processed attempt (`200` or a lost response) delivers the request's records;
    /// a repeat delivers them again unless the endpoint de-duplicates the request id.
    fn ended(&mut self, ctx: &mut Ctx, req: &mut Request, outcome: Outcome) -> Handoffs {
        let now = ctx.now;
        let records = req.batch.records();
        ctx.metric(Slot::HttpProcessedRecords, records as f64);
        match outcome {
            Outcome::Timeout => self.timeouts += 1,
            Outcome::AckLost => self.responses_lost += 1,
            _ => {}
        }
        if !outcome.reached_target() {
            return Vec::new();
        }
        if outcome == Outcome::Ok {
            ctx.metric(Slot::HttpBytes, req.batch.bytes as f64);
        }
        let ignored = self.deduplicates && req.processed;
        let mut firsts = 0;
        for c in &mut req.batch.chunks {
            if !c.is_settled() {
                firsts += ctx.ledger.delivered(c, now);
            } else if !ignored {
                ctx.ledger.delivered(c, now);
            }
        }
        req.processed = true;
        ctx.metric(Slot::Delivered, firsts as f64);
        Vec::new()
    }

    fn finish(self, calls: DeliveryCalls, skips: SkipStats, out: &mut RunOutput) {
        out.calls.http_endpoint = calls.into();
        out.http_endpoint = Some(HttpEndpointReport {
            requests_too_large: skips.requests_too_large,
            // The ledger's final count: a discarded record that a resent copy (F3) delivered
            // later is `delivered`, and only an HTTP endpoint discards (H4).
            records_discarded: out.records.discarded,
            timeouts: self.timeouts,
            responses_lost: self.responses_lost,
            skipped_requests: skips.skipped_requests,
            max_attempts_per_skipped_request: skips.max_attempts_per_skipped_request,
            max_retry_pauses_seconds: skips.max_retry_pauses_seconds,
            max_seconds_to_skip: skips.max_seconds_to_skip,
        });
    }
}
