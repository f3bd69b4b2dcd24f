//! What the text and Markdown reports say about a run: the sections of the model in
//! `sections.rs`, built from a [`RunOutput`] and its JSON [`Report`].

use super::sections::{
    Align, Body, Document, Format, Row, Section, Table, Words, col, md_head, md_value, statement,
    statements,
};
use super::settings::settings;
use super::{Report, fate_rows, grouped, short};
use crate::model::RunOutput;
use crate::outcome::ledger::RecordCounts;
use crate::scenario::{Destination, Scenario};

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

/// One sentence on what happened to the data.
fn verdict(r: &RecordCounts, p99: f64) -> String {
    if r.produced == 0 {
        return "The run produced no records: no producer made a call before the end (see the sources' rates and the duration).".into();
    }
    let lost = if r.lost == 0 {
        "Nothing lost".to_string()
    } else {
        let discarded = if r.discarded > 0 {
            format!(", {} discarded", grouped(r.discarded))
        } else {
            String::new()
        };
        format!(
            "LOST {} records ({}: {} expired, {} rejected{discarded})",
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

fn dest_name(s: &Scenario) -> &'static str {
    match s.destination {
        Destination::S3(_) => "S3",
        Destination::Redshift(_) => "Redshift",
        Destination::OpenSearch(_) => "OpenSearch",
        Destination::HttpEndpoint(_) => "an HTTP endpoint",
        Destination::Splunk(_) => "Splunk",
    }
}

impl Document {
    /// The report of a finished run.
    pub(super) fn new(out: &RunOutput) -> Document {
        let r = Report::new(out);
        let s = &out.scenario;
        let source = if r.kinesis.is_some() {
            "a delivery stream reading a Kinesis data stream"
        } else {
            "a Direct PUT delivery stream"
        };
        let intro = format!("Simulated {} of {source} to {}", s.duration, dest_name(s));
        let with_lambda = if r.lambda.is_some() {
            " with a Lambda transform"
        } else {
            ""
        };
        let mut sections = vec![
            Section::new(
                "Settings",
                vec![
                    Table::pairs(
                        [
                            col("setting", Align::Left(18)),
                            col("value", Align::Left(0)),
                        ],
                        settings(s),
                    )
                    .into(),
                ],
            ),
            records(&r.records),
            latency(&r),
            producers(&r),
        ];
        sections.extend(kinesis(&r, s));
        sections.extend(lambda(&r));
        sections.extend(opensearch(&r));
        sections.extend(http_endpoint(&r));
        sections.extend(splunk(&r));
        sections.extend(partitions(&r, s));
        sections.extend(redshift(&r));
        sections.extend(backup(&r));
        sections.push(calls(&r));
        sections.push(cost(&r, s));
        Document {
            title: format!("{} (seed {})", r.scenario, r.seed),
            intro: format!("{intro}{with_lambda}").into(),
            verdict: match &out.stopped {
                Some(why) => format!(
                    "STOPPED EARLY: {why}. The figures cover the run up to then; what the stream still held is in flight.\n{}",
                    verdict(&r.records, r.latency_seconds.p99)
                ),
                None => verdict(&r.records, r.latency_seconds.p99),
            },
            sections,
        }
    }
}

/// What the run costs, item by item, for the run and per 30-day month (C1, C2).
fn cost(r: &Report, s: &Scenario) -> Section {
    let usd = |x: f64| {
        if x != 0.0 && x.abs() < 0.01 {
            format!("{x:.6}")
        } else {
            format!("{x:.2}")
        }
    };
    let mut rows: Vec<Row> = r
        .cost
        .items
        .iter()
        .map(|i| {
            Row::new([
                i.item.replace('_', " ").into(),
                format!("{:.3}", i.quantity).into(),
                i.unit.into(),
                format!("{:.7}", i.unit_price_usd)
                    .trim_end_matches('0')
                    .to_string()
                    .into(),
                usd(i.amount_usd).into(),
                usd(i.monthly_usd).into(),
            ])
        })
        .collect();
    rows.push(Row {
        strong: true,
        ..Row::new([
            "total".into(),
            String::new().into(),
            String::new().into(),
            String::new().into(),
            usd(r.cost.total_usd).into(),
            usd(r.cost.monthly_usd).into(),
        ])
    });
    let columns = vec![
        col("item", Align::Left(28)),
        col("quantity", Align::Right(14)),
        col("unit", Align::Left(22)),
        col("USD per unit", Align::Right(13)),
        col("USD, run", Align::Right(12)),
        col("USD, 30 days", Align::Right(13)),
    ];
    let prices = if s.pricing == crate::scenario::Pricing::default() {
        format!(
            "prices: AWS's us-east-1 list prices of {}; a scenario's `pricing:` section sets its own",
            crate::scenario::PRICES_DATE
        )
    } else {
        "prices: the scenario's `pricing:` section".to_string()
    };
    Section::new(
        Words::new(
            "Cost: quantity, unit, USD per unit, USD for the run, USD per 30 days (C1, C2)",
            "Cost (C1, C2)",
        ),
        vec![Table::new(columns, rows).into(), statement(prices).into()],
    )
}

/// Every fate with its count and share, and the sums that matter.
fn records(rec: &RecordCounts) -> Section {
    let share = |n| percent(n, rec.produced);
    let row = |name: &str, n: u64, share: String, note: Words| {
        Row::new([name.into(), grouped(n).into(), share.into(), note])
    };
    let mut rows = vec![row(
        "produced",
        rec.produced,
        "100.00%".into(),
        Words::default(),
    )];
    for (name, n, what) in fate_rows(rec) {
        rows.push(row(name, n, share(n), what.into()));
    }
    rows.push(Row {
        strong: true,
        ..row(
            "lost",
            rec.lost,
            share(rec.lost),
            "rejected + expired + discarded".into(),
        )
    });
    rows.push(row(
        "recoverable",
        rec.recoverable,
        share(rec.recoverable),
        Words::more(
            "processing_failed + skipped",
            " (in S3, not at the destination)",
        ),
    ));
    rows.push(row(
        "duplicates",
        rec.duplicates,
        String::new(),
        Words::more("extra copies delivered", " (at-least-once)"),
    ));
    let columns = vec![
        col("fate", Align::Left(18)),
        col("records", Align::Right(14)),
        col("share", Align::Right(10)),
        col("meaning", Align::Note),
    ];
    // The text report names the columns in the title line.
    Section::new(
        Words::new("Records                      count      share", "Records"),
        vec![Table::new(columns, rows).into()],
    )
}

/// Latency of delivered records and DataFreshness (with the producers' wait, in Markdown).
fn latency(r: &Report) -> Section {
    let l = &r.latency_seconds;
    let p = &r.producers;
    let freshness = secs(r.data_freshness_max_seconds);
    Section::new(
        Words::more(
            "Latency",
            &format!(", ingest to first delivery ({} records)", grouped(l.count)),
        ),
        vec![
            Body::Durations(vec![("ingest to first delivery", l.clone())]).only(Format::Text),
            statement(format!(
                "oldest record waited at most {freshness} in the stream (DataFreshness max)"
            ))
            .only(Format::Text),
            Body::Durations(vec![
                ("ingest to first delivery", l.clone()),
                ("producer wait before acceptance", p.wait_seconds.clone()),
            ])
            .only(Format::Markdown),
            statement(format!(
                "DataFreshness max: {freshness}. Records accepted after a resend: {}; quota refusals: {}",
                grouped(p.records_resent),
                grouped(p.throttled_records)
            ))
            .only(Format::Markdown),
        ],
    )
}

/// The producers' resends and wait (text only: Markdown has them under Latency).
fn producers(r: &Report) -> Section {
    let p = &r.producers;
    Section {
        only: Some(Format::Text),
        ..Section::new(
            "Producers: wait from first try to acceptance (not part of latency)",
            vec![
                statement(match &r.kinesis {
                    Some(k) => format!(
                        "{} records accepted after a resend; {} refused by the shards (WriteProvisionedThroughputExceeded)",
                        grouped(p.records_resent),
                        grouped(k.records_refused)
                    ),
                    None => format!(
                        "{} records accepted after a resend; {} refused by the quota (ThrottledRecords)",
                        grouped(p.records_resent),
                        grouped(p.throttled_records)
                    ),
                })
                .into(),
                Body::Durations(vec![(
                    "producer wait before acceptance",
                    p.wait_seconds.clone(),
                )])
                .into(),
            ],
        )
    }
}

/// The Kinesis data stream: writes and refusals, reads and the read lag, expiries (K2-K6).
fn kinesis(r: &Report, s: &Scenario) -> Option<Section> {
    let k = r.kinesis.as_ref()?;
    let shards = match &s.stream.source {
        crate::scenario::StreamSource::KinesisStream(k) => k.shard_count,
        crate::scenario::StreamSource::DirectPut => 0,
    };
    let lag = k.max_millis_behind_latest as f64 / 1e3;
    Some(Section::new(
        "Kinesis data stream (source)",
        vec![statements([
            format!(
                "{} shards; {} records written in {} PutRecords calls ({} with refused records); {} refusals by the shards' write capacity (WriteProvisionedThroughputExceeded)",
                grouped(u64::from(shards)),
                grouped(k.records_written),
                grouped(k.put_records_calls),
                grouped(k.put_records_failed),
                grouped(k.records_refused)
            )
            .into(),
            format!(
                "Firehose read {} records in {} GetRecords calls ({} found no read capacity); the read lag (KinesisMillisBehindLatest) peaked at {}",
                grouped(k.records_read),
                grouped(k.get_records_calls),
                grouped(k.throttled_get_records),
                secs(lag)
            )
            .into(),
            format!(
                "{} records expired unread in the data stream, {} after Firehose read them",
                grouped(k.expired_unread),
                grouped(k.expired_read)
            )
            .into(),
        ])
        .into()],
    ))
}

/// The Lambda transform's invocations, failures and records.
fn lambda(r: &Report) -> Option<Section> {
    let l = r.lambda.as_ref()?;
    let c = &r.calls.lambda;
    let f = &l.failures;
    let w = &l.concurrency_wait_seconds;
    Some(Section::new(
        "Transform (Lambda)",
        vec![
            statements([
                format!(
                    "{} invocations, {} attempts, {} failed: {} errors, {} timeouts, {} throttled, {} responses over 6 MiB",
                    grouped(c.batches),
                    grouped(c.attempts),
                    grouped(c.failed),
                    grouped(f.error),
                    grouped(f.timeout),
                    grouped(f.throttled),
                    grouped(f.response_too_large)
                )
                .into(),
                format!(
                    "records: {} Ok, {} Dropped, {} ProcessingFailed (per record)",
                    grouped(l.records.ok),
                    grouped(l.records.dropped),
                    grouped(l.records.processing_failed)
                )
                .into(),
                "wait for a free slot (flush to first attempt):".into(),
            ])
            .only(Format::Text),
            Body::Durations(vec![("wait for a free slot", w.clone())]).only(Format::Text),
            Body::Table(Table::pairs(
                [md_head("failures"), md_value("count")],
                vec![
                    ("error", grouped(f.error)),
                    ("timeout", grouped(f.timeout)),
                    ("throttled", grouped(f.throttled)),
                    ("response over 6 MiB", grouped(f.response_too_large)),
                ],
            ))
            .only(Format::Markdown),
            Body::Table(Table::pairs(
                [md_head("records"), md_value("count")],
                vec![
                    ("Ok", grouped(l.records.ok)),
                    ("Dropped", grouped(l.records.dropped)),
                    ("ProcessingFailed", grouped(l.records.processing_failed)),
                ],
            ))
            .only(Format::Markdown),
            statement(format!(
                "Wait for a free slot: mean {:.3} s, p99 {:.3} s, max {:.3} s",
                w.mean, w.p99, w.max
            ))
            .only(Format::Markdown),
        ],
    ))
}

/// The bulk requests and the records of each index.
fn opensearch(r: &Report) -> Option<Section> {
    let os = r.opensearch.as_ref()?;
    let c = &r.calls.opensearch_bulk;
    let indices = Table {
        caption: Some("records by index"),
        ..Table::new(
            vec![
                col("index", Align::Left(32)),
                col("records", Align::Right(14)),
            ],
            os.indices
                .iter()
                .map(|(name, n)| Row::new([name.as_str().into(), grouped(*n).into()]))
                .collect(),
        )
    };
    Some(Section::new(
        "OpenSearch",
        vec![
            statements([
                format!(
                    "{} bulk requests, {} attempts, {} failed ({} timeouts), {} skipped to S3",
                    grouped(c.batches),
                    grouped(c.attempts),
                    grouped(c.failed),
                    grouped(os.timeouts),
                    grouped(c.skipped_batches)
                )
                .into(),
                Words::more(
                    &format!(
                        "{} documents rejected one by one",
                        grouped(os.documents_failed)
                    ),
                    " (to S3, not retried)",
                ),
            ])
            .into(),
            indices.into(),
        ],
    ))
}

/// Requests, attempts and skips of a request destination (H5, H6), in one sentence each.
fn request_lines(
    c: &crate::model::RequestCalls,
    skipped: u64,
    attempts: u64,
    pauses: f64,
    to_skip: f64,
    prefix: &str,
) -> Vec<Words> {
    let mut v = vec![
        format!(
            "{} requests, {} attempts, {} failed, {} skipped to S3 ({prefix})",
            grouped(c.batches),
            grouped(c.attempts),
            grouped(c.failed),
            grouped(c.skipped_batches)
        )
        .into(),
    ];
    if skipped > 0 {
        v.push(Words::more(
            &format!(
                "a skipped request made up to {attempts} attempts, its retry pauses used up to {} of the retry budget, {} from its first attempt to its skip",
                secs(pauses),
                secs(to_skip)
            ),
            " (H5: only the pauses count)",
        ));
    }
    v
}

/// The HTTP endpoint's requests (H2-H7).
fn http_endpoint(r: &Report) -> Option<Section> {
    let h = r.http_endpoint.as_ref()?;
    let mut lines = request_lines(
        &r.calls.http_endpoint,
        h.skipped_requests,
        h.max_attempts_per_skipped_request,
        h.max_retry_pauses_seconds,
        h.max_seconds_to_skip,
        "http-endpoint-failed/",
    );
    lines.push(
        format!(
            "{} attempts timed out (180 s), {} responses lost after the endpoint processed the request",
            grouped(h.timeouts),
            grouped(h.responses_lost)
        )
        .into(),
    );
    lines.push(Words::more(
        &format!(
            "{} records discarded in {} requests refused with 413",
            grouped(h.records_discarded),
            grouped(h.requests_too_large)
        ),
        " (413: not retried, not backed up)",
    ));
    Some(Section::new(
        "HTTP endpoint",
        vec![statements(lines).into()],
    ))
}

/// Dynamic partitioning and format conversion (P1-P3).
fn partitions(r: &Report, s: &Scenario) -> Option<Section> {
    if r.partitions.is_none() && r.format_conversion.is_none() {
        return None;
    }
    let hours = s.duration.as_secs_f64() / 3600.0;
    let mut lines: Vec<Words> = Vec::new();
    if let Some(p) = &r.partitions {
        lines.push(
            format!(
                "at most {} partitions active at once, against a limit of {} (P2); {} activations",
                grouped(p.max_active),
                grouped(p.active_partitions_limit),
                grouped(p.activations)
            )
            .into(),
        );
        lines.push(Words::more(
            &format!(
                "{} records over the limit went to the error prefix",
                grouped(p.partition_limit_exceeded)
            ),
            " (processing_failed, partition_limit_exceeded)",
        ));
        lines.push(
            format!(
                "{} partition objects, {:.1} per hour",
                grouped(p.objects),
                if hours > 0.0 {
                    p.objects as f64 / hours
                } else {
                    0.0
                }
            )
            .into(),
        );
    }
    if let Some(c) = &r.format_conversion {
        lines.push(Words::more(
            &format!(
                "{} records converted, {} failed conversion",
                grouped(c.records_converted),
                grouped(c.records_failed)
            ),
            " (format-conversion-failed/, processing_failed, P3)",
        ));
    }
    let title = if r.partitions.is_some() {
        "Dynamic partitioning"
    } else {
        "Format conversion"
    };
    Some(Section::new(title, vec![statements(lines).into()]))
}

/// Splunk's requests and acknowledgements (SP2).
fn splunk(r: &Report) -> Option<Section> {
    let s = r.splunk.as_ref()?;
    let mut lines = request_lines(
        &r.calls.splunk,
        s.skipped_requests,
        s.max_attempts_per_skipped_request,
        s.max_retry_pauses_seconds,
        s.max_seconds_to_skip,
        "splunk-failed/",
    );
    lines.push(Words::more(
        &format!(
            "{} acknowledgements timed out, {} of those attempts were indexed all the same; {} indexed copies of events later skipped",
            grouped(s.ack_timeouts),
            grouped(s.indexed_on_timeout),
            grouped(s.indexed_then_skipped)
        ),
        " (in Splunk and in S3)",
    ));
    Some(Section::new("Splunk", vec![statements(lines).into()]))
}

/// The COPY commands and their backlog.
fn redshift(r: &Report) -> Option<Section> {
    let rs = r.redshift.as_ref()?;
    let c = &r.calls.redshift_copy;
    Some(Section::new(
        "Redshift",
        vec![
            statements([
                format!(
                    "{} COPYs ({} loaded), {} attempts, {} failed, at most {} attempts for one batch",
                    grouped(c.batches),
                    grouped(rs.loaded_batches),
                    grouped(c.attempts),
                    grouped(c.failed),
                    c.max_attempts_per_batch
                )
                .into(),
                format!(
                    "skipped batches: {} (records in S3, listed in {} errors/ manifests)",
                    grouped(c.skipped_batches),
                    grouped(rs.errors_manifests)
                )
                .into(),
                format!(
                    "deepest COPY backlog {} objects ({:.1} MiB); longest wait of an object for its COPY {}",
                    grouped(rs.max_backlog_objects),
                    rs.max_backlog_mib,
                    secs(rs.max_object_wait_seconds)
                )
                .into(),
            ])
            .only(Format::Text),
            Body::Table(Table::pairs(
                [md_head("COPY"), md_value("value")],
                vec![
                    ("batches", grouped(c.batches)),
                    ("loaded", grouped(rs.loaded_batches)),
                    ("attempts", grouped(c.attempts)),
                    ("failed attempts", grouped(c.failed)),
                    (
                        "most attempts for one batch",
                        c.max_attempts_per_batch.to_string(),
                    ),
                    ("skipped batches", grouped(c.skipped_batches)),
                    ("errors/ manifests written", grouped(rs.errors_manifests)),
                    (
                        "deepest backlog",
                        format!(
                            "{} objects, {:.1} MiB",
                            grouped(rs.max_backlog_objects),
                            rs.max_backlog_mib
                        ),
                    ),
                    (
                        "longest wait of an object",
                        format!("{:.1} s", rs.max_object_wait_seconds),
                    ),
                ],
            ))
            .only(Format::Markdown),
        ],
    ))
}

/// The source record backup's copies.
fn backup(r: &Report) -> Option<Section> {
    let b = r.backup.as_ref()?;
    let copies = format!(
        "{} copies written in {} objects ({} attempts, {} failed); {} copies lost to the retention window",
        grouped(r.records.backup_copies),
        grouped(b.objects),
        grouped(b.attempts),
        grouped(b.failed),
        grouped(b.copies_expired)
    );
    let aside = if b.copies_expired > 0 {
        " (only copies: no record's fate changed)"
    } else {
        ""
    };
    Some(Section::new(
        "Source record backup",
        vec![statements([Words::more(&copies, aside)]).into()],
    ))
}

/// The calls to each service.
fn calls(r: &Report) -> Section {
    let c = &r.calls;
    let mut lines = vec![(
        "PutRecordBatch",
        format!(
            "{} calls, {} failed",
            grouped(c.put_record_batch.attempts),
            grouped(c.put_record_batch.failed)
        ),
    )];
    if r.lambda.is_some() {
        lines.push((
            "Lambda",
            format!(
                "{} attempts for {} batches, {} failed",
                grouped(c.lambda.attempts),
                grouped(c.lambda.batches),
                grouped(c.lambda.failed)
            ),
        ));
    }
    if r.opensearch.is_some() {
        let oc = &c.opensearch_bulk;
        lines.push((
            "OpenSearch bulk",
            format!(
                "{} attempts for {} requests, {} failed, {} skipped",
                grouped(oc.attempts),
                grouped(oc.batches),
                grouped(oc.failed),
                grouped(oc.skipped_batches)
            ),
        ));
    }
    for (name, present, rc) in [
        ("HTTP endpoint", r.http_endpoint.is_some(), &c.http_endpoint),
        ("Splunk", r.splunk.is_some(), &c.splunk),
    ] {
        if present {
            lines.push((
                name,
                format!(
                    "{} attempts for {} requests, {} failed, {} skipped",
                    grouped(rc.attempts),
                    grouped(rc.batches),
                    grouped(rc.failed),
                    grouped(rc.skipped_batches)
                ),
            ));
        }
    }
    if r.redshift.is_some() {
        let rc = &c.redshift_copy;
        lines.push((
            "Redshift COPY",
            format!(
                "{} attempts for {} batches, {} failed, {} skipped",
                grouped(rc.attempts),
                grouped(rc.batches),
                grouped(rc.failed),
                grouped(rc.skipped_batches)
            ),
        ));
    }
    lines.push((
        "S3 PUT",
        format!(
            "{} objects written, {} attempts for {} batches, {} failed",
            grouped(r.s3.objects),
            grouped(c.s3_put.attempts),
            grouped(c.s3_put.batches),
            grouped(c.s3_put.failed)
        ),
    ));
    let text = Table::pairs(
        [col("call", Align::Left(16)), col("calls", Align::Left(0))],
        lines,
    );
    let row = |name: &str, batches: Option<u64>, attempts: u64, failed: u64| {
        Row::new([
            name.into(),
            batches.map(grouped).unwrap_or_default().into(),
            grouped(attempts).into(),
            grouped(failed).into(),
        ])
    };
    // The same calls as the text table: Lambda only with a transform, and the destination's.
    let (p, l, s3) = (&c.put_record_batch, &c.lambda, &c.s3_put);
    let mut rows = vec![row("PutRecordBatch", None, p.attempts, p.failed)];
    if r.lambda.is_some() {
        rows.push(row("Lambda", Some(l.batches), l.attempts, l.failed));
    }
    if r.opensearch.is_some() {
        let oc = &c.opensearch_bulk;
        rows.push(row(
            "OpenSearch bulk",
            Some(oc.batches),
            oc.attempts,
            oc.failed,
        ));
    }
    if r.http_endpoint.is_some() {
        let hc = &c.http_endpoint;
        rows.push(row(
            "HTTP endpoint",
            Some(hc.batches),
            hc.attempts,
            hc.failed,
        ));
    }
    if r.splunk.is_some() {
        let sc = &c.splunk;
        rows.push(row("Splunk", Some(sc.batches), sc.attempts, sc.failed));
    }
    if r.redshift.is_some() {
        let rc = &c.redshift_copy;
        rows.push(row(
            "Redshift COPY",
            Some(rc.batches),
            rc.attempts,
            rc.failed,
        ));
    }
    rows.push(row("S3 PUT", Some(s3.batches), s3.attempts, s3.failed));
    let markdown = Table::new(
        vec![
            md_head("call"),
            md_value("batches"),
            md_value("attempts"),
            md_value("failed"),
        ],
        rows,
    );
    Section::new(
        "Calls",
        vec![
            Body::Table(text).only(Format::Text),
            Body::Table(markdown).only(Format::Markdown),
            statement(format!("Objects written to S3: {}", grouped(r.s3.objects)))
                .only(Format::Markdown),
        ],
    )
}
