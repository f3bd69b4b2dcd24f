//! `firehose-sim advise`: every combination of some settings is checked against a property
//! under the scenario's fault space (as `check` does) and costed (C1, C2); the cheapest one
//! for which no violation was found is the advice.
//!
//! Common random numbers (X2): every combination is searched with the same seed, so the same
//! fault schedules are tried against each (as long as the fault space is the same), and
//! differences between rows come from the settings, not from luck.

use super::check::{self, Property};
use super::fields::label;
use super::sweep::{Axis, points};
use crate::report::Report;
use crate::scenario::Scenario;
use crate::testing::FaultSpace;
use crate::{RunOptions, simulate};
use rayon::prelude::*;
use serde::Serialize;

/// One `--vary PATH=V1,V2,...`.
pub fn parse_vary(text: &str) -> Result<Axis, String> {
    let (path, values) = text
        .split_once('=')
        .ok_or_else(|| format!("--vary {text:?}: expected PATH=V1,V2,... (e.g. destination.retry_options.duration_in_seconds=1800,3600)"))?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("--vary {text:?}: the field path is empty"));
    }
    let values: Vec<ron::Value> = values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            // Numbers and RON values as they are; anything else (2h, OneHour) as a string.
            ron::from_str::<ron::Value>(v)
                .ok()
                .filter(|x| !matches!(x, ron::Value::Unit))
                .unwrap_or_else(|| ron::Value::String(v.trim_matches('"').to_string()))
        })
        .collect();
    if values.is_empty() {
        return Err(format!("--vary {text:?}: no values after `=`"));
    }
    Ok(Axis {
        field: path.to_string(),
        values,
        range: false,
    })
}

/// One combination's result.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `PATH: value` of each varied setting.
    pub settings: Vec<(String, String)>,
    /// True when no case broke the property.
    pub holds: bool,
    /// Cases run (before the first violation, if any).
    pub cases: u32,
    /// The shrunk schedule that broke it, one fault per entry.
    pub counterexample: Option<Vec<String>>,
    /// The scenario's own run: cost for the run and per 30-day month, and p99 latency.
    pub total_usd: f64,
    /// Per 30-day month.
    pub monthly_usd: f64,
    /// p99 latency of the scenario's own run, in seconds.
    pub p99_seconds: f64,
}

/// The advice: the rows, and which one to choose.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    /// The chosen row's settings, or `None` when no combination holds.
    pub choice: Option<Vec<(String, String)>>,
    /// Every combination, in the order of the grid (first `--vary` slowest).
    pub rows: Vec<Row>,
    /// When none holds: the row that came closest (most cases before a violation, then the
    /// cheapest).
    pub closest: Option<usize>,
    /// The index of the chosen row.
    #[serde(skip)]
    pub chosen: Option<usize>,
}

/// Checks and costs every combination of `axes` on `base`, `jobs` at a time.
pub fn run(
    base: &Scenario,
    axes: &[Axis],
    property: &Property,
    cases: u32,
    seed: u64,
    jobs: usize,
    progress: bool,
) -> Result<Advice, String> {
    let rows = run_slice(base, axes, property, cases, seed, jobs, progress, None)?;
    Ok(Advice::from_rows(
        rows.into_iter().map(|(_, r)| r).collect(),
    ))
}

/// The rows of the combinations in slice `(k, n)` (those whose number in grid order is `k`
/// modulo `n`; all without a slice), each with its number, checked and costed `jobs` at a
/// time (see [`super::shards`]).
#[allow(clippy::too_many_arguments)]
pub fn run_slice(
    base: &Scenario,
    axes: &[Axis],
    property: &Property,
    cases: u32,
    seed: u64,
    jobs: usize,
    progress: bool,
    slice: Option<(usize, usize)>,
) -> Result<Vec<(usize, Row)>, String> {
    let (grid, scenarios) = points(base, axes)?;
    let mine: Vec<usize> = match slice {
        Some((k, n)) => (k..grid.len()).step_by(n.max(1)).collect(),
        None => (0..grid.len()).collect(),
    };
    let results = super::parallel(jobs, mine.len(), progress, |bar| {
        mine.par_iter()
            .map(|&i| {
                let s = &scenarios[i];
                let own = simulate(s, &RunOptions::default())?;
                let report = Report::new(&own);
                let outcome = check::run(s, property, &FaultSpace::for_scenario(s), cases, seed)?;
                bar.inc(1);
                Ok((report, outcome))
            })
            .collect::<Result<Vec<_>, String>>()
    })?;
    Ok(mine
        .iter()
        .zip(results)
        .map(|(&i, (report, outcome))| {
            let idx = &grid[i];
            (
                i,
                Row {
                    settings: idx
                        .iter()
                        .zip(axes)
                        .map(|(i, a)| (a.field.clone(), label(&a.values[*i])))
                        .collect(),
                    holds: outcome.violation.is_none(),
                    cases: outcome.cases,
                    counterexample: outcome
                        .violation
                        .map(|v| v.faults.iter().map(check::describe).collect()),
                    total_usd: report.cost.total_usd,
                    monthly_usd: report.cost.monthly_usd,
                    p99_seconds: report.latency_seconds.p99,
                },
            )
        })
        .collect())
}

impl Advice {
    /// The advice of `rows` (every combination, in grid order): the cheapest that holds, or
    /// the closest when none does.
    pub fn from_rows(rows: Vec<Row>) -> Advice {
        let chosen = choose(&rows);
        let closest = if chosen.is_none() {
            (0..rows.len()).min_by(|&a, &b| {
                rows[b]
                    .cases
                    .cmp(&rows[a].cases)
                    .then(rows[a].monthly_usd.total_cmp(&rows[b].monthly_usd))
            })
        } else {
            None
        };
        Advice {
            choice: chosen.map(|i| rows[i].settings.clone()),
            rows,
            closest,
            chosen,
        }
    }
}

/// The cheapest row that holds (monthly cost); ties go to the lower p99 latency, then to
/// the first in grid order.
fn choose(rows: &[Row]) -> Option<usize> {
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
    let mut best: Option<usize> = None;
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.holds) {
        best = match best {
            None => Some(i),
            Some(b) => {
                let o = &rows[b];
                let better = if !same(r.monthly_usd, o.monthly_usd) {
                    r.monthly_usd < o.monthly_usd
                } else {
                    !same(r.p99_seconds, o.p99_seconds) && r.p99_seconds < o.p99_seconds
                };
                Some(if better { i } else { b })
            }
        };
    }
    best
}

impl Advice {
    /// The table as text (or Markdown with `markdown`).
    pub fn table(&self, markdown: bool) -> String {
        let heads: Vec<String> = self
            .rows
            .first()
            .map(|r| r.settings.iter().map(|(p, _)| p.clone()).collect())
            .unwrap_or_default();
        let mut out = String::new();
        let cells = |r: &Row, i: usize| -> Vec<String> {
            let mut c: Vec<String> = r.settings.iter().map(|(_, v)| v.clone()).collect();
            c.push(if r.holds {
                format!("holds ({} cases)", r.cases)
            } else {
                format!(
                    "breaks at case {}: {}",
                    r.cases.max(1),
                    r.counterexample
                        .as_ref()
                        .filter(|f| !f.is_empty())
                        .map_or("the scenario's own faults".to_string(), |f| f.join("; "))
                )
            });
            c.push(format!("{:.2}", r.monthly_usd));
            c.push(format!("{:.1}", r.p99_seconds));
            c.push(if Some(i) == self.chosen {
                "<- choice".into()
            } else if Some(i) == self.closest {
                "<- closest".into()
            } else {
                String::new()
            });
            c
        };
        let mut head = heads.clone();
        head.extend(["property", "USD / 30 days", "p99 s", ""].map(String::from));
        if markdown {
            out.push_str(&format!("| {} |\n", head.join(" | ")));
            out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
            for (i, r) in self.rows.iter().enumerate() {
                out.push_str(&format!("| {} |\n", cells(r, i).join(" | ")));
            }
        } else {
            let body: Vec<Vec<String>> = self
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| cells(r, i))
                .collect();
            let widths: Vec<usize> = (0..head.len())
                .map(|c| {
                    body.iter()
                        .map(|r| r[c].chars().count())
                        .chain([head[c].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| {
                let mut l = String::from(" ");
                for (c, w) in cells.iter().zip(&widths) {
                    l.push_str(&format!(" {c:<w$}"));
                }
                l.trim_end().to_string() + "\n"
            };
            out.push_str(&line(&head));
            for r in &body {
                out.push_str(&line(r));
            }
        }
        out
    }

    /// One row per combination as CSV: the settings, holds, cases, monthly and run USD, p99.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        if let Some(r) = self.rows.first() {
            for (p, _) in &r.settings {
                out.push_str(p);
                out.push(',');
            }
        }
        out.push_str("holds,cases,monthly_usd,total_usd,p99_seconds,counterexample\n");
        for r in &self.rows {
            for (_, v) in &r.settings {
                out.push_str(&csv_cell(v));
                out.push(',');
            }
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                r.holds,
                r.cases,
                r.monthly_usd,
                r.total_usd,
                r.p99_seconds,
                csv_cell(
                    &r.counterexample
                        .as_ref()
                        .map_or(String::new(), |f| f.join("; "))
                )
            ));
        }
        out
    }

    /// The chart of cost against p99 latency, holding rows and breaking rows as two series.
    pub fn plot(&self, name: &str) -> crate::report::charts::Plot {
        use crate::report::charts::{Chart, Line, Plot};
        let series = |holds: bool, label: &str| Line {
            name: label.to_string(),
            points: self
                .rows
                .iter()
                .filter(|r| r.holds == holds)
                .map(|r| (r.p99_seconds, r.monthly_usd))
                .collect(),
            errors: None,
        };
        Plot {
            stem: "advise".into(),
            title: format!("{name}: monthly cost against p99 latency"),
            chart: Chart::Scatter {
                x_desc: "p99 latency of the scenario's own run (s)".into(),
                y_desc: "USD per 30 days".into(),
                series: vec![series(true, "holds"), series(false, "breaks")],
            },
        }
    }
}

impl Advice {
    /// The verdict line: the choice, or that none holds and the closest.
    pub fn verdict(&self) -> String {
        let settings = |i: usize| {
            self.rows[i]
                .settings
                .iter()
                .map(|(p, v)| format!("{p} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self.chosen, self.closest) {
            (Some(i), _) => format!(
                "choice: {} (the cheapest that holds: {:.2} USD per 30 days)",
                settings(i),
                self.rows[i].monthly_usd
            ),
            (None, Some(i)) => format!(
                "NO combination holds; the closest is {} (its first violation came at case {})",
                settings(i),
                self.rows[i].cases.max(1)
            ),
            (None, None) => "NO combination holds".to_string(),
        }
    }

    /// The JSON of `--format json`: `{"choice": {PATH: VALUE, ...} or null, "rows": [...]}`,
    /// values as numbers where they are numbers.
    pub fn json(&self) -> String {
        let settings = |c: &[(String, String)]| {
            c.iter()
                .map(|(p, v)| {
                    let value =
                        serde_json::from_str(v).unwrap_or(serde_json::Value::String(v.clone()));
                    (p.clone(), value)
                })
                .collect::<serde_json::Map<_, _>>()
        };
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "settings": settings(&r.settings),
                    "holds": r.holds,
                    "cases": r.cases,
                    "counterexample": r.counterexample,
                    "monthly_usd": r.monthly_usd,
                    "total_usd": r.total_usd,
                    "p99_seconds": r.p99_seconds,
                })
            })
            .collect();
        let json = serde_json::json!({
            "choice": self.chosen.map(|i| settings(&self.rows[i].settings)),
            "rows": rows,
        });
        serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
    }

    /// The Markdown summary: what was searched, the verdict, the table and the chart.
    pub fn markdown(&self, head: &str) -> String {
        format!(
            "# {head}\n\n{}\n\n{}\n![monthly cost against p99 latency](advise.svg)\n",
            self.verdict(),
            self.table(true)
        )
    }

    /// Writes `advise.md` (with `head` as its title), `advise.json`, `advise.csv` and
    /// `advise.svg` into `dir`.
    pub fn write(&self, dir: &std::path::Path, head: &str, name: &str) -> Result<(), String> {
        let file = |f: &str| dir.join(f);
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(file("advise.md"), self.markdown(head)))
            .and_then(|()| std::fs::write(file("advise.json"), self.json()))
            .and_then(|()| std::fs::write(file("advise.csv"), self.csv()))
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
        let svg = crate::report::charts::svg(&self.plot(name))?;
        std::fs::write(file("advise.svg"), svg)
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))
    }
}

/// What an advice searched, for its title: `advise NAME: property `P`, N combinations x C
/// cases, seed S`.
pub fn head(name: &str, property: &str, combinations: usize, cases: u32, seed: u64) -> String {
    format!(
        "advise {name}: property `{property}`, {combinations} combinations x {cases} cases, seed {seed}"
    )
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
