//! The HTTP endpoint and Splunk destinations: H1-H8 and SP1-SP3 with T10-T12.

mod common;
use common::*;
use firehose_sim::RunOutput;
use firehose_sim::model::{Outcome, Stage};

const SEC: u64 = 1_000_000;

/// An HTTP endpoint scenario: 10 records/s in calls of 10 records of 1,000 B, a 60 s buffer,
/// the given destination fields, `services.http_endpoint` fields and faults.
fn http(duration: &str, dest: &str, service: &str, faults: &str) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "h", seed: 8, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000))],
    destination: HttpEndpoint(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60), {dest}),
    services: (http_endpoint: ({service})),
    faults: [{faults}],
)"#
    )
}

/// A Splunk scenario like [`http`].
fn splunk(duration: &str, dest: &str, service: &str, faults: &str) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "sp", seed: 8, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000))],
    destination: Splunk(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60), {dest}),
    services: (splunk: ({service})),
    faults: [{faults}],
)"#
    )
}

/// A request's attempts as (start us, end us, outcome).
type Tries = Vec<(u64, u64, Outcome)>;

/// Attempts per request: `(request, tries)`, in request order.
fn per_request(out: &RunOutput, stage: Stage) -> Vec<(u64, Tries)> {
    let mut v: Vec<(u64, Tries)> = Vec::new();
    for a in attempts(out, stage) {
        match v.iter_mut().find(|r| r.0 == a.0) {
            Some(r) => r.1.push((a.2, a.3, a.5)),
            None => v.push((a.0, vec![(a.2, a.3, a.5)])),
        }
    }
    v
}

const ONE_SECOND_RESPONSES: &str = r#"response_time: (base: "1s", per_mib: "0s"), jitter: 0.0"#;

/// H5: with jitter 0 and the endpoint down for the whole run, a request is tried 9 times
/// with a 300 s duration (pauses 1+2+4+...+64+120 = 247 s <= 300 < 367), 66 times with
/// 7,200 s (65 retries: 247 + 57 x 120 = 7,087 s <= 7,200 < 7,207) and once with 0 s; every
/// request that ran out of retries is skipped to S3 (H6).
#[test]
fn h5_attempts_per_skipped_request_follow_the_pause_budget() {
    for (duration, expected) in [(300, 9usize), (7200, 66), (0, 1)] {
        let out = run_text(&http(
            "12h",
            &format!("retry_options: (duration_in_seconds: {duration})"),
            ONE_SECOND_RESPONSES,
            "Outage(target: HttpEndpoint)",
        ));
        let reqs = per_request(&out, Stage::HttpEndpoint);
        let skipped = out.calls.http_endpoint.skipped_batches as usize;
        assert!(skipped >= 5, "{duration} s: {skipped} skipped");
        for (id, tries) in &reqs[..skipped] {
            assert_eq!(tries.len(), expected, "{duration} s, request {id}");
        }
        assert_eq!(
            out.calls.http_endpoint.max_attempts_per_batch,
            expected as u64
        );
        let h = out.http_endpoint.as_ref().unwrap();
        assert_eq!(h.max_attempts_per_skipped_request, expected as u64);
        let pauses = match duration {
            300 => 247.0,
            7200 => 7087.0,
            _ => 0.0,
        };
        assert_eq!(h.max_retry_pauses_seconds, pauses);
        assert_eq!(out.records.delivered, 0);
        assert!(out.records.skipped > 0);
    }
    // The first request's starts with 300 s: each pause after a 1 s attempt.
    let out = run_text(&http(
        "1h",
        "retry_options: (duration_in_seconds: 300)",
        ONE_SECOND_RESPONSES,
        "Outage(target: HttpEndpoint)",
    ));
    let reqs = per_request(&out, Stage::HttpEndpoint);
    let t0 = reqs[0].1[0].0;
    let starts: Vec<u64> = reqs[0].1.iter().map(|a| (a.0 - t0) / SEC).collect();
    assert_eq!(starts, vec![0, 2, 5, 10, 19, 36, 69, 134, 255]);
}

/// H5: jitter 0.15 keeps every pause within +-15% of the nominal one
/// (`min(120 s, 2^(k-1) s * j)`), and the attempt count is the same for the same seed.
#[test]
fn h5_jitter_stays_within_fifteen_percent_and_is_reproducible() {
    let text = http(
        "6h",
        "retry_options: (duration_in_seconds: 7200)",
        r#"response_time: (base: "1s", per_mib: "0s"), jitter: 0.15"#,
        "Outage(target: HttpEndpoint)",
    );
    let out = run_text(&text);
    let reqs = per_request(&out, Stage::HttpEndpoint);
    let mut checked = 0;
    for (_, tries) in &reqs {
        for (k, w) in tries.windows(2).enumerate() {
            let pause = (w[1].0 - w[0].1) as f64 / SEC as f64;
            let nominal = 2f64.powi(k as i32);
            let lo = (nominal * 0.85).min(120.0) - 1e-6;
            let hi = (nominal * 1.15).min(120.0) + 1e-6;
            assert!(
                (lo..=hi).contains(&pause),
                "retry {}: pause {pause} s not within [{lo}, {hi}]",
                k + 1
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} pauses checked");
    let again = run_text(&text);
    assert_eq!(
        per_request(&again, Stage::HttpEndpoint),
        reqs,
        "same seed, same pauses"
    );
    assert_eq!(out.calls.http_endpoint, again.calls.http_endpoint);
}

/// H5: the budget counts only the pauses. With a 170 s response per failing attempt and a
/// 300 s duration there are still 9 attempts, and a skipped request takes
/// 9 x 170 + 247 = 1,777 s from its first start to its skip (OpenSearch's first-start
/// counting, E2, would stop after 2 attempts, 341 s).
#[test]
fn h5_response_waits_do_not_count_against_the_duration() {
    let out = run_text(&http(
        "8h",
        "retry_options: (duration_in_seconds: 300)",
        r#"response_time: (base: "170s", per_mib: "0s"), jitter: 0.0"#,
        "Outage(target: HttpEndpoint)",
    ));
    let reqs = per_request(&out, Stage::HttpEndpoint);
    let skipped = out.calls.http_endpoint.skipped_batches as usize;
    assert!(skipped >= 3);
    for (_, tries) in &reqs[..skipped] {
        assert_eq!(tries.len(), 9);
        let span = tries[8].1 - tries[0].0;
        assert_eq!(span, 1_777 * SEC);
        assert!(tries.iter().all(|t| t.1 - t.0 == 170 * SEC));
    }
    assert_eq!(
        out.http_endpoint.as_ref().unwrap().max_seconds_to_skip,
        1777.0
    );
}

/// H3: an attempt slower than the 180 s response timeout fails at exactly 180 s.
#[test]
fn h3_responses_past_the_timeout_fail_at_180_s() {
    let out = run_text(&http(
        "2h",
        "retry_options: (duration_in_seconds: 0)",
        r#"response_time: (base: "200s", per_mib: "0s"), jitter: 0.0"#,
        "",
    ));
    let a = attempts(&out, Stage::HttpEndpoint);
    assert!(!a.is_empty());
    assert!(
        a.iter()
            .all(|x| x.5 == Outcome::Timeout && x.3 - x.2 == 180 * SEC)
    );
    assert_eq!(out.http_endpoint.as_ref().unwrap().timeouts, a.len() as u64);
    assert_eq!(out.records.delivered, 0);
}

/// H4: a request whose body exceeds `max_request_bytes` gets 413 at the end of its response
/// time: one attempt, counted failed but not skipped, no S3 write, its records `discarded`
/// (in `lost`); the next request starts then. With `AllData` the backup copies exist.
#[test]
fn h4_a_request_over_the_limit_is_discarded_in_one_attempt() {
    // 5 MiB buffers filled by calls of 100 records of 1,000 B: the 53rd call (5,300 records,
    // 5,300,000 B) reaches the hint (T2); the body is 7,066,667 + 339,200 + 100 B, more than
    // 4 MiB.
    let text = |backup: &str| {
        format!(
            r#"#![enable(implicit_some)]
Scenario(
    name: "h4", seed: 1, duration: "1h",
    sources: [DirectPut(name: "p", rate: Constant(1000.0), records_per_call: 100, record_bytes: Fixed(1000))],
    destination: HttpEndpoint(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 900), {backup}),
    services: (http_endpoint: (max_request_bytes: 4194304, jitter: 0.0)),
)"#
        )
    };
    let out = run_text(&text(""));
    let c = &out.calls.http_endpoint;
    assert!(c.batches >= 60, "{c:?}");
    assert_eq!(c.attempts, c.batches);
    assert_eq!(c.failed, c.batches);
    assert_eq!(c.skipped_batches, 0);
    assert!(
        attempts(&out, Stage::HttpEndpoint)
            .iter()
            .all(|a| a.5 == Outcome::RequestTooLarge)
    );
    assert_eq!(out.calls.s3_put.attempts, 0);
    let r = &out.records;
    assert_eq!(r.delivered, 0);
    assert_eq!(r.skipped, 0);
    assert!(r.discarded > 3_600_000 - 6_000, "{r:?}");
    assert_eq!(r.lost, r.discarded);
    assert_eq!(r.discarded + r.in_flight, r.produced);
    let h = out.http_endpoint.as_ref().unwrap();
    assert_eq!(h.requests_too_large, c.batches);
    assert_eq!(h.records_discarded, r.discarded);
    // The flushes carried 5,300 records each (B1), so each discard is one flush.
    assert_eq!(r.discarded % 5300, 0);
    let backed = run_text(&text("s3_backup_mode: AllData"));
    assert_eq!(backed.records.discarded, r.discarded);
    assert!(backed.records.backup_copies >= r.discarded);
}

/// H2: a flush is cut greedily into requests of at most 10,000 records: 12,000 records a
/// flush make a request of 10,000 and one of 2,000.
#[test]
fn h2_flushes_are_cut_into_requests_of_at_most_10000_records() {
    let out = run_text(
        r#"#![enable(implicit_some)]
Scenario(
    name: "h2", seed: 1, duration: "10m",
    sources: [DirectPut(name: "p", rate: Constant(200.0), records_per_call: 100, record_bytes: Fixed(100))],
    destination: HttpEndpoint(buffering_hints: (size_in_mbs: 64, interval_in_seconds: 60)),
)"#,
    );
    let a = attempts(&out, Stage::HttpEndpoint);
    let sizes: Vec<u64> = a.iter().map(|x| x.4).collect();
    assert_eq!(&sizes[..4], &[10_000, 2_000, 10_000, 2_000]);
    assert_eq!(out.calls.http_endpoint.batches, 18);
    assert_eq!(out.records.delivered, 9 * 12_000);
}

/// H2: a full 64 MiB buffer makes two requests: calls of 4 records of 1,024,000 B reach the
/// hint with the 17th call (68 records), and base64 and framing fit only
/// floor((64 MiB - 100) / (1,024,000 x 4/3 + 64)) = 49 records in a 64 MiB body.
#[test]
fn h2_a_full_64_mib_buffer_makes_two_requests() {
    let out = run_text(
        r#"#![enable(implicit_some)]
Scenario(
    name: "h2b", seed: 1, duration: "2m",
    sources: [DirectPut(name: "p", rate: Constant(4.0), records_per_call: 4, record_bytes: Fixed(1024000))],
    destination: HttpEndpoint(buffering_hints: (size_in_mbs: 64, interval_in_seconds: 900)),
)"#,
    );
    let a = attempts(&out, Stage::HttpEndpoint);
    let sizes: Vec<u64> = a.iter().map(|x| x.4).collect();
    assert_eq!(&sizes[..2], &[49, 19]);
}

/// H7: lost responses (`AckLost`) with a 300 s duration: each request is processed by all of
/// its 9 attempts; without de-duplication the 8 retries deliver it again (8 duplicates per
/// record), with de-duplication none. Firehose saw no `200`, so each request with no retry
/// left is still written to `http-endpoint-failed/` (H6): one object per skipped request,
/// whose records keep their fate, `delivered`.
#[test]
fn h7_request_ids_let_the_endpoint_deduplicate() {
    for (dedup, dups_per_record) in [(false, 8), (true, 0)] {
        let out = run_text(&http(
            "2h",
            "retry_options: (duration_in_seconds: 300)",
            &format!("{ONE_SECOND_RESPONSES}, deduplicates: {dedup}"),
            "AckLost(target: HttpEndpoint, probability: 1.0)",
        ));
        let r = &out.records;
        assert!(r.delivered > 10_000, "{r:?}");
        // Every request but the last (cut short by the end) made 9 attempts; each retry of a
        // 600-record request repeats it.
        let reqs = per_request(&out, Stage::HttpEndpoint);
        let (last, done) = reqs.split_last().unwrap();
        assert!(done.iter().all(|(_, t)| t.len() == 9));
        assert_eq!(r.delivered, 600 * reqs.len() as u64);
        let repeats = 8 * done.len() as u64 + last.1.len() as u64 - 1;
        assert_eq!(
            r.duplicates,
            dups_per_record / 8 * 600 * repeats,
            "dedup {dedup}"
        );
        assert_eq!(r.skipped, 0);
        let skipped = out.calls.http_endpoint.skipped_batches;
        assert_eq!(skipped, done.len() as u64);
        assert_eq!(out.calls.s3_put.attempts, skipped);
        assert_eq!(out.calls.http_endpoint.max_attempts_per_batch, 9);
    }
}

/// H6: a skipped request's records go to S3 and the next request waits until they are
/// written (T10): with S3 down as well, nothing moves past the first request.
#[test]
fn h6_the_next_request_waits_for_the_skipped_object() {
    let out = run_text(&http(
        "1h",
        "retry_options: (duration_in_seconds: 0)",
        ONE_SECOND_RESPONSES,
        "Outage(target: HttpEndpoint), Outage(target: S3)",
    ));
    assert_eq!(out.calls.http_endpoint.batches, 1);
    assert_eq!(out.calls.http_endpoint.skipped_batches, 1);
    assert_eq!(out.records.skipped, 0);
    assert!(out.calls.s3_put.attempts > 100);
}

/// H6, T10, T12: a request whose lost responses delivered every record is still skipped to
/// S3 when no retry is left, and the next request waits for that object: with S3 down, one
/// request in all. Its delivered records never expire (T12: they are at the destination), so
/// the object is retried, not dropped, even past a 5 s retention (a batch of records that
/// can expire would be dropped empty and the next request would start).
#[test]
fn h6_a_processed_request_with_no_retry_left_still_waits_for_its_object() {
    let out = run_text(
        r#"#![enable(implicit_some)]
Scenario(
    name: "h6", seed: 8, duration: "10m",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000))],
    stream: (retention: "5s"),
    destination: HttpEndpoint(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60),
                              retry_options: (duration_in_seconds: 0)),
    services: (http_endpoint: (response_time: (base: "1s", per_mib: "0s"), jitter: 0.0)),
    faults: [AckLost(target: HttpEndpoint, probability: 1.0), Outage(target: S3)],
)"#,
    );
    let c = &out.calls.http_endpoint;
    assert_eq!((c.batches, c.skipped_batches), (1, 1));
    // The flush at 60 s: at its attempt the records of 0-55 s are 5 s old and expire
    // first (T12), the 40 of 56-59 s are delivered by the lost response.
    assert_eq!(out.records.delivered, 40);
    assert!(out.calls.s3_put.attempts > 50);
    assert_eq!(out.records.skipped, 0);
}

/// SP2: acknowledgement times past the timeout fail at exactly the timeout (180 s). Under a
/// `Slow` fault for the first 10 minutes the 100 s acknowledgements take 200 s; later
/// attempts succeed. With `indexed_on_ack_timeout: 1.0` every event delivered after timed-out
/// attempts has one duplicate per such attempt; with 0.0 none.
#[test]
fn sp2_ack_timeouts_fail_at_the_timeout_and_may_have_indexed() {
    let run_with = |p: f64| {
        run_text(&splunk(
            "2h",
            "retry_options: (duration_in_seconds: 3600)",
            &format!(
                r#"ack_time: (base: "100s", per_mib: "0s"), jitter: 0.0, indexed_on_ack_timeout: {p}"#
            ),
            r#"Slow(target: Splunk, factor: 2.0, from: "0s", until: "10m")"#,
        ))
    };
    let indexed = run_with(1.0);
    let reqs = per_request(&indexed, Stage::Splunk);
    let mut expected_dups = 0;
    let mut retried = 0;
    for (_, tries) in &reqs {
        for t in tries {
            if t.2 != Outcome::Ok {
                assert_eq!(t.1 - t.0, 180 * SEC);
                assert_eq!(t.2, Outcome::TimeoutIndexed);
            }
        }
        let timeouts = tries.iter().filter(|t| t.2 != Outcome::Ok).count() as u64;
        if tries.last().map(|t| t.2) == Some(Outcome::Ok) && timeouts > 0 {
            retried += 1;
            // Each request here holds the 600 records of one 60 s flush.
            expected_dups += 600 * timeouts;
        }
    }
    assert!(retried >= 1);
    assert_eq!(indexed.records.duplicates, expected_dups);
    let s = indexed.splunk.as_ref().unwrap();
    assert_eq!(s.ack_timeouts, s.indexed_on_timeout);
    let none = run_with(0.0);
    assert_eq!(none.records.duplicates, 0);
    assert_eq!(none.records.delivered, indexed.records.delivered);
    assert_eq!(none.splunk.as_ref().unwrap().indexed_on_timeout, 0);
    assert!(
        attempts(&none, Stage::Splunk)
            .iter()
            .all(|a| a.5 == Outcome::Ok || a.5 == Outcome::Timeout)
    );
}

/// SP1: the duration excludes acknowledgement waits. With 300 s and a 600 s timeout, a
/// request whose acknowledgements never come is tried 9 times over 9 x 600 + 247 = 5,647 s
/// (about 94 minutes) before it is skipped; with `indexed_on_ack_timeout: 1.0` each of its
/// events is then both in Splunk (9 copies) and in S3 (`splunk.indexed_then_skipped`).
#[test]
fn sp1_nine_attempts_of_600_s_acknowledgement_waits() {
    let out = run_text(&splunk(
        "6h",
        "hec_acknowledgment_timeout_in_seconds: 600, retry_options: (duration_in_seconds: 300)",
        r#"ack_time: (base: "700s", per_mib: "0s"), jitter: 0.0, indexed_on_ack_timeout: 1.0"#,
        "",
    ));
    let reqs = per_request(&out, Stage::Splunk);
    let skipped = out.calls.splunk.skipped_batches as usize;
    assert!(skipped >= 2);
    for (_, tries) in &reqs[..skipped] {
        assert_eq!(tries.len(), 9);
        assert_eq!(tries[8].1 - tries[0].0, 5_647 * SEC);
    }
    let s = out.splunk.as_ref().unwrap();
    assert_eq!(s.indexed_then_skipped, 9 * out.records.skipped);
    assert_eq!(out.records.delivered, 0);
}

/// H1, SP1: a partner preset gives AWS's recommended size hint (Datadog 4 MiB, New Relic and
/// Sumo Logic 1 MiB; others 5 MiB, 300 s), a field given in the file wins, and Splunk
/// defaults to 5 MiB and 60 s. The flushes follow: a Datadog stream flushes 4 MiB.
#[test]
fn h1_presets_give_the_recommended_hints() {
    let hints = |dest: &str| {
        let text = format!(
            r#"#![enable(implicit_some)]
Scenario(name: "p", seed: 1, duration: "1m",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10)],
    destination: {dest})"#
        );
        let h = scenario(&text).destination.buffering_hints();
        (h.size_in_mbs, h.interval_in_seconds)
    };
    assert_eq!(hints("HttpEndpoint(endpoint: Datadog)"), (4, 300));
    assert_eq!(hints("HttpEndpoint(endpoint: NewRelic)"), (1, 300));
    assert_eq!(hints("HttpEndpoint(endpoint: SumoLogic)"), (1, 300));
    assert_eq!(hints("HttpEndpoint(endpoint: Honeycomb)"), (5, 300));
    assert_eq!(hints("HttpEndpoint()"), (5, 300));
    assert_eq!(
        hints("HttpEndpoint(endpoint: Datadog, buffering_hints: (interval_in_seconds: 60))"),
        (4, 60)
    );
    assert_eq!(
        hints("HttpEndpoint(endpoint: NewRelic, buffering_hints: (size_in_mbs: 3))"),
        (3, 300)
    );
    assert_eq!(hints("Splunk()"), (5, 60));
    let out = run_text(
        r#"#![enable(implicit_some)]
Scenario(name: "dd", seed: 1, duration: "10m",
    sources: [DirectPut(name: "p", rate: Constant(4000.0), records_per_call: 100, record_bytes: Fixed(1000))],
    destination: HttpEndpoint(endpoint: Datadog))"#,
    );
    // 4 MiB = 4,194,304 B: the 42nd call of 100,000 B reaches it (T2), 4,200 records a flush.
    let f = flushes(&out);
    assert!(f.len() > 100);
    assert!(f.iter().all(|x| x.2 == 4_200));
}
