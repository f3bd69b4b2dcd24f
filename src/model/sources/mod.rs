//! Where records come from. A source makes calls, applies its quotas, and hands the records it
//! accepted to the pipeline through `Intake`; the pipeline knows nothing of how.
//!
//! - `direct_put`: producers calling `PutRecordBatch` against the stream's quotas (I1-I3).
//! - [`producer`]: when a producer calls, how large each call is, its resend backoff (I1, I3, T1).
//! - `quota`: per-second quota windows with partial acceptance (I2, T6).

pub(crate) mod direct_put;
pub mod producer;
pub(crate) mod quota;

use super::chunk::Chunk;
use super::pipeline::Ctx;

/// What a source hands its accepted records to.
pub(crate) trait Intake {
    /// The shared clock, queue, ledger, trace and metrics.
    fn ctx(&mut self) -> &mut Ctx;
    /// The records of one call entered the stream now, as one unit (T2).
    fn accept(&mut self, accepted: &[Chunk]);
}
