//! The Lambda transform (L1-L5, T9). It states:
//! - hints: the Lambda buffer's (L1), whose flushes are invocations;
//! - slots: at most `concurrency` invocations at once, each keeping its slot through its
//!   attempts and pauses; the rest wait in order (L5, T9);
//! - retry policy: `RetryPolicy::Immediate`, `number_of_retries` retries after a delay (L2);
//! - call: the function's drawn duration, its timeout, throttling, the 6 MB response (L1, L2);
//! - success: per-record results `Ok` (on to the destination buffer as one unit, T9),
//!   `Dropped`, `ProcessingFailed` (L4);
//! - give-up: every record to S3 under `processing-failed` (L3);
//! - metrics `ExecuteProcessing.*`, `SucceedProcessing.Records`; report section `transform`.

use super::buffer::BufferId;
use super::s3::{Bucket, Kind, Object};
use crate::engine::{SimDuration, SimTime};
use crate::model::CallCounts;
use crate::model::chunk::Chunk;
use crate::model::delivery::{Batch, MetricSlots, Service};
use crate::model::faults::FaultSet;
use crate::model::pipeline::{Call, Ctx, Handoff, Handoffs, Resume};
use crate::model::retry::RetryPolicy;
use crate::model::trace::{Outcome, Stage};
use crate::outcome::ledger::{DurationHistogram, DurationSummary};
use crate::outcome::metrics::Slot;
use crate::scenario::{LambdaService, LambdaTransform, MIB, TimeDist};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, LogNormal};
use serde::Serialize;
use std::collections::VecDeque;

/// Largest response a function may return (L1): 6 MB, read as MiB (T2).
pub const MAX_RESPONSE_BYTES: u64 = 6 * MIB;

/// Counts of the transform's work, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LambdaReport {
    /// Failed attempts by cause.
    pub failures: LambdaFailures,
    /// Records by result of successful invocations.
    pub records: LambdaRecords,
    /// Wait of each batch from its flush to its first attempt (L5).
    pub concurrency_wait_seconds: DurationSummary,
    /// Attempts that ran (not throttled): the invocations Lambda bills (C1).
    pub billed_invocations: u64,
    /// Their durations, each rounded up to 1 ms, in ms (C1).
    pub billed_ms: u64,
}

/// Failed attempts by cause (L2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LambdaFailures {
    /// Function errors.
    pub error: u64,
    /// Timeouts.
    pub timeout: u64,
    /// Throttled.
    pub throttled: u64,
    /// Responses over 6 MB.
    pub response_too_large: u64,
}

/// Records by the result a successful invocation gave them (L4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LambdaRecords {
    /// `Ok`: on to the destination.
    pub ok: u64,
    /// `Dropped`.
    pub dropped: u64,
    /// `ProcessingFailed` (per record, not retried).
    pub processing_failed: u64,
}

/// A distribution of durations, with the parameters of its law worked out once.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Durations {
    /// Always this long.
    Fixed(SimDuration),
    /// Uniform between the two bounds.
    Uniform(SimDuration, SimDuration),
    /// Log-normal from the median and 99th percentile (z = 2.326348).
    LogNormal(LogNormal<f64>),
}

impl Durations {
    /// The law of `dist`. A log-normal whose parameters make no law is its median, always.
    pub(crate) fn new(dist: &TimeDist) -> Self {
        match *dist {
            TimeDist::Fixed(d) => Durations::Fixed(d),
            TimeDist::Uniform(a, b) => Durations::Uniform(a, b),
            TimeDist::LogNormal { median, p99 } => {
                let sigma = ((p99.0 as f64) / (median.0 as f64)).ln() / 2.326_348;
                match LogNormal::new((median.0 as f64).ln(), sigma.max(0.0)) {
                    Ok(d) => Durations::LogNormal(d),
                    Err(_) => Durations::Fixed(median),
                }
            }
        }
    }

    /// Draws a duration.
    pub(crate) fn sample(&self, rng: &mut ChaCha8Rng) -> SimDuration {
        match *self {
            Durations::Fixed(d) => d,
            Durations::Uniform(a, b) => SimDuration(rng.random_range(a.0..=b.0)),
            Durations::LogNormal(d) => SimDuration(d.sample(rng).min(u64::MAX as f64 / 4.0) as u64),
        }
    }
}

/// The Lambda buffer's flushes: waiting for a slot, or holding one through their attempts.
pub(crate) struct LambdaStage {
    /// The Lambda buffer's (size hint in bytes, interval) (L1).
    pub buffer_hints: (u64, SimDuration),
    /// Flushes waiting for a slot, each with the one-call flushes it stands for (1 but for a
    /// call train's run, see [`LambdaStage::enqueue_run`]).
    waiting: VecDeque<(Batch, u32)>,
    /// Invocations holding a slot, in the order of their ids (at most `concurrency`).
    running: Vec<Batch>,
    durations: Durations,
    executing: u32,
    lambda: LambdaService,
    service: Service,
    results_rng: ChaCha8Rng,
    wait: DurationHistogram,
    report: LambdaReport,
}

impl LambdaStage {
    /// The stage for transform `t`.
    pub(crate) fn new(
        t: &LambdaTransform,
        lambda: &LambdaService,
        faults: FaultSet,
        rng: ChaCha8Rng,
        results_rng: ChaCha8Rng,
    ) -> Self {
        let hint = (t.buffer_size_in_mbs * MIB as f64).round() as u64;
        let retry = RetryPolicy::Immediate {
            retries: t.number_of_retries,
            delay: lambda.retry_delay,
        };
        LambdaStage {
            buffer_hints: (
                hint,
                SimDuration::from_secs(u64::from(t.buffer_interval_in_seconds)),
            ),
            waiting: VecDeque::new(),
            running: Vec::new(),
            durations: Durations::new(&lambda.duration),
            executing: 0,
            lambda: lambda.clone(),
            service: Service::new(
                Stage::Lambda,
                faults,
                rng,
                retry,
                MetricSlots {
                    attempts: Slot::ProcessingAttempts,
                    ok: Slot::ProcessingOk,
                    records: None,
                    duration_ms: Some((Slot::ProcessingMsSum, Slot::ProcessingCount)),
                },
            ),
            results_rng,
            wait: DurationHistogram::default(),
            report: LambdaReport::default(),
        }
    }

    /// The concurrency in force at `now` (L5, lowered by `Throttle`).
    fn limit(&self, now: SimTime) -> u32 {
        if self.service.faults.is_empty() {
            self.lambda.concurrency
        } else {
            (f64::from(self.lambda.concurrency) * self.service.faults.throttle(now)).floor() as u32
        }
    }

    /// A flush of the Lambda buffer: one invocation, waiting in order for a slot (L5).
    pub(crate) fn invoke(&mut self, ctx: &mut Ctx, batch: Batch) -> Handoffs {
        self.waiting.push_back((batch, 1));
        self.start_waiting(ctx)
    }

    /// True when every concurrency slot is taken: a new invocation only waits (L5).
    pub(crate) fn saturated(&self) -> bool {
        self.running.len() >= self.lambda.concurrency as usize
    }

    /// Queues `calls` invocations at once, one per call of call train `chunk`, with the batch
    /// ids from `first_id` on: what `calls` flushes of a Lambda buffer with
    /// `buffer_interval_in_seconds: 0` do while every slot is taken (T2, L5). They stay one
    /// entry until a slot takes the first.
    pub(crate) fn enqueue_run(&mut self, chunk: Chunk, calls: u32, first_id: u64) {
        debug_assert!(self.saturated());
        // A waiting run that these calls continue grows.
        if let Some((back, run)) = self.waiting.back_mut()
            && back.extend_run(*run, chunk, first_id)
        {
            *run += calls;
            return;
        }
        let batch = Batch::new(first_id, vec![chunk], chunk.bytes, chunk.ingest);
        self.waiting.push_back((batch, calls));
    }

    /// Invocations start while slots are free (L5, T9).
    pub(crate) fn start_waiting(&mut self, ctx: &mut Ctx) -> Handoffs {
        while self.running.len() < self.lambda.concurrency as usize {
            let Some((mut inv, run)) = self.waiting.pop_front() else {
                break;
            };
            if run > 1
                && let Some(rest) = inv.split_first_call()
            {
                self.waiting.push_front((rest, run - 1));
            }
            let id = inv.id;
            let at = self.running.partition_point(|r| r.id < id);
            self.running.insert(at, inv);
            self.attempt(ctx, id);
        }
        Vec::new()
    }

    /// A retry of invocation `id` is due; if its records all expired, its slot goes to the
    /// next one.
    pub(crate) fn retry(&mut self, ctx: &mut Ctx, id: u64) -> Handoffs {
        if self.attempt(ctx, id) {
            Vec::new()
        } else {
            self.start_waiting(ctx)
        }
    }

    /// Starts an attempt of invocation `id` (L2, T8, T12). Returns false when its records all
    /// expired, so that it no longer holds a slot.
    fn attempt(&mut self, ctx: &mut Ctx, id: u64) -> bool {
        let now = ctx.now;
        let limit = self.limit(now);
        let Some(at) = self.slot(id) else {
            return false;
        };
        let inv = &mut self.running[at];
        if inv.expire(ctx, false) {
            self.running.remove(at);
            return false;
        }
        if inv.tries.attempts == 0 {
            self.wait.record(now.since(inv.created), 1);
        }
        self.service.begin(now, &mut inv.tries);
        let (outcome, took) = if self.executing >= limit {
            (Outcome::Throttled, SimDuration::ZERO)
        } else {
            let d = self.durations.sample(&mut self.service.rng);
            let fate = self.service.fate(now);
            let response = (inv.bytes as f64 * self.lambda.size_ratio) as u64;
            match Service::timed(fate, d, Some(self.lambda.timeout)) {
                // A function gives no acknowledgement apart from its result: a lost one is an
                // error.
                (Outcome::AckLost, d) => (Outcome::Failed, d),
                (Outcome::Ok, d) if response > MAX_RESPONSE_BYTES => (Outcome::ResponseTooLarge, d),
                other => other,
            }
        };
        if outcome != Outcome::Throttled {
            self.executing += 1;
            // Lambda bills each invocation that ran, its duration rounded up to 1 ms (C1).
            self.report.billed_invocations += 1;
            self.report.billed_ms += took.0.div_ceil(1000);
        }
        Service::schedule_end(ctx, &mut inv.tries, outcome, took, Call::Lambda(id));
        true
    }

    /// An invocation attempt ends: its output enters the destination buffer as one unit
    /// (T9), or it is retried, or its records go to `processing-failed` (L3).
    pub(crate) fn attempt_end(&mut self, ctx: &mut Ctx, id: u64) -> Handoffs {
        let now = ctx.now;
        let Some(at) = self.slot(id) else {
            return Vec::new();
        };
        let inv = &mut self.running[at];
        let outcome = inv.tries.outcome;
        if outcome != Outcome::Throttled {
            self.executing = self.executing.saturating_sub(1);
        }
        let records = inv.records();
        self.service
            .trace_end(ctx, id, &inv.chunks, &inv.tries, records);
        self.service.count_end(ctx, &inv.tries, records);
        let failures = &mut self.report.failures;
        match outcome {
            Outcome::Ok | Outcome::AckLost => {}
            Outcome::Failed | Outcome::RequestTooLarge => failures.error += 1,
            Outcome::Timeout | Outcome::TimeoutIndexed => failures.timeout += 1,
            Outcome::Throttled => failures.throttled += 1,
            Outcome::ResponseTooLarge => failures.response_too_large += 1,
        }
        if outcome != Outcome::Ok && self.service.retry(ctx, &mut inv.tries, Call::Lambda(id)) {
            return Vec::new();
        }
        let inv = self.running.remove(at);
        let mut hs = Vec::with_capacity(3);
        if outcome == Outcome::Ok {
            let before = inv.bytes;
            let (ok, mut dropped, failed) = self.results(inv.chunks);
            if ctx.ledger.track_settled_bytes && self.lambda.size_ratio != 1.0 {
                // K5 counts what Firehose holds: from now on, the transformed bytes.
                let after: u64 = [&ok, &dropped, &failed]
                    .iter()
                    .flat_map(|v| v.iter())
                    .map(|c| c.bytes)
                    .sum();
                ctx.ledger.resized(before, after);
            }
            let ok_records: u64 = ok.iter().map(|c| u64::from(c.count)).sum();
            ctx.metric(Slot::SucceedProcessingRecords, ok_records as f64);
            for c in &mut dropped {
                ctx.ledger.dropped(c, now);
            }
            if !failed.is_empty() {
                let bytes = failed.iter().map(|c| c.bytes).sum();
                let batch = Batch::new(id, failed, bytes, now);
                hs.push(processing_failed(batch));
            }
            hs.push(Handoff::Buffer(BufferId::Destination, ok));
        } else {
            // L3: every record of the batch goes to the processing-failed prefix; the slot
            // is freed now, without waiting for that object (T10).
            let batch = Batch::new(id, inv.chunks, inv.bytes, now);
            hs.push(processing_failed(batch));
        }
        hs.push(Handoff::Resume(Resume::Lambda));
        hs
    }

    /// Where invocation `id` is in `running`.
    fn slot(&self, id: u64) -> Option<usize> {
        self.running.binary_search_by_key(&id, |r| r.id).ok()
    }

    /// The ingest time of the oldest record in an invocation.
    pub(crate) fn oldest_pending(&self) -> Option<SimTime> {
        self.waiting
            .iter()
            .map(|(inv, _)| inv)
            .chain(&self.running)
            .map(|inv| inv.oldest)
            .min()
    }

    /// Hands the records still in invocations at the end to `f`.
    pub(crate) fn settle_at_end(&self, f: &mut impl FnMut(&Chunk)) {
        for inv in self.waiting.iter().map(|(inv, _)| inv).chain(&self.running) {
            inv.chunks.iter().for_each(&mut *f);
        }
    }

    /// Batches waiting for a concurrency slot (L5).
    pub(crate) fn queued(&self) -> usize {
        self.waiting.len()
    }

    /// `calls.lambda` and the report's transform section.
    pub(crate) fn finish(mut self) -> (CallCounts, LambdaReport) {
        self.report.concurrency_wait_seconds = self.wait.summary();
        (self.service.calls.counts(), self.report)
    }

    /// Splits a successful invocation's records into `Ok`, `Dropped` and `ProcessingFailed`
    /// runs by binomial draws (L4); `Ok` records take their transformed size.
    fn results(&mut self, chunks: Vec<Chunk>) -> (Vec<Chunk>, Vec<Chunk>, Vec<Chunk>) {
        let (pd, pf) = (self.lambda.dropped, self.lambda.processing_failed);
        let ratio = self.lambda.size_ratio;
        let total = |v: &[Chunk]| v.iter().map(|c| u64::from(c.count)).sum::<u64>();
        if pd == 0.0 && pf == 0.0 {
            // Every record is Ok: the batch goes on as it is, in its own vector.
            let mut ok = chunks;
            if ratio != 1.0 {
                for c in &mut ok {
                    c.bytes = (c.bytes as f64 * ratio) as u64;
                }
            }
            self.report.records.ok += total(&ok);
            return (ok, Vec::new(), Vec::new());
        }
        let mut ok = Vec::with_capacity(chunks.len());
        let mut dropped = Vec::new();
        let mut failed = Vec::new();
        for mut c in chunks {
            let n = u64::from(c.count);
            let d = if pd > 0.0 {
                binomial(n, pd, &mut self.results_rng)
            } else {
                0
            };
            let rest_p = if pf > 0.0 && pd < 1.0 {
                (pf / (1.0 - pd)).min(1.0)
            } else {
                0.0
            };
            let f = if rest_p > 0.0 {
                binomial(n - d, rest_p, &mut self.results_rng)
            } else {
                0
            };
            // Contiguous runs: the first `d` records dropped, the next `f` failed, the rest Ok.
            if d > 0 {
                if d == n {
                    dropped.push(c);
                    continue;
                }
                dropped.push(c.split_front(d as u32));
            }
            if f > 0 {
                if f == u64::from(c.count) {
                    failed.push(c);
                    continue;
                }
                failed.push(c.split_front(f as u32));
            }
            c.bytes = (c.bytes as f64 * ratio) as u64;
            ok.push(c);
        }
        self.report.records.ok += total(&ok);
        self.report.records.dropped += total(&dropped);
        self.report.records.processing_failed += total(&failed);
        (ok, dropped, failed)
    }
}

fn binomial(n: u64, p: f64, rng: &mut ChaCha8Rng) -> u64 {
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map_or(0, |b| b.sample(rng))
}

/// An object for the `processing-failed` prefix of the stream's bucket (L3, L4, T11).
fn processing_failed(batch: Batch) -> Handoff {
    Handoff::Object(Bucket::Main, Object::new(batch, Kind::ProcessingFailed))
}
