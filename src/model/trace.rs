//! An optional trace of what happened when: buffer flushes, attempts of every service call,
//! and expiries.

use super::stages::buffer::BufferId;
use crate::engine::{SimDuration, SimTime};
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
    /// Failed: the service errored or was down (`Outage`, `Errors`).
    Failed,
    /// Succeeded at the target, reported failed (`AckLost`).
    AckLost,
    /// Ran past its timeout and failed at the timeout (T8).
    Timeout,
    /// Refused at once because the concurrency in force was used up (Lambda, `Throttle`).
    Throttled,
    /// The response was over the limit (Lambda's 6 MB, L1).
    ResponseTooLarge,
    /// The request body was over the endpoint's limit: `413`, not retried (H4).
    RequestTooLarge,
    /// A Splunk acknowledgement timed out, but the events were indexed (SP2).
    TimeoutIndexed,
}

impl Outcome {
    /// True when the call did its work at the target (`Ok` or `AckLost`).
    pub fn reached_target(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::AckLost)
    }
}

/// The service call an attempt was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stage {
    /// A Lambda invocation (L1-L5).
    Lambda,
    /// A PUT to the stream's bucket (T11).
    S3,
    /// A PUT to the source record backup bucket (L6).
    BackupS3,
    /// A Redshift COPY (R2-R5).
    RedshiftCopy,
    /// An OpenSearch bulk request (E1-E3).
    OpenSearchBulk,
    /// A request to an HTTP endpoint (H2-H7).
    HttpEndpoint,
    /// A request to Splunk (SP2).
    Splunk,
}

/// One attempt of a batch, as the shared attempt loop traces it for every stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The service called.
    pub stage: Stage,
    /// Batch id.
    pub batch: u64,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Start time.
    pub start: SimTime,
    /// End time.
    pub end: SimTime,
    /// Records carried.
    pub records: u64,
    /// How it ended.
    pub outcome: Outcome,
}

/// Why a producer's call left records out (I2, I3, K2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// Over the stream's quota (I2) or the shard's write capacity (K2).
    Throttled,
    /// The call failed (an `Ingest` fault: `Outage` or `Errors`).
    Failed,
    /// The records got in but the response was lost (`AckLost`): the producer resends
    /// copies (F3).
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
    /// An attempt of a service call.
    Attempt(Attempt),
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
    /// A producer's call (`PutRecordBatch`, or `PutRecords` with a Kinesis source) left
    /// records of a followed run out. Kept only for `explain` (a throttled day refuses
    /// millions of calls).
    Refused {
        /// When the call was made.
        at: SimTime,
        /// 1 for the first try, 2 for the first resend, ...
        attempt: u32,
        /// Followed runs' records left out.
        records: u64,
        /// Why.
        why: Refusal,
    },
    /// With a Kinesis source, `explain`'s record goes to shard `shard` (K2); the pieces of a
    /// call take consecutive ids shard by shard, so from here on it is followed as `id`.
    Sharded {
        /// When the call was made.
        at: SimTime,
        /// The followed record's id (in sending order).
        record: u64,
        /// Its shard.
        shard: u32,
        /// Its id in the shard's piece.
        id: u64,
    },
    /// A producer resends refused records of a followed run after a pause (I3); kept only
    /// for `explain`.
    Resent {
        /// When the pause starts (the refused call returned).
        at: SimTime,
        /// The attempt the resend is (2 for the first resend).
        attempt: u32,
        /// The pause.
        pause: SimDuration,
        /// Followed runs' records resent.
        records: u64,
    },
}

impl TraceEvent {
    /// The attempt this event records, if it is one.
    pub fn attempt(&self) -> Option<&Attempt> {
        match self {
            TraceEvent::Attempt(a) => Some(a),
            _ => None,
        }
    }
}
