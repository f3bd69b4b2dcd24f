//! The Redshift destination (R1-R5, T10): intermediate objects wait for a COPY; COPYs run one
//! at a time, each loading every object queued when it starts; a failed COPY is retried on a
//! 5-minute cadence within the retry duration, then skipped.

use super::Chunk;
use super::faults::FaultSet;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{CallTime, MIB};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::VecDeque;

/// The cadence of COPY retries (R3): 5 minutes from the start of the first attempt.
pub const COPY_RETRY_CADENCE: SimDuration = SimDuration::from_secs(300);

/// An intermediate object written to S3, waiting for a COPY (R1).
pub(super) struct Object {
    pub chunks: Vec<Chunk>,
    pub bytes: u64,
    pub written_at: SimTime,
}

/// One COPY batch: the objects of one manifest and its attempts.
pub(super) struct CopyBatch {
    pub id: u64,
    pub chunks: Vec<Chunk>,
    pub bytes: u64,
    pub first_start: SimTime,
    pub attempt_start: SimTime,
    pub attempts: u32,
    pub failed: bool,
    pub ack_lost: bool,
}

/// What the COPY queue is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyState {
    /// Nothing to do.
    Idle,
    /// A COPY attempt runs, or a retry is scheduled.
    Busy,
    /// A batch was skipped; the next COPY waits for its `errors/` manifest (T10).
    AwaitingManifest,
}

/// Counts for the report's `redshift` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RedshiftReport {
    /// COPY batches that were loaded.
    pub loaded_batches: u64,
    /// `errors/` manifests written (one per skipped batch).
    pub errors_manifests: u64,
    /// The most objects waiting for a COPY at once.
    pub max_backlog_objects: u64,
    /// The most MiB waiting for a COPY at once.
    pub max_backlog_mib: f64,
    /// The longest an object waited from its write to the start of its COPY.
    pub max_object_wait_seconds: f64,
}

pub(super) struct RedshiftStage {
    pub queue: VecDeque<Object>,
    queued_bytes: u64,
    pub current: Option<CopyBatch>,
    pub state: CopyState,
    pub retry_duration: SimDuration,
    pub copy_time: CallTime,
    max_objects: Option<u32>,
    pub faults: FaultSet,
    pub rng: ChaCha8Rng,
    pub calls: RedshiftCalls,
    pub report: RedshiftReport,
    max_wait: SimDuration,
}

/// `calls.redshift_copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedshiftCalls {
    /// Distinct COPY batches.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Failed tries (including lost acknowledgements).
    pub failed: u64,
    /// Batches skipped after the retry duration.
    pub skipped_batches: u64,
    /// Most attempts one batch took.
    pub max_attempts_per_batch: u64,
}

impl RedshiftStage {
    pub fn new(
        retry_duration: SimDuration,
        copy_time: CallTime,
        max_objects: Option<u32>,
        faults: FaultSet,
        rng: ChaCha8Rng,
    ) -> Self {
        RedshiftStage {
            queue: VecDeque::new(),
            queued_bytes: 0,
            current: None,
            state: CopyState::Idle,
            retry_duration,
            copy_time,
            max_objects,
            faults,
            rng,
            calls: RedshiftCalls::default(),
            report: RedshiftReport::default(),
            max_wait: SimDuration::ZERO,
        }
    }

    /// An intermediate object was written: it joins the COPY queue (R1).
    pub fn push(&mut self, object: Object) {
        self.queued_bytes += object.bytes;
        self.queue.push_back(object);
        let r = &mut self.report;
        r.max_backlog_objects = r.max_backlog_objects.max(self.queue.len() as u64);
        r.max_backlog_mib = r.max_backlog_mib.max(self.queued_bytes as f64 / MIB as f64);
    }

    /// Takes the objects of the next COPY: all queued, or up to the limit (R2).
    pub fn take_manifest(&mut self, id: u64, now: SimTime) -> Option<CopyBatch> {
        if self.queue.is_empty() {
            return None;
        }
        let n = self
            .max_objects
            .map_or(self.queue.len(), |m| (m as usize).min(self.queue.len()));
        let mut chunks = Vec::new();
        let mut bytes = 0;
        for object in self.queue.drain(..n) {
            self.max_wait = self.max_wait.max(now.since(object.written_at));
            bytes += object.bytes;
            chunks.extend(object.chunks);
        }
        self.queued_bytes -= bytes;
        self.report.max_object_wait_seconds = self.max_wait.as_secs_f64();
        self.calls.batches += 1;
        Some(CopyBatch {
            id,
            chunks,
            bytes,
            first_start: now,
            attempt_start: now,
            attempts: 0,
            failed: false,
            ack_lost: false,
        })
    }

    /// When the next attempt of a batch whose attempt ended at `now` may start (R3, T10):
    /// its next 5-minute slot, or `now` if the slot has passed, provided that is before
    /// `first_start + retry_duration`. `None` means the batch is skipped.
    pub fn next_attempt(
        retry_duration: SimDuration,
        b: &CopyBatch,
        now: SimTime,
    ) -> Option<SimTime> {
        let slot = b.first_start + SimDuration(COPY_RETRY_CADENCE.0 * u64::from(b.attempts));
        let start = slot.max(now);
        (start < b.first_start + retry_duration).then_some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(duration_s: u64) -> RedshiftStage {
        RedshiftStage::new(
            SimDuration::from_secs(duration_s),
            CallTime {
                base: SimDuration::from_secs(1),
                per_mib: SimDuration::ZERO,
            },
            None,
            FaultSet::default(),
            crate::engine::RngStreams::new(1).stream("t"),
        )
    }

    /// R3: attempts fall on the 5-minute cadence while `300 k < duration`: 3600 s -> 12
    /// attempts, 0 s -> 1, 301 s -> 2, 7200 s -> 24.
    #[test]
    fn r3_attempt_counts_follow_the_cadence() {
        for (duration, attempts) in [(3600, 12), (0, 1), (301, 2), (7200, 24), (300, 1)] {
            let st = stage(duration);
            let mut b = CopyBatch {
                id: 1,
                chunks: Vec::new(),
                bytes: 0,
                first_start: SimTime(0),
                attempt_start: SimTime(0),
                attempts: 1,
                failed: true,
                ack_lost: false,
            };
            let mut now = SimTime(1_000_000);
            while let Some(start) = RedshiftStage::next_attempt(st.retry_duration, &b, now) {
                assert_eq!(start.0, 300_000_000 * u64::from(b.attempts));
                b.attempts += 1;
                now = start + SimDuration::from_secs(1);
            }
            assert_eq!(b.attempts, attempts, "duration {duration}");
        }
    }
}
