//! The services part of a scenario: the `services` section, i.e. how the AWS services
//! around the stream behave (call times, timeouts, failure rates, concurrency, backoff).
//! These are the model's assumptions, not Firehose settings.

use super::MIB;
use crate::engine::SimDuration;
use serde::{Deserialize, Serialize};

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
    /// The HTTP endpoint (H2-H7).
    #[serde(default)]
    pub http_endpoint: HttpEndpointService,
    /// The Splunk cluster (SP2).
    #[serde(default)]
    pub splunk: SplunkService,
    /// Record format conversion (P3).
    #[serde(default)]
    pub format_conversion: FormatConversionService,
}

/// How format conversion behaves (P3): the model's assumption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConversionService {
    /// Converted bytes over input bytes (default 0.25).
    #[serde(default = "default_conversion_ratio")]
    pub size_ratio: f64,
}

impl Default for FormatConversionService {
    fn default() -> Self {
        FormatConversionService {
            size_ratio: default_conversion_ratio(),
        }
    }
}

fn default_conversion_ratio() -> f64 {
    0.25
}

/// How the HTTP endpoint behaves (H2-H7): the model's assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpEndpointService {
    /// Time to a response over the sent size (default 50 ms + 20 ms per MiB, H3).
    #[serde(default = "default_http_response_time")]
    pub response_time: CallTime,
    /// A sent body larger than this gets `413` (default 64 MiB, H4).
    #[serde(default = "default_max_request_bytes")]
    pub max_request_bytes: u64,
    /// Relative spread of each retry pause (default 0.15; 0 makes it exact, H5).
    #[serde(default = "default_jitter")]
    pub jitter: f64,
    /// Whether the endpoint ignores a request id it has processed (default false, H7).
    #[serde(default)]
    pub deduplicates: bool,
    /// Sent size over body size with `Gzip` (default 0.3, H2).
    #[serde(default = "default_gzip_ratio")]
    pub gzip_ratio: f64,
}

impl Default for HttpEndpointService {
    fn default() -> Self {
        HttpEndpointService {
            response_time: default_http_response_time(),
            max_request_bytes: default_max_request_bytes(),
            jitter: default_jitter(),
            deduplicates: false,
            gzip_ratio: default_gzip_ratio(),
        }
    }
}

fn default_http_response_time() -> CallTime {
    CallTime {
        base: SimDuration::from_millis(50),
        per_mib: SimDuration::from_millis(20),
    }
}
fn default_max_request_bytes() -> u64 {
    64 * MIB
}
fn default_jitter() -> f64 {
    0.15
}
fn default_gzip_ratio() -> f64 {
    0.3
}

/// How the Splunk cluster behaves (SP2): the model's assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplunkService {
    /// Time to the indexer acknowledgement over the sent size (default 2 s + 500 ms per MiB).
    #[serde(default = "default_ack_time")]
    pub ack_time: CallTime,
    /// Probability that a timed-out attempt was indexed all the same (default 0.5).
    #[serde(default = "default_indexed_on_ack_timeout")]
    pub indexed_on_ack_timeout: f64,
    /// Relative spread of each retry pause (default 0.15, H5).
    #[serde(default = "default_jitter")]
    pub jitter: f64,
}

impl Default for SplunkService {
    fn default() -> Self {
        SplunkService {
            ack_time: default_ack_time(),
            indexed_on_ack_timeout: default_indexed_on_ack_timeout(),
            jitter: default_jitter(),
        }
    }
}

fn default_ack_time() -> CallTime {
    CallTime {
        base: SimDuration::from_secs(2),
        per_mib: SimDuration::from_millis(500),
    }
}
fn default_indexed_on_ack_timeout() -> f64 {
    0.5
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
    /// The function's configured memory in MB, 128-10,240 (default 128): Lambda bills
    /// GB-seconds of it (C1).
    #[serde(default = "default_lambda_memory")]
    pub memory_mb: u32,
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
            memory_mb: default_lambda_memory(),
        }
    }
}

fn default_lambda_memory() -> u32 {
    128
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
