//! S3 delivery: retries (S1), head-of-line blocking (S2), fault windows (T3), retry pauses (T4),
//! call times (T8) and duplicates from lost acknowledgements (F3).

mod common;
use common::*;
use firehose_sim::model::Outcome;

const FAST_PUT: &str =
    r#"services: (s3: (put_time: (base: "100ms", per_mib: "0s"), retry_interval: "5s")),"#;

/// S1 + T4: under an S3 outage [0, 60 s) a batch flushed at 10 s is tried every
/// 100 ms (the PUT) + 5 s (the pause after the failed attempt ended): starts at 10.0, 15.1,
/// ..., 55.9 s all fail; the attempt at 61.0 s starts after the outage and succeeds.
/// S2: the batches behind it wait: batch 2 (flushed at 20 s) makes its first attempt only
/// when batch 1 is written, at 61.1 s.
#[test]
fn s1_s2_retries_follow_the_interval_and_later_batches_wait() {
    let extra = format!("{FAST_PUT} faults: [Outage(target: S3, from: \"0s\", until: \"60s\")],");
    let out = run_text(&s3_scenario(
        "100s",
        "Constant(1.0)",
        10,
        100,
        5,
        10,
        &extra,
    ));
    let a = s3_attempts(&out);
    let batch1: Vec<_> = a.iter().filter(|x| x.0 == 1).collect();
    assert_eq!(batch1.len(), 11);
    for (k, x) in batch1.iter().enumerate() {
        let start = s(10.0) + k as u64 * s(5.1);
        assert_eq!(
            (x.1, x.2, x.3),
            (k as u32 + 1, start, start + s(0.1)),
            "attempt {k}"
        );
        let expect = if k < 10 { Outcome::Failed } else { Outcome::Ok };
        assert_eq!(x.4, expect);
    }
    // Nothing of batch 2 before batch 1 is written, then it goes at once.
    let first2 = a.iter().position(|x| x.0 == 2).unwrap();
    assert_eq!(first2, 11);
    assert_eq!((a[first2].1, a[first2].2), (1, s(61.1)));
    // Attempts never overlap: one PUT at a time, in FIFO order.
    assert!(a.windows(2).all(|w| w[0].3 <= w[1].2 && w[0].0 <= w[1].0));
    assert_eq!(out.calls.s3_put.failed, 10);
    assert_eq!(out.records.expired + out.records.rejected, 0);
}

/// T3: a call that starts inside the outage fails even if it ends after it. With 2 s PUTs
/// and an outage [0, 11 s), the attempt of 10..12 s fails; the next starts at 17 s and
/// succeeds.
#[test]
fn t3_a_call_started_inside_the_window_fails_even_if_it_ends_after() {
    let extra = r#"services: (s3: (put_time: (base: "2s", per_mib: "0s"), retry_interval: "5s")),
        faults: [Outage(target: S3, until: "11s")],"#;
    let out = run_text(&s3_scenario("20s", "Constant(1.0)", 10, 100, 5, 10, extra));
    let a = s3_attempts(&out);
    assert_eq!(a[0], (1, 1, s(10.0), s(12.0), Outcome::Failed));
    assert_eq!(a[1], (1, 2, s(17.0), s(19.0), Outcome::Ok));
}

/// T8 + X1 `Slow`: a PUT's time is base + per_mib * bytes / MiB, multiplied by the factor of
/// a `Slow` fault whose window holds its start. batches at 100 ms + 400 ms/MiB take
/// 300 ms for 512 KiB; under `Slow(factor: 10.0)` 3 s.
#[test]
fn t8_put_time_and_slow_factor() {
    let base = r#"services: (s3: (put_time: (base: "100ms", per_mib: "400ms"))),"#;
    // 256 records of 2,048 B = 512 KiB per call, one call a second; interval 0 flushes each call.
    let plain = run_text(&s3_scenario("3s", "Constant(256.0)", 256, 2048, 5, 0, base));
    let a = s3_attempts(&plain);
    assert_eq!(a[0].3 - a[0].2, s(0.3)); // 512 KiB: 100 ms + 200 ms
    let slow =
        format!("{base} faults: [Slow(target: S3, factor: 10.0, from: \"1s\", until: \"2s\")],");
    let a = s3_attempts(&run_text(&s3_scenario(
        "6s",
        "Constant(256.0)",
        256,
        2048,
        5,
        0,
        &slow,
    )));
    let long: Vec<_> = a.iter().filter(|x| x.3 - x.2 == s(3.0)).collect();
    assert!(!long.is_empty());
    assert!(long.iter().all(|x| x.2 >= s(1.0) && x.2 < s(2.0)));
}

/// F3 + X1 `AckLost`: a PUT that succeeded but was reported failed is retried and writes the
/// same records again. With every acknowledgement lost in [0, 30 s), each batch attempted in
/// the window is delivered once (its first success, which sets latency) and counted again as
/// duplicates when the retry after the window succeeds.
#[test]
fn f3_ack_lost_on_s3_gives_duplicates() {
    let extra =
        format!("{FAST_PUT} faults: [AckLost(target: S3, probability: 1.0, until: \"30s\")],");
    let out = run_text(&s3_scenario(
        "120s",
        "Constant(1.0)",
        10,
        100,
        5,
        10,
        &extra,
    ));
    let a = s3_attempts(&out);
    // Batch 1 (flushed at 10 s) is acknowledged-lost at 10.0, 15.1, 20.2, 25.3 s and written
    // for good at 30.4 s; 10 records -> 4 extra copies.
    let b1: Vec<_> = a.iter().filter(|x| x.0 == 1).map(|x| x.4).collect();
    assert_eq!(
        b1,
        [
            Outcome::AckLost,
            Outcome::AckLost,
            Outcome::AckLost,
            Outcome::AckLost,
            Outcome::Ok
        ]
    );
    let lost_acks: u64 = a.iter().filter(|x| x.4 == Outcome::AckLost).count() as u64;
    // Each batch carries 10 records; every attempt after the first success adds a copy.
    assert_eq!(out.records.duplicates, lost_acks * 10);
    assert_eq!(
        out.records.delivered + out.records.in_flight,
        out.records.produced
    );
    // F4: latency counts the first delivery. One call of 10 records at 0 s, flushed at 10 s:
    // first written (acknowledgement lost) at 10.1 s, written again at 30.4 s.
    let one_call =
        format!("{FAST_PUT} faults: [AckLost(target: S3, probability: 1.0, until: \"30s\")],");
    let out = run_text(&s3_scenario(
        "60s",
        "Steps([(\"0s\", 10.0), (\"1s\", 0.0)])",
        10,
        100,
        5,
        10,
        &one_call,
    ));
    assert_eq!((out.records.delivered, out.records.duplicates), (10, 40));
    assert!((out.latency.max - 10.1).abs() < 1e-9, "{:?}", out.latency);
}
