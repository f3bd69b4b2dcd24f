//! The stream part of a scenario: the `stream`, `transform` and `destination` sections, i.e.
//! the delivery stream's own Firehose configuration (quotas, retention, the Lambda processor,
//! each destination's buffering hints, retry options, backup modes, document ids and index
//! rotation). Field names follow the Firehose API in snake_case.

use super::MIB;
use crate::engine::SimDuration;
use serde::{Deserialize, Serialize};

/// The delivery stream's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// Where the stream's records come from: `DirectPut` (default) or a Kinesis data stream
    /// (K1).
    #[serde(default)]
    pub source: StreamSource,
    /// Per-second ingest quotas of a Direct PUT stream (I2), default `Large`. With a Kinesis
    /// source the shards' capacity applies instead (K2) and this is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// How long a Direct PUT stream keeps an undelivered record (I4), 1 s-24 h, default 24 h.
    /// With a Kinesis source the data stream's retention applies instead (K4) and this is an
    /// error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<SimDuration>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            source: StreamSource::DirectPut,
            quota: Some(Quota::default()),
            retention: Some(default_retention()),
        }
    }
}

impl StreamConfig {
    /// The Direct PUT quotas in force (I2).
    pub fn quota_limits(&self) -> QuotaLimits {
        self.quota.clone().unwrap_or_default().limits()
    }

    /// The retention window of I4 and T12: the data stream's retention with a Kinesis source
    /// (K4), else `retention` (default 24 h).
    pub fn retention_window(&self) -> SimDuration {
        match &self.source {
            StreamSource::KinesisStream(k) => {
                SimDuration::from_secs(u64::from(k.retention_period_hours) * 3600)
            }
            StreamSource::DirectPut => self.retention.unwrap_or_else(default_retention),
        }
    }

    /// Fills in the Direct PUT defaults a Direct PUT stream prints and uses.
    pub(crate) fn fill_defaults(&mut self) {
        if self.source == StreamSource::DirectPut {
            self.quota.get_or_insert_with(Quota::default);
            self.retention.get_or_insert_with(default_retention);
        }
    }
}

fn default_retention() -> SimDuration {
    SimDuration::from_secs(86_400)
}

/// The delivery stream's source (K1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum StreamSource {
    /// Producers call `PutRecordBatch` on the delivery stream (I1-I4).
    #[default]
    DirectPut,
    /// Producers write to a Kinesis data stream with `PutRecords`; Firehose reads its shards
    /// (K1-K6).
    KinesisStream(KinesisStream),
}

/// A Kinesis data stream as the source (K1-K6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KinesisStream {
    /// `Provisioned` (default) or `OnDemand`; on-demand is modelled as provisioned with the
    /// shard count it has scaled to (K2, assumption).
    #[serde(default)]
    pub stream_mode: StreamMode,
    /// Shards, 1-10,000 (required).
    pub shard_count: u32,
    /// The data stream's retention, 24-8760 hours (default 24): Firehose retries delivery up
    /// to it (K4).
    #[serde(default = "default_retention_hours")]
    pub retention_period_hours: u32,
    /// How records spread over shards (K2, assumption): `Uniform` (default) or `Hot(share)`.
    #[serde(default)]
    pub partition_keys: PartitionKeys,
    /// Read throughput other consumers take from every shard, 0-2 MiB/s (default 0, K3).
    #[serde(default)]
    pub other_consumers_read_mib_per_second: f64,
    /// Back pressure (K5, assumption): Firehose reads only while the MiB it has read and not
    /// yet settled are below this; default twice the destination's buffering size hint.
    #[serde(default)]
    pub max_unsettled_mib: Option<f64>,
}

fn default_retention_hours() -> u32 {
    24
}

/// The data stream's capacity mode (K2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StreamMode {
    /// A fixed number of shards.
    #[default]
    Provisioned,
    /// Scaled by AWS; modelled with the shard count it has scaled to (assumption).
    OnDemand,
}

/// How records are spread over shards (K2).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum PartitionKeys {
    /// Record id `k` goes to shard `k mod shard_count`.
    #[default]
    Uniform,
    /// A hot key: a `share` (0-1] of the records goes to shard 0, the rest as `Uniform`.
    Hot(f64),
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
    /// An HTTP endpoint, custom or a partner's (H1-H8).
    HttpEndpoint(HttpEndpointDestination),
    /// Splunk over HEC with indexer acknowledgements (SP1-SP3).
    Splunk(SplunkDestination),
}

impl Destination {
    /// The buffering hints of the destination buffer (for Redshift: of the intermediate S3
    /// bucket).
    pub fn buffering_hints(&self) -> BufferingHints {
        match self {
            Destination::S3(d) => d.hints(),
            Destination::Redshift(d) => d.s3_buffering_hints,
            Destination::OpenSearch(d) => d.buffering_hints,
            Destination::HttpEndpoint(d) => d.buffering_hints.or(d.endpoint.hints()),
            Destination::Splunk(d) => d.buffering_hints.or(SPLUNK_HINTS),
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
            Destination::HttpEndpoint(d) => (
                match d.s3_backup_mode {
                    HttpBackupMode::AllData => BackupMode::Enabled,
                    HttpBackupMode::FailedDataOnly => BackupMode::Disabled,
                },
                d.s3_backup_buffering_hints,
            ),
            Destination::Splunk(d) => (
                match d.s3_backup_mode {
                    SplunkBackupMode::AllEvents => BackupMode::Enabled,
                    SplunkBackupMode::FailedEventsOnly => BackupMode::Disabled,
                },
                d.s3_backup_buffering_hints,
            ),
        }
    }

    /// The name used in reports: `s3`, `redshift`, `opensearch`, `http_endpoint`, `splunk`.
    pub fn name(&self) -> &'static str {
        match self {
            Destination::S3(_) => "s3",
            Destination::Redshift(_) => "redshift",
            Destination::OpenSearch(_) => "opensearch",
            Destination::HttpEndpoint(_) => "http_endpoint",
            Destination::Splunk(_) => "splunk",
        }
    }
}

/// Buffering hints where each omitted field takes the destination's own default (HTTP
/// endpoint presets H1, Splunk SP1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultedHints {
    /// Size hint in MiB.
    #[serde(default)]
    pub size_in_mbs: Option<u32>,
    /// Interval hint in seconds.
    #[serde(default)]
    pub interval_in_seconds: Option<u32>,
}

impl DefaultedHints {
    /// The hints in force: the given fields, else `defaults`.
    pub fn or(&self, defaults: BufferingHints) -> BufferingHints {
        BufferingHints {
            size_in_mbs: self.size_in_mbs.unwrap_or(defaults.size_in_mbs),
            interval_in_seconds: self
                .interval_in_seconds
                .unwrap_or(defaults.interval_in_seconds),
        }
    }
}

/// Splunk's default hints (SP1): 5 MiB, 60 s.
pub const SPLUNK_HINTS: BufferingHints = BufferingHints {
    size_in_mbs: 5,
    interval_in_seconds: 60,
};

/// Which HTTP endpoint (H1): a custom one or a partner's, all the same destination with a
/// name; a partner AWS recommends other hints for gets them as defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Endpoint {
    /// Your own endpoint.
    #[default]
    Custom,
    Datadog,
    NewRelic,
    Dynatrace,
    SplunkObservability,
    SumoLogic,
    MongoDb,
    Coralogix,
    Elastic,
    LogicMonitor,
    Honeycomb,
}

impl Endpoint {
    /// The default hints of this endpoint: AWS's recommended size where it gives one
    /// (Datadog 4 MiB, New Relic and Sumo Logic 1 MiB), else 5 MiB; 300 s.
    pub fn hints(&self) -> BufferingHints {
        let size_in_mbs = match self {
            Endpoint::Datadog => 4,
            Endpoint::NewRelic | Endpoint::SumoLogic => 1,
            _ => 5,
        };
        BufferingHints {
            size_in_mbs,
            interval_in_seconds: 300,
        }
    }
}

/// Retry options of an HTTP endpoint or Splunk (H5, SP1): the duration counts only the
/// pauses between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseRetryOptions {
    /// Retry duration in seconds, 0-7200 (default 300).
    #[serde(default = "default_opensearch_retry")]
    pub duration_in_seconds: u32,
}

impl Default for PauseRetryOptions {
    fn default() -> Self {
        PauseRetryOptions {
            duration_in_seconds: default_opensearch_retry(),
        }
    }
}

/// What an HTTP endpoint destination writes to S3 (H6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HttpBackupMode {
    /// Only records whose request was given up.
    #[default]
    FailedDataOnly,
    /// Every record too, as a backup copy.
    AllData,
}

/// What Splunk writes to S3 (SP2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SplunkBackupMode {
    /// Only events whose request was given up.
    #[default]
    FailedEventsOnly,
    /// Every event too, as a backup copy.
    AllEvents,
}

/// Request bodies on the wire (H2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContentEncoding {
    /// Sent as is.
    #[default]
    None,
    /// Gzip: the sent size is the body times `services.http_endpoint.gzip_ratio`.
    Gzip,
}

/// An HTTP endpoint destination (H1-H8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpEndpointDestination {
    /// `Custom` (default) or a partner (H1).
    #[serde(default)]
    pub endpoint: Endpoint,
    /// Buffering hints (1-64 MiB, 0-900 s); omitted fields take the endpoint's defaults.
    #[serde(default)]
    pub buffering_hints: DefaultedHints,
    /// How long a failed request is retried, counting only the pauses (H5).
    #[serde(default)]
    pub retry_options: PauseRetryOptions,
    /// `FailedDataOnly` (default) or `AllData` (H6).
    #[serde(default)]
    pub s3_backup_mode: HttpBackupMode,
    /// Buffering of the `AllData` backup (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
    /// `None` (default) or `Gzip` (H2).
    #[serde(default)]
    pub content_encoding: ContentEncoding,
}

/// A Splunk destination (SP1-SP3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplunkDestination {
    /// Buffering hints (1-5 MiB, 0-60 s; defaults 5 MiB, 60 s).
    #[serde(default)]
    pub buffering_hints: DefaultedHints,
    /// How long Firehose waits for an indexer acknowledgement, per attempt (180-600 s,
    /// default 180).
    #[serde(default = "default_hec_ack_timeout")]
    pub hec_acknowledgment_timeout_in_seconds: u32,
    /// How long a failed request is retried, counting only the pauses (SP1, H5).
    #[serde(default)]
    pub retry_options: PauseRetryOptions,
    /// `FailedEventsOnly` (default) or `AllEvents`.
    #[serde(default)]
    pub s3_backup_mode: SplunkBackupMode,
    /// Buffering of the `AllEvents` backup (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
}

impl Default for SplunkDestination {
    fn default() -> Self {
        SplunkDestination {
            buffering_hints: DefaultedHints::default(),
            hec_acknowledgment_timeout_in_seconds: default_hec_ack_timeout(),
            retry_options: PauseRetryOptions::default(),
            s3_backup_mode: SplunkBackupMode::default(),
            s3_backup_buffering_hints: BufferingHints::default(),
        }
    }
}

fn default_hec_ack_timeout() -> u32 {
    180
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Destination {
    /// Buffering hints (B3: 1-128 MiB, 0-900 s; defaults 5 MiB, 300 s, or 128 MiB with
    /// dynamic partitioning or format conversion, P1, P3).
    #[serde(default)]
    pub buffering_hints: DefaultedHints,
    /// Source record backup (L6): `Enabled` also writes every ingested record, untransformed,
    /// to a backup bucket (default `Disabled`).
    #[serde(default)]
    pub s3_backup_mode: BackupMode,
    /// Buffering of the backup bucket (1-128 MiB, 60-900 s; defaults 5 MiB, 300 s).
    #[serde(default)]
    pub s3_backup_buffering_hints: BufferingHints,
    /// Dynamic partitioning (P1, P2): a buffer per partition key.
    #[serde(default)]
    pub dynamic_partitioning: Option<DynamicPartitioning>,
    /// At most this many partitions are active (P2, assumption: default 500, 1-5,000).
    #[serde(default = "default_active_partitions_limit")]
    pub active_partitions_limit: u32,
    /// Record format conversion (P3).
    #[serde(default)]
    pub format_conversion: Option<FormatConversion>,
}

impl Default for S3Destination {
    fn default() -> Self {
        S3Destination {
            buffering_hints: DefaultedHints::default(),
            s3_backup_mode: BackupMode::default(),
            s3_backup_buffering_hints: BufferingHints::default(),
            dynamic_partitioning: None,
            active_partitions_limit: default_active_partitions_limit(),
            format_conversion: None,
        }
    }
}

impl S3Destination {
    /// True with dynamic partitioning enabled (P1).
    pub fn partitioned(&self) -> bool {
        self.dynamic_partitioning.is_some_and(|d| d.enabled)
    }

    /// The hints in force: 5 MiB and 300 s by default, 128 MiB with dynamic partitioning or
    /// format conversion (P1, P3).
    pub fn hints(&self) -> BufferingHints {
        let size_in_mbs = if self.partitioned() || self.format_conversion.is_some() {
            128
        } else {
            5
        };
        self.buffering_hints.or(BufferingHints {
            size_in_mbs,
            interval_in_seconds: 300,
        })
    }
}

fn default_active_partitions_limit() -> u32 {
    500
}

/// Dynamic partitioning of an S3 destination (P1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicPartitioning {
    /// Whether it is on.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Retry options of the API (0-7200 s, default 300); see the README for what the model
    /// does with them.
    #[serde(default)]
    pub retry_options: PauseRetryOptions,
}

fn default_true() -> bool {
    true
}

/// Record format conversion (P3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConversion {
    /// The columnar format written.
    pub output: ConversionOutput,
    /// Probability that a record cannot be converted (default 0).
    #[serde(default)]
    pub failure_rate: f64,
}

/// The output of format conversion (P3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConversionOutput {
    /// Apache Parquet.
    Parquet,
    /// Apache ORC.
    Orc,
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
