//! CloudWatch-named time series (M1): one row per simulated minute, with the real metric names
//! of namespace `AWS/Firehose`, for the components a scenario has.

use crate::engine::SimTime;
use serde::Serialize;

/// Slots of a minute's row: sums, and (success, attempts) or (sum, count) pairs for ratios and
/// averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Slot {
    IncomingRecords,
    IncomingBytes,
    IncomingPutRequests,
    ThrottledRecords,
    ProcessingMsSum,
    ProcessingCount,
    ProcessingOk,
    ProcessingAttempts,
    SucceedProcessingRecords,
    S3Records,
    S3Ok,
    S3Attempts,
    RedshiftRecords,
    RedshiftOk,
    RedshiftAttempts,
    OpenSearchRecords,
    OpenSearchOk,
    OpenSearchAttempts,
    HttpRecords,
    HttpBytes,
    HttpOk,
    HttpAttempts,
    HttpProcessedRecords,
    SplunkRecords,
    SplunkOk,
    SplunkAttempts,
    SplunkAckSeconds,
    SplunkAcks,
    /// Active partitions: the most in the minute (P2).
    PartitionCount,
    /// 1 when a record went over the partition limit in the minute (P2).
    PartitionCountExceeded,
    ConversionOk,
    ConversionFailed,
    BackupRecords,
    BackupOk,
    BackupAttempts,
    KinesisReadRecords,
    KinesisReadBytes,
    /// `KinesisMillisBehindLatest`, sampled just before each whole minute (K6).
    KinesisMillisBehind,
    ThrottledGetRecords,
    WriteThroughputExceeded,
    /// Records delivered to the destination for the first time (not a CloudWatch metric; it
    /// draws the "delivered" line of the plots).
    Delivered,
    /// Age in seconds of the oldest record not yet delivered, at the minute's end.
    Freshness,
}

const SLOTS: usize = Slot::Freshness as usize + 1;
const MINUTE_US: u64 = 60_000_000;

/// Collects the rows while a run goes on. Times only move forward, so the current minute is
/// kept and the division is done once a minute, not once a call.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    rows: Vec<[f64; SLOTS]>,
    minute: usize,
    minute_end: u64,
}

impl Recorder {
    /// Adds `v` to `slot` in the minute holding `now`.
    pub fn add(&mut self, now: SimTime, slot: Slot, v: f64) {
        if now.0 >= self.minute_end || self.rows.is_empty() {
            self.minute = (now.0 / MINUTE_US) as usize;
            self.minute_end = (self.minute as u64 + 1) * MINUTE_US;
            if self.rows.len() <= self.minute {
                self.rows.resize(self.minute + 1, [0.0; SLOTS]);
            }
        }
        self.rows[self.minute][slot as usize] += v;
    }

    /// Raises `slot` in the minute holding `now` to at least `v` (gauges such as
    /// `PartitionCount`).
    pub fn max(&mut self, now: SimTime, slot: Slot, v: f64) {
        self.add(now, slot, 0.0);
        let cell = &mut self.rows[self.minute][slot as usize];
        *cell = cell.max(v);
    }

    /// Raises `slot` of minute `minute` to at least `v`.
    pub fn max_at(&mut self, minute: usize, slot: Slot, v: f64) {
        if self.rows.len() <= minute {
            self.rows.resize(minute + 1, [0.0; SLOTS]);
        }
        let cell = &mut self.rows[minute][slot as usize];
        *cell = cell.max(v);
    }

    /// Sets `slot` of minute `minute` (for sampled values).
    pub fn set(&mut self, minute: usize, slot: Slot, v: f64) {
        if self.rows.len() <= minute {
            self.rows.resize(minute + 1, [0.0; SLOTS]);
        }
        self.rows[minute][slot as usize] = v;
    }

    /// Pads to `minutes` rows and picks the columns of the components present.
    pub fn finish(mut self, minutes: usize, c: Components) -> MetricSeries {
        self.rows.resize(minutes.max(self.rows.len()), [0.0; SLOTS]);
        self.rows.truncate(minutes);
        MetricSeries {
            components: c,
            rows: self.rows,
        }
    }
}

/// Which components a scenario has, deciding the columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Components {
    /// A Lambda transform.
    pub lambda: bool,
    /// `s3`, `redshift`, `opensearch`, `http_endpoint` or `splunk`.
    pub destination: &'static str,
    /// A backup bucket.
    pub backup: bool,
    /// A Kinesis data stream as the source (K6).
    pub kinesis: bool,
    /// Dynamic partitioning, with its active-partitions limit (P2).
    pub partitions: Option<u32>,
    /// Record format conversion (P3).
    pub conversion: bool,
}

/// How a column is computed from a row.
#[derive(Clone, Copy)]
enum Column {
    Sum(Slot),
    Ratio(Slot, Slot),
    Mean(Slot, Slot),
    Value(Slot),
    Const(f64),
}

/// The per-minute series of a finished run.
#[derive(Debug, Clone, Default)]
pub struct MetricSeries {
    components: Components,
    rows: Vec<[f64; SLOTS]>,
}

impl MetricSeries {
    fn columns(&self) -> Vec<(&'static str, Column)> {
        use Column::*;
        use Slot::*;
        let c = self.components;
        let mut v = if c.kinesis {
            vec![
                ("DataReadFromKinesisStream.Records", Sum(KinesisReadRecords)),
                ("DataReadFromKinesisStream.Bytes", Sum(KinesisReadBytes)),
                ("KinesisMillisBehindLatest", Sum(KinesisMillisBehind)),
                ("ThrottledGetRecords", Sum(ThrottledGetRecords)),
                (
                    "WriteProvisionedThroughputExceeded",
                    Sum(WriteThroughputExceeded),
                ),
            ]
        } else {
            vec![
                ("IncomingRecords", Sum(IncomingRecords)),
                ("IncomingBytes", Sum(IncomingBytes)),
                ("IncomingPutRequests", Sum(IncomingPutRequests)),
                ("ThrottledRecords", Sum(ThrottledRecords)),
            ]
        };
        if c.lambda {
            v.push((
                "ExecuteProcessing.Duration",
                Mean(ProcessingMsSum, ProcessingCount),
            ));
            v.push((
                "ExecuteProcessing.Success",
                Ratio(ProcessingOk, ProcessingAttempts),
            ));
            v.push(("SucceedProcessing.Records", Sum(SucceedProcessingRecords)));
        }
        v.push(("DeliveryToS3.Records", Sum(S3Records)));
        v.push(("DeliveryToS3.Success", Ratio(S3Ok, S3Attempts)));
        if let Some(limit) = c.partitions {
            v.push(("PartitionCount", Value(PartitionCount)));
            v.push(("PartitionCountExceeded", Value(PartitionCountExceeded)));
            v.push(("ActivePartitionsLimit", Const(f64::from(limit))));
        }
        if c.conversion {
            v.push(("SucceedConversion.Records", Sum(ConversionOk)));
            v.push(("FailedConversion.Records", Sum(ConversionFailed)));
        }
        match c.destination {
            "s3" => v.push(("DeliveryToS3.DataFreshness", Value(Freshness))),
            "redshift" => {
                v.push(("DeliveryToRedshift.Records", Sum(RedshiftRecords)));
                v.push((
                    "DeliveryToRedshift.Success",
                    Ratio(RedshiftOk, RedshiftAttempts),
                ));
            }
            "http_endpoint" => {
                v.push(("DeliveryToHttpEndpoint.Records", Sum(HttpRecords)));
                v.push(("DeliveryToHttpEndpoint.Bytes", Sum(HttpBytes)));
                v.push((
                    "DeliveryToHttpEndpoint.Success",
                    Ratio(HttpOk, HttpAttempts),
                ));
                v.push(("DeliveryToHttpEndpoint.DataFreshness", Value(Freshness)));
                v.push((
                    "DeliveryToHttpEndpoint.ProcessedRecords",
                    Sum(HttpProcessedRecords),
                ));
            }
            "splunk" => {
                v.push(("DeliveryToSplunk.Records", Sum(SplunkRecords)));
                v.push(("DeliveryToSplunk.Success", Ratio(SplunkOk, SplunkAttempts)));
                v.push(("DeliveryToSplunk.DataFreshness", Value(Freshness)));
                v.push((
                    "DeliveryToSplunk.DataAckLatency",
                    Mean(SplunkAckSeconds, SplunkAcks),
                ));
            }
            _ => {
                v.push((
                    "DeliveryToAmazonOpenSearchService.Records",
                    Sum(OpenSearchRecords),
                ));
                v.push((
                    "DeliveryToAmazonOpenSearchService.Success",
                    Ratio(OpenSearchOk, OpenSearchAttempts),
                ));
                v.push((
                    "DeliveryToAmazonOpenSearchService.DataFreshness",
                    Value(Freshness),
                ));
            }
        }
        if c.backup {
            v.push(("BackupToS3.Records", Sum(BackupRecords)));
            v.push(("BackupToS3.Success", Ratio(BackupOk, BackupAttempts)));
        }
        v
    }

    /// The metric names, in column order.
    pub fn names(&self) -> Vec<&'static str> {
        self.columns().into_iter().map(|(n, _)| n).collect()
    }

    /// Simulated minutes.
    pub fn minutes(&self) -> usize {
        self.rows.len()
    }

    /// One slot over the run, minute by minute.
    pub fn series(&self, slot: Slot) -> Vec<f64> {
        self.rows.iter().map(|r| r[slot as usize]).collect()
    }

    /// The sum of a named metric over the run (`None` for an unknown or averaged metric).
    pub fn total(&self, name: &str) -> Option<f64> {
        let (_, col) = self.columns().into_iter().find(|(n, _)| *n == name)?;
        match col {
            Column::Sum(s) => Some(self.series(s).iter().sum()),
            _ => None,
        }
    }

    /// The CSV text: a header `minute,<names>`, then one row per minute. Ratios and averages
    /// are empty in minutes with no attempt.
    pub fn to_csv(&self) -> String {
        let cols = self.columns();
        let mut out = String::from("minute");
        for (name, _) in &cols {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(&i.to_string());
            for (_, col) in &cols {
                out.push(',');
                let cell = match *col {
                    Column::Sum(s) => format!("{}", row[s as usize] as u64),
                    Column::Value(s) => format!("{:.3}", row[s as usize]),
                    Column::Const(v) => format!("{v}"),
                    Column::Ratio(_, n) | Column::Mean(_, n) if row[n as usize] == 0.0 => {
                        String::new()
                    }
                    Column::Ratio(ok, n) => format!("{:.4}", row[ok as usize] / row[n as usize]),
                    Column::Mean(sum, n) => format!("{:.3}", row[sum as usize] / row[n as usize]),
                };
                out.push_str(&cell);
            }
            out.push('\n');
        }
        out
    }
}
