//! The faults part of a scenario: the `faults` section (what goes wrong, where and when) and
//! the `check` section, which describes the space of faults `firehose-sim check` may
//! generate and the property it checks.

use crate::engine::SimDuration;
use serde::{Deserialize, Serialize};

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
    /// The Kinesis data stream of a Kinesis source: `Outage` and `Errors` fail `GetRecords`,
    /// `Throttle` lowers its shards' read capacity (K3).
    Kinesis,
    /// The HTTP endpoint: `Outage` and `Errors` give 5xx responses, `AckLost` a lost
    /// response to a processed request (H3).
    HttpEndpoint,
    /// The Splunk cluster: `Outage` and `Errors` fail an attempt, `AckLost` indexes its events
    /// but no acknowledgement arrives (SP2).
    Splunk,
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
            "Kinesis" => Ok(Target::Kinesis),
            "HttpEndpoint" => Ok(Target::HttpEndpoint),
            "Splunk" => Ok(Target::Splunk),
            _ => Err(format!(
                "unknown target `{s}`: allowed Ingest, Lambda, S3, BackupS3, Redshift, OpenSearch, Kinesis, HttpEndpoint, Splunk"
            )),
        }
    }
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

impl FaultKind {
    /// Every kind, in the order `check` lists them.
    pub const ALL: [FaultKind; 5] = [
        FaultKind::Outage,
        FaultKind::Errors,
        FaultKind::Slow,
        FaultKind::AckLost,
        FaultKind::Throttle,
    ];

    /// Whether a fault of this kind can act on `target` (X1): `Throttle` lowers a quota, a
    /// concurrency or a read capacity (only `Ingest`, `Lambda` and `Kinesis`); `GetRecords`
    /// takes no time and acknowledges nothing (no `Slow` or `AckLost` on `Kinesis`, K3); and
    /// `AckLost` on `Ingest` is not modelled with a Kinesis source (`kinesis_source`).
    pub fn applies_to(self, target: Target, kinesis_source: bool) -> bool {
        match (self, target) {
            (FaultKind::Throttle, t) => {
                matches!(t, Target::Ingest | Target::Lambda | Target::Kinesis)
            }
            (FaultKind::Slow | FaultKind::AckLost, Target::Kinesis) => false,
            (FaultKind::AckLost, Target::Ingest) => !kinesis_source,
            _ => true,
        }
    }
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
    /// The settings `firehose-sim advise` varies, each `"PATH=V1,V2,..."` as its `--vary`
    /// flag takes them (flags replace the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vary: Option<Vec<String>>,
}
