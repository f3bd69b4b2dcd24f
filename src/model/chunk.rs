//! The unit that flows: a run of consecutive records that entered together.

use crate::engine::SimTime;
use crate::engine::train::CallLaw;

/// A run of `count` consecutive record ids starting at `first_id`, with one ingest time.
/// Every component moves, splits and settles chunks; no code path loops over records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Id of the first record.
    pub first_id: u64,
    /// Records in the run.
    pub count: u32,
    /// Bytes of all its records together.
    pub bytes: u64,
    /// When the stream accepted it (before that: when it was first sent).
    pub ingest: SimTime,
    /// The index of the producer that sent it (its partition keys, P1).
    pub source: u16,
    flags: u8,
}

// A chunk stays four words: batches can queue by the million during an outage.
const _: () = assert!(std::mem::size_of::<Chunk>() == 32);

/// The chunks one call resends: most often one run (the refused end of a call, T6), kept
/// inline so that a resend allocates nothing; several (copies after `AckLost`, F3) in a `Vec`.
#[derive(Debug, Clone)]
pub(crate) enum Chunks {
    /// One chunk.
    One(Chunk),
    /// Any other number of chunks.
    Many(Vec<Chunk>),
}

impl Chunks {
    /// The chunks of `c`.
    pub(crate) fn from_slice(c: &[Chunk]) -> Self {
        match c {
            [one] => Chunks::One(*one),
            _ => Chunks::Many(c.to_vec()),
        }
    }

    /// The chunks as a slice.
    pub(crate) fn as_slice(&self) -> &[Chunk] {
        match self {
            Chunks::One(c) => std::slice::from_ref(c),
            Chunks::Many(v) => v,
        }
    }
}

const COPY: u8 = 1;
const SETTLED: u8 = 2;
/// Written to S3 in an object that is not yet their fate (an intermediate object): settled for
/// back pressure (K5), not for the ledger.
const IN_S3: u8 = 4;
/// A call train: the records were sent by the run's one constant-rate producer in several
/// calls, each record ingested when the call that carried it was sent ([`CallLaw`]; with a
/// Kinesis source, one shard's records of those calls, in its lane of ids); `ingest` is the
/// first record's.
const TRAIN: u8 = 8;

impl Chunk {
    /// A new run of original records.
    pub fn new(first_id: u64, count: u32, bytes: u64, at: SimTime) -> Self {
        Chunk {
            first_id,
            count,
            bytes,
            ingest: at,
            source: 0,
            flags: 0,
        }
    }

    /// The same records, sent by producer `p`.
    pub fn from_source(mut self, p: u16) -> Self {
        self.source = p;
        self
    }

    /// A copy of these records that a producer resent after a lost acknowledgement (F3):
    /// it can only ever add `duplicates`, never a fate.
    pub fn as_copy(mut self) -> Self {
        self.flags |= COPY;
        self
    }

    /// The same records as a call train (see [`Chunk::is_train`]).
    pub fn as_train(mut self) -> Self {
        self.flags |= TRAIN;
        self
    }

    /// True for a call train: its records were ingested call by call, as the installed
    /// [`CallLaw`] gives, from `ingest` (its first record's) on.
    pub fn is_train(&self) -> bool {
        self.flags & TRAIN != 0
    }

    /// The ingest time of its newest record.
    pub fn newest_ingest(&self) -> SimTime {
        match self.law() {
            Some(law) => law.time_of_id(self.first_id + u64::from(self.count) - 1),
            None => self.ingest,
        }
    }

    /// For a call train, the law of its records' ingest times.
    #[inline]
    pub fn law(&self) -> Option<CallLaw> {
        if self.is_train() {
            CallLaw::current()
        } else {
            None
        }
    }

    /// Splits off the records ingested before `t` (T5, T12: the part at least as old as a
    /// limit), or `None` when none or all were; a chunk that is not a train is all one age.
    pub fn split_ingested_before(&mut self, t: SimTime) -> Option<Chunk> {
        let law = self.law()?;
        let first_after = law.calls_before(t).saturating_mul(law.per_call);
        let k = first_after.checked_sub(law.local(self.first_id))?;
        (k > 0 && k < u64::from(self.count)).then(|| self.split_front(k as u32))
    }

    /// True for a resent copy (see [`Chunk::as_copy`]).
    pub fn is_copy(&self) -> bool {
        self.flags & COPY != 0
    }

    /// True once these records have their fate (e.g. written by an attempt whose
    /// acknowledgement was lost: the stream still carries them and will write them again).
    pub fn is_settled(&self) -> bool {
        self.flags & SETTLED != 0
    }

    /// Marks the records as settled.
    pub fn mark_settled(&mut self) {
        self.flags |= SETTLED;
    }

    /// True when the records still await a fate: originals not yet settled.
    pub fn is_unsettled(&self) -> bool {
        self.flags & (COPY | SETTLED) == 0
    }

    /// True once the records were written to S3 in any object (K5).
    pub fn is_in_s3(&self) -> bool {
        self.flags & IN_S3 != 0
    }

    /// Marks the records as written to S3 (K5).
    pub fn mark_in_s3(&mut self) {
        self.flags |= IN_S3;
    }

    /// True for a copy not yet delivered: it may still deliver records whose original did
    /// not make it (F1).
    pub fn is_pending_copy(&self) -> bool {
        self.flags & (COPY | SETTLED) == COPY
    }

    /// Bytes of one record, rounded up.
    pub fn record_bytes(&self) -> u64 {
        self.bytes.div_ceil(u64::from(self.count.max(1)))
    }

    /// Splits off and returns the first `k` records (`0 < k < count`); bytes are shared in
    /// proportion, rounded down for the front part.
    pub fn split_front(&mut self, k: u32) -> Chunk {
        debug_assert!(k > 0 && k < self.count);
        let front_bytes = (u128::from(self.bytes) * u128::from(k) / u128::from(self.count)) as u64;
        let front = Chunk {
            first_id: self.first_id,
            count: k,
            bytes: front_bytes,
            ingest: self.ingest,
            source: self.source,
            flags: self.flags,
        };
        self.first_id += u64::from(k);
        self.count -= k;
        self.bytes -= front_bytes;
        if let Some(law) = self.law() {
            self.ingest = law.time_of_id(self.first_id);
        }
        front
    }
}

impl crate::outcome::ledger::RecordRun for Chunk {
    fn first_id(&self) -> u64 {
        self.first_id
    }
    fn count(&self) -> u32 {
        self.count
    }
    fn ingest(&self) -> SimTime {
        self.ingest
    }
    fn is_copy(&self) -> bool {
        Chunk::is_copy(self)
    }
    fn is_settled(&self) -> bool {
        Chunk::is_settled(self)
    }
    fn is_unsettled(&self) -> bool {
        Chunk::is_unsettled(self)
    }
    fn mark_settled(&mut self) {
        Chunk::mark_settled(self)
    }
    fn bytes(&self) -> u64 {
        self.bytes
    }
    fn is_in_s3(&self) -> bool {
        Chunk::is_in_s3(self)
    }
    fn mark_in_s3(&mut self) {
        Chunk::mark_in_s3(self)
    }
    fn source(&self) -> usize {
        usize::from(self.source)
    }
    fn law(&self) -> Option<CallLaw> {
        Chunk::law(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// I3, F3: what a resend carries is the call's refused chunks in order, one inline and
    /// any other number in a `Vec`.
    #[test]
    fn a_resend_keeps_its_chunks_in_order() {
        let a = Chunk::new(10, 7, 700, SimTime(5));
        let b = Chunk::new(17, 3, 300, SimTime(5)).as_copy();
        assert!(matches!(Chunks::from_slice(&[a]), Chunks::One(c) if c == a));
        assert_eq!(Chunks::from_slice(&[a]).as_slice(), &[a]);
        assert_eq!(Chunks::from_slice(&[a, b]).as_slice(), &[a, b]);
        assert!(Chunks::from_slice(&[]).as_slice().is_empty());
    }

    #[test]
    fn split_keeps_records_and_bytes() {
        let mut c = Chunk::new(10, 7, 700, SimTime(5));
        let f = c.split_front(3);
        assert_eq!((f.first_id, f.count, f.bytes), (10, 3, 300));
        assert_eq!((c.first_id, c.count, c.bytes), (13, 4, 400));
        assert_eq!(c.record_bytes(), 100);
    }
}
