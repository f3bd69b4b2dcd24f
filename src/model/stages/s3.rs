//! S3: the writers of the stream's bucket and of the backup bucket (one FIFO queue each, one
//! PUT at a time, head-of-line retries on a fixed pause until retention runs out: S1, S2, T11,
//! T12), and the S3 destination, whose flushes are simply objects for the stream's bucket.

use super::Destination;
use crate::engine::RngStreams;
use crate::engine::SimTime;
use crate::model::chunk::Chunk;
use crate::model::delivery::{Batch, Expiry, Lane, LaneState, MetricSlots, Queued, Service};
use crate::model::pipeline::{Call, Ctx, Handoff, Handoffs, Notice, Resume};
use crate::model::retry::RetryPolicy;
use crate::model::trace::{Outcome, Stage};
use crate::model::{FaultSet, RunOutput};
use crate::outcome::metrics::Slot;
use crate::scenario::{CallTime, Scenario, Target};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::Serialize;

/// Which bucket a writer writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// The stream's bucket: destination objects, intermediate objects and error prefixes
    /// (T11).
    Main,
    /// The source record backup bucket (L6).
    Backup,
}

/// What an object holds, which decides its records' fate when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Destination objects: `delivered`.
    Destination,
    /// The `processing-failed` prefix: `processing_failed` (L3, L4).
    ProcessingFailed,
    /// Backup copies (L6): counted in `backup_copies`, never a fate.
    Backup,
    /// Redshift's intermediate objects: written, they go to the destination (R1).
    Intermediate,
    /// Redshift's `errors/` manifest of a skipped batch: no records, never expires; the
    /// destination waits for it (R4, T10, T11).
    ErrorsManifest,
    /// A given-up batch's records under an error prefix: `skipped` when written; the
    /// destination waits for it (E3, T10).
    Skipped,
    /// Records failed one by one under an error prefix: `skipped` when written; nothing
    /// waits for it (E3).
    SkippedNoWait,
}

impl Kind {
    /// True when the destination hears of the object's write (or of its records all
    /// expiring first).
    fn notifies(self) -> bool {
        matches!(
            self,
            Kind::Intermediate | Kind::ErrorsManifest | Kind::Skipped
        )
    }
}

/// An object on its way to S3.
pub(crate) struct Object {
    /// Its records.
    pub batch: Batch,
    /// What it holds.
    pub kind: Kind,
    /// Its size over its records' bytes (format conversion, P3; else 1).
    pub ratio: f64,
    /// Objects it stands for: with `interval_in_seconds: 0` behind a busy writer, the calls
    /// of a call train are one object each, ids `batch.id..batch.id + run`, each made when
    /// its call was sent; it is split when it reaches the head (see [`Writer::enqueue_run`]).
    pub run: u32,
}

impl Object {
    /// An object of `kind` for the records of `batch`.
    pub(crate) fn new(batch: Batch, kind: Kind) -> Self {
        Object {
            batch,
            kind,
            ratio: 1.0,
            run: 1,
        }
    }

    /// The bytes written.
    fn size(&self) -> u64 {
        if self.ratio == 1.0 {
            self.batch.bytes
        } else {
            (self.batch.bytes as f64 * self.ratio).ceil() as u64
        }
    }
}

impl Queued for Object {
    fn batch(&mut self) -> &mut Batch {
        &mut self.batch
    }

    fn split_run(&mut self) -> Option<Self> {
        if self.run <= 1 {
            return None;
        }
        let rest = self.batch.split_first_call()?;
        let run = self.run - 1;
        self.run = 1;
        Some(Object {
            batch: rest,
            kind: self.kind,
            ratio: self.ratio,
            run,
        })
    }

    fn expiry(&self) -> Expiry {
        match self.kind {
            Kind::ErrorsManifest => Expiry::Never,
            Kind::Backup => Expiry::Copies,
            _ => Expiry::Records,
        }
    }
}

/// The writer of one bucket.
pub(crate) struct Writer {
    bucket: Bucket,
    lane: Lane<Object>,
    put_time: CallTime,
    /// The attempt loop's view of the bucket.
    pub service: Service,
    /// Objects written (whether or not the acknowledgement arrived).
    pub objects: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl Writer {
    /// Entries waiting in its queue, the head included (a run of objects is one).
    pub(crate) fn queued(&self) -> usize {
        self.lane.queue.len()
    }

    /// True while an object is in its queue: a new one waits behind it, with no step of its
    /// own until it reaches the head.
    pub(crate) fn busy(&self) -> bool {
        !self.lane.queue.is_empty()
    }

    /// Queues `calls` objects at once, one per call of call train `chunk` (records
    /// `per_call` a call), with the batch ids from `first_id` on: what `calls` flushes of a
    /// buffer with `interval_in_seconds: 0` queue behind a busy writer (T2, T11). They stay
    /// one entry until they reach the head.
    pub(crate) fn enqueue_run(&mut self, chunk: Chunk, calls: u32, first_id: u64) {
        debug_assert!(self.busy());
        // A run not yet split (never the head in progress) that these calls continue grows.
        if let Some(back) = self.lane.queue.back_mut()
            && back.run > 1
            && back.batch.extend_run(back.run, chunk, first_id)
        {
            back.run += calls;
            return;
        }
        let batch = Batch::new(first_id, vec![chunk], chunk.bytes, chunk.ingest);
        self.lane.queue.push_back(Object {
            run: calls,
            ..Object::new(batch, Kind::Destination)
        });
    }

    /// The writer of `bucket`, with the scenario's S3 service and faults.
    pub(crate) fn new(scenario: &Scenario, bucket: Bucket, rng: ChaCha8Rng) -> Self {
        let (target, stage, metrics) = match bucket {
            Bucket::Main => (
                Target::S3,
                Stage::S3,
                MetricSlots {
                    attempts: Slot::S3Attempts,
                    ok: Slot::S3Ok,
                    records: Some((Slot::S3Records, true)),
                    duration_ms: None,
                },
            ),
            Bucket::Backup => (
                Target::BackupS3,
                Stage::BackupS3,
                MetricSlots {
                    attempts: Slot::BackupAttempts,
                    ok: Slot::BackupOk,
                    records: Some((Slot::BackupRecords, true)),
                    duration_ms: None,
                },
            ),
        };
        Writer {
            bucket,
            lane: Lane::new(),
            put_time: scenario.services.s3.put_time,
            service: Service::new(
                stage,
                FaultSet::for_target(&scenario.faults, target),
                rng,
                RetryPolicy::Interval(scenario.services.s3.retry_interval),
                metrics,
            ),
            objects: 0,
            bytes: 0,
        }
    }

    /// Queues an object (T11); an idle writer starts it at once.
    pub(crate) fn enqueue(&mut self, ctx: &mut Ctx, object: Object) -> Handoffs {
        self.lane.queue.push_back(object);
        if self.lane.state == LaneState::Idle {
            self.start(ctx)
        } else {
            Vec::new()
        }
    }

    /// Starts an attempt of the head object, after expiring its records that have outlived
    /// the retention window (T12); an object left empty is not written, and a destination
    /// waiting for it hears so once the next attempt has started.
    pub(crate) fn start(&mut self, ctx: &mut Ctx) -> Handoffs {
        let mut dropped = Vec::new();
        let mut released = Vec::new();
        let head = self.lane.head(ctx, |o| {
            if let Some(p) = o.batch.partition {
                released.push(Handoff::Released(p));
            }
            if o.kind == Kind::Skipped {
                dropped.push(o);
            }
        });
        if let Some(object) = head {
            let now = ctx.now;
            self.service.begin(now, &mut object.batch.tries);
            let fate = self.service.fate(now);
            let d = self.put_time.for_bytes(object.size());
            let (outcome, took) = Service::timed(fate, d, None);
            let call = Call::Writer(self.bucket);
            Service::schedule_end(ctx, &mut object.batch.tries, outcome, took, call);
        }
        // A skipped batch's object dropped empty lets its destination go on (T12); one
        // notice is enough, since a destination waits for one object at a time. A partition's
        // object dropped empty is done with too (P2).
        released.extend(dropped.into_iter().take(1).map(|object| {
            Handoff::Notice(Notice {
                object,
                written: false,
            })
        }));
        released
    }

    /// The attempt in progress ends (T8): written (its records take their fate), or retried
    /// after the pause (S1, T4).
    pub(crate) fn attempt_end(&mut self, ctx: &mut Ctx) -> Handoffs {
        let now = ctx.now;
        let Some(object) = self.lane.queue.front_mut() else {
            self.lane.state = LaneState::Idle;
            return Vec::new();
        };
        let records = object.batch.records();
        let tries = object.batch.tries;
        self.service
            .trace_end(ctx, object.batch.id, &object.batch.chunks, &tries, records);
        self.service.count_end(ctx, &tries, records);
        if tries.outcome.reached_target() {
            let ledger = &mut ctx.ledger;
            match object.kind {
                Kind::Destination => {
                    let mut first = 0;
                    for c in &mut object.batch.chunks {
                        first += ledger.delivered(c, now);
                    }
                    ctx.metric(Slot::Delivered, first as f64);
                }
                Kind::ProcessingFailed => {
                    for c in &mut object.batch.chunks {
                        ledger.processing_failed(c, now);
                    }
                }
                Kind::Backup => {
                    if tries.outcome == Outcome::Ok {
                        ledger.counts.backup_copies += records;
                    }
                }
                Kind::Skipped | Kind::SkippedNoWait => {
                    for c in &mut object.batch.chunks {
                        ledger.skipped(c, now);
                    }
                }
                // In S3, settled for back pressure (K5); the destination takes them on
                // below, once the write is acknowledged.
                Kind::Intermediate => {
                    for c in &mut object.batch.chunks {
                        ledger.in_s3(c);
                    }
                }
                Kind::ErrorsManifest => {}
            }
            // Written, whether or not the acknowledgement arrives.
            self.objects += 1;
            self.bytes += object.size();
        }
        if tries.outcome == Outcome::Ok {
            let mut hs = Vec::with_capacity(2);
            if let Some(object) = self.lane.queue.pop_front() {
                if let Some(p) = object.batch.partition {
                    hs.push(Handoff::Released(p));
                }
                if object.kind.notifies() {
                    hs.push(Handoff::Notice(Notice {
                        object,
                        written: true,
                    }));
                }
            }
            hs.push(Handoff::Resume(Resume::Writer(self.bucket)));
            return hs;
        }
        // S3 never gives up: the retention window ends the retries (S1, T12).
        self.service
            .retry(ctx, &mut object.batch.tries, Call::Writer(self.bucket));
        Vec::new()
    }

    /// The ingest time of the oldest record waiting to be written (manifests carry none).
    pub(crate) fn oldest_pending(&self) -> Option<SimTime> {
        self.lane
            .queue
            .iter()
            .filter(|o| o.kind != Kind::ErrorsManifest && !o.batch.chunks.is_empty())
            .map(|o| o.batch.oldest)
            .min()
    }

    /// Hands the records still queued at the end to `f`.
    pub(crate) fn settle_at_end(&self, f: &mut impl FnMut(&Chunk)) {
        for o in &self.lane.queue {
            o.batch.chunks.iter().for_each(&mut *f);
        }
    }
}

/// The S3 destination: each flush of the destination buffer (of a partition's, P1) is one
/// object in the stream's bucket; its records are `delivered` when it is written (S1-S3).
/// With format conversion (P3), records that fail conversion go first, as an object under
/// `format-conversion-failed/` (`processing_failed`, blocking the queue while it fails, S2),
/// and the converted object is `size_ratio` of its records' bytes.
pub(crate) struct S3Destination {
    conversion: Option<Conversion>,
}

struct Conversion {
    failure_rate: f64,
    size_ratio: f64,
    rng: ChaCha8Rng,
    report: ConversionReport,
}

/// The report's `format_conversion` section (P3).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConversionReport {
    /// Records converted (`SucceedConversion.Records`).
    pub records_converted: u64,
    /// Records that failed conversion, written under `format-conversion-failed/`
    /// (`FailedConversion.Records`).
    pub records_failed: u64,
}

impl S3Destination {
    /// The S3 destination of `scenario` (which must have one).
    pub(crate) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        let conversion = match &scenario.destination {
            crate::scenario::Destination::S3(d) => d.format_conversion,
            _ => None,
        };
        S3Destination {
            conversion: conversion.map(|f| Conversion {
                failure_rate: f.failure_rate,
                size_ratio: scenario.services.format_conversion.size_ratio,
                rng: streams.stream("s3/conversion"),
                report: ConversionReport::default(),
            }),
        }
    }
}

impl Destination for S3Destination {
    fn accept(&mut self, ctx: &mut Ctx, mut batch: Batch) -> Handoffs {
        let Some(conv) = &mut self.conversion else {
            return vec![Handoff::Object(
                Bucket::Main,
                Object::new(batch, Kind::Destination),
            )];
        };
        let failed = split_by_rate(conv.failure_rate, &mut conv.rng, &mut batch.chunks);
        let n_failed: u64 = failed.iter().map(|c| u64::from(c.count)).sum();
        let n_ok = batch.records();
        conv.report.records_failed += n_failed;
        conv.report.records_converted += n_ok;
        ctx.metric(Slot::ConversionFailed, n_failed as f64);
        ctx.metric(Slot::ConversionOk, n_ok as f64);
        let mut hs = Vec::with_capacity(2);
        if !failed.is_empty() {
            let bytes = failed.iter().map(|c| c.bytes).sum();
            let mut errors = Batch::new(batch.id, failed, bytes, ctx.now);
            errors.partition = batch.partition;
            hs.push(Handoff::Object(
                Bucket::Main,
                Object::new(errors, Kind::ProcessingFailed),
            ));
        }
        if !batch.chunks.is_empty() {
            batch.bytes = batch.chunks.iter().map(|c| c.bytes).sum();
            batch.oldest = batch
                .chunks
                .iter()
                .map(|c| c.ingest)
                .min()
                .unwrap_or(ctx.now);
            hs.push(Handoff::Object(
                Bucket::Main,
                Object {
                    ratio: conv.size_ratio,
                    ..Object::new(batch, Kind::Destination)
                },
            ));
        }
        hs
    }

    fn finish(self: Box<Self>, out: &mut RunOutput) {
        out.format_conversion = self.conversion.map(|c| c.report);
    }
}

/// Splits the records that fail with probability `p` (binomial draws per chunk) off
/// `chunks`, returning them (E3's rejected documents, P3's failed conversions).
pub(crate) fn split_by_rate(p: f64, rng: &mut ChaCha8Rng, chunks: &mut Vec<Chunk>) -> Vec<Chunk> {
    if p <= 0.0 {
        return Vec::new();
    }
    let mut failed = Vec::new();
    let mut kept = Vec::with_capacity(chunks.len());
    for mut c in chunks.drain(..) {
        let n = u64::from(c.count);
        let k = if p >= 1.0 {
            n
        } else {
            Binomial::new(n, p).map_or(0, |b| b.sample(rng))
        };
        if k == n {
            failed.push(c);
            continue;
        }
        if k > 0 {
            failed.push(c.split_front(k as u32));
        }
        kept.push(c);
    }
    *chunks = kept;
    failed
}
