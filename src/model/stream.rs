//! The simulation of one Direct PUT delivery stream: the event loop that moves chunks from the
//! producers through the quotas, the buffers and the Lambda stage to the S3 writers and the
//! destination, and settles them in the ledger.

use super::buffer::{Buffer, BufferId};
use super::faults::{CallFate, FaultSet};
use super::ingest::Ingest;
use super::lambda::{Invocation, InvokeOutcome, LambdaStage, MAX_RESPONSE_BYTES, sample};
use super::opensearch::{BulkState, OpenSearchStage, Request};
use super::redshift::{CopyState, Object, RedshiftStage};
use super::s3::{Batch, BatchKind, Bucket, Writer};
use super::source::Producer;
use super::trace::{FlushReason, Outcome, TraceEvent};
use super::{BackupReport, CallCounts, Calls, Chunk, RunOptions, RunOutput};
use crate::engine::{EventQueue, RngStreams, SimDuration, SimTime};
use crate::outcome::ledger::Ledger;
use crate::outcome::metrics::{Components, Recorder, Slot};
use crate::scenario::{BackupMode, Destination, MIB, Scenario, Source, Target, Transform};

enum Event {
    /// Producer `p`'s next first-try call.
    Produce(usize),
    /// Producer `p` resends refused records.
    Resend {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        chunks: Vec<Chunk>,
    },
    /// A `PutRecordBatch` call that takes time ends.
    IngestDone {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: Vec<Chunk>,
        refused: Vec<Chunk>,
    },
    /// A buffer opened as generation `gen` reaches its interval.
    BufferDeadline(BufferId, u64),
    /// The attempt in progress of invocation `id` ends.
    LambdaAttemptEnd(u64),
    /// Invocation `id` is tried again.
    LambdaRetry(u64),
    /// The S3 attempt in progress of a writer ends.
    S3AttemptEnd(Bucket),
    /// The head batch of a writer is tried again.
    S3Retry(Bucket),
    /// The COPY attempt in progress ends.
    CopyEnd,
    /// The current COPY batch is tried again (R3).
    CopyRetry,
    /// The bulk request attempt in progress ends.
    BulkEnd,
    /// The head bulk request is tried again (E2).
    BulkRetry,
    /// Minute `n` ends: sample what is sampled (M1 `DataFreshness`).
    MinuteEnd(usize),
}

/// Adds to a metric when metrics are collected.
fn metric(m: &mut Option<Recorder>, now: SimTime, slot: Slot, v: f64) {
    if let Some(m) = m {
        m.add(now, slot, v);
    }
}

const NO_FAULT: CallFate = CallFate {
    failed: false,
    ack_lost: false,
    slow: 1.0,
};

struct Sim {
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    producers: Vec<Producer>,
    next_record: u64,
    ingest: Ingest,
    lambda: Option<LambdaStage>,
    redshift: Option<RedshiftStage>,
    opensearch: Option<OpenSearchStage>,
    buffer: Buffer,
    backup: Option<Buffer>,
    next_batch: u64,
    main: Writer,
    backup_writer: Writer,
    retention: SimDuration,
    ledger: Ledger,
    put_record_batch: CallCounts,
    trace: Option<Vec<TraceEvent>>,
    metrics: Option<Recorder>,
    events: u64,
    scratch_accepted: Vec<Chunk>,
    scratch_refused: Vec<Chunk>,
}

/// Runs `scenario` to its end.
pub fn simulate(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, String> {
    let mut scenario = scenario.clone();
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    let streams = RngStreams::new(scenario.seed);
    let hints = scenario.destination.buffering_hints();
    let producers = scenario
        .sources
        .iter()
        .map(|s| match s {
            Source::DirectPut(p) => Producer::new(p, &streams),
        })
        .collect();
    let lambda = scenario.transform.as_ref().map(|t| match t {
        Transform::Lambda(t) => LambdaStage::new(
            t,
            &scenario.services.lambda,
            FaultSet::for_target(&scenario.faults, Target::Lambda),
            streams.stream("lambda"),
            streams.stream("lambda/results"),
        ),
    });
    let (backup_mode, backup_hints) = scenario.destination.backup();
    let backup = (backup_mode == BackupMode::Enabled).then(|| {
        let h = backup_hints;
        Buffer::new(
            u64::from(h.size_in_mbs) * MIB,
            SimDuration::from_secs(u64::from(h.interval_in_seconds)),
        )
    });
    let redshift = match &scenario.destination {
        Destination::Redshift(r) => Some(RedshiftStage::new(
            SimDuration::from_secs(u64::from(r.retry_options.duration_in_seconds)),
            scenario.services.redshift.copy_time,
            scenario.services.redshift.max_objects_per_copy,
            FaultSet::for_target(&scenario.faults, Target::Redshift),
            streams.stream("redshift"),
        )),
        Destination::S3(_) | Destination::OpenSearch(_) => None,
    };
    let opensearch = match &scenario.destination {
        Destination::OpenSearch(d) => Some(OpenSearchStage::new(
            d,
            &scenario.services.opensearch,
            &scenario.start_time,
            FaultSet::for_target(&scenario.faults, Target::OpenSearch),
            streams.stream("opensearch"),
            streams.stream("opensearch/documents"),
        )),
        _ => None,
    };
    let ingest_time = scenario.services.ingest.put_time;
    let mut sim = Sim {
        now: SimTime::ZERO,
        end: SimTime(scenario.duration.0),
        queue: EventQueue::new(),
        producers,
        next_record: 0,
        ingest: Ingest {
            limits: scenario.stream.quota.limits(),
            window_end: 0,
            records_left: 0,
            requests_left: 0,
            bytes_left: 0,
            faults: FaultSet::for_target(&scenario.faults, Target::Ingest),
            rng: streams.stream("ingest"),
            put_time: ingest_time,
            instant: ingest_time.base == SimDuration::ZERO
                && ingest_time.per_mib == SimDuration::ZERO,
        },
        lambda,
        redshift,
        opensearch,
        buffer: Buffer::new(
            u64::from(hints.size_in_mbs) * MIB,
            SimDuration::from_secs(u64::from(hints.interval_in_seconds)),
        ),
        backup,
        next_batch: 1,
        main: Writer::new(&scenario, Target::S3, streams.stream("s3")),
        backup_writer: Writer::new(&scenario, Target::BackupS3, streams.stream("backup-s3")),
        retention: scenario.stream.retention,
        ledger: Ledger::default(),
        put_record_batch: CallCounts::default(),
        trace: opts.trace.then(Vec::new),
        metrics: opts.metrics.then(Recorder::default),
        events: 0,
        scratch_accepted: Vec::new(),
        scratch_refused: Vec::new(),
    };
    if sim.metrics.is_some() {
        sim.queue.push(SimTime(60_000_000), Event::MinuteEnd(0));
    }
    for p in 0..sim.producers.len() {
        if let Some(t) = sim.producers[p].next_call() {
            sim.queue.push(t, Event::Produce(p));
        }
    }
    sim.run();
    sim.finish(scenario)
}

impl Sim {
    fn run(&mut self) {
        while let Some(t) = self.queue.peek_time() {
            if t >= self.end {
                break;
            }
            let Some((t, event)) = self.queue.pop() else {
                break;
            };
            self.now = t;
            self.events += 1;
            match event {
                Event::Produce(p) => self.produce(p),
                Event::Resend {
                    p,
                    attempt,
                    first_try,
                    chunks,
                } => self.offer(p, attempt, first_try, &chunks),
                Event::IngestDone {
                    p,
                    attempt,
                    first_try,
                    accepted,
                    refused,
                } => self.complete_call(p, attempt, first_try, &accepted, refused),
                Event::BufferDeadline(id, generation) => {
                    let buffer = self.buffer_mut(id);
                    if buffer.generation == generation && !buffer.is_empty() {
                        self.flush(id, FlushReason::Interval);
                    }
                }
                Event::LambdaAttemptEnd(id) => self.lambda_attempt_end(id),
                Event::LambdaRetry(id) => {
                    if !self.lambda_attempt(id) {
                        self.start_lambdas();
                    }
                }
                Event::S3AttemptEnd(b) => self.s3_attempt_end(b),
                Event::S3Retry(b) => self.s3_start(b),
                Event::CopyEnd => self.copy_end(),
                Event::CopyRetry => self.copy_attempt(),
                Event::BulkEnd => self.bulk_end(),
                Event::MinuteEnd(n) => {
                    let age = self
                        .oldest_pending()
                        .map_or(0.0, |t| self.now.since(t).as_secs_f64());
                    if let Some(m) = &mut self.metrics {
                        m.set(n, Slot::Freshness, age);
                    }
                    self.queue.push(
                        self.now + SimDuration::from_secs(60),
                        Event::MinuteEnd(n + 1),
                    );
                }
                Event::BulkRetry => {
                    if let Some(o) = &mut self.opensearch {
                        o.state = BulkState::Idle;
                    }
                    self.bulk_start();
                }
            }
        }
    }

    /// First-try calls of producer `p`, from now on. Calls are handled here in a loop for as
    /// long as no other event comes first: the same order as one event per call, where a
    /// call at the same instant as another event comes after it (T2), without the queue.
    fn produce(&mut self, p: usize) {
        loop {
            let n = self.producers[p].records_per_call;
            let bytes = self.producers[p].call_bytes(n);
            let chunk = Chunk::new(self.next_record, n, bytes, self.now);
            self.next_record += u64::from(n);
            self.ledger.produced(n);
            self.offer(p, 0, self.now, &[chunk]);
            let Some(next) = self.producers[p].next_call() else {
                return;
            };
            if next >= self.end {
                return;
            }
            if self.queue.peek_time().is_some_and(|t| t <= next) {
                self.queue.push(next, Event::Produce(p));
                return;
            }
            self.now = next;
            self.events += 1;
        }
    }

    /// A `PutRecordBatch` call of `chunks` starts now (I2, I3, T6, T8).
    fn offer(&mut self, p: usize, attempt: u32, first_try: SimTime, chunks: &[Chunk]) {
        let now = self.now;
        self.put_record_batch.attempts += 1;
        let mut accepted = std::mem::take(&mut self.scratch_accepted);
        let mut refused = std::mem::take(&mut self.scratch_refused);
        accepted.clear();
        refused.clear();
        let fate = if self.ingest.faults.is_empty() {
            NO_FAULT
        } else {
            self.ingest.faults.call(now, &mut self.ingest.rng)
        };
        if fate.failed {
            refused.extend_from_slice(chunks);
        } else {
            let throttled = self.ingest.admit(now, chunks, &mut accepted, &mut refused);
            self.ledger.throttled_records += throttled;
            if throttled > 0 {
                metric(
                    &mut self.metrics,
                    now,
                    Slot::ThrottledRecords,
                    throttled as f64,
                );
            }
        }
        if fate.failed || fate.ack_lost || !refused.is_empty() {
            self.put_record_batch.failed += 1;
        }
        if fate.ack_lost {
            // The producer saw a failure: it resends the accepted records too (F3 copies).
            for c in &accepted {
                self.ledger.copied(c);
            }
            refused.extend(accepted.iter().map(|c| c.as_copy()));
        }
        let took = if self.ingest.instant {
            SimDuration::ZERO
        } else {
            let bytes: u64 = chunks.iter().map(|c| c.bytes).sum();
            self.ingest.put_time.for_bytes(bytes).mul_f64(fate.slow)
        };
        if took == SimDuration::ZERO {
            let resend = if refused.is_empty() {
                Vec::new()
            } else {
                refused.clone()
            };
            self.complete_call(p, attempt, first_try, &accepted, resend);
        } else {
            self.queue.push(
                now + took,
                Event::IngestDone {
                    p,
                    attempt,
                    first_try,
                    accepted: accepted.clone(),
                    refused: refused.clone(),
                },
            );
        }
        self.scratch_accepted = accepted;
        self.scratch_refused = refused;
    }

    /// A call returns: accepted records enter the stream, refused ones are resent or
    /// rejected (I3).
    fn complete_call(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: &[Chunk],
        refused: Vec<Chunk>,
    ) {
        let now = self.now;
        if !accepted.is_empty() {
            if let Some(m) = &mut self.metrics {
                let records: u64 = accepted.iter().map(|c| u64::from(c.count)).sum();
                let bytes: u64 = accepted.iter().map(|c| c.bytes).sum();
                m.add(now, Slot::IncomingRecords, records as f64);
                m.add(now, Slot::IncomingBytes, bytes as f64);
                m.add(now, Slot::IncomingPutRequests, 1.0);
            }
            // One pass: stamp the ingest time, count, and add the call as one unit to the
            // next buffer (Lambda's, or the destination's) and, with source record backup,
            // to the backup buffer too (L6).
            let (next_id, next) = match &mut self.lambda {
                Some(l) => (BufferId::Lambda, &mut l.buffer),
                None => (BufferId::Destination, &mut self.buffer),
            };
            let mut backup = self.backup.as_mut();
            let next_was_empty = next.is_empty();
            let backup_was_empty = backup.as_ref().is_none_or(|b| b.is_empty());
            for &c in accepted {
                let mut c = c;
                c.ingest = now;
                self.ledger.ingested(&c, first_try, now, attempt > 0);
                if let Some(b) = backup.as_mut() {
                    b.push(c);
                }
                next.push(c);
            }
            let added = next.close_unit(next_was_empty);
            let backup_added = backup.map(|b| b.close_unit(backup_was_empty));
            if let Some(added) = backup_added {
                self.after_add(BufferId::Backup, added);
            }
            self.after_add(next_id, added);
        }
        if refused.is_empty() {
            return;
        }
        let producer = &mut self.producers[p];
        if attempt < producer.max_retries {
            let pause = producer.backoff(attempt + 1);
            self.queue.push(
                now + pause,
                Event::Resend {
                    p,
                    attempt: attempt + 1,
                    first_try,
                    chunks: refused,
                },
            );
        } else {
            for c in &refused {
                self.ledger.rejected(c);
            }
        }
    }

    fn buffer_mut(&mut self, id: BufferId) -> &mut Buffer {
        match id {
            BufferId::Destination => &mut self.buffer,
            BufferId::Lambda => match &mut self.lambda {
                Some(l) => &mut l.buffer,
                None => &mut self.buffer,
            },
            BufferId::Backup => match &mut self.backup {
                Some(b) => b,
                None => &mut self.buffer,
            },
        }
    }

    /// Adds one unit to a buffer (B1, B2, B4).
    fn buffer_add(&mut self, id: BufferId, unit: Vec<Chunk>) {
        let added = self.buffer_mut(id).add_vec(unit);
        self.after_add(id, added);
    }

    fn after_add(&mut self, id: BufferId, added: super::buffer::Added) {
        if let Some(generation) = added.opened {
            let interval = self.buffer_mut(id).interval;
            if interval > SimDuration::ZERO {
                // T2: at its instant the deadline comes before any arrival.
                self.queue
                    .push_first(self.now + interval, Event::BufferDeadline(id, generation));
            }
        }
        if added.flush {
            let reason = if self.buffer_mut(id).interval == SimDuration::ZERO {
                FlushReason::Immediate
            } else {
                FlushReason::Size
            };
            self.flush(id, reason);
        }
    }

    /// A buffer's content becomes one batch (B1): an invocation, or an object for S3.
    fn flush(&mut self, id: BufferId, reason: FlushReason) {
        let now = self.now;
        let (chunks, bytes) = self.buffer_mut(id).take();
        let oldest = chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
        let batch = self.next_batch;
        self.next_batch += 1;
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::Flush {
                at: now,
                buffer: id,
                batch,
                records: chunks.iter().map(|c| u64::from(c.count)).sum(),
                bytes,
                reason,
            });
        }
        match id {
            BufferId::Lambda => {
                if let Some(l) = &mut self.lambda {
                    l.waiting.push_back(Invocation {
                        id: batch,
                        chunks,
                        bytes,
                        oldest,
                        flushed_at: now,
                        attempts: 0,
                        attempt_start: now,
                        outcome: InvokeOutcome::Ok,
                    });
                }
                self.start_lambdas();
            }
            BufferId::Destination if self.opensearch.is_some() => {
                if let Some(o) = &mut self.opensearch {
                    o.queue.push_back(Request {
                        id: batch,
                        chunks,
                        bytes,
                        oldest,
                        first_start: now,
                        attempt_start: now,
                        attempts: 0,
                        outcome: Outcome::Ok,
                    });
                }
                self.bulk_start();
            }
            BufferId::Destination => {
                let kind = if self.redshift.is_some() {
                    BatchKind::Intermediate
                } else {
                    BatchKind::Destination
                };
                self.enqueue(Bucket::Main, batch, kind, chunks, bytes)
            }
            BufferId::Backup => {
                self.enqueue(Bucket::Backup, batch, BatchKind::Backup, chunks, bytes)
            }
        }
    }

    fn writer(&mut self, b: Bucket) -> &mut Writer {
        match b {
            Bucket::Main => &mut self.main,
            Bucket::Backup => &mut self.backup_writer,
        }
    }

    /// Queues an object for a bucket (T11).
    fn enqueue(&mut self, b: Bucket, id: u64, kind: BatchKind, chunks: Vec<Chunk>, bytes: u64) {
        let oldest = chunks.iter().map(|c| c.ingest).min().unwrap_or(self.now);
        let w = self.writer(b);
        w.queue.push_back(Batch {
            id,
            kind,
            chunks,
            bytes,
            oldest,
            attempts: 0,
        });
        if !w.busy {
            self.s3_start(b);
        }
    }

    /// Removes the records of `chunks` at least `retention` old at `now` (T5, T12); returns
    /// (records expired, newest ingest among them).
    fn expire(
        ledger: &mut Ledger,
        chunks: &mut Vec<Chunk>,
        now: SimTime,
        retention: SimDuration,
        copies: bool,
    ) -> (u64, SimTime) {
        let mut expired = 0;
        let mut newest = SimTime::ZERO;
        chunks.retain(|c| {
            let old = now.since(c.ingest) >= retention;
            if old {
                if copies {
                    ledger.backup_expired += u64::from(c.count);
                } else {
                    ledger.expired(c, now);
                }
                expired += u64::from(c.count);
                newest = newest.max(c.ingest);
            }
            !old
        });
        (expired, newest)
    }

    /// Invocations start while slots are free (L5, T9).
    fn start_lambdas(&mut self) {
        loop {
            let Some(l) = &mut self.lambda else {
                return;
            };
            if l.running.len() >= l.service.concurrency as usize {
                return;
            }
            let Some(inv) = l.waiting.pop_front() else {
                return;
            };
            let id = inv.id;
            l.running.insert(id, inv);
            self.lambda_attempt(id);
        }
    }

    /// Starts an attempt of invocation `id` (L2, T8, T12). Returns false when its records all
    /// expired, so that it no longer holds a slot.
    fn lambda_attempt(&mut self, id: u64) -> bool {
        let now = self.now;
        let retention = self.retention;
        let Some(l) = &mut self.lambda else {
            return false;
        };
        let limit = l.limit(now);
        let Some(inv) = l.running.get_mut(&id) else {
            return false;
        };
        if now.since(inv.oldest) >= retention {
            let (n, newest) =
                Self::expire(&mut self.ledger, &mut inv.chunks, now, retention, false);
            inv.bytes = inv.chunks.iter().map(|c| c.bytes).sum();
            inv.oldest = inv.chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
            if let Some(trace) = &mut self.trace {
                trace.push(TraceEvent::Expired {
                    at: now,
                    batch: id,
                    records: n,
                    newest_ingest: newest,
                });
            }
            if inv.chunks.is_empty() {
                l.running.remove(&id);
                return false;
            }
        }
        if inv.attempts == 0 {
            l.wait.record(now.since(inv.flushed_at), 1);
            l.calls.batches += 1;
        }
        inv.attempts += 1;
        l.calls.attempts += 1;
        inv.attempt_start = now;
        let (outcome, took) = if l.executing >= limit {
            (InvokeOutcome::Throttled, SimDuration::ZERO)
        } else {
            let d = sample(&l.service.duration, &mut l.rng);
            let fate = if l.faults.is_empty() {
                NO_FAULT
            } else {
                l.faults.call(now, &mut l.rng)
            };
            let d = d.mul_f64(fate.slow);
            let response = (inv.bytes as f64 * l.service.size_ratio) as u64;
            if d > l.service.timeout {
                (InvokeOutcome::Timeout, l.service.timeout)
            } else if fate.failed || fate.ack_lost {
                (InvokeOutcome::Error, d)
            } else if response > MAX_RESPONSE_BYTES {
                (InvokeOutcome::ResponseTooLarge, d)
            } else {
                (InvokeOutcome::Ok, d)
            }
        };
        inv.outcome = outcome;
        if outcome != InvokeOutcome::Throttled {
            l.executing += 1;
        }
        self.queue.push(now + took, Event::LambdaAttemptEnd(id));
        true
    }

    /// An invocation attempt ends: its output enters the destination buffer as one unit
    /// (T9), or it is retried, or its records go to `processing-failed` (L3).
    fn lambda_attempt_end(&mut self, id: u64) {
        let now = self.now;
        let Some(l) = &mut self.lambda else {
            return;
        };
        let Some(inv) = l.running.get_mut(&id) else {
            return;
        };
        let outcome = inv.outcome;
        if outcome != InvokeOutcome::Throttled {
            l.executing = l.executing.saturating_sub(1);
        }
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::LambdaAttempt {
                batch: id,
                attempt: inv.attempts,
                start: inv.attempt_start,
                end: now,
                records: inv.chunks.iter().map(|c| u64::from(c.count)).sum(),
                outcome,
            });
        }
        if outcome != InvokeOutcome::Ok {
            l.calls.failed += 1;
        }
        if let Some(m) = &mut self.metrics {
            let ms = now.since(inv.attempt_start).as_secs_f64() * 1e3;
            m.add(now, Slot::ProcessingMsSum, ms);
            m.add(now, Slot::ProcessingCount, 1.0);
            m.add(now, Slot::ProcessingAttempts, 1.0);
            if outcome == InvokeOutcome::Ok {
                m.add(now, Slot::ProcessingOk, 1.0);
            }
        }
        let failures = &mut l.report.failures;
        match outcome {
            InvokeOutcome::Ok => {}
            InvokeOutcome::Error => failures.error += 1,
            InvokeOutcome::Timeout => failures.timeout += 1,
            InvokeOutcome::Throttled => failures.throttled += 1,
            InvokeOutcome::ResponseTooLarge => failures.response_too_large += 1,
        }
        if outcome != InvokeOutcome::Ok && inv.attempts < l.attempts_allowed {
            let delay = l.service.retry_delay;
            self.queue.push(now + delay, Event::LambdaRetry(id));
            return;
        }
        let Some(inv) = l.running.remove(&id) else {
            return;
        };
        if outcome == InvokeOutcome::Ok {
            let (ok, dropped, failed) = l.results(inv.chunks);
            let ok_records: u64 = ok.iter().map(|c| u64::from(c.count)).sum();
            metric(
                &mut self.metrics,
                now,
                Slot::SucceedProcessingRecords,
                ok_records as f64,
            );
            for c in &dropped {
                self.ledger.dropped(c, now);
            }
            if !failed.is_empty() {
                let bytes = failed.iter().map(|c| c.bytes).sum();
                self.enqueue(Bucket::Main, id, BatchKind::ProcessingFailed, failed, bytes);
            }
            self.buffer_add(BufferId::Destination, ok);
        } else {
            self.enqueue(
                Bucket::Main,
                id,
                BatchKind::ProcessingFailed,
                inv.chunks,
                inv.bytes,
            );
        }
        self.start_lambdas();
    }

    /// Starts an attempt of the head batch of a bucket, after expiring its records that have
    /// outlived the retention window (T12); a batch left empty is not written, and whatever
    /// waited for it goes on at once (T12).
    fn s3_start(&mut self, b: Bucket) {
        if self.s3_start_inner(b) {
            self.bulk_resume();
        }
    }

    /// [`Sim::s3_start`]; returns true when a skipped bulk request's object was dropped empty.
    fn s3_start_inner(&mut self, b: Bucket) -> bool {
        let mut resume = false;
        let now = self.now;
        let retention = self.retention;
        loop {
            let w = match b {
                Bucket::Main => &mut self.main,
                Bucket::Backup => &mut self.backup_writer,
            };
            let Some(batch) = w.queue.front_mut() else {
                w.busy = false;
                return resume;
            };
            if batch.kind != BatchKind::ErrorsManifest && now.since(batch.oldest) >= retention {
                let copies = batch.kind == BatchKind::Backup;
                let (n, newest) =
                    Self::expire(&mut self.ledger, &mut batch.chunks, now, retention, copies);
                batch.bytes = batch.chunks.iter().map(|c| c.bytes).sum();
                batch.oldest = batch.chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
                if let Some(trace) = &mut self.trace {
                    trace.push(TraceEvent::Expired {
                        at: now,
                        batch: batch.id,
                        records: n,
                        newest_ingest: newest,
                    });
                }
                if batch.chunks.is_empty() {
                    resume |= batch.kind == BatchKind::BulkSkipped;
                    w.queue.pop_front();
                    continue;
                }
            }
            if batch.attempts == 0 {
                w.calls.batches += 1;
            }
            batch.attempts += 1;
            w.calls.attempts += 1;
            let fate = if w.faults.is_empty() {
                NO_FAULT
            } else {
                w.faults.call(now, &mut w.rng)
            };
            w.outcome = if fate.failed {
                Outcome::Failed
            } else if fate.ack_lost {
                Outcome::AckLost
            } else {
                Outcome::Ok
            };
            let took = w.put_time.for_bytes(batch.bytes).mul_f64(fate.slow);
            w.busy = true;
            w.attempt_start = now;
            self.queue.push(now + took, Event::S3AttemptEnd(b));
            return resume;
        }
    }

    /// The attempt in progress ends (T8): written, or retried after the pause (S1, T4).
    fn s3_attempt_end(&mut self, b: Bucket) {
        let now = self.now;
        let w = match b {
            Bucket::Main => &mut self.main,
            Bucket::Backup => &mut self.backup_writer,
        };
        let outcome = w.outcome;
        let Some(batch) = w.queue.front_mut() else {
            w.busy = false;
            return;
        };
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::S3Attempt {
                backup: b == Bucket::Backup,
                batch: batch.id,
                attempt: batch.attempts,
                start: w.attempt_start,
                end: now,
                records: batch.chunks.iter().map(|c| u64::from(c.count)).sum(),
                outcome,
            });
        }
        if let Some(m) = &mut self.metrics {
            let (records, ok, attempts) = match b {
                Bucket::Main => (Slot::S3Records, Slot::S3Ok, Slot::S3Attempts),
                Bucket::Backup => (Slot::BackupRecords, Slot::BackupOk, Slot::BackupAttempts),
            };
            m.add(now, attempts, 1.0);
            if outcome == Outcome::Ok {
                m.add(now, ok, 1.0);
            }
            if outcome != Outcome::Failed {
                let n: u64 = batch.chunks.iter().map(|c| u64::from(c.count)).sum();
                m.add(now, records, n as f64);
            }
        }
        if outcome != Outcome::Failed {
            match batch.kind {
                BatchKind::Destination => {
                    let mut first = 0;
                    for c in &mut batch.chunks {
                        first += self.ledger.delivered(c, now);
                    }
                    metric(&mut self.metrics, now, Slot::Delivered, first as f64);
                }
                BatchKind::ProcessingFailed => {
                    for c in &mut batch.chunks {
                        self.ledger.processing_failed(c, now);
                    }
                }
                BatchKind::Backup => {
                    if outcome == Outcome::Ok {
                        let n: u64 = batch.chunks.iter().map(|c| u64::from(c.count)).sum();
                        self.ledger.counts.backup_copies += n;
                    }
                }
                BatchKind::BulkSkipped | BatchKind::DocumentsRejected => {
                    for c in &mut batch.chunks {
                        self.ledger.skipped(c, now);
                    }
                }
                // Handed on below, once the write is acknowledged.
                BatchKind::Intermediate | BatchKind::ErrorsManifest => {}
            }
        }
        if outcome != Outcome::Failed {
            // Written, whether or not the acknowledgement arrives.
            w.objects += 1;
            w.bytes += batch.bytes;
        }
        if outcome == Outcome::Ok {
            let Some(batch) = w.queue.pop_front() else {
                return;
            };
            match batch.kind {
                BatchKind::Intermediate => {
                    if let Some(r) = &mut self.redshift {
                        r.push(Object {
                            chunks: batch.chunks,
                            bytes: batch.bytes,
                            written_at: now,
                        });
                        if r.state == CopyState::Idle {
                            self.start_copy();
                        }
                    }
                }
                BatchKind::ErrorsManifest => {
                    if let Some(r) = &mut self.redshift {
                        r.report.errors_manifests += 1;
                        r.state = CopyState::Idle;
                        self.start_copy();
                    }
                }
                BatchKind::BulkSkipped => self.bulk_resume(),
                _ => {}
            }
            self.s3_start(b);
        } else {
            w.calls.failed += 1;
            self.queue.push(now + w.retry_interval, Event::S3Retry(b));
        }
    }

    /// Starts the next COPY, with every object queued now (R2), if there is one.
    fn start_copy(&mut self) {
        let now = self.now;
        let id = self.next_batch;
        let Some(r) = &mut self.redshift else {
            return;
        };
        if r.state != CopyState::Idle {
            return;
        }
        if let Some(batch) = r.take_manifest(id, now) {
            self.next_batch += 1;
            r.current = Some(batch);
            r.state = CopyState::Busy;
            self.copy_attempt();
        }
    }

    /// An attempt of the current COPY starts (R2, T8).
    fn copy_attempt(&mut self) {
        let now = self.now;
        let Some(r) = &mut self.redshift else {
            return;
        };
        let fate = if r.faults.is_empty() {
            NO_FAULT
        } else {
            r.faults.call(now, &mut r.rng)
        };
        let copy_time = r.copy_time;
        let Some(b) = &mut r.current else {
            return;
        };
        b.attempts += 1;
        b.attempt_start = now;
        b.failed = fate.failed;
        b.ack_lost = fate.ack_lost;
        r.calls.attempts += 1;
        r.calls.max_attempts_per_batch = r.calls.max_attempts_per_batch.max(u64::from(b.attempts));
        let took = copy_time.for_bytes(b.bytes).mul_f64(fate.slow);
        self.queue.push(now + took, Event::CopyEnd);
    }

    /// A COPY attempt ends: loaded, retried on the 5-minute cadence (R3), or skipped (R4).
    fn copy_end(&mut self) {
        let now = self.now;
        let Some(r) = &mut self.redshift else {
            return;
        };
        let retry_duration = r.retry_duration;
        let Some(b) = &mut r.current else {
            return;
        };
        let outcome = if b.failed {
            Outcome::Failed
        } else if b.ack_lost {
            Outcome::AckLost
        } else {
            Outcome::Ok
        };
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::CopyAttempt {
                batch: b.id,
                attempt: b.attempts,
                start: b.attempt_start,
                end: now,
                records: b.chunks.iter().map(|c| u64::from(c.count)).sum(),
                outcome,
            });
        }
        if outcome != Outcome::Failed {
            // Loaded into Redshift (R5: a lost acknowledgement still loaded the records).
            let mut first = 0;
            for c in &mut b.chunks {
                first += self.ledger.delivered(c, now);
            }
            metric(&mut self.metrics, now, Slot::Delivered, first as f64);
        }
        if let Some(m) = &mut self.metrics {
            m.add(now, Slot::RedshiftAttempts, 1.0);
            if outcome == Outcome::Ok {
                let n: u64 = b.chunks.iter().map(|c| u64::from(c.count)).sum();
                m.add(now, Slot::RedshiftOk, 1.0);
                m.add(now, Slot::RedshiftRecords, n as f64);
            }
        }
        if outcome == Outcome::Ok {
            r.report.loaded_batches += 1;
            r.current = None;
            r.state = CopyState::Idle;
            self.start_copy();
            return;
        }
        r.calls.failed += 1;
        if let Some(start) = RedshiftStage::next_attempt(retry_duration, b, now) {
            self.queue.push(start, Event::CopyRetry);
            return;
        }
        // R4: the retry duration is spent. The records stay in the intermediate bucket and
        // are skipped now; the next COPY waits for the errors/ manifest (T10).
        let Some(mut b) = r.current.take() else {
            return;
        };
        for c in &mut b.chunks {
            self.ledger.skipped(c, now);
        }
        r.calls.skipped_batches += 1;
        r.state = CopyState::AwaitingManifest;
        self.enqueue(Bucket::Main, b.id, BatchKind::ErrorsManifest, Vec::new(), 0);
    }

    /// OpenSearch goes on after a skipped request's documents reached S3 (T10).
    fn bulk_resume(&mut self) {
        if let Some(o) = &mut self.opensearch
            && o.state == BulkState::AwaitingFailedObject
        {
            o.state = BulkState::Idle;
            self.bulk_start();
        }
    }

    /// Starts an attempt of the head bulk request (E1, E2, T8), after expiring its records
    /// that have outlived the retention window (T12).
    fn bulk_start(&mut self) {
        let now = self.now;
        let retention = self.retention;
        let Some(o) = &mut self.opensearch else {
            return;
        };
        if o.state != BulkState::Idle {
            return;
        }
        loop {
            let Some(req) = o.queue.front_mut() else {
                return;
            };
            if now.since(req.oldest) >= retention {
                let (n, newest) =
                    Self::expire(&mut self.ledger, &mut req.chunks, now, retention, false);
                req.bytes = req.chunks.iter().map(|c| c.bytes).sum();
                req.oldest = req.chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
                if let Some(trace) = &mut self.trace {
                    trace.push(TraceEvent::Expired {
                        at: now,
                        batch: req.id,
                        records: n,
                        newest_ingest: newest,
                    });
                }
                if req.chunks.is_empty() {
                    o.queue.pop_front();
                    continue;
                }
            }
            if req.attempts == 0 {
                req.first_start = now;
                o.calls.batches += 1;
            }
            let fate = if o.faults.is_empty() {
                NO_FAULT
            } else {
                o.faults.call(now, &mut o.rng)
            };
            req.attempts += 1;
            req.attempt_start = now;
            o.calls.attempts += 1;
            let d = o.service.bulk_time.for_bytes(req.bytes).mul_f64(fate.slow);
            let (outcome, took) = if d > o.service.request_timeout {
                o.report.timeouts += 1;
                (Outcome::Failed, o.service.request_timeout)
            } else if fate.failed {
                (Outcome::Failed, d)
            } else if fate.ack_lost {
                (Outcome::AckLost, d)
            } else {
                (Outcome::Ok, d)
            };
            req.outcome = outcome;
            o.state = BulkState::Busy;
            self.queue.push(now + took, Event::BulkEnd);
            return;
        }
    }

    /// A bulk attempt ends: indexed (with per-document rejections), retried with backoff while
    /// the retry duration allows (E2), or skipped to S3 (E3).
    fn bulk_end(&mut self) {
        let now = self.now;
        let Some(o) = &mut self.opensearch else {
            return;
        };
        let Some(req) = o.queue.front_mut() else {
            o.state = BulkState::Idle;
            return;
        };
        let outcome = req.outcome;
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::BulkAttempt {
                batch: req.id,
                attempt: req.attempts,
                start: req.attempt_start,
                end: now,
                records: req.chunks.iter().map(|c| u64::from(c.count)).sum(),
                outcome,
            });
        }
        let mut rejected = Vec::new();
        if outcome == Outcome::Ok {
            let p = o.service.document_failure_rate;
            rejected = OpenSearchStage::rejected_documents(p, &mut o.docs_rng, &mut req.chunks);
            o.report.documents_failed += rejected.iter().map(|c| u64::from(c.count)).sum::<u64>();
        }
        if outcome != Outcome::Failed {
            // Indexed (E5: with Firehose's ids a repeated request overwrites; without, it
            // indexes the documents again).
            let mut firsts = 0;
            for c in &mut req.chunks {
                if !c.is_settled() {
                    let first = self.ledger.delivered(c, now);
                    o.index.count(c.ingest, first);
                    firsts += first;
                } else if o.no_document_id {
                    self.ledger.delivered(c, now);
                }
            }
            metric(&mut self.metrics, now, Slot::Delivered, firsts as f64);
        }
        if let Some(m) = &mut self.metrics {
            m.add(now, Slot::OpenSearchAttempts, 1.0);
            if outcome == Outcome::Ok {
                let n: u64 = req.chunks.iter().map(|c| u64::from(c.count)).sum();
                m.add(now, Slot::OpenSearchOk, 1.0);
                m.add(now, Slot::OpenSearchRecords, n as f64);
            }
        }
        let id = req.id;
        if outcome == Outcome::Ok {
            o.queue.pop_front();
            o.state = BulkState::Idle;
            if !rejected.is_empty() {
                let bytes = rejected.iter().map(|c| c.bytes).sum();
                self.enqueue(
                    Bucket::Main,
                    id,
                    BatchKind::DocumentsRejected,
                    rejected,
                    bytes,
                );
            }
            self.bulk_start();
            return;
        }
        o.calls.failed += 1;
        let next = now + OpenSearchStage::pause(&o.service.backoff, req.attempts);
        if next < req.first_start + o.retry_duration {
            self.queue.push(next, Event::BulkRetry);
            return;
        }
        // E3: the duration is spent. The request's undelivered documents go to S3, and the
        // next request waits until they are written (T10).
        o.calls.skipped_batches += 1;
        let Some(req) = o.queue.pop_front() else {
            return;
        };
        let undelivered: Vec<Chunk> = req.chunks.into_iter().filter(|c| !c.is_settled()).collect();
        if undelivered.is_empty() {
            o.state = BulkState::Idle;
            self.bulk_start();
        } else {
            o.state = BulkState::AwaitingFailedObject;
            let bytes = undelivered.iter().map(|c| c.bytes).sum();
            self.enqueue(Bucket::Main, id, BatchKind::BulkSkipped, undelivered, bytes);
        }
    }

    /// The ingest time of the oldest record in the stream that has no fate yet (for
    /// `DataFreshness`): in a buffer, an invocation, a queued object or request, or a COPY.
    fn oldest_pending(&self) -> Option<SimTime> {
        let first = |chunks: &[Chunk]| {
            chunks
                .iter()
                .filter(|c| c.is_unsettled())
                .map(|c| c.ingest)
                .min()
        };
        let mut oldest = first(self.buffer.chunks());
        let mut take = |t: Option<SimTime>| {
            if let Some(t) = t {
                oldest = Some(oldest.map_or(t, |o| o.min(t)));
            }
        };
        for b in &self.main.queue {
            if b.kind != BatchKind::ErrorsManifest && !b.chunks.is_empty() {
                take(Some(b.oldest));
            }
        }
        if let Some(l) = &self.lambda {
            take(first(l.buffer.chunks()));
            for inv in l.waiting.iter().chain(l.running.values()) {
                take(Some(inv.oldest));
            }
        }
        if let Some(r) = &self.redshift {
            for o in &r.queue {
                take(first(&o.chunks));
            }
            if let Some(b) = &r.current {
                take(first(&b.chunks));
            }
        }
        if let Some(o) = &self.opensearch {
            for req in &o.queue {
                take(Some(req.oldest));
            }
        }
        oldest
    }

    /// Settles what is still in the stream at the end, checks conservation (F2) and builds
    /// the output.
    fn finish(mut self, scenario: Scenario) -> Result<RunOutput, String> {
        let end = self.end;
        let ledger = &mut self.ledger;
        let mut in_stream = |c: &Chunk| ledger.in_stream_at_end(c, end);
        self.buffer.chunks().iter().for_each(&mut in_stream);
        for batch in &self.main.queue {
            batch.chunks.iter().for_each(&mut in_stream);
        }
        if let Some(r) = &self.redshift {
            for object in &r.queue {
                object.chunks.iter().for_each(&mut in_stream);
            }
            if let Some(b) = &r.current {
                b.chunks.iter().for_each(&mut in_stream);
            }
        }
        if let Some(o) = &self.opensearch {
            for req in &o.queue {
                req.chunks.iter().for_each(&mut in_stream);
            }
        }
        if let Some(l) = &self.lambda {
            l.buffer.chunks().iter().for_each(&mut in_stream);
            for inv in l.waiting.iter().chain(l.running.values()) {
                inv.chunks.iter().for_each(&mut in_stream);
            }
        }
        let queue_events = self.queue.popped();
        while let Some((_, e)) = self.queue.pop() {
            match e {
                Event::Resend { chunks, .. } => chunks
                    .iter()
                    .for_each(|c| self.ledger.with_producer_at_end(c)),
                Event::IngestDone {
                    accepted, refused, ..
                } => accepted
                    .iter()
                    .chain(&refused)
                    .for_each(|c| self.ledger.with_producer_at_end(c)),
                _ => {}
            }
        }
        self.ledger.close()?;
        let minutes = scenario.duration.0.div_ceil(60_000_000) as usize;
        let metrics = self.metrics.take().map(|m| {
            m.finish(
                minutes,
                Components {
                    lambda: self.lambda.is_some(),
                    destination: scenario.destination.name(),
                    backup: self.backup.is_some(),
                },
            )
        });
        let latency_cdf = self.ledger.latency.cdf();
        let l = self.ledger;
        let (redshift_calls, redshift_report) = match self.redshift {
            Some(r) => (r.calls, Some(r.report)),
            None => (Default::default(), None),
        };
        let (bulk_calls, opensearch_report) = match self.opensearch {
            Some(o) => {
                let mut report = o.report;
                report.indices = o.index.by_name();
                (o.calls, Some(report))
            }
            None => (Default::default(), None),
        };
        let (lambda_calls, lambda_report) = match self.lambda {
            Some(mut stage) => {
                stage.report.concurrency_wait_seconds = stage.wait.summary();
                (stage.calls, Some(stage.report))
            }
            None => (CallCounts::default(), None),
        };
        Ok(RunOutput {
            scenario,
            records: l.counts,
            latency: l.latency.summary(),
            producer_wait: l.producer_wait.summary(),
            records_resent: l.records_resent,
            throttled_records: l.throttled_records,
            data_freshness_max: l.freshness_max,
            calls: Calls {
                put_record_batch: self.put_record_batch,
                lambda: lambda_calls,
                s3_put: self.main.calls,
                redshift_copy: redshift_calls,
                opensearch_bulk: bulk_calls,
                s3_objects: self.main.objects,
                s3_bytes: self.main.bytes,
            },
            lambda: lambda_report,
            redshift: redshift_report,
            opensearch: opensearch_report,
            backup: self.backup.map(|_| BackupReport {
                objects: self.backup_writer.objects,
                attempts: self.backup_writer.calls.attempts,
                failed: self.backup_writer.calls.failed,
                copies_expired: l.backup_expired,
            }),
            trace: self.trace.unwrap_or_default(),
            metrics,
            latency_cdf,
            events: self.events,
            queue_events,
        })
    }
}
