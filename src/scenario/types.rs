//! The scenario schema (RON). Field names follow the Firehose API in snake_case where one
//! exists; every omitted field has the default documented here and in the README.

use crate::engine::SimDuration;
use serde::{Deserialize, Serialize};

/// Bytes in one MiB (T2: AWS's "MB" hints are read as MiB).
pub const MIB: u64 = 1_048_576;

/// A whole scenario: workload, stream configuration, services model and faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    pub name: String,
    /// Seed of every random stream (default 1); `run --seed` overrides it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time; nothing happens at or after it (T1).
    pub duration: SimDuration,
    /// The UTC date and time of the run's start, `YYYY-MM-DDTHH:MM:SSZ` (default
    /// 2025-01-01T00:00:00Z); it names S3 prefixes and OpenSearch indices (S3, E6).
    #[serde(default = "default_start_time")]
    pub start_time: String,
    /// The producers.
    pub sources: Vec<Source>,
    /// The delivery stream's own settings.
    #[serde(default)]
    pub stream: StreamConfig,
    /// An optional Lambda transform between the stream and the destination (L1-L6).
    #[serde(default)]
    pub transform: Option<Transform>,
    /// Where the stream delivers.
    pub destination: Destination,
    /// How the services around the stream behave (model assumptions).
    #[serde(default)]
    pub services: Services,
    /// What goes wrong.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The fault space and property of `firehose-sim check` (flags win over it).
    #[serde(default)]
    pub check: Option<CheckSpace>,
}

/// The kinds of fault (X1), as `check` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FaultKind {
    /// `Outage`.
    Outage,
    /// `Errors`.
    Errors,
    /// `Slow`.
    Slow,
    /// `AckLost`.
    AckLost,
    /// `Throttle`.
    Throttle,
}

impl std::str::FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "Outage" => Ok(FaultKind::Outage),
            "Errors" => Ok(FaultKind::Errors),
            "Slow" => Ok(FaultKind::Slow),
            "AckLost" => Ok(FaultKind::AckLost),
            "Throttle" => Ok(FaultKind::Throttle),
            _ => Err(format!(
                "unknown fault kind `{s}`: allowed Outage, Errors, Slow, AckLost, Throttle"
            )),
        }
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "Ingest" => Ok(Target::Ingest),
            "Lambda" => Ok(Target::Lambda),
            "S3" => Ok(Target::S3),
            "BackupS3" => Ok(Target::BackupS3),
            "Redshift" => Ok(Target::Redshift),
            "OpenSearch" => Ok(Target::OpenSearch),
            _ => Err(format!(
                "unknown target `{s}`: allowed Ingest, Lambda, S3, BackupS3, Redshift, OpenSearch"
            )),
        }
    }
}

/// What `firehose-sim check` may generate, and what it checks. Every field is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpace {
    /// The property, e.g. `"no-skip"` or `"records.lost == 0 && latency_seconds.p99 < \"15m\""`.
    #[serde(default)]
    pub property: Option<String>,
    /// Targets that may fail (default: every target the scenario has).
    #[serde(default)]
    pub targets: Option<Vec<Target>>,
    /// Kinds of fault (default: all five).
    #[serde(default)]
    pub kinds: Option<Vec<FaultKind>>,
    /// Longest fault window (default: the scenario's duration).
    #[serde(default)]
    pub max_outage: Option<SimDuration>,
    /// Highest probability of `Errors` and `AckLost` (default 1).
    #[serde(default)]
    pub max_probability: Option<f64>,
    /// Most generated faults per case (default 3).
    #[serde(default)]
    pub max_faults: Option<u32>,
    /// Cases to try (default 256).
    #[serde(default)]
    pub cases: Option<u32>,
}

fn default_seed() -> u64 {
    1
}

fn default_start_time() -> String {
    "2025-01-01T00:00:00Z".into()
}

/// A producer of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Source {
    /// A producer calling `PutRecordBatch` on a Direct PUT stream.
    DirectPut(DirectPut),
}

/// A Direct PUT producer (I1-I3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectPut {
    /// Name, unique among sources.
    pub name: String,
    /// Records per second.
    pub rate: Rate,
    /// Records per `PutRecordBatch` call, 1-500 (default 100).
    #[serde(default = "default_records_per_call")]
    pub records_per_call: u32,
    /// Size of one record in bytes (default `Fixed(1024)`).
    #[serde(default = "default_record_bytes")]
    pub record_bytes: SizeDist,
    /// How often the producer resends refused records, 0-20 (default 3, as the AWS SDKs).
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// Pause before a resend (assumption: full jitter, `initial` doubling up to `max`).
    #[serde(default)]
    pub backoff: Backoff,
}

fn default_records_per_call() -> u32 {
    100
}
fn default_record_bytes() -> SizeDist {
    SizeDist::Fixed(1024)
}
fn default_max_retries() -> u32 {
    3
}

/// Exponential backoff with full jitter: retry n waits a uniform draw in
/// `[0, min(max, initial * 2^(n-1))]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// The cap of the first pause (default 100 ms).
    #[serde(default = "default_backoff_initial")]
    pub initial: SimDuration,
    /// The largest cap (default 20 s).
    #[serde(default = "default_backoff_max")]
    pub max: SimDuration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: default_backoff_initial(),
            max: default_backoff_max(),
        }
    }
}

fn default_backoff_initial() -> SimDuration {
    SimDuration::from_millis(100)
}
fn default_backoff_max() -> SimDuration {
    SimDuration::from_secs(20)
}

/// Arrival rate of records (records per second).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Rate {
    /// Evenly spaced calls: call k at `floor(k * records_per_call / rate)` s (T1).
    Constant(f64),
    /// Calls form a Poisson process with this mean record rate.
    Poisson(f64),
    /// A piecewise-constant rate: `(from, rate)` pairs in increasing time; zero before the
    /// first step.
    Steps(Vec<(SimDuration, f64)>),
    /// `mean * (1 + amplitude * sin(2 pi t / period))`.
    Diurnal {
        /// The mean rate.
        mean: f64,
        /// Relative swing, 0-1.
        amplitude: f64,
        /// Length of one cycle.
        period: SimDuration,
    },
}

/// Distribution of record sizes in bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SizeDist {
    /// Every record has this size.
    Fixed(u64),
    /// Uniform between the two bounds, inclusive.
    Uniform(u64, u64),
    /// Log-normal with this median and 99th percentile, clipped to 1..=1,024,000 bytes.
    LogNormal {
        /// Median size.
        median: u64,
        /// 99th percentile size.
        p99: u64,
    },
}

/// The delivery stream's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// Per-second ingest quotas (I2), default `Large`.
    #[serde(default)]
    pub quota: Quota,
    /// How long an undelivered record is kept (I4), 1 s-24 h, default 24 h.
    #[serde(default = "default_retention")]
    pub retention: SimDuration,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            quota: Quota::default(),
            retention: default_retention(),
        }
    }
}

fn default_retention() -> SimDuration {
    SimDuration::from_secs(86_400)
}

/// Ingest quotas (I2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Quota {
    /// us-east-1, us-west-2, eu-west-1: 500,000 records/s, 2,000 requests/s, 5 MiB/s.
    #[default]
    Large,
    /// Other regions: 100,000 records/s, 1,000 requests/s, 1 MiB/s.
    Standard,
    /// Any other values.
    Custom {
        /// Records per second.
        records_per_second: u64,
        /// `PutRecordBatch` requests per second.
        requests_per_second: u64,
        /// Bytes per second.
        bytes_per_second: u64,
    },
}

/// Quota values in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    /// Records per second.
    pub records: u64,
    /// Requests per second.
    pub requests: u64,
    /// Bytes per second.
    pub bytes: u64,
}

impl Quota {
    /// The per-second limits of this preset.
    pub fn limits(&self) -> QuotaLimits {
        match *self {
            Quota::Large => QuotaLimits {
                records: 500_000,
                requests: 2_000,
                bytes: 5 * MIB,
            },
            Quota::Standard => QuotaLimits {
                records: 100_000,
                requests: 1_000,
                bytes: MIB,
            },
            Quota::Custom {
                records_per_second,
                requests_per_second,
                bytes_per_second,
            } => QuotaLimits {
                records: records_per_second,
                requests: requests_per_second,
                bytes: bytes_per_second,
            },
        }
    }
}

/// Where records go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Destination {
    /// Amazon S3.
    S3(S3Destination),
    /// Amazon Redshift, loaded by COPY from an intermediate S3 bucket (R1-R5).
    Redshift(RedshiftDestination),
    /// Amazon OpenSearch Service (E1-E6); `Elasticsearch(...)` is accepted as an alias.
    #[serde(alias = "Elasticsearch")]
    OpenSearch(OpenSearchDestination),
}

impl Destination {
    /// The buffering hints of the destination buffer (for Redshift: of the intermediate S3
    /// bucket).
    pub fn buffering_hints(&self) -> BufferingHints {
        match self {
            Destination::S3(d) => d.buffering_hints,
            Destination::Redshift(d) => d.s3_buffering_hints,
            Destination::OpenSearch(d) => d.buffering_hints,
        }
    }

    /// Source record backup mode and buffering (L6).
    pub fn backup(&self) -> (BackupMode, BufferingHints) {
        match self {
            Destination::S3(d) => (d.s3_backup_mode, d.s3_backup_buffering_hints),
            Destination::Redshift(d) => (d.s3_backup_mode, d.s3_backup_buffering_hints),
            Destination::OpenSearch(d) => (
                match d.s3_backup_mode {
                    OpenSearchBackupMode::AllDocuments => BackupMode::Enabled,
                    OpenSearchBackupMode::FailedDocumentsOnly => BackupMode::Disabled,
                },
                d.s3_backup_buffering_hints,
            ),
        }
    }

    /// The name used in reports: `s3`, `redshift`.
    pub fn name(&self) -> &'static str {
        match self {
            Destination::S3(_) => "s3",
            Destination::Redshift(_) => "redshift",
            Destination::OpenSearch(_) => "opensearch",
        }
    }
}

/// An OpenSearch destination (E1-E6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSearchDestination {
    /// Buffering hints (B3: 1-100 MiB, 0-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub buffering_hints: BufferingHints,
    /// How long a failed bulk request is retried (E2).
    #[serde(default)]
    pub retry_options: OpenSearchRetryOptions,
    /// `FailedDocumentsOnly` (default) or `AllDocuments` (E4).
    #[serde(default)]
    pub s3_backup_mode: OpenSearchBackupMode,
    /// Buffering of the `AllDocuments` backup (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
    /// `FirehoseDefault` (default) or `NoDocumentId` (E5).
    #[serde(default)]
    pub document_id: DocumentIdOption,
    /// The index name (default "firehose").
    #[serde(default = "default_index_name")]
    pub index_name: String,
    /// Index rotation (E6), default `OneDay`.
    #[serde(default)]
    pub index_rotation_period: IndexRotation,
}

impl Default for OpenSearchDestination {
    fn default() -> Self {
        OpenSearchDestination {
            buffering_hints: BufferingHints::default(),
            retry_options: OpenSearchRetryOptions::default(),
            s3_backup_mode: OpenSearchBackupMode::default(),
            s3_backup_buffering_hints: BufferingHints::default(),
            document_id: DocumentIdOption::default(),
            index_name: default_index_name(),
            index_rotation_period: IndexRotation::default(),
        }
    }
}

fn default_index_name() -> String {
    "firehose".into()
}

/// OpenSearch's retry options (E2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSearchRetryOptions {
    /// Retry duration in seconds, 0-7200 (default 300), counted from the first attempt.
    #[serde(default = "default_opensearch_retry")]
    pub duration_in_seconds: u32,
}

impl Default for OpenSearchRetryOptions {
    fn default() -> Self {
        OpenSearchRetryOptions {
            duration_in_seconds: default_opensearch_retry(),
        }
    }
}

fn default_opensearch_retry() -> u32 {
    300
}

/// What OpenSearch writes to S3 (E4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OpenSearchBackupMode {
    /// Only documents that could not be indexed.
    #[default]
    FailedDocumentsOnly,
    /// Every record too, as a backup copy.
    AllDocuments,
}

/// Document ids (E5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DocumentIdOption {
    /// Firehose gives each record an id: a repeated request overwrites.
    #[default]
    FirehoseDefault,
    /// The cluster assigns ids: a repeated request indexes again.
    NoDocumentId,
}

/// Index rotation (E6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IndexRotation {
    /// One index.
    NoRotation,
    /// `name-YYYY-MM-DD-HH`.
    OneHour,
    /// `name-YYYY-MM-DD`.
    #[default]
    OneDay,
    /// `name-YYYY-ww` (ISO week).
    OneWeek,
    /// `name-YYYY-MM`.
    OneMonth,
}

/// A Redshift destination (R1-R5).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedshiftDestination {
    /// Buffering hints of the intermediate S3 bucket (B3: 1-128 MiB, 0-900 s).
    #[serde(default)]
    pub s3_buffering_hints: BufferingHints,
    /// How long a failed COPY is retried (R3).
    #[serde(default)]
    pub retry_options: RetryOptions,
    /// Source record backup (L6, default `Disabled`).
    #[serde(default)]
    pub s3_backup_mode: BackupMode,
    /// Buffering of the backup bucket (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
}

/// A destination's retry options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryOptions {
    /// Retry duration in seconds, 0-7200 (default 3600 for Redshift).
    #[serde(default = "default_redshift_retry")]
    pub duration_in_seconds: u32,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            duration_in_seconds: default_redshift_retry(),
        }
    }
}

fn default_redshift_retry() -> u32 {
    3600
}

/// An S3 destination.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Destination {
    /// Buffering hints (B3: 1-128 MiB, 0-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub buffering_hints: BufferingHints,
    /// Source record backup (L6): `Enabled` also writes every ingested record, untransformed,
    /// to a backup bucket (default `Disabled`).
    #[serde(default)]
    pub s3_backup_mode: BackupMode,
    /// Buffering of the backup bucket (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
}

/// Source record backup (L6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BackupMode {
    /// No backup.
    #[default]
    Disabled,
    /// Every ingested record is also written, untransformed, to the backup bucket.
    Enabled,
}

/// A data transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Transform {
    /// An AWS Lambda function (L1-L5).
    Lambda(LambdaTransform),
}

/// The Lambda processor's settings, as in Firehose's `ProcessingConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaTransform {
    /// Size hint of the Lambda buffer in MiB, 0.2-3 (default 1).
    #[serde(default = "default_lambda_size")]
    pub buffer_size_in_mbs: f64,
    /// Interval of the Lambda buffer in seconds, 0-900 (default 60).
    #[serde(default = "default_lambda_interval")]
    pub buffer_interval_in_seconds: u32,
    /// Retries after a failed invocation, 0-300 (default 3: four attempts in all).
    #[serde(default = "default_lambda_retries")]
    pub number_of_retries: u32,
}

impl Default for LambdaTransform {
    fn default() -> Self {
        LambdaTransform {
            buffer_size_in_mbs: default_lambda_size(),
            buffer_interval_in_seconds: default_lambda_interval(),
            number_of_retries: default_lambda_retries(),
        }
    }
}

fn default_lambda_size() -> f64 {
    1.0
}
fn default_lambda_interval() -> u32 {
    60
}
fn default_lambda_retries() -> u32 {
    3
}

/// Buffering hints (B1-B3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferingHints {
    /// Size hint in MiB (default 5).
    #[serde(default = "default_size_in_mbs")]
    pub size_in_mbs: u32,
    /// Interval hint in seconds (default 300; 0 flushes every call at once).
    #[serde(default = "default_interval_in_seconds")]
    pub interval_in_seconds: u32,
}

impl Default for BufferingHints {
    fn default() -> Self {
        BufferingHints {
            size_in_mbs: default_size_in_mbs(),
            interval_in_seconds: default_interval_in_seconds(),
        }
    }
}

fn default_size_in_mbs() -> u32 {
    5
}
fn default_interval_in_seconds() -> u32 {
    300
}

/// How the services around the stream behave: the model's assumptions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Services {
    /// The stream's `PutRecordBatch` endpoint.
    #[serde(default)]
    pub ingest: IngestService,
    /// The stream's S3 bucket (and the backup bucket).
    #[serde(default)]
    pub s3: S3Service,
    /// The Lambda function.
    #[serde(default)]
    pub lambda: LambdaService,
    /// The Redshift cluster.
    #[serde(default)]
    pub redshift: RedshiftService,
    /// The OpenSearch cluster.
    #[serde(default)]
    pub opensearch: OpenSearchService,
}

/// Exponential backoff between OpenSearch attempts (E2 assumption).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBackoff {
    /// First pause (default 1 s).
    #[serde(default = "default_os_backoff_initial")]
    pub initial: SimDuration,
    /// Largest pause (default 60 s).
    #[serde(default = "default_os_backoff_max")]
    pub max: SimDuration,
}

impl Default for RetryBackoff {
    fn default() -> Self {
        RetryBackoff {
            initial: default_os_backoff_initial(),
            max: default_os_backoff_max(),
        }
    }
}

fn default_os_backoff_initial() -> SimDuration {
    SimDuration::from_secs(1)
}
fn default_os_backoff_max() -> SimDuration {
    SimDuration::from_secs(60)
}

/// How the OpenSearch cluster behaves (E1, E2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSearchService {
    /// Duration of one bulk request (default 200 ms + 50 ms per MiB).
    #[serde(default = "default_bulk_time")]
    pub bulk_time: CallTime,
    /// A request slower than this fails at it (default 60 s).
    #[serde(default = "default_request_timeout")]
    pub request_timeout: SimDuration,
    /// Probability that one document of a successful request is rejected (default 0).
    #[serde(default)]
    pub document_failure_rate: f64,
    /// Pause between attempts: `initial`, doubling, at most `max`.
    #[serde(default)]
    pub backoff: RetryBackoff,
}

impl Default for OpenSearchService {
    fn default() -> Self {
        OpenSearchService {
            bulk_time: default_bulk_time(),
            request_timeout: default_request_timeout(),
            document_failure_rate: 0.0,
            backoff: RetryBackoff::default(),
        }
    }
}

fn default_bulk_time() -> CallTime {
    CallTime {
        base: SimDuration::from_millis(200),
        per_mib: SimDuration::from_millis(50),
    }
}
fn default_request_timeout() -> SimDuration {
    SimDuration::from_secs(60)
}

/// How the Redshift cluster behaves (R2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedshiftService {
    /// Duration of one COPY over the bytes of its manifest (default 5 s + 100 ms per MiB).
    #[serde(default = "default_copy_time")]
    pub copy_time: CallTime,
    /// Most objects one COPY loads (default: no limit, every object queued when it starts).
    #[serde(default)]
    pub max_objects_per_copy: Option<u32>,
}

impl Default for RedshiftService {
    fn default() -> Self {
        RedshiftService {
            copy_time: default_copy_time(),
            max_objects_per_copy: None,
        }
    }
}

fn default_copy_time() -> CallTime {
    CallTime {
        base: SimDuration::from_secs(5),
        per_mib: SimDuration::from_millis(100),
    }
}

/// A distribution of durations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum TimeDist {
    /// Always this long.
    Fixed(SimDuration),
    /// Uniform between the two bounds.
    Uniform(SimDuration, SimDuration),
    /// Log-normal with this median and 99th percentile.
    LogNormal {
        /// Median.
        median: SimDuration,
        /// 99th percentile.
        p99: SimDuration,
    },
}

/// How the Lambda function behaves (L1-L5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaService {
    /// Duration of one invocation (default `LogNormal(median: "120ms", p99: "2s")`).
    #[serde(default = "default_lambda_duration")]
    pub duration: TimeDist,
    /// The function's timeout, at most 5 minutes (default 60 s).
    #[serde(default = "default_lambda_timeout")]
    pub timeout: SimDuration,
    /// Invocations running at once (L5, default 5).
    #[serde(default = "default_lambda_concurrency")]
    pub concurrency: u32,
    /// Output bytes per input byte for `Ok` records (default 1.0).
    #[serde(default = "default_size_ratio")]
    pub size_ratio: f64,
    /// Probability that a record comes back `Dropped` (default 0).
    #[serde(default)]
    pub dropped: f64,
    /// Probability that a record comes back `ProcessingFailed` (default 0).
    #[serde(default)]
    pub processing_failed: f64,
    /// Pause between a failed attempt and the next (L2 assumption, default 0).
    #[serde(default)]
    pub retry_delay: SimDuration,
}

impl Default for LambdaService {
    fn default() -> Self {
        LambdaService {
            duration: default_lambda_duration(),
            timeout: default_lambda_timeout(),
            concurrency: default_lambda_concurrency(),
            size_ratio: default_size_ratio(),
            dropped: 0.0,
            processing_failed: 0.0,
            retry_delay: SimDuration::ZERO,
        }
    }
}

fn default_lambda_duration() -> TimeDist {
    TimeDist::LogNormal {
        median: SimDuration::from_millis(120),
        p99: SimDuration::from_secs(2),
    }
}
fn default_lambda_timeout() -> SimDuration {
    SimDuration::from_secs(60)
}
fn default_lambda_concurrency() -> u32 {
    5
}
fn default_size_ratio() -> f64 {
    1.0
}

/// A call's duration: `base + per_mib * bytes / MiB`, rounded down to whole microseconds (T8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallTime {
    /// Fixed part.
    #[serde(default)]
    pub base: SimDuration,
    /// Part per MiB carried.
    #[serde(default)]
    pub per_mib: SimDuration,
}

impl CallTime {
    /// The time of a call carrying `bytes`.
    pub fn for_bytes(&self, bytes: u64) -> SimDuration {
        let per = (u128::from(self.per_mib.0) * u128::from(bytes) / u128::from(MIB)) as u64;
        self.base + SimDuration(per)
    }
}

/// The `PutRecordBatch` endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestService {
    /// Time of one call (default 0: records are ingested at the instant they are sent, T1).
    #[serde(default = "default_ingest_time")]
    pub put_time: CallTime,
}

impl Default for IngestService {
    fn default() -> Self {
        IngestService {
            put_time: default_ingest_time(),
        }
    }
}

fn default_ingest_time() -> CallTime {
    CallTime {
        base: SimDuration::ZERO,
        per_mib: SimDuration::ZERO,
    }
}

/// The stream's S3 bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Service {
    /// Time of one PUT (default 100 ms + 10 ms per MiB).
    #[serde(default = "default_s3_put_time")]
    pub put_time: CallTime,
    /// Pause after a failed PUT before the next attempt (S1 assumption, default 5 s).
    #[serde(default = "default_s3_retry_interval")]
    pub retry_interval: SimDuration,
}

impl Default for S3Service {
    fn default() -> Self {
        S3Service {
            put_time: default_s3_put_time(),
            retry_interval: default_s3_retry_interval(),
        }
    }
}

fn default_s3_put_time() -> CallTime {
    CallTime {
        base: SimDuration::from_millis(100),
        per_mib: SimDuration::from_millis(10),
    }
}
fn default_s3_retry_interval() -> SimDuration {
    SimDuration::from_secs(5)
}

/// What a fault acts on (X1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    /// The stream's `PutRecordBatch` endpoint.
    Ingest,
    /// The Lambda transform.
    Lambda,
    /// The stream's bucket: destination, intermediate and error prefixes.
    S3,
    /// The source record backup bucket.
    BackupS3,
    /// The Redshift cluster.
    Redshift,
    /// The OpenSearch cluster.
    OpenSearch,
}

/// A fault (X1). Every fault takes an optional window `[from, until)`; without one it is
/// always on. A call is affected when it starts inside the window (T3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Fault {
    /// Every call fails.
    Outage {
        /// What fails.
        target: Target,
        /// Start of the window.
        #[serde(default)]
        from: Option<SimDuration>,
        /// End of the window (exclusive).
        #[serde(default)]
        until: Option<SimDuration>,
    },
    /// Each call fails with this probability.
    Errors {
        /// What fails.
        target: Target,
        /// Probability, 0-1.
        probability: f64,
        /// Start of the window.
        #[serde(default)]
        from: Option<SimDuration>,
        /// End of the window (exclusive).
        #[serde(default)]
        until: Option<SimDuration>,
    },
    /// Call times are multiplied by this factor.
    Slow {
        /// What slows down.
        target: Target,
        /// Factor, greater than 0 and at most 1000.
        factor: f64,
        /// Start of the window.
        #[serde(default)]
        from: Option<SimDuration>,
        /// End of the window (exclusive).
        #[serde(default)]
        until: Option<SimDuration>,
    },
    /// The call succeeds at the target but is reported failed, with this probability.
    AckLost {
        /// What loses acknowledgements.
        target: Target,
        /// Probability, 0-1.
        probability: f64,
        /// Start of the window.
        #[serde(default)]
        from: Option<SimDuration>,
        /// End of the window (exclusive).
        #[serde(default)]
        until: Option<SimDuration>,
    },
    /// Quotas (Ingest) are multiplied by this factor for one-second windows starting inside;
    /// the Lambda function's concurrency is multiplied by it (rounded down) inside the window.
    Throttle {
        /// What is throttled.
        target: Target,
        /// Factor, 0-1.
        factor: f64,
        /// Start of the window.
        #[serde(default)]
        from: Option<SimDuration>,
        /// End of the window (exclusive).
        #[serde(default)]
        until: Option<SimDuration>,
    },
}

impl Fault {
    /// The fault's target.
    pub fn target(&self) -> Target {
        match self {
            Fault::Outage { target, .. }
            | Fault::Errors { target, .. }
            | Fault::Slow { target, .. }
            | Fault::AckLost { target, .. }
            | Fault::Throttle { target, .. } => *target,
        }
    }

    /// The fault's window `[from, until)`; missing ends are the start and the end of time.
    pub fn window(&self) -> (SimDuration, SimDuration) {
        let (from, until) = match self {
            Fault::Outage { from, until, .. }
            | Fault::Errors { from, until, .. }
            | Fault::Slow { from, until, .. }
            | Fault::AckLost { from, until, .. }
            | Fault::Throttle { from, until, .. } => (*from, *until),
        };
        (
            from.unwrap_or(SimDuration::ZERO),
            until.unwrap_or(SimDuration(u64::MAX)),
        )
    }

    /// The variant's name, as written in a scenario.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Outage { .. } => "Outage",
            Fault::Errors { .. } => "Errors",
            Fault::Slow { .. } => "Slow",
            Fault::AckLost { .. } => "AckLost",
            Fault::Throttle { .. } => "Throttle",
        }
    }
}
