//! Bad input (DESIGN "Command line"): a malformed or out-of-range scenario makes `firehose-sim`
//! exit with code 2 and print `error: FILE:LINE:COL: what is wrong and what is allowed`, and no
//! input makes it panic.
//!
//! Every file in `tests/bad/` breaks exactly one rule, named in its first line. The sweep test
//! runs them all, in sorted order, so a new file is covered as soon as it is added (and fails
//! until it has an entry in [`CASES`] giving the line of the offending value).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
/// Exit code for bad input.
const BAD_INPUT: i32 = 2;

/// What `run FILE` must report for one file of `tests/bad/`.
struct Case {
    /// File name in `tests/bad/`.
    file: &'static str,
    /// 1-based line of the offending value.
    line: usize,
    /// Substrings of the message: the field path, the value, what is allowed.
    message: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        file: "b3-interval-in-seconds-901.ron",
        line: 19,
        message: &[
            "destination.buffering_hints.interval_in_seconds",
            "901",
            "allowed 0 to 900 seconds",
        ],
    },
    Case {
        file: "b3-size-in-mbs-0.ron",
        line: 18,
        message: &[
            "destination.buffering_hints.size_in_mbs: 0",
            "allowed 1 to 128 MiB",
        ],
    },
    Case {
        file: "b3-size-in-mbs-129.ron",
        line: 18,
        message: &[
            "destination.buffering_hints.size_in_mbs: 129",
            "allowed 1 to 128 MiB",
        ],
    },
    Case {
        file: "format-bad-duration.ron",
        line: 6,
        message: &["invalid duration \"6x\"", "unknown unit `x`"],
    },
    Case {
        // Comments only: the error is at the end of the text, where `Scenario(` was due.
        file: "format-empty.ron",
        line: 2,
        message: &["`Scenario`"],
    },
    Case {
        // A missing field is noticed at the closing parenthesis of its struct.
        file: "format-missing-destination.ron",
        line: 19,
        message: &["missing field", "`destination`"],
    },
    Case {
        file: "format-syntax-error.ron",
        line: 11,
        message: &["Expected comma"],
    },
    Case {
        file: "format-syntax-error-non-ascii.ron",
        line: 11,
        message: &["Expected comma"],
    },
    Case {
        file: "format-unknown-field.ron",
        line: 12,
        message: &["Unexpected field named `record_byte`", "`record_bytes`"],
    },
    Case {
        file: "i1-call-over-4-mib.ron",
        line: 12,
        message: &[
            "sources[0].record_bytes",
            "call of 5000000 bytes",
            "allowed at most 4 MiB",
        ],
    },
    Case {
        file: "i1-record-bytes-over-1000-kib.ron",
        line: 12,
        message: &[
            "sources[0].record_bytes: 1024001",
            "allowed 1 to 1024000 bytes",
        ],
    },
    Case {
        file: "i1-records-per-call-501.ron",
        line: 11,
        message: &["sources[0].records_per_call: 501", "allowed 1 to 500"],
    },
    Case {
        file: "i4-retention-25h.ron",
        line: 15,
        message: &[
            "stream.retention",
            "\"25h\" is out of range",
            "allowed \"1s\" to \"24h\"",
        ],
    },
    Case {
        file: "rate-constant-negative.ron",
        line: 10,
        message: &["sources[0].rate: rate -5", "allowed more than 0"],
    },
    Case {
        file: "rate-constant-zero.ron",
        line: 10,
        message: &["sources[0].rate: rate 0 ", "allowed more than 0"],
    },
    Case {
        file: "rate-steps-decreasing-times.ron",
        line: 13,
        message: &[
            "sources[0].rate[0][2]",
            "step times must increase: \"10m\" does not come after \"30m\"",
        ],
    },
    Case {
        file: "rate-zero-after-raw-string.ron",
        line: 10,
        message: &["sources[0].rate: rate 0 ", "allowed more than 0"],
    },
    Case {
        file: "sources-duplicate-names.ron",
        line: 15,
        message: &["sources[1].name", "\"app\"", "names must be unique"],
    },
    Case {
        file: "x1-fault-probability-1-5.ron",
        line: 25,
        message: &["faults[0].probability: 1.5", "allowed 0 to 1"],
    },
    Case {
        file: "x1-fault-target-not-in-scenario.ron",
        line: 24,
        message: &[
            "faults[0].target: Redshift",
            "allowed targets here are Ingest, S3",
        ],
    },
    Case {
        file: "x1-fault-window-until-before-from.ron",
        line: 26,
        message: &[
            "faults[0].until",
            "until \"10m\" must come after from \"20m\"",
        ],
    },
    Case {
        file: "h1-size-in-mbs-65.ron",
        line: 18,
        message: &[
            "destination.buffering_hints.size_in_mbs: 65",
            "allowed 1 to 64 MiB",
            "H1",
        ],
    },
    Case {
        file: "h5-retry-duration-7201.ron",
        line: 17,
        message: &[
            "destination.retry_options.duration_in_seconds: 7201",
            "allowed 0 to 7200 seconds",
            "H5",
        ],
    },
    Case {
        file: "p1-partitioning-size-32.ron",
        line: 17,
        message: &[
            "destination.buffering_hints.size_in_mbs: 32",
            "64 to 128 MiB",
            "P1",
        ],
    },
    Case {
        file: "p2-active-partitions-limit-5001.ron",
        line: 17,
        message: &[
            "destination.active_partitions_limit: 5001",
            "allowed 1 to 5000",
            "P2",
        ],
    },
    Case {
        file: "sp1-ack-timeout-179.ron",
        line: 16,
        message: &[
            "destination.hec_acknowledgment_timeout_in_seconds: 179",
            "allowed 180 to 600 seconds",
        ],
    },
    Case {
        file: "sp1-interval-in-seconds-61.ron",
        line: 17,
        message: &[
            "destination.buffering_hints.interval_in_seconds: 61",
            "allowed 0 to 60 seconds",
            "SP1",
        ],
    },
    Case {
        file: "x1-throttle-on-s3.ron",
        line: 24,
        message: &[
            "faults[0].target",
            "Throttle",
            "allowed targets are Ingest, Lambda and Kinesis",
        ],
    },
];

/// Runs the binary from the crate root, so that relative paths in messages are stable.
fn sim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(MANIFEST_DIR)
        .output()
        .expect("cannot start firehose-sim")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The relative path of a file in `tests/bad/`, as given on the command line.
fn bad_path(file: &str) -> String {
    format!("tests/bad/{file}")
}

/// Does `stderr` contain `error: {file}:{line}:{col}: ` for some column?
fn has_location(stderr: &str, file: &str, line: usize) -> bool {
    let prefix = format!("error: {file}:{line}:");
    stderr.match_indices(&prefix).any(|(at, _)| {
        let rest = &stderr[at + prefix.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(": ")
    })
}

/// Everything wrong with the output of a rejected scenario, as readable lines (empty: fine).
fn problems(path: &str, out: &Output, case: Option<&Case>) -> Vec<String> {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let mut wrong = Vec::new();
    if out.status.code() != Some(BAD_INPUT) {
        wrong.push(format!("exit code {:?}, expected 2", out.status.code()));
    }
    if stdout.contains("panicked") || stderr.contains("panicked") {
        wrong.push("the program panicked".into());
    }
    let errors = stderr.matches("error:").count();
    if errors != 1 {
        wrong.push(format!(
            "{errors} `error:` lines on stderr, expected exactly 1 (one problem per file)"
        ));
    }
    match case {
        None => wrong.push(format!(
            "no entry in CASES: add the line of the offending value and the expected message for {path}"
        )),
        Some(case) => {
            if !has_location(&stderr, path, case.line) {
                wrong.push(format!(
                    "stderr lacks `error: {path}:{}:COL: `",
                    case.line
                ));
            }
            for part in case.message {
                if !stderr.contains(part) {
                    wrong.push(format!("stderr lacks {part:?}"));
                }
            }
        }
    }
    wrong
}

/// Runs `run` on one file of `tests/bad/` and panics with every problem found.
fn check(file: &str) {
    let path = bad_path(file);
    let case = CASES.iter().find(|c| c.file == file);
    let out = sim(&["run", &path]);
    let wrong = problems(&path, &out, case);
    assert!(
        wrong.is_empty(),
        "{path}:\n  {}\nstdout:\n{}\nstderr:\n{}",
        wrong.join("\n  "),
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn bad_dir() -> PathBuf {
    Path::new(MANIFEST_DIR).join("tests").join("bad")
}

/// The files of `tests/bad/`, sorted by name.
fn bad_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(bad_dir())
        .expect("tests/bad/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            p.file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    files
}

/// A fresh directory for files the tests write (bytes that are better not committed).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad_input")
        .join(name);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Every file in `tests/bad/` (sorted, so new files are covered) is rejected with exit 2, one
/// `error: FILE:LINE:COL:` at the line of its offending value, the expected message, and no
/// panic.
#[test]
fn every_file_in_tests_bad_is_rejected_with_exit_2_and_its_line() {
    let files = bad_files();
    assert!(
        files.len() >= 14,
        "tests/bad/ holds {} files, expected at least 14",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let path = bad_path(file);
        let out = sim(&["run", &path]);
        let wrong = problems(&path, &out, CASES.iter().find(|c| c.file == file.as_str()));
        if !wrong.is_empty() {
            failures.push(format!(
                "{path}:\n  {}\n  stderr: {}",
                wrong.join("\n  "),
                text(&out.stderr).replace('\n', "\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every entry of the table names a file that exists and starts with a `//` comment naming
/// the rule it breaks.
#[test]
fn every_case_has_a_file_that_names_its_rule() {
    let files = bad_files();
    for case in CASES {
        assert!(
            files.iter().any(|f| f == case.file),
            "CASES names {} but tests/bad/ has no such file",
            case.file
        );
    }
    for file in &files {
        let content = std::fs::read_to_string(bad_dir().join(file)).expect("UTF-8 text");
        assert!(
            content.starts_with("// "),
            "{file} must start with a `//` comment naming the rule it breaks"
        );
    }
}

macro_rules! rule_tests {
    ($($(#[$doc:meta])* $name:ident => $file:literal,)*) => {
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                check($file);
            }
        )*
    };
}

rule_tests! {
    /// Format: a RON syntax error is reported where the parser stopped.
    ron_syntax_error_is_rejected_with_line => "format-syntax-error.ron",
    /// Format: a syntax error at a non-ASCII character is underlined without a panic.
    ron_syntax_error_at_non_ascii_character_is_rejected_without_panic => "format-syntax-error-non-ascii.ron",
    /// Format: a file with comments only holds no scenario.
    file_with_comments_only_is_rejected => "format-empty.ron",
    /// Format: unknown fields are errors.
    unknown_field_is_rejected_with_line => "format-unknown-field.ron",
    /// Format: `destination` is required.
    missing_destination_is_rejected => "format-missing-destination.ron",
    /// Format: durations are a number and a unit.
    bad_duration_string_is_rejected_with_line => "format-bad-duration.ron",
    /// I1: at most 500 records per `PutRecordBatch` call.
    i1_records_per_call_over_500_is_rejected_with_line => "i1-records-per-call-501.ron",
    /// I1: a record is at most 1,000 KiB.
    i1_record_over_1000_kib_is_rejected_with_line => "i1-record-bytes-over-1000-kib.ron",
    /// I1: a `PutRecordBatch` call is at most 4 MiB.
    i1_call_over_4_mib_is_rejected_with_line => "i1-call-over-4-mib.ron",
    /// B3: S3 `size_in_mbs` is at least 1.
    b3_size_in_mbs_0_is_rejected_with_line => "b3-size-in-mbs-0.ron",
    /// B3: S3 `size_in_mbs` is at most 128.
    b3_size_in_mbs_129_is_rejected_with_line => "b3-size-in-mbs-129.ron",
    /// B3: S3 `interval_in_seconds` is at most 900.
    b3_interval_in_seconds_901_is_rejected_with_line => "b3-interval-in-seconds-901.ron",
    /// I4: retention is 1 s to 24 h.
    i4_retention_25h_is_rejected_with_line => "i4-retention-25h.ron",
    /// X1: a probability is 0 to 1.
    x1_fault_probability_over_1_is_rejected_with_line => "x1-fault-probability-1-5.ron",
    /// X1: a fault window's `until` comes after its `from`.
    x1_fault_window_until_before_from_is_rejected_with_line => "x1-fault-window-until-before-from.ron",
    /// H1: an HTTP endpoint's size hint is at most 64 MiB.
    h1_http_size_in_mbs_65_is_rejected_with_line => "h1-size-in-mbs-65.ron",
    /// H5: an HTTP endpoint's retry duration is at most 7200 s.
    h5_http_retry_duration_7201_is_rejected_with_line => "h5-retry-duration-7201.ron",
    /// P1: dynamic partitioning needs a size hint of at least 64 MiB.
    p1_partitioning_size_32_is_rejected_with_line => "p1-partitioning-size-32.ron",
    /// P2: the active-partitions limit is 1-5,000.
    p2_active_partitions_limit_5001_is_rejected_with_line => "p2-active-partitions-limit-5001.ron",
    /// SP1: the HEC acknowledgement timeout is 180-600 s.
    sp1_ack_timeout_179_is_rejected_with_line => "sp1-ack-timeout-179.ron",
    /// SP1: Splunk's interval hint is at most 60 s.
    sp1_interval_in_seconds_61_is_rejected_with_line => "sp1-interval-in-seconds-61.ron",
    /// X1: Throttle acts on quotas, so not on S3.
    x1_throttle_on_s3_is_rejected_with_line => "x1-throttle-on-s3.ron",
    /// X1: a fault's target must be part of the scenario.
    x1_fault_on_absent_redshift_is_rejected_with_line => "x1-fault-target-not-in-scenario.ron",
    /// Sources: names are unique.
    duplicate_source_names_are_rejected_with_line => "sources-duplicate-names.ron",
    /// Rate: Steps times increase.
    steps_with_decreasing_times_are_rejected_with_line => "rate-steps-decreasing-times.ron",
    /// Rate: a Constant rate is more than 0 (negative).
    negative_constant_rate_is_rejected_with_line => "rate-constant-negative.ron",
    /// Rate: a Constant rate is more than 0 (zero).
    zero_constant_rate_is_rejected_with_line => "rate-constant-zero.ron",
    /// Rate: the error is still placed right after a raw string ending in a backslash, in a
    /// file that ends in a backslash.
    zero_rate_after_raw_string_is_rejected_with_line => "rate-zero-after-raw-string.ron",
}

/// Format: a scenario is UTF-8 text; the first invalid byte is located.
#[test]
fn non_utf8_file_is_rejected_with_line_of_first_bad_byte() {
    let path = scratch("non-utf8").join("latin1.ron");
    let mut bytes = b"// Format: a scenario must be UTF-8 (Latin-1 on line 4)\n".to_vec();
    bytes.extend_from_slice(b"#![enable(implicit_some)]\nScenario(\n    name: \"caf");
    bytes.push(0xE9);
    bytes.extend_from_slice(
        b"\",\n    duration: \"1h\",\n    sources: [DirectPut(name: \"app\", rate: Constant(1.0))],\n    destination: S3(),\n)\n",
    );
    std::fs::write(&path, &bytes).expect("the file can be written");
    let shown = path.to_string_lossy().into_owned();
    let out = sim(&["run", &shown]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(BAD_INPUT), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("error: {shown}:4:15: ")),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("not UTF-8"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked") && !text(&out.stdout).contains("panicked"));
}

/// Format: a file of zero bytes is reported as empty.
#[test]
fn zero_byte_file_is_rejected_as_empty() {
    let path = scratch("empty").join("empty.ron");
    std::fs::write(&path, b"").expect("the file can be written");
    let shown = path.to_string_lossy().into_owned();
    let out = sim(&["run", &shown]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(BAD_INPUT), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("error: {shown}:1:1: ")),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("the file is empty"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked") && !text(&out.stdout).contains("panicked"));
}

/// Exit codes: `validate` rejects a bad scenario with exit 2 and the same location as `run`.
#[test]
fn validate_rejects_out_of_range_scenario_with_exit_2() {
    let path = bad_path("i1-records-per-call-501.ron");
    let out = sim(&["validate", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(BAD_INPUT), "stderr: {stderr}");
    assert!(has_location(&stderr, &path, 11), "stderr: {stderr}");
    assert!(stderr.contains("allowed 1 to 500"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"));
}

/// Exit codes: an unreadable (missing) scenario file is bad input.
#[test]
fn missing_scenario_file_is_rejected_with_exit_2() {
    for cmd in ["run", "validate"] {
        let out = sim(&[cmd, "tests/bad/no-such-file.ron"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(BAD_INPUT), "{cmd}: {stderr}");
        assert!(stderr.contains("error"), "{cmd}: {stderr}");
        assert!(stderr.contains("no-such-file.ron"), "{cmd}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

/// Exit codes: an unknown `--format` is a usage error.
#[test]
fn unknown_report_format_is_a_usage_error_with_exit_2() {
    let out = sim(&["run", "scenarios/quickstart.ron", "--format", "bogus"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(BAD_INPUT), "stderr: {stderr}");
    assert!(stderr.contains("bogus"), "stderr: {stderr}");
    assert!(text(&out.stdout).is_empty(), "no report is printed");
}

/// `validate` prints the scenario with every default filled in, and that text parses back to
/// the same scenario.
#[test]
fn validate_output_parses_back_to_the_same_scenario() {
    let file = "scenarios/quickstart.ron";
    let out = sim(&["validate", file]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let original = firehose_sim::scenario::load(&Path::new(MANIFEST_DIR).join(file))
        .unwrap_or_else(|e| panic!("{file} is valid: {e}"));
    let printed = firehose_sim::scenario::parse(&stdout, "validate-output.ron")
        .unwrap_or_else(|e| panic!("the output of validate parses: {e}\n{stdout}"));
    assert_eq!(printed, original);
}
