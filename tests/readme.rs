//! The README stays true: the sample reports it shows are what the tool prints today.

use std::process::Command;

fn report(scenario: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
        .args(["run", scenario])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

/// The quick-start sample and the Redshift walkthrough in README.md are verbatim output.
#[test]
fn readme_samples_are_current_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for scenario in ["scenarios/quickstart.ron", "scenarios/redshift-outage.ron"] {
        let text = report(scenario);
        assert!(
            readme.contains(text.trim_end()),
            "README.md does not show the current report of {scenario}; regenerate it:\n{text}"
        );
    }
}

/// The `explain` samples in README.md are lines of the current output (the README elides the
/// middle with `...`).
#[test]
fn readme_explain_samples_are_current_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for (scenario, record) in [
        ("scenarios/redshift-outage.ron", "2000000"),
        ("scenarios/s3-outage-25h.ron", "0"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
            .args(["explain", scenario, "--record", record])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the binary runs");
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let first = text.lines().next().expect("a title line");
        let start = readme.find(first).expect("README shows the sample");
        let block = &readme[start..];
        let block = &block[..block.find("```").expect("the sample's fence")];
        for line in block.lines().filter(|l| l.trim() != "...") {
            assert!(
                text.lines().any(|t| t == line),
                "README's explain sample of {scenario} has a line the tool no longer prints: {line}"
            );
        }
    }
}

/// The `import` sample in README.md is lines of the current output (elided with `...`).
#[test]
fn readme_import_sample_is_current_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let out = Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
        .args(["import", "tests/fixtures/import/cfn-kinesis-s3.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let first = "// Not modelled: these settings do not change";
    let start = readme.find(first).expect("README shows the import sample");
    let block = &readme[start..];
    let block = &block[..block.find("```").expect("the sample's fence")];
    for line in block.lines().filter(|l| l.trim() != "...") {
        assert!(
            text.lines().any(|t| t == line),
            "README's import sample has a line the tool no longer prints: {line}"
        );
    }
}

/// The README's property-test example is `tests/user_example.rs`, verbatim.
#[test]
fn readme_testing_example_is_the_test_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let example = std::fs::read_to_string(root.join("tests/user_example.rs")).expect("example");
    assert!(
        readme.contains(&format!("```rust\n{example}```")),
        "README.md does not show tests/user_example.rs verbatim"
    );
}
