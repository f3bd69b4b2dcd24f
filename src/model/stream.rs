//! The simulation of one Direct PUT delivery stream to S3.

use super::faults::{CallFate, FaultSet};
use super::source::Producer;
use super::trace::{FlushReason, Outcome, TraceEvent};
use super::{CallCounts, Calls, Chunk, RunOptions, RunOutput};
use crate::engine::time::MICROS_PER_SEC;
use crate::engine::{EventQueue, RngStreams, SimDuration, SimTime};
use crate::ledger::Ledger;
use crate::scenario::{CallTime, Destination, MIB, QuotaLimits, Scenario, Source, Target};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

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
    /// The buffer opened as generation `gen` reaches its interval.
    BufferDeadline(u64),
    /// The S3 attempt in progress ends.
    S3AttemptEnd,
    /// The head S3 batch is tried again.
    S3Retry,
}

/// The stream's per-second quotas (I2, T6).
struct Ingest {
    limits: QuotaLimits,
    window_end: u64,
    records_left: u64,
    requests_left: u64,
    bytes_left: u64,
    faults: FaultSet,
    rng: ChaCha8Rng,
    put_time: CallTime,
    /// True when calls take no time (the default): records are ingested as they are sent.
    instant: bool,
}

impl Ingest {
    /// Splits `chunks` into what the quota accepts (the first records of the call) and what it
    /// refuses; returns the records refused.
    fn admit(
        &mut self,
        now: SimTime,
        chunks: &[Chunk],
        accepted: &mut Vec<Chunk>,
        refused: &mut Vec<Chunk>,
    ) -> u64 {
        if now.0 >= self.window_end {
            let start = now.0 / MICROS_PER_SEC * MICROS_PER_SEC;
            self.window_end = start + MICROS_PER_SEC;
            let f = if self.faults.is_empty() {
                1.0
            } else {
                self.faults.throttle(SimTime(start))
            };
            let scale = |v: u64| (v as f64 * f).floor() as u64;
            self.records_left = scale(self.limits.records);
            self.requests_left = scale(self.limits.requests);
            self.bytes_left = scale(self.limits.bytes);
        }
        let mut throttled = 0;
        if self.requests_left == 0 {
            refused.extend_from_slice(chunks);
            return chunks.iter().map(|c| u64::from(c.count)).sum();
        }
        self.requests_left -= 1;
        for &c in chunks {
            let mut c = c;
            let fit = if refused.is_empty() {
                let by_bytes = self.bytes_left / c.record_bytes().max(1);
                u64::from(c.count).min(self.records_left).min(by_bytes) as u32
            } else {
                0
            };
            if fit > 0 {
                let whole = fit == c.count;
                let front = if whole { c } else { c.split_front(fit) };
                self.records_left -= u64::from(front.count);
                self.bytes_left = self.bytes_left.saturating_sub(front.bytes);
                accepted.push(front);
                if whole {
                    continue;
                }
            }
            throttled += u64::from(c.count);
            refused.push(c);
        }
        throttled
    }
}

/// A flushed batch on its way to S3.
struct Batch {
    id: u64,
    chunks: Vec<Chunk>,
    bytes: u64,
    oldest: SimTime,
    attempts: u32,
}

/// The writer of the stream's bucket: one FIFO queue, one PUT at a time, head-of-line retries
/// (S1, S2, T11).
struct S3Writer {
    queue: VecDeque<Batch>,
    busy: bool,
    outcome: Outcome,
    attempt_start: SimTime,
    put_time: CallTime,
    retry_interval: SimDuration,
    faults: FaultSet,
    rng: ChaCha8Rng,
}

/// The destination buffer (B1-B3).
struct Buffer {
    hint_bytes: u64,
    interval: SimDuration,
    chunks: Vec<Chunk>,
    bytes: u64,
    generation: u64,
}

struct Sim {
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    producers: Vec<Producer>,
    next_record: u64,
    ingest: Ingest,
    buffer: Buffer,
    next_batch: u64,
    s3: S3Writer,
    retention: SimDuration,
    ledger: Ledger,
    calls: Calls,
    trace: Option<Vec<TraceEvent>>,
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
    let Destination::S3(dest) = &scenario.destination;
    let hints = dest.buffering_hints;
    let producers = scenario
        .sources
        .iter()
        .map(|s| match s {
            Source::DirectPut(p) => Producer::new(p, &streams),
        })
        .collect();
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
            put_time: scenario.services.ingest.put_time,
            instant: scenario.services.ingest.put_time.base == SimDuration::ZERO
                && scenario.services.ingest.put_time.per_mib == SimDuration::ZERO,
        },
        buffer: Buffer {
            hint_bytes: u64::from(hints.size_in_mbs) * MIB,
            interval: SimDuration::from_secs(u64::from(hints.interval_in_seconds)),
            chunks: Vec::new(),
            bytes: 0,
            generation: 0,
        },
        next_batch: 1,
        s3: S3Writer {
            queue: VecDeque::new(),
            busy: false,
            outcome: Outcome::Ok,
            attempt_start: SimTime::ZERO,
            put_time: scenario.services.s3.put_time,
            retry_interval: scenario.services.s3.retry_interval,
            faults: FaultSet::for_target(&scenario.faults, Target::S3),
            rng: streams.stream("s3"),
        },
        retention: scenario.stream.retention,
        ledger: Ledger::default(),
        calls: Calls::default(),
        trace: opts.trace.then(Vec::new),
        events: 0,
        scratch_accepted: Vec::new(),
        scratch_refused: Vec::new(),
    };
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
                Event::BufferDeadline(generation) => {
                    if generation == self.buffer.generation && !self.buffer.chunks.is_empty() {
                        self.flush(FlushReason::Interval);
                    }
                }
                Event::S3AttemptEnd => self.s3_attempt_end(),
                Event::S3Retry => self.s3_start(),
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
        self.calls.put_record_batch.attempts += 1;
        let mut accepted = std::mem::take(&mut self.scratch_accepted);
        let mut refused = std::mem::take(&mut self.scratch_refused);
        accepted.clear();
        refused.clear();
        let fate = if self.ingest.faults.is_empty() {
            CallFate {
                failed: false,
                ack_lost: false,
                slow: 1.0,
            }
        } else {
            self.ingest.faults.call(now, &mut self.ingest.rng)
        };
        if fate.failed {
            refused.extend_from_slice(chunks);
        } else {
            let throttled = self.ingest.admit(now, chunks, &mut accepted, &mut refused);
            self.ledger.throttled_records += throttled;
        }
        if fate.failed || fate.ack_lost || !refused.is_empty() {
            self.calls.put_record_batch.failed += 1;
        }
        if fate.ack_lost {
            // The producer saw a failure: it resends the accepted records too (F3 copies).
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

    /// A call returns: accepted records enter the buffer, refused ones are resent or
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
            if self.buffer.chunks.is_empty() {
                self.buffer.generation += 1;
                if self.buffer.interval > SimDuration::ZERO {
                    let generation = self.buffer.generation;
                    self.queue.push(
                        now + self.buffer.interval,
                        Event::BufferDeadline(generation),
                    );
                }
            }
            for c in accepted {
                let mut c = *c;
                c.ingest = now;
                self.ledger.ingested(&c, first_try, now, attempt > 0);
                self.buffer.bytes += c.bytes;
                self.buffer.chunks.push(c);
            }
            if self.buffer.interval == SimDuration::ZERO {
                self.flush(FlushReason::Immediate);
            } else if self.buffer.bytes >= self.buffer.hint_bytes {
                self.flush(FlushReason::Size);
            }
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

    /// The buffer's content becomes one batch for S3 (B1).
    fn flush(&mut self, reason: FlushReason) {
        let capacity = self.buffer.chunks.len() + 16;
        let chunks = std::mem::replace(&mut self.buffer.chunks, Vec::with_capacity(capacity));
        let bytes = std::mem::take(&mut self.buffer.bytes);
        let oldest = chunks.iter().map(|c| c.ingest).min().unwrap_or(self.now);
        let id = self.next_batch;
        self.next_batch += 1;
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::Flush {
                at: self.now,
                batch: id,
                records: chunks.iter().map(|c| u64::from(c.count)).sum(),
                bytes,
                reason,
            });
        }
        self.s3.queue.push_back(Batch {
            id,
            chunks,
            bytes,
            oldest,
            attempts: 0,
        });
        if !self.s3.busy {
            self.s3_start();
        }
    }

    /// Starts an attempt of the head batch, after expiring its records that have outlived the
    /// retention window (T12); a batch left empty is not written.
    fn s3_start(&mut self) {
        let now = self.now;
        loop {
            let Some(batch) = self.s3.queue.front_mut() else {
                self.s3.busy = false;
                return;
            };
            if now.since(batch.oldest) >= self.retention {
                let retention = self.retention;
                let mut expired = 0;
                let mut newest_ingest = SimTime::ZERO;
                let ledger = &mut self.ledger;
                batch.chunks.retain(|c| {
                    let old = now.since(c.ingest) >= retention;
                    if old {
                        ledger.expired(c, now);
                        expired += u64::from(c.count);
                        newest_ingest = newest_ingest.max(c.ingest);
                    }
                    !old
                });
                batch.bytes = batch.chunks.iter().map(|c| c.bytes).sum();
                batch.oldest = batch.chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
                if let Some(trace) = &mut self.trace {
                    trace.push(TraceEvent::Expired {
                        at: now,
                        batch: batch.id,
                        records: expired,
                        newest_ingest,
                    });
                }
                if batch.chunks.is_empty() {
                    self.s3.queue.pop_front();
                    continue;
                }
            }
            if batch.attempts == 0 {
                self.calls.s3_put.batches += 1;
            }
            batch.attempts += 1;
            self.calls.s3_put.attempts += 1;
            let fate = if self.s3.faults.is_empty() {
                CallFate {
                    failed: false,
                    ack_lost: false,
                    slow: 1.0,
                }
            } else {
                self.s3.faults.call(now, &mut self.s3.rng)
            };
            self.s3.outcome = if fate.failed {
                Outcome::Failed
            } else if fate.ack_lost {
                Outcome::AckLost
            } else {
                Outcome::Ok
            };
            let took = self.s3.put_time.for_bytes(batch.bytes).mul_f64(fate.slow);
            self.s3.busy = true;
            self.s3.attempt_start = now;
            self.queue.push(now + took, Event::S3AttemptEnd);
            return;
        }
    }

    /// The attempt in progress ends (T8): delivered, or retried after the pause (S1, T4).
    fn s3_attempt_end(&mut self) {
        let now = self.now;
        let outcome = self.s3.outcome;
        let Some(batch) = self.s3.queue.front_mut() else {
            self.s3.busy = false;
            return;
        };
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::S3Attempt {
                batch: batch.id,
                attempt: batch.attempts,
                start: self.s3.attempt_start,
                end: now,
                records: batch.chunks.iter().map(|c| u64::from(c.count)).sum(),
                outcome,
            });
        }
        if outcome != Outcome::Failed {
            for c in &mut batch.chunks {
                self.ledger.delivered(c, now);
            }
        }
        if outcome == Outcome::Ok {
            self.calls.s3_objects += 1;
            self.calls.s3_bytes += batch.bytes;
            self.s3.queue.pop_front();
            self.s3_start();
        } else {
            self.calls.s3_put.failed += 1;
            self.queue
                .push(now + self.s3.retry_interval, Event::S3Retry);
        }
    }

    /// Settles what is still in the stream at the end, checks conservation (F2) and builds
    /// the output.
    fn finish(mut self, scenario: crate::scenario::Scenario) -> Result<RunOutput, String> {
        let end = self.end;
        for c in &self.buffer.chunks {
            self.ledger.in_stream_at_end(c, end);
        }
        for b in &self.s3.queue {
            for c in &b.chunks {
                self.ledger.in_stream_at_end(c, end);
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
        let l = self.ledger;
        Ok(RunOutput {
            scenario,
            records: l.counts,
            latency: l.latency.summary(),
            producer_wait: l.producer_wait.summary(),
            records_resent: l.records_resent,
            throttled_records: l.throttled_records,
            data_freshness_max: l.freshness_max,
            calls: Calls {
                put_record_batch: CallCounts {
                    batches: 0,
                    ..self.calls.put_record_batch
                },
                ..self.calls
            },
            trace: self.trace.unwrap_or_default(),
            events: self.events,
            queue_events,
        })
    }
}
