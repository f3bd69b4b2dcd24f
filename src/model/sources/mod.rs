//! Where records come from. A source makes calls, applies its quotas, and hands the records
//! that entered the stream to the pipeline through `Intake`; the pipeline knows nothing of how.
//!
//! - `direct_put`: producers calling `PutRecordBatch` against the stream's quotas (I1-I3).
//! - `kinesis`: producers writing to a Kinesis data stream's shards, which Firehose reads
//!   (K1-K6).
//! - [`producer`]: when a producer calls, how large each call is, its resend backoff (I1, I3, T1).
//! - `partition`: how a call spreads over the shards (K2).
//! - `quota`: per-second capacity windows with partial acceptance (I2, T6, K2, K3).

pub(crate) mod direct_put;
pub(crate) mod kinesis;
pub(crate) mod partition;
pub mod producer;
pub(crate) mod quota;

use super::CallCounts;
use super::chunk::Chunk;
use super::pipeline::{Ctx, Event};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::outcome::ledger::Ledger;
use crate::scenario::{Scenario, StreamSource};
use direct_put::{DirectPutEvent, DirectPutSource};
use kinesis::{KinesisEvent, KinesisReport, KinesisSource};

/// What a source hands the records that entered the stream to.
pub(crate) trait Intake {
    /// The shared clock, queue, ledger, trace and metrics.
    fn ctx(&mut self) -> &mut Ctx;
    /// The records of one call entered the stream now, as one unit (T2). With `first_try`
    /// (the call's first try, and whether this was a resend) they are new to the stream: they
    /// take `now` as their ingest time and the ledger counts them ingested.
    fn accept(&mut self, accepted: &[Chunk], first_try: Option<(SimTime, bool)>);
    /// How a call train can go in now, or `None` when it cannot: a buffer is empty (its first
    /// call sets its deadline), flushes every unit into an idle writer, or is split by
    /// partition.
    fn train_room(&self) -> Option<TrainRoom>;
    /// Call train `chunk` of `calls` calls, each its own batch (see [`TrainRoom::Batches`]),
    /// entered the stream: the records take their calls' times, each call's flush makes a
    /// batch, and the batches queue behind the busy stage as one entry.
    fn accept_run(&mut self, chunk: Chunk, calls: u32);
}

/// Where a call train goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrainRoom {
    /// Into open buffers that can take this many bytes before one reaches its size hint.
    Bytes(u64),
    /// The first buffer flushes every call (no interval) and nothing else is in the way:
    /// every call is its own batch for a stage that is busy (the stream's bucket's writer,
    /// T11, or every Lambda slot, L5), so they only queue (T2).
    Batches,
}

/// After a producer's call: moves the clock to its next call `next` and returns true when
/// nothing else is due before it, so that the caller makes that call inline, in the order one
/// event per call would give (T2: a call at the instant of another event comes after it);
/// otherwise schedules `event` for it (if it comes before the end) and returns false.
#[inline]
/// `explain`'s ingest steps: with a focus, traces `event` (given the followed records among
/// `chunks`) when `chunks` hold a followed record. Nothing is kept without a focus.
pub(super) fn trace_ingest<'a>(
    ctx: &mut Ctx,
    chunks: impl IntoIterator<Item = &'a Chunk>,
    event: impl FnOnce(u64) -> super::TraceEvent,
) {
    let Some(f) = ctx.focus else {
        return;
    };
    let records: u64 = chunks
        .into_iter()
        .filter(|c| f.holds(c.first_id, c.count, c.ingest))
        .map(|c| u64::from(c.count))
        .sum();
    if records > 0 {
        ctx.trace(|| event(records));
    }
}

pub(crate) fn go_on_inline(
    next: Option<SimTime>,
    ctx: &mut Ctx,
    event: impl FnOnce() -> Event,
) -> bool {
    let Some(next) = next else {
        return false;
    };
    if next >= ctx.end {
        return false;
    }
    if ctx.queue.peek_time().is_some_and(|t| t <= next) {
        ctx.queue.push(next, event());
        return false;
    }
    ctx.now = next;
    ctx.events += 1;
    true
}

/// Every producer of a scenario, and the record ids they hand out (K2: 0-based, in sending
/// order over all producers). Both sources make their calls through this.
pub(crate) struct Producers {
    list: Vec<producer::Producer>,
    next_record: u64,
}

impl Producers {
    /// The producers of `scenario`.
    pub(crate) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        Producers {
            list: scenario
                .sources
                .iter()
                .map(|s| match s {
                    crate::scenario::Source::DirectPut(p) => producer::Producer::new(p, streams),
                })
                .collect(),
            next_record: 0,
        }
    }

    /// Schedules every producer's first call as `event(p)`.
    pub(crate) fn start(&mut self, ctx: &mut Ctx, event: impl Fn(usize) -> Event) {
        for p in 0..self.list.len() {
            if let Some(t) = self.list[p].next_call() {
                ctx.queue.push(t, event(p));
            }
        }
    }

    /// The records of producer `p`'s first-try call at `now`, counted as produced.
    #[inline]
    pub(crate) fn first_try(&mut self, p: usize, now: SimTime, ledger: &mut Ledger) -> Chunk {
        let n = self.list[p].records_per_call;
        let bytes = self.list[p].call_bytes(n);
        self.new_records(p, n, bytes, now, ledger)
    }

    /// The records of a first-try call train of producer `p` (`calls` calls of `bytes` in
    /// all, the first sent at `now`), counted as produced.
    pub(crate) fn first_try_train(
        &mut self,
        p: usize,
        calls: u32,
        bytes: u64,
        now: SimTime,
        ledger: &mut Ledger,
    ) -> Chunk {
        let n = self.list[p].records_per_call * calls;
        self.new_records(p, n, bytes, now, ledger).as_train()
    }

    /// `n` new records of producer `p` (`bytes` in all, sent at `now`): the next ids, counted
    /// as produced.
    #[inline]
    fn new_records(
        &mut self,
        p: usize,
        n: u32,
        bytes: u64,
        now: SimTime,
        ledger: &mut Ledger,
    ) -> Chunk {
        let chunk = Chunk::new(self.next_record, n, bytes, now).from_source(p as u16);
        self.next_record += u64::from(n);
        ledger.produced(n);
        chunk
    }

    /// The id the next new record gets.
    pub(crate) fn next_record(&self) -> u64 {
        self.next_record
    }

    /// The producer, when there is only one.
    pub(crate) fn only(&self) -> Option<&producer::Producer> {
        match self.list.as_slice() {
            [p] => Some(p),
            _ => None,
        }
    }

    /// Moves producer `p` `n` first-try calls on (a train carried them).
    pub(crate) fn skip_calls(&mut self, p: usize, n: u64) {
        self.list[p].skip_calls(n);
    }

    /// The time of producer `p`'s next first-try call.
    #[inline]
    pub(crate) fn next_call(&mut self, p: usize) -> Option<SimTime> {
        self.list[p].next_call()
    }

    /// After attempt `attempt` (0 for the first try) of producer `p` had records refused: the
    /// pause before it resends them, or `None` when its retries are spent (I3: then they are
    /// `rejected`).
    pub(crate) fn resend_pause(&mut self, p: usize, attempt: u32) -> Option<SimDuration> {
        let producer = &mut self.list[p];
        (attempt < producer.max_retries).then(|| producer.backoff(attempt + 1))
    }
}

/// A source's events.
pub(crate) enum SourceEvent {
    /// Of a Direct PUT stream.
    DirectPut(DirectPutEvent),
    /// Of a Kinesis data stream.
    Kinesis(KinesisEvent),
}

/// The stream's source (K1). There is one per run, unboxed so that the Direct PUT call path
/// takes no indirection.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Source {
    /// Direct PUT producers (I1-I4).
    DirectPut(DirectPutSource),
    /// A Kinesis data stream and its producers (K1-K6).
    Kinesis(KinesisSource),
}

impl Source {
    /// The source of `scenario`.
    pub(crate) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        match &scenario.stream.source {
            StreamSource::DirectPut => Source::DirectPut(DirectPutSource::new(scenario, streams)),
            StreamSource::KinesisStream(k) => {
                Source::Kinesis(KinesisSource::new(k, scenario, streams))
            }
        }
    }

    /// Schedules its first events.
    pub(crate) fn start(&mut self, ctx: &mut Ctx) {
        match self {
            Source::DirectPut(s) => s.start(ctx),
            Source::Kinesis(s) => s.start(ctx),
        }
    }

    /// Handles one of its events.
    #[inline]
    pub(crate) fn handle(&mut self, e: SourceEvent, intake: &mut impl Intake) {
        match (self, e) {
            (Source::DirectPut(s), SourceEvent::DirectPut(e)) => s.handle(e, intake),
            (Source::Kinesis(s), SourceEvent::Kinesis(e)) => s.handle(e, intake),
            _ => {}
        }
    }

    /// The ingest time of the oldest record it holds that has no fate yet.
    pub(crate) fn oldest_pending(&self, now: SimTime) -> Option<SimTime> {
        match self {
            Source::DirectPut(_) => None,
            Source::Kinesis(s) => s.oldest_pending(now),
        }
    }

    /// Takes what it samples at the end of the run (K6).
    pub(crate) fn sample_at_end(&mut self, ctx: &mut Ctx) {
        if let Source::Kinesis(s) = self {
            s.sample_at_end(ctx);
        }
    }

    /// Settles what it still holds at the end `end`.
    pub(crate) fn settle_at_end(&mut self, end: SimTime, ledger: &mut Ledger) {
        if let Source::Kinesis(s) = self {
            s.settle_at_end(end, ledger);
        }
    }

    /// Records of a pending event at the end are with their producers.
    pub(crate) fn settle_event_at_end(e: SourceEvent, ledger: &mut Ledger) {
        match e {
            SourceEvent::DirectPut(e) => DirectPutSource::settle_event_at_end(e, ledger),
            SourceEvent::Kinesis(e) => KinesisSource::settle_event_at_end(e, ledger),
        }
    }

    /// `calls.put_record_batch` (0 with a Kinesis source, K2).
    pub(crate) fn put_record_batch(&self) -> CallCounts {
        match self {
            Source::DirectPut(s) => s.calls(),
            Source::Kinesis(_) => CallCounts::default(),
        }
    }

    /// The `kinesis` report section, with a Kinesis source; `expired` is `records.expired`.
    pub(crate) fn kinesis(&self, expired: u64) -> Option<KinesisReport> {
        match self {
            Source::DirectPut(_) => None,
            Source::Kinesis(s) => Some(s.report(expired)),
        }
    }
}
