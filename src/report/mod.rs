//! Rendering a finished run: the JSON report of the contract in DESIGN.md, and a text summary
//! for a design review and Markdown, both laid out from one model of the report's sections
//! (`sections.rs`), filled in by `content.rs` and `settings.rs`; and [`charts`], every chart
//! of runs and sweeps.

pub mod charts;
mod content;
pub mod cost;
mod markdown;
mod sections;
mod settings;
mod text;

pub use markdown::markdown;
pub(crate) use settings::fault_text;
pub use text::text;

/// Writes a run's `report.json`, `report.md` (embedding the charts), `metrics.csv` (when the
/// run collected metrics) and the charts as SVG (and PNG when `png`) into `dir`.
pub fn write_run(out: &RunOutput, dir: &std::path::Path, png: bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("report.json", &Report::new(out).to_json())?;
    if let Some(m) = &out.metrics {
        write("metrics.csv", &m.to_csv())?;
    }
    let plots = charts::run_plots(out);
    for p in &plots {
        charts::write(p, dir, png)?;
    }
    let mut md = markdown(out);
    md.push_str("\n## Charts\n\n");
    for p in &plots {
        md.push_str(&format!("![{}]({}.svg)\n\n", p.title, p.stem));
    }
    write("report.md", &md)
}

use crate::engine::SimDuration;
use crate::model::{
    BackupReport, BulkCalls, CallCounts, ConversionReport, HttpEndpointReport, KinesisReport,
    LambdaReport, OpenSearchReport, PartitionsReport, RedshiftCalls, RedshiftReport, RequestCalls,
    RunOutput, SplunkReport,
};
use crate::outcome::ledger::{DurationSummary, RecordCounts};
use serde::Serialize;

/// `calls.put_record_batch`.
#[derive(Debug, Clone, Serialize)]
pub struct IngestCalls {
    /// Calls, first tries and resends.
    pub attempts: u64,
    /// Calls with any refused record, or whose acknowledgement was lost.
    pub failed: u64,
}

/// The `calls` section.
#[derive(Debug, Clone, Serialize)]
pub struct CallsReport {
    /// `PutRecordBatch`.
    pub put_record_batch: IngestCalls,
    /// Lambda invocations (zeros without a transform).
    pub lambda: CallCounts,
    /// PUTs to the stream's bucket.
    pub s3_put: CallCounts,
    /// Redshift COPY commands (zeros without a Redshift destination).
    pub redshift_copy: RedshiftCalls,
    /// OpenSearch bulk requests (zeros without an OpenSearch destination).
    pub opensearch_bulk: BulkCalls,
    /// HTTP endpoint requests (zeros without an HTTP endpoint destination).
    pub http_endpoint: RequestCalls,
    /// Splunk requests (zeros without a Splunk destination).
    pub splunk: RequestCalls,
}

/// The producers' side of ingest (I3).
#[derive(Debug, Clone, Serialize)]
pub struct ProducersReport {
    /// Wait from a record's first try to its acceptance, over ingested records.
    pub wait_seconds: DurationSummary,
    /// Records accepted only after at least one resend.
    pub records_resent: u64,
    /// Refusals by the quota, counting each refusal (CloudWatch `ThrottledRecords`).
    pub throttled_records: u64,
}

/// What was written to the stream's bucket.
#[derive(Debug, Clone, Serialize)]
pub struct S3Report {
    /// Objects written.
    pub objects: u64,
    /// Bytes written (before compression).
    pub bytes: u64,
}

/// The JSON report. Keys come in this order, always (DESIGN.md's contract first, additions
/// after).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Simulated time in seconds.
    pub simulated_seconds: serde_json::Number,
    /// `s3`, `redshift`, `opensearch`, `http_endpoint` or `splunk`.
    pub destination: &'static str,
    /// Fates (F1-F3).
    pub records: RecordCounts,
    /// Latency of delivered records (F4, T7).
    pub latency_seconds: DurationSummary,
    /// Longest time a record stayed in the stream undelivered.
    pub data_freshness_max_seconds: f64,
    /// Calls per service.
    pub calls: CallsReport,
    /// Producers' retries and wait.
    pub producers: ProducersReport,
    /// Objects in the stream's bucket.
    pub s3: S3Report,
    /// The bulk requests (`null` unless the destination is OpenSearch).
    pub opensearch: Option<OpenSearchReport>,
    /// The COPY queue (`null` unless the destination is Redshift).
    pub redshift: Option<RedshiftReport>,
    /// The Lambda transform's work (`null` without a transform).
    pub lambda: Option<LambdaReport>,
    /// The source record backup (`null` when it is disabled).
    pub backup: Option<BackupReport>,
    /// The Kinesis data stream (`null` unless it is the source, K2-K6).
    pub kinesis: Option<KinesisReport>,
    /// The HTTP endpoint's requests (`null` unless it is the destination, H2-H7).
    pub http_endpoint: Option<HttpEndpointReport>,
    /// Splunk's requests (`null` unless it is the destination, SP2).
    pub splunk: Option<SplunkReport>,
    /// Dynamic partitioning (`null` unless it is on, P1, P2).
    pub partitions: Option<PartitionsReport>,
    /// Record format conversion (`null` unless it is on, P3).
    pub format_conversion: Option<ConversionReport>,
    /// What the run costs at the scenario's prices (C1, C2).
    pub cost: cost::CostReport,
    /// Why the run stopped before its end (a backlog over the bound), when it did: the
    /// figures cover the run up to then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Report {
    /// The report of a finished run.
    pub fn new(out: &RunOutput) -> Self {
        let secs = out.scenario.duration.0;
        let simulated_seconds = if secs.is_multiple_of(1_000_000) {
            serde_json::Number::from(secs / 1_000_000)
        } else {
            serde_json::Number::from_f64(secs as f64 / 1e6).unwrap_or_else(|| 0.into())
        };
        let c = &out.calls;
        Report {
            scenario: out.scenario.name.clone(),
            seed: out.scenario.seed,
            simulated_seconds,
            destination: out.scenario.destination.name(),
            records: out.records.clone(),
            latency_seconds: out.latency.clone(),
            data_freshness_max_seconds: out.data_freshness_max.as_secs_f64(),
            calls: CallsReport {
                put_record_batch: IngestCalls {
                    attempts: c.put_record_batch.attempts,
                    failed: c.put_record_batch.failed,
                },
                lambda: c.lambda.clone(),
                s3_put: c.s3_put.clone(),
                redshift_copy: c.redshift_copy.clone(),
                opensearch_bulk: c.opensearch_bulk.clone(),
                http_endpoint: c.http_endpoint.clone(),
                splunk: c.splunk.clone(),
            },
            producers: ProducersReport {
                wait_seconds: out.producer_wait.clone(),
                records_resent: out.records_resent,
                throttled_records: out.throttled_records,
            },
            s3: S3Report {
                objects: c.s3_objects,
                bytes: c.s3_bytes,
            },
            opensearch: out.opensearch.clone(),
            redshift: out.redshift.clone(),
            lambda: out.lambda.clone(),
            backup: out.backup.clone(),
            kinesis: out.kinesis.clone(),
            http_endpoint: out.http_endpoint.clone(),
            splunk: out.splunk.clone(),
            partitions: out.partitions.clone(),
            format_conversion: out.format_conversion.clone(),
            cost: cost::cost(out),
            stopped: out.stopped.clone(),
        }
    }

    /// The report as pretty JSON with a final newline; byte-identical for the same run.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A compact duration from seconds: `5m12s`, `15s`, `120ms`.
pub(crate) fn short(s: f64) -> String {
    if s >= 1.0 {
        SimDuration((s.round() as u64) * 1_000_000).to_string()
    } else {
        SimDuration((s * 1e3).round() as u64 * 1_000).to_string()
    }
}

/// Counts of [`RecordCounts`] other than produced, in report order, with labels.
pub(crate) fn fate_rows(r: &RecordCounts) -> [(&'static str, u64, &'static str); 8] {
    [
        ("delivered", r.delivered, "reached the destination"),
        ("dropped", r.dropped, "dropped by the transform (intended)"),
        (
            "processing_failed",
            r.processing_failed,
            "transform, conversion or partition limit failed; in S3 (error prefix)",
        ),
        ("skipped", r.skipped, "destination gave up; in S3"),
        (
            "expired",
            r.expired,
            "not delivered within the retention window: gone",
        ),
        (
            "discarded",
            r.discarded,
            "refused by the endpoint (413): not retried, not backed up: gone",
        ),
        ("rejected", r.rejected, "never accepted by the stream: gone"),
        (
            "in_flight",
            r.in_flight,
            "still in the pipeline when the run ended",
        ),
    ]
}
