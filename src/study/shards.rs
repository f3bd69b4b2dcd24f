//! Sweeps past one machine: a sweep split into N slices that batch engines run as separate
//! tasks (Slurm job arrays, Kubernetes Indexed Jobs), and the merge of their outputs into the
//! files an unsharded run writes, byte for byte.
//!
//! Slice K of N runs the points whose number (first axis slowest, as in `sweep.csv`) is K
//! modulo N, every seed of each. Seed k is the base seed plus k at every point in every slice,
//! and each component draws from its own stream (X2), so a point's numbers do not depend on
//! which slice, machine or thread ran it: the merge only reorders. A slice writes
//! `shard-K-of-N.csv` (point number, seed, each output in full precision) and
//! `shard-K-of-N.manifest.json` (the sweep's hash, K, N, the seeds, and the sweep's text, so
//! that the merge can write the summary and charts without the sweep file). The hash covers the
//! sweep's text, the base scenario as validated and the program's version: shards of two
//! different sweeps, or of one sweep edited between tasks, cannot be merged.
//!
//! `check` shards the same way over its cases: slice K runs the cases whose number (in the
//! order the search draws them) is K modulo N, and shrinks its first violation as the whole
//! search would; the merge takes the violation with the lowest case number, which is the whole
//! search's, with the same shrunk schedule. `advise` shards over its combinations.

use super::advise::Row;
use super::check::{self, CheckOutcome, Property};
use super::sweep::{self, PointResult, SweepFile, SweepResult};
use crate::engine::rng::stable_hash;
use crate::scenario::{self, Fault, Scenario};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The most slices a sweep may be split into.
pub const MAX_SHARDS: u32 = 10_000;

/// Slice `k` of `n` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// This slice, `0 <= k < n`.
    pub k: u32,
    /// How many slices.
    pub n: u32,
}

impl Slice {
    fn new(k: u64, n: u64, what: &str) -> Result<Slice, String> {
        if n == 0 || n > u64::from(MAX_SHARDS) {
            return Err(format!("{what}: {n} shards: allowed 1 to {MAX_SHARDS}"));
        }
        if k >= n {
            return Err(format!(
                "{what}: shard {k} of {n}: allowed 0 to {} (shards count from 0)",
                n - 1
            ));
        }
        Ok(Slice {
            k: k as u32,
            n: n as u32,
        })
    }

    /// `K/N` as `--shard` takes it.
    pub fn parse(text: &str) -> Result<Slice, String> {
        let what = format!("--shard {text}");
        let (k, n) = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)))
            .ok_or_else(|| format!("{what}: expected K/N, e.g. 0/4 (shard K of N, from 0)"))?;
        Slice::new(k, n, &what)
    }

    /// The slice a batch engine gives this task, when no `--shard` was given: Slurm's
    /// `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT` (or `SLURM_ARRAY_TASK_MIN` and
    /// `SLURM_ARRAY_TASK_MAX`), or, given `shards` (`--shards`), Kubernetes'
    /// `JOB_COMPLETION_INDEX`. `env` reads a variable. `None` when neither applies.
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        shards: Option<u32>,
    ) -> Result<Option<Slice>, String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            match env(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| format!("{name}={v}: expected a whole number")),
            }
        };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let (min, n) = match (
                num("SLURM_ARRAY_TASK_COUNT")?,
                num("SLURM_ARRAY_TASK_MIN")?,
                num("SLURM_ARRAY_TASK_MAX")?,
            ) {
                (_, Some(min), Some(max)) if max >= min => (min, max - min + 1),
                (Some(count), min, _) => (min.unwrap_or(0), count),
                _ => {
                    return Err(
                        "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX: give --shard K/N"
                            .into(),
                    );
                }
            };
            let k = id.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
            })?;
            return Slice::new(k, n, &format!("SLURM_ARRAY_TASK_ID={id}")).map(Some);
        }
        // An Indexed Job's index counts only with --shards: without it the whole sweep runs.
        if let (Some(n), Some(index)) = (shards, num("JOB_COMPLETION_INDEX")?) {
            return Slice::new(
                index,
                u64::from(n),
                &format!("JOB_COMPLETION_INDEX={index}"),
            )
            .map(Some);
        }
        Ok(None)
    }

    /// `shard-K-of-N`: the stem of this slice's files.
    pub fn stem(&self) -> String {
        format!("shard-{}-of-{}", self.k, self.n)
    }
}

/// What a slice writes beside its rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The manifest's format (1).
    pub format: u32,
    /// The sweep's hash (hex): its text, the base scenario as validated, the version.
    pub sweep_hash: String,
    /// This slice.
    pub shard: u32,
    /// How many slices.
    pub shards: u32,
    /// Points in the whole grid.
    pub points: u64,
    /// Points of this slice.
    pub shard_points: u64,
    /// The seeds every point ran.
    pub seeds: Vec<u64>,
    /// The sweep file as given, and its text.
    pub sweep_file: String,
    /// The sweep file's text.
    pub sweep_text: String,
    /// The question the sweep answers (its leading comment).
    pub question: String,
}

/// The hash that ties a slice to its sweep.
pub fn sweep_hash(sweep_text: &str, base: &Scenario) -> String {
    let text = format!(
        "{sweep_text}\0{}\0{}",
        scenario::to_ron(base),
        env!("CARGO_PKG_VERSION")
    );
    format!("{:016x}", stable_hash(&text))
}

/// The number of the point with value indices `idx` (first axis slowest).
fn point_number(sweep: &SweepFile, idx: &[usize]) -> u64 {
    idx.iter()
        .zip(&sweep.axes)
        .fold(0u64, |n, (i, a)| n * a.values.len() as u64 + *i as u64)
}

/// Runs slice `slice` of the sweep at `path` (loaded as `sweep`, `base`) and writes its rows
/// and manifest to `dir`; returns the paths written and the points run.
pub fn run_slice(
    path: &Path,
    sweep: &SweepFile,
    base: &Scenario,
    slice: Slice,
    jobs: usize,
    progress: bool,
    dir: &Path,
) -> Result<(PathBuf, PathBuf, usize), sweep::SweepError> {
    // The text the sweep was loaded from (not the file again, which may have changed since).
    let text = sweep.places.text().to_string();
    let result = sweep::run_streaming(
        sweep,
        base,
        jobs,
        progress,
        Some((slice.k as usize, slice.n as usize)),
        &mut |_| Ok(()),
    )?;
    let mut csv = String::from("point,seed");
    for o in &sweep.outputs {
        let _ = write!(csv, ",{o}");
    }
    csv.push('\n');
    for p in &result.points {
        let number = point_number(sweep, &p.index);
        for (s, seed) in result.seeds.iter().enumerate() {
            let _ = write!(csv, "{number},{seed}");
            for v in &p.values {
                // Shortest text that reads back as the same f64.
                let _ = write!(csv, ",{}", v[s]);
            }
            csv.push('\n');
        }
    }
    let manifest = Manifest {
        format: 1,
        sweep_hash: sweep_hash(&text, base),
        shard: slice.k,
        shards: slice.n,
        points: sweep::grid(&sweep.axes).len() as u64,
        shard_points: result.points.len() as u64,
        seeds: result.seeds.clone(),
        sweep_file: path.display().to_string(),
        sweep_text: text.clone(),
        question: sweep::question_of(&text),
    };
    let fail = |p: &Path, e: std::io::Error| {
        sweep::SweepError::Run(format!("cannot write {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let rows = dir.join(format!("{}.csv", slice.stem()));
    let man = dir.join(format!("{}.manifest.json", slice.stem()));
    std::fs::write(&rows, csv).map_err(|e| fail(&rows, e))?;
    let json = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    std::fs::write(&man, json).map_err(|e| fail(&man, e))?;
    Ok((rows, man, result.points.len()))
}

/// A slice's file, as the merges read it.
trait SliceFile: serde::de::DeserializeOwned {
    /// What the file is, in messages (`shard manifest`).
    const WHAT: &'static str;
    /// How its name starts (`shard-`); every one ends in `.json`.
    const PREFIX: &'static str;
    fn shard(&self) -> u32;
    fn shards(&self) -> u32;
    fn hash(&self) -> &str;
}

/// Every slice file of type `T` in `dirs`, in name order within each folder.
fn read_slices<T: SliceFile>(dirs: &[PathBuf]) -> Result<Vec<(T, PathBuf)>, String> {
    let mut found = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: cannot read the folder: {e}", dir.display()))?;
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(T::PREFIX) && n.ends_with(".json"))
            })
            .collect();
        names.sort();
        for path in names {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            let file: T = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}:{}:{}: not a {}: {e}",
                    path.display(),
                    e.line(),
                    e.column(),
                    T::WHAT
                )
            })?;
            found.push((file, path));
        }
    }
    if found.is_empty() {
        let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(format!(
            "no {}s ({}K-of-N{}) in {}",
            T::WHAT,
            T::PREFIX,
            if T::PREFIX == "shard-" {
                ".manifest.json"
            } else {
                ".json"
            },
            names.join(", ")
        ));
    }
    Ok(found)
}

/// Checks that `found` holds each of the N slices of one search once, all with hash `hash`
/// (`foreign` says why one does not belong); returns them by slice number.
fn one_of_each<'a, T: SliceFile>(
    found: &'a [(T, PathBuf)],
    hash: &str,
    dirs: &[PathBuf],
    foreign: impl Fn(&T, &Path) -> String,
) -> Result<Vec<&'a (T, PathBuf)>, String> {
    let n = found.first().map_or(1, |(f, _)| f.shards());
    let mut by_shard: Vec<Option<&(T, PathBuf)>> = vec![None; n as usize];
    for f in found {
        let (file, path) = f;
        if file.hash() != hash || file.shards() != n {
            return Err(foreign(file, path));
        }
        let slot = by_shard.get_mut(file.shard() as usize).ok_or_else(|| {
            format!(
                "{}: shard {} of {n} is out of range",
                path.display(),
                file.shard()
            )
        })?;
        if let Some((_, other)) = slot {
            return Err(format!(
                "shard {} of {n} is there twice: {} and {}",
                file.shard(),
                other.display(),
                path.display()
            ));
        }
        *slot = Some(f);
    }
    let missing: Vec<String> = by_shard
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_none())
        .map(|(k, _)| format!("{}{k}-of-{n}", T::PREFIX))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(format!(
            "{} of {n} shards missing ({}) in {}",
            missing.len(),
            missing.join(", "),
            names.join(", ")
        ));
    }
    Ok(by_shard.into_iter().flatten().collect())
}

impl SliceFile for Manifest {
    const WHAT: &'static str = "shard manifest";
    const PREFIX: &'static str = "shard-";
    fn shard(&self) -> u32 {
        self.shard
    }
    fn shards(&self) -> u32 {
        self.shards
    }
    fn hash(&self) -> &str {
        &self.sweep_hash
    }
}

/// Reads every slice in `dirs`, checks that they are the N slices of one sweep, each once,
/// and puts their rows back in point order: the sweep's result and its question, as an
/// unsharded run has them.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepResult, String), String> {
    let found: Vec<(Manifest, PathBuf)> = read_slices(dirs)?;
    let (first, first_path) = &found[0];
    let n = first.shards;
    let by_shard = one_of_each(&found, &first.sweep_hash, dirs, |m, path| {
        format!(
            "{} is shard {} of {} of sweep {} ({}), but {} is shard {} of {} of sweep {} ({}): shards of different sweeps, or of a sweep changed between tasks, cannot be merged",
            path.display(),
            m.shard,
            m.shards,
            m.sweep_hash,
            m.sweep_file,
            first_path.display(),
            first.shard,
            n,
            first.sweep_hash,
            first.sweep_file
        )
    })?;
    let m = first;
    let sw = sweep::parse(&m.sweep_text, &m.sweep_file).map_err(|e| match e {
        sweep::SweepError::Invalid(m) | sweep::SweepError::Run(m) => m,
        other => other.to_string(),
    })?;
    let grid = sweep::grid(&sw.axes);
    let outputs = sw.outputs.len();
    let seeds = m.seeds.clone();
    // values[point][output][seed]
    let mut values: Vec<Option<Vec<Vec<f64>>>> = vec![None; grid.len()];
    let mut seen = vec![vec![false; seeds.len()]; grid.len()];
    for (manifest, path) in &by_shard {
        let rows = path.with_file_name(format!(
            "{}.csv",
            Slice {
                k: manifest.shard,
                n
            }
            .stem()
        ));
        let text = std::fs::read_to_string(&rows)
            .map_err(|e| format!("{}: cannot read the shard's rows: {e}", rows.display()))?;
        for (line_no, line) in text.lines().enumerate().skip(1) {
            let bad = || {
                format!(
                    "{}:{}: not a row of this sweep: {line}",
                    rows.display(),
                    line_no + 1
                )
            };
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() != 2 + outputs {
                return Err(bad());
            }
            let p: usize = cells[0].parse().map_err(|_| bad())?;
            let seed: u64 = cells[1].parse().map_err(|_| bad())?;
            let s = seeds.iter().position(|x| *x == seed).ok_or_else(bad)?;
            if p >= grid.len() || p % n as usize != manifest.shard as usize {
                return Err(bad());
            }
            if seen[p][s] {
                return Err(format!(
                    "{}:{}: point {p} seed {seed} is there twice",
                    rows.display(),
                    line_no + 1
                ));
            }
            seen[p][s] = true;
            let v = values[p].get_or_insert_with(|| vec![vec![0.0; seeds.len()]; outputs]);
            for (o, cell) in cells[2..].iter().enumerate() {
                v[o][s] = cell.parse().map_err(|_| bad())?;
            }
        }
    }
    if let Some(p) = seen.iter().position(|s| s.iter().any(|x| !x)) {
        let k = p % n as usize;
        return Err(format!(
            "point {p} has no row for every seed in shard-{k}-of-{n}.csv: that shard did not finish"
        ));
    }
    let points = grid
        .iter()
        .zip(values)
        .map(|(idx, v)| PointResult {
            labels: idx
                .iter()
                .zip(&sw.axes)
                .map(|(i, a)| super::fields::label(&a.values[*i]))
                .collect(),
            index: idx.clone(),
            values: v.unwrap_or_default(),
        })
        .collect();
    let question = m.question.clone();
    Ok((
        SweepResult {
            sweep: sw,
            seeds,
            points,
        },
        question,
    ))
}

/// What a `check` slice writes: `check-shard-K-of-N.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckShard {
    /// The format (1).
    pub format: u32,
    /// The check's hash: the scenario with its merged `check` section, the seed, the version.
    pub check_hash: String,
    /// This slice.
    pub shard: u32,
    /// How many slices.
    pub shards: u32,
    /// Cases of the whole search up to and with this slice's violation, or all of them.
    pub cases: u32,
    /// This slice's first violation, shrunk: the generated faults.
    pub faults: Option<Vec<Fault>>,
}

/// The hash that ties a check slice to its search: the scenario with the merged `check`
/// section (property, fault space, cases), the seed and the version.
pub fn check_hash(s: &Scenario, seed: u64) -> String {
    let text = format!(
        "{}\0{seed}\0{}",
        scenario::to_ron(s),
        env!("CARGO_PKG_VERSION")
    );
    format!("{:016x}", stable_hash(&text))
}

/// Writes slice `slice`'s outcome to `dir`; returns the file.
pub fn write_check_shard(
    dir: &Path,
    slice: Slice,
    hash: String,
    outcome: &CheckOutcome,
) -> Result<PathBuf, String> {
    let shard = CheckShard {
        format: 1,
        check_hash: hash,
        shard: slice.k,
        shards: slice.n,
        cases: outcome.cases,
        faults: outcome.violation.as_ref().map(|v| v.faults.clone()),
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("check-{}.json", slice.stem()));
    let json = serde_json::to_string_pretty(&shard).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Reads the check slices in `dirs`, checks that they are the N slices of this search (`hash`),
/// each once, and gives the whole search's outcome: the violation with the lowest case number
/// (rebuilt from its faults on `base`), or none in all the cases.
pub fn merge_check(
    dirs: &[PathBuf],
    hash: &str,
    base: &Scenario,
    property: &Property,
) -> Result<CheckOutcome, String> {
    let found: Vec<(CheckShard, PathBuf)> = read_slices(dirs)?;
    let by_shard = one_of_each(&found, hash, dirs, |s, path| {
        format!(
            "{} is shard {} of {} of another search (hash {}) than this one ({hash}): merge with the scenario, flags and seed the shards ran with",
            path.display(),
            s.shard,
            s.shards,
            s.check_hash
        )
    })?;
    let first = &found[0].0;
    let first_violation = by_shard
        .iter()
        .filter(|(s, _)| s.faults.is_some())
        .min_by_key(|(s, _)| s.cases);
    match first_violation {
        Some((s, _)) => Ok(CheckOutcome {
            cases: s.cases,
            violation: Some(check::violation_of(
                base,
                property,
                s.faults.clone().unwrap_or_default(),
            )?),
        }),
        None => Ok(CheckOutcome {
            cases: first.cases,
            violation: None,
        }),
    }
}

/// One combination's row as an `advise` slice writes it: its number in grid order, and the
/// amounts as the shortest text that reads back as the same f64.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShardRow {
    /// Its number in grid order.
    pub index: usize,
    /// `PATH: value` of each varied setting.
    pub settings: Vec<(String, String)>,
    /// No case broke the property.
    pub holds: bool,
    /// Cases run.
    pub cases: u32,
    /// The shrunk schedule that broke it.
    pub counterexample: Option<Vec<String>>,
    /// Cost of the run, per 30-day month, p99 latency (f64 as text).
    pub amounts: [String; 3],
}

/// What an `advise` slice writes: `advise-shard-K-of-N.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdviseShard {
    /// The format (1).
    pub format: u32,
    /// The search's hash ([`check_hash`]) with the varied settings.
    pub advise_hash: String,
    /// This slice.
    pub shard: u32,
    /// How many slices.
    pub shards: u32,
    /// Combinations in the whole grid.
    pub combinations: usize,
    /// This slice's rows.
    pub rows: Vec<ShardRow>,
}

/// The hash that ties an `advise` slice to its search: [`check_hash`] and the `--vary` list.
pub fn advise_hash(s: &Scenario, seed: u64, vary: &[String]) -> String {
    let text = format!("{}\0{}", check_hash(s, seed), vary.join("\0"));
    format!("{:016x}", stable_hash(&text))
}

/// Writes slice `slice`'s rows (`rows`, with their numbers, of `combinations`) to `dir`.
pub fn write_advise_shard(
    dir: &Path,
    slice: Slice,
    hash: String,
    combinations: usize,
    rows: &[(usize, Row)],
) -> Result<PathBuf, String> {
    let shard = AdviseShard {
        format: 1,
        advise_hash: hash,
        shard: slice.k,
        shards: slice.n,
        combinations,
        rows: rows
            .iter()
            .map(|(i, r)| ShardRow {
                index: *i,
                settings: r.settings.clone(),
                holds: r.holds,
                cases: r.cases,
                counterexample: r.counterexample.clone(),
                amounts: [r.total_usd, r.monthly_usd, r.p99_seconds].map(|v| v.to_string()),
            })
            .collect(),
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("advise-{}.json", slice.stem()));
    let json = serde_json::to_string_pretty(&shard).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Reads the `advise` slices in `dirs`, checks that they are the N slices of this search
/// (`hash`), each once, and gives every combination's row in grid order.
pub fn merge_advise(dirs: &[PathBuf], hash: &str) -> Result<Vec<Row>, String> {
    let found: Vec<(AdviseShard, PathBuf)> = read_slices(dirs)?;
    let total = found[0].0.combinations;
    let by_shard = one_of_each(&found, hash, dirs, |s, path| {
        format!(
            "{} is shard {} of {} of another search (hash {}) than this one ({hash}): merge with the scenario, --vary, flags and seed the shards ran with",
            path.display(),
            s.shard,
            s.shards,
            s.advise_hash
        )
    })?;
    let n = found[0].0.shards;
    let mut rows: Vec<Option<Row>> = vec![None; total];
    for (s, path) in by_shard {
        if s.combinations != total {
            return Err(format!(
                "{}: {} combinations, not {total}",
                path.display(),
                s.combinations
            ));
        }
        for r in &s.rows {
            let bad = || {
                format!(
                    "{}: row {} is not one of this shard's",
                    path.display(),
                    r.index
                )
            };
            if r.index >= total || r.index % n as usize != s.shard as usize {
                return Err(bad());
            }
            let [t, m, p] = r.amounts.clone().map(|a| a.parse::<f64>());
            rows[r.index] = Some(Row {
                settings: r.settings.clone(),
                holds: r.holds,
                cases: r.cases,
                counterexample: r.counterexample.clone(),
                total_usd: t.map_err(|_| bad())?,
                monthly_usd: m.map_err(|_| bad())?,
                p99_seconds: p.map_err(|_| bad())?,
            });
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.ok_or_else(|| format!("combination {i} has no row: its shard did not finish"))
        })
        .collect()
}

impl SliceFile for CheckShard {
    const WHAT: &'static str = "check shard";
    const PREFIX: &'static str = "check-shard-";
    fn shard(&self) -> u32 {
        self.shard
    }
    fn shards(&self) -> u32 {
        self.shards
    }
    fn hash(&self) -> &str {
        &self.check_hash
    }
}

impl SliceFile for AdviseShard {
    const WHAT: &'static str = "advise shard";
    const PREFIX: &'static str = "advise-shard-";
    fn shard(&self) -> u32 {
        self.shard
    }
    fn shards(&self) -> u32 {
        self.shards
    }
    fn hash(&self) -> &str {
        &self.advise_hash
    }
}
