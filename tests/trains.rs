//! Call trains (T1, T2, T6): a constant-rate producer's regular calls handled as one step
//! each run between decisions, with every number the same as call by call.

mod common;
use common::*;
use firehose_sim::report::Report;
use firehose_sim::{RunOptions, simulate};

fn both(text: &str) -> (firehose_sim::RunOutput, firehose_sim::RunOutput) {
    let s = scenario(text);
    let run = |no_trains| {
        simulate(
            &s,
            &RunOptions {
                trace: true,
                metrics: true,
                no_trains,
                ..Default::default()
            },
        )
        .unwrap()
    };
    (run(false), run(true))
}

/// T1, T2: 1,000 calls/s of 500 records of 10 B into a 5 MiB buffer for 10 minutes. A size
/// flush follows the 1,049th call of each buffer (ceil(5,242,880 / 5,000)), so the trains
/// stop there and at every one-second quota window (T6): far fewer steps than the 600,000
/// calls, and the same report, metrics and trace.
#[test]
fn t1_a_regular_stream_runs_as_trains_with_the_same_numbers() {
    let (trains, calls) = both(
        "#![enable(implicit_some)]\nScenario(name: \"t\", duration: \"10m\", sources: [DirectPut(name: \"p\", rate: Constant(500000.0), records_per_call: 500, record_bytes: Fixed(10))], stream: (quota: Large), destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 300)))",
    );
    assert_eq!(calls.calls.put_record_batch.attempts, 600_000);
    assert_eq!(trains.calls.put_record_batch.attempts, 600_000);
    assert_eq!(
        Report::new(&trains).to_json(),
        Report::new(&calls).to_json()
    );
    assert_eq!(format!("{:?}", trains.trace), format!("{:?}", calls.trace));
    // 571 flushes (600,000 / 1,049). Steps: each object makes three queue events (its
    // buffer's deadline, its PUT's end, the producer's call due after that end) and cuts two
    // trains (at the flush and at the PUT's end); the 600 quota windows cut the rest; each of
    // the 10 minute ends is an event and queues the producer's next call; plus the first
    // call: at most 600 + 5 x 571 + 2 x 10 + 1.
    assert_eq!(trains.calls.s3_objects, 571);
    assert!(
        trains.events <= 600 + 5 * 571 + 2 * 10 + 1,
        "{} events, {} queued",
        trains.events,
        trains.queue_events
    );
    assert!(trains.queue_events <= 3 * 571 + 2 * 10 + 1);
    assert!(calls.events > 600_000);
}

/// T5, T12: an S3 outage longer than the retention cuts trains where their records reach
/// the retention, so expiry counts each record by its own call's time, as call by call.
#[test]
fn t12_expiry_cuts_a_train_at_the_retention() {
    let (trains, calls) = both(
        "#![enable(implicit_some)]\nScenario(name: \"t\", duration: \"3h\", sources: [DirectPut(name: \"p\", rate: Constant(1000.0), records_per_call: 10, record_bytes: Fixed(100))], stream: (retention: \"1h\"), destination: S3(buffering_hints: (size_in_mbs: 1, interval_in_seconds: 60)), faults: [Outage(target: S3, from: \"0s\", until: \"90m\")])",
    );
    assert_eq!(
        Report::new(&trains).to_json(),
        Report::new(&calls).to_json()
    );
    let r = &trains.records;
    // Records from the first 30 minutes and a little more are at least 1 h old when S3
    // comes back (the head object's retries then reach them).
    assert!(r.expired >= 1_800_000, "{r:?}");
    assert!(r.expired < 2_000_000, "{r:?}");
    assert!(trains.events * 20 < calls.events);
}

/// T2, T11, T12: with `interval_in_seconds: 0` every call (200 a second, 10 records of
/// 100 B) is its own object; an S3 outage until 50 minutes keeps the writer busy, so the calls
/// of each train queue as one run of objects. At 50 minutes the head is retried: the objects
/// older than the 30-minute retention expire at the head one by one (T12), and the writer
/// then writes one 1,000 B object per 100 ms PUT, about 6,000 objects (60,000 records) in the
/// last 10 minutes, while every object made before minute 30 expires as it reaches the head.
/// The same numbers as call by call, with a step per run instead of per object.
#[test]
fn t11_every_call_its_own_object_queues_as_runs() {
    let s = scenario(
        "#![enable(implicit_some)]\nScenario(name: \"t\", duration: \"1h\", sources: [DirectPut(name: \"p\", rate: Constant(2000.0), records_per_call: 10, record_bytes: Fixed(100))], stream: (quota: Large, retention: \"30m\"), destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 0)), faults: [Outage(target: S3, from: \"0s\", until: \"50m\")])",
    );
    let run = |no_trains| {
        simulate(
            &s,
            &RunOptions {
                metrics: true,
                no_trains,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (runs, calls) = (run(false), run(true));
    assert_eq!(Report::new(&runs).to_json(), Report::new(&calls).to_json());
    let r = &runs.records;
    assert_eq!(r.produced, 7_200_000);
    assert!((59_000..=60_000).contains(&r.delivered), "{r:?}");
    // Everything made before minute 30 is delivered or expired; what came later is in flight.
    let before_30 = 3_600_000;
    assert!(
        (r.delivered + r.expired).abs_diff(before_30) <= 10 * 200,
        "{r:?}"
    );
    assert_eq!(r.delivered + r.expired + r.in_flight, r.produced);
    assert!(
        runs.events * 20 < calls.events,
        "{} vs {}",
        runs.events,
        calls.events
    );
}
