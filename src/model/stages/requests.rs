//! The request loop that the OpenSearch, HTTP endpoint and Splunk destinations share (E1-E3,
//! H2-H6, SP1-SP2): a flush becomes requests (one bulk request, E1; or cut by H2), the
//! requests are sent one at a time, head of line, across flushes; a failed attempt is retried
//! as the stage's [`RetryPolicy`] says (E2: from the first start; H5: pauses only), a `413`
//! discards the request (H4), and a request with no retry left is skipped to the stream's
//! bucket, the next one waiting until that object is written (E3, H6, T10, T11). What
//! differs between the destinations (how a flush becomes requests, the call and how it ends,
//! what a processed attempt does, the report) is a [`Protocol`].
//!
//! [`RetryPolicy`]: crate::model::retry::RetryPolicy

use super::Destination;
use super::s3::{Bucket, Kind, Object};
use crate::engine::{SimDuration, SimTime};
use crate::model::RunOutput;
use crate::model::chunk::Chunk;
use crate::model::delivery::{Batch, DeliveryCalls, Lane, LaneState, Queued, Service};
use crate::model::faults::CallFate;
use crate::model::pipeline::{Call, Ctx, Handoff, Handoffs, Notice, Resume};
use crate::model::trace::Outcome;
use crate::scenario::MIB;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Most records in one request (H2).
pub(crate) const MAX_REQUEST_RECORDS: u64 = 10_000;
/// Largest body of one request before compression (H2).
pub(crate) const MAX_BODY_BYTES: u64 = 64 * MIB;

/// H2 (assumption): a request's body is its records in base64 plus JSON framing.
pub(crate) fn body_bytes(bytes: u64, records: u64) -> u64 {
    (bytes * 4).div_ceil(3) + 64 * records + 100
}

/// One request: a batch of its own (H2), with what its earlier attempts left behind.
pub(crate) struct Request {
    /// Its records.
    pub batch: Batch,
    /// An earlier attempt was processed by the endpoint (`AckLost`, H7).
    pub processed: bool,
    /// Earlier attempts whose events were indexed though their acknowledgement timed out
    /// (SP2): each left a copy.
    pub indexed: u32,
}

impl Queued for Request {
    fn batch(&mut self) -> &mut Batch {
        &mut self.batch
    }
}

/// What a request destination states besides the shared loop.
pub(crate) trait Protocol {
    /// The requests a flush makes, in order (default: H2's cut).
    fn requests(&mut self, ctx: &mut Ctx, batch: Batch) -> Vec<Batch> {
        cut(ctx, batch)
    }

    /// How an attempt of `req` that starts now with the faults' `fate` ends, and how long it
    /// takes. `rng` is the destination's own stream.
    fn attempt(
        &mut self,
        req: &Request,
        fate: CallFate,
        rng: &mut ChaCha8Rng,
    ) -> (Outcome, SimDuration);

    /// The attempt of `req` that ends now ended `outcome`: what it did to the records (a
    /// delivery, a copy, records split off) and its own metrics; the hand-offs it makes go
    /// first when the request is done. Called after the trace hook and before the shared loop
    /// counts (with the records the request still holds), retries, discards or skips.
    fn ended(&mut self, ctx: &mut Ctx, req: &mut Request, outcome: Outcome) -> Handoffs;

    /// `req` is skipped with its `undelivered` records (H6, SP2).
    fn skipped(&mut self, _req: &Request, _undelivered: u64) {}

    /// True when a skip writes every record of the request to S3, the ones an attempt whose
    /// response was lost delivered too (H6: Firehose saw no success); false when only the
    /// undelivered ones go (E3's undelivered documents).
    fn skips_all(&self) -> bool {
        true
    }

    /// Writes the calls and the report section into the run's output.
    fn finish(self, calls: DeliveryCalls, skips: SkipStats, out: &mut RunOutput);
}

/// How hard the skipped requests were tried (the report's "attempts per skipped request" and
/// "retry budget used").
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SkipStats {
    /// Requests given up and written to S3.
    pub skipped_requests: u64,
    /// The most attempts a skipped request made.
    pub max_attempts_per_skipped_request: u64,
    /// The longest sum of retry pauses of a skipped request, in seconds (the budget used).
    pub max_retry_pauses_seconds: f64,
    /// The longest time from a skipped request's first attempt to its skip, in seconds.
    pub max_seconds_to_skip: f64,
    /// Requests refused with `413` (H4).
    pub requests_too_large: u64,
}

/// A destination that sends requests one at a time (H2-H6).
pub(crate) struct RequestStage<P> {
    lane: Lane<Request>,
    service: Service,
    skips: SkipStats,
    protocol: P,
}

impl<P: Protocol> RequestStage<P> {
    /// A stage calling `service` as `protocol` says.
    pub(crate) fn new(service: Service, protocol: P) -> Self {
        RequestStage {
            lane: Lane::new(),
            service,
            skips: SkipStats::default(),
            protocol,
        }
    }

    /// Starts an attempt of the head request, after expiring its records that have outlived
    /// the retention window (T12).
    fn start(&mut self, ctx: &mut Ctx) {
        if self.lane.state != LaneState::Idle {
            return;
        }
        let Some(req) = self.lane.head(ctx, |_| {}) else {
            return;
        };
        let now = ctx.now;
        let fate = self.service.fate(now);
        self.service.begin(now, &mut req.batch.tries);
        let (outcome, took) = self.protocol.attempt(req, fate, &mut self.service.rng);
        Service::schedule_end(ctx, &mut req.batch.tries, outcome, took, Call::Destination);
    }
}

/// H2: cuts `batch` in order, greedily, into requests of at most 10,000 records and a body
/// of at most 64 MiB; the first keeps the flush's id.
pub(crate) fn cut(ctx: &mut Ctx, batch: Batch) -> Vec<Batch> {
    let now = ctx.now;
    let records = batch.records();
    if records <= MAX_REQUEST_RECORDS && body_bytes(batch.bytes, records) <= MAX_BODY_BYTES {
        return vec![batch];
    }
    let mut chunks = batch.chunks;
    let mut out = Vec::with_capacity((records / MAX_REQUEST_RECORDS) as usize + 2);
    let mut id = Some(batch.id);
    let mut request = |chunks: Vec<Chunk>, bytes: u64, ctx: &mut Ctx| {
        let id = id.take().unwrap_or_else(|| ctx.batch_id());
        out.push(Batch::new(id, chunks, bytes, now));
    };
    // The current request is chunks[start..i] plus `recs` records and `bytes` bytes.
    let (mut start, mut i, mut recs, mut bytes) = (0usize, 0usize, 0u64, 0u64);
    while i < chunks.len() {
        let c = chunks[i];
        let n = u64::from(c.count);
        if recs + n <= MAX_REQUEST_RECORDS
            && body_bytes(bytes + c.bytes, recs + n) <= MAX_BODY_BYTES
        {
            (recs, bytes, i) = (recs + n, bytes + c.bytes, i + 1);
            continue;
        }
        // The bytes of the first k records, as `Chunk::split_front` shares them.
        let front = |k: u64| (u128::from(c.bytes) * u128::from(k) / u128::from(n)) as u64;
        let fits = |k: u64| {
            recs + k <= MAX_REQUEST_RECORDS
                && body_bytes(bytes + front(k), recs + k) <= MAX_BODY_BYTES
        };
        // The most records of `c` that fit (fits is monotone in k, and fits(n) is false).
        let (mut lo, mut hi) = (0u64, n);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) { lo = mid } else { hi = mid }
        }
        let mut full = chunks[start..i].to_vec();
        if lo == 0 && recs == 0 {
            // A record larger than a whole body (not possible within PutRecordBatch's
            // 1 MiB) still goes, alone.
            lo = 1;
        }
        if lo == n {
            full.push(c);
            (bytes, i) = (bytes + c.bytes, i + 1);
        } else if lo > 0 {
            let part = chunks[i].split_front(lo as u32);
            bytes += part.bytes;
            full.push(part);
        }
        request(full, bytes, ctx);
        (start, recs, bytes) = (i, 0, 0);
    }
    if start < chunks.len() {
        chunks.drain(..start);
        request(chunks, bytes, ctx);
    }
    out
}

impl<P: Protocol> Destination for RequestStage<P> {
    fn accept(&mut self, ctx: &mut Ctx, batch: Batch) -> Handoffs {
        for b in self.protocol.requests(ctx, batch) {
            self.lane.queue.push_back(Request {
                batch: b,
                processed: false,
                indexed: 0,
            });
        }
        self.start(ctx);
        Vec::new()
    }

    /// A request's attempt ends: done, discarded (413, H4), retried while the policy allows
    /// (H5), or skipped to S3 (H6).
    fn attempt_end(&mut self, ctx: &mut Ctx) -> Handoffs {
        let now = ctx.now;
        let Some(req) = self.lane.queue.front_mut() else {
            self.lane.state = LaneState::Idle;
            return Vec::new();
        };
        let outcome = req.batch.tries.outcome;
        self.service.trace_end(
            ctx,
            req.batch.id,
            &req.batch.chunks,
            &req.batch.tries,
            req.batch.records(),
        );
        let mut hs = self.protocol.ended(ctx, req, outcome);
        self.service
            .count_end(ctx, &req.batch.tries, req.batch.records());
        match outcome {
            Outcome::Ok => {}
            Outcome::RequestTooLarge => {
                // H4: permanent; no retry, no S3 copy. The next request starts now.
                self.skips.requests_too_large += 1;
                for c in &mut req.batch.chunks {
                    ctx.ledger.discarded(c, now);
                }
            }
            _ => {
                if self
                    .service
                    .retry(ctx, &mut req.batch.tries, Call::Destination)
                {
                    return Vec::new();
                }
                return self.skip(ctx);
            }
        }
        self.lane.queue.pop_front();
        self.lane.state = LaneState::Idle;
        hs.push(Handoff::Resume(Resume::Destination));
        hs
    }

    fn retry(&mut self, ctx: &mut Ctx) -> Handoffs {
        self.lane.state = LaneState::Idle;
        self.start(ctx);
        Vec::new()
    }

    /// A skipped request's records reached S3 (or all expired first): the next request
    /// starts (T10, T12).
    fn notice(&mut self, ctx: &mut Ctx, _n: Notice) -> Handoffs {
        if self.lane.state == LaneState::Waiting {
            self.lane.state = LaneState::Idle;
            self.start(ctx);
        }
        Vec::new()
    }

    fn resume(&mut self, ctx: &mut Ctx) -> Handoffs {
        self.start(ctx);
        Vec::new()
    }

    fn oldest_pending(&self) -> Option<SimTime> {
        self.lane.queue.iter().map(|r| r.batch.oldest).min()
    }

    fn queued(&self) -> usize {
        self.lane.queue.len()
    }

    fn settle_at_end(&self, f: &mut dyn FnMut(&Chunk)) {
        for r in &self.lane.queue {
            r.batch.chunks.iter().for_each(&mut *f);
        }
    }

    fn finish(self: Box<Self>, out: &mut RunOutput) {
        let stage = *self;
        stage.protocol.finish(stage.service.calls, stage.skips, out);
    }
}

impl<P: Protocol> RequestStage<P> {
    /// H6: no retry left. The request's undelivered records go to S3 under the
    /// destination's error prefix, and the next request waits until they are written (T10).
    fn skip(&mut self, ctx: &mut Ctx) -> Handoffs {
        let now = ctx.now;
        self.service.calls.skipped_batches += 1;
        let Some(req) = self.lane.queue.pop_front() else {
            return Vec::new();
        };
        let t = &req.batch.tries;
        let s = &mut self.skips;
        s.skipped_requests += 1;
        s.max_attempts_per_skipped_request = s
            .max_attempts_per_skipped_request
            .max(u64::from(t.attempts));
        s.max_retry_pauses_seconds = s.max_retry_pauses_seconds.max(t.paused.as_secs_f64());
        s.max_seconds_to_skip = s
            .max_seconds_to_skip
            .max(now.since(t.first_start).as_secs_f64());
        let all = self.protocol.skips_all();
        let undelivered: Vec<Chunk> = req
            .batch
            .chunks
            .iter()
            .copied()
            .filter(|c| all || !c.is_settled())
            .collect();
        let n = undelivered
            .iter()
            .filter(|c| !c.is_settled())
            .map(|c| u64::from(c.count))
            .sum();
        self.protocol.skipped(&req, n);
        if undelivered.is_empty() {
            self.lane.state = LaneState::Idle;
            self.start(ctx);
            return Vec::new();
        }
        self.lane.state = LaneState::Waiting;
        let bytes = undelivered.iter().map(|c| c.bytes).sum();
        let batch = Batch::new(req.batch.id, undelivered, bytes, now);
        vec![Handoff::Object(
            Bucket::Main,
            Object::new(batch, Kind::Skipped),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// H2: the body model, `ceil(bytes * 4 / 3) + 64 * records + 100`.
    #[test]
    fn h2_body_is_base64_plus_framing() {
        assert_eq!(body_bytes(3, 1), 4 + 64 + 100);
        assert_eq!(body_bytes(1000, 10), 1334 + 640 + 100);
    }
}
