//! The Lambda transform: L1-L6, B4 and T9.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::{BufferId, FlushReason, Outcome, Stage, TraceEvent};

/// A scenario with a Lambda transform: `rate` records/s in calls of `rpc` records of `bytes`
/// bytes; `transform` and `lambda` are the insides of `Lambda(...)` and `services.lambda`.
fn with_lambda(
    duration: &str,
    rate: &str,
    rpc: u32,
    bytes: u64,
    transform: &str,
    lambda: &str,
    extra: &str,
) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "l", seed: 3, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: {rate}, records_per_call: {rpc}, record_bytes: Fixed({bytes}))],
    transform: Lambda({transform}),
    destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60)),
    services: (lambda: ({lambda})),
    {extra}
)"#
    )
}

/// Lambda attempts as (batch, attempt, start us, end us, records, outcome).
fn invocations(out: &RunOutput) -> Vec<(u64, u32, u64, u64, u64, Outcome)> {
    attempts(out, Stage::Lambda)
}

const ALWAYS_FAILS: &str = r#"faults: [Outage(target: Lambda)],"#;

fn always_failing(retries: Option<u32>) -> RunOutput {
    let transform = match retries {
        Some(n) => format!("buffer_interval_in_seconds: 60, number_of_retries: {n}"),
        None => "buffer_interval_in_seconds: 60".into(),
    };
    run_text(&with_lambda(
        "10m",
        "Constant(10.0)",
        10,
        100,
        &transform,
        r#"duration: Fixed("100ms")"#,
        ALWAYS_FAILS,
    ))
}

/// L2 + L3: a function that always fails gets `number_of_retries + 1` attempts per batch:
/// 4 with the default, 1 with 0, 6 with 5. Every record of the nine batches flushed in
/// 10 minutes (at 60, 120, ..., 540 s) ends `processing_failed`; none is delivered; the
/// records of the last minute are still in the Lambda buffer.
#[test]
fn l2_l3_always_failing_function_gets_retries_plus_one_attempts() {
    for (retries, per_batch) in [(None, 4), (Some(0), 1), (Some(5), 6)] {
        let out = always_failing(retries);
        assert_eq!(out.calls.lambda.batches, 9);
        assert_eq!(out.calls.lambda.attempts, per_batch * 9, "{retries:?}");
        assert_eq!(out.calls.lambda.failed, per_batch * 9);
        let r = &out.records;
        assert_eq!(
            (r.produced, r.processing_failed, r.delivered, r.in_flight),
            (6000, 5400, 0, 600)
        );
        // One processing-failed object per batch in the stream's bucket (T11).
        assert_eq!(out.calls.s3_objects, 9);
    }
}

/// L2 + T8: an invocation longer than the timeout fails at the timeout; one of exactly the
/// timeout, or just under it, does not fail.
#[test]
fn l2_timeout_fails_every_attempt_only_when_longer() {
    let run = |d: &str| {
        run_text(&with_lambda(
            "5m",
            "Constant(10.0)",
            10,
            100,
            "",
            &format!(r#"duration: Fixed("{d}"), timeout: "1s""#),
            "",
        ))
    };
    let over = run("1001ms");
    let a = invocations(&over);
    assert!(!a.is_empty());
    assert!(
        a.iter()
            .all(|x| x.5 == Outcome::Timeout && x.3 - x.2 == s(1.0))
    );
    assert_eq!(
        over.lambda.as_ref().unwrap().failures.timeout,
        over.calls.lambda.attempts
    );
    assert_eq!(over.records.delivered, 0);
    for d in ["1s", "999ms"] {
        let ok = run(d);
        assert_eq!(ok.calls.lambda.failed, 0, "{d}");
        assert_eq!(ok.calls.lambda.attempts, ok.calls.lambda.batches);
    }
}

/// L1: a response over 6 MB fails the invocation. Calls of 500 x 8,000 B fill the 3 MiB
/// Lambda buffer on their own (4,000,000 B each); with `size_ratio` 1.6 the response is
/// 6,400,000 B > 6 MiB and every attempt fails; with 1.5 it is 6,000,000 B and none does.
#[test]
fn l1_responses_over_6_mb_fail_the_invocation() {
    let run = |ratio: &str| {
        run_text(&with_lambda(
            "20s",
            "Constant(500.0)",
            500,
            8000,
            "buffer_size_in_mbs: 3.0",
            &format!(r#"duration: Fixed("100ms"), size_ratio: {ratio}"#),
            "",
        ))
    };
    let big = run("1.6");
    assert!(big.calls.lambda.batches >= 10);
    assert_eq!(
        big.lambda.as_ref().unwrap().failures.response_too_large,
        big.calls.lambda.attempts
    );
    assert_eq!(big.calls.lambda.attempts, 4 * big.calls.lambda.batches);
    let fine = run("1.5");
    assert_eq!(fine.calls.lambda.failed, 0);
}

/// L4: per-record results `dropped: 0.1, processing_failed: 0.05` over 3.6 million records:
/// each count is within 5 standard deviations of its binomial expectation, `Dropped` and
/// `ProcessingFailed` records take those fates, and conservation (F2) is exact.
#[test]
fn l4_per_record_results_follow_the_binomial_rates() {
    let out = run_text(&with_lambda(
        "1h",
        "Constant(1000.0)",
        100,
        100,
        "",
        r#"dropped: 0.1, processing_failed: 0.05, duration: Fixed("50ms")"#,
        "",
    ));
    let l = out.lambda.as_ref().unwrap();
    let n = (l.records.ok + l.records.dropped + l.records.processing_failed) as f64;
    assert!(n > 3.5e6);
    let within = |got: u64, p: f64| (got as f64 - n * p).abs() < 5.0 * (n * p * (1.0 - p)).sqrt();
    assert!(within(l.records.dropped, 0.1), "{}", l.records.dropped);
    assert!(
        within(l.records.processing_failed, 0.05),
        "{}",
        l.records.processing_failed
    );
    let r = &out.records;
    assert_eq!(r.dropped, l.records.dropped);
    // Per-record failures are written to S3 at once; all but the last few are there.
    assert!(r.processing_failed <= l.records.processing_failed);
    assert_eq!(r.fates_total(), r.produced);
    assert_eq!(r.recoverable, r.processing_failed);
}

fn slow_function(duration: &str, concurrency: u32) -> RunOutput {
    run_text(&with_lambda(
        duration,
        "Constant(10.0)",
        10,
        100,
        "buffer_interval_in_seconds: 1",
        &format!(r#"duration: Fixed("10s"), concurrency: {concurrency}"#),
        "",
    ))
}

/// L5: a 10 s function with concurrency 1 and a flush every second cannot keep up: flushes
/// queue for a slot, and the wait and the p99 latency grow with the length of the run. With
/// concurrency 20 ten invocations at once suffice, and neither grows.
#[test]
fn l5_concurrency_limit_makes_flushes_wait_in_order() {
    let (short, long) = (slow_function("10m", 1), slow_function("20m", 1));
    let w = |o: &RunOutput| o.lambda.as_ref().unwrap().concurrency_wait_seconds.clone();
    assert!(
        w(&long).max > 1.8 * w(&short).max,
        "{:?} {:?}",
        w(&short),
        w(&long)
    );
    assert!(long.latency.p99 > 1.5 * short.latency.p99);
    // Flushes are served in order: attempt start times follow batch ids.
    let a = invocations(&long);
    assert!(a.windows(2).all(|p| p[0].0 < p[1].0 && p[0].3 <= p[1].2));
    let (short, long) = (slow_function("10m", 20), slow_function("20m", 20));
    assert_eq!(w(&long).max, 0.0);
    assert!((long.latency.p99 - short.latency.p99).abs() < 1.0);
}

/// T9: a batch keeps its concurrency slot through all its attempts and the pauses between
/// them. With concurrency 1, every attempt failing in the first 30 s and a 2 s retry delay,
/// batch 2 starts only after batch 1's fourth attempt has ended.
#[test]
fn t9_a_batch_keeps_its_slot_through_retries() {
    let out = run_text(&with_lambda(
        "2m",
        "Constant(10.0)",
        10,
        100,
        "buffer_interval_in_seconds: 1",
        r#"duration: Fixed("100ms"), concurrency: 1, retry_delay: "2s""#,
        r#"faults: [Errors(target: Lambda, probability: 1.0, until: "30s")],"#,
    ));
    let a = invocations(&out);
    let first: Vec<_> = a.iter().filter(|x| x.0 == a[0].0).collect();
    assert_eq!(first.len(), 4);
    // Attempts at 1.0, 3.1, 5.2, 7.3 s (100 ms each, then 2 s pauses).
    let starts: Vec<u64> = first.iter().map(|x| x.2).collect();
    assert_eq!(starts, vec![s(1.0), s(3.1), s(5.2), s(7.3)]);
    let second = a.iter().find(|x| x.0 != a[0].0).unwrap();
    assert_eq!(second.2, s(7.4));
}

/// B4: the destination buffer's interval starts when transformed data arrives. A call at
/// 0 s is flushed from the Lambda buffer at 60 s, its invocation ends at 61 s, and the
/// destination buffer, opened then, flushes at 121 s.
#[test]
fn b4_destination_interval_starts_when_transformed_data_arrives() {
    let out = run_text(&with_lambda(
        "200s",
        r#"Steps([("0s", 10.0), ("1s", 0.0)])"#,
        10,
        100,
        "",
        r#"duration: Fixed("1s")"#,
        "",
    ));
    let dest: Vec<_> = out
        .trace
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Flush {
                at,
                buffer: BufferId::Destination,
                reason,
                ..
            } => Some((at.0, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(dest, vec![(s(121.0), FlushReason::Interval)]);
    assert_eq!(out.records.delivered, 10);
}

/// X1 `Throttle` on Lambda: concurrency x 0 inside the window throttles every attempt there;
/// with no retry delay a batch's four attempts are all throttled and its records end
/// `processing_failed`.
#[test]
fn x1_throttle_on_lambda_throttles_attempts_in_its_window() {
    let out = run_text(&with_lambda(
        "10m",
        "Constant(10.0)",
        10,
        100,
        "",
        r#"duration: Fixed("100ms")"#,
        r#"faults: [Throttle(target: Lambda, factor: 0.0, from: "100s", until: "200s")],"#,
    ));
    let l = out.lambda.as_ref().unwrap();
    // The flush at 120 s and the one at 180 s fall in the window.
    assert_eq!(l.failures.throttled, 8);
    assert_eq!(out.records.processing_failed, 1200);
}

/// L3 + S1 + I4: a function that always fails, with S3 down for 25 h: the processing-failed
/// objects queue behind the outage and the records of the first hour expire (to within one
/// Lambda buffer interval plus one S3 retry interval of input); the rest are written under
/// `processing-failed` when S3 returns.
#[test]
fn l3_s1_processing_failed_records_expire_when_s3_stays_down() {
    let out = run_text(&with_lambda(
        "30h",
        "Constant(100.0)",
        100,
        100,
        "",
        r#"duration: Fixed("100ms")"#,
        r#"faults: [Outage(target: Lambda), Outage(target: S3, until: "25h")],"#,
    ));
    let r = &out.records;
    let slack = (60 + 5 + 1) * 100;
    assert!(
        r.expired + slack >= 360_000 && r.expired <= 360_000 + slack,
        "expired {}",
        r.expired
    );
    assert_eq!(r.delivered, 0);
    assert_eq!(r.processing_failed + r.expired + r.in_flight, r.produced);
    assert!(r.processing_failed > 10_000_000 - 400_000);
}

fn backup_run(extra: &str) -> RunOutput {
    run_text(&format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "b", seed: 9, duration: "1h",
    sources: [DirectPut(name: "p", rate: Steps([("0s", 100.0), ("50m", 0.0)]), records_per_call: 10)],
    transform: Lambda(),
    destination: S3(s3_backup_mode: Enabled,
                    s3_backup_buffering_hints: (size_in_mbs: 1, interval_in_seconds: 60)),
    {extra}
)"#
    ))
}

/// L6: with a healthy backup bucket, every ingested record is copied once: backup copies
/// equal ingested records. An outage of the backup bucket changes no fate; with a retention
/// shorter than the outage only copies are lost, and the report counts them.
#[test]
fn l6_source_record_backup_copies_every_ingested_record() {
    let healthy = backup_run("");
    let r = &healthy.records;
    assert_eq!(r.ingested, 300_000);
    assert_eq!(r.backup_copies, r.ingested);
    let down = backup_run(r#"faults: [Outage(target: BackupS3, from: "10m", until: "40m")],"#);
    assert_eq!(down.records.delivered, healthy.records.delivered);
    assert_eq!(down.records.backup_copies, healthy.records.backup_copies);
    assert!(down.backup.as_ref().unwrap().failed > 0);
    let lost = backup_run(
        r#"stream: (retention: "15m"), faults: [Outage(target: BackupS3, until: "40m")],"#,
    );
    let b = lost.backup.as_ref().unwrap();
    assert!(b.copies_expired > 0);
    assert_eq!(
        b.copies_expired + lost.records.backup_copies,
        lost.records.ingested
    );
    assert_eq!(lost.records.expired, 0);
    assert_eq!(lost.records.delivered, healthy.records.delivered);
}
