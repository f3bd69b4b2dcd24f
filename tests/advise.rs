//! `firehose-sim advise`: the choice follows from the rules.

use firehose_sim::scenario;
use firehose_sim::study::advise::{parse_vary, run};
use firehose_sim::study::check::Property;
use std::process::Command;

/// Redshift with COPY outages of up to 1 h (R3, T3). A COPY is retried every 300 s from its
/// first attempt's start while the retry duration lasts: with 3600 s the last retry starts
/// 3300 s after the first, inside an outage of an hour that began at the first attempt, so the
/// batch can be skipped; with 3900 s a retry starts 3600 s after the first, when any outage of
/// at most an hour that covered the first attempt is over. 1800 s skips too.
const SCENARIO: &str = r#"#![enable(implicit_some)]
Scenario(
    name: "advise-r3", seed: 3, duration: "6h",
    sources: [DirectPut(name: "o", rate: Constant(50.0), records_per_call: 50, record_bytes: Fixed(1024))],
    destination: Redshift(s3_buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60)),
    check: (property: "no-skip", targets: [Redshift], kinds: [Outage], max_outage: "1h", max_faults: 1),
)"#;

fn advise(values: &str) -> firehose_sim::study::advise::Advice {
    let s = scenario::parse(SCENARIO, "t.ron").unwrap();
    let axes = [parse_vary(&format!(
        "destination.retry_options.duration_in_seconds={values}"
    ))
    .unwrap()];
    run(
        &s,
        &axes,
        &Property::parse("no-skip").unwrap(),
        64,
        3,
        0,
        false,
    )
    .unwrap()
}

/// R3: of 1800, 3600, 3900 and 7200 s, the two shorter ones skip under some outage of at
/// most an hour and the two longer ones never do; they cost the same (a retry duration costs
/// nothing), so the tie goes to the first listed: 3900.
#[test]
fn r3_advise_picks_3900_s_for_outages_up_to_an_hour() {
    let a = advise("1800,3600,3900,7200");
    let holds: Vec<bool> = a.rows.iter().map(|r| r.holds).collect();
    assert_eq!(holds, vec![false, false, true, true]);
    assert!(
        a.rows[1]
            .counterexample
            .as_ref()
            .is_some_and(|f| f[0].contains("Outage on Redshift"))
    );
    assert_eq!(a.rows[2].monthly_usd, a.rows[3].monthly_usd);
    assert_eq!(
        a.choice,
        Some(vec![(
            "destination.retry_options.duration_in_seconds".to_string(),
            "3900".to_string()
        )])
    );
    // The tie-break is the order given: listed first, 7200 is the choice.
    let b = advise("7200,3900");
    assert_eq!(b.choice.unwrap()[0].1, "7200");
}

/// When no combination holds, there is no choice and the exit code is 1; the closest row is
/// the one that held for the most cases.
#[test]
fn r3_no_combination_holds_exit_1_with_the_closest() {
    let a = advise("600,1800");
    assert!(a.choice.is_none());
    assert!(a.closest.is_some());
    let dir = std::env::temp_dir().join(format!("advise-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.ron");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
        .arg("advise")
        .arg(&file)
        .args([
            "--vary",
            "destination.retry_options.duration_in_seconds=600,1800",
            "--cases",
            "64",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["choice"].is_null());
    assert_eq!(json["rows"].as_array().unwrap().len(), 2);
    // A bad --vary is exit 2.
    let bad = Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
        .arg("advise")
        .arg(&file)
        .args(["--vary", "destination.no_such_field=1,2"])
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README shows the bundled advice's current verdict (the gallery test keeps
/// `reports/advise-redshift/advise.md` current).
#[test]
fn readme_shows_the_bundled_advice() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(root.join("reports/advise-redshift/advise.md")).unwrap();
    let verdict = md.lines().find(|l| l.starts_with("choice:")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(verdict), "README lacks: {verdict}");
    assert!(verdict.contains("duration_in_seconds = 7200"));
}
