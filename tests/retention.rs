//! The 24-hour limit (I4) with the retention checks of T5 and T12.

mod common;
use common::*;
use firehose_sim::model::TraceEvent;

fn outage_run(outage: &str) -> firehose_sim::RunOutput {
    let extra = format!("faults: [Outage(target: S3, from: \"0s\", until: \"{outage}\")],");
    run_text(&s3_scenario(
        "30h",
        "Constant(100.0)",
        100,
        512,
        5,
        300,
        &extra,
    ))
}

/// I4: 100 records/s, S3 down from 0 to 25 h, 30 h run: the records ingested in the first hour
/// expire, to within one buffer interval (300 s) plus one retry interval (5 s) of input, and
/// no record ingested after that expires.
#[test]
fn i4_s3_outage_of_25h_expires_the_first_hour() {
    let out = outage_run("25h");
    let first_hour = 3600 * 100;
    let slack = (300 + 5) * 100;
    let expired = out.records.expired;
    assert!(
        expired + slack >= first_hour && expired <= first_hour + slack,
        "expired {expired}"
    );
    let newest = out
        .trace
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Expired {
                newest_ingest,
                records,
                ..
            } if *records > 0 => Some(newest_ingest.0),
            _ => None,
        })
        .max()
        .unwrap();
    assert!(
        newest < s(3600.0 + 305.0),
        "a record ingested at {newest} us expired"
    );
    // Everything else is delivered or still in the last buffers; nothing is rejected.
    let r = &out.records;
    assert_eq!(r.rejected, 0);
    assert_eq!(r.lost, r.expired);
    assert_eq!(r.delivered + r.expired + r.in_flight, r.produced);
    assert!(r.in_flight <= 300 * 100 + 100, "in flight {}", r.in_flight);
}

/// I4: with an outage of 23 h nothing is older than 24 h when S3 returns: nothing expires.
#[test]
fn i4_s3_outage_of_23h_loses_nothing() {
    let out = outage_run("23h");
    assert_eq!(out.records.expired, 0);
    assert_eq!(out.records.lost, 0);
    // The oldest records waited the whole outage.
    assert!(out.latency.max >= 23.0 * 3600.0 - 300.0);
}

/// I4 with a shorter retention (a scenario parameter): the head batch's records older than
/// 10 minutes expire at the start of an attempt (T12), and the batch, left empty, is not
/// written.
#[test]
fn i4_t12_retention_is_checked_when_an_attempt_starts() {
    let extra = r#"stream: (retention: "10m"),
        services: (s3: (put_time: (base: "100ms", per_mib: "0s"), retry_interval: "5s")),
        faults: [Outage(target: S3, until: "30m")],"#;
    let out = run_text(&s3_scenario("1h", "Constant(1.0)", 1, 100, 5, 60, extra));
    let r = &out.records;
    // Records ingested before 20 m are all at least 10 m old by the time S3 returns at 30 m.
    assert!(
        r.expired >= 1200 - 70 && r.expired <= 1200 + 70,
        "expired {}",
        r.expired
    );
    // Every expiry happened at an attempt start, and only to records >= 10 m old.
    for e in &out.trace {
        if let TraceEvent::Expired {
            at, newest_ingest, ..
        } = e
        {
            assert!(at.0 - newest_ingest.0 >= s(600.0));
        }
    }
    // Batches emptied by expiry were never written: every attempted batch is either an object
    // or a batch whose records all expired.
    let written: std::collections::BTreeSet<u64> = s3_attempts(&out)
        .iter()
        .filter(|a| a.4 == firehose_sim::model::Outcome::Ok)
        .map(|a| a.0)
        .collect();
    let emptied: std::collections::BTreeSet<u64> = out
        .trace
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Expired { batch, .. } if !written.contains(batch) => Some(*batch),
            _ => None,
        })
        .collect();
    assert!(!emptied.is_empty());
    assert_eq!(written.len() as u64, out.calls.s3_objects);
    assert_eq!(
        out.calls.s3_objects + emptied.len() as u64,
        out.calls.s3_put.batches
    );
}
