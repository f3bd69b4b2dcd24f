//! Ingest quotas and producer retries: I1-I3 and the quota windows of T6.

mod common;
use common::*;

fn quota_scenario(
    rate: f64,
    rpc: u32,
    bytes: u64,
    quota: &str,
    retries: u32,
    extra: &str,
) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "q", seed: 5, duration: "100s",
    sources: [DirectPut(name: "p", rate: Constant({rate}), records_per_call: {rpc},
                        record_bytes: Fixed({bytes}), max_retries: {retries})],
    stream: (quota: Custom({quota})),
    destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 0)),
    services: (s3: (put_time: (base: "1ms", per_mib: "0s"))),
    {extra}
)"#
    )
}

const RECORDS_1000: &str =
    "records_per_second: 1000, requests_per_second: 1000, bytes_per_second: 100000000";

/// I2/I3: 1,200 records/s against a 1,000 records/s quota with no producer retries. Calls of
/// 100 records every 1/12 s: in each one-second window the first 10 calls fit and the 11th
/// and 12th are refused whole (T6), so exactly the excess, 200 records/s, is rejected.
#[test]
fn i2_i3_excess_over_the_records_quota_is_rejected_without_retries() {
    let out = run_text(&quota_scenario(1200.0, 100, 100, RECORDS_1000, 0, ""));
    let r = &out.records;
    assert_eq!(r.produced, 120_000);
    assert_eq!(r.rejected, 20_000);
    assert_eq!(r.ingested, 100_000);
    assert_eq!(out.calls.put_record_batch.attempts, 1200);
    assert_eq!(out.calls.put_record_batch.failed, 200);
    assert_eq!(out.throttled_records, 20_000);
    assert_eq!(out.producer_wait.max, 0.0);
}

/// I2/I3: the same 20% excess with three producer retries. A sustained excess cannot get
/// past the quota: exactly 1,000 records/s are still accepted, so retries change only which
/// records get in and how long producers wait. Rejections fall by no more than the records
/// that are still being resent when the run ends.
#[test]
fn i2_i3_retries_cannot_beat_a_sustained_quota_excess() {
    let out = run_text(&quota_scenario(1200.0, 100, 100, RECORDS_1000, 3, ""));
    let r = &out.records;
    assert_eq!(r.delivered, 100_000);
    assert!(r.rejected < 20_000);
    assert_eq!(r.rejected + r.in_flight, 20_000);
    assert!(out.records_resent > 0 && out.producer_wait.max > 0.0);
}

/// I3: with the SDK's three retries, resent records find room in later windows only when
/// there is some, so fewer are rejected; the producers' wait (first try to acceptance) is
/// reported apart from latency, which F4 counts from ingest.
#[test]
fn i3_retries_reject_fewer_and_show_the_producer_wait_apart_from_latency() {
    // 900 records/s offered in bursts: 12 calls of 75 records every second would fit on
    // average, but each window admits only 10 requests.
    let quota = "records_per_second: 1000, requests_per_second: 10, bytes_per_second: 100000000";
    let none = run_text(&quota_scenario(900.0, 75, 100, quota, 0, ""));
    let three = run_text(&quota_scenario(900.0, 75, 100, quota, 3, ""));
    assert_eq!(none.records.rejected, 15_000);
    assert!(
        three.records.rejected < none.records.rejected,
        "{}",
        three.records.rejected
    );
    assert!(three.records_resent > 0);
    // The wait: resends come after a backoff of up to 100 ms, 200 ms, 400 ms.
    assert!(three.producer_wait.max > 0.0 && three.producer_wait.max <= 0.7);
    assert_eq!(
        three.producer_wait.count,
        three.records.ingested - three.records.in_flight
    );
    // Latency from ingest: interval 0 and 1 ms PUTs deliver every accepted call within a
    // few milliseconds of ingest, whatever the producer waited before.
    assert!(three.latency.max < 0.05, "{:?}", three.latency);
    assert!(three.producer_wait.max > 10.0 * three.latency.max);
}

/// T6: a call is accepted in part: with 250 records/s and calls of 100 records at 0, 1/3 and
/// 2/3 s, the third call gets the 50 records left; the other 50 are refused.
#[test]
fn t6_a_call_is_accepted_in_part_first_records_first() {
    let quota = "records_per_second: 250, requests_per_second: 1000, bytes_per_second: 100000000";
    let out = run_text(&quota_scenario(300.0, 100, 100, quota, 0, ""));
    assert_eq!(out.records.rejected, 50 * 100);
    assert_eq!(out.calls.put_record_batch.failed, 100);
}

/// T6: the requests quota refuses a call whole; the bytes quota admits
/// floor(bytes left / record size) records.
#[test]
fn t6_requests_and_bytes_quotas() {
    let requests =
        "records_per_second: 100000, requests_per_second: 2, bytes_per_second: 100000000";
    let out = run_text(&quota_scenario(300.0, 100, 100, requests, 0, ""));
    assert_eq!(out.records.rejected, 100 * 100);
    // 3 calls of 50 x 100 B per second against 12,000 B/s: 5,000 + 5,000 + 2,000 (20 records).
    let bytes = "records_per_second: 100000, requests_per_second: 100, bytes_per_second: 12000";
    let out = run_text(&quota_scenario(150.0, 50, 100, bytes, 0, ""));
    assert_eq!(out.records.rejected, 30 * 100);
}

/// X1 `Throttle` on Ingest: quotas are multiplied by the factor for the one-second windows
/// that start inside the fault's window: halving 1,000 records/s for 10 s rejects 500 more
/// records in each of those seconds.
#[test]
fn x1_throttle_on_ingest_lowers_the_quota_for_its_window() {
    let extra = r#"faults: [Throttle(target: Ingest, factor: 0.5, from: "10s", until: "20s")],"#;
    let out = run_text(&quota_scenario(1000.0, 100, 100, RECORDS_1000, 0, extra));
    assert_eq!(out.records.rejected, 10 * 500);
}

/// X1 `Outage` and `Errors` on Ingest refuse whole calls; `AckLost` makes the producer resend
/// records the stream had accepted: the copies are delivered again as duplicates (F3), and
/// never change a fate.
#[test]
fn x1_ingest_faults_refuse_calls_or_duplicate_them() {
    let outage = r#"faults: [Outage(target: Ingest, from: "10s", until: "20s")],"#;
    let out = run_text(&quota_scenario(100.0, 100, 100, RECORDS_1000, 0, outage));
    assert_eq!(out.records.rejected, 10 * 100);
    let ack = r#"faults: [AckLost(target: Ingest, probability: 1.0, from: "10s", until: "20s")],"#;
    let out = run_text(&quota_scenario(100.0, 100, 100, RECORDS_1000, 3, ack));
    // The ten calls of the window are accepted, reported failed, and resent three times
    // (backoffs of at most 100 + 200 + 400 ms keep every resend inside the window, so each is
    // accepted and reported failed again): 10 calls x 3 copies x 100 records.
    assert_eq!(out.records.rejected, 0);
    assert_eq!(out.records.duplicates, 3000);
    assert_eq!(
        out.records.delivered + out.records.in_flight,
        out.records.produced
    );
}

/// F1 with `AckLost` on ingest: a record whose original expires but whose resent copy is
/// delivered was delivered at least once: it is `delivered`, not `expired`, and nothing is
/// lost. One record every 10 s; the first call's acknowledgement is lost, so it is resent
/// once (as a copy) within a second; S3 is down for the first 10 s and the retention is 10 s,
/// so the original expires while the copy, ingested later, gets through.
#[test]
fn f1_a_record_delivered_only_through_its_copy_is_delivered() {
    let text = r#"#![enable(implicit_some)]
Scenario(
    name: "copy", seed: 2, duration: "30s",
    sources: [DirectPut(name: "p", rate: Constant(0.1), records_per_call: 1, record_bytes: Fixed(100), max_retries: 1)],
    stream: (retention: "10s"),
    destination: S3(buffering_hints: (size_in_mbs: 1, interval_in_seconds: 0)),
    services: (s3: (put_time: (base: "0s", per_mib: "0s"), retry_interval: "1s")),
    faults: [AckLost(target: Ingest, probability: 1.0, until: "1ms"), Outage(target: S3, until: "10s")],
)"#;
    let out = run_text(text);
    let r = &out.records;
    assert_eq!(r.produced, 3);
    assert_eq!((r.delivered, r.expired, r.lost, r.duplicates), (3, 0, 0, 0));
    assert_eq!(out.latency.count, 3);
}

/// T6, I3: once a window has no request, record or byte left, every later call in it is
/// refused whole and resent. 1,500 records/s in calls of 100 (10 B records) with 3 retries
/// against quotas where records (1,000/s), requests (10/s) or bytes (10,000/s) bind: each
/// way every window takes exactly 10 whole calls, 1,000 records (first tries alone offer 15
/// calls), so 100,000 of the 150,000 records of the 100 s are delivered and every other call
/// is refused whole. A `Throttle` of factor 1 on ingest changes no quota (X1) but sends every
/// call through the general admission path; calls accepted whole and calls refused whole in a
/// spent window must come out the same either way: the same counts, draws, metrics and fates.
#[test]
fn t6_calls_in_a_spent_window_are_refused_whole_as_the_general_path_refuses_them() {
    use firehose_sim::outcome::metrics::Slot;
    let quotas = [
        RECORDS_1000,
        "records_per_second: 100000, requests_per_second: 10, bytes_per_second: 100000000",
        "records_per_second: 100000, requests_per_second: 1000, bytes_per_second: 10000",
    ];
    for quota in quotas {
        let plain = run_text(&quota_scenario(1500.0, 100, 10, quota, 3, ""));
        let general = run_text(&quota_scenario(
            1500.0,
            100,
            10,
            quota,
            3,
            "faults: [Throttle(target: Ingest, factor: 1.0)],",
        ));
        assert_eq!(plain.records.produced, 150_000);
        assert_eq!(plain.records.delivered, 100_000, "{quota}");
        let put = &plain.calls.put_record_batch;
        // Exactly 10 whole calls of 100 fit in each of the 100 windows; the other first
        // tries and every resend are refused whole, each resent up to 3 times.
        assert_eq!(put.attempts - put.failed, 1000, "{quota}");
        assert!(put.attempts > 1500 && put.attempts <= 1500 * 4, "{put:?}");
        assert_eq!(plain.throttled_records, put.failed * 100);
        assert_eq!(plain.calls, general.calls, "{quota}");
        assert_eq!(plain.records, general.records, "{quota}");
        assert_eq!(plain.throttled_records, general.throttled_records);
        assert_eq!(plain.records_resent, general.records_resent);
        assert_eq!(plain.producer_wait, general.producer_wait);
        assert_eq!(plain.latency, general.latency);
        let m = |o: &firehose_sim::RunOutput, s| o.metrics.as_ref().unwrap().series(s);
        for s in [
            Slot::ThrottledRecords,
            Slot::IncomingRecords,
            Slot::IncomingPutRequests,
        ] {
            assert_eq!(m(&plain, s), m(&general, s), "{quota}");
        }
    }
}
