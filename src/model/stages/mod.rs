//! The stages behind the source, each one file that states what differs from the shared
//! attempt loop (`model::delivery`): its call time, its retry policy, what a success does,
//! and where a give-up goes.
//!
//! - [`buffer`]: the buffers and their flushes (B1-B4, L1, L6, T2).
//! - [`partitions`]: a buffer per partition key, the active set and its limit (P1, P2).
//! - [`lambda`]: the transform, with its concurrency slots (L1-L5, T9).
//! - `s3`: the writers of the stream's and the backup bucket, and the S3 destination (S1-S3,
//!   T11, T12).
//! - [`redshift`]: intermediate objects and the serial COPY on a 5-minute cadence (R1-R5, T10).
//! - [`requests`]: the request loop of OpenSearch, the HTTP endpoint and Splunk: requests
//!   from flushes (E1, H2) sent one at a time, retries as the policy says (E2, H5), `413`
//!   discards (H4), skips to S3 (E3, H6, T10).
//! - [`opensearch`]: bulk requests with backoff, per-document rejections, indices (E1-E6).
//! - [`http_endpoint`]: custom and partner endpoints (H1-H8).
//! - [`splunk`]: HEC with acknowledgement timeouts (SP1-SP3).

pub mod buffer;
pub mod http_endpoint;
pub mod lambda;
pub mod opensearch;
pub mod partitions;
pub mod redshift;
pub mod requests;
pub(crate) mod s3;
pub mod splunk;

use crate::engine::SimTime;
use crate::model::RunOutput;
use crate::model::chunk::Chunk;
use crate::model::delivery::Batch;
use crate::model::pipeline::{Ctx, Handoffs, Notice};

/// What a destination states. The pipeline hands it the destination buffer's flushes, its own
/// attempt events, and news of the objects it handed to S3; it answers with hand-offs.
pub(crate) trait Destination {
    /// A flush of the destination buffer (B1).
    fn accept(&mut self, ctx: &mut Ctx, batch: Batch) -> Handoffs;

    /// The destination's attempt in progress ends.
    fn attempt_end(&mut self, _ctx: &mut Ctx) -> Handoffs {
        Vec::new()
    }

    /// The destination's retry is due.
    fn retry(&mut self, _ctx: &mut Ctx) -> Handoffs {
        Vec::new()
    }

    /// An object this destination handed to S3 was written, or dropped empty (T10, T12).
    fn notice(&mut self, _ctx: &mut Ctx, _notice: Notice) -> Handoffs {
        Vec::new()
    }

    /// Goes on with the next batch.
    fn resume(&mut self, _ctx: &mut Ctx) -> Handoffs {
        Vec::new()
    }

    /// The ingest time of the oldest record it holds that has no fate yet.
    fn oldest_pending(&self) -> Option<SimTime> {
        None
    }

    /// Hands the records it still holds at the end to `f`.
    fn settle_at_end(&self, _f: &mut dyn FnMut(&Chunk)) {}

    /// Batches (objects, requests) waiting in its queue (for the backlog bound).
    fn queued(&self) -> usize {
        0
    }

    /// Writes its calls and its report section into the run's output.
    fn finish(self: Box<Self>, out: &mut RunOutput);
}
