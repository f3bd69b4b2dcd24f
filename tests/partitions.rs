//! Dynamic partitioning and record format conversion on S3: P1-P3.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::{BufferId, FlushReason, Outcome, Stage, TraceEvent};
use firehose_sim::outcome::metrics::Slot;

const SEC: u64 = 1_000_000;

/// A partitioned S3 scenario: `rate` records/s in calls of 100 records of 500 B with
/// partition key `key`, 64 MiB / `interval` s buffers, the given destination fields and
/// faults.
fn partitioned(
    duration: &str,
    rate: f64,
    key: &str,
    interval: u32,
    dest: &str,
    faults: &str,
) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "p", seed: 4, duration: "{duration}",
    sources: [DirectPut(name: "app", rate: Constant({rate:.1}), records_per_call: 100, record_bytes: Fixed(500), partition_key: {key})],
    destination: S3(buffering_hints: (size_in_mbs: 64, interval_in_seconds: {interval}),
                    dynamic_partitioning: (enabled: true), {dest}),
    faults: [{faults}],
)"#
    )
}

/// The `PartitionCount` of every minute.
fn partition_counts(out: &RunOutput) -> Vec<u64> {
    out.metrics
        .as_ref()
        .unwrap()
        .series(Slot::PartitionCount)
        .iter()
        .map(|v| *v as u64)
        .collect()
}

/// P1: with `Uniform(10)` at a constant 1,000 records/s (calls of 100 every 0.1 s) every key
/// has records in nearly every call (a key misses one with probability 0.9^100 = 3e-5), so
/// all ten buffers open at 0 and flush by interval at 60 s (B2); the call at exactly 60 s
/// opens the next round (T2), and so on. Each partition's flushes are exactly 60 s after its
/// buffer opened, at a call's time: 59 objects each in the hour, ten times the unpartitioned
/// stream's 59.
#[test]
fn p1_each_partition_flushes_by_interval_and_objects_multiply() {
    let out = run_text(&partitioned("1h", 1000.0, "Uniform(10)", 60, "", ""));
    let mut by_partition: std::collections::BTreeMap<u32, Vec<u64>> = Default::default();
    for e in &out.trace {
        if let TraceEvent::Flush {
            at,
            buffer: BufferId::Partition(slot),
            reason,
            ..
        } = e
        {
            assert_eq!(*reason, FlushReason::Interval);
            by_partition.entry(*slot).or_default().push(at.0);
        }
    }
    assert_eq!(by_partition.len(), 10);
    for times in by_partition.values() {
        assert_eq!(times[0], 60 * SEC);
        assert_eq!(times.len(), 59);
        for w in times.windows(2) {
            // Opened by the first call at or after the previous flush: 60 s after a call.
            assert!(w[1] - w[0] >= 60 * SEC && w[1] - w[0] < 61 * SEC, "{w:?}");
            assert_eq!((w[1] - 60 * SEC) % 100_000, 0);
        }
    }
    let p = out.partitions.as_ref().unwrap();
    assert_eq!(p.max_active, 10);
    let plain = run_text(&s3_scenario("1h", "Constant(1000.0)", 100, 500, 64, 60, ""));
    let plain_objects = plain.calls.s3_objects;
    assert_eq!(plain_objects, 59);
    assert_eq!(p.objects, 10 * plain_objects);
    assert_eq!(out.calls.s3_objects, 10 * plain_objects);
    assert!(out.records.delivered >= plain.records.delivered);
    assert!(out.records.delivered <= plain.records.delivered + 10 * 100);
}

/// P2: 600 uniform keys at 6,000 records/s against a limit of 500. The first 500 keys seen
/// become active and almost never leave: a buffer refills (10 records/s a key) before its
/// object is written, except for some of the first objects of each round; whenever 500 are
/// active exactly 100 keys are out, so their records, 1/6 in expectation, go to the error
/// prefix (`processing_failed`). The count is binomial: within
/// N/6 +- 3.3 sqrt(N/6 * 5/6) of the records that arrive once the 500 are active (99.9%). The
/// active count never passes 500, and a record goes over the limit only in minutes when 500
/// were active.
#[test]
fn p2_the_limit_holds_and_a_sixth_goes_to_the_error_prefix() {
    let out = run_text(&partitioned(
        "30m",
        6000.0,
        "Uniform(600)",
        60,
        "active_partitions_limit: 500",
        "",
    ));
    let p = out.partitions.as_ref().unwrap();
    assert_eq!(p.max_active, 500);
    // A partition whose buffer is still empty when its object is written leaves, and a
    // waiting key takes its place: a few swaps, the count stays at the limit.
    assert!((500..=600).contains(&p.activations), "{}", p.activations);
    let m = out.metrics.as_ref().unwrap();
    let counts = partition_counts(&out);
    let exceeded = m.series(Slot::PartitionCountExceeded);
    for (minute, (c, e)) in counts.iter().zip(&exceeded).enumerate() {
        assert!(*c <= 500, "minute {minute}: {c}");
        if *e > 0.0 {
            assert_eq!(*c, 500, "minute {minute}");
        }
    }
    let n = out.records.produced as f64;
    let x = p.partition_limit_exceeded as f64;
    let sd = (n / 6.0 * 5.0 / 6.0).sqrt();
    // The first call (100 records) reaches at most 100 keys: the 500 fill within the first
    // second or so, so at most a few hundred records come before the limit binds.
    assert!(
        (x - n / 6.0).abs() <= 3.3 * sd + 1000.0,
        "{x} over the limit of {n}"
    );
    assert!(out.records.processing_failed <= p.partition_limit_exceeded);
    assert!(out.records.processing_failed > 0);
}

/// P2: a partition stays active until its last batch is written. 20 keys at one record every
/// 5 s: a key's buffer opens about every 100 s, flushes 60 s later and is released when its
/// object is written, so in a normal minute fewer than 20 are active; once S3 is down
/// (10-40 min) no object is written and no partition leaves, so every minute of the outage
/// counts at least as many as the one before, and all 20 are active well before its end.
#[test]
fn p2_an_s3_outage_keeps_partitions_active() {
    let out = run_text(
        r#"#![enable(implicit_some)]
Scenario(
    name: "p2", seed: 4, duration: "1h",
    sources: [DirectPut(name: "app", rate: Constant(0.2), records_per_call: 1, record_bytes: Fixed(500), partition_key: Uniform(20))],
    destination: S3(buffering_hints: (size_in_mbs: 64, interval_in_seconds: 60),
                    dynamic_partitioning: (enabled: true)),
    faults: [Outage(target: S3, from: "10m", until: "40m")],
)"#,
    );
    let counts = partition_counts(&out);
    let before = &counts[2..10];
    assert!(before.iter().all(|c| *c < 20), "{before:?}");
    let during = &counts[10..40];
    assert!(during.windows(2).all(|w| w[1] >= w[0]), "{during:?}");
    assert_eq!(counts[39], 20);
    assert!(
        attempts(&out, Stage::S3)
            .iter()
            .filter(|a| a.2 >= 600 * SEC && a.2 < 2400 * SEC)
            .all(|a| a.5 == Outcome::Failed)
    );
    // After the outage the backlog is written and partitions leave again.
    assert!(counts[50..].iter().all(|c| *c < 20), "{counts:?}");
}

/// P3: `failure_rate` 0.01 sends a binomial share of the records to
/// `format-conversion-failed/` (`processing_failed`): within N * 0.01 +- 3.3 sqrt(N * 0.01 *
/// 0.99) (99.9%). Converted objects are a quarter of the bytes (the default size ratio). While
/// S3 fails (10-40 min) nothing is written; after it, each flush's error object, ahead of its
/// converted object in the one queue, is written first (S2).
#[test]
fn p3_failed_conversions_go_to_the_error_prefix_and_block_the_queue() {
    let text = r#"#![enable(implicit_some)]
Scenario(
    name: "p3", seed: 6, duration: "2h",
    sources: [DirectPut(name: "app", rate: Constant(500.0), records_per_call: 50, record_bytes: Fixed(1000))],
    destination: S3(buffering_hints: (interval_in_seconds: 60),
                    format_conversion: (output: Parquet, failure_rate: 0.01)),
    faults: [Outage(target: S3, from: "10m", until: "40m")],
)"#;
    let out = run_text(text);
    let c = out.format_conversion.as_ref().unwrap();
    let n = (c.records_converted + c.records_failed) as f64;
    let x = c.records_failed as f64;
    let sd = (n * 0.01 * 0.99).sqrt();
    assert!((x - n * 0.01).abs() <= 3.3 * sd, "{x} of {n}");
    assert_eq!(out.records.processing_failed, c.records_failed);
    // 128 MiB default hint with conversion (P3): these flush by interval, 30,000 records of
    // 1,000 B a minute; written objects are 1/4 of the bytes converted.
    let f = flushes(&out);
    assert!(
        f.iter()
            .all(|x| x.2 == 30_000 && x.3 == FlushReason::Interval)
    );
    // Converted objects are written at a quarter of their bytes, rounded up; error
    // objects (under 1,000 records here) as they are.
    let expected: u64 = attempts(&out, Stage::S3)
        .iter()
        .filter(|a| a.5 == Outcome::Ok)
        .map(|a| {
            if a.4 > 1000 {
                (a.4 * 1000).div_ceil(4)
            } else {
                a.4 * 1000
            }
        })
        .sum();
    assert_eq!(out.calls.s3_bytes, expected);
    let ok: Vec<(u64, u64, u64)> = attempts(&out, Stage::S3)
        .iter()
        .filter(|a| a.5 == Outcome::Ok)
        .map(|a| (a.0, a.2, a.4))
        .collect();
    assert!(ok.iter().all(|a| a.1 < 600 * SEC || a.1 >= 2400 * SEC));
    // Each flush: its error object (about 300 records) then its converted object.
    for w in ok.windows(2).filter(|w| w[0].0 == w[1].0) {
        assert!(w[0].2 < 1000 && w[1].2 > 29_000, "{w:?}");
    }
}

/// P2 with P3 and T12: one call of 100 records every 100 s, 60 s buffers and a 30 s
/// retention, so every flush's error object and converted object have expired when they are
/// queued and are dropped empty at once. The partition ends once per flush, after both: 36
/// calls in the hour make 36 activations and 36 objects, never more than one partition
/// active, and nothing goes to the error prefix for the limit. (Releasing the partition when
/// the first object dropped, before the second held it, ended it twice: the active count
/// wrapped and every later record counted as over the limit.)
#[test]
fn p2_a_flush_whose_objects_both_expire_ends_its_partition_once() {
    let text = r#"#![enable(implicit_some)]
Scenario(
    name: "p", seed: 4, duration: "1h",
    sources: [DirectPut(name: "app", rate: Constant(1.0), records_per_call: 100, record_bytes: Fixed(500), partition_key: Constant)],
    stream: (retention: "30s"),
    destination: S3(buffering_hints: (size_in_mbs: 64, interval_in_seconds: 60),
                    dynamic_partitioning: (enabled: true),
                    format_conversion: (output: Parquet, failure_rate: 0.5)),
)"#;
    let out = run_text(text);
    let p = out.partitions.as_ref().unwrap();
    assert_eq!(p.activations, 36);
    assert_eq!(p.objects, 36);
    assert_eq!(p.max_active, 1);
    assert_eq!(p.partition_limit_exceeded, 0);
    assert_eq!(out.records.expired, 3600);
    assert_eq!(out.records.delivered, 0);
    assert_eq!(partition_counts(&out).into_iter().max(), Some(1));
}
