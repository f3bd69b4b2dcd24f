//! The Lambda transform (L1-L5, T9): invocations, their outcomes and the per-record results.

use super::Chunk;
use super::buffer::Buffer;
use super::faults::FaultSet;
use crate::engine::{SimDuration, SimTime};
use crate::outcome::ledger::{DurationHistogram, DurationSummary};
use crate::scenario::{LambdaService, LambdaTransform, MIB, TimeDist};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, LogNormal};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Largest response a function may return (L1): 6 MB, read as MiB (T2).
pub const MAX_RESPONSE_BYTES: u64 = 6 * MIB;

/// How one invocation attempt ended (L2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InvokeOutcome {
    /// Returned a result for every record.
    Ok,
    /// The function failed (`Errors`, `Outage`, or a lost acknowledgement).
    Error,
    /// Ran past its timeout.
    Timeout,
    /// Refused because the function's concurrency was used up (`Throttle`).
    Throttled,
    /// The response was over 6 MB.
    ResponseTooLarge,
}

/// Counts of the transform's work, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LambdaReport {
    /// Failed attempts by cause.
    pub failures: LambdaFailures,
    /// Records by result of successful invocations.
    pub records: LambdaRecords,
    /// Wait of each batch from its flush to its first attempt (L5).
    pub concurrency_wait_seconds: DurationSummary,
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

/// One flush of the Lambda buffer: one invocation, perhaps several attempts.
pub(super) struct Invocation {
    pub id: u64,
    pub chunks: Vec<Chunk>,
    pub bytes: u64,
    pub oldest: SimTime,
    pub flushed_at: SimTime,
    pub attempts: u32,
    pub attempt_start: SimTime,
    pub outcome: InvokeOutcome,
}

/// Draws durations.
pub(super) fn sample(dist: &TimeDist, rng: &mut ChaCha8Rng) -> SimDuration {
    match *dist {
        TimeDist::Fixed(d) => d,
        TimeDist::Uniform(a, b) => SimDuration(rng.random_range(a.0..=b.0)),
        TimeDist::LogNormal { median, p99 } => {
            let sigma = ((p99.0 as f64) / (median.0 as f64)).ln() / 2.326_348;
            match LogNormal::new((median.0 as f64).ln(), sigma.max(0.0)) {
                Ok(d) => SimDuration(d.sample(rng).min(u64::MAX as f64 / 4.0) as u64),
                Err(_) => median,
            }
        }
    }
}

pub(super) struct LambdaStage {
    pub buffer: Buffer,
    pub waiting: VecDeque<Invocation>,
    pub running: BTreeMap<u64, Invocation>,
    pub executing: u32,
    pub attempts_allowed: u32,
    pub service: LambdaService,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub results_rng: ChaCha8Rng,
    pub wait: DurationHistogram,
    pub report: LambdaReport,
    pub calls: super::CallCounts,
}

impl LambdaStage {
    pub fn new(
        t: &LambdaTransform,
        service: &LambdaService,
        faults: FaultSet,
        rng: ChaCha8Rng,
        results_rng: ChaCha8Rng,
    ) -> Self {
        let hint = (t.buffer_size_in_mbs * MIB as f64).round() as u64;
        LambdaStage {
            buffer: Buffer::new(
                hint,
                SimDuration::from_secs(u64::from(t.buffer_interval_in_seconds)),
            ),
            waiting: VecDeque::new(),
            running: BTreeMap::new(),
            executing: 0,
            attempts_allowed: t.number_of_retries + 1,
            service: service.clone(),
            faults,
            rng,
            results_rng,
            wait: DurationHistogram::default(),
            report: LambdaReport::default(),
            calls: super::CallCounts::default(),
        }
    }

    /// The concurrency in force at `now` (L5, lowered by `Throttle`).
    pub fn limit(&self, now: SimTime) -> u32 {
        if self.faults.is_empty() {
            self.service.concurrency
        } else {
            (f64::from(self.service.concurrency) * self.faults.throttle(now)).floor() as u32
        }
    }

    /// Splits a successful invocation's records into `Ok`, `Dropped` and `ProcessingFailed`
    /// runs by binomial draws (L4); `Ok` records take their transformed size.
    pub fn results(&mut self, chunks: Vec<Chunk>) -> (Vec<Chunk>, Vec<Chunk>, Vec<Chunk>) {
        let (pd, pf) = (self.service.dropped, self.service.processing_failed);
        let ratio = self.service.size_ratio;
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
