//! The writers of the stream's bucket and of the backup bucket: one FIFO queue each, one PUT
//! at a time, head-of-line retries (S1, S2, T11).

use super::faults::FaultSet;
use super::trace::Outcome;
use super::{CallCounts, Chunk};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{CallTime, Scenario, Target};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// Which bucket a writer writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bucket {
    /// The stream's bucket: destination objects and `processing-failed` objects (T11).
    Main,
    /// The source record backup bucket (L6).
    Backup,
}

/// What a batch on its way to S3 holds, which decides the records' fate when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchKind {
    /// Destination objects: `delivered`.
    Destination,
    /// The `processing-failed` prefix: `processing_failed` (L3, L4).
    ProcessingFailed,
    /// Backup copies (L6): counted in `backup_copies`, never a fate.
    Backup,
    /// Redshift's intermediate objects: written, they join the COPY queue (R1).
    Intermediate,
    /// Redshift's `errors/` manifest of a skipped batch: no records, never expires (R4, T11).
    ErrorsManifest,
    /// A skipped bulk request's documents (E3): `skipped` when written; OpenSearch waits for
    /// it (T10).
    BulkSkipped,
    /// Documents rejected one by one (E3): `skipped` when written; nothing waits for it.
    DocumentsRejected,
}

/// A batch on its way to S3.
pub(super) struct Batch {
    pub id: u64,
    pub kind: BatchKind,
    pub chunks: Vec<Chunk>,
    pub bytes: u64,
    pub oldest: SimTime,
    pub attempts: u32,
}

/// A writer of one bucket: one FIFO queue, one PUT at a time, head-of-line retries (S1, S2,
/// T11).
pub(super) struct Writer {
    pub queue: VecDeque<Batch>,
    pub busy: bool,
    pub outcome: Outcome,
    pub attempt_start: SimTime,
    pub put_time: CallTime,
    pub retry_interval: SimDuration,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub calls: CallCounts,
    pub objects: u64,
    pub bytes: u64,
}

impl Writer {
    pub fn new(scenario: &Scenario, target: Target, rng: ChaCha8Rng) -> Self {
        Writer {
            queue: VecDeque::new(),
            busy: false,
            outcome: Outcome::Ok,
            attempt_start: SimTime::ZERO,
            put_time: scenario.services.s3.put_time,
            retry_interval: scenario.services.s3.retry_interval,
            faults: FaultSet::for_target(&scenario.faults, target),
            rng,
            calls: CallCounts::default(),
            objects: 0,
            bytes: 0,
        }
    }
}
