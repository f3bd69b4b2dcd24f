//! The gallery in `reports/` stays true: regenerating it gives the same Markdown, CSV and SVG
//! files, byte for byte (determinism across machines, and nothing stale).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "md" || x == "csv" || x == "svg")
            {
                let rel = p.strip_prefix(dir).expect("inside").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("readable file"));
            }
        }
    }
    out
}

/// M1 + the gallery: regenerating every bundled report gives exactly the committed files.
#[test]
fn gallery_matches_the_committed_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = std::env::temp_dir().join(format!("firehose-sim-gallery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    firehose_sim::study::gallery::regenerate(&root.join("scenarios"), &tmp, false)
        .expect("gallery");
    let fresh = files(&tmp);
    let committed = files(&root.join("reports"));
    let _ = std::fs::remove_dir_all(&tmp);
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&fresh),
        names(&committed),
        "run `cargo run --release -- gallery` and commit reports/"
    );
    for (name, bytes) in &fresh {
        assert!(
            committed.get(name) == Some(bytes),
            "reports/{} differs from a fresh run: run `cargo run --release -- gallery` and commit reports/",
            name.display()
        );
    }
}
