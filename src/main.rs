//! The `firehose-sim` binary: parse the command line, call the library, map errors to exit
//! codes (0 success, 1 a check found a violation, 2 bad input).

mod cli;

use clap::Parser;
use cli::{Cli, Command, Format};
use firehose_sim::report::{self, Report};
use firehose_sim::{RunOptions, scenario, simulate};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Exit code for bad input.
const BAD_INPUT: u8 = 2;
/// Exit code for a violated check or invariant.
const VIOLATION: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Validate { scenario: path } => match scenario::load(&path) {
            Ok(s) => {
                print!("{}", scenario::to_ron(&s));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(BAD_INPUT)
            }
        },
        Command::Run {
            scenario: path,
            seed,
            format,
            out,
            stats,
        } => run(&path, seed, format, out.as_deref(), stats),
        Command::Sweep { sweep, jobs, out } => run_sweep(&sweep, jobs, out),
        Command::Gallery {
            scenarios,
            out,
            png,
        } => match firehose_sim::gallery::regenerate(&scenarios, &out, png) {
            Ok(_) => {
                eprintln!("gallery written to {}", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    if e.starts_with("error") {
                        e
                    } else {
                        format!("error: {e}")
                    }
                );
                ExitCode::from(BAD_INPUT)
            }
        },
    }
}

fn run(
    path: &Path,
    seed: Option<u64>,
    format: Format,
    out: Option<&Path>,
    stats: bool,
) -> ExitCode {
    let s = match scenario::load(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let started = Instant::now();
    let output = match simulate(
        &s,
        &RunOptions {
            seed,
            trace: false,
            metrics: out.is_some(),
        },
    ) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(VIOLATION);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    let json = Report::new(&output).to_json();
    match format {
        Format::Text => print!("{}", report::text(&output)),
        Format::Markdown => print!("{}", report::markdown(&output)),
        Format::Json => print!("{json}"),
    }
    if let Some(dir) = out
        && let Err(e) = report::write_run(&output, dir, true)
    {
        eprintln!("error: {e}");
        return ExitCode::from(BAD_INPUT);
    }
    if stats {
        let simulated = output.scenario.duration.as_secs_f64();
        eprintln!(
            "stats: {} events ({} through the queue) in {:.3} s wall: {:.0} events/s, {:.0}x real time, peak memory {}",
            output.events,
            output.queue_events,
            wall,
            output.events as f64 / wall.max(1e-9),
            simulated / wall.max(1e-9),
            peak_memory().unwrap_or_else(|| "unknown".into())
        );
    }
    ExitCode::SUCCESS
}

fn run_sweep(path: &Path, jobs: usize, out: Option<std::path::PathBuf>) -> ExitCode {
    use firehose_sim::sweep::{self, SweepError};
    use std::io::IsTerminal;
    let started = Instant::now();
    let result = sweep::load(path)
        .and_then(|(sw, base, _)| sweep::run(&sw, &base, jobs, std::io::stderr().is_terminal()));
    let result = match result {
        Ok(r) => r,
        Err(e @ SweepError::Run(_)) => {
            eprintln!("{e}");
            return ExitCode::from(VIOLATION);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let ran = started.elapsed().as_secs_f64();
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&result.sweep.name));
    if let Err(e) = result.write(&dir, &sweep::question(path), true) {
        eprintln!("error: {e}");
        return ExitCode::from(BAD_INPUT);
    }
    print!("{}", result.csv());
    eprintln!(
        "sweep {}: {} points x {} seeds ran in {:.2} s; charts and tables written to {} in {:.2} s",
        result.sweep.name,
        result.points.len(),
        result.seeds.len(),
        ran,
        dir.display(),
        started.elapsed().as_secs_f64() - ran
    );
    ExitCode::SUCCESS
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib as f64 / 1024.0))
}
