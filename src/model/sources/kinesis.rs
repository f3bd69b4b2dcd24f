//! A Kinesis data stream as the delivery stream's source (K1-K6). Producers write to its
//! shards with `PutRecords` against each shard's write capacity (K2); Firehose reads every
//! shard once a second with `GetRecords` within the read limits (K3), as long as what it holds
//! unsettled is below the back-pressure bound (K5); records age from their arrival in the data
//! stream, and unread ones expire there at the data stream's retention (K4).
//!
//! Cost: a first-try call is split over the shards it touches, `min(records, shards)` pieces
//! (and, with a hot key, one step per hot record); a read is one step per piece it takes. Work
//! grows with calls and shards x seconds, never with records of uniform keys.
//!
//! With call trains ([`KinesisSource::allow_trains`]: one constant-rate producer whose calls
//! spread evenly over the shards and never meet a refusal) a shard's records get ids of their
//! own lane ([`CallLaw::lanes`]), so that everything a shard holds unread is one run, however
//! many calls wrote it: the calls up to the next event go in one step of O(shards), a read is
//! O(1) a shard, and memory stays flat while a backlog builds in the shards (K5).

use super::Intake;
use super::Producers;
use super::partition::Spread;
use super::quota::{Window, scaled, window_start};
use crate::engine::time::MICROS_PER_SEC;
use crate::engine::train::CallLaw;
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::Focus;
use crate::model::chunk::Chunk;
use crate::model::faults::FaultSet;
use crate::model::pipeline::{Ctx, Event};
use crate::model::trace::{Refusal, TraceEvent};
use crate::outcome::ledger::Ledger;
use crate::outcome::metrics::Slot;
use crate::scenario::{CallTime, KinesisStream, MIB, Scenario, Target};
use serde::Serialize;
use std::collections::VecDeque;

/// Write capacity of one shard per second (K2).
const SHARD_RECORDS_PER_SECOND: u64 = 1_000;
/// Read limits of one `GetRecords` call (K3): records, and bytes before other consumers.
const READ_RECORDS: u64 = 10_000;
const READ_BYTES: f64 = 2.0;

/// The report's `kinesis` section (K2-K6).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KinesisReport {
    /// Records the shards accepted.
    pub records_written: u64,
    /// Refusals by the shards' write capacity, counting every refusal
    /// (`WriteProvisionedThroughputExceeded`).
    pub records_refused: u64,
    /// `PutRecords` calls, resends included.
    pub put_records_calls: u64,
    /// Calls with any refused record, or failed by an `Ingest` fault.
    pub put_records_failed: u64,
    /// Records Firehose read.
    pub records_read: u64,
    /// `GetRecords` calls made (a call skipped by back pressure is not one, K5).
    pub get_records_calls: u64,
    /// Calls that could not read a waiting record for lack of read capacity (K3).
    pub throttled_get_records: u64,
    /// The largest `KinesisMillisBehindLatest` sample (K6).
    pub max_millis_behind_latest: u64,
    /// Records that expired unread in the data stream (K4).
    pub expired_unread: u64,
    /// Records that expired after Firehose read them (K4, T12).
    pub expired_read: u64,
}

/// A piece of a call: the records of one shard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    shard: u32,
    chunk: Chunk,
}

/// The source's events.
pub(crate) enum KinesisEvent {
    /// Producer `p`'s next first-try call.
    Produce(usize),
    /// Producer `p` resends refused records (each to its shard).
    Resend {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        pieces: Vec<Piece>,
    },
    /// A `PutRecords` call that takes time ends.
    PutDone {
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: Vec<Piece>,
        refused: Vec<Piece>,
    },
    /// Firehose's `GetRecords` calls of second `n`, shard 0 first (K3).
    Read(u64),
    /// `KinesisMillisBehindLatest` is sampled just before minute `n` ends (K6).
    Sample(usize),
}

fn ev(e: KinesisEvent) -> Event {
    Event::Source(super::SourceEvent::Kinesis(e))
}

/// One shard.
#[derive(Default)]
struct Shard {
    window_end: u64,
    window: Window,
    /// Records written and not yet read, oldest first.
    unread: VecDeque<Chunk>,
    newest_written: Option<SimTime>,
    newest_read: Option<SimTime>,
}

impl Shard {
    /// Adds records written now behind the others; a call train that continues the last run
    /// of its lane joins it.
    fn push(&mut self, c: Chunk) {
        if let Some(back) = self.unread.back_mut()
            && back.is_train()
            && c.is_train()
            && back.first_id + u64::from(back.count) == c.first_id
            && let Some(count) = back.count.checked_add(c.count)
        {
            back.count = count;
            back.bytes += c.bytes;
            return;
        }
        self.unread.push_back(c);
    }
}

/// How a run's first-try calls go as trains (see [`KinesisSource::allow_trains`]).
#[derive(Clone, Copy)]
struct Lanes {
    /// The producer's law: its call times, and its record ids as the producers number them.
    law: CallLaw,
    /// Records each call puts in every shard.
    per_shard: u64,
    /// Bytes of a record.
    record_bytes: u64,
}

/// The producers and the data stream.
pub(crate) struct KinesisSource {
    producers: Producers,
    shards: Vec<Shard>,
    keys: Spread,
    put_faults: FaultSet,
    put_rng: rand_chacha::ChaCha8Rng,
    put_time: CallTime,
    read_faults: FaultSet,
    read_rng: rand_chacha::ChaCha8Rng,
    read_cap_bytes: u64,
    max_unsettled: u64,
    retention: SimDuration,
    /// Bytes read, plus bytes of records that expired unread (the ledger counts those as
    /// settled too): less the ledger's settled bytes, what Firehose holds unsettled (K5).
    taken_bytes: i64,
    report: KinesisReport,
    /// When first-try calls go as trains, in lanes.
    trains: Option<Lanes>,
}

impl KinesisSource {
    /// The data stream `k` of `scenario` and its producers.
    pub(crate) fn new(k: &KinesisStream, scenario: &Scenario, streams: &RngStreams) -> Self {
        let hint = u64::from(scenario.destination.buffering_hints().size_in_mbs) * MIB;
        let max_unsettled = match k.max_unsettled_mib {
            // Reads go on while unsettled < m MiB: for whole bytes, below its ceiling.
            Some(m) => (m * MIB as f64).ceil() as u64,
            None => 2 * hint,
        };
        let keys = Spread::new(k.partition_keys, k.shard_count);
        KinesisSource {
            producers: Producers::new(scenario, streams),
            shards: (0..k.shard_count).map(|_| Shard::default()).collect(),
            keys,
            put_faults: FaultSet::for_target(&scenario.faults, Target::Ingest),
            put_rng: streams.stream("kinesis/put"),
            put_time: scenario.services.ingest.put_time,
            read_faults: FaultSet::for_target(&scenario.faults, Target::Kinesis),
            read_rng: streams.stream("kinesis/read"),
            read_cap_bytes: ((READ_BYTES - k.other_consumers_read_mib_per_second) * MIB as f64)
                .floor()
                .max(0.0) as u64,
            max_unsettled,
            retention: scenario.stream.retention_window(),
            taken_bytes: 0,
            report: KinesisReport::default(),
            trains: None,
        }
    }

    /// Lets the first-try calls go as trains, with a lane of record ids per shard, when the
    /// run qualified for trains (see `model::pipeline`) and every call is alike and accepted
    /// whole: one constant-rate producer of fixed-size records, uniform keys (K2), a call a
    /// multiple of the shard count (each shard gets the same share of every call), no
    /// `Ingest` fault, and no one-second window in which the calls could pass a shard's write
    /// capacity (K2), so that no record is ever refused or resent. Returns the law of a
    /// lane's ids and times.
    pub(crate) fn allow_trains(&mut self) -> Option<CallLaw> {
        if !self.keys.is_uniform() || !self.put_faults.is_empty() {
            return None;
        }
        let p = self.producers.only()?;
        let law = p.law()?;
        let call_bytes = p.fixed_call_bytes()?;
        let shards = self.shards.len() as u64;
        if !law.per_call.is_multiple_of(shards) || !call_bytes.is_multiple_of(law.per_call) {
            return None;
        }
        let (per_shard, record_bytes) = (law.per_call / shards, call_bytes / law.per_call);
        // At most this many calls start in any one-second window.
        let most = u64::try_from(
            (u128::from(MICROS_PER_SEC) * u128::from(law.denom)).div_ceil(u128::from(law.step)),
        )
        .ok()?
        .checked_add(1)?;
        let records = most.checked_mul(per_shard)?;
        if records > SHARD_RECORDS_PER_SECOND || records.checked_mul(record_bytes)? > MIB {
            return None;
        }
        self.trains = Some(Lanes {
            law,
            per_shard,
            record_bytes,
        });
        Some(law.lanes(per_shard))
    }

    /// Schedules every producer's first call, the first reads and the first lag sample.
    pub(crate) fn start(&mut self, ctx: &mut Ctx) {
        self.producers.start(ctx, |p| ev(KinesisEvent::Produce(p)));
        ctx.queue
            .push_last(SimTime::ZERO, ev(KinesisEvent::Read(0)));
        let minute = SimTime(60 * MICROS_PER_SEC);
        if minute < ctx.end {
            ctx.queue
                .push_before_all(minute, ev(KinesisEvent::Sample(0)));
        }
    }

    /// Handles one of the source's events.
    pub(crate) fn handle(&mut self, e: KinesisEvent, intake: &mut impl Intake) {
        match e {
            KinesisEvent::Produce(p) => match self.trains {
                Some(lanes) => self.produce_trains(p, lanes, intake),
                None => self.produce(p, intake),
            },
            KinesisEvent::Resend {
                p,
                attempt,
                first_try,
                pieces,
            } => self.put(p, attempt, first_try, pieces, intake.ctx()),
            KinesisEvent::PutDone {
                p,
                attempt,
                first_try,
                accepted,
                refused,
            } => self.complete_put(p, attempt, first_try, &accepted, refused, intake.ctx()),
            KinesisEvent::Read(n) => self.read(n, intake),
            KinesisEvent::Sample(n) => self.sample(n, intake.ctx()),
        }
    }

    /// First-try calls of producer `p`, from now on, inline while nothing else is due.
    fn produce(&mut self, p: usize, intake: &mut impl Intake) {
        loop {
            let ctx = intake.ctx();
            let now = ctx.now;
            let chunk = self.producers.first_try(p, now, &mut ctx.ledger);
            let mut pieces = Vec::with_capacity(self.shards.len().min(chunk.count as usize));
            let follow = match ctx.focus {
                Some(Focus::Record(k)) => Some(k),
                _ => None,
            };
            let moved = self.keys.split(chunk, follow, |shard, chunk| {
                pieces.push(Piece { shard, chunk })
            });
            if let (Some(record), Some((shard, id))) = (follow, moved) {
                // `explain`: the pieces are relabelled, so the followed id moves with its
                // record (K2).
                ctx.focus = Some(Focus::Record(id));
                ctx.ledger.focus = Some(Focus::Record(id));
                ctx.trace(|| TraceEvent::Sharded {
                    at: now,
                    record,
                    shard,
                    id,
                });
            }
            self.put(p, 0, now, pieces, ctx);
            let next = self.producers.next_call(p);
            if !super::go_on_inline(next, intake.ctx(), || ev(KinesisEvent::Produce(p))) {
                return;
            }
        }
    }

    /// First-try calls of producer `p` as trains (see [`Self::allow_trains`]): the calls from
    /// the one due now up to the next event or the end, in one step. Each shard's records of
    /// them join its lane's run, each keeping its call's time as its arrival (K4); they count
    /// as that many calls. Nothing is refused (the trains' conditions), so nothing is resent.
    fn produce_trains(&mut self, p: usize, lanes: Lanes, intake: &mut impl Intake) {
        let law = lanes.law;
        loop {
            let ctx = intake.ctx();
            let now = ctx.now;
            let first = law.call_of(self.producers.next_record());
            let n = law
                .calls_before(ctx.horizon())
                .saturating_sub(first)
                .clamp(1, u64::from(u32::MAX) / law.per_call);
            let records = n * law.per_call;
            let all = self.producers.first_try_train(
                p,
                n as u32,
                records * lanes.record_bytes,
                now,
                &mut ctx.ledger,
            );
            ctx.ledger.ingested(&all, now, now, false);
            let last = law.time(first + n - 1);
            let (local, count) = (first * lanes.per_shard, n * lanes.per_shard);
            for (s, shard) in self.shards.iter_mut().enumerate() {
                let c = Chunk::new(
                    CallLaw::lane_id(s as u64, local),
                    count as u32,
                    count * lanes.record_bytes,
                    now,
                )
                .from_source(p as u16)
                .as_train();
                shard.push(c);
                shard.newest_written = Some(last);
            }
            self.report.put_records_calls += n;
            self.report.records_written += records;
            ctx.now = last;
            self.producers.skip_calls(p, n - 1);
            let next = self.producers.next_call(p);
            if !super::go_on_inline(next, intake.ctx(), || ev(KinesisEvent::Produce(p))) {
                return;
            }
        }
    }

    /// A `PutRecords` call of `pieces` starts now: each shard takes, in order, what its write
    /// capacity of this second allows (K2); an `Ingest` fault fails the whole call.
    fn put(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        pieces: Vec<Piece>,
        ctx: &mut Ctx,
    ) {
        let now = ctx.now;
        self.report.put_records_calls += 1;
        let fate = self.put_faults.fate(now, &mut self.put_rng);
        let mut accepted = Vec::with_capacity(pieces.len());
        let mut refused = Vec::new();
        let bytes: u64 = pieces.iter().map(|p| p.chunk.bytes).sum();
        if fate.failed {
            refused = pieces;
        } else {
            let mut throttled = 0;
            for piece in pieces {
                let shard = &mut self.shards[piece.shard as usize];
                if now.0 >= shard.window_end {
                    let (start, f) = window_start(now, &self.put_faults);
                    shard.window_end = start + MICROS_PER_SEC;
                    shard.window = Window {
                        records_left: scaled(SHARD_RECORDS_PER_SECOND, f),
                        bytes_left: scaled(MIB, f),
                    };
                }
                let (front, rest) = shard.window.take(piece.chunk);
                if let Some(chunk) = front {
                    accepted.push(Piece { chunk, ..piece });
                }
                if let Some(chunk) = rest {
                    throttled += u64::from(chunk.count);
                    refused.push(Piece { chunk, ..piece });
                }
            }
            self.report.records_refused += throttled;
            if throttled > 0 {
                ctx.metric(Slot::WriteThroughputExceeded, throttled as f64);
            }
        }
        if fate.failed || !refused.is_empty() {
            self.report.put_records_failed += 1;
            let why = if fate.failed {
                Refusal::Failed
            } else {
                Refusal::Throttled
            };
            super::trace_ingest(ctx, refused.iter().map(|p| &p.chunk), |records| {
                TraceEvent::Refused {
                    at: now,
                    attempt: attempt + 1,
                    records,
                    why,
                }
            });
        }
        let took = self.put_time.for_bytes(bytes).mul_f64(fate.slow);
        if took == SimDuration::ZERO {
            self.complete_put(p, attempt, first_try, &accepted, refused, ctx);
        } else {
            ctx.queue.push(
                now + took,
                ev(KinesisEvent::PutDone {
                    p,
                    attempt,
                    first_try,
                    accepted,
                    refused,
                }),
            );
        }
    }

    /// A call returns: accepted records arrive in their shards now (their ingest time, K4);
    /// refused ones are resent or `rejected` (I3).
    fn complete_put(
        &mut self,
        p: usize,
        attempt: u32,
        first_try: SimTime,
        accepted: &[Piece],
        refused: Vec<Piece>,
        ctx: &mut Ctx,
    ) {
        let now = ctx.now;
        for piece in accepted {
            let mut c = piece.chunk;
            c.ingest = now;
            ctx.ledger.ingested(&c, first_try, now, attempt > 0);
            self.report.records_written += u64::from(c.count);
            let shard = &mut self.shards[piece.shard as usize];
            shard.push(c);
            shard.newest_written = Some(now);
        }
        if refused.is_empty() {
            return;
        }
        if let Some(pause) = self.producers.resend_pause(p, attempt) {
            super::trace_ingest(ctx, refused.iter().map(|p| &p.chunk), |records| {
                TraceEvent::Resent {
                    at: now,
                    attempt: attempt + 2,
                    pause,
                    records,
                }
            });
            ctx.queue.push(
                now + pause,
                ev(KinesisEvent::Resend {
                    p,
                    attempt: attempt + 1,
                    first_try,
                    pieces: refused,
                }),
            );
        } else {
            for piece in &refused {
                ctx.ledger.rejected(&piece.chunk, now);
            }
        }
    }

    /// K4: unread records of shard `s` whose age reaches the retention by `t` (at `t` itself
    /// when `at_t`) expire at that instant.
    fn expire_unread(&mut self, s: usize, t: SimTime, at_t: bool, ledger: &mut Ledger) {
        let retention = self.retention;
        let shard = &mut self.shards[s];
        while let Some(c) = shard.unread.front_mut() {
            let due = c.ingest + retention;
            if due > t || (due == t && !at_t) {
                break;
            }
            // Of a call train, the records that arrived before `young` (`t` is at least
            // `due`, so at least the retention).
            let young = SimTime(t.0 - retention.0 + u64::from(at_t));
            let mut old = match c.split_ingested_before(young) {
                Some(front) => front,
                None => {
                    let whole = *c;
                    shard.unread.pop_front();
                    whole
                }
            };
            let due = old.ingest + retention;
            ledger.expired(&mut old, due);
            self.report.expired_unread += u64::from(old.count);
            self.taken_bytes += old.bytes as i64;
        }
    }

    /// Bytes read and not yet settled (K5).
    fn unsettled(&self, ledger: &Ledger) -> i64 {
        self.taken_bytes - ledger.settled_bytes
    }

    /// The `GetRecords` calls of second `n`, shard 0 first (K3, K5); then each shard's read
    /// enters the first buffer as one arrival.
    fn read(&mut self, n: u64, intake: &mut impl Intake) {
        let ctx = intake.ctx();
        let now = ctx.now;
        let f = if self.read_faults.is_empty() {
            1.0
        } else {
            self.read_faults.throttle(now)
        };
        let mut units: Vec<Vec<Chunk>> = Vec::new();
        for s in 0..self.shards.len() {
            self.expire_unread(s, now, true, &mut ctx.ledger);
            if self.unsettled(&ctx.ledger) >= self.max_unsettled as i64 {
                continue;
            }
            self.report.get_records_calls += 1;
            let fate = self.read_faults.fate(now, &mut self.read_rng);
            if fate.failed {
                continue;
            }
            let mut window = Window {
                records_left: scaled(READ_RECORDS, f),
                bytes_left: scaled(self.read_cap_bytes, f),
            };
            let shard = &mut self.shards[s];
            let mut unit = Vec::new();
            let mut read = (0u64, 0u64);
            while let Some(&c) = shard.unread.front() {
                if c.ingest >= now {
                    break;
                }
                shard.unread.pop_front();
                // Of a call train, only the records that arrived before now.
                let mut c = c;
                if let Some(before) = c.split_ingested_before(now) {
                    shard.unread.push_front(c);
                    c = before;
                }
                let (front, rest) = window.take(c);
                if let Some(rest) = rest {
                    shard.unread.push_front(rest);
                }
                let Some(front) = front else {
                    break;
                };
                read.0 += u64::from(front.count);
                read.1 += front.bytes;
                shard.newest_read = Some(front.newest_ingest());
                unit.push(front);
            }
            if unit.is_empty() && shard.unread.front().is_some_and(|c| c.ingest < now) {
                self.report.throttled_get_records += 1;
                ctx.metric(Slot::ThrottledGetRecords, 1.0);
            }
            if !unit.is_empty() {
                self.report.records_read += read.0;
                self.taken_bytes += read.1 as i64;
                ctx.metric(Slot::KinesisReadRecords, read.0 as f64);
                ctx.metric(Slot::KinesisReadBytes, read.1 as f64);
                units.push(unit);
            }
        }
        let next = now + SimDuration::from_secs(1);
        if next < ctx.end {
            ctx.queue.push_last(next, ev(KinesisEvent::Read(n + 1)));
        }
        for unit in units {
            intake.accept(&unit, None);
        }
    }

    /// K6: `KinesisMillisBehindLatest` just before minute `n` ends.
    fn sample(&mut self, n: usize, ctx: &mut Ctx) {
        let now = ctx.now;
        let mut behind = 0u64;
        for s in 0..self.shards.len() {
            self.expire_unread(s, now, false, &mut ctx.ledger);
            let shard = &self.shards[s];
            if shard.unread.is_empty() {
                continue;
            }
            let written = shard.newest_written.unwrap_or(SimTime::ZERO);
            let read = shard.newest_read.unwrap_or(SimTime::ZERO);
            behind = behind.max(written.since(read).as_micros() / 1_000);
        }
        self.report.max_millis_behind_latest = self.report.max_millis_behind_latest.max(behind);
        if let Some(m) = &mut ctx.metrics {
            m.set(n, Slot::KinesisMillisBehind, behind as f64);
        }
        let next = now + SimDuration::from_secs(60);
        if next < ctx.end {
            ctx.queue
                .push_before_all(next, ev(KinesisEvent::Sample(n + 1)));
        }
    }

    /// K6 at the end: when the run ends on a whole minute, that minute's sample is taken just
    /// before the end, after every event of the run.
    pub(crate) fn sample_at_end(&mut self, ctx: &mut Ctx) {
        let minute = 60 * MICROS_PER_SEC;
        if ctx.end.0 >= minute && ctx.end.0.is_multiple_of(minute) {
            ctx.now = ctx.end;
            self.sample((ctx.end.0 / minute - 1) as usize, ctx);
        }
    }

    /// The arrival of the oldest unread record that has not expired by `now`.
    pub(crate) fn oldest_pending(&self, now: SimTime) -> Option<SimTime> {
        // Records that arrived before `young` have expired (at least the retention old).
        let young = SimTime((now.0 + 1).saturating_sub(self.retention.0));
        self.shards
            .iter()
            .filter_map(|s| {
                s.unread.iter().find_map(|c| {
                    let mut c = *c;
                    if c.split_ingested_before(young).is_some() || c.ingest >= young {
                        Some(c.ingest)
                    } else {
                        None
                    }
                })
            })
            .min()
    }

    /// Records still in the shards at the end expire if their age reached the retention
    /// before it (K4), else they are in flight; pending calls' records are with their
    /// producers.
    pub(crate) fn settle_at_end(&mut self, end: SimTime, ledger: &mut Ledger) {
        for s in 0..self.shards.len() {
            self.expire_unread(s, end, false, ledger);
            for c in &self.shards[s].unread {
                ledger.in_stream_at_end(c, end);
            }
        }
    }

    /// A pending event's records at the end are with their producers.
    pub(crate) fn settle_event_at_end(e: KinesisEvent, ledger: &mut Ledger) {
        match e {
            KinesisEvent::Resend { pieces, .. } => pieces
                .iter()
                .for_each(|p| ledger.with_producer_at_end(&p.chunk)),
            KinesisEvent::PutDone {
                accepted, refused, ..
            } => accepted
                .iter()
                .chain(&refused)
                .for_each(|p| ledger.with_producer_at_end(&p.chunk)),
            _ => {}
        }
    }

    /// The report section; `expired` is the run's `records.expired`.
    pub(crate) fn report(&self, expired: u64) -> KinesisReport {
        KinesisReport {
            expired_read: expired - self.report.expired_unread,
            ..self.report.clone()
        }
    }
}
