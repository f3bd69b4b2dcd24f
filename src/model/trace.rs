//! An optional trace of what happened when: buffer flushes, S3 attempts and expiries.

use super::buffer::BufferId;
use super::lambda::InvokeOutcome;
use crate::engine::SimTime;
use serde::Serialize;

/// Why a buffer flushed (B1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FlushReason {
    /// The size hint was reached.
    Size,
    /// The interval since the first record elapsed.
    Interval,
    /// Interval 0: every call is flushed at once.
    Immediate,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Succeeded and acknowledged.
    Ok,
    /// Failed.
    Failed,
    /// Succeeded at the target, reported failed (`AckLost`).
    AckLost,
}

/// One traced happening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TraceEvent {
    /// A buffer flushed batch `batch`.
    Flush {
        /// When.
        at: SimTime,
        /// Which buffer.
        buffer: BufferId,
        /// Batch id (1, 2, ... in flush order).
        batch: u64,
        /// Records in it.
        records: u64,
        /// Bytes in it.
        bytes: u64,
        /// Why.
        reason: FlushReason,
    },
    /// An S3 PUT attempt of batch `batch`.
    S3Attempt {
        /// True for the backup bucket (L6), false for the stream's bucket.
        backup: bool,
        /// Batch id.
        batch: u64,
        /// 1 for the first attempt.
        attempt: u32,
        /// Start time.
        start: SimTime,
        /// End time.
        end: SimTime,
        /// Records carried.
        records: u64,
        /// How it ended.
        outcome: Outcome,
    },
    /// An invocation attempt of Lambda batch `batch`.
    LambdaAttempt {
        /// Batch id.
        batch: u64,
        /// 1 for the first attempt.
        attempt: u32,
        /// Start time.
        start: SimTime,
        /// End time.
        end: SimTime,
        /// Records carried.
        records: u64,
        /// How it ended.
        outcome: InvokeOutcome,
    },
    /// A Redshift COPY attempt of batch `batch`.
    CopyAttempt {
        /// Batch id.
        batch: u64,
        /// 1 for the first attempt.
        attempt: u32,
        /// Start time.
        start: SimTime,
        /// End time.
        end: SimTime,
        /// Records carried.
        records: u64,
        /// How it ended.
        outcome: Outcome,
    },
    /// An OpenSearch bulk request attempt of batch `batch`.
    BulkAttempt {
        /// Batch id.
        batch: u64,
        /// 1 for the first attempt.
        attempt: u32,
        /// Start time.
        start: SimTime,
        /// End time.
        end: SimTime,
        /// Records carried.
        records: u64,
        /// How it ended (a timeout is `Failed`).
        outcome: Outcome,
    },
    /// Records of batch `batch` expired at the start of an attempt (T12).
    Expired {
        /// When.
        at: SimTime,
        /// Batch id.
        batch: u64,
        /// Records expired.
        records: u64,
        /// The latest ingest time among them.
        newest_ingest: SimTime,
    },
}
