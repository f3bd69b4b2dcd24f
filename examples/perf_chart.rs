//! The README's performance charts: run time of `scenarios/bench-quota.ron` against simulated
//! duration (1 h to 7 d) and against rate (1,000 to 500,000 records/s for 24 h), with call
//! trains and call by call (`--no-trains`), on one thread.
//!
//! `cargo run --release --example perf_chart` writes `docs/perf.csv`,
//! `docs/perf-duration.svg` and `docs/perf-rate.svg` (and PNGs beside them with `-- --png`). Times are wall-clock seconds of one
//! simulation on an otherwise idle machine; they vary from machine to machine, the shapes do
//! not.

use firehose_sim::engine::SimDuration;
use firehose_sim::report::charts::{self, Chart, Line, Plot};
use firehose_sim::scenario::{self, Rate, Scenario, Source};
use firehose_sim::{RunOptions, simulate};
use std::path::Path;
use std::time::Instant;

/// Seconds one run of `s` takes, the best of `tries`.
fn time(s: &Scenario, no_trains: bool, tries: u32) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for _ in 0..tries {
        let started = Instant::now();
        simulate(
            s,
            &RunOptions {
                no_trains,
                ..Default::default()
            },
        )?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn with_rate(s: &Scenario, records_per_second: f64) -> Scenario {
    let mut s = s.clone();
    for src in &mut s.sources {
        let Source::DirectPut(p) = src;
        p.rate = Rate::Constant(records_per_second);
    }
    s
}

fn main() -> Result<(), String> {
    let png = std::env::args().any(|a| a == "--png");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base =
        scenario::load(&root.join("scenarios/bench-quota.ron")).map_err(|e| e.to_string())?;
    let mut csv = String::from("series,x,trains_s,calls_s\n");
    let (mut by_duration, mut by_duration_calls) = (Vec::new(), Vec::new());
    for hours in [1u64, 3, 6, 12, 24, 72, 168] {
        let s = Scenario {
            duration: SimDuration::from_secs(hours * 3600),
            ..base.clone()
        };
        let trains = time(&s, false, 3)?;
        by_duration.push((hours as f64, trains));
        // Call by call grows with the calls: measured up to a day.
        let calls = if hours <= 24 {
            let c = time(&s, true, 1)?;
            by_duration_calls.push((hours as f64, c));
            format!("{c:.3}")
        } else {
            String::new()
        };
        csv.push_str(&format!("duration_hours,{hours},{trains:.3},{calls}\n"));
        eprintln!("{hours} h: {trains:.3} s with trains, {calls} call by call");
    }
    let (mut by_rate, mut by_rate_calls) = (Vec::new(), Vec::new());
    for rate in [1_000.0, 5_000.0, 20_000.0, 100_000.0, 250_000.0, 500_000.0] {
        let s = with_rate(&base, rate);
        let trains = time(&s, false, 3)?;
        let calls = time(&s, true, 1)?;
        by_rate.push((rate, trains));
        by_rate_calls.push((rate, calls));
        csv.push_str(&format!(
            "records_per_second,{rate},{trains:.3},{calls:.3}\n"
        ));
        eprintln!("{rate} records/s: {trains:.3} s with trains, {calls:.3} s call by call");
    }
    let docs = root.join("docs");
    std::fs::create_dir_all(&docs).map_err(|e| e.to_string())?;
    std::fs::write(docs.join("perf.csv"), csv).map_err(|e| e.to_string())?;
    let line = |name: &str, points: Vec<(f64, f64)>| Line {
        name: name.into(),
        points,
        errors: None,
    };
    let chart = |stem: &str, title: &str, x_desc: &str, lines: Vec<Line>| {
        let plot = Plot {
            stem: stem.into(),
            title: title.into(),
            chart: Chart::Lines {
                x_desc: x_desc.into(),
                y_desc: "run time (s, one thread)".into(),
                lines,
                shade: Vec::new(),
                log_x: true,
                x_names: None,
            },
        };
        charts::write(&plot, &docs, png)
    };
    chart(
        "perf-duration",
        "bench-quota (500,000 records/s): run time against simulated duration",
        "simulated hours",
        vec![
            line("call trains", by_duration),
            line("call by call (--no-trains)", by_duration_calls),
        ],
    )?;
    chart(
        "perf-rate",
        "bench-quota for 24 h: run time against rate",
        "records per second (500 a call)",
        vec![
            line("call trains", by_rate),
            line("call by call (--no-trains)", by_rate_calls),
        ],
    )?;
    Ok(())
}
