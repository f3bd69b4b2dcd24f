//! The one attempt loop that every service call runs on (Lambda invocations, S3 PUTs to either
//! bucket, Redshift COPYs, OpenSearch bulk requests): expiry at an attempt's start (T5, T12),
//! the faults' fate (X1, T3), the call time and timeout (T8), the outcome, the retry decision
//! (a [`RetryPolicy`]), and the trace and metrics hooks, each written once. A stage states only
//! what differs: its call time, what a success does, and where a give-up goes.

use super::chunk::Chunk;
use super::faults::{CallFate, FaultSet};
use super::pipeline::{Call, Ctx, Event};
use super::retry::RetryPolicy;
use super::trace::{Attempt, Outcome, Stage, TraceEvent};
use crate::engine::train::CallLaw;
use crate::engine::{SimDuration, SimTime};
use crate::outcome::metrics::Slot;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// A batch's progress through its attempts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tries {
    /// Attempts started so far.
    pub attempts: u32,
    /// When the first attempt started.
    pub first_start: SimTime,
    /// When the latest attempt started.
    pub attempt_start: SimTime,
    /// How the latest attempt ends (decided when it starts).
    pub outcome: Outcome,
    /// The pauses between attempts so far (H5 counts only these).
    pub paused: SimDuration,
}

impl Default for Tries {
    fn default() -> Self {
        Tries {
            attempts: 0,
            first_start: SimTime::ZERO,
            attempt_start: SimTime::ZERO,
            outcome: Outcome::Ok,
            paused: SimDuration::ZERO,
        }
    }
}

impl Tries {
    /// An attempt starts at `now`.
    pub(crate) fn begin(&mut self, now: SimTime) {
        if self.attempts == 0 {
            self.first_start = now;
        }
        self.attempts += 1;
        self.attempt_start = now;
    }
}

/// What one flush, invocation, object, COPY or request carries (the glossary's *batch*).
pub(crate) struct Batch {
    /// Batch id (1, 2, ... in the order batches are made).
    pub id: u64,
    /// Its records.
    pub chunks: Vec<Chunk>,
    /// Their bytes.
    pub bytes: u64,
    /// The ingest time of its oldest chunk (when it was made, if it has none).
    pub oldest: SimTime,
    /// When it was made.
    pub created: SimTime,
    /// Its attempts.
    pub tries: Tries,
    /// The partition whose buffer made it (P2: it stays active until this is written).
    pub partition: Option<u32>,
}

impl Batch {
    /// A batch made at `now`.
    pub(crate) fn new(id: u64, chunks: Vec<Chunk>, bytes: u64, now: SimTime) -> Self {
        let oldest = chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
        Batch {
            id,
            chunks,
            bytes,
            oldest,
            created: now,
            tries: Tries::default(),
            partition: None,
        }
    }

    /// For a batch that stands for a run of one-call batches (a call train's, queued behind a
    /// busy stage): keeps the first call's records as this batch and returns the others as
    /// one batch with the next id, made when its first call was sent (T2: with no interval,
    /// every call is its own flush).
    pub(crate) fn split_first_call(&mut self) -> Option<Batch> {
        let law = CallLaw::current()?;
        let c = self.chunks.first_mut()?;
        if u64::from(c.count) <= law.per_call {
            return None;
        }
        let first = c.split_front(law.per_call as u32);
        let rest = *c;
        *self = Batch::new(self.id, vec![first], first.bytes, first.ingest);
        Some(Batch::new(self.id + 1, vec![rest], rest.bytes, rest.ingest))
    }

    /// Appends call train `chunk`, whose one-call batches take ids from `first_id` on, to this
    /// untried run of `run` one-call batches when both continue it (the next record ids and
    /// the next batch ids): then one entry stands for both. Returns false when they do not.
    pub(crate) fn extend_run(&mut self, run: u32, chunk: Chunk, first_id: u64) -> bool {
        let [last] = self.chunks.as_mut_slice() else {
            return false;
        };
        let continues = self.tries.attempts == 0
            && last.is_train()
            && chunk.is_train()
            && last.first_id + u64::from(last.count) == chunk.first_id
            && self.id + u64::from(run) == first_id
            && last.count.checked_add(chunk.count).is_some();
        if continues {
            last.count += chunk.count;
            last.bytes += chunk.bytes;
            self.bytes += chunk.bytes;
        }
        continues
    }

    /// Records carried (settled ones included).
    pub(crate) fn records(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.count)).sum()
    }

    /// T5, T12: at an attempt's start, the records at least `retention` old are `expired`
    /// (for backup `copies`, only the copies are lost) and removed; records already at the
    /// destination or in S3 (settled by an attempt whose acknowledgement was lost) stay. Returns true when that left
    /// the batch empty: it is not sent, and whatever waited for it goes on.
    pub(crate) fn expire(&mut self, ctx: &mut Ctx, copies: bool) -> bool {
        let (now, retention) = (ctx.now, ctx.retention);
        if now.since(self.oldest) < retention {
            return false;
        }
        let traced = ctx.trace.is_some()
            && ctx.focus.is_none_or(|f| {
                self.chunks.iter().any(|c| {
                    !c.is_settled()
                        && now.since(c.ingest) >= retention
                        && f.holds(c.first_id, c.count, c.ingest)
                })
            });
        let mut expired = 0;
        let mut newest = SimTime::ZERO;
        let ledger = &mut ctx.ledger;
        // A call train whose first records are old and last are not is cut where the old
        // ones end: records ingested before `young` are at least `retention` old.
        let young = SimTime(now.0 - retention.0 + 1);
        let cut = |c: &Chunk| c.is_train() && c.ingest < young && c.newest_ingest() >= young;
        if self.chunks.iter().any(cut) {
            let mut split = Vec::with_capacity(self.chunks.len() + 1);
            for mut c in self.chunks.drain(..) {
                if !c.is_settled()
                    && let Some(front) = c.split_ingested_before(young)
                {
                    split.push(front);
                }
                split.push(c);
            }
            self.chunks = split;
        }
        self.chunks.retain_mut(|c| {
            let old = !c.is_settled() && now.since(c.ingest) >= retention;
            if old {
                if copies {
                    ledger.backup_expired += u64::from(c.count);
                } else {
                    ledger.expired(c, now);
                }
                expired += u64::from(c.count);
                newest = newest.max(c.newest_ingest());
            }
            !old
        });
        self.bytes = self.chunks.iter().map(|c| c.bytes).sum();
        self.oldest = self.chunks.iter().map(|c| c.ingest).min().unwrap_or(now);
        let id = self.id;
        if traced {
            ctx.trace(|| TraceEvent::Expired {
                at: now,
                batch: id,
                records: expired,
                newest_ingest: newest,
            });
        }
        self.chunks.is_empty()
    }
}

/// How the records of a batch in a queue age (T12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Its records expire at an attempt's start.
    Records,
    /// It carries backup copies: only the copies are lost (L6).
    Copies,
    /// It never expires (an `errors/` manifest, T12).
    Never,
}

/// A batch waiting in a head-of-line [`Lane`].
pub(crate) trait Queued {
    /// The batch.
    fn batch(&mut self) -> &mut Batch;
    /// How it ages.
    fn expiry(&self) -> Expiry {
        Expiry::Records
    }
    /// When it stands for a run of several batches (one per call of a call train), splits
    /// off and returns all but the first, leaving the first as itself.
    fn split_run(&mut self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

impl Queued for Batch {
    fn batch(&mut self) -> &mut Batch {
        self
    }
}

/// What a head-of-line lane is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LaneState {
    /// Nothing to do.
    Idle,
    /// An attempt runs, or a retry is due.
    Busy,
    /// A batch was given up; the lane waits until its object is in S3 (T10).
    Waiting,
}

/// Batches served one at a time, in order, the head retried until it is done (S2).
pub(crate) struct Lane<T> {
    /// The batches, head first.
    pub queue: VecDeque<T>,
    /// What the lane is doing.
    pub state: LaneState,
}

impl<T: Queued> Lane<T> {
    /// An empty, idle lane.
    pub(crate) fn new() -> Self {
        Lane {
            queue: VecDeque::new(),
            state: LaneState::Idle,
        }
    }

    /// The head batch, ready for an attempt now: batches that expiry (T12) leaves empty are
    /// removed first and handed to `dropped`. `None` (and the lane idle) when nothing is left.
    pub(crate) fn head(&mut self, ctx: &mut Ctx, mut dropped: impl FnMut(T)) -> Option<&mut T> {
        loop {
            let Some(head) = self.queue.front_mut() else {
                self.state = LaneState::Idle;
                return None;
            };
            if let Some(rest) = head.split_run() {
                self.queue.insert(1, rest);
            }
            let Some(head) = self.queue.front_mut() else {
                continue;
            };
            let expiry = head.expiry();
            if expiry != Expiry::Never && head.batch().expire(ctx, expiry == Expiry::Copies) {
                if let Some(gone) = self.queue.pop_front() {
                    dropped(gone);
                }
                continue;
            }
            break;
        }
        self.state = LaneState::Busy;
        self.queue.front_mut()
    }
}

/// Which metric slots an attempt feeds (M1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetricSlots {
    /// Attempts (the denominator of `*.Success`).
    pub attempts: Slot,
    /// Successful attempts.
    pub ok: Slot,
    /// Records carried, and whether an attempt whose acknowledgement was lost counts.
    pub records: Option<(Slot, bool)>,
    /// Sum and count of the attempts' durations in ms (`ExecuteProcessing.Duration`).
    pub duration_ms: Option<(Slot, Slot)>,
}

/// Counts of one service's calls: every stage keeps these, the report shows the ones its
/// contract names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DeliveryCalls {
    /// Distinct batches that made at least one attempt.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Tries that did not end `Ok`.
    pub failed: u64,
    /// Batches given up on.
    pub skipped_batches: u64,
    /// The most attempts one batch took.
    pub max_attempts_per_batch: u64,
}

impl DeliveryCalls {
    /// The three counts every call reports.
    pub(crate) fn counts(&self) -> super::CallCounts {
        super::CallCounts {
            batches: self.batches,
            attempts: self.attempts,
            failed: self.failed,
        }
    }
}

/// One external service as the attempt loop sees it: its faults and their random stream, its
/// retry policy, its counts, and its trace and metric names.
pub(crate) struct Service {
    /// Which call this is (trace).
    pub stage: Stage,
    /// The faults that target it (X1).
    pub faults: FaultSet,
    /// Its own random stream (X2).
    pub rng: ChaCha8Rng,
    /// When a failed attempt is tried again.
    pub retry: RetryPolicy,
    /// Its call counts.
    pub calls: DeliveryCalls,
    /// Its metrics.
    pub metrics: MetricSlots,
}

impl Service {
    /// A service with no calls made yet.
    pub(crate) fn new(
        stage: Stage,
        faults: FaultSet,
        rng: ChaCha8Rng,
        retry: RetryPolicy,
        metrics: MetricSlots,
    ) -> Self {
        Service {
            stage,
            faults,
            rng,
            retry,
            calls: DeliveryCalls::default(),
            metrics,
        }
    }

    /// Counts an attempt of `tries` starting now; attempts and batches are counted when they
    /// start (T8).
    pub(crate) fn begin(&mut self, now: SimTime, tries: &mut Tries) {
        if tries.attempts == 0 {
            self.calls.batches += 1;
        }
        tries.begin(now);
        self.calls.attempts += 1;
        self.calls.max_attempts_per_batch = self
            .calls
            .max_attempts_per_batch
            .max(u64::from(tries.attempts));
    }

    /// The faults' fate of a call starting now (T3); no draw when none targets the service.
    pub(crate) fn fate(&mut self, now: SimTime) -> CallFate {
        self.faults.fate(now, &mut self.rng)
    }

    /// How an attempt with call time `d` (before `Slow`) ends and how long it takes (T8): past
    /// the timeout it fails at the timeout; under `Outage` or `Errors` it fails at its end.
    pub(crate) fn timed(
        fate: CallFate,
        d: SimDuration,
        timeout: Option<SimDuration>,
    ) -> (Outcome, SimDuration) {
        let d = d.mul_f64(fate.slow);
        match timeout {
            Some(t) if d > t => (Outcome::Timeout, t),
            _ if fate.failed => (Outcome::Failed, d),
            _ if fate.ack_lost => (Outcome::AckLost, d),
            _ => (Outcome::Ok, d),
        }
    }

    /// The attempt just begun ends `took` from now as `outcome`.
    pub(crate) fn schedule_end(
        ctx: &mut Ctx,
        tries: &mut Tries,
        outcome: Outcome,
        took: SimDuration,
        call: Call,
    ) {
        tries.outcome = outcome;
        ctx.queue.push(ctx.now + took, Event::AttemptEnd(call));
    }

    /// Trace hook: the attempt of batch `batch` (records `chunks`) that ends now carried
    /// `records`.
    pub(crate) fn trace_end(
        &self,
        ctx: &mut Ctx,
        batch: u64,
        chunks: &[Chunk],
        tries: &Tries,
        records: u64,
    ) {
        let (stage, now) = (self.stage, ctx.now);
        ctx.trace_of(chunks, || {
            TraceEvent::Attempt(Attempt {
                stage,
                batch,
                attempt: tries.attempts,
                start: tries.attempt_start,
                end: now,
                records,
                outcome: tries.outcome,
            })
        });
    }

    /// Metrics hook and failure count of the attempt that ends now carrying `records` (M1).
    pub(crate) fn count_end(&mut self, ctx: &mut Ctx, tries: &Tries, records: u64) {
        let outcome = tries.outcome;
        if outcome != Outcome::Ok {
            self.calls.failed += 1;
        }
        let Some(m) = &mut ctx.metrics else {
            return;
        };
        let (now, slots) = (ctx.now, self.metrics);
        if let Some((sum, count)) = slots.duration_ms {
            m.add(now, sum, now.since(tries.attempt_start).as_secs_f64() * 1e3);
            m.add(now, count, 1.0);
        }
        m.add(now, slots.attempts, 1.0);
        if outcome == Outcome::Ok {
            m.add(now, slots.ok, 1.0);
        }
        if let Some((slot, on_ack_lost)) = slots.records
            && (outcome == Outcome::Ok || (on_ack_lost && outcome == Outcome::AckLost))
        {
            m.add(now, slot, records as f64);
        }
    }

    /// After a failed attempt that ends now: schedules the retry the policy allows and
    /// returns true, or returns false when the policy gives up (the stage's give-up route).
    pub(crate) fn retry(&mut self, ctx: &mut Ctx, tries: &mut Tries, call: Call) -> bool {
        match self.retry.next(tries, ctx.now, &mut self.rng) {
            Some(at) => {
                ctx.queue.push(at, Event::Retry(call));
                true
            }
            None => false,
        }
    }
}
