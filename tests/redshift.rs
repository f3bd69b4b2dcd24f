//! The Redshift destination: R1-R5 and T10.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::{Outcome, Stage};

/// A Redshift scenario: 10 records/s in calls of 10 records of 1,000 B, a 60 s intermediate
/// buffer, the given retry duration, COPY time and faults.
fn redshift(duration: &str, retry_s: u32, copy: &str, faults: &str) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "r", seed: 4, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000))],
    destination: Redshift(s3_buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60),
                          retry_options: (duration_in_seconds: {retry_s})),
    services: (redshift: {copy}, s3: (put_time: (base: "100ms", per_mib: "0s"))),
    faults: [{faults}],
)"#
    )
}

const FAST_COPY: &str = r#"(copy_time: (base: "1s", per_mib: "0s"))"#;

/// COPY attempts as (batch, attempt, start us, end us, records, outcome).
fn copies(out: &RunOutput) -> Vec<(u64, u32, u64, u64, u64, Outcome)> {
    attempts(out, Stage::RedshiftCopy)
}

/// Attempts per batch, in batch order.
fn attempts_per_batch(out: &RunOutput) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = Vec::new();
    for c in copies(out) {
        match v.last_mut() {
            Some(last) if last.0 == c.0 => last.1 = c.1,
            _ => v.push((c.0, c.1)),
        }
    }
    v
}

/// R3 + R4: under a 10-hour outage, every skipped batch had exactly
/// `max(1, ceil(duration / 300 s))` attempts: 12 with 3600 s, 1 with 0 s, 24 with 7200 s,
/// 2 with 301 s; attempts start 300 s apart, counted from the first.
#[test]
fn r3_attempts_per_skipped_batch_follow_the_retry_duration() {
    for (retry, expected) in [(3600, 12), (0, 1), (7200, 24), (301, 2)] {
        let out = run_text(&redshift(
            "11h",
            retry,
            FAST_COPY,
            r#"Outage(target: Redshift, until: "10h")"#,
        ));
        let c = copies(&out);
        let skipped_batches = out.calls.redshift_copy.skipped_batches;
        assert!(skipped_batches >= 3, "{retry}: {skipped_batches}");
        // Every batch that ended inside the outage was skipped after exactly `expected`.
        for (batch, n) in attempts_per_batch(&out) {
            let last = c.iter().rfind(|x| x.0 == batch).unwrap();
            if last.5 == Outcome::Failed && last.3 < s(36_000.0) {
                assert_eq!(n, expected, "retry {retry}, batch {batch}");
            }
        }
        assert_eq!(
            out.calls.redshift_copy.max_attempts_per_batch,
            expected as u64
        );
        // Attempt k of a batch starts 300 k s after its first.
        for x in &c {
            let first = c.iter().find(|y| y.0 == x.0).unwrap();
            assert_eq!(
                x.2 - first.2,
                s(300.0) * u64::from(x.1 - 1),
                "retry {retry}"
            );
        }
    }
}

/// R3: with a first attempt longer than the retry duration there is no retry: one attempt.
#[test]
fn r3_first_attempt_longer_than_the_duration_means_no_retry() {
    let out = run_text(&redshift(
        "3h",
        600,
        r#"(copy_time: (base: "700s", per_mib: "0s"))"#,
        r#"Outage(target: Redshift, until: "2h")"#,
    ));
    assert_eq!(out.calls.redshift_copy.max_attempts_per_batch, 1);
    assert!(out.calls.redshift_copy.skipped_batches >= 1);
}

/// R3 recovery: an outage that ends in the middle of a batch's retries delivers that batch
/// at its next 5-minute attempt, with no skip. The first COPY starts at 60.1 s (after the
/// intermediate PUT); the outage ends at 1,000 s, so attempts at 60.1 + 300 k s fail for
/// k = 0..3 and the one at 1,260.1 s loads.
#[test]
fn r3_recovery_delivers_at_the_next_slot() {
    let out = run_text(&redshift(
        "2h",
        3600,
        FAST_COPY,
        r#"Outage(target: Redshift, until: "1000s")"#,
    ));
    let c = copies(&out);
    let b1: Vec<_> = c.iter().filter(|x| x.0 == c[0].0).collect();
    assert_eq!(b1.len(), 5);
    assert_eq!(b1[0].2, s(60.1));
    assert_eq!(b1[4].2, s(1260.1));
    assert_eq!(b1[4].5, Outcome::Ok);
    assert_eq!(out.calls.redshift_copy.skipped_batches, 0);
    assert_eq!(out.records.skipped, 0);
}

/// R2: COPYs never overlap. A cluster that cannot keep up builds a backlog, and the backlog
/// and the p99 latency grow with the run's length: either each COPY is limited to one object
/// and takes 200 s while an object is flushed every 60 s, or each loads everything queued but
/// at 200 s per MiB while 0.6 MB arrive per minute.
#[test]
fn r2_copies_are_serial_and_a_slow_cluster_builds_a_backlog() {
    for slow in [
        r#"(copy_time: (base: "200s", per_mib: "0s"), max_objects_per_copy: 1)"#,
        r#"(copy_time: (base: "5s", per_mib: "200s"))"#,
    ] {
        let (short, long) = (
            run_text(&redshift("2h", 3600, slow, "")),
            run_text(&redshift("4h", 3600, slow, "")),
        );
        for out in [&short, &long] {
            let c = copies(out);
            assert!(c.windows(2).all(|w| w[0].3 <= w[1].2), "overlapping COPYs");
        }
        let (a, b) = (
            short.redshift.clone().unwrap(),
            long.redshift.clone().unwrap(),
        );
        assert!(
            b.max_backlog_objects > a.max_backlog_objects,
            "{slow}: {a:?} {b:?}"
        );
        assert!(
            b.max_object_wait_seconds > 1.5 * a.max_object_wait_seconds,
            "{slow}"
        );
        assert!(
            long.latency.p99 > 1.5 * short.latency.p99,
            "{slow}: {} vs {}",
            short.latency.p99,
            long.latency.p99
        );
    }
    // A COPY of 200 s that loads everything queued keeps up: the backlog stays small.
    let keeps_up = r#"(copy_time: (base: "200s", per_mib: "0s"))"#;
    let r = run_text(&redshift("4h", 3600, keeps_up, ""))
        .redshift
        .unwrap();
    assert!(r.max_backlog_objects <= 4, "{r:?}");
}

/// R4: `skipped` equals the records of the skipped batches, and they are never also
/// `delivered`; one errors/ manifest is written per skipped batch.
#[test]
fn r4_skipped_records_are_the_skipped_batches() {
    let out = run_text(&redshift(
        "8h",
        3600,
        FAST_COPY,
        r#"Outage(target: Redshift, from: "1h", until: "5h")"#,
    ));
    let c = copies(&out);
    let skipped: u64 = attempts_per_batch(&out)
        .iter()
        .filter(|(batch, _)| {
            let last = c.iter().rfind(|x| x.0 == *batch).unwrap();
            last.5 == Outcome::Failed
        })
        .map(|(batch, _)| c.iter().find(|x| x.0 == *batch).unwrap().4)
        .sum();
    let r = &out.records;
    assert!(r.skipped > 0);
    assert_eq!(r.skipped, skipped);
    assert_eq!(r.delivered + r.skipped + r.in_flight, r.produced);
    let rs = out.redshift.unwrap();
    assert_eq!(rs.errors_manifests, out.calls.redshift_copy.skipped_batches);
}

/// R5: a COPY that loaded but whose acknowledgement was lost is retried and loads the same
/// records again: `duplicates` equals the records of the batches whose acknowledgement was
/// lost (each retried once, in the next slot, after the window).
#[test]
fn r5_lost_acknowledgements_load_records_twice() {
    let out = run_text(&redshift(
        "3h",
        3600,
        FAST_COPY,
        r#"AckLost(target: Redshift, probability: 1.0, from: "30m", until: "35m")"#,
    ));
    let c = copies(&out);
    let lost: u64 = c
        .iter()
        .filter(|x| x.5 == Outcome::AckLost)
        .map(|x| x.4)
        .sum();
    assert!(lost > 0);
    assert_eq!(out.records.duplicates, lost);
    assert_eq!(out.records.skipped, 0);
}

/// R1 + S1 + I4: with S3 down for 25 h under a Redshift destination, the intermediate objects
/// cannot be written, so the first hour's records expire before any COPY runs.
#[test]
fn r1_s1_intermediate_s3_outage_expires_before_any_copy() {
    let out = run_text(&redshift(
        "30h",
        3600,
        FAST_COPY,
        r#"Outage(target: S3, until: "25h")"#,
    ));
    let c = copies(&out);
    assert!(c[0].2 >= s(25.0 * 3600.0));
    let expired = out.records.expired;
    let slack = (60 + 5) * 10;
    assert!(
        expired + slack >= 36_000 && expired <= 36_000 + slack,
        "expired {expired}"
    );
    // Written intermediate objects never expire (T12): everything after is loaded.
    assert_eq!(out.records.skipped, 0);
}

/// T10: after a skip, the next COPY starts only once the errors/ manifest is written; while
/// S3 is down too, COPYs pause.
#[test]
fn t10_next_copy_waits_for_the_errors_manifest() {
    let out = run_text(&redshift(
        "5h",
        0,
        FAST_COPY,
        r#"Outage(target: Redshift, until: "30m"), Outage(target: S3, from: "61s", until: "2h")"#,
    ));
    let c = copies(&out);
    // Batch 1 (first COPY at 60.1 s) is skipped at once (retry duration 0); its manifest
    // waits for S3, so the next COPY starts only after 2 h.
    assert_eq!(c[0].2, s(60.1));
    assert_eq!(c[0].5, Outcome::Failed);
    assert!(c[1].2 >= s(7200.0), "next COPY at {}", c[1].2);
    assert_eq!(
        out.redshift.unwrap().errors_manifests,
        out.calls.redshift_copy.skipped_batches
    );
}
