//! The scenario's key settings in words, as (label, value) rows: the "Settings" section of the
//! text and Markdown reports.

use super::grouped;
use crate::scenario::{
    BackupMode, BufferingHints, Destination, Fault, PartitionKey, PartitionKeys, Quota, Rate,
    Scenario, SizeDist, Source, StreamSource, TimeDist, Transform,
};

fn rate_text(r: &Rate) -> String {
    match r {
        Rate::Constant(x) => format!("constant {x} records/s"),
        Rate::Poisson(x) => format!("Poisson, mean {x} records/s"),
        Rate::Steps(steps) => {
            let parts: Vec<String> = steps
                .iter()
                .map(|(t, x)| format!("{x}/s from {t}"))
                .collect();
            format!("steps: {}", parts.join(", "))
        }
        Rate::Diurnal {
            mean,
            amplitude,
            period,
        } => format!("diurnal, mean {mean} records/s, amplitude {amplitude}, period {period}"),
    }
}

fn size_text(s: &SizeDist) -> String {
    match s {
        SizeDist::Fixed(n) => format!("{n} B records"),
        SizeDist::Uniform(a, b) => format!("records of {a}-{b} B"),
        SizeDist::LogNormal { median, p99 } => {
            format!("records log-normal, median {median} B, p99 {p99} B")
        }
    }
}

fn window_text(f: &Fault) -> String {
    let (from, until) = f.window();
    match (from.0, until.0) {
        (0, u64::MAX) => "always".into(),
        (_, u64::MAX) => format!("from {from}"),
        _ => format!("from {from} until {until}"),
    }
}

pub(crate) fn fault_text(f: &Fault) -> String {
    let what = match f {
        Fault::Outage { .. } => "every call fails".to_string(),
        Fault::Errors { probability, .. } => format!("calls fail with probability {probability}"),
        Fault::Slow { factor, .. } => format!("calls take {factor}x as long"),
        Fault::AckLost { probability, .. } => {
            format!("acknowledgements lost with probability {probability}")
        }
        Fault::Throttle { factor, .. } => format!("quotas x{factor}"),
    };
    format!(
        "{} on {:?}: {what}, {}",
        f.kind(),
        f.target(),
        window_text(f)
    )
}

fn hints_text(h: BufferingHints) -> String {
    if h.interval_in_seconds == 0 {
        "no buffering (interval 0): every call is flushed at once".into()
    } else {
        format!(
            "{} MiB or {} s, whichever first",
            h.size_in_mbs, h.interval_in_seconds
        )
    }
}

/// The scenario's key settings as (label, value) rows.
pub(super) fn settings(s: &Scenario) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for src in &s.sources {
        let Source::DirectPut(p) = src;
        rows.push((
            "source".into(),
            format!(
                "{}: {}, {} records per call, {}, up to {} resends",
                p.name,
                rate_text(&p.rate),
                p.records_per_call,
                size_text(&p.record_bytes),
                p.max_retries
            ),
        ));
    }
    match &s.stream.source {
        StreamSource::DirectPut => {
            let q = s.stream.quota_limits();
            let name = match s.stream.quota.clone().unwrap_or_default() {
                Quota::Large => "Large",
                Quota::Standard => "Standard",
                Quota::Custom { .. } => "Custom",
            };
            rows.push((
                "quota".into(),
                format!(
                    "{name}: {} records/s, {} requests/s, {} B/s",
                    grouped(q.records),
                    grouped(q.requests),
                    grouped(q.bytes)
                ),
            ));
        }
        StreamSource::KinesisStream(k) => {
            let keys = match k.partition_keys {
                PartitionKeys::Uniform => "uniform keys".to_string(),
                PartitionKeys::Hot(share) => format!("a hot key with {share} of the records"),
            };
            rows.push((
                "Kinesis stream".into(),
                format!(
                    "{} shards ({:?}), {keys}, other consumers read {} MiB/s per shard",
                    grouped(u64::from(k.shard_count)),
                    k.stream_mode,
                    k.other_consumers_read_mib_per_second
                ),
            ));
        }
    }
    rows.push(("retention".into(), s.stream.retention_window().to_string()));
    if let Some(Transform::Lambda(t)) = &s.transform {
        let l = &s.services.lambda;
        let duration = match l.duration {
            TimeDist::Fixed(d) => d.to_string(),
            TimeDist::Uniform(a, b) => format!("{a}-{b}"),
            TimeDist::LogNormal { median, p99 } => format!("median {median}, p99 {p99}"),
        };
        rows.push((
            "Lambda buffer".into(),
            format!(
                "{} MiB or {} s; {} retries",
                t.buffer_size_in_mbs, t.buffer_interval_in_seconds, t.number_of_retries
            ),
        ));
        rows.push((
            "Lambda function".into(),
            format!(
                "duration {duration}, timeout {}, concurrency {}, output x{} size, dropped {}, processing-failed {}, retry delay {}",
                l.timeout, l.concurrency, l.size_ratio, l.dropped, l.processing_failed, l.retry_delay
            ),
        ));
    }
    let (mode, backup) = s.destination.backup();
    if mode == BackupMode::Enabled {
        rows.push((
            "source backup".into(),
            format!(
                "every record also to the backup bucket, buffered {} MiB or {} s (L6)",
                backup.size_in_mbs, backup.interval_in_seconds
            ),
        ));
    }
    let hints = s.destination.buffering_hints();
    let label = match &s.destination {
        Destination::S3(_) => "S3 buffering",
        Destination::Redshift(_) => "intermediate S3",
        Destination::OpenSearch(_) => "OpenSearch buffering",
        Destination::HttpEndpoint(_) => "HTTP buffering",
        Destination::Splunk(_) => "Splunk buffering",
    };
    rows.push((label.into(), hints_text(hints)));
    if let Destination::OpenSearch(o) = &s.destination {
        let os = &s.services.opensearch;
        rows.push((
            "OpenSearch".into(),
            format!(
                "bulk {} + {} per MiB, timeout {}; retried for {} s with backoff {} doubling to {}; {:?}, {:?}, index \"{}\" rotated {:?}; {:.2}% of documents rejected",
                os.bulk_time.base,
                os.bulk_time.per_mib,
                os.request_timeout,
                o.retry_options.duration_in_seconds,
                os.backoff.initial,
                os.backoff.max,
                o.s3_backup_mode,
                o.document_id,
                o.index_name,
                o.index_rotation_period,
                os.document_failure_rate * 100.0
            ),
        ));
    }
    if let Destination::S3(d) = &s.destination {
        if d.partitioned() {
            let keys: Vec<String> = s
                .sources
                .iter()
                .map(|src| match src {
                    Source::DirectPut(p) => format!(
                        "{}: {}",
                        p.name,
                        match p.partition_key {
                            None | Some(PartitionKey::Constant) => "one key".to_string(),
                            Some(PartitionKey::Uniform(n)) => format!("{n} uniform keys"),
                            Some(PartitionKey::Zipf { count, exponent }) =>
                                format!("{count} Zipf keys (exponent {exponent})"),
                            Some(PartitionKey::PerInterval(i, n)) =>
                                format!("{n} keys, new ones every {i}"),
                        }
                    ),
                })
                .collect();
            rows.push((
                "partitioning".into(),
                format!(
                    "dynamic, at most {} active partitions; {}",
                    d.active_partitions_limit,
                    keys.join("; ")
                ),
            ));
        }
        if let Some(f) = d.format_conversion {
            rows.push((
                "conversion".into(),
                format!(
                    "{:?}, {:.2}% of records fail to convert, output x{} size",
                    f.output,
                    f.failure_rate * 100.0,
                    s.services.format_conversion.size_ratio
                ),
            ));
        }
    }
    if let Destination::HttpEndpoint(h) = &s.destination {
        let hs = &s.services.http_endpoint;
        rows.push((
            "HTTP endpoint".into(),
            format!(
                "{:?}; response {} + {} per MiB, timeout 180 s; retried for {} s of pauses (1 s doubling to 120 s, jitter {}); backup {:?}, content encoding {:?}; 413 above {} B; {}",
                h.endpoint,
                hs.response_time.base,
                hs.response_time.per_mib,
                h.retry_options.duration_in_seconds,
                hs.jitter,
                h.s3_backup_mode,
                h.content_encoding,
                hs.max_request_bytes,
                if hs.deduplicates {
                    "de-duplicates request ids"
                } else {
                    "does not de-duplicate request ids"
                }
            ),
        ));
    }
    if let Destination::Splunk(d) = &s.destination {
        let sp = &s.services.splunk;
        rows.push((
            "Splunk".into(),
            format!(
                "acknowledgement {} + {} per MiB, timeout {} s; retried for {} s of pauses (1 s doubling to 120 s, jitter {}); {:?}; a timed-out attempt was indexed with probability {}",
                sp.ack_time.base,
                sp.ack_time.per_mib,
                d.hec_acknowledgment_timeout_in_seconds,
                d.retry_options.duration_in_seconds,
                sp.jitter,
                d.s3_backup_mode,
                sp.indexed_on_ack_timeout
            ),
        ));
    }
    if let Destination::Redshift(r) = &s.destination {
        let rs = &s.services.redshift;
        rows.push((
            "Redshift COPY".into(),
            format!(
                "{} + {} per MiB, {}; retried every 5 min for {} s",
                rs.copy_time.base,
                rs.copy_time.per_mib,
                rs.max_objects_per_copy
                    .map_or("all queued objects per COPY".to_string(), |n| format!(
                        "at most {n} objects per COPY"
                    )),
                r.retry_options.duration_in_seconds
            ),
        ));
    }
    let s3 = &s.services.s3;
    rows.push((
        "S3 PUT".into(),
        format!(
            "{} + {} per MiB; retried every {} after a failure",
            s3.put_time.base, s3.put_time.per_mib, s3.retry_interval
        ),
    ));
    if s.faults.is_empty() {
        rows.push(("faults".into(), "none".into()));
    }
    for f in &s.faults {
        rows.push(("fault".into(), fault_text(f)));
    }
    rows
}
