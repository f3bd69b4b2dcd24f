//! Sharded sweeps: slice K of N runs the points whose number is K modulo N, and the merge of
//! the N slices writes what an unsharded run writes, byte for byte (X2: seed k is the same at
//! every point in every slice, so a point's numbers do not depend on where it ran).

use firehose_sim::study::shards::{self, Slice};
use firehose_sim::study::sweep;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("firehose-shards-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every file of `dir`, sorted, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// 1, 2, 3 and 7 shards of every bundled sweep, merged: the same `sweep.csv`, `summary.md`
/// and charts as the unsharded run, byte for byte.
#[test]
fn shards_merge_to_the_unsharded_run_byte_for_byte() {
    let mut sweeps: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.contains("Sweep("))
                && p.extension().is_some_and(|e| e == "ron")
        })
        .collect();
    sweeps.sort();
    assert!(sweeps.len() >= 5, "{sweeps:?}");
    let dir = scratch("bytes");
    for path in &sweeps {
        let (sw, base, _) = sweep::load(path).unwrap();
        let question = sweep::question(path);
        let whole = sweep::run(&sw, &base, 0, false).unwrap();
        let plain = dir.join("plain");
        whole.write(&plain, &question, false).unwrap();
        for n in [1u32, 2, 3, 7] {
            let parts = dir.join(format!("parts-{n}"));
            for k in 0..n {
                shards::run_slice(path, &sw, &base, Slice { k, n }, 0, false, &parts).unwrap();
            }
            let (merged, q) = shards::merge(std::slice::from_ref(&parts)).unwrap();
            assert_eq!(q, question);
            assert_eq!(
                merged.csv(),
                whole.csv(),
                "{} in {n} shards",
                path.display()
            );
            let out = dir.join(format!("merged-{n}"));
            merged.write(&out, &q, false).unwrap();
            assert!(
                files(&out) == files(&plain),
                "{} in {n} shards",
                path.display()
            );
            let _ = std::fs::remove_dir_all(&parts);
            let _ = std::fs::remove_dir_all(&out);
        }
        let _ = std::fs::remove_dir_all(&plain);
    }
}

/// The command line: `sweep --shard K/N` then `sweep-merge` prints and writes what `sweep`
/// does (PNG charts included); Slurm's and Kubernetes' variables choose the slice.
#[test]
fn the_command_line_shards_and_merges() {
    let dir = scratch("cli");
    let sw = root().join("scenarios/sweep-s3-buffering.ron");
    let sw = sw.to_str().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let o = Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    let plain = run(&["sweep", sw, "--out", "plain"], &[]);
    // A 4-task Slurm array numbered 4-7, and a Kubernetes Indexed Job of 4 completions.
    for id in 4..8 {
        let id = id.to_string();
        run(
            &["sweep", sw, "--out", "slurm"],
            &[
                ("SLURM_ARRAY_TASK_ID", &id),
                ("SLURM_ARRAY_TASK_MIN", "4"),
                ("SLURM_ARRAY_TASK_MAX", "7"),
            ],
        );
    }
    for index in ["0", "1", "2", "3"] {
        run(
            &["sweep", sw, "--shards", "4", "--out", "k8s"],
            &[("JOB_COMPLETION_INDEX", index)],
        );
    }
    for from in ["slurm", "k8s"] {
        let merged = run(
            &["sweep-merge", from, "--out", &format!("{from}-merged")],
            &[],
        );
        assert_eq!(merged, plain);
        let got = files(&dir.join(format!("{from}-merged")));
        assert!(got == files(&dir.join("plain")), "{from}");
        // 12 points in 4 shards: 3 points (9 rows and a header) each.
        let rows = std::fs::read_to_string(dir.join(from).join("shard-1-of-4.csv")).unwrap();
        assert_eq!(rows.lines().count(), 10);
        assert!(rows.lines().nth(1).unwrap().starts_with("1,"), "{rows}");
    }
}

/// Merge refuses a missing shard, a shard given twice and shards of two sweeps, naming the
/// files; exit 2.
#[test]
fn merge_refuses_missing_duplicated_and_foreign_shards() {
    let dir = scratch("refuse");
    let s3 = root().join("scenarios/sweep-s3-buffering.ron");
    let copy = root().join("scenarios/sweep-copy-speed.ron");
    let slice = |path: &Path, k, n, out: &str| {
        let (sw, base, _) = sweep::load(path).unwrap();
        shards::run_slice(path, &sw, &base, Slice { k, n }, 1, false, &dir.join(out)).unwrap();
    };
    let merge = |dirs: &[&str]| {
        let o = Command::new(BIN)
            .arg("sweep-merge")
            .args(dirs)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    slice(&s3, 0, 3, "a");
    slice(&s3, 2, 3, "a");
    let e = merge(&["a"]);
    assert!(
        e.contains("error: 1 of 3 shards missing (shard-1-of-3) in a"),
        "{e}"
    );
    slice(&s3, 1, 3, "b");
    slice(&s3, 1, 3, "c");
    let e = merge(&["a", "b", "c"]);
    assert!(
        e.contains("shard 1 of 3 is there twice: b/shard-1-of-3.manifest.json and c/shard-1-of-3.manifest.json"),
        "{e}"
    );
    slice(&copy, 1, 3, "d");
    let e = merge(&["a", "d"]);
    assert!(
        e.contains("d/shard-1-of-3.manifest.json is shard 1 of 3 of sweep")
            && e.contains("but a/shard-0-of-3.manifest.json is shard 0 of 3 of sweep")
            && e.contains("cannot be merged"),
        "{e}"
    );
    let e = merge(&["nothing-here"]);
    assert!(e.contains("nothing-here: cannot read the folder"), "{e}");
    // The slice's own checks.
    assert!(Slice::parse("3/3").unwrap_err().contains("allowed 0 to 2"));
    assert_eq!(Slice::parse("2/3").unwrap(), Slice { k: 2, n: 3 });
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        Slice::from_env(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_COUNT", "4")
            ]),
            None
        ),
        Ok(Some(Slice { k: 2, n: 4 }))
    );
    assert_eq!(
        Slice::from_env(env(&[("JOB_COMPLETION_INDEX", "1")]), None),
        Ok(None)
    );
    assert_eq!(
        Slice::from_env(env(&[("JOB_COMPLETION_INDEX", "1")]), Some(2)),
        Ok(Some(Slice { k: 1, n: 2 }))
    );
}

/// `check` in 1, 2, 3 and 5 slices of its cases, merged: the violation the whole search finds,
/// at the same case number, with the same shrunk schedule; and with a property that holds,
/// no violation in the same number of cases. Shards of another search are refused.
#[test]
fn check_shards_merge_to_the_unsharded_search() {
    use firehose_sim::study::check::{self, Property};
    use firehose_sim::testing::FaultSpace;
    let dir = scratch("check");
    let s = firehose_sim::scenario::load(&root().join("scenarios/check-redshift.ron")).unwrap();
    let space = FaultSpace::for_scenario(&s);
    for (text, violated) in [("no-skip", true), ("records.produced > 0", false)] {
        let property = Property::parse(text).unwrap();
        let whole = check::run(&s, &property, &space, 24, 3).unwrap();
        assert_eq!(whole.violation.is_some(), violated);
        let hash = format!("{text}-hash");
        for n in [1u32, 2, 3, 5] {
            let parts = dir.join(format!("{}-{n}", violated));
            for k in 0..n {
                let o =
                    check::run_slice(&s, &property, &space, 24, 3, Some((k as usize, n as usize)))
                        .unwrap();
                shards::write_check_shard(&parts, Slice { k, n }, hash.clone(), &o).unwrap();
            }
            let merged =
                shards::merge_check(std::slice::from_ref(&parts), &hash, &s, &property).unwrap();
            assert_eq!(merged.cases, whole.cases, "{text} in {n}");
            assert_eq!(
                merged.violation.as_ref().map(|v| (&v.faults, &v.values)),
                whole.violation.as_ref().map(|v| (&v.faults, &v.values)),
                "{text} in {n}"
            );
            let e = shards::merge_check(std::slice::from_ref(&parts), "other", &s, &property)
                .unwrap_err();
            assert!(e.contains("of another search"), "{e}");
        }
    }
}

/// `advise` in 1, 2 and 3 slices of its combinations, merged: the same rows, choice and JSON
/// as the unsharded run (the amounts survive the shard file exactly).
#[test]
fn advise_shards_merge_to_the_unsharded_advice() {
    use firehose_sim::study::advise::{self, Advice};
    use firehose_sim::study::check::Property;
    let dir = scratch("advise");
    let s = firehose_sim::scenario::load(&root().join("scenarios/advise-redshift.ron")).unwrap();
    let vary = s.check.as_ref().and_then(|c| c.vary.clone()).unwrap();
    let axes: Vec<_> = vary
        .iter()
        .map(|v| advise::parse_vary(v).unwrap())
        .collect();
    let property = Property::parse("no-skip && latency_seconds.p99 <= 3600").unwrap();
    let whole = advise::run(&s, &axes, &property, 8, 5, 0, false).unwrap();
    assert!(whole.choice.is_some() && whole.rows.len() == 8);
    let total = whole.rows.len();
    for n in [1u32, 2, 3] {
        let parts = dir.join(format!("parts-{n}"));
        for k in 0..n {
            let rows = advise::run_slice(
                &s,
                &axes,
                &property,
                8,
                5,
                0,
                false,
                Some((k as usize, n as usize)),
            )
            .unwrap();
            shards::write_advise_shard(&parts, Slice { k, n }, "h".into(), total, &rows).unwrap();
        }
        let merged =
            Advice::from_rows(shards::merge_advise(std::slice::from_ref(&parts), "h").unwrap());
        assert_eq!(merged.json(), whole.json(), "{n} shards");
    }
    let e = shards::merge_advise(std::slice::from_ref(&dir.join("parts-3")), "other").unwrap_err();
    assert!(e.contains("of another search"), "{e}");
}
