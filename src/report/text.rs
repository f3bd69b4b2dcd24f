//! The text and Markdown reports: what an architect pastes into a design review.

use super::{Report, fate_rows};
use crate::engine::SimDuration;
use crate::model::RunOutput;
use crate::outcome::ledger::DurationSummary;
use crate::scenario::{
    BackupMode, Destination, Fault, Quota, Rate, Scenario, SizeDist, Source, TimeDist, Transform,
};
use std::fmt::Write;

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
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

fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.2}%", n as f64 * 100.0 / of as f64)
    }
}

/// Seconds, with a readable form beside long values: `3725.10 s (1h2m5s)`.
fn secs(s: f64) -> String {
    if s >= 120.0 {
        format!("{s:.2} s ({})", short(s))
    } else {
        format!("{s:.3} s")
    }
}

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

fn fault_text(f: &Fault) -> String {
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

/// The scenario's key settings as (label, value) lines.
fn settings(s: &Scenario) -> Vec<(String, String)> {
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
    let q = s.stream.quota.limits();
    let name = match s.stream.quota {
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
    rows.push(("retention".into(), s.stream.retention.to_string()));
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
                "Enabled: {} MiB or {} s",
                backup.size_in_mbs, backup.interval_in_seconds
            ),
        ));
    }
    let hints = s.destination.buffering_hints();
    let label = match &s.destination {
        Destination::S3(_) => "S3 buffering",
        Destination::Redshift(_) => "intermediate S3",
        Destination::OpenSearch(_) => "OpenSearch buffering",
    };
    rows.push((label.into(), hints_text(hints)));
    if let Destination::OpenSearch(o) = &s.destination {
        let os = &s.services.opensearch;
        rows.push((
            "OpenSearch".into(),
            format!(
                "bulk {} + {} per MiB, timeout {}; retried for {} s with backoff {} doubling to {}; {:?}, {:?}, index \"{}\" rotated {:?}; {} of documents rejected",
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
                os.document_failure_rate
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

fn hints_text(h: crate::scenario::BufferingHints) -> String {
    if h.interval_in_seconds == 0 {
        "no buffering (interval 0): every call is flushed at once".into()
    } else {
        format!(
            "{} MiB or {} s, whichever first",
            h.size_in_mbs, h.interval_in_seconds
        )
    }
}

/// A compact duration from seconds: `5m12s`, `15s`, `120ms`.
fn short(s: f64) -> String {
    if s >= 1.0 {
        SimDuration((s.round() as u64) * 1_000_000).to_string()
    } else {
        SimDuration((s * 1e3).round() as u64 * 1_000).to_string()
    }
}

/// Two aligned lines: seconds, then the same in readable form.
fn summary_table(d: &DurationSummary) -> String {
    let values = [d.mean, d.p50, d.p90, d.p99, d.p999, d.max];
    let mut out = format!("  {:<9}", "");
    for h in ["mean", "p50", "p90", "p99", "p99.9", "max"] {
        let _ = write!(out, "{h:>11}");
    }
    let _ = write!(out, "\n  {:<9}", "seconds");
    for v in values {
        let _ = write!(out, "{v:>11.3}");
    }
    let _ = write!(out, "\n  {:<9}", "");
    for v in values {
        let _ = write!(out, "{:>11}", short(v));
    }
    out
}

/// One sentence on what happened to the data.
fn verdict(r: &crate::outcome::ledger::RecordCounts, p99: f64) -> String {
    let lost = if r.lost == 0 {
        "Nothing lost".to_string()
    } else {
        format!(
            "LOST {} records ({}: {} expired, {} rejected)",
            grouped(r.lost),
            percent(r.lost, r.produced),
            grouped(r.expired),
            grouped(r.rejected)
        )
    };
    if r.delivered == 0 {
        return format!(
            "{lost}, and NOTHING delivered: {} still in flight at the end.",
            percent(r.in_flight, r.produced)
        );
    }
    format!(
        "{lost}. {} delivered, {} still in flight at the end; p99 latency {}.",
        percent(r.delivered, r.produced),
        percent(r.in_flight, r.produced),
        short(p99)
    )
}

/// The plain-text report.
pub fn text(out: &RunOutput) -> String {
    let r = Report::new(out);
    let rec = &r.records;
    let mut s = String::new();
    let _ = writeln!(s, "firehose-sim: {} (seed {})", r.scenario, r.seed);
    let _ = writeln!(
        s,
        "Simulated {} of a Direct PUT delivery stream to {}{}.\n",
        out.scenario.duration,
        dest_name(&out.scenario),
        if r.lambda.is_some() {
            " with a Lambda transform"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "{}\n", verdict(rec, r.latency_seconds.p99));
    let _ = writeln!(s, "Settings");
    for (k, v) in settings(&out.scenario) {
        let _ = writeln!(s, "  {k:<18} {v}");
    }
    let _ = writeln!(s, "\nRecords                      count      share");
    let _ = writeln!(
        s,
        "  {:<18} {:>14} {:>10}",
        "produced",
        grouped(rec.produced),
        "100.00%"
    );
    for (name, n, what) in fate_rows(rec) {
        let _ = writeln!(
            s,
            "  {:<18} {:>14} {:>10}   {what}",
            name,
            grouped(n),
            percent(n, rec.produced)
        );
    }
    let _ = writeln!(
        s,
        "  {:<18} {:>14} {:>10}   rejected + expired",
        "LOST",
        grouped(rec.lost),
        percent(rec.lost, rec.produced)
    );
    let _ = writeln!(
        s,
        "  {:<18} {:>14} {:>10}   processing_failed + skipped (in S3, not at the destination)",
        "recoverable",
        grouped(rec.recoverable),
        percent(rec.recoverable, rec.produced)
    );
    let _ = writeln!(
        s,
        "  {:<18} {:>14} {:>10}   extra copies delivered (at-least-once)",
        "duplicates",
        grouped(rec.duplicates),
        ""
    );
    let _ = writeln!(
        s,
        "\nLatency, ingest to first delivery ({} records)\n{}",
        grouped(r.latency_seconds.count),
        summary_table(&r.latency_seconds)
    );
    let _ = writeln!(
        s,
        "  oldest record waited at most {} in the stream (DataFreshness max)",
        secs(r.data_freshness_max_seconds)
    );
    let p = &r.producers;
    let _ = writeln!(
        s,
        "\nProducers: wait from first try to acceptance (not part of latency)\n  {} records accepted after a resend; {} refused by the quota (ThrottledRecords)\n{}",
        grouped(p.records_resent),
        grouped(p.throttled_records),
        summary_table(&p.wait_seconds)
    );
    s.push_str(&transform_text(&r));
    let c = &r.calls;
    let _ = writeln!(
        s,
        "\nCalls\n  PutRecordBatch   {} calls, {} failed",
        grouped(c.put_record_batch.attempts),
        grouped(c.put_record_batch.failed)
    );
    if r.lambda.is_some() {
        let _ = writeln!(
            s,
            "  Lambda           {} attempts for {} batches, {} failed",
            grouped(c.lambda.attempts),
            grouped(c.lambda.batches),
            grouped(c.lambda.failed)
        );
    }
    if r.opensearch.is_some() {
        let oc = &c.opensearch_bulk;
        let _ = writeln!(
            s,
            "  OpenSearch bulk  {} attempts for {} requests, {} failed, {} skipped",
            grouped(oc.attempts),
            grouped(oc.batches),
            grouped(oc.failed),
            grouped(oc.skipped_batches)
        );
    }
    if r.redshift.is_some() {
        let rc = &c.redshift_copy;
        let _ = writeln!(
            s,
            "  Redshift COPY    {} attempts for {} batches, {} failed, {} skipped",
            grouped(rc.attempts),
            grouped(rc.batches),
            grouped(rc.failed),
            grouped(rc.skipped_batches)
        );
    }
    let _ = writeln!(
        s,
        "  S3 PUT           {} objects written, {} attempts for {} batches, {} failed",
        grouped(r.s3.objects),
        grouped(c.s3_put.attempts),
        grouped(c.s3_put.batches),
        grouped(c.s3_put.failed)
    );
    s
}

fn dest_name(s: &Scenario) -> &'static str {
    match s.destination {
        Destination::S3(_) => "S3",
        Destination::Redshift(_) => "Redshift",
        Destination::OpenSearch(_) => "OpenSearch",
    }
}

/// The "Transform" and "Backup" sections of the text report (empty when absent).
fn transform_text(r: &Report) -> String {
    let mut s = String::new();
    if let Some(l) = &r.lambda {
        let c = &r.calls.lambda;
        let f = &l.failures;
        let _ = writeln!(
            s,
            "\nTransform (Lambda)\n  {} invocations, {} attempts, {} failed: {} errors, {} timeouts, {} throttled, {} responses over 6 MB\n  records: {} Ok, {} Dropped, {} ProcessingFailed (per record)\n  wait for a free slot (flush to first attempt):\n{}",
            grouped(c.batches),
            grouped(c.attempts),
            grouped(c.failed),
            grouped(f.error),
            grouped(f.timeout),
            grouped(f.throttled),
            grouped(f.response_too_large),
            grouped(l.records.ok),
            grouped(l.records.dropped),
            grouped(l.records.processing_failed),
            summary_table(&l.concurrency_wait_seconds)
        );
    }
    if let Some(os) = &r.opensearch {
        let c = &r.calls.opensearch_bulk;
        let _ = writeln!(
            s,
            "\nOpenSearch\n  {} bulk requests, {} attempts, {} failed ({} timeouts), {} skipped to S3\n  {} documents rejected one by one (to S3, not retried)\n  records by index:",
            grouped(c.batches),
            grouped(c.attempts),
            grouped(c.failed),
            grouped(os.timeouts),
            grouped(c.skipped_batches),
            grouped(os.documents_failed)
        );
        for (name, n) in &os.indices {
            let _ = writeln!(s, "    {name:<32} {:>14}", grouped(*n));
        }
    }
    if let Some(rs) = &r.redshift {
        let c = &r.calls.redshift_copy;
        let _ = writeln!(
            s,
            "\nRedshift\n  {} COPYs ({} loaded), {} attempts, {} failed, at most {} attempts for one batch\n  skipped batches: {} (records in S3, listed in {} errors/ manifests)\n  deepest COPY backlog {} objects ({:.1} MiB); longest wait of an object for its COPY {}",
            grouped(c.batches),
            grouped(rs.loaded_batches),
            grouped(c.attempts),
            grouped(c.failed),
            c.max_attempts_per_batch,
            grouped(c.skipped_batches),
            grouped(rs.errors_manifests),
            grouped(rs.max_backlog_objects),
            rs.max_backlog_mib,
            secs(rs.max_object_wait_seconds)
        );
    }
    if let Some(b) = &r.backup {
        let _ = writeln!(
            s,
            "\nSource record backup\n  {} copies written in {} objects ({} attempts, {} failed); {} copies lost to the retention window{}",
            grouped(r.records.backup_copies),
            grouped(b.objects),
            grouped(b.attempts),
            grouped(b.failed),
            grouped(b.copies_expired),
            if b.copies_expired > 0 {
                " (only copies: no record's fate changed)"
            } else {
                ""
            }
        );
    }
    s
}

/// The Markdown report.
pub fn markdown(out: &RunOutput) -> String {
    let r = Report::new(out);
    let rec = &r.records;
    let mut s = String::new();
    let _ = writeln!(s, "# {} (seed {})\n", r.scenario, r.seed);
    let _ = writeln!(s, "**{}**\n", verdict(rec, r.latency_seconds.p99));
    let _ = writeln!(
        s,
        "Simulated {} of a Direct PUT delivery stream to {}.\n\n## Settings\n\n| setting | value |\n|---|---|",
        out.scenario.duration,
        dest_name(&out.scenario)
    );
    for (k, v) in settings(&out.scenario) {
        let _ = writeln!(s, "| {k} | {v} |");
    }
    let _ = writeln!(
        s,
        "\n## Records\n\n| fate | records | share | meaning |\n|---|---:|---:|---|\n| produced | {} | 100.00% | |",
        grouped(rec.produced)
    );
    for (name, n, what) in fate_rows(rec) {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {what} |",
            grouped(n),
            percent(n, rec.produced)
        );
    }
    let _ = writeln!(
        s,
        "| **lost** | **{}** | **{}** | rejected + expired |\n| recoverable | {} | {} | processing_failed + skipped |\n| duplicates | {} | | extra copies delivered |",
        grouped(rec.lost),
        percent(rec.lost, rec.produced),
        grouped(rec.recoverable),
        percent(rec.recoverable, rec.produced),
        grouped(rec.duplicates)
    );
    let l = &r.latency_seconds;
    let w = &r.producers.wait_seconds;
    let _ = writeln!(
        s,
        "\n## Latency\n\n| | mean | p50 | p90 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for (name, d) in [
        ("ingest to first delivery", l),
        ("producer wait before acceptance", w),
    ] {
        let _ = writeln!(
            s,
            "| {name} | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.3} s | {:.3} s |",
            d.mean, d.p50, d.p90, d.p99, d.p999, d.max
        );
    }
    let _ = writeln!(
        s,
        "\nDataFreshness max: {}. Records accepted after a resend: {}; quota refusals: {}.",
        secs(r.data_freshness_max_seconds),
        grouped(r.producers.records_resent),
        grouped(r.producers.throttled_records)
    );
    if let Some(l) = &r.lambda {
        let f = &l.failures;
        let w = &l.concurrency_wait_seconds;
        let _ = writeln!(
            s,
            "\n## Transform (Lambda)\n\n| failures | count |\n|---|---:|\n| error | {} |\n| timeout | {} |\n| throttled | {} |\n| response over 6 MB | {} |\n\n| records | count |\n|---|---:|\n| Ok | {} |\n| Dropped | {} |\n| ProcessingFailed | {} |\n\nWait for a free slot: mean {:.3} s, p99 {:.3} s, max {:.3} s.",
            grouped(f.error),
            grouped(f.timeout),
            grouped(f.throttled),
            grouped(f.response_too_large),
            grouped(l.records.ok),
            grouped(l.records.dropped),
            grouped(l.records.processing_failed),
            w.mean,
            w.p99,
            w.max
        );
    }
    if let Some(os) = &r.opensearch {
        let c = &r.calls.opensearch_bulk;
        let _ = writeln!(
            s,
            "\n## OpenSearch\n\n{} bulk requests, {} attempts, {} failed ({} timeouts), {} skipped to S3; {} documents rejected one by one.\n\n| index | records |\n|---|---:|",
            grouped(c.batches),
            grouped(c.attempts),
            grouped(c.failed),
            grouped(os.timeouts),
            grouped(c.skipped_batches),
            grouped(os.documents_failed)
        );
        for (name, n) in &os.indices {
            let _ = writeln!(s, "| {name} | {} |", grouped(*n));
        }
    }
    if let Some(rs) = &r.redshift {
        let c = &r.calls.redshift_copy;
        let _ = writeln!(
            s,
            "\n## Redshift\n\n| COPY | value |\n|---|---:|\n| batches | {} |\n| loaded | {} |\n| attempts | {} |\n| failed attempts | {} |\n| most attempts for one batch | {} |\n| skipped batches | {} |\n| errors/ manifests written | {} |\n| deepest backlog | {} objects, {:.1} MiB |\n| longest wait of an object | {:.1} s |",
            grouped(c.batches),
            grouped(rs.loaded_batches),
            grouped(c.attempts),
            grouped(c.failed),
            c.max_attempts_per_batch,
            grouped(c.skipped_batches),
            grouped(rs.errors_manifests),
            grouped(rs.max_backlog_objects),
            rs.max_backlog_mib,
            rs.max_object_wait_seconds
        );
    }
    if let Some(b) = &r.backup {
        let _ = writeln!(
            s,
            "\n## Source record backup\n\n{} copies written in {} objects ({} attempts, {} failed); {} copies lost to the retention window.",
            grouped(r.records.backup_copies),
            grouped(b.objects),
            grouped(b.attempts),
            grouped(b.failed),
            grouped(b.copies_expired)
        );
    }
    let c = &r.calls;
    let _ = writeln!(
        s,
        "\n## Calls\n\n| call | batches | attempts | failed |\n|---|---:|---:|---:|\n| PutRecordBatch | | {} | {} |\n| Lambda | {} | {} | {} |\n| S3 PUT | {} | {} | {} |\n\nObjects written to S3: {}.",
        grouped(c.put_record_batch.attempts),
        grouped(c.put_record_batch.failed),
        grouped(c.lambda.batches),
        grouped(c.lambda.attempts),
        grouped(c.lambda.failed),
        grouped(c.s3_put.batches),
        grouped(c.s3_put.attempts),
        grouped(c.s3_put.failed),
        grouped(r.s3.objects)
    );
    s
}
