//! Golden reports: the JSON report of every bundled scenario (benchmarks and sweeps aside) is
//! committed under `tests/golden/` and must come out byte for byte. A change that is meant to
//! move a number regenerates the files (`UPDATE_GOLDEN=1 cargo test --test golden`) in the same
//! commit and says which rule moved which number, and why.

use firehose_sim::report::Report;
use firehose_sim::{RunOptions, scenario, simulate};
use std::path::{Path, PathBuf};

/// The bundled scenarios the golden files cover: `scenarios/*.ron` without `bench-*` and
/// sweeps, in name order.
fn bundled() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !name.starts_with("bench-") && !firehose_sim::study::gallery::is_sweep(&text)
        })
        .collect();
    out.sort();
    out
}

fn json_report(path: &Path) -> String {
    let s = match scenario::load(path) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    match simulate(&s, &RunOptions::default()) {
        Ok(out) => Report::new(&out).to_json(),
        Err(e) => panic!("{e}"),
    }
}

/// F1-F4 and every destination rule: each bundled scenario's JSON report equals its golden
/// file, so no refactor moves a number by accident.
#[test]
fn every_bundled_scenario_matches_its_golden_report() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let scenarios = bundled();
    assert!(scenarios.len() >= 10, "bundled scenarios went missing");
    let mut differ = Vec::new();
    for path in &scenarios {
        let stem = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file = golden.join(format!("{stem}.json"));
        let fresh = json_report(path);
        if update {
            std::fs::write(&file, &fresh).expect("tests/golden/ is writable");
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(committed) if committed == fresh => {}
            Ok(_) => differ.push(format!("{} differs from a fresh run", file.display())),
            Err(_) => differ.push(format!("{} is missing", file.display())),
        }
    }
    // Every golden file belongs to a bundled scenario (none is left stale).
    for e in std::fs::read_dir(&golden)
        .expect("tests/golden/ is readable")
        .flatten()
    {
        let p = e.path();
        let stem = p
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !scenarios
            .iter()
            .any(|s| s.file_stem().and_then(|n| n.to_str()) == Some(&stem))
        {
            differ.push(format!("{} has no bundled scenario", p.display()));
        }
    }
    assert!(
        differ.is_empty(),
        "{}\n(a change meant to move numbers regenerates them with UPDATE_GOLDEN=1 and says why)",
        differ.join("\n")
    );
}
