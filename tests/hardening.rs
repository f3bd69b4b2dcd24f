//! Every input a user controls has a limit, and breaking one is exit 2 with the place and the
//! limit: one test per failure a fuzzing campaign found, each with its reproducer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");

/// A fresh folder for one test, with the quickstart scenario in it as `qs.ron`.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("firehose-hard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("scenarios/quickstart.ron"), d.join("qs.ron")).unwrap();
    d
}

fn sim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, no panic, and `expected` in the message.
fn refused(o: &Output, expected: &str) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!e.contains("panicked") && !e.contains("overflowed"), "{e}");
    assert!(e.contains(expected), "wanted `{expected}` in: {e}");
    e
}

/// A Redshift scenario with a `check` section `check`.
fn check_file(dir: &Path, check: &str) -> String {
    let text = format!(
        "#![enable(implicit_some)]\nScenario(name: \"c\", duration: \"10m\", sources: [DirectPut(name: \"p\", rate: Constant(100.0))],\n  destination: Redshift(), check: ({check}))\n"
    );
    std::fs::write(dir.join("c.ron"), text).unwrap();
    "c.ron".into()
}

/// Item 1: 12,000 nested parentheses, and 60,000 comparisons joined by `&&` in the file, are
/// refused with the limit and a column instead of overflowing the stack.
#[test]
fn a_deep_or_long_property_is_refused_at_its_column() {
    let dir = scratch("property");
    let deep = format!(
        "{}records.lost == 0{}",
        "(".repeat(12_000),
        ")".repeat(12_000)
    );
    let o = sim(&dir, &["check", "qs.ron", "--property", &deep]);
    refused(
        &o,
        "column 4097: the property is 24017 characters long: allowed at most 4096",
    );
    let nested = format!("{}records.lost == 0{}", "(".repeat(33), ")".repeat(33));
    let o = sim(&dir, &["check", "qs.ron", "--property", &nested]);
    refused(
        &o,
        "column 33: parentheses nested 33 deep: allowed at most 32",
    );
    let long = vec!["records.lost == 0"; 60_000].join(" && ");
    let f = check_file(&dir, &format!("property: \"{long}\""));
    let o = sim(&dir, &["check", &f]);
    // Line 3; the property's text starts after `  destination: Redshift(), check: (property: "`.
    refused(&o, "c.ron:3:4143: check.property \"records.lost == 0 && ");
    // Within the limits the same property is accepted (32 levels) and the search runs.
    let ok = format!("{}records.lost == 0{}", "(".repeat(32), ")".repeat(32));
    let o = sim(
        &dir,
        &["check", "qs.ron", "--property", &ok, "--cases", "1"],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("check quickstart: property `((("));
}

/// Item 3 (X1): an empty fault space, or one whose kinds cannot act on its targets, is not
/// "no violation in 256 cases" but exit 2 naming the pairs the scenario allows.
#[test]
fn a_check_that_would_test_nothing_is_refused() {
    let dir = scratch("space");
    let possible = "possible here: Ingest (Outage, Errors, Slow, AckLost, Throttle); S3 (Outage, Errors, Slow, AckLost); Redshift (Outage, Errors, Slow, AckLost)";
    let f = check_file(&dir, "property: \"no-loss\", targets: []");
    let e = refused(&sim(&dir, &["check", &f]), "check.targets: an empty list");
    assert!(e.contains("c.ron:3:") && e.contains(possible), "{e}");
    let f = check_file(&dir, "property: \"no-loss\", kinds: []");
    refused(&sim(&dir, &["check", &f]), "check.kinds: an empty list");
    let f = check_file(&dir, "property: \"no-loss\"");
    let o = sim(
        &dir,
        &["check", &f, "--targets", "Redshift", "--kinds", "Throttle"],
    );
    let e = refused(
        &o,
        "--kinds: no fault of kinds Throttle can act on targets Redshift",
    );
    assert!(e.contains(possible), "{e}");
    // One applicable pair is enough.
    let o = sim(
        &dir,
        &[
            "check",
            &f,
            "--targets",
            "Redshift,Ingest",
            "--kinds",
            "Throttle",
            "--cases",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn sweep_file(dir: &Path, body: &str) -> String {
    std::fs::write(dir.join("s.ron"), body).unwrap();
    "s.ron".into()
}

const SIZE: &str = "destination.buffering_hints.size_in_mbs";

/// Items 4 and 6: a grid past the run limit is refused before anything is built (no memory
/// use: the answer comes at once), and a `Range` past 10,000 values says so, with the same
/// number as the limit.
#[test]
fn sweep_grids_and_ranges_have_limits_that_agree_with_their_messages() {
    let dir = scratch("grid");
    let axis = |field: &str| format!("(field: \"{field}\", values: Range(1, 10000, 1))");
    let f = sweep_file(
        &dir,
        &format!(
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [{}, {}], outputs: [\"s3.objects\"])",
            axis(SIZE),
            axis("destination.buffering_hints.interval_in_seconds")
        ),
    );
    refused(
        &sim(&dir, &["sweep", &f]),
        "s.ron:1:44: 10000 x 10000 points x 3 seeds = 300000000 runs: allowed at most 100000",
    );
    let f = sweep_file(
        &dir,
        &format!(
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"{SIZE}\", values: Range(1, 10001, 1))], outputs: [\"s3.objects\"])"
        ),
    );
    refused(
        &sim(&dir, &["sweep", &f]),
        "Range(1, 10001, 1) gives 10001 values: allowed at most 10000 per axis",
    );
}

/// Item 6: `Range(` in a comment or a string is text, not a range.
#[test]
fn range_is_a_value_not_a_text_substitution() {
    let dir = scratch("range");
    let f = sweep_file(
        &dir,
        &format!(
            "// see Range(x\nSweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"{SIZE}\", values: Range(1, 5, 4))], outputs: [\"s3.objects\"], seeds: 1)"
        ),
    );
    let o = sim(&dir, &["sweep", &f, "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(
        csv.starts_with(&format!("{SIZE},seed,s3.objects\n1,")),
        "{csv}"
    );
    assert!(csv.contains("\n5,"), "{csv}");
    // A string that looks like a range stays a string (here a name that is refused as such).
    let f = sweep_file(
        &dir,
        &format!(
            "Sweep(name: \"Range(1,2,1)\", scenario: \"qs.ron\", axes: [(field: \"{SIZE}\", values: [1])], outputs: [\"s3.objects\"])"
        ),
    );
    refused(
        &sim(&dir, &["sweep", &f]),
        "s.ron:1:13: \"Range(1,2,1)\" names the output folder",
    );
}

/// Item 7: every sweep error names the sweep file, line and column of the axis or value at
/// fault, a non-UTF-8 sweep file included.
#[test]
fn sweep_errors_name_the_file_line_and_column() {
    let dir = scratch("places");
    let cases = [
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"destination.nope\", values: [1, 2])], outputs: [\"s3.objects\"])",
            "error: s.ron:1:53: axis 1 value 1: `destination.nope`: the scenario has no field `nope` there",
        ),
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\",\n  axes: [(field: \"destination.buffering_hints.size_in_mbs\", values: [1, 500])], outputs: [\"s3.objects\"])",
            "error: s.ron:2:73: at destination.buffering_hints.size_in_mbs = 500:",
        ),
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"destination.buffering_hints.size_in_mbs\", values: [1])],\n  outputs: [\"s3.objects\", \"s3.nope\"])",
            "error: s.ron:2:27: output `s3.nope`: the report has no field `nope` there",
        ),
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"destination.buffering_hints.size_in_mbs\", values: 5)], outputs: [\"s3.objects\"])",
            "error: s.ron:1:104: values: expected a list",
        ),
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"seed\", values: [1])], outputs: [\"s3.objects\"])",
            "error: s.ron:1:53: the seed is not an axis",
        ),
        (
            "Sweep(name: \"b\", scenario: \"qs.ron\", axes: [(field: \"destination.buffering_hints.size_in_mbs\", values: [1])], outputs: [\"s3.objects\"], seeds: 0)",
            "error: s.ron:1:143: 0 is out of range: allowed 1 to 100",
        ),
    ];
    for (body, expected) in cases {
        let f = sweep_file(&dir, body);
        refused(&sim(&dir, &["sweep", &f]), expected);
    }
    std::fs::write(dir.join("s.ron"), b"Sweep(name: \"b\xff\")").unwrap();
    refused(
        &sim(&dir, &["sweep", "s.ron"]),
        "error: s.ron:1:15: the file is not UTF-8 text",
    );
}

/// Item 5: `--jobs` beyond 8 per core is refused at once, naming the limit.
#[test]
fn jobs_have_a_limit_per_core() {
    let dir = scratch("jobs");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let o = sim(&dir, &["sweep", "s.ron", "--jobs", "100000"]);
    refused(
        &o,
        &format!(
            "--jobs 100000: allowed 0 (one thread per core) to {} (8 per core",
            8 * cores
        ),
    );
}

/// Item 8: an integer beyond its type names the field and its range.
#[test]
fn an_integer_out_of_bounds_names_the_field_and_the_range() {
    let dir = scratch("bounds");
    for (field, expected) in [
        (
            "seed: 18446744073709551616",
            "`seed`: 18446744073709551616 is out of range: allowed 0 to 18446744073709551615",
        ),
        (
            "seed: -1",
            "`seed`: -1 is out of range: allowed 0 to 18446744073709551615",
        ),
    ] {
        std::fs::write(
            dir.join("b.ron"),
            format!("#![enable(implicit_some)]\nScenario(name: \"x\", {field}, sources: [DirectPut(name: \"p\", rate: Constant(1.0))], destination: S3())\n"),
        )
        .unwrap();
        let e = refused(&sim(&dir, &["run", "b.ron"]), expected);
        assert!(e.contains("b.ron:2:"), "{e}");
    }
}

/// Item 9: a run that produced nothing says so plainly, and `check --out` does not replace a
/// file unless told to.
#[test]
fn an_empty_run_and_an_existing_out_file() {
    let dir = scratch("small");
    std::fs::write(
        dir.join("e.ron"),
        "#![enable(implicit_some)]\nScenario(name: \"x\", duration: \"1s\", sources: [DirectPut(name: \"p\", rate: Steps([(\"0s\", 0.0)]))], destination: S3())\n",
    )
    .unwrap();
    let o = sim(&dir, &["run", "e.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("The run produced no records"), "{text}");
    std::fs::write(dir.join("keep.ron"), "mine").unwrap();
    let o = sim(
        &dir,
        &[
            "check",
            "qs.ron",
            "--property",
            "no-loss",
            "--out",
            "keep.ron",
        ],
    );
    refused(
        &o,
        "--out keep.ron: the file exists: give --force to replace it",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.ron")).unwrap(),
        "mine"
    );
}
