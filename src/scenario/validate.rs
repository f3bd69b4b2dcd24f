//! Checks a parsed scenario against the AWS ranges (I1, I2, B3, I4) and the structural rules.
//! Every check names the field's path, the value and what is allowed.

use super::{Scenario, faults::*, services::*, stream::*, workload::*};
use crate::engine::SimDuration;

/// One failed check.
pub(super) struct Invalid {
    pub path: String,
    pub message: String,
}

/// Most partition keys one producer may have (P1).
const MAX_KEYS: u64 = 1_000_000;

struct Checker {
    out: Vec<Invalid>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Invalid {
            path: path.into(),
            message: message.into(),
        });
    }

    fn range_u64(&mut self, path: &str, value: u64, lo: u64, hi: u64, unit: &str) {
        if value < lo || value > hi {
            self.fail(
                path,
                format!("{value} is out of range: allowed {lo} to {hi}{unit}"),
            );
        }
    }

    fn range_f64(&mut self, path: &str, value: f64, lo: f64, hi: f64, what: &str) {
        if !value.is_finite() || value < lo || value > hi {
            self.fail(
                path,
                format!("{value} is out of range: allowed {lo} to {hi}{what}"),
            );
        }
    }

    fn range_dur(&mut self, path: &str, value: SimDuration, lo: SimDuration, hi: SimDuration) {
        if value < lo || value > hi {
            // Whole days read as the README gives them ("366d", not "8784h").
            let days = |d: SimDuration| {
                let s = d.0 / 1_000_000;
                if d.0.is_multiple_of(86_400_000_000) && s >= 2 * 86_400 {
                    format!("{}d", s / 86_400)
                } else {
                    d.to_string()
                }
            };
            self.fail(
                path,
                format!(
                    "\"{value}\" is out of range: allowed \"{}\" to \"{}\"",
                    days(lo),
                    days(hi)
                ),
            );
        }
    }

    fn rate(&mut self, path: &str, rate: &Rate) {
        let per_s = " records per second";
        match rate {
            Rate::Constant(r) | Rate::Poisson(r) => {
                if !(r.is_finite() && *r > 0.0 && *r <= MAX_RATE) {
                    self.fail(
                        path,
                        format!("rate {r} is out of range: allowed more than 0 and at most {MAX_RATE}{per_s}"),
                    );
                }
            }
            Rate::Steps(steps) => {
                if steps.is_empty() {
                    self.fail(path, "Steps needs at least one (from, rate) pair");
                }
                for (i, (at, r)) in steps.iter().enumerate() {
                    self.range_f64(&format!("{path}[0][{i}]"), *r, 0.0, MAX_RATE, per_s);
                    if i > 0 && *at <= steps[i - 1].0 {
                        self.fail(
                            format!("{path}[0][{i}]"),
                            format!(
                                "step times must increase: \"{at}\" does not come after \"{}\"",
                                steps[i - 1].0
                            ),
                        );
                    }
                }
            }
            Rate::Diurnal {
                mean,
                amplitude,
                period,
            } => {
                if !(mean.is_finite() && *mean > 0.0 && *mean <= MAX_RATE / 2.0) {
                    self.fail(
                        format!("{path}.mean"),
                        format!(
                            "{mean} is out of range: allowed more than 0 and at most {}{per_s}",
                            MAX_RATE / 2.0
                        ),
                    );
                }
                self.range_f64(&format!("{path}.amplitude"), *amplitude, 0.0, 1.0, "");
                self.range_dur(
                    &format!("{path}.period"),
                    *period,
                    SimDuration::from_secs(1),
                    SimDuration::from_secs(366 * 86_400),
                );
            }
        }
    }

    fn source(&mut self, i: usize, src: &Source, names: &mut Vec<String>, kinesis: bool) {
        let Source::DirectPut(p) = src;
        let base = format!("sources[{i}]");
        if p.name.trim().is_empty() {
            self.fail(format!("{base}.name"), "a source needs a name");
        } else if names.contains(&p.name) {
            self.fail(
                format!("{base}.name"),
                format!(
                    "\"{}\" is used by another source: names must be unique",
                    p.name
                ),
            );
        }
        names.push(p.name.clone());
        self.rate(&format!("{base}.rate"), &p.rate);
        self.range_u64(
            &format!("{base}.records_per_call"),
            u64::from(p.records_per_call),
            1,
            u64::from(MAX_RECORDS_PER_CALL),
            if kinesis {
                " records (PutRecords limit, K1)"
            } else {
                " records (PutRecordBatch limit, I1)"
            },
        );
        let path = format!("{base}.record_bytes");
        // K1: a Kinesis data stream's PutRecords takes 1 MiB records and 5 MiB calls; Direct
        // PUT's PutRecordBatch 1,000 KiB and 4 MiB (I1).
        let (max_record, max_call, unit, call_name) = if kinesis {
            (
                MAX_KINESIS_RECORD_BYTES,
                MAX_KINESIS_CALL_BYTES,
                " bytes (a Kinesis record is at most 1 MiB, K1)",
                "5 MiB",
            )
        } else {
            (
                MAX_RECORD_BYTES,
                MAX_CALL_BYTES,
                " bytes (a record is at most 1,000 KiB, I1)",
                "4 MiB",
            )
        };
        let largest = match p.record_bytes {
            SizeDist::Fixed(n) => {
                self.range_u64(&path, n, 1, max_record, unit);
                Some(n)
            }
            SizeDist::Uniform(a, b) => {
                self.range_u64(&format!("{path}[0]"), a, 1, max_record, unit);
                self.range_u64(&format!("{path}[1]"), b, 1, max_record, unit);
                if a > b {
                    self.fail(
                        &path,
                        format!("Uniform({a}, {b}): the lower bound is above the upper"),
                    );
                }
                Some(b)
            }
            SizeDist::LogNormal { median, p99 } => {
                self.range_u64(&format!("{path}.median"), median, 1, max_record, unit);
                self.range_u64(&format!("{path}.p99"), p99, 1, max_record, unit);
                if median > p99 {
                    self.fail(
                        &path,
                        format!("LogNormal: median {median} is above p99 {p99}"),
                    );
                }
                // Unbounded: the call limit is checked against the 99th percentile.
                Some(p99)
            }
        };
        if let Some(largest) = largest {
            let call = largest.saturating_mul(u64::from(p.records_per_call));
            // Only when both factors are themselves in range: one problem, one message.
            if call > max_call
                && p.records_per_call <= MAX_RECORDS_PER_CALL
                && largest <= max_record
            {
                self.fail(
                    &path,
                    format!(
                        "{} records of up to {largest} bytes make a call of {call} bytes: allowed at most {call_name} = {max_call} bytes per {} call ({}); lower records_per_call or the record size",
                        p.records_per_call,
                        if kinesis { "PutRecords" } else { "PutRecordBatch" },
                        if kinesis { "K1" } else { "I1" },
                    ),
                );
            }
        }
        self.range_u64(
            &format!("{base}.max_retries"),
            u64::from(p.max_retries),
            0,
            20,
            " retries",
        );
        self.range_dur(
            &format!("{base}.backoff.initial"),
            p.backoff.initial,
            SimDuration::from_millis(1),
            SimDuration::from_secs(3600),
        );
        self.range_dur(
            &format!("{base}.backoff.max"),
            p.backoff.max,
            p.backoff.initial,
            SimDuration::from_secs(3600),
        );
        if let Some(k) = p.partition_key {
            self.partition_key(&format!("{base}.partition_key"), k);
        }
    }

    /// K1-K5: the data stream's settings.
    fn kinesis(&mut self, k: &KinesisStream, s: &Scenario) {
        let base = "stream.source";
        self.range_u64(
            &format!("{base}.shard_count"),
            u64::from(k.shard_count),
            1,
            10_000,
            " shards (the model's bound per stream; AWS's default account quota is 20,000 in us-east-1, us-west-2 and eu-west-1)",
        );
        self.range_u64(
            &format!("{base}.retention_period_hours"),
            u64::from(k.retention_period_hours),
            24,
            8760,
            " hours (K4)",
        );
        if let PartitionKeys::Hot(share) = k.partition_keys
            && !(share.is_finite() && share > 0.0 && share <= 1.0)
        {
            self.fail(
                format!("{base}.partition_keys"),
                format!("Hot({share}) is out of range: allowed a share more than 0 and at most 1"),
            );
        }
        self.range_f64(
            &format!("{base}.other_consumers_read_mib_per_second"),
            k.other_consumers_read_mib_per_second,
            0.0,
            2.0,
            " MiB/s (a shard serves 2 MiB/s of reads, K3)",
        );
        if let Some(m) = k.max_unsettled_mib
            && !(m.is_finite() && m > 0.0 && m <= 1_000_000.0)
        {
            self.fail(
                format!("{base}.max_unsettled_mib"),
                format!("{m} is out of range: allowed more than 0 and at most 1000000 MiB (K5)"),
            );
        }
        for (i, f) in s.faults.iter().enumerate() {
            if f.target() == Target::Kinesis
                && matches!(f, Fault::Slow { .. } | Fault::AckLost { .. })
            {
                self.fail(
                    format!("faults[{i}].target"),
                    "Firehose's GetRecords calls take no time and acknowledge nothing: on Kinesis use Outage, Errors or Throttle (K3)",
                );
            }
            if let Fault::AckLost {
                target: Target::Ingest,
                ..
            } = f
            {
                self.fail(
                    format!("faults[{i}].target"),
                    "AckLost on Ingest is not modelled with a Kinesis source (PutRecords reports each record's result); use Outage, Errors, Slow or Throttle",
                );
            }
        }
    }

    /// A destination's `retry_options.duration_in_seconds`: 0-7200 s (E2, R3, H5, SP1).
    fn retry_duration(&mut self, value: u32, what: &str) {
        self.range_u64(
            "destination.retry_options.duration_in_seconds",
            u64::from(value),
            0,
            7200,
            &format!(" seconds ({what})"),
        );
    }

    /// P1: key counts, a Zipf exponent, a key interval.
    fn partition_key(&mut self, path: &str, k: PartitionKey) {
        match k {
            PartitionKey::Constant => {}
            PartitionKey::Uniform(n) => self.range_u64(
                &format!("{path}.Uniform"),
                u64::from(n),
                1,
                MAX_KEYS,
                " keys (P1)",
            ),
            PartitionKey::Zipf { count, exponent } => {
                self.range_u64(
                    &format!("{path}.count"),
                    u64::from(count),
                    1,
                    MAX_KEYS,
                    " keys (P1)",
                );
                if !(exponent.is_finite() && exponent > 0.0 && exponent <= 10.0) {
                    self.fail(
                        format!("{path}.exponent"),
                        format!("{exponent} is out of range: allowed more than 0 and at most 10"),
                    );
                }
            }
            PartitionKey::PerInterval(interval, n) => {
                self.range_dur(
                    &format!("{path}.PerInterval[0]"),
                    interval,
                    SimDuration::from_secs(1),
                    SimDuration::from_secs(366 * 86_400),
                );
                self.range_u64(
                    &format!("{path}.PerInterval[1]"),
                    u64::from(n),
                    1,
                    MAX_KEYS,
                    " keys (P1)",
                );
            }
        }
    }

    fn call_time(&mut self, path: &str, t: &CallTime) {
        let hour = SimDuration::from_secs(3600);
        self.range_dur(&format!("{path}.base"), t.base, SimDuration::ZERO, hour);
        self.range_dur(
            &format!("{path}.per_mib"),
            t.per_mib,
            SimDuration::ZERO,
            hour,
        );
    }

    fn time_dist(&mut self, path: &str, d: &TimeDist) {
        let hour = SimDuration::from_secs(3600);
        match *d {
            TimeDist::Fixed(t) => self.range_dur(path, t, SimDuration::ZERO, hour),
            TimeDist::Uniform(a, b) => {
                self.range_dur(&format!("{path}[0]"), a, SimDuration::ZERO, hour);
                self.range_dur(&format!("{path}[1]"), b, a, hour);
            }
            TimeDist::LogNormal { median, p99 } => {
                self.range_dur(&format!("{path}.median"), median, SimDuration(1), hour);
                self.range_dur(&format!("{path}.p99"), p99, median, hour);
            }
        }
    }

    /// A `check` search must have at least one fault it can generate: a target of the
    /// scenario and a kind that can act on it (X1). An empty or inapplicable space would pass
    /// by testing nothing, so it is an error that lists the pairs this scenario allows.
    fn fault_space(&mut self, ch: &crate::scenario::CheckSpace, present: &[Target], kinesis: bool) {
        let targets = ch.targets.clone().unwrap_or_else(|| present.to_vec());
        let kinds = ch.kinds.clone().unwrap_or_else(|| FaultKind::ALL.to_vec());
        let applies = |t: &Target, k: &FaultKind| present.contains(t) && k.applies_to(*t, kinesis);
        if targets.iter().any(|t| kinds.iter().any(|k| applies(t, k))) {
            return;
        }
        let possible: Vec<String> = present
            .iter()
            .map(|t| {
                let ks: Vec<String> = FaultKind::ALL
                    .iter()
                    .filter(|k| applies(t, k))
                    .map(|k| format!("{k:?}"))
                    .collect();
                format!("{t:?} ({})", ks.join(", "))
            })
            .collect();
        let possible = format!("possible here: {}", possible.join("; "));
        let (field, why) = if targets.is_empty() {
            (
                "check.targets",
                "an empty list: the search would try no fault".to_string(),
            )
        } else if kinds.is_empty() {
            (
                "check.kinds",
                "an empty list: the search would try no fault".to_string(),
            )
        } else {
            let names = |v: Vec<String>| v.join(", ");
            (
                "check.kinds",
                format!(
                    "no fault of kinds {} can act on targets {}: the search would try none",
                    names(kinds.iter().map(|k| format!("{k:?}")).collect()),
                    names(targets.iter().map(|t| format!("{t:?}")).collect()),
                ),
            )
        };
        self.fail(field, format!("{why}; {possible}"));
    }

    fn fault(&mut self, i: usize, f: &Fault, present: &[Target]) {
        let base = format!("faults[{i}]");
        let target = f.target();
        if !present.contains(&target) {
            let names: Vec<String> = present.iter().map(|t| format!("{t:?}")).collect();
            self.fail(
                format!("{base}.target"),
                format!(
                    "{target:?} is not part of this scenario: allowed targets here are {}",
                    names.join(", ")
                ),
            );
        }
        match f {
            Fault::Errors { probability, .. } | Fault::AckLost { probability, .. } => {
                self.range_f64(&format!("{base}.probability"), *probability, 0.0, 1.0, "")
            }
            Fault::Slow { factor, .. } => {
                if !(factor.is_finite() && *factor > 0.0 && *factor <= 1000.0) {
                    self.fail(
                        format!("{base}.factor"),
                        format!("{factor} is out of range: allowed more than 0 and at most 1000"),
                    );
                }
            }
            Fault::Throttle { factor, .. } => {
                self.range_f64(&format!("{base}.factor"), *factor, 0.0, 1.0, "");
                if !matches!(target, Target::Ingest | Target::Lambda | Target::Kinesis) {
                    self.fail(
                        format!("{base}.target"),
                        "Throttle lowers a quota, a concurrency or a read capacity: allowed targets are Ingest, Lambda and Kinesis (model S3 trouble with Outage, Errors or Slow)",
                    );
                }
            }
            Fault::Outage { .. } => {}
        }
        let (from, until) = f.window();
        if from >= until {
            self.fail(
                format!("{base}.until"),
                format!("the window is empty: until \"{until}\" must come after from \"{from}\""),
            );
        }
    }
}

/// Every problem in `s`, in the order of the file.
pub(super) fn validate(s: &Scenario) -> Vec<Invalid> {
    let mut c = Checker { out: Vec::new() };
    if s.name.trim().is_empty() {
        c.fail("name", "a scenario needs a name");
    }
    c.range_dur(
        "duration",
        s.duration,
        SimDuration::from_secs(1),
        SimDuration::from_secs(366 * 86_400),
    );
    if s.sources.is_empty() {
        c.fail("sources", "at least one source is needed");
    }
    if s.sources.len() > 64 {
        c.fail(
            "sources",
            format!("{} sources: allowed at most 64", s.sources.len()),
        );
    }
    let kinesis = match &s.stream.source {
        StreamSource::KinesisStream(k) => Some(k),
        StreamSource::DirectPut => None,
    };
    let mut names = Vec::new();
    for (i, src) in s.sources.iter().enumerate() {
        c.source(i, src, &mut names, kinesis.is_some());
    }
    if let Some(k) = kinesis {
        c.kinesis(k, s);
    }
    if let Some(Quota::Custom {
        records_per_second,
        requests_per_second,
        bytes_per_second,
    }) = s.stream.quota
    {
        let q = "stream.quota";
        c.range_u64(
            &format!("{q}.records_per_second"),
            records_per_second,
            1,
            1_000_000_000,
            "",
        );
        c.range_u64(
            &format!("{q}.requests_per_second"),
            requests_per_second,
            1,
            1_000_000,
            "",
        );
        c.range_u64(
            &format!("{q}.bytes_per_second"),
            bytes_per_second,
            1,
            1 << 40,
            "",
        );
    }
    if let Some(retention) = s.stream.retention {
        c.range_dur(
            "stream.retention",
            retention,
            SimDuration::from_secs(1),
            SimDuration::from_secs(86_400),
        );
    }
    let mut present = vec![Target::Ingest, Target::S3];
    if kinesis.is_some() {
        present.push(Target::Kinesis);
        let why = "a Kinesis Data Streams source replaces it";
        if s.stream.quota.is_some() {
            c.fail(
                "stream.quota",
                format!("{why}: the shards' write capacity applies (1,000 records and 1 MiB per shard per second, K2); remove quota"),
            );
        }
        if s.stream.retention.is_some() {
            c.fail(
                "stream.retention",
                format!("{why}: the data stream's retention_period_hours bounds delivery (K4); remove retention"),
            );
        }
    }
    if let Some(Transform::Lambda(t)) = &s.transform {
        present.push(Target::Lambda);
        c.range_f64(
            "transform.buffer_size_in_mbs",
            t.buffer_size_in_mbs,
            0.2,
            3.0,
            " MiB (Lambda buffer, L1)",
        );
        c.range_u64(
            "transform.buffer_interval_in_seconds",
            u64::from(t.buffer_interval_in_seconds),
            0,
            900,
            " seconds (Lambda buffer, L1)",
        );
        c.range_u64(
            "transform.number_of_retries",
            u64::from(t.number_of_retries),
            0,
            300,
            " retries (L2)",
        );
    }
    let (backup_mode, backup_hints) = s.destination.backup();
    if backup_mode == BackupMode::Enabled {
        present.push(Target::BackupS3);
    }
    let b = "destination.s3_backup_buffering_hints";
    c.range_u64(
        &format!("{b}.size_in_mbs"),
        u64::from(backup_hints.size_in_mbs),
        1,
        128,
        " MiB (backup buffering hint, L6)",
    );
    c.range_u64(
        &format!("{b}.interval_in_seconds"),
        u64::from(backup_hints.interval_in_seconds),
        60,
        900,
        " seconds (backup buffering hint, L6)",
    );
    let (h, what) = match &s.destination {
        Destination::S3(d) => {
            let size = d.hints().size_in_mbs;
            if d.partitioned() {
                c.range_u64(
                    "destination.active_partitions_limit",
                    u64::from(d.active_partitions_limit),
                    1,
                    5000,
                    " active partitions (P2)",
                );
                if let Some(dp) = d.dynamic_partitioning {
                    c.range_u64(
                        "destination.dynamic_partitioning.retry_options.duration_in_seconds",
                        u64::from(dp.retry_options.duration_in_seconds),
                        0,
                        7200,
                        " seconds (P1)",
                    );
                }
                if size < 64 {
                    c.fail(
                        "destination.buffering_hints.size_in_mbs",
                        format!("{size} is out of range: dynamic partitioning needs a size hint of 64 to 128 MiB (P1; 128 when omitted)"),
                    );
                }
            }
            if let Some(f) = d.format_conversion {
                c.range_f64(
                    "destination.format_conversion.failure_rate",
                    f.failure_rate,
                    0.0,
                    1.0,
                    " (P3)",
                );
                if size < 64 && !d.partitioned() {
                    c.fail(
                        "destination.buffering_hints.size_in_mbs",
                        format!("{size} is out of range: format conversion needs a size hint of 64 to 128 MiB (P3; 128 when omitted)"),
                    );
                }
            }
            c.range_f64(
                "services.format_conversion.size_ratio",
                s.services.format_conversion.size_ratio,
                0.001,
                10.0,
                " (P3)",
            );
            ("destination.buffering_hints", "S3 buffering hint, B3")
        }
        Destination::OpenSearch(o) => {
            present.push(Target::OpenSearch);
            c.retry_duration(
                o.retry_options.duration_in_seconds,
                "OpenSearch retry duration, E2",
            );
            if o.index_name.trim().is_empty() || o.index_name.len() > 200 {
                c.fail(
                    "destination.index_name",
                    "an index name of 1 to 200 characters is needed",
                );
            }
            (
                "destination.buffering_hints",
                "OpenSearch buffering hint, B3",
            )
        }
        Destination::HttpEndpoint(d) => {
            present.push(Target::HttpEndpoint);
            c.retry_duration(
                d.retry_options.duration_in_seconds,
                "HTTP endpoint retry duration, H5",
            );
            (
                "destination.buffering_hints",
                "HTTP endpoint buffering hint, H1",
            )
        }
        Destination::Splunk(d) => {
            present.push(Target::Splunk);
            c.retry_duration(
                d.retry_options.duration_in_seconds,
                "Splunk retry duration, SP1",
            );
            c.range_u64(
                "destination.hec_acknowledgment_timeout_in_seconds",
                u64::from(d.hec_acknowledgment_timeout_in_seconds),
                180,
                600,
                " seconds (Splunk acknowledgement timeout, SP1)",
            );
            ("destination.buffering_hints", "Splunk buffering hint, SP1")
        }
        Destination::Redshift(r) => {
            present.push(Target::Redshift);
            c.retry_duration(
                r.retry_options.duration_in_seconds,
                "Redshift retry duration, R3",
            );
            (
                "destination.s3_buffering_hints",
                "intermediate S3 buffering hint, B3",
            )
        }
    };
    let hints = s.destination.buffering_hints();
    let (max_size, max_interval) = match s.destination {
        Destination::OpenSearch(_) => (100, 900),
        Destination::HttpEndpoint(_) => (64, 900),
        Destination::Splunk(_) => (5, 60),
        Destination::S3(_) | Destination::Redshift(_) => (128, 900),
    };
    c.range_u64(
        &format!("{h}.size_in_mbs"),
        u64::from(hints.size_in_mbs),
        1,
        max_size,
        &format!(" MiB ({what})"),
    );
    c.range_u64(
        &format!("{h}.interval_in_seconds"),
        u64::from(hints.interval_in_seconds),
        0,
        max_interval,
        &format!(" seconds ({what})"),
    );
    let h = &s.services.http_endpoint;
    c.call_time("services.http_endpoint.response_time", &h.response_time);
    c.range_u64(
        "services.http_endpoint.max_request_bytes",
        h.max_request_bytes,
        1,
        1 << 40,
        " bytes (H4)",
    );
    c.range_f64("services.http_endpoint.jitter", h.jitter, 0.0, 0.5, " (H5)");
    c.range_f64(
        "services.http_endpoint.gzip_ratio",
        h.gzip_ratio,
        0.001,
        1.0,
        " (H2)",
    );
    let sp = &s.services.splunk;
    c.call_time("services.splunk.ack_time", &sp.ack_time);
    c.range_f64(
        "services.splunk.indexed_on_ack_timeout",
        sp.indexed_on_ack_timeout,
        0.0,
        1.0,
        " (SP2)",
    );
    c.range_f64("services.splunk.jitter", sp.jitter, 0.0, 0.5, " (H5)");
    c.call_time(
        "services.redshift.copy_time",
        &s.services.redshift.copy_time,
    );
    let o = &s.services.opensearch;
    c.call_time("services.opensearch.bulk_time", &o.bulk_time);
    c.range_dur(
        "services.opensearch.request_timeout",
        o.request_timeout,
        SimDuration::from_millis(1),
        SimDuration::from_secs(3600),
    );
    c.range_f64(
        "services.opensearch.document_failure_rate",
        o.document_failure_rate,
        0.0,
        1.0,
        "",
    );
    c.range_dur(
        "services.opensearch.backoff.initial",
        o.backoff.initial,
        SimDuration::from_millis(1),
        SimDuration::from_secs(3600),
    );
    c.range_dur(
        "services.opensearch.backoff.max",
        o.backoff.max,
        o.backoff.initial,
        SimDuration::from_secs(3600),
    );
    if crate::engine::time::parse_utc(&s.start_time).is_none() {
        c.fail(
            "start_time",
            format!(
                "\"{}\" is not a UTC time: write e.g. \"2025-01-01T00:00:00Z\" (years 1970-9999)",
                s.start_time
            ),
        );
    }
    if let Some(n) = s.services.redshift.max_objects_per_copy {
        c.range_u64(
            "services.redshift.max_objects_per_copy",
            u64::from(n),
            1,
            1_000_000,
            " objects",
        );
    }
    let l = &s.services.lambda;
    c.time_dist("services.lambda.duration", &l.duration);
    c.range_dur(
        "services.lambda.timeout",
        l.timeout,
        SimDuration::from_millis(1),
        SimDuration::from_secs(300),
    );
    c.range_u64(
        "services.lambda.concurrency",
        u64::from(l.concurrency),
        1,
        1000,
        " invocations at once (L5)",
    );
    c.range_u64(
        "services.lambda.memory_mb",
        u64::from(l.memory_mb),
        128,
        10_240,
        " MB of configured memory (C1)",
    );
    pricing(&mut c, &s.pricing);
    c.range_f64("services.lambda.size_ratio", l.size_ratio, 0.0, 100.0, "");
    c.range_f64("services.lambda.dropped", l.dropped, 0.0, 1.0, "");
    c.range_f64(
        "services.lambda.processing_failed",
        l.processing_failed,
        0.0,
        1.0,
        "",
    );
    if l.dropped + l.processing_failed > 1.0 {
        c.fail(
            "services.lambda.processing_failed",
            format!(
                "dropped {} + processing_failed {} is more than 1: they are shares of the same records",
                l.dropped, l.processing_failed
            ),
        );
    }
    c.range_dur(
        "services.lambda.retry_delay",
        l.retry_delay,
        SimDuration::ZERO,
        SimDuration::from_secs(3600),
    );
    c.call_time("services.ingest.put_time", &s.services.ingest.put_time);
    c.call_time("services.s3.put_time", &s.services.s3.put_time);
    c.range_dur(
        "services.s3.retry_interval",
        s.services.s3.retry_interval,
        SimDuration::from_millis(1),
        SimDuration::from_secs(3600),
    );
    if let Some(ch) = &s.check {
        if let Some(p) = ch.max_probability {
            c.range_f64("check.max_probability", p, 0.0, 1.0, "");
        }
        if let Some(n) = ch.max_faults {
            c.range_u64("check.max_faults", u64::from(n), 1, 20, " faults");
        }
        if let Some(n) = ch.cases {
            c.range_u64("check.cases", u64::from(n), 1, 100_000, " cases");
        }
        if let Some(d) = ch.max_outage {
            c.range_dur("check.max_outage", d, SimDuration::from_secs(1), s.duration);
        }
        for (i, t) in ch.targets.iter().flatten().enumerate() {
            if !present.contains(t) {
                c.fail(
                    format!("check.targets[{i}]"),
                    format!("{t:?} is not part of this scenario"),
                );
            }
        }
        c.fault_space(ch, &present, kinesis.is_some());
    }
    if s.faults.len() > 256 {
        c.fail(
            "faults",
            format!("{} faults: allowed at most 256", s.faults.len()),
        );
    }
    for (i, f) in s.faults.iter().enumerate() {
        c.fault(i, f, &present);
    }
    c.out
}

/// C1: every price is a finite amount of at least 0; the tiers are sized but for the last.
fn pricing(c: &mut Checker, p: &crate::scenario::Pricing) {
    for (field, v) in [
        ("format_conversion_per_gb", p.format_conversion_per_gb),
        ("dynamic_partitioning_per_gb", p.dynamic_partitioning_per_gb),
        (
            "dynamic_partitioning_per_1000_objects",
            p.dynamic_partitioning_per_1000_objects,
        ),
        ("s3_put_per_1000", p.s3_put_per_1000),
        ("lambda_per_gb_second", p.lambda_per_gb_second),
        ("lambda_per_million_requests", p.lambda_per_million_requests),
        ("http_endpoint_per_gb", p.http_endpoint_per_gb),
        ("vpc_per_gb", p.vpc_per_gb),
        ("vpc_per_az_hour", p.vpc_per_az_hour),
    ] {
        c.range_f64(&format!("pricing.{field}"), v, 0.0, 1e6, " USD (C1)");
    }
    c.range_u64(
        "pricing.vpc_availability_zones",
        u64::from(p.vpc_availability_zones),
        0,
        6,
        " Availability Zones (C1)",
    );
    if p.ingestion_tiers.is_empty() {
        c.fail(
            "pricing.ingestion_tiers",
            "[] is empty: give at least one tier, e.g. [(usd_per_gb: 0.029)] (C1)",
        );
    }
    for (i, t) in p.ingestion_tiers.iter().enumerate() {
        let path = format!("pricing.ingestion_tiers[{i}]");
        c.range_f64(
            &format!("{path}.usd_per_gb"),
            t.usd_per_gb,
            0.0,
            1e6,
            " USD (C1)",
        );
        if let Some(gb) = t.gb {
            c.range_f64(&format!("{path}.gb"), gb, 1e-9, 1e15, " GB per month (C1)");
        }
    }
}
