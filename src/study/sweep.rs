//! Parameter sweeps: a grid of settings times several seeds, run in parallel with common random
//! numbers (X2: seed k of every point draws the same streams), summarised with means and 95%
//! confidence intervals, and drawn as charts.

use super::fields::{self, label, output};
use crate::report::Report;
use crate::report::charts::{self, Chart, Line, Plot};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::{RunOptions, simulate};
use rayon::prelude::*;
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The most values one axis may have (a list, or what a `Range` gives).
pub const MAX_AXIS_VALUES: usize = 10_000;
/// The most runs (points x seeds) one sweep may make.
pub const MAX_RUNS: u64 = 100_000;

/// A sweep file (RON).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sweep")]
pub struct SweepFile {
    /// Name; the default output folder is `reports/<name>/`.
    pub name: String,
    /// The base scenario, relative to the sweep file.
    pub scenario: String,
    /// One or more axes; every combination of their values is a point.
    pub axes: Vec<Axis>,
    /// Seeds per point (default 3): seed k is the scenario's seed plus k, at every point.
    #[serde(default = "default_seeds")]
    pub seeds: u32,
    /// Report fields to tabulate, as paths into the JSON report (`records.skipped`).
    pub outputs: Vec<String>,
    /// Charts wanted: `"lines"` and `"heatmap"` (default both; a heatmap needs two axes).
    #[serde(default)]
    pub plots: Option<Vec<String>>,
    /// Where the file's parts are, to name them in errors (set by [`load`]).
    #[serde(skip)]
    pub places: Places,
}

fn default_seeds() -> u32 {
    3
}

/// The sweep file's name and text, to give `file:line:col` of a field path in errors.
#[derive(Debug, Clone, Default)]
pub struct Places {
    file: String,
    text: String,
}

impl Places {
    /// The text of the file as it was read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// `file:line:col` of field path `path` of the sweep file (or of its nearest enclosing
    /// part that was written), or the file alone.
    pub fn at(&self, path: &str) -> String {
        match crate::scenario::locate::Locator::new(&self.text).find(path) {
            Some(r) => {
                let (line, col) = crate::scenario::locate::line_col(&self.text, r.start);
                format!("{}:{line}:{col}", self.file)
            }
            None => self.file.clone(),
        }
    }
}

/// One axis: a field path into the scenario and its values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// A path such as `destination.retry_options.duration_in_seconds` or `faults[0].until`.
    pub field: String,
    /// The values: numbers, strings (durations such as `"2h"`, enum names such as
    /// `"OneHour"`), or `Range(from, to, step)` instead of the list.
    #[serde(deserialize_with = "axis_values")]
    pub values: Vec<ron::Value>,
    /// Set when the values were written as a `Range` (errors then name the range).
    #[serde(skip)]
    pub range: bool,
}

/// An axis's values as written: a list, or `Range(from, to, step)` (a named tuple, which RON
/// hands to an untagged enum as a one-key map).
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    List(Vec<ron::Value>),
    Range {
        #[serde(rename = "Range")]
        range: Vec<f64>,
    },
}

fn axis_values<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ron::Value>, D::Error> {
    use serde::de::Error;
    let written = Written::deserialize(d).map_err(|_| {
        D::Error::custom(
            "values: expected a list such as [1, 5, 32] or [\"1h\", \"2h\"], or Range(from, to, step)",
        )
    })?;
    let values = match written {
        Written::List(v) => v,
        Written::Range { range } => range_values(&range).map_err(D::Error::custom)?,
    };
    if values.len() > MAX_AXIS_VALUES {
        return Err(D::Error::custom(format!(
            "values: {} values: allowed at most {MAX_AXIS_VALUES} per axis",
            values.len()
        )));
    }
    Ok(values)
}

/// The values of `Range(from, to, step)`: from, from + step, ... up to `to` (within a
/// rounding of the step), at most [`MAX_AXIS_VALUES`].
fn range_values(r: &[f64]) -> Result<Vec<ron::Value>, String> {
    let written: Vec<String> = r.iter().map(|v| format!("{v}")).collect();
    let written = format!("Range({})", written.join(", "));
    let [from, to, step] = r[..] else {
        return Err(format!("{written} needs three numbers: from, to, step"));
    };
    if !(from.is_finite() && to.is_finite() && step.is_finite()) || step <= 0.0 || to < from {
        return Err(format!(
            "{written}: needs finite numbers, a step above 0 and `to` at least `from`"
        ));
    }
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if count > MAX_AXIS_VALUES as f64 {
        return Err(format!(
            "{written} gives {count} values: allowed at most {MAX_AXIS_VALUES} per axis"
        ));
    }
    (0..count as usize)
        .map(|k| {
            let v = from + k as f64 * step;
            // Written as a number literal and read as one, as if the list were in the file.
            let text = if v == v.trunc() && v.abs() < 9e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            };
            ron::from_str::<ron::Value>(&text).map_err(|e| format!("{written}: {e}"))
        })
        .collect()
}

/// Why a sweep could not run.
#[derive(Debug)]
pub enum SweepError {
    /// The sweep file or its scenario is malformed.
    Scenario(ScenarioError),
    /// A bad axis, value or output, named precisely (with the file, line and column).
    Invalid(String),
    /// A run failed an invariant.
    Run(String),
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepError::Scenario(e) => write!(f, "{e}"),
            SweepError::Invalid(m) => write!(f, "error: {m}"),
            SweepError::Run(m) => write!(f, "error: {m}"),
        }
    }
}

/// Reads a sweep file: every error names the file, line and column of the part at fault.
pub fn load(path: &Path) -> Result<(SweepFile, Scenario, PathBuf), SweepError> {
    let file = path.display().to_string();
    if let Some(why) = scenario::too_large(path) {
        return Err(SweepError::Invalid(format!("{file}: {why}")));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| SweepError::Invalid(format!("{file}: cannot read the sweep file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        let (line, col) = crate::scenario::locate::line_col(&good, good.len());
        SweepError::Invalid(format!(
            "{file}:{line}:{col}: the file is not UTF-8 text: a sweep is a RON text file"
        ))
    })?;
    let sweep = parse(&text, &file)?;
    let at = |path: &str| sweep.places.at(path);
    let bad = |path: &str, m: String| Err(SweepError::Invalid(format!("{}: {m}", at(path))));
    let base_path = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&sweep.scenario);
    if let Err(e) = std::fs::metadata(&base_path) {
        return bad(
            "scenario",
            format!(
                "\"{}\": cannot read the base scenario {}: {e}",
                sweep.scenario,
                base_path.display()
            ),
        );
    }
    let base = scenario::load(&base_path).map_err(SweepError::Scenario)?;
    Ok((sweep, base, base_path))
}

/// Parses and checks a sweep's text (`file` names it in messages), without its base scenario.
pub fn parse(text: &str, file: &str) -> Result<SweepFile, SweepError> {
    let file = file.to_string();
    let mut sweep: SweepFile = scenario::ron_options().from_str(text).map_err(|e| {
        SweepError::Invalid(format!(
            "{file}:{}:{}: {}",
            e.span.start.line.max(1),
            e.span.start.col.max(1),
            e.code
        ))
    })?;
    sweep.places = Places {
        file,
        text: text.to_string(),
    };
    let at = |path: &str| sweep.places.at(path);
    let bad = |path: &str, m: String| Err(SweepError::Invalid(format!("{}: {m}", at(path))));
    if sweep.axes.is_empty() || sweep.axes.len() > 4 {
        return bad("axes", "1 to 4 axes are allowed".into());
    }
    if sweep.outputs.is_empty() {
        return bad("outputs", "name at least one report field".into());
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if sweep.name.is_empty() || sweep.name.starts_with('.') || !sweep.name.chars().all(safe) {
        return bad(
            "name",
            format!(
                "\"{}\" names the output folder: use letters, digits, '-', '_' and '.'",
                sweep.name
            ),
        );
    }
    for (i, p) in sweep.plots.iter().flatten().enumerate() {
        if p != "lines" && p != "heatmap" {
            return bad(
                &format!("plots[{i}]"),
                format!("unknown chart \"{p}\": allowed \"lines\" and \"heatmap\""),
            );
        }
    }
    if let Some(i) = sweep.axes.iter().position(|a| a.field == "seed") {
        return bad(
            &format!("axes[{i}].field"),
            "the seed is not an axis: every point runs `seeds` seeds".into(),
        );
    }
    if let Some(i) = sweep.axes.iter().position(|a| a.values.is_empty()) {
        return bad(
            &format!("axes[{i}].values"),
            "an axis needs at least one value".into(),
        );
    }
    if !(1..=100).contains(&sweep.seeds) {
        return bad(
            "seeds",
            format!("{} is out of range: allowed 1 to 100", sweep.seeds),
        );
    }
    let mut runs = u64::from(sweep.seeds);
    for a in &sweep.axes {
        runs = runs.saturating_mul(a.values.len() as u64);
    }
    if runs > MAX_RUNS {
        let sizes: Vec<String> = sweep
            .axes
            .iter()
            .map(|a| a.values.len().to_string())
            .collect();
        return bad(
            "axes",
            format!(
                "{} points x {} seeds = {runs} runs: allowed at most {MAX_RUNS}",
                sizes.join(" x "),
                sweep.seeds
            ),
        );
    }
    let locator = crate::scenario::locate::Locator::new(text);
    for (i, a) in sweep.axes.iter_mut().enumerate() {
        let values = locator
            .find(&format!("axes[{i}].values"))
            .and_then(|r| text.get(r));
        a.range = values.is_some_and(|v| v.trim_start().starts_with("Range"));
    }
    Ok(sweep)
}

/// Where a point's scenario went wrong: the field path of an axis (its path names nothing in
/// the scenario) or one of its values, and the message.
struct PointError {
    place: Option<(usize, bool)>,
    message: String,
}

/// `base` with the given axis values set, checked like a scenario file.
pub fn apply(base: &Scenario, axes: &[Axis], values: &[&ron::Value]) -> Result<Scenario, String> {
    apply_at(base, axes, values).map_err(|e| e.message)
}

fn apply_at(
    base: &Scenario,
    axes: &[Axis],
    values: &[&ron::Value],
) -> Result<Scenario, PointError> {
    let fail = |place, message| PointError { place, message };
    let mut json = serde_json::to_value(base).map_err(|e| fail(None, e.to_string()))?;
    for (i, (axis, value)) in axes.iter().zip(values).enumerate() {
        fields::set(&mut json, &axis.field, value).map_err(|e| {
            fail(
                Some((i, true)),
                format!("axis {} value {}: {e}", i + 1, label(value)),
            )
        })?;
    }
    let point = || {
        let point: Vec<String> = axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{} = {}", a.field, label(v)))
            .collect();
        point.join(", ")
    };
    // The axis a problem names (its path starts with the axis's field), else the first.
    let blame = |m: &str| {
        let i = axes
            .iter()
            .position(|a| m.contains(a.field.as_str()))
            .unwrap_or(0);
        Some((i, false))
    };
    let s: Scenario = serde_json::from_value(json).map_err(|e| {
        let m = format!("{}: {e}", point());
        fail(blame(&m), m)
    })?;
    scenario::check(&s).map_err(|problems| {
        let joined = problems.join("; ");
        fail(blame(&joined), format!("at {}: {joined}", point()))
    })?;
    Ok(s)
}

/// Every point of the grid of `axes` (first axis slowest), as value indices.
pub fn grid(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut grid: Vec<Vec<usize>> = vec![Vec::new()];
    for axis in axes {
        grid = grid
            .into_iter()
            .flat_map(|p| (0..axis.values.len()).map(move |i| [p.clone(), vec![i]].concat()))
            .collect();
    }
    grid
}

/// Every point of the grid of `axes` and its scenario, each checked like a scenario file (for
/// small grids such as `advise`'s combinations; a sweep makes its scenarios as they run).
pub fn points(base: &Scenario, axes: &[Axis]) -> Result<(Vec<Vec<usize>>, Vec<Scenario>), String> {
    if let Some(a) = axes.iter().find(|a| a.values.is_empty()) {
        return Err(format!("axis `{}` has no values", a.field));
    }
    let grid = grid(axes);
    let scenarios = grid
        .iter()
        .map(|idx| {
            let values: Vec<&ron::Value> =
                idx.iter().zip(axes).map(|(i, a)| &a.values[*i]).collect();
            apply(base, axes, &values)
        })
        .collect::<Result<_, _>>()?;
    Ok((grid, scenarios))
}

impl SweepFile {
    /// The scenario of point `idx` (value indices): `base` with those values, checked like a
    /// scenario file; an error names the sweep file's line and column of the axis field or
    /// value at fault.
    pub fn point(&self, base: &Scenario, idx: &[usize]) -> Result<Scenario, String> {
        let values: Vec<&ron::Value> = idx
            .iter()
            .zip(&self.axes)
            .map(|(i, a)| &a.values[*i])
            .collect();
        apply_at(base, &self.axes, &values).map_err(|e| {
            let at = match e.place {
                Some((a, true)) => self.places.at(&format!("axes[{a}].field")),
                Some((a, false)) if self.axes[a].range => {
                    self.places.at(&format!("axes[{a}].values"))
                }
                Some((a, false)) => self.places.at(&format!("axes[{a}].values[{}]", idx[a])),
                None => self.places.at("axes"),
            };
            format!("{at}: {}", e.message)
        })
    }
}

/// Mean and half-width of the 95% confidence interval (Student's t).
pub fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    // t(0.975, df) for df = 1..30, then the normal 1.96.
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    let t = T.get(n - 2).copied().unwrap_or(1.96);
    (mean, t * (var / n as f64).sqrt())
}

/// One point of the grid and its results.
#[derive(Debug, Clone)]
pub struct PointResult {
    /// The axis values, as labels.
    pub labels: Vec<String>,
    /// Index of each axis value.
    pub index: Vec<usize>,
    /// `values[output][seed]`.
    pub values: Vec<Vec<f64>>,
}

/// A finished sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    /// The sweep file.
    pub sweep: SweepFile,
    /// The seeds used.
    pub seeds: Vec<u64>,
    /// Every point, first axis slowest.
    pub points: Vec<PointResult>,
}

/// Runs every point and seed on `jobs` threads (0: one per core). The results do not depend
/// on `jobs`.
pub fn run(
    sweep: &SweepFile,
    base: &Scenario,
    jobs: usize,
    progress: bool,
) -> Result<SweepResult, SweepError> {
    run_streaming(sweep, base, jobs, progress, None, &mut |_| Ok(()))
}

/// Points run at once per thread of the pool: a block's results are complete (in point order)
/// before the next block starts, so its rows can be handed on.
const POINTS_PER_THREAD: usize = 8;

/// [`run`], handing `rows` the CSV as it is made, in point order: the header first, then the
/// rows of each block of points as the block ends (the same text as
/// [`SweepResult::csv`]). Runs in progress are at most a block: threads x 8 points. With
/// `slice` `(k, n)`, only the points whose number is `k` modulo `n` run (a shard, see
/// [`super::shards`]); every point is still checked first.
pub fn run_streaming(
    sweep: &SweepFile,
    base: &Scenario,
    jobs: usize,
    progress: bool,
    slice: Option<(usize, usize)>,
    rows: &mut (dyn FnMut(&str) -> Result<(), String> + Send),
) -> Result<SweepResult, SweepError> {
    let all = grid(&sweep.axes);
    // Every point is checked before anything runs; scenarios are made again as they run, so
    // memory follows the runs in progress, not the grid.
    for idx in &all {
        sweep.point(base, idx).map_err(SweepError::Invalid)?;
    }
    // The probe runs the first point of the grid, in a shard too.
    let first = sweep.point(base, &all[0]).map_err(SweepError::Invalid)?;
    let grid: Vec<Vec<usize>> = match slice {
        Some((k, n)) => all.into_iter().skip(k).step_by(n.max(1)).collect(),
        None => all,
    };
    // Seeds are the base seed, the next one, ...: one past u64::MAX is refused, not wrapped.
    let seeds: Vec<u64> = (0..u64::from(sweep.seeds))
        .map(|k| base.seed.checked_add(k))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            SweepError::Invalid(format!(
                "{}: {} seeds from the base seed {} go past the largest seed, {}: use a base seed of at most {}",
                sweep.places.at("seeds"),
                sweep.seeds,
                base.seed,
                u64::MAX,
                u64::MAX - (u64::from(sweep.seeds) - 1)
            ))
        })?;
    // Outputs are checked against the report's shape first.
    let probe = Report::new(
        &simulate(
            &Scenario {
                duration: crate::engine::SimDuration::from_secs(1),
                ..first
            },
            &RunOptions::default(),
        )
        .map_err(SweepError::Run)?,
    );
    let probe = serde_json::to_value(&probe).map_err(|e| SweepError::Run(e.to_string()))?;
    for (i, o) in sweep.outputs.iter().enumerate() {
        output(&probe, o).map_err(|e| {
            SweepError::Invalid(format!(
                "{}: {e}",
                sweep.places.at(&format!("outputs[{i}]"))
            ))
        })?;
    }
    let mut result = SweepResult {
        sweep: sweep.clone(),
        seeds,
        points: Vec::with_capacity(grid.len()),
    };
    rows(&result.csv_header()).map_err(SweepError::Run)?;
    let (n, seeds) = (result.seeds.len(), &result.seeds);
    let total = grid.len() * n;
    let points = &mut result.points;
    super::parallel(jobs, total, progress, |bar| {
        let block = rayon::current_num_threads() * POINTS_PER_THREAD;
        for idxs in grid.chunks(block) {
            // The block's scenarios, made once each for all their seeds.
            let scenarios = idxs
                .par_iter()
                .map(|idx| sweep.point(base, idx))
                .collect::<Result<Vec<Scenario>, String>>()?;
            let runs: Vec<(usize, u64)> = (0..idxs.len())
                .flat_map(|p| seeds.iter().map(move |s| (p, *s)))
                .collect();
            let results = runs
                .par_iter()
                .map(|(p, seed)| {
                    let out = simulate(
                        &scenarios[*p],
                        &RunOptions {
                            seed: Some(*seed),
                            ..Default::default()
                        },
                    )?;
                    bar.inc(1);
                    let json =
                        serde_json::to_value(Report::new(&out)).map_err(|e| e.to_string())?;
                    sweep
                        .outputs
                        .iter()
                        .map(|o| output(&json, o))
                        .collect::<Result<Vec<f64>, String>>()
                })
                .collect::<Result<Vec<Vec<f64>>, String>>()?;
            let mut text = String::new();
            for (p, idx) in idxs.iter().enumerate() {
                let point = PointResult {
                    labels: idx
                        .iter()
                        .zip(&sweep.axes)
                        .map(|(i, a)| label(&a.values[*i]))
                        .collect(),
                    index: idx.clone(),
                    values: (0..sweep.outputs.len())
                        .map(|o| (0..n).map(|s| results[p * n + s][o]).collect())
                        .collect(),
                };
                csv_rows(&mut text, &point, seeds);
                points.push(point);
            }
            rows(&text)?;
        }
        Ok(())
    })
    .map_err(SweepError::Run)?;
    Ok(result)
}

/// The CSV rows of `p`, one per seed, appended to `s`.
fn csv_rows(s: &mut String, p: &PointResult, seeds: &[u64]) {
    for (k, seed) in seeds.iter().enumerate() {
        for l in &p.labels {
            s.push_str(l);
            s.push(',');
        }
        s.push_str(&seed.to_string());
        for v in &p.values {
            s.push(',');
            s.push_str(&num(v[k]));
        }
        s.push('\n');
    }
}

fn num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

impl SweepResult {
    /// `sweep.csv`: one row per point and seed.
    pub fn csv(&self) -> String {
        let mut s = self.csv_header();
        for p in &self.points {
            csv_rows(&mut s, p, &self.seeds);
        }
        s
    }

    /// The CSV's header line: the axes' fields, `seed`, the outputs.
    fn csv_header(&self) -> String {
        let mut s = String::new();
        for a in &self.sweep.axes {
            s.push_str(&a.field);
            s.push(',');
        }
        s.push_str("seed");
        for o in &self.sweep.outputs {
            s.push(',');
            s.push_str(o);
        }
        s.push('\n');
        s
    }

    /// The charts: each output against the first axis, one line per value of the second, with
    /// 95% intervals; and a heatmap of each output's mean when there are two axes.
    pub fn plots(&self) -> Vec<Plot> {
        let axes = &self.sweep.axes;
        let x_names: Vec<String> = axes[0].values.iter().map(label).collect();
        let wanted = |kind: &str| {
            self.sweep
                .plots
                .as_ref()
                .is_none_or(|p| p.iter().any(|x| x == kind))
        };
        // Lines show axes 3 and 4 at their first value; the table and the CSV have every point.
        let fixed = if axes.len() > 2 {
            let f: Vec<String> = axes[2..]
                .iter()
                .map(|a| format!("{} = {}", a.field, label(&a.values[0])))
                .collect();
            format!(", at {}", f.join(", "))
        } else {
            String::new()
        };
        let mut plots = Vec::new();
        for (o, name) in self.sweep.outputs.iter().enumerate() {
            let groups: Vec<usize> = if axes.len() > 1 {
                (0..axes[1].values.len()).collect()
            } else {
                vec![0]
            };
            let lines = groups
                .iter()
                .map(|g| {
                    let pts: Vec<&PointResult> = self
                        .points
                        .iter()
                        .filter(|p| axes.len() == 1 || p.index[1] == *g)
                        .filter(|p| p.index.iter().skip(2).all(|i| *i == 0))
                        .collect();
                    let stats: Vec<(f64, f64)> =
                        pts.iter().map(|p| mean_ci(&p.values[o])).collect();
                    Line {
                        name: if axes.len() > 1 {
                            format!("{} = {}", axes[1].field, label(&axes[1].values[*g]))
                        } else {
                            name.clone()
                        },
                        points: pts
                            .iter()
                            .zip(&stats)
                            .map(|(p, s)| (p.index[0] as f64, s.0))
                            .collect(),
                        errors: Some(stats.iter().map(|s| (s.0 - s.1, s.0 + s.1)).collect()),
                    }
                })
                .collect();
            let stem = name.replace(['.', '[', ']'], "_");
            let lines_plot = Plot {
                stem: format!("{stem}-lines"),
                title: format!(
                    "{}: {name} ({}{fixed})",
                    self.sweep.name,
                    if self.seeds.len() == 1 {
                        "1 seed".to_string()
                    } else {
                        format!("mean, 95% CI, {} seeds", self.seeds.len())
                    }
                ),
                chart: Chart::Lines {
                    x_desc: axes[0].field.clone(),
                    y_desc: name.clone(),
                    lines,
                    shade: Vec::new(),
                    log_x: false,
                    x_names: Some(x_names.clone()),
                },
            };
            if wanted("lines") {
                plots.push(lines_plot);
            }
            if axes.len() == 2 && wanted("heatmap") {
                let values = (0..axes[1].values.len())
                    .map(|r| {
                        (0..axes[0].values.len())
                            .map(|c| {
                                self.points
                                    .iter()
                                    .find(|p| p.index[0] == c && p.index[1] == r)
                                    .map_or(0.0, |p| mean_ci(&p.values[o]).0)
                            })
                            .collect()
                    })
                    .collect();
                plots.push(Plot {
                    stem: format!("{stem}-heatmap"),
                    title: format!("{}: mean {name}", self.sweep.name),
                    chart: Chart::Heatmap {
                        x_desc: axes[0].field.clone(),
                        y_desc: axes[1].field.clone(),
                        x_names: x_names.clone(),
                        y_names: axes[1].values.iter().map(label).collect(),
                        values,
                    },
                });
            }
        }
        plots
    }

    /// `summary.md`: the settings, a table of means and intervals, and the charts.
    pub fn summary(&self, question: &str, plots: &[Plot]) -> String {
        let sw = &self.sweep;
        let mut s = format!("# Sweep: {}\n\n", sw.name);
        if !question.is_empty() {
            let _ = writeln!(s, "{question}\n");
        }
        let _ = writeln!(
            s,
            "Base scenario `{}`, {} points x {} seeds (seeds {}; seed k is the same at every point, so differences between points are the settings, not noise).\n",
            sw.scenario,
            self.points.len(),
            self.seeds.len(),
            self.seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        for a in &sw.axes {
            let _ = writeln!(
                s,
                "- `{}`: {}",
                a.field,
                a.values.iter().map(label).collect::<Vec<_>>().join(", ")
            );
        }
        s.push_str("\n|");
        for a in &sw.axes {
            let _ = write!(s, " {} |", a.field);
        }
        for o in &sw.outputs {
            let _ = write!(s, " {o} (mean ± 95% CI) |");
        }
        s.push_str("\n|");
        for _ in 0..sw.axes.len() + sw.outputs.len() {
            s.push_str("---|");
        }
        s.push('\n');
        for p in &self.points {
            s.push('|');
            for l in &p.labels {
                let _ = write!(s, " {l} |");
            }
            for v in &p.values {
                let (m, ci) = mean_ci(v);
                let _ = write!(
                    s,
                    " {} ± {} |",
                    num((m * 1000.0).round() / 1000.0),
                    num((ci * 1000.0).round() / 1000.0)
                );
            }
            s.push('\n');
        }
        s.push_str("\n## Charts\n\n");
        for p in plots {
            let _ = writeln!(s, "![{}]({}.svg)\n", p.title, p.stem);
        }
        s
    }

    /// Writes `sweep.csv`, `summary.md` and the charts into `dir`.
    pub fn write(&self, dir: &Path, question: &str, png: bool) -> Result<(), String> {
        self.write_summary(dir, question, png)?;
        let path = dir.join("sweep.csv");
        std::fs::write(&path, self.csv())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// [`SweepResult::write`] without `sweep.csv` (for a run that streamed it there).
    pub fn write_summary(&self, dir: &Path, question: &str, png: bool) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let plots = self.plots();
        for p in &plots {
            charts::write(p, dir, png)?;
        }
        let path = dir.join("summary.md");
        std::fs::write(&path, self.summary(question, &plots))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// The question a file answers: its leading `//` comment lines, joined.
pub fn question(path: &Path) -> String {
    question_of(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The question a sweep's text answers: its leading `//` comment lines, joined.
pub fn question_of(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("//"))
        .map(|l| l.trim_start().trim_start_matches('/').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_and_intervals_are_right() {
        let labels =
            |r: &[f64]| -> Vec<String> { range_values(r).unwrap().iter().map(label).collect() };
        assert_eq!(
            labels(&[0.0, 7200.0, 1800.0]),
            ["0", "1800", "3600", "5400", "7200"]
        );
        assert_eq!(labels(&[0.5, 1.0, 0.25]), ["0.5", "0.75", "1"]);
        assert!(range_values(&[1.0, 2.0]).is_err());
        // The limit and the message agree: 10,000 values are allowed, 10,001 are not.
        assert_eq!(
            range_values(&[1.0, 10_000.0, 1.0]).unwrap().len(),
            MAX_AXIS_VALUES
        );
        let e = range_values(&[1.0, 10_001.0, 1.0]).unwrap_err();
        assert!(
            e.contains("gives 10001 values: allowed at most 10000"),
            "{e}"
        );
        let (m, ci) = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12 && (ci - 4.303 / 3f64.sqrt()).abs() < 1e-9);
    }
}
