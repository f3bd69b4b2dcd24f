//! Buffering rules B1-B3 and the tie convention T2, at exact simulated times.

mod common;
use common::*;
use firehose_sim::model::FlushReason;

/// B1: a 1 MiB hint with calls of 100 records x 1,024 B (102,400 B) every 100 ms: the 11th
/// call (1,126,400 B >= 1,048,576) flushes at once, at t = 1.0 s; the next buffer opens with
/// call 12 at 1.1 s and flushes with call 22 at 2.1 s.
#[test]
fn b1_size_hint_flushes_right_after_the_call_that_reaches_it() {
    let out = run_text(&s3_scenario(
        "5s",
        "Constant(1000.0)",
        100,
        1024,
        1,
        900,
        "",
    ));
    let f = flushes(&out);
    assert_eq!(f[0], (s(1.0), 1, 1100, FlushReason::Size));
    assert_eq!(f[1], (s(2.1), 2, 1100, FlushReason::Size));
    assert_eq!(f[2], (s(3.2), 3, 1100, FlushReason::Size));
    // 50 calls in 5 s: four full buffers (44 calls), 6 calls still buffered at the end.
    assert_eq!(f.len(), 4);
    assert_eq!(out.records.in_flight, 600);
}

/// B2: the interval counts from the first record that entered the empty buffer. Calls of 70
/// records every 7 s with a 60 s interval: the buffer opened at 0 s flushes at 60 s with the
/// calls of 0..=56 s (9 calls); the next opens at 63 s and flushes at 123 s.
#[test]
fn b2_interval_counts_from_the_first_record() {
    let out = run_text(&s3_scenario("200s", "Constant(10.0)", 70, 100, 5, 60, ""));
    let f = flushes(&out);
    assert_eq!(f[0], (s(60.0), 1, 630, FlushReason::Interval));
    assert_eq!(f[1], (s(123.0), 2, 630, FlushReason::Interval));
    assert_eq!(f[2], (s(186.0), 3, 630, FlushReason::Interval));
}

/// T2: a call arriving at exactly the flush instant goes into the next buffer. Calls every
/// 10 s and a 60 s interval: the flush at 60 s holds the calls of 0..=50 s (6 calls), and the
/// call at 60 s opens the next buffer, which flushes at 120 s.
#[test]
fn t2_call_at_the_flush_instant_goes_to_the_next_buffer() {
    let out = run_text(&s3_scenario("130s", "Constant(1.0)", 10, 100, 5, 60, ""));
    let f = flushes(&out);
    assert_eq!(f[0], (s(60.0), 1, 60, FlushReason::Interval));
    assert_eq!(f[1], (s(120.0), 2, 60, FlushReason::Interval));
}

/// T2 with ingest calls that take time: a call that *ends* (is ingested) exactly at the flush
/// instant goes into the next buffer too. Calls every second taking 2 s are ingested at 2, 3,
/// 4, ... s; a 1 s interval flushes each buffer at the instant the next call arrives, so each
/// object holds exactly one call.
#[test]
fn t2_a_call_ingested_at_the_flush_instant_goes_to_the_next_buffer() {
    let extra = r#"services: (ingest: (put_time: (base: "2s", per_mib: "0s"))),"#;
    let out = run_text(&s3_scenario("20s", "Constant(1.0)", 1, 100, 5, 1, extra));
    let f = flushes(&out);
    assert_eq!(f.len(), 17);
    assert!(
        f.iter().all(|x| x.2 == 1 && x.3 == FlushReason::Interval),
        "{f:?}"
    );
    assert_eq!(f[0].0, s(3.0));
}

/// B3: interval 0 means no buffering: every accepted call is flushed on its own at once.
#[test]
fn b3_interval_zero_flushes_every_call() {
    let out = run_text(&s3_scenario("10s", "Constant(10.0)", 5, 100, 5, 0, ""));
    let f = flushes(&out);
    assert_eq!(f.len(), 20);
    assert!(f.iter().all(|x| x.2 == 5 && x.3 == FlushReason::Immediate));
    assert_eq!(f[3].0, s(1.5));
    assert_eq!(out.calls.s3_put.batches, 20);
}

/// B1: a single call larger than the hint is flushed whole (records are never split across
/// flushes): 500 records x 8,000 B = 4,000,000 B > 1 MiB gives one flush per call.
#[test]
fn b1_a_call_over_the_hint_is_not_split() {
    let out = run_text(&s3_scenario("3s", "Constant(500.0)", 500, 8000, 1, 900, ""));
    let f = flushes(&out);
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|x| x.2 == 500));
}
