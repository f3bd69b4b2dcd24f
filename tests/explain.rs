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
