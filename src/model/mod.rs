//! The Firehose model, as stages that share one delivery loop.
//!
//! - [`sources`]: where records come from (Direct PUT producers and the stream's quotas,
//!   I1-I3).
//! - `pipeline`: builds the stages from a scenario, owns the event loop, routes events and
//!   typed hand-offs between stages; it holds no rule of any single component.
//! - `delivery`: the one head-of-line attempt loop every service call runs on (T3, T5, T8,
//!   T12, X1), with its trace and metrics hooks; `retry`: the retry policies (S1, R3, E2, H5,
//!   L2).
//! - [`stages`]: buffer, lambda, s3, redshift, opensearch, http_endpoint, splunk, each stating
//!   what differs.
//!
//! [`simulate`] runs a scenario to its end and returns a [`RunOutput`]. Records move as
//! [`Chunk`]s; the [`crate::outcome::ledger::Ledger`] settles them.

pub mod chunk;
pub(crate) mod delivery;
pub mod faults;
pub(crate) mod pipeline;
pub(crate) mod retry;
pub mod sources;
pub mod stages;
pub mod trace;

pub use chunk::Chunk;
pub use faults::FaultSet;
pub use pipeline::simulate;
pub use sources::kinesis::KinesisReport;
pub use stages::buffer::BufferId;
pub use stages::http_endpoint::{HttpEndpointReport, RequestCalls};
pub use stages::lambda::LambdaReport;
pub use stages::opensearch::{BulkCalls, OpenSearchReport};
pub use stages::partitions::PartitionsReport;
pub use stages::redshift::{RedshiftCalls, RedshiftReport};
pub use stages::requests::SkipStats;
pub use stages::s3::ConversionReport;
pub use stages::splunk::SplunkReport;
pub use trace::{Attempt, FlushReason, Outcome, Refusal, Stage, TraceEvent};

use crate::engine::SimDuration;
use crate::outcome::ledger::{DurationSummary, RecordCounts};
use crate::scenario::Scenario;
use serde::Serialize;

/// Calls to one external service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    /// Distinct batches (flushes) that made at least one attempt.
    pub batches: u64,
    /// Every try.
    pub attempts: u64,
    /// Tries that failed (including tries whose acknowledgement was lost).
    pub failed: u64,
}

/// Counts of every kind of call in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    /// `PutRecordBatch` calls: `attempts` counts first tries and resends; `failed` the calls
    /// with any refused record (T6).
    pub put_record_batch: CallCounts,
    /// Lambda invocations: `batches` are flushes of the Lambda buffer.
    pub lambda: CallCounts,
    /// PUTs to the stream's bucket (T11).
    pub s3_put: CallCounts,
    /// Redshift COPY commands (R2-R4).
    pub redshift_copy: RedshiftCalls,
    /// OpenSearch bulk requests (E1-E3).
    pub opensearch_bulk: BulkCalls,
    /// HTTP endpoint requests (H2-H6).
    pub http_endpoint: RequestCalls,
    /// Splunk requests (SP2).
    pub splunk: RequestCalls,
    /// Objects written to the stream's bucket.
    pub s3_objects: u64,
    /// Bytes written to the stream's bucket (uncompressed).
    pub s3_bytes: u64,
}

/// The source record backup bucket (L6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    /// Objects written.
    pub objects: u64,
    /// PUT attempts.
    pub attempts: u64,
    /// Failed attempts.
    pub failed: u64,
    /// Copies lost because the backup bucket could not be written within the retention
    /// window (only copies: no record's fate changes).
    pub copies_expired: u64,
}

/// Options of one run that are not part of the scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Keeps a trace of flushes, attempts and expiries (for tests and `--trace`).
    pub trace: bool,
    /// Collects the per-minute CloudWatch metrics (M1).
    pub metrics: bool,
    /// Keeps the trace, and the fate log, of these records only (`explain`): the trace holds
    /// just the steps of the batches that carry them.
    pub focus: Option<Focus>,
    /// Handles every call as its own step, never as part of a call train (the same numbers,
    /// more slowly: for comparison and tests).
    pub no_trains: bool,
    /// When the backlog exceeds `pipeline::MAX_QUEUED`, returns the report so far (with
    /// [`RunOutput::stopped`] saying why) instead of an error.
    pub report_when_stopped: bool,
}

/// The records `explain` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The record with this id (ids count from 0 in sending order, T1).
    Record(u64),
    /// Every record ingested at this instant.
    At(crate::engine::SimTime),
}

impl Focus {
    /// True when a run of `count` records from `first_id`, ingested at `ingest`, holds a
    /// followed record.
    pub fn holds(&self, first_id: u64, count: u32, ingest: crate::engine::SimTime) -> bool {
        match *self {
            Focus::Record(id) => id >= first_id && id - first_id < u64::from(count),
            Focus::At(t) => ingest == t,
        }
    }
}

/// Everything a finished run knows.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The scenario as run (with the seed actually used).
    pub scenario: Scenario,
    /// Fates (F1-F3).
    pub records: RecordCounts,
    /// Latency of delivered records (F4).
    pub latency: DurationSummary,
    /// Producers' added wait from first try to acceptance, over ingested records.
    pub producer_wait: DurationSummary,
    /// Records accepted only after a resend.
    pub records_resent: u64,
    /// Refusals by the quota (CloudWatch `ThrottledRecords`).
    pub throttled_records: u64,
    /// The longest a record stayed in the stream undelivered (`DataFreshness` max).
    pub data_freshness_max: SimDuration,
    /// Calls made.
    pub calls: Calls,
    /// The transform's work, when there is one.
    pub lambda: Option<LambdaReport>,
    /// The Kinesis data stream, when it is the source (K2-K6).
    pub kinesis: Option<KinesisReport>,
    /// The Redshift destination's COPY queue, when it is the destination.
    pub redshift: Option<RedshiftReport>,
    /// The OpenSearch destination, when it is the destination.
    pub opensearch: Option<OpenSearchReport>,
    /// The HTTP endpoint, when it is the destination.
    pub http_endpoint: Option<HttpEndpointReport>,
    /// Splunk, when it is the destination.
    pub splunk: Option<SplunkReport>,
    /// Dynamic partitioning, when it is on (P1, P2).
    pub partitions: Option<PartitionsReport>,
    /// Record format conversion, when it is on (P3).
    pub format_conversion: Option<ConversionReport>,
    /// The source record backup, when it is enabled.
    pub backup: Option<BackupReport>,
    /// The trace, when asked for.
    pub trace: Vec<TraceEvent>,
    /// The per-minute metrics, when asked for.
    pub metrics: Option<crate::outcome::metrics::MetricSeries>,
    /// The latency distribution as (seconds, fraction of delivered records at or below).
    pub latency_cdf: Vec<(f64, f64)>,
    /// Records the stream accepted (copies included) by producer, and their bytes: what
    /// ingestion bills (C1).
    pub ingested: (Vec<u64>, u64),
    /// Events handled (each `PutRecordBatch` call counts as one).
    pub events: u64,
    /// Events that went through the event queue.
    pub queue_events: u64,
    /// With a focus: what happened to the followed records in the ledger, in order.
    pub focus_log: Vec<crate::outcome::ledger::FocusEntry>,
    /// Why the run stopped before its end (a backlog over `pipeline::MAX_QUEUED`, with
    /// [`RunOptions::report_when_stopped`]): the report covers the run up to then.
    pub stopped: Option<String>,
    /// With `explain --at`: the nearest ingest before and after the instant.
    pub focus_near: (
        Option<crate::engine::SimTime>,
        Option<crate::engine::SimTime>,
    ),
}
