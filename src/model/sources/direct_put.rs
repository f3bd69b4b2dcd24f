//! The Direct PUT source: producers send `PutRecordBatch` calls against the stream's quotas
//! (I1-I3, T1, T6, T8); refused records are resent after a backoff or `rejected`.

use super::Producers;
use super::quota::Ingest;
use super::{Intake, TrainRoom};
use crate::engine::train::CallLaw;
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::CallCounts;
use crate::model::chunk::{Chunk, Chunks};
use crate::model::faults::FaultSet;
use crate::model::pipeline::{Ctx, Event};
use crate::model::trace::{Refusal, TraceEvent};
use crate::outcome::ledger::Ledger;
use crate::outcome::metrics::Slot;
use crate::scenario::{Scenario, Target};

/// The source's events.
pub(crate) enum DirectPutEvent {
    /// Producer `p`'s next first-try call.
    Produce(usize),
    /// Producer `p` resends refused records.
    Resend {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        chunks: Chunks,
    },
    /// A `PutRecordBatch` call that takes time ends.
    IngestDone {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: Vec<Chunk>,
        refused: Vec<Chunk>,
    },
}

/// Producers and the stream's ingest endpoint.
pub(crate) struct DirectPutSource {
    producers: Producers,
    ingest: Ingest,
    calls: CallCounts,
    scratch_accepted: Vec<Chunk>,
    scratch_refused: Vec<Chunk>,
    /// When calls may go as trains: the one producer's law and the bytes of each call.
    trains: Option<(CallLaw, u64)>,
}

fn ev(e: DirectPutEvent) -> Event {
    Event::Source(super::SourceEvent::DirectPut(e))
}

impl DirectPutSource {
    /// The producers of `scenario` and its quotas.
    pub(crate) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        let put_time = scenario.services.ingest.put_time;
        DirectPutSource {
            producers: Producers::new(scenario, streams),
            ingest: Ingest {
                limits: scenario.stream.quota_limits(),
                window_end: 0,
                window: Default::default(),
                requests_left: 0,
                faults: FaultSet::for_target(&scenario.faults, Target::Ingest),
                rng: streams.stream("ingest"),
                put_time,
                instant: put_time.base == SimDuration::ZERO
                    && put_time.per_mib == SimDuration::ZERO,
            },
            calls: CallCounts::default(),
            scratch_accepted: Vec::new(),
            scratch_refused: Vec::new(),
            trains: None,
        }
    }

    /// Lets the producer's regular calls go as trains (the run qualified for them, see
    /// `model::pipeline`); returns the law of their record ids and times.
    pub(crate) fn allow_trains(&mut self) -> Option<CallLaw> {
        let p = self.producers.only()?;
        let law = p.law()?;
        let bytes = p.fixed_call_bytes()?;
        self.trains = Some((law, bytes));
        Some(law)
    }

    /// Schedules every producer's first call.
    pub(crate) fn start(&mut self, ctx: &mut Ctx) {
        self.producers
            .start(ctx, |p| ev(DirectPutEvent::Produce(p)));
    }

    /// `calls.put_record_batch`.
    pub(crate) fn calls(&self) -> CallCounts {
        self.calls.clone()
    }

    /// Handles one of the source's events.
    pub(crate) fn handle(&mut self, e: DirectPutEvent, intake: &mut impl Intake) {
        match e {
            DirectPutEvent::Produce(p) => self.produce(p, intake),
            DirectPutEvent::Resend {
                p,
                attempt,
                first_try,
                chunks,
            } => self.call(p, attempt, first_try, chunks, intake),
            DirectPutEvent::IngestDone {
                p,
                attempt,
                first_try,
                accepted,
                refused,
            } => self.complete_call(
                p,
                attempt,
                first_try,
                &accepted,
                Chunks::Many(refused),
                intake,
            ),
        }
    }

    /// Records still with their producer at the end are in flight.
    pub(crate) fn settle_event_at_end(e: DirectPutEvent, ledger: &mut Ledger) {
        match e {
            DirectPutEvent::Resend { chunks, .. } => chunks
                .as_slice()
                .iter()
                .for_each(|c| ledger.with_producer_at_end(c)),
            DirectPutEvent::IngestDone {
                accepted, refused, ..
            } => accepted
                .iter()
                .chain(&refused)
                .for_each(|c| ledger.with_producer_at_end(c)),
            DirectPutEvent::Produce(_) => {}
        }
    }

    /// First-try calls of producer `p`, from now on. Calls are handled here in a loop for as
    /// long as no other event comes first: the same order as one event per call, where a
    /// call at the same instant as another event comes after it (T2), without the queue.
    fn produce(&mut self, p: usize, intake: &mut impl Intake) {
        loop {
            match self.train_calls(intake) {
                Some((n, room)) => self.send_train(p, n, room, intake),
                None => {
                    let ctx = intake.ctx();
                    let now = ctx.now;
                    let chunk = self.producers.first_try(p, now, &mut ctx.ledger);
                    self.call(p, 0, now, Chunks::One(chunk), intake);
                }
            }
            let next = self.producers.next_call(p);
            if !super::go_on_inline(next, intake.ctx(), || ev(DirectPutEvent::Produce(p))) {
                return;
            }
        }
    }

    /// How many calls from the one due now can go as one train, when at least two can: calls
    /// that nothing can tell apart from one step each. They all come before the next event,
    /// the end and the next ingest fault that acts on calls (T1, T2, X1), lie in the quota
    /// window of the first and fit in it whole (T6), and at most the last makes a buffer
    /// reach its size hint (T2), in buffers already open (the first call of a buffer sets its
    /// deadline); or each is its own batch behind a busy stage ([`TrainRoom::Batches`]).
    #[inline]
    fn train_calls(&mut self, intake: &mut impl Intake) -> Option<(u64, TrainRoom)> {
        let (law, call_bytes) = self.trains?;
        let room = intake.train_room()?;
        let ctx = intake.ctx();
        let now = ctx.now;
        let first = law.call_of(self.producers.next_record());
        let mut limit = ctx.horizon();
        let window = self.ingest.window_for(now);
        limit = limit.min(SimTime(window));
        // No call of a train meets an ingest fault (X1: each would have its own fate).
        limit = limit.min(self.ingest.faults.calm_until(now)?);
        let mut n = law.calls_before(limit).saturating_sub(first);
        if n < 2 {
            return None;
        }
        let w = &self.ingest.window;
        n = n
            .min(self.ingest.requests_left)
            .min(w.records_left / law.per_call)
            .min(w.bytes_left / call_bytes.max(1))
            .min(match room {
                TrainRoom::Bytes(r) => r.div_ceil(call_bytes.max(1)),
                TrainRoom::Batches => u64::MAX,
            })
            .min(u64::from(u32::MAX) / law.per_call);
        (n >= 2).then_some((n, room))
    }

    /// Sends `n` first-try calls of producer `p` as one train (see [`Self::train_calls`]):
    /// they are counted as `n` calls, use the quota of `n`, and enter the stream as one unit
    /// at the time of the last, each record keeping its own call's ingest time.
    fn send_train(&mut self, p: usize, n: u64, room: TrainRoom, intake: &mut impl Intake) {
        let Some((law, call_bytes)) = self.trains else {
            return;
        };
        let ctx = intake.ctx();
        let first = law.call_of(self.producers.next_record());
        let chunk =
            self.producers
                .first_try_train(p, n as u32, n * call_bytes, ctx.now, &mut ctx.ledger);
        ctx.now = law.time(first + n - 1);
        self.calls.attempts += n;
        self.ingest.requests_left -= n;
        self.ingest.window.consume(&chunk);
        if let Some(m) = &mut ctx.metrics {
            m.add(ctx.now, Slot::IncomingRecords, f64::from(chunk.count));
            m.add(ctx.now, Slot::IncomingBytes, chunk.bytes as f64);
            m.add(ctx.now, Slot::IncomingPutRequests, n as f64);
        }
        let now = ctx.now;
        match room {
            TrainRoom::Bytes(_) => intake.accept(&[chunk], Some((now, false))),
            TrainRoom::Batches => intake.accept_run(chunk, n as u32),
        }
        self.producers.skip_calls(p, n - 1);
    }

    /// A `PutRecordBatch` call of `chunks` starts now. When no ingest fault acts and calls
    /// take no time, a call that the window takes whole or refuses whole (T6) goes without
    /// [`Self::offer`]'s split into accepted and refused records; any other goes through it.
    #[inline(always)]
    fn call(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        chunks: Chunks,
        intake: &mut impl Intake,
    ) {
        let now = intake.ctx().now;
        let whole = if self.ingest.instant && self.ingest.faults.is_empty() {
            self.ingest.admit_whole(now, chunks.as_slice())
        } else {
            None
        };
        match whole {
            Some(true) => {
                self.calls.attempts += 1;
                let none = Chunks::Many(Vec::new());
                self.complete_call(p, attempt, first_try, chunks.as_slice(), none, intake);
            }
            Some(false) => self.refuse_whole(p, attempt, first_try, chunks, intake),
            None => self.offer(p, attempt, first_try, chunks.as_slice(), intake),
        }
    }

    /// A call that the window refused whole ([`Ingest::admit_whole`]): counted, traced and
    /// resent or rejected as [`Self::offer`] would, without splitting it.
    fn refuse_whole(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        chunks: Chunks,
        intake: &mut impl Intake,
    ) {
        let ctx = intake.ctx();
        let now = ctx.now;
        self.calls.attempts += 1;
        self.calls.failed += 1;
        let throttled: u64 = chunks.as_slice().iter().map(|c| u64::from(c.count)).sum();
        ctx.ledger.throttled_records += throttled;
        if throttled > 0 {
            ctx.metric(Slot::ThrottledRecords, throttled as f64);
        }
        super::trace_ingest(ctx, chunks.as_slice(), |records| TraceEvent::Refused {
            at: now,
            attempt: attempt + 1,
            records,
            why: Refusal::Throttled,
        });
        self.complete_call(p, attempt, first_try, &[], chunks, intake);
    }

    /// A `PutRecordBatch` call of `chunks` starts now (I2, I3, T6, T8).
    fn offer(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        chunks: &[Chunk],
        intake: &mut impl Intake,
    ) {
        let ctx = intake.ctx();
        let now = ctx.now;
        self.calls.attempts += 1;
        let mut accepted = std::mem::take(&mut self.scratch_accepted);
        let mut refused = std::mem::take(&mut self.scratch_refused);
        accepted.clear();
        refused.clear();
        let fate = self.ingest.faults.fate(now, &mut self.ingest.rng);
        if fate.failed {
            refused.extend_from_slice(chunks);
        } else {
            let throttled = self.ingest.admit(now, chunks, &mut accepted, &mut refused);
            ctx.ledger.throttled_records += throttled;
            if throttled > 0 {
                ctx.metric(Slot::ThrottledRecords, throttled as f64);
            }
        }
        if fate.failed || fate.ack_lost || !refused.is_empty() {
            self.calls.failed += 1;
            let why = if fate.failed {
                Refusal::Failed
            } else if fate.ack_lost {
                Refusal::AckLost
            } else {
                Refusal::Throttled
            };
            // With `AckLost` the accepted records are resent too, as copies.
            let copies: &[Chunk] = if fate.ack_lost { &accepted } else { &[] };
            super::trace_ingest(ctx, copies.iter().chain(&refused), |records| {
                TraceEvent::Refused {
                    at: now,
                    attempt: attempt + 1,
                    records,
                    why,
                }
            });
        }
        if fate.ack_lost {
            // The producer saw a failure: it resends the accepted records too (F3 copies).
            for c in &accepted {
                ctx.ledger.copied(c);
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
            let resend = Chunks::from_slice(&refused);
            self.complete_call(p, attempt, first_try, &accepted, resend, intake);
        } else {
            ctx.queue.push(
                now + took,
                ev(DirectPutEvent::IngestDone {
                    p,
                    attempt,
                    first_try,
                    accepted: accepted.clone(),
                    refused: refused.clone(),
                }),
            );
        }
        self.scratch_accepted = accepted;
        self.scratch_refused = refused;
    }

    /// A call returns: accepted records enter the stream, refused ones are resent or
    /// rejected (I3).
    #[inline(always)]
    fn complete_call(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: &[Chunk],
        refused: Chunks,
        intake: &mut impl Intake,
    ) {
        if !accepted.is_empty() {
            let ctx = intake.ctx();
            let now = ctx.now;
            if let Some(m) = &mut ctx.metrics {
                let records: u64 = accepted.iter().map(|c| u64::from(c.count)).sum();
                let bytes: u64 = accepted.iter().map(|c| c.bytes).sum();
                m.add(now, Slot::IncomingRecords, records as f64);
                m.add(now, Slot::IncomingBytes, bytes as f64);
                m.add(now, Slot::IncomingPutRequests, 1.0);
            }
            intake.accept(accepted, Some((first_try, attempt > 0)));
        }
        if refused.as_slice().is_empty() {
            return;
        }
        let ctx = intake.ctx();
        if let Some(pause) = self.producers.resend_pause(p, attempt) {
            let now = ctx.now;
            super::trace_ingest(ctx, refused.as_slice(), |records| TraceEvent::Resent {
                at: now,
                attempt: attempt + 2,
                pause,
                records,
            });
            ctx.queue.push(
                ctx.now + pause,
                ev(DirectPutEvent::Resend {
                    p,
                    attempt: attempt + 1,
                    first_try,
                    chunks: refused,
                }),
            );
        } else {
            for c in refused.as_slice() {
                ctx.ledger.rejected(c, ctx.now);
            }
        }
    }
}
