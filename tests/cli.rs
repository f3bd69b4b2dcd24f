//! The command line as a newcomer meets it: checked writes, outputs outside the repository,
//! and error messages that say how to fix the input (each with its exact text).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder for one test, used as the child's current directory and TMPDIR.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("firehose-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A scratch folder `name` holding the scenario `text` as `name.ron`, and that file's path.
fn scenario_file(name: &str, text: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

fn sim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .output()
        .unwrap()
}

/// The path of a bundled scenario, as an argument.
fn bundled(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scenario file in `dir` from a text with `{}` where `field` goes.
fn scenario_with(dir: &Path, field: &str) -> String {
    let path = dir.join("s.ron");
    std::fs::write(
        &path,
        format!(
            "#![enable(implicit_some)]\nScenario(name: \"x\", {field}, sources: [DirectPut(name: \"p\", rate: Constant(1.0))], destination: S3())\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// A full stdout is an error (exit 1, named); a reader that goes away is not.
#[test]
fn writes_to_a_full_stdout_fail_and_a_closed_pipe_stays_quiet() {
    let quickstart = root().join("scenarios/quickstart.ron");
    for args in [
        vec!["run"],
        vec!["run", "--format", "json"],
        vec!["validate"],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let o = Command::new(BIN)
            .args(&args)
            .arg(&quickstart)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&o).contains("error: cannot write standard output: No space left on device"),
            "{}",
            stderr(&o)
        );
    }
    // `| head -1`: read one line, close the pipe.
    let mut child = Command::new(BIN)
        .arg("run")
        .arg(&quickstart)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(line.starts_with("firehose-sim: quickstart"));
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// A stderr that cannot be written never panics (exit 2 for a missing file, not 101).
#[test]
fn a_full_stderr_keeps_the_exit_code() {
    let full = std::fs::File::create("/dev/full").unwrap();
    let o = Command::new(BIN)
        .args(["run", "missing.ron"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Without `--out`, `sweep` and `check` write into the temporary folder, named on stderr;
/// nothing appears in the current directory (in a clone, the repository).
#[test]
fn default_outputs_stay_out_of_the_current_directory() {
    let dir = scratch("outputs");
    std::fs::copy(
        root().join("scenarios/check-redshift.ron"),
        dir.join("c.ron"),
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.ron"),
        r#"Sweep(name: "tiny", scenario: "c.ron",
  axes: [(field: "destination.retry_options.duration_in_seconds", values: [0, 7200])],
  seeds: 1, outputs: ["records.skipped"])"#,
    )
    .unwrap();
    let o = sim(&dir, &["sweep", "sw.ron", "--jobs", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tmp = dir.join("firehose-sim");
    assert!(tmp.join("tiny/sweep.csv").exists());
    assert!(stderr(&o).contains(&tmp.join("tiny").display().to_string()));
    let o = sim(&dir, &["check", "c.ron", "--property", "no-skip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(tmp.join("c.counterexample.ron").exists());
    assert!(!dir.join("c.counterexample.ron").exists());
    assert!(!dir.join("reports").exists());
    // No example in the README or in --help writes into reports/ but the gallery.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let writes: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("--out reports"))
        .collect();
    assert!(
        writes.is_empty(),
        "README examples write into reports/: {writes:?}"
    );
    for cmd in [
        "run", "sweep", "check", "explain", "import", "advise", "validate",
    ] {
        let help = sim(&dir, &[cmd, "--help"]);
        assert!(
            !String::from_utf8_lossy(&help.stdout).contains("--out reports"),
            "{cmd}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check` with an unwritable `--out`: the violation comes first (its report, exit 1), the
/// failed write is an error message too.
#[test]
fn check_reports_its_violation_even_when_the_replay_cannot_be_written() {
    let dir = scratch("check-out");
    let o = sim(
        &dir,
        &[
            "check",
            &bundled("check-redshift.ron"),
            "--property",
            "no-skip",
            "--out",
            "/dev/full",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("VIOLATION"));
    assert!(stderr(&o).contains("error: cannot write the replay file /dev/full"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A base seed whose seeds would go past u64::MAX is refused with the largest allowed.
#[test]
fn sweep_seeds_do_not_wrap() {
    let dir = scratch("seeds");
    std::fs::write(
        dir.join("b.ron"),
        "#![enable(implicit_some)]\nScenario(name: \"b\", seed: 18446744073709551615, duration: \"1m\", sources: [DirectPut(name: \"p\", rate: Constant(1.0))], destination: S3())\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.ron"),
        r#"Sweep(name: "w", scenario: "b.ron", axes: [(field: "duration", values: ["1m"])], seeds: 2, outputs: ["records.produced"])"#,
    )
    .unwrap();
    let o = sim(&dir, &["sweep", "sw.ron"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("2 seeds from the base seed 18446744073709551615 go past the largest seed"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scenario's errors say how to fix the file, with the caret on the value.
#[test]
fn scenario_errors_say_how_to_fix_the_file() {
    let dir = scratch("errors");
    let cases = [
        (
            "duration: 28800",
            "s.ron:2:31: 28800 is a bare number: a duration is a string such as \"8h\" or \"28800s\"",
        ),
        (
            "duration: \"367d\"",
            "s.ron:2:31: duration: \"367d\" is out of range: allowed \"1s\" to \"366d\"",
        ),
    ];
    for (field, wanted) in &cases {
        let path = scenario_with(&dir, field);
        let o = sim(&dir, &["validate", &path]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(wanted), "{field}: {}", stderr(&o));
    }
    // A tuple where named fields are expected.
    let path = dir.join("t.ron");
    std::fs::write(
        &path,
        "#![enable(implicit_some)]\nScenario(name: \"x\", duration: \"1h\", sources: [DirectPut(name: \"p\", rate: 300)], destination: S3(buffering_hints: (5, 300)))\n",
    )
    .unwrap();
    let o = sim(&dir, &["validate", path.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("`rate` expects a rate such as Constant(300.0)"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        &path,
        "#![enable(implicit_some)]\nScenario(name: \"x\", duration: \"1h\", sources: [DirectPut(name: \"p\", rate: Constant(3.0))], destination: S3(buffering_hints: (5, 300)))\n",
    )
    .unwrap();
    let o = sim(&dir, &["validate", path.to_str().unwrap()]);
    assert!(
        stderr(&o).contains(
            "`buffering_hints` expects named fields, e.g. (size_in_mbs: 5, interval_in_seconds: 300)"
        ),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Flag errors name the flag; property typos get the nearest field; `=` gets `==`.
#[test]
fn flag_and_property_errors_name_what_to_change() {
    let dir = scratch("flags");
    let check = &bundled("check-redshift.ron");
    let o = sim(&dir, &["check", check, "--cases", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: --cases: 0 is out of range: allowed 1 to 100000 cases"));
    let o = sim(&dir, &["check", check, "--property", "records.los == 0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the report has no field `los` there; did you mean `lost`?"),
        "{}",
        stderr(&o)
    );
    let o = sim(&dir, &["check", check, "--property", "records.lost = 0"]);
    assert!(stderr(&o).contains("column 14: `=` is not a comparison: use == to compare"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Completions and the manual page are generated from the command line's definition.
#[test]
fn completions_and_man_page() {
    let dir = scratch("completions");
    let o = sim(&dir, &["completions", "bash"]);
    assert!(o.status.success());
    let bash = String::from_utf8_lossy(&o.stdout);
    assert!(bash.contains("_firehose-sim") || bash.contains("_firehose__sim"));
    assert!(bash.contains("advise") && bash.contains("explain") && bash.contains("import"));
    let o = sim(&dir, &["man"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(".ie"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn report_of(name: &str, markdown: bool) -> String {
    let s = firehose_sim::scenario::load(&root().join("scenarios").join(name)).unwrap();
    let out = firehose_sim::simulate(&s, &firehose_sim::RunOptions::default()).unwrap();
    if markdown {
        firehose_sim::report::markdown(&out)
    } else {
        firehose_sim::report::text(&out)
    }
}

/// The Markdown report's Calls table has the destination's calls and a Lambda row only with
/// a transform; its summary names the transform as the text report does; settings read as
/// settings, shares as percentages.
#[test]
fn reports_read_well() {
    let md = report_of("redshift-outage.ron", true);
    assert!(md.contains("| Redshift COPY | 688 | 724 | 39 |"), "{md}");
    assert!(!md.contains("| Lambda |"));
    let md = report_of("lambda-flaky.ron", true);
    assert!(md.contains("with a Lambda transform"));
    assert!(md.contains("| Lambda |"));
    let text = report_of("opensearch-outage.ron", false);
    assert!(text.contains("% of documents rejected"), "{text}");
}

/// A run of more than a second shows a spinner only on a terminal: redirected, stderr stays
/// empty.
#[test]
fn long_runs_keep_redirected_stderr_clean() {
    let (dir, path) = scenario_file(
        "spinner",
        "#![enable(implicit_some)]\nScenario(name: \"long\", duration: \"8h\", sources: [DirectPut(name: \"p\", rate: Constant(500000.0), records_per_call: 500, record_bytes: Fixed(10))], destination: S3())\n",
    );
    let started = std::time::Instant::now();
    // Call by call, so that it lasts (as a call train it takes a fraction of a second).
    let o = sim(&dir, &["run", &path, "--no-trains"]);
    assert!(o.status.success());
    assert!(
        started.elapsed().as_secs_f64() > 1.0,
        "the run must outlast the spinner's delay"
    );
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Legal but probably unintended input gets a warning on stderr, not an error (exit 0): a
/// fault after the run's end, two overlapping `Throttle`s (their factors multiply), and
/// `services` for a component the scenario lacks.
#[test]
fn warnings_name_what_has_no_effect_or_combines() {
    let (dir, path) = scenario_file(
        "warnings",
        "#![enable(implicit_some)]\nScenario(name: \"x\", duration: \"1h\", sources: [DirectPut(name: \"p\", rate: Constant(1.0))], destination: S3(), services: (redshift: (copy_time: (base: \"1s\", per_mib: \"1s\"))), faults: [Outage(target: S3, from: \"2h\", until: \"3h\"), Throttle(target: Ingest, from: \"0s\", until: \"30m\", factor: 0.5), Throttle(target: Ingest, from: \"10m\", until: \"40m\", factor: 0.5)])\n",
    );
    let o = sim(&dir, &["validate", &path]);
    assert!(o.status.success());
    let e = stderr(&o);
    for w in [
        "faults[0]: starts at 2h, at or after the run's end (1h): it has no effect",
        "faults[1] and faults[2]: two Throttle faults on Ingest overlap from 10m to 30m: their factors multiply",
        "services.redshift: set, but the scenario has no redshift: it has no effect",
    ] {
        assert!(e.contains(w), "{w} not in {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sweep errors name the file, the axis and the value; a gallery that fails leaves its
/// folder as it was (no half-written reports).
#[test]
fn sweep_and_gallery_errors_name_the_place_and_leave_nothing_half_written() {
    let dir = scratch("sweep-gallery");
    std::fs::copy(
        root().join("scenarios/check-redshift.ron"),
        dir.join("c.ron"),
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.ron"),
        r#"Sweep(name: "t", scenario: "c.ron", axes: [(field: "destination.retry_options.duration_in_seconds", values: [0]), (field: "faults[1].until", values: ["3h"])], seeds: 1, outputs: ["records.skipped"])"#,
    )
    .unwrap();
    let o = sim(&dir, &["sweep", "sw.ron"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "error: sw.ron:1:123: axis 2 value 3h: `faults[1].until`: index 1 is out of range (the list has 0)"
        ),
        "{}",
        stderr(&o)
    );
    let scen = dir.join("scen");
    std::fs::create_dir_all(&scen).unwrap();
    std::fs::copy(
        root().join("scenarios/check-redshift.ron"),
        scen.join("a.ron"),
    )
    .unwrap();
    std::fs::write(scen.join("b.ron"), "Scenario(").unwrap();
    let out = dir.join("gallery");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("marker"), "kept").unwrap();
    let o = sim(
        &dir,
        &["gallery", "--scenarios", "scen", "--out", "gallery"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(out.join("marker").exists());
    assert!(!out.join("check-redshift").exists());
    assert!(!dir.join("gallery.partial").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `validate` fills the `check` section's defaults (check.max_probability 1, 256 cases, the
/// scenario's targets), and its output validates to itself.
#[test]
fn validate_fills_the_check_defaults() {
    let dir = scratch("validate");
    let o = sim(&dir, &["validate", &bundled("check-redshift.ron")]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("max_probability: 1.0,") && out.contains("cases: 256,"),
        "{out}"
    );
    std::fs::write(dir.join("v.ron"), &out).unwrap();
    let again = sim(&dir, &["validate", "v.ron"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), out);
    let _ = std::fs::remove_dir_all(&dir);
}

/// More of what a newcomer writes by mistake, each answered with the fix.
#[test]
fn newcomer_mistakes_get_the_fix() {
    let dir = scratch("mistakes");
    let cases = [
        (
            "rate: Constant(1.0), record_bytes: Uniform(min: 500, max: 1500)",
            "",
            "`Uniform` takes two plain numbers, e.g. Uniform(500, 1500) (no field names)",
        ),
        (
            "rate: Diurnal(500.0, 0.5, \"24h\")",
            "",
            "`Diurnal` expects named fields: Diurnal(mean: 500.0, amplitude: 0.5, period: \"24h\")",
        ),
        (
            "rate: Constant(1.0)",
            "transform: Lambda, ",
            "`Lambda` needs parentheses: write `Lambda()`",
        ),
        (
            "rate: Constant(1.0)",
            "faults: [Outage(target: S3, from: 1h, until: \"2h\")], ",
            "a duration is a quoted string: write \"1h\"",
        ),
    ];
    for (source, extra, wanted) in cases {
        let path = dir.join("m.ron");
        std::fs::write(
            &path,
            format!("#![enable(implicit_some)]\nScenario(name: \"x\", duration: \"3h\", sources: [DirectPut(name: \"p\", {source})], {extra}destination: S3())\n"),
        )
        .unwrap();
        let o = sim(&dir, &["validate", "m.ron"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(wanted), "{wanted}: {}", stderr(&o));
        assert!(!stderr(&o).contains("r#"), "{}", stderr(&o));
    }
    let check = &bundled("check-redshift.ron");
    for (property, wanted) in [
        ("no-los", "did you mean `no-loss`?"),
        (
            "records.lost == 0 and records.skipped == 0",
            "join comparisons with && (and) or || (or)",
        ),
        ("latency.p99 < 1", "did you mean `latency_seconds`?"),
    ] {
        let o = sim(&dir, &["check", check, "--property", property]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(wanted), "{property}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bash completion completes a subcommand's flags (the hyphenated name is spelt one way).
#[test]
fn bash_completion_completes_subcommand_flags() {
    let dir = scratch("bash");
    let o = sim(&dir, &["completions", "bash"]);
    std::fs::write(dir.join("c.bash"), &o.stdout).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(firehose-sim run --f); COMP_CWORD=2; _firehose__sim firehose-sim --f run; echo \"${{COMPREPLY[@]}}\"",
            dir.join("c.bash").display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "--format");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `validate` prints only the services the scenario uses: an S3 scenario without a transform
/// shows `ingest` and `s3`, not Lambda's, Redshift's or the HTTP endpoint's.
#[test]
fn validate_prints_only_the_services_in_use() {
    let dir = scratch("services");
    let o = sim(&dir, &["validate", &bundled("quickstart.ron")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("        ingest: (") && out.contains("        s3: ("));
    for absent in [
        "lambda: (",
        "redshift: (",
        "opensearch: (",
        "http_endpoint: (",
        "splunk: (",
    ] {
        assert!(!out.contains(absent), "{absent}");
    }
    let o = sim(&dir, &["validate", &bundled("lambda-flaky.ron")]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("        lambda: ("));
    let _ = std::fs::remove_dir_all(&dir);
}

/// L5 and the backlog bound: a Lambda transform at `buffer_interval_in_seconds: 0` invokes
/// once per call, on average 1,000 Poisson calls/s (no call trains, so no runs of batches),
/// while 5 slots of 120 ms median run about 41 a second, so about 959 batches a second wait;
/// past 2,000,000 waiting (after about 2,085 s) the run stops with exit 2, the report so far
/// on stdout and the cause on stderr, never an abort.
#[test]
fn a_backlog_over_the_bound_stops_the_run_with_the_report_so_far() {
    let (dir, path) = scenario_file(
        "backlog",
        "#![enable(implicit_some)]\nScenario(name: \"backlog\", duration: \"24h\", sources: [DirectPut(name: \"p\", rate: Poisson(500000.0), records_per_call: 500, record_bytes: Fixed(10))], stream: (quota: Large), transform: Lambda(buffer_interval_in_seconds: 0), destination: S3())\n",
    );
    let o = sim(&dir, &["run", &path, "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("batches wait for a Lambda concurrency slot"),
        "{err}"
    );
    assert!(err.contains("`buffer_interval_in_seconds: 0`"), "{err}");
    assert!(err.contains("`services.lambda.concurrency: 5`"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let stopped = report["stopped"].as_str().unwrap();
    assert!(stopped.starts_with("the run stopped at 3"), "{stopped}");
    // Every record produced by then has a fate; most are still in flight.
    let r = &report["records"];
    assert!(r["in_flight"].as_u64().unwrap() > 40 * r["delivered"].as_u64().unwrap());
    let minutes = r["produced"].as_u64().unwrap() as f64 / 500_000.0 / 60.0;
    assert!((33.0..36.0).contains(&minutes), "{minutes} min");
    let _ = std::fs::remove_dir_all(&dir);
}
