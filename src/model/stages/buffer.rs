//! A buffer that flushes on a size hint or an interval (B1-B3, L1, L6), and the stream's
//! buffers, with one per partition under dynamic partitioning (P1, in [`super::partitions`]).

use super::partitions::{ERRORS, Partitions};
use crate::engine::{SimDuration, SimTime};
use crate::model::chunk::Chunk;
use crate::model::delivery::Batch;
use crate::model::pipeline::{Ctx, Event};
use crate::model::trace::{FlushReason, TraceEvent};
use crate::scenario::{BackupMode, MIB, Scenario};

/// The three buffers a stream can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BufferId {
    /// The Lambda buffer (L1).
    Lambda,
    /// The destination buffer (B1-B4).
    Destination,
    /// The source record backup buffer (L6).
    Backup,
    /// The buffer of one partition (P1), or of the records over the partition limit (P2).
    Partition(u32),
}

/// What adding a unit did.
pub(crate) struct Added {
    /// The buffer was empty: its interval starts now, as generation `generation`.
    pub opened: Option<u64>,
    /// The size hint is reached (or the interval is 0): flush now.
    pub flush: bool,
}

pub(crate) struct Buffer {
    hint_bytes: u64,
    pub interval: SimDuration,
    chunks: Vec<Chunk>,
    bytes: u64,
    pub generation: u64,
    /// A deadline event of this buffer is in the queue.
    deadline_queued: bool,
    /// The open generation's deadline while an earlier one's event is still queued: (when,
    /// its place in the queue's order, the generation). It is queued when that one comes.
    deadline_waiting: Option<(SimTime, u64, u64)>,
}

impl Buffer {
    pub(crate) fn new(hint_bytes: u64, interval: SimDuration) -> Self {
        Buffer {
            hint_bytes,
            interval,
            chunks: Vec::new(),
            bytes: 0,
            generation: 0,
            deadline_queued: false,
            deadline_waiting: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    pub(crate) fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Bytes it can take before it reaches its size hint, while it is open and flushes by
    /// interval (see [`Buffers::train_room`]).
    fn room(&self) -> Option<u64> {
        if self.chunks.is_empty() || self.interval == SimDuration::ZERO {
            return None;
        }
        self.hint_bytes.checked_sub(self.bytes).filter(|&r| r > 0)
    }

    /// Adds a unit held in a vector; into an empty buffer the vector itself moves, unless the
    /// buffer kept more room for the units to come (see [`Buffer::take`]).
    pub(crate) fn add_vec(&mut self, unit: Vec<Chunk>) -> Added {
        let was_empty = self.chunks.is_empty();
        if was_empty && unit.capacity() >= self.chunks.capacity() {
            self.bytes = unit.iter().map(|c| c.bytes).sum();
            self.chunks = unit;
        } else {
            self.bytes += unit.iter().map(|c| c.bytes).sum::<u64>();
            self.chunks.extend_from_slice(&unit);
        }
        self.close_unit(was_empty)
    }

    /// Adds one chunk of a unit; call [`Buffer::close_unit`] after the unit's last chunk with
    /// what [`Buffer::is_empty`] said before its first.
    pub(crate) fn push(&mut self, c: Chunk) {
        self.bytes += c.bytes;
        self.chunks.push(c);
    }

    /// Ends a unit added with [`Buffer::push`].
    pub(crate) fn close_unit(&mut self, was_empty: bool) -> Added {
        if self.chunks.is_empty() {
            return Added {
                opened: None,
                flush: false,
            };
        }
        let opened = was_empty.then(|| {
            self.generation += 1;
            self.generation
        });
        let flush = self.interval == SimDuration::ZERO || self.bytes >= self.hint_bytes;
        Added { opened, flush }
    }

    /// Empties the buffer.
    pub(crate) fn take(&mut self) -> (Vec<Chunk>, u64) {
        // The next buffer will likely hold as many chunks; the batch keeps only what it holds,
        // since batches can queue by the million during an outage.
        let capacity = self.chunks.len();
        let mut chunks = std::mem::replace(&mut self.chunks, Vec::with_capacity(capacity));
        if chunks.capacity() > chunks.len() + chunks.len() / 8 {
            chunks.shrink_to_fit();
        }
        (chunks, std::mem::take(&mut self.bytes))
    }
}

/// The stream's buffers: the Lambda buffer (with a transform), the destination buffer, and the
/// source record backup buffer (when enabled).
pub(crate) struct Buffers {
    lambda: Option<Buffer>,
    destination: Buffer,
    backup: Option<Buffer>,
    /// With dynamic partitioning, the destination buffer's records go here instead (P1).
    pub(crate) partitions: Option<Partitions>,
}

impl Buffers {
    /// The buffers of `scenario`; `lambda` is the Lambda buffer's (size hint in bytes,
    /// interval) when there is a transform.
    pub(crate) fn new(
        scenario: &Scenario,
        lambda: Option<(u64, SimDuration)>,
        partitions: Option<Partitions>,
    ) -> Self {
        let hints = scenario.destination.buffering_hints();
        let (backup_mode, backup_hints) = scenario.destination.backup();
        let buffer = |size_in_mbs: u32, interval_in_seconds: u32| {
            Buffer::new(
                u64::from(size_in_mbs) * MIB,
                SimDuration::from_secs(u64::from(interval_in_seconds)),
            )
        };
        Buffers {
            lambda: lambda.map(|(hint, interval)| Buffer::new(hint, interval)),
            destination: buffer(hints.size_in_mbs, hints.interval_in_seconds),
            backup: (backup_mode == BackupMode::Enabled)
                .then(|| buffer(backup_hints.size_in_mbs, backup_hints.interval_in_seconds)),
            partitions,
        }
    }

    /// True when the destination buffer is split by partition (P1) and the records go
    /// there straight from the source (no transform).
    pub(crate) fn partitioned_intake(&self) -> bool {
        self.partitions.is_some() && self.lambda.is_none()
    }

    fn get(&mut self, id: BufferId) -> &mut Buffer {
        match id {
            BufferId::Destination => &mut self.destination,
            BufferId::Lambda => match &mut self.lambda {
                Some(l) => l,
                None => &mut self.destination,
            },
            BufferId::Backup => match &mut self.backup {
                Some(b) => b,
                None => &mut self.destination,
            },
            BufferId::Partition(slot) => match &mut self.partitions {
                Some(p) => p.buffer(slot),
                None => &mut self.destination,
            },
        }
    }

    /// The records of one accepted call (or of one transformed batch) enter the partition
    /// buffers (P1) and, from the source, the backup buffer (L6), as [`Buffers::intake`]
    /// does; returns what that did to the backup buffer and to each partition buffer it
    /// touched.
    pub(crate) fn intake_partitioned(
        &mut self,
        ctx: &mut Ctx,
        accepted: &[Chunk],
        stamp: bool,
        backup: bool,
        mut each: impl FnMut(&Chunk, &mut Ctx),
    ) -> (Option<Added>, Vec<(BufferId, Added)>) {
        let now = ctx.now;
        let mut backup = if backup { self.backup.as_mut() } else { None };
        let backup_was_empty = backup.as_ref().is_none_or(|b| b.is_empty());
        let Some(parts) = &mut self.partitions else {
            return (None, Vec::new());
        };
        for &c in accepted {
            let mut c = c;
            if stamp {
                c.ingest = now;
                each(&c, ctx);
            }
            if let Some(b) = backup.as_mut() {
                b.push(c);
            }
            parts.push(c, &mut ctx.metrics, now);
        }
        let mut closed = Vec::new();
        parts.close_unit(&mut closed);
        let out = closed
            .into_iter()
            .map(|(slot, a)| (BufferId::Partition(slot), a))
            .collect();
        (backup.map(|b| b.close_unit(backup_was_empty)), out)
    }

    /// The records of one accepted call (or one shard's read) enter the first buffer
    /// (Lambda's, or the destination's) and, with source record backup, the backup buffer too
    /// (L6), each as one unit; with `stamp`, each chunk first takes ingest time `now` and
    /// goes to `each`. Returns what that did to the backup buffer and to the first buffer
    /// (with its id).
    #[inline]
    pub(crate) fn intake(
        &mut self,
        now: SimTime,
        accepted: &[Chunk],
        stamp: bool,
        mut each: impl FnMut(&Chunk),
    ) -> (Option<Added>, (BufferId, Added)) {
        let (next_id, next) = match &mut self.lambda {
            Some(l) => (BufferId::Lambda, l),
            None => (BufferId::Destination, &mut self.destination),
        };
        let mut backup = self.backup.as_mut();
        let next_was_empty = next.is_empty();
        let backup_was_empty = backup.as_ref().is_none_or(|b| b.is_empty());
        for &c in accepted {
            let mut c = c;
            if stamp {
                // A call train's records keep their calls' times.
                if !c.is_train() {
                    c.ingest = now;
                }
                each(&c);
            }
            if let Some(b) = backup.as_mut() {
                b.push(c);
            }
            next.push(c);
        }
        let added = next.close_unit(next_was_empty);
        let backup_added = backup.map(|b| b.close_unit(backup_was_empty));
        (backup_added, (next_id, added))
    }

    /// Bytes the source's records can add before the first buffer (Lambda's or the
    /// destination's) or the backup buffer reaches its size hint, when both are open and
    /// flush by interval; `None` otherwise, or under dynamic partitioning.
    pub(crate) fn train_room(&self) -> Option<u64> {
        if self.partitions.is_some() {
            return None;
        }
        let next = self.lambda.as_ref().unwrap_or(&self.destination).room()?;
        match &self.backup {
            Some(b) => Some(next.min(b.room()?)),
            None => Some(next),
        }
    }

    /// Adds one unit to buffer `id` (B1, B2, B4, T9).
    pub(crate) fn add(&mut self, id: BufferId, unit: Vec<Chunk>) -> Added {
        self.get(id).add_vec(unit)
    }

    /// After a unit was added: a buffer that opened gets its deadline (T2: at its instant the
    /// deadline comes before any arrival), and one that reached its size hint, or has no
    /// interval, flushes now. Returns the flushed batch.
    pub(crate) fn after_add(&mut self, ctx: &mut Ctx, id: BufferId, added: Added) -> Option<Batch> {
        let buffer = self.get(id);
        let interval = buffer.interval;
        if let Some(generation) = added.opened
            && interval > SimDuration::ZERO
        {
            // One deadline event per buffer in the queue: a buffer that flushed by size
            // before its deadline leaves that event queued, and the new generation's deadline
            // follows it, in the queue's order as of now (T2).
            let due = ctx.now + interval;
            let seq = ctx.queue.reserve();
            if buffer.deadline_queued {
                buffer.deadline_waiting = Some((due, seq, generation));
            } else {
                buffer.deadline_queued = true;
                ctx.queue
                    .push_first_at(due, seq, Event::BufferDeadline(id, generation));
            }
        }
        if !added.flush {
            return None;
        }
        let reason = if interval == SimDuration::ZERO {
            FlushReason::Immediate
        } else {
            FlushReason::Size
        };
        Some(self.flush(ctx, id, reason))
    }

    /// Buffer `id`'s deadline for generation `generation` is due: it flushes if that
    /// generation is still open.
    pub(crate) fn deadline(
        &mut self,
        ctx: &mut Ctx,
        id: BufferId,
        generation: u64,
    ) -> Option<Batch> {
        let buffer = self.get(id);
        buffer.deadline_queued = false;
        let waiting = buffer.deadline_waiting.take();
        if buffer.generation == generation && !buffer.is_empty() {
            return Some(self.flush(ctx, id, FlushReason::Interval));
        }
        // A generation that flushed by size: the open one's deadline goes in the queue now.
        if let Some((due, seq, g)) = waiting
            && g == buffer.generation
            && !buffer.is_empty()
        {
            buffer.deadline_queued = true;
            ctx.queue
                .push_first_at(due, seq, Event::BufferDeadline(id, g));
        }
        None
    }

    /// A buffer's content becomes one batch (B1).
    fn flush(&mut self, ctx: &mut Ctx, id: BufferId, reason: FlushReason) -> Batch {
        let (chunks, bytes) = self.get(id).take();
        let mut batch = Batch::new(ctx.batch_id(), chunks, bytes, ctx.now);
        if let (BufferId::Partition(slot), Some(p)) = (id, &mut self.partitions) {
            p.flushed(slot);
            batch.partition = (slot != ERRORS).then_some(slot);
        }
        ctx.trace_of(&batch.chunks, || TraceEvent::Flush {
            at: batch.created,
            buffer: id,
            batch: batch.id,
            records: batch.records(),
            bytes,
            reason,
        });
        batch
    }

    /// The ingest time of the oldest unsettled record in the destination and Lambda buffers.
    pub(crate) fn oldest_pending(&self) -> Option<SimTime> {
        let first = |b: &Buffer| {
            b.chunks()
                .iter()
                .filter(|c| c.is_unsettled())
                .map(|c| c.ingest)
                .min()
        };
        let lambda = self.lambda.as_ref().and_then(first);
        let partitions = self.partitions.as_ref().and_then(|p| {
            p.chunks()
                .filter(|c| c.is_unsettled())
                .map(|c| c.ingest)
                .min()
        });
        [first(&self.destination), lambda, partitions]
            .into_iter()
            .flatten()
            .min()
    }

    /// Hands the records still in the destination and Lambda buffers at the end to `f` (the
    /// backup buffer holds only copies).
    pub(crate) fn settle_at_end(&self, f: &mut impl FnMut(&Chunk)) {
        self.destination.chunks().iter().for_each(&mut *f);
        if let Some(p) = &self.partitions {
            p.chunks().for_each(&mut *f);
        }
        if let Some(l) = &self.lambda {
            l.chunks().iter().for_each(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// B1/B2: a unit is added whole; the first unit opens a generation; reaching the hint
    /// asks for a flush; an interval of 0 flushes every unit.
    #[test]
    fn b1_units_open_and_fill_the_buffer() {
        let c = |id| Chunk::new(id, 10, 400, SimTime(0));
        let mut b = Buffer::new(1000, SimDuration::from_secs(60));
        let a = b.add_vec(vec![c(0), c(10)]);
        assert_eq!((a.opened, a.flush), (Some(1), false));
        let a = b.add_vec(vec![c(20)]);
        assert_eq!((a.opened, a.flush), (None, true));
        let (chunks, bytes) = b.take();
        assert_eq!((chunks.len(), bytes, b.is_empty()), (3, 1200, true));
        let mut zero = Buffer::new(1000, SimDuration::ZERO);
        assert!(zero.add_vec(vec![c(0)]).flush);
    }
}
