//! The workload part of a scenario: the `sources` section. Each source is a producer with
//! its record rate, record sizes and resend backoff; the I1 limits of one `PutRecordBatch`
//! call and the simulator's highest source rate live here too.

use super::MIB;
use crate::engine::SimDuration;
use serde::{Deserialize, Serialize};

/// Largest record (I1): 1,000 KiB.
pub const MAX_RECORD_BYTES: u64 = 1_024_000;
/// Largest `PutRecordBatch` call (I1): 4 MiB.
pub const MAX_CALL_BYTES: u64 = 4 * MIB;
/// Largest record of a Kinesis data stream's `PutRecords` call (K1): 1 MiB.
pub const MAX_KINESIS_RECORD_BYTES: u64 = MIB;
/// Largest `PutRecords` call (K1): 5 MiB.
pub const MAX_KINESIS_CALL_BYTES: u64 = 5 * MIB;
/// Most records in one call (I1).
pub const MAX_RECORDS_PER_CALL: u32 = 500;
/// Highest rate one source may have, records per second (a limit of the simulator).
pub const MAX_RATE: f64 = 10_000_000.0;

/// A producer of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Source {
    /// A producer calling `PutRecordBatch` on a Direct PUT stream, or `PutRecords` on the
    /// Kinesis data stream when that is the source (K1); `Producer(...)` is another name.
    #[serde(alias = "Producer")]
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
    /// The partition key of its records, for dynamic partitioning (P1); none is one key.
    #[serde(default)]
    pub partition_key: Option<PartitionKey>,
}

/// How a producer's records spread over partition keys (P1). Key `k` of every producer is the
/// same partition (as a `customer_id=k/` prefix would be).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PartitionKey {
    /// One key.
    Constant,
    /// `count` keys, each equally likely.
    Uniform(u32),
    /// `count` keys, key `k` (1-based) with weight `1 / k^exponent`.
    Zipf {
        /// Keys.
        count: u32,
        /// The skew (more than 0).
        exponent: f64,
    },
    /// `count` equally likely keys, and a new set of them every `interval` of ingest time
    /// (as a `!{timestamp:HH}` prefix makes with one hour).
    PerInterval(SimDuration, u32),
}

impl PartitionKey {
    /// How many keys it has at one time.
    pub fn count(&self) -> u32 {
        match *self {
            PartitionKey::Constant => 1,
            PartitionKey::Uniform(n) | PartitionKey::PerInterval(_, n) => n,
            PartitionKey::Zipf { count, .. } => count,
        }
    }
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
