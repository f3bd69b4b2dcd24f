//! `firehose-sim explain`: one record's path, step by step, as the rules give it.

use firehose_sim::engine::SimTime;
use firehose_sim::model::{Focus, Outcome, RunOptions, Stage};
use firehose_sim::scenario;
use firehose_sim::study::explain::{Step, explain};
use std::path::Path;
use std::process::Command;

fn load(name: &str) -> scenario::Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    scenario::load(&root.join("scenarios").join(name)).unwrap()
}

fn attempts(steps: &[Step], stage: Stage) -> Vec<&Step> {
    steps
        .iter()
        .filter(|s| s.kind == "attempt" && s.stage == Some(stage))
        .collect()
}

/// R3, R4: a record of `redshift-outage.ron` ingested during the 3 h outage: its COPY batch
/// is tried 12 times, each attempt 300 s after the previous one's start, all failed by the
/// Redshift outage, then skipped.
#[test]
fn r3_a_skipped_record_shows_twelve_copy_attempts_300_s_apart() {
    let x = explain(&load("redshift-outage.ron"), Focus::Record(2_000_000)).unwrap();
    assert_eq!(x.steps[0].kind, "ingest");
    let copies = attempts(&x.steps, Stage::RedshiftCopy);
    assert_eq!(copies.len(), 12);
    for (k, w) in copies.windows(2).enumerate() {
        assert_eq!(
            w[1].at_seconds - w[0].at_seconds,
            300.0,
            "attempt {}",
            k + 2
        );
        assert_eq!(w[1].attempt, Some(k as u32 + 2));
    }
    assert!(copies.iter().all(|a| a.outcome == Some(Outcome::Failed)));
    assert!(copies[0].what.contains("fault Outage on Redshift"));
    assert_eq!(x.steps.iter().filter(|s| s.kind == "pause").count(), 11);
    assert_eq!(x.fate, "skipped");
    assert_eq!(x.latency_seconds, None);
    assert_eq!(x.steps.last().unwrap().kind, "fate");
}

/// I4, S1, T12: record 0 of `s3-outage-25h.ron`: its object is tried every 5 s after each
/// failed PUT ends (S1) until, at the first attempt that starts 24 h after its ingest, it
/// expires (T12).
#[test]
fn i4_an_expired_record_is_retried_until_its_age_reaches_24_h() {
    let x = explain(&load("s3-outage-25h.ron"), Focus::Record(0)).unwrap();
    let puts = attempts(&x.steps, Stage::S3);
    assert!(puts.len() > 16_000, "{}", puts.len());
    for w in puts.windows(2) {
        let pause = w[1].at_seconds - w[0].end_seconds.unwrap();
        assert!((pause - 5.0).abs() < 1e-6, "{pause}");
    }
    let expired = x.steps.iter().find(|s| s.kind == "expired").unwrap();
    assert!(expired.at_seconds >= 86_400.0 && expired.at_seconds < 86_400.0 + 5.2);
    assert!(puts.last().unwrap().at_seconds < 86_400.0);
    assert_eq!(x.fate, "expired");
}

/// F4: a delivered record's latency is its first delivery minus its ingest; `--at` follows
/// every record ingested at that instant (one call of the quickstart's producer).
#[test]
fn f4_a_delivered_record_shows_its_latency() {
    let s = load("quickstart.ron");
    let x = explain(&s, Focus::At(SimTime(0))).unwrap();
    assert_eq!(x.fate, "delivered");
    let l = x.latency_seconds.unwrap();
    let flush = x.steps.iter().find(|s| s.kind == "flush").unwrap();
    let put = attempts(&x.steps, Stage::S3)
        .into_iter()
        .find(|a| a.outcome == Some(Outcome::Ok))
        .unwrap();
    assert!(flush.at_seconds <= put.at_seconds);
    assert_eq!(l, put.end_seconds.unwrap());
}

/// A focused run keeps only the followed record's steps: the quickstart's full trace has
/// thousands of events, the focused one a handful.
#[test]
fn a_focused_run_traces_only_the_followed_batches() {
    let s = load("quickstart.ron");
    let full = firehose_sim::simulate(
        &s,
        &RunOptions {
            trace: true,
            ..Default::default()
        },
    )
    .unwrap();
    let focused = firehose_sim::simulate(
        &s,
        &RunOptions {
            focus: Some(Focus::Record(1234)),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(full.trace.len() > 1000, "{}", full.trace.len());
    assert!(focused.trace.len() < 20, "{:?}", focused.trace);
    assert_eq!(focused.records, full.records);
}

/// The command: text by default, JSON on request, exit 2 for a record that does not exist.
#[test]
fn explain_command_prints_text_and_json_and_rejects_unknown_records() {
    let bin = env!("CARGO_BIN_EXE_firehose-sim");
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let text = run(&["explain", "scenarios/quickstart.ron", "--record", "5"]);
    assert!(text.status.success());
    let t = String::from_utf8(text.stdout).unwrap();
    assert!(
        t.starts_with("firehose-sim explain: record 5 of quickstart"),
        "{t}"
    );
    assert!(t.contains("fate: delivered, latency"), "{t}");
    let json = run(&[
        "explain",
        "scenarios/quickstart.ron",
        "--record",
        "5",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["fate"], "delivered");
    let bad = run(&[
        "explain",
        "scenarios/quickstart.ron",
        "--record",
        "99999999999",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let e = String::from_utf8(bad.stderr).unwrap();
    assert!(e.contains("no record 99999999999"), "{e}");
}

/// The swimlane SVG: one lane per call the record met, its attempts as bars, a legend.
#[test]
fn the_swimlane_svg_has_a_lane_per_call() {
    let x = explain(&load("redshift-outage.ron"), Focus::Record(2_000_000)).unwrap();
    let svg = x.to_svg().unwrap();
    assert!(svg.starts_with("<svg"));
    for lane in ["buffer", "S3 PUT", "Redshift COPY", "Failed", "pause"] {
        assert!(svg.contains(lane), "{lane}");
    }
    // Bars plus one legend swatch each: 12 failed COPY attempts (red), 11 pauses and the
    // swatch (grey), the flush (blue), the written PUT (green).
    let fill = |c: &str| svg.matches(&format!("fill=\"#{c}\"")).count();
    assert_eq!(fill("D62728"), 12 + 1);
    assert_eq!(fill("C8C8C8"), 11 + 1);
    assert_eq!(fill("1F77B4"), 1 + 1);
    assert_eq!(fill("2CA02C"), 1 + 1);
}

/// I2, I3: a record of `throttled-producer.ron` sent in the 3x burst: every call of its run
/// is over the quota, so it is tried `max_retries` + 1 = 4 times, each resend after a
/// full-jitter pause of at most 100 ms x 2^(n-1) that ends at the next attempt, and it is
/// rejected when the fourth call returns.
#[test]
fn i3_a_rejected_record_shows_four_refused_calls_and_three_resend_pauses() {
    let x = explain(&load("throttled-producer.ron"), Focus::Record(2_600_000)).unwrap();
    let refused: Vec<&Step> = x.steps.iter().filter(|s| s.kind == "ingest").collect();
    assert_eq!(refused.len(), 4);
    for (k, s) in refused.iter().enumerate() {
        assert_eq!(s.attempt, Some(k as u32 + 1));
        assert!(
            s.what
                .contains("100 records left out, over the stream's quota (I2)"),
            "{}",
            s.what
        );
    }
    let pauses: Vec<&Step> = x.steps.iter().filter(|s| s.kind == "pause").collect();
    assert_eq!(pauses.len(), 3);
    for (k, p) in pauses.iter().enumerate() {
        let end = p.end_seconds.unwrap();
        assert!(end - p.at_seconds <= 0.1 * 2f64.powi(k as i32) + 1e-9);
        assert!((end - refused[k + 1].at_seconds).abs() < 1e-9);
    }
    assert_eq!(x.fate, "rejected");
    let fate = x.steps.last().unwrap();
    assert_eq!(fate.kind, "fate");
    assert_eq!(fate.at_seconds, refused[3].at_seconds);
}

/// I3 with an `Ingest` outage: the first call fails with the fault named, the producer
/// resends after a pause, and the record gets in once the outage is over.
#[test]
fn i3_a_failed_call_names_its_fault_and_the_resend_gets_in() {
    let text = r#"#![enable(implicit_some)]
Scenario(
    name: "ingest-outage", seed: 2, duration: "10m",
    sources: [DirectPut(name: "p", rate: Constant(10.0), records_per_call: 10, record_bytes: Fixed(1000),
        max_retries: 3, backoff: (initial: "2s", max: "20s"))],
    destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60)),
    faults: [Outage(target: Ingest, from: "0s", until: "100ms")],
)"#;
    let s = scenario::parse(text, "t.ron").unwrap();
    let x = explain(&s, Focus::Record(0)).unwrap();
    assert_eq!(x.steps[0].kind, "ingest");
    assert!(
        x.steps[0].what.starts_with(
            "PutRecordBatch attempt 1: 10 records left out, the call failed; fault Outage on Ingest"
        ),
        "{}",
        x.steps[0].what
    );
    assert_eq!(x.steps[1].kind, "pause");
    let resent_at = x.steps[1].end_seconds.unwrap();
    let ingested = x
        .steps
        .iter()
        .find(|s| s.what.starts_with("ingested after a resend"))
        .unwrap();
    assert_eq!(ingested.at_seconds, resent_at);
    assert!(
        resent_at >= 0.1,
        "the resend is after the outage: {resent_at}"
    );
    assert_eq!(x.fate, "delivered");
}

/// T11: a record of `quickstart.ron` flushed during the S3 outage waits in the bucket's one
/// queue until the head object is written after the outage: the wait is a step, from the
/// flush to the first attempt.
#[test]
fn t11_a_batch_behind_a_failing_head_shows_its_wait() {
    let x = explain(&load("quickstart.ron"), Focus::Record(1_440_000)).unwrap();
    let wait = x.steps.iter().find(|s| s.kind == "wait").unwrap();
    let flush = x.steps.iter().find(|s| s.kind == "flush").unwrap();
    let first = attempts(&x.steps, Stage::S3)[0];
    assert_eq!(wait.at_seconds, flush.at_seconds);
    assert_eq!(wait.end_seconds, Some(first.at_seconds));
    // The outage ends at 3 h: the wait ends after it.
    assert!(first.at_seconds >= 3.0 * 3600.0);
    assert!(wait.what.contains("(T11)"));
}

/// T1: with Poisson arrivals no call falls on 2h exactly; the error names the nearest ingests,
/// and the later one can be followed.
#[test]
fn t1_explain_at_names_the_nearest_ingests() {
    let s = load("quickstart.ron");
    let t = |x: &str| SimTime(firehose_sim::engine::SimDuration::parse(x).unwrap().0);
    let e = explain(&s, Focus::At(t("2h"))).unwrap_err();
    assert!(
        e.contains("the nearest ingests were at 1h59m59.514786s and 2h00m00.040492s"),
        "{e}"
    );
    let x = explain(&s, Focus::At(t("2h00m00.040492s"))).unwrap();
    assert_eq!(x.steps[0].kind, "ingest");
}
