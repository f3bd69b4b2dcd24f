//! The Redshift destination (R1-R5, T10). It states:
//! - hints: the intermediate bucket's (B3); a flush is an intermediate object for S3 (R1);
//! - retry policy: `RetryPolicy::Cadence`, every 5 minutes from the first start, within the
//!   retry duration (R3, T10);
//! - call: one COPY at a time, loading every object queued when it starts (R2), taking
//!   `copy_time`;
//! - success: the records are `delivered`; a lost acknowledgement loads them too, so the retry
//!   makes `duplicates` (R5);
//! - give-up: the batch is `skipped` (its records stay in S3) and an `errors/` manifest is
//!   written; the next COPY waits for it (R4, T10);
//! - metrics `DeliveryToRedshift.*`, report section `redshift`, calls `redshift_copy`.

use super::Destination;
use super::s3::{Bucket, Kind, Object};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::chunk::Chunk;
use crate::model::delivery::{Batch, MetricSlots, Service};
use crate::model::pipeline::{Call, Ctx, Handoff, Handoffs, Notice};
use crate::model::retry::RetryPolicy;
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{CallTime, MIB, RedshiftDestination, Scenario, Target};
use serde::Serialize;
use std::collections::VecDeque;

/// The cadence of COPY retries (R3): 5 minutes from the start of the first attempt.
pub const COPY_RETRY_CADENCE: SimDuration = SimDuration::from_secs(300);

/// What the COPY queue is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyState {
    /// Nothing to do.
    Idle,
    /// A COPY attempt runs, or a retry is scheduled.
    Busy,
    /// A batch was skipped; the next COPY waits for its `errors/` manifest (T10).
    AwaitingManifest,
}

/// Counts for the report's `redshift` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RedshiftReport {
    /// COPY batches that were loaded.
    pub loaded_batches: u64,
    /// `errors/` manifests written (one per skipped batch).
    pub errors_manifests: u64,
    /// The most objects waiting for a COPY at once.
    pub max_backlog_objects: u64,
    /// The most MiB waiting for a COPY at once.
    pub max_backlog_mib: f64,
    /// The longest an object waited from its write to the start of its COPY.
    pub max_object_wait_seconds: f64,
}

/// `calls.redshift_copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedshiftCalls {
    /// Distinct COPY batches.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Failed tries (including lost acknowledgements).
    pub failed: u64,
    /// Batches skipped after the retry duration.
    pub skipped_batches: u64,
    /// Most attempts one batch took.
    pub max_attempts_per_batch: u64,
}

/// An intermediate object written to S3, waiting for a COPY (R1).
struct Written {
    batch: Batch,
    at: SimTime,
}

/// The COPY queue and the COPY in progress.
pub(crate) struct RedshiftStage {
    queue: VecDeque<Written>,
    queued_bytes: u64,
    current: Option<Batch>,
    state: CopyState,
    copy_time: CallTime,
    max_objects: Option<u32>,
    service: Service,
    report: RedshiftReport,
    max_wait: SimDuration,
}

impl RedshiftStage {
    /// The stage for destination `d` of `scenario`.
    pub(crate) fn new(d: &RedshiftDestination, scenario: &Scenario, streams: &RngStreams) -> Self {
        let retry = RetryPolicy::Cadence {
            every: COPY_RETRY_CADENCE,
            duration: SimDuration::from_secs(u64::from(d.retry_options.duration_in_seconds)),
        };
        RedshiftStage {
            queue: VecDeque::new(),
            queued_bytes: 0,
            current: None,
            state: CopyState::Idle,
            copy_time: scenario.services.redshift.copy_time,
            max_objects: scenario.services.redshift.max_objects_per_copy,
            service: Service::new(
                Stage::RedshiftCopy,
                FaultSet::for_target(&scenario.faults, Target::Redshift),
                streams.stream("redshift"),
                retry,
                MetricSlots {
                    attempts: Slot::RedshiftAttempts,
                    ok: Slot::RedshiftOk,
                    records: Some((Slot::RedshiftRecords, false)),
                    duration_ms: None,
                },
            ),
            report: RedshiftReport::default(),
            max_wait: SimDuration::ZERO,
        }
    }

    /// Starts the next COPY, with every object queued now (R2, or up to
    /// `max_objects_per_copy`), if there is one and none runs.
    fn start_copy(&mut self, ctx: &mut Ctx) {
        if self.state != CopyState::Idle || self.queue.is_empty() {
            return;
        }
        let now = ctx.now;
        let n = self
            .max_objects
            .map_or(self.queue.len(), |m| (m as usize).min(self.queue.len()));
        let mut chunks = Vec::new();
        let mut bytes = 0;
        for object in self.queue.drain(..n) {
            self.max_wait = self.max_wait.max(now.since(object.at));
            bytes += object.batch.bytes;
            chunks.extend(object.batch.chunks);
        }
        self.queued_bytes -= bytes;
        self.report.max_object_wait_seconds = self.max_wait.as_secs_f64();
        self.current = Some(Batch::new(ctx.batch_id(), chunks, bytes, now));
        self.state = CopyState::Busy;
        self.attempt(ctx);
    }

    /// An attempt of the current COPY starts (R2, T8). Written objects never expire (T12).
    fn attempt(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let fate = self.service.fate(now);
        let Some(b) = &mut self.current else {
            return;
        };
        self.service.begin(now, &mut b.tries);
        let d = self.copy_time.for_bytes(b.bytes);
        let (outcome, took) = Service::timed(fate, d, None);
        Service::schedule_end(ctx, &mut b.tries, outcome, took, Call::Destination);
    }
}

impl Destination for RedshiftStage {
    fn accept(&mut self, _ctx: &mut Ctx, batch: Batch) -> Handoffs {
        vec![Handoff::Object(
            Bucket::Main,
            Object::new(batch, Kind::Intermediate),
        )]
    }

    /// A COPY attempt ends: loaded, retried on the 5-minute cadence (R3), or skipped (R4).
    fn attempt_end(&mut self, ctx: &mut Ctx) -> Handoffs {
        let now = ctx.now;
        let Some(b) = &mut self.current else {
            return Vec::new();
        };
        let records = b.records();
        self.service
            .trace_end(ctx, b.id, &b.chunks, &b.tries, records);
        let outcome = b.tries.outcome;
        if outcome.reached_target() {
            // Loaded into Redshift (R5: a lost acknowledgement still loaded the records).
            let mut first = 0;
            for c in &mut b.chunks {
                first += ctx.ledger.delivered(c, now);
            }
            ctx.metric(Slot::Delivered, first as f64);
        }
        self.service.count_end(ctx, &b.tries, records);
        if outcome == Outcome::Ok {
            self.report.loaded_batches += 1;
            self.current = None;
            self.state = CopyState::Idle;
            self.start_copy(ctx);
            return Vec::new();
        }
        if self.service.retry(ctx, &mut b.tries, Call::Destination) {
            return Vec::new();
        }
        // R4: the retry duration is spent. The records stay in the intermediate bucket and
        // are skipped now; the next COPY waits for the errors/ manifest (T10).
        let Some(mut b) = self.current.take() else {
            return Vec::new();
        };
        for c in &mut b.chunks {
            ctx.ledger.skipped(c, now);
        }
        self.service.calls.skipped_batches += 1;
        self.state = CopyState::AwaitingManifest;
        let manifest = Batch::new(b.id, Vec::new(), 0, now);
        vec![Handoff::Object(
            Bucket::Main,
            Object::new(manifest, Kind::ErrorsManifest),
        )]
    }

    fn retry(&mut self, ctx: &mut Ctx) -> Handoffs {
        self.attempt(ctx);
        Vec::new()
    }

    /// An intermediate object was written: it joins the COPY queue (R1); the `errors/`
    /// manifest was written: the next COPY may start (T10).
    fn notice(&mut self, ctx: &mut Ctx, n: Notice) -> Handoffs {
        if !n.written {
            return Vec::new();
        }
        match n.object.kind {
            Kind::Intermediate => {
                self.queued_bytes += n.object.batch.bytes;
                self.queue.push_back(Written {
                    batch: n.object.batch,
                    at: ctx.now,
                });
                let r = &mut self.report;
                r.max_backlog_objects = r.max_backlog_objects.max(self.queue.len() as u64);
                r.max_backlog_mib = r.max_backlog_mib.max(self.queued_bytes as f64 / MIB as f64);
                self.start_copy(ctx);
            }
            Kind::ErrorsManifest => {
                self.report.errors_manifests += 1;
                self.state = CopyState::Idle;
                self.start_copy(ctx);
            }
            _ => {}
        }
        Vec::new()
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    fn oldest_pending(&self) -> Option<SimTime> {
        let first = |chunks: &[Chunk]| {
            chunks
                .iter()
                .filter(|c| c.is_unsettled())
                .map(|c| c.ingest)
                .min()
        };
        self.queue
            .iter()
            .map(|o| &o.batch)
            .chain(&self.current)
            .filter_map(|b| first(&b.chunks))
            .min()
    }

    fn settle_at_end(&self, f: &mut dyn FnMut(&Chunk)) {
        for b in self.queue.iter().map(|o| &o.batch).chain(&self.current) {
            b.chunks.iter().for_each(&mut *f);
        }
    }

    fn finish(self: Box<Self>, out: &mut RunOutput) {
        let c = self.service.calls;
        out.calls.redshift_copy = RedshiftCalls {
            batches: c.batches,
            attempts: c.attempts,
            failed: c.failed,
            skipped_batches: c.skipped_batches,
            max_attempts_per_batch: c.max_attempts_per_batch,
        };
        out.redshift = Some(self.report);
    }
}
