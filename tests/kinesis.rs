//! A Kinesis data stream as the source: K1-K6.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::KinesisReport;
use firehose_sim::outcome::metrics::Slot;

const MIB: f64 = 1_048_576.0;

/// A scenario with a Kinesis source: one producer of `rate` records/s in calls of `rpc`
/// records of `bytes` bytes, the stream's `kinesis` fields, S3 hints, and `extra` fields.
fn kinesis(
    duration: &str,
    rate: &str,
    rpc: u32,
    bytes: u64,
    stream: &str,
    hints: &str,
    extra: &str,
) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "k", seed: 5, duration: "{duration}",
    sources: [Producer(name: "p", rate: {rate}, records_per_call: {rpc}, record_bytes: Fixed({bytes}), max_retries: 0)],
    stream: (source: KinesisStream({stream})),
    destination: S3(buffering_hints: ({hints})),
    {extra}
)"#
    )
}

fn k(out: &RunOutput) -> &KinesisReport {
    out.kinesis.as_ref().expect("a kinesis section")
}

/// KinesisMillisBehindLatest of minute `n` (sampled just before it ends), in seconds.
fn lag(out: &RunOutput, n: usize) -> f64 {
    out.metrics
        .as_ref()
        .expect("metrics")
        .series(Slot::KinesisMillisBehind)[n]
        / 1e3
}

/// K1: `Producer(...)` is `DirectPut(...)`; with a Kinesis source no PutRecordBatch is made,
/// and a Direct PUT quota or retention beside it is an error that says why.
#[test]
fn k1_kinesis_source_replaces_direct_put() {
    let out = run_text(&kinesis(
        "10m",
        "Constant(100.0)",
        100,
        100,
        "shard_count: 2",
        "size_in_mbs: 1, interval_in_seconds: 60",
        "",
    ));
    assert_eq!(out.calls.put_record_batch.attempts, 0);
    assert_eq!(k(&out).put_records_calls, 600);
    assert_eq!(k(&out).records_written, 60_000);
    for (field, why) in [
        ("quota: Large", "the shards' write capacity applies"),
        (
            "retention: \"1h\"",
            "retention_period_hours bounds delivery",
        ),
    ] {
        let text = kinesis(
            "10m",
            "Constant(100.0)",
            100,
            100,
            "shard_count: 2",
            "size_in_mbs: 1, interval_in_seconds: 60",
            "",
        )
        .replace(
            "KinesisStream(shard_count: 2)),",
            &format!("KinesisStream(shard_count: 2), {field}),"),
        );
        match firehose_sim::scenario::parse(&text, "k.ron") {
            Ok(_) => panic!("{field} beside a Kinesis source was accepted"),
            Err(e) => assert!(e.to_string().contains(why), "{e}"),
        }
    }
}

/// K2: 2 shards, a producer at 3,000 records/s of 100 B (30 calls/s of 100 records, half to
/// each shard) and no producer retry: each shard takes 1,000 records per second, so exactly
/// 1,000 records/s are rejected, and 10 calls in every second have refused records.
#[test]
fn k2_two_shards_reject_exactly_1000_records_per_second() {
    let out = run_text(&kinesis(
        "60s",
        "Constant(3000.0)",
        100,
        100,
        "shard_count: 2",
        "size_in_mbs: 1, interval_in_seconds: 60",
        "",
    ));
    assert_eq!(out.records.produced, 180_000);
    assert_eq!(out.records.rejected, 60_000);
    assert_eq!(k(&out).records_refused, 60_000);
    assert_eq!(k(&out).records_written, 120_000);
    assert_eq!(k(&out).put_records_failed, 600);
}

/// K4: 100 records/s into 1 shard and S3 down from 0 to 25 h, over 30 h. With a 24 h data
/// stream retention the records of about the first hour expire (as with Direct PUT's 24 h,
/// within one buffer interval of input: 300 s x 100 records/s); with 48 h none does. Back
/// pressure stops the reads while Firehose holds 10 MiB, but as its head expires at the S3
/// attempts (T12) reads resume, so every expired record was read first (K4's note): none
/// expires unread, and far fewer reads are made than seconds pass.
#[test]
fn k4_retention_of_the_data_stream_bounds_loss() {
    let scenario = |retention: u32| {
        kinesis(
            "30h",
            "Constant(100.0)",
            100,
            1000,
            &format!("shard_count: 1, retention_period_hours: {retention}"),
            "size_in_mbs: 5, interval_in_seconds: 300",
            r#"faults: [Outage(target: S3, from: "0s", until: "25h")],"#,
        )
    };
    let short = run_text(&scenario(24));
    let direct = run_text(&scenario(24).replace("Producer(", "DirectPut(").replace(
        "stream: (source: KinesisStream(shard_count: 1, retention_period_hours: 24)),",
        "",
    ));
    let e = short.records.expired as i64;
    assert!(
        (e - direct.records.expired as i64).abs() <= 30_000,
        "{e} vs {}",
        direct.records.expired
    );
    assert!((e - 360_000).abs() <= 30_000, "{e}");
    let ks = k(&short);
    assert_eq!(ks.expired_unread, 0);
    assert!(ks.expired_read <= ks.records_read);
    // Reads: the first 10 MiB (about 105 s), then in the outage's last hour at most one per
    // S3 retry (every 5 s) as the head expires, then one a second for the last 5 h.
    assert!(
        ks.get_records_calls <= 200 + 3600 / 5 + 5 * 3600,
        "{}",
        ks.get_records_calls
    );
    let long = run_text(&scenario(48));
    assert_eq!(long.records.expired, 0);
    assert_eq!(long.records.lost, 0);
}

/// K3: 1 shard written at 0.75 MiB/s (12 records/s of 64 KiB) while other consumers read
/// 1.5 MiB/s, so Firehose reads 0.5 MiB/s (8 records per call). The issue asked for 1.5 MiB/s
/// written against 1.0 MiB/s of other reads, but one shard accepts only 1 MiB/s (K2); these
/// rates keep its ratio: the backlog grows by a third of the input, so the read lag grows by
/// 1 s every 3 s (lag(t) = t (1 - R/W) = t/3), until at 72 h it reaches the 24 h retention.
/// From then on 4 of the 12 records/s expire unread (K4), and the 8 read a second are just
/// under 24 h old: of each 5 MiB object (80 records, 10 reads) only the last read's 8 are
/// still under 24 h at the S3 attempt, so 72 of 80 expire at it (T12).
#[test]
fn k3_read_capacity_left_by_other_consumers_bounds_reads() {
    let out = run_text(&kinesis(
        "80h",
        "Constant(12.0)",
        12,
        65_536,
        "shard_count: 1, other_consumers_read_mib_per_second: 1.5",
        "size_in_mbs: 5, interval_in_seconds: 60",
        "",
    ));
    let ks = k(&out);
    // One read per second of exactly 8 records (cap floor(0.5 MiB) = 8 x 64 KiB).
    let read_per_minute = out.metrics.as_ref().unwrap().series(Slot::KinesisReadBytes);
    assert_eq!(read_per_minute[600], 60.0 * 0.5 * MIB);
    for hours in [1.0, 3.0, 10.0, 50.0] {
        let n = (hours * 60.0) as usize - 1;
        let expect = hours * 3600.0 / 3.0;
        assert!(
            (lag(&out, n) - expect).abs() < 5.0,
            "{hours} h: {}",
            lag(&out, n)
        );
    }
    assert!(lag(&out, 72 * 60 - 2) < 86_400.0);
    assert!(ks.max_millis_behind_latest <= 86_400_000);
    // From 72 h on: 8 h x 3,600 x 4 = 115,200 unread, 8 h x 3,600 x 8 x 0.9 = 207,360 read.
    let within = |got: u64, expect: f64| (got as f64 - expect).abs() / expect < 0.01;
    assert!(
        within(ks.expired_unread, 115_200.0),
        "{}",
        ks.expired_unread
    );
    assert!(within(ks.expired_read, 207_360.0), "{}", ks.expired_read);
    assert_eq!(ks.throttled_get_records, 0);
}

/// K3: a cap smaller than one record reads nothing and counts as throttled.
#[test]
fn k3_cap_below_one_record_throttles_every_call() {
    let out = run_text(&kinesis(
        "10m",
        "Constant(1.0)",
        1,
        900_000,
        "shard_count: 1, other_consumers_read_mib_per_second: 1.2",
        "size_in_mbs: 5, interval_in_seconds: 60",
        "",
    ));
    let ks = k(&out);
    assert_eq!(ks.records_read, 0);
    assert_eq!(ks.get_records_calls, 600);
    // Every call after the first record arrived (at 0 s, readable from 1 s) is throttled.
    assert_eq!(ks.throttled_get_records, 599);
}

/// K5 + K6: 500 records/s of 1 KiB in one call per second into 1 shard, S3 down from 1 h to
/// 2 h, back pressure at 10 MiB. A steady stream shows 1,000 ms of lag (the call at n s is read
/// at n+1 s). In the outage Firehose reads until it holds 10 MiB (plus at most one read of
/// 2 MiB), then the backlog stays in the shard and the lag rises to about 1 h. After it, reads
/// take 2,048 records (2 MiB) a second, 4.096 s of input, so the lag falls by
/// 2,048 / 500 - 1 = 3.096 s every second, back to 1 s.
#[test]
fn k5_k6_back_pressure_then_catch_up_at_read_capacity() {
    let out = run_text(&kinesis(
        "4h",
        "Constant(500.0)",
        500,
        1024,
        "shard_count: 1, max_unsettled_mib: 10.0",
        "size_in_mbs: 5, interval_in_seconds: 60",
        r#"faults: [Outage(target: S3, from: "1h", until: "2h")],"#,
    ));
    assert_eq!(lag(&out, 30), 1.0);
    let read = out.metrics.as_ref().unwrap().series(Slot::KinesisReadBytes);
    let in_outage: f64 = read[61..119].iter().sum();
    assert!(in_outage <= 12.0 * MIB, "{in_outage}");
    let at_end = lag(&out, 119);
    assert!((3500.0..=3600.0).contains(&at_end), "{at_end}");
    let max = k(&out).max_millis_behind_latest as f64 / 1e3;
    assert!((3500.0..=3601.0).contains(&max), "{max}");
    // 660 s after the outage (less up to 10 s for S3's retry and the first flush).
    let expect = at_end - 3.096 * 660.0;
    let got = lag(&out, 130);
    assert!(
        got <= expect + 40.0 && got >= expect - 5.0,
        "{got} vs {expect}"
    );
    assert_eq!(lag(&out, 150), 1.0);
    assert_eq!(out.records.lost, 0);
}

/// K2 with a hot key over 3 shards at 1,500 records/s: with share 0.5, shard 0 gets the 750 hot
/// records a second and about a third of the other 750, about 1,000: at its capacity; with 0.8
/// it gets 1,200 + about 100, so about 300 a second are refused (36,000 in 120 s, within 1%);
/// uniform keys refuse none.
#[test]
fn k2_hot_key_overloads_shard_zero() {
    let run = |share: f64| {
        run_text(&kinesis(
            "2m",
            "Constant(1500.0)",
            100,
            100,
            &format!("shard_count: 3, partition_keys: Hot({share})"),
            "size_in_mbs: 1, interval_in_seconds: 60",
            "",
        ))
    };
    let uniform = run_text(&kinesis(
        "2m",
        "Constant(1500.0)",
        100,
        100,
        "shard_count: 3",
        "size_in_mbs: 1, interval_in_seconds: 60",
        "",
    ));
    assert_eq!(k(&uniform).records_refused, 0);
    assert!(
        k(&run(0.5)).records_refused <= 1_200,
        "{}",
        k(&run(0.5)).records_refused
    );
    let hot = run(0.8);
    let refused = k(&hot).records_refused as f64;
    assert!((refused - 36_000.0).abs() <= 360.0, "{refused}");
    assert_eq!(hot.records.rejected, k(&hot).records_refused);
}

/// K4 at its edges, with every `GetRecords` failed by a `Kinesis` outage (each call counts and
/// reads nothing): 1 record/s over 24 h 10 s with a 24 h retention. The record that arrived at
/// a s expires unread at exactly a + 24 h, so those of 0-9 s expire (10 records); the one of
/// 10 s reaches 24 h exactly at the end and is in flight, like every later one.
#[test]
fn k4_unread_records_expire_exactly_at_the_retention() {
    let out = run_text(&kinesis(
        "86410s",
        "Constant(1.0)",
        1,
        100,
        "shard_count: 1, retention_period_hours: 24",
        "size_in_mbs: 1, interval_in_seconds: 60",
        "faults: [Outage(target: Kinesis)],",
    ));
    let ks = k(&out);
    assert_eq!(out.records.produced, 86_410);
    assert_eq!(ks.get_records_calls, 86_410);
    assert_eq!(ks.records_read, 0);
    assert_eq!(ks.expired_unread, 10);
    assert_eq!(out.records.expired, 10);
    assert_eq!(out.records.in_flight, 86_400);
}

/// K5: the shards of one second are read in order and each check sees the earlier shards'
/// reads: 2 shards, 1,000 records/s of 1 KiB (500 a second for each shard), back pressure at
/// 1.5 MiB, S3 down. Before the calls at 1 s and 2 s Firehose holds 0, 0.49, 0.98 and
/// 1.46 MiB, all below 1.5 MiB, so all four read their 500 records; at 3 s it holds 1.95 MiB
/// and reads no more: between the bound and the bound plus one read (2 MiB).
#[test]
fn k5_back_pressure_bound_holds_across_shards() {
    let out = run_text(&kinesis(
        "2m",
        "Constant(1000.0)",
        100,
        1024,
        "shard_count: 2, max_unsettled_mib: 1.5",
        "size_in_mbs: 5, interval_in_seconds: 60",
        "faults: [Outage(target: S3)],",
    ));
    let read = k(&out).records_read as f64 * 1024.0;
    assert!((1.5 * MIB..3.5 * MIB).contains(&read), "{read}");
    assert_eq!(k(&out).records_read, 2_000);
}
