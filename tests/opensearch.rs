//! The OpenSearch destination: E1-E6 with T10-T12.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::{Outcome, Stage};

/// An OpenSearch scenario: 10 records/s in calls of 10 records of 1,000 B, a 60 s buffer, the
/// given destination fields, services and faults.
fn opensearch(duration: &str, dest: &str, services: &str, faults: &str) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "o", seed: 8, duration: "{duration}", start_time: "2025-03-01T09:00:00Z",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000))],
    destination: OpenSearch(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60), {dest}),
    services: ({services}),
    faults: [{faults}],
)"#
    )
}

/// Bulk attempts as (request, attempt, start us, end us, records, outcome).
fn bulks(out: &RunOutput) -> Vec<(u64, u32, u64, u64, u64, Outcome)> {
    attempts(out, Stage::OpenSearchBulk)
}

const FIXED_BULK: &str = r#"opensearch: (bulk_time: (base: "1s", per_mib: "0s"))"#;

/// E2: a failing request is retried after pauses of 1, 2, 4, 8, ... s (doubling from
/// `backoff.initial`, at most `backoff.max`) counted from the end of each 1 s attempt, while
/// the next start is before `first start + duration`. With 60 s: starts at 0, 2, 5, 10, 19,
/// 36 s after the first (the next, at 69 s, is past 60 s): 6 attempts.
#[test]
fn e2_retries_back_off_within_the_duration() {
    let out = run_text(&opensearch(
        "3h",
        "retry_options: (duration_in_seconds: 60)",
        FIXED_BULK,
        r#"Outage(target: OpenSearch)"#,
    ));
    let b = bulks(&out);
    let first: Vec<u64> = b
        .iter()
        .filter(|x| x.0 == b[0].0)
        .map(|x| x.2 - b[0].2)
        .collect();
    assert_eq!(first, vec![0, s(2.0), s(5.0), s(10.0), s(19.0), s(36.0)]);
    // Every request got the same 6 attempts, and each was skipped.
    assert_eq!(
        out.calls.opensearch_bulk.attempts,
        6 * out.calls.opensearch_bulk.batches
    );
    assert_eq!(
        out.calls.opensearch_bulk.skipped_batches,
        out.calls.opensearch_bulk.batches
    );
    // With a larger initial pause and a low max: 5 s, then 7 s, 7 s, ... (capped).
    let capped = run_text(&opensearch(
        "1h",
        "retry_options: (duration_in_seconds: 60)",
        r#"opensearch: (bulk_time: (base: "1s", per_mib: "0s"), backoff: (initial: "5s", max: "7s"))"#,
        r#"Outage(target: OpenSearch)"#,
    ));
    let b = bulks(&capped);
    let first: Vec<u64> = b
        .iter()
        .filter(|x| x.0 == b[0].0)
        .map(|x| x.2 - b[0].2)
        .collect();
    assert_eq!(
        first,
        vec![
            0,
            s(6.0),
            s(14.0),
            s(22.0),
            s(30.0),
            s(38.0),
            s(46.0),
            s(54.0)
        ]
    );
}

/// E2: a retry duration of 0 means exactly one attempt.
#[test]
fn e2_zero_duration_means_one_attempt() {
    let out = run_text(&opensearch(
        "1h",
        "retry_options: (duration_in_seconds: 0)",
        FIXED_BULK,
        r#"Outage(target: OpenSearch)"#,
    ));
    let c = &out.calls.opensearch_bulk;
    assert!(c.batches > 10);
    assert_eq!(c.attempts, c.batches);
    assert_eq!(c.skipped_batches, c.batches);
}

/// E2 + T8: a request slower than `request_timeout` fails at the timeout.
#[test]
fn e2_request_timeout_fails_slow_requests() {
    let out = run_text(&opensearch(
        "30m",
        "retry_options: (duration_in_seconds: 0)",
        r#"opensearch: (bulk_time: (base: "2s", per_mib: "0s"), request_timeout: "1s")"#,
        "",
    ));
    let b = bulks(&out);
    assert!(
        b.iter()
            .all(|x| x.3 - x.2 == s(1.0) && x.5 == Outcome::Timeout)
    );
    assert_eq!(
        out.opensearch.as_ref().unwrap().timeouts,
        out.calls.opensearch_bulk.attempts
    );
    assert_eq!(out.records.delivered, 0);
}

/// E3: a 20-minute outage with the default 300 s skips the requests that fall in it, and only
/// their records; with 7200 s nothing is skipped and latency shows the wait.
#[test]
fn e3_outage_skips_with_300s_and_waits_with_7200s() {
    let outage = r#"Outage(target: OpenSearch, from: "30m", until: "50m")"#;
    let short = run_text(&opensearch(
        "2h",
        "retry_options: (duration_in_seconds: 300)",
        FIXED_BULK,
        outage,
    ));
    let b = bulks(&short);
    let skipped: Vec<u64> = b
        .iter()
        .filter(|x| x.5 == Outcome::Failed)
        .map(|x| x.0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|id| !b.iter().any(|x| x.0 == *id && x.5 == Outcome::Ok))
        .collect();
    // Requests are retried for 300 s each, head of line: four fit in 20 minutes.
    assert_eq!(
        skipped.len() as u64,
        short.calls.opensearch_bulk.skipped_batches
    );
    assert_eq!(skipped.len(), 4);
    let skipped_records: u64 = skipped
        .iter()
        .map(|id| b.iter().find(|x| x.0 == *id).unwrap().4)
        .sum();
    assert_eq!(short.records.skipped, skipped_records);
    // All their first attempts started inside the outage.
    for id in &skipped {
        let start = b.iter().find(|x| x.0 == *id).unwrap().2;
        assert!(start >= s(1800.0) && start < s(3000.0));
    }
    let long = run_text(&opensearch(
        "2h",
        "retry_options: (duration_in_seconds: 7200)",
        FIXED_BULK,
        outage,
    ));
    assert_eq!(long.records.skipped, 0);
    assert_eq!(long.calls.opensearch_bulk.skipped_batches, 0);
    assert!(long.latency.max > 1200.0, "{:?}", long.latency);
}

/// E3 + S2: OpenSearch and S3 both down: nothing reaches the failed prefix until S3 returns,
/// and OpenSearch waits for it (T10). With both down past 24 h, records expire.
#[test]
fn e3_s2_failed_documents_wait_for_s3() {
    let both = r#"Outage(target: OpenSearch), Outage(target: S3, until: "2h")"#;
    let out = run_text(&opensearch(
        "3h",
        "retry_options: (duration_in_seconds: 60)",
        FIXED_BULK,
        both,
    ));
    let b = bulks(&out);
    // The first request is skipped at ~97 s; its documents wait for S3, and the second
    // request starts only after S3 returns at 2 h.
    let second = b.iter().find(|x| x.0 != b[0].0).unwrap();
    assert!(second.2 > s(7200.0), "second request at {}", second.2);
    assert!(out.records.skipped > 0);
    assert_eq!(out.records.expired, 0);
    let long = r#"Outage(target: OpenSearch), Outage(target: S3, until: "26h")"#;
    let out = run_text(&opensearch(
        "30h",
        "retry_options: (duration_in_seconds: 60)",
        FIXED_BULK,
        long,
    ));
    assert!(out.records.expired > 0);
    assert_eq!(out.records.delivered, 0);
}

/// E4: `AllDocuments` backs up every record (backup copies equal ingested records when the
/// input stops before the end); `FailedDocumentsOnly` makes none.
#[test]
fn e4_backup_modes() {
    let text = |mode: &str| {
        format!(
            r#"#![enable(implicit_some)]
Scenario(
    name: "o", seed: 8, duration: "1h",
    sources: [DirectPut(name: "p", rate: Steps([("0s", 10.0), ("40m", 0.0)]), records_per_call: 10)],
    destination: OpenSearch(s3_backup_mode: {mode}, s3_backup_buffering_hints: (size_in_mbs: 1, interval_in_seconds: 60)),
)"#
        )
    };
    let all = run_text(&text("AllDocuments"));
    assert_eq!(all.records.ingested, 24_000);
    assert_eq!(all.records.backup_copies, all.records.ingested);
    let failed_only = run_text(&text("FailedDocumentsOnly"));
    assert_eq!(failed_only.records.backup_copies, 0);
    assert!(failed_only.backup.is_none());
}

/// E5: under `AckLost`, `FirehoseDefault` ids make retries overwrite (no duplicates);
/// `NoDocumentId` indexes every re-sent request again: duplicates equal the records of the
/// requests re-sent after a lost acknowledgement.
#[test]
fn e5_document_ids_decide_duplicates() {
    let ack = r#"AckLost(target: OpenSearch, probability: 1.0, from: "20m", until: "30m")"#;
    let default = run_text(&opensearch(
        "1h",
        "document_id: FirehoseDefault",
        FIXED_BULK,
        ack,
    ));
    assert_eq!(default.records.duplicates, 0);
    let no_id = run_text(&opensearch(
        "1h",
        "document_id: NoDocumentId",
        FIXED_BULK,
        ack,
    ));
    let b = bulks(&no_id);
    // Every attempt after an acknowledged-lost one re-sends the request's records.
    let resent: u64 = b
        .iter()
        .filter(|x| x.1 > 1 && x.5 != Outcome::Failed)
        .map(|x| x.4)
        .sum();
    assert!(resent > 0);
    assert_eq!(no_id.records.duplicates, resent);
    assert_eq!(no_id.records.delivered, default.records.delivered);
}

/// E6: a 3-hour run with `OneHour` rotation reports three or four indices, named from the
/// ingest time and `start_time`, whose counts add up to delivered.
#[test]
fn e6_hourly_indices_add_up_to_delivered() {
    let out = run_text(&opensearch(
        "3h",
        "index_name: \"logs\", index_rotation_period: OneHour",
        "",
        "",
    ));
    let indices = &out.opensearch.as_ref().unwrap().indices;
    assert!((3..=4).contains(&indices.len()), "{indices:?}");
    assert_eq!(indices.values().sum::<u64>(), out.records.delivered);
    assert!(indices.contains_key("logs-2025-03-01-09"));
    assert!(indices.contains_key("logs-2025-03-01-11"));
    let monthly = run_text(&opensearch(
        "3h",
        "index_name: \"logs\", index_rotation_period: OneMonth",
        "",
        "",
    ));
    let names: Vec<&String> = monthly
        .opensearch
        .as_ref()
        .unwrap()
        .indices
        .keys()
        .collect();
    assert_eq!(names, vec!["logs-2025-03"]);
    let weekly = run_text(&opensearch(
        "3h",
        "index_name: \"logs\", index_rotation_period: OneWeek",
        "",
        "",
    ));
    let names: Vec<&String> = weekly.opensearch.as_ref().unwrap().indices.keys().collect();
    assert_eq!(names, vec!["logs-2025-09"]);
}

/// E1 + E3: documents rejected one by one go to S3 at once, without retry, and are skipped
/// there; the rest of the request is indexed.
#[test]
fn e1_e3_rejected_documents_are_skipped_without_retry() {
    let out = run_text(&opensearch(
        "2h",
        "",
        r#"opensearch: (document_failure_rate: 0.01)"#,
        "",
    ));
    let os = out.opensearch.as_ref().unwrap();
    let n = (out.records.delivered + out.records.skipped) as f64;
    assert!((os.documents_failed as f64 - 0.01 * n).abs() < 5.0 * (n * 0.01 * 0.99).sqrt());
    assert_eq!(out.records.skipped, os.documents_failed);
    assert_eq!(
        out.calls.opensearch_bulk.attempts,
        out.calls.opensearch_bulk.batches
    );
}

/// `Elasticsearch(...)` is accepted as the older name of the same destination.
#[test]
fn elasticsearch_is_an_alias() {
    let text = opensearch("10m", "", "", "").replace(
        "OpenSearch(buffering_hints",
        "Elasticsearch(buffering_hints",
    );
    let out = run_text(&text);
    assert!(out.records.delivered > 0);
    assert!(out.opensearch.is_some());
}
