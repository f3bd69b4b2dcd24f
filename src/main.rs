//! The `firehose-sim` binary: parse the command line, call the library, map errors to exit
//! codes (0 success, 1 a check found a violation, 2 bad input).

mod cli;

/// Writes a diagnostic on stderr; a stderr that cannot be written is ignored (the exit code
/// stays the one the error deserves), never a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

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
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "firehose-sim", &mut buf);
            // clap_complete spells a hyphenated name two ways in bash (clap-rs/clap#6421), so
            // subcommands would complete nothing: the case arms get the spelling `cmd` uses.
            let mut script = String::from_utf8_lossy(&buf).into_owned();
            if shell == clap_complete::Shell::Bash {
                script = script.replace("firehose__subcmd__sim", "firehose__sim");
            }
            match emit(&script) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut buf) {
                say!("error: cannot render the manual page: {e}");
                return ExitCode::from(VIOLATION);
            }
            match emit(&String::from_utf8_lossy(&buf)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Command::Validate { scenario: path } => match scenario::load(&path) {
            Ok(s) => {
                warn_about(&s, &path);
                match emit(&scenario::to_ron(&s)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(code) => code,
                }
            }
            Err(e) => {
                say!("{e}");
                ExitCode::from(BAD_INPUT)
            }
        },
        Command::Run {
            scenario: path,
            seed,
            format,
            out,
            stats,
            no_trains,
        } => run(&path, seed, format, out.as_deref(), stats, no_trains),
        Command::Sweep {
            sweep,
            jobs,
            out,
            shard,
            shards,
        } => {
            use firehose_sim::study::shards::Slice;
            let slice = match shard {
                Some(text) => Slice::parse(&text).map(Some),
                None => Slice::from_env(|n| std::env::var(n).ok(), shards),
            };
            match slice {
                Ok(None) if shards.is_some() => {
                    say!(
                        "error: --shards needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); elsewhere give --shard K/N"
                    );
                    ExitCode::from(BAD_INPUT)
                }
                Ok(slice) => run_sweep(&sweep, jobs, out, slice),
                Err(e) => {
                    say!("error: {e}");
                    ExitCode::from(BAD_INPUT)
                }
            }
        }
        Command::SweepMerge { dirs, out } => sweep_merge(&dirs, out),
        Command::Explain {
            scenario: path,
            record,
            at,
            seed,
            format,
        } => explain(&path, record, at.as_deref(), seed, format),
        Command::Check {
            scenario: path,
            search,
            out,
            force,
            shard,
            merge,
        } => {
            let slice = match shard
                .as_deref()
                .map(firehose_sim::study::shards::Slice::parse)
            {
                None => None,
                Some(Ok(s)) => Some(s),
                Some(Err(e)) => {
                    say!("error: {e}");
                    return ExitCode::from(BAD_INPUT);
                }
            };
            if let Some(o) = out.as_ref().filter(|o| o.is_file() && !force) {
                say!(
                    "error: --out {}: the file exists: give --force to replace it, or another --out",
                    o.display()
                );
                return ExitCode::from(BAD_INPUT);
            }
            let seed = search.seed;
            let flag = search.property.is_some();
            let check = match with_search(&path, search) {
                Ok(s) => s,
                Err(code) => return code,
            };
            // Outputs go outside the repository by default (a temporary folder, named).
            let default_out = scratch_dir().join(
                path.with_extension("counterexample.ron")
                    .file_name()
                    .map_or_else(|| "counterexample.ron".into(), |n| n.to_owned()),
            );
            let shards = match (slice, merge.is_empty()) {
                (Some(slice), _) => Shards::Run(slice),
                (None, false) => Shards::Merge(&merge),
                (None, true) => Shards::None,
            };
            run_check(&check, (&path, flag), seed, out, default_out, shards)
        }
        Command::Advise {
            scenario: path,
            vary,
            search,
            jobs,
            format,
            out,
            shard,
            merge,
        } => {
            let seed = search.seed;
            let flag = search.property.is_some();
            let shards = match shard
                .as_deref()
                .map(firehose_sim::study::shards::Slice::parse)
            {
                Some(Ok(slice)) => Shards::Run(slice),
                Some(Err(e)) => {
                    say!("error: {e}");
                    return ExitCode::from(BAD_INPUT);
                }
                None if !merge.is_empty() => Shards::Merge(&merge),
                None => Shards::None,
            };
            match with_search(&path, search) {
                Ok(s) => advise(
                    &s,
                    (&path, flag),
                    &vary,
                    seed,
                    jobs,
                    format,
                    out.as_deref(),
                    shards,
                ),
                Err(code) => code,
            }
        }
        Command::Import {
            file,
            out,
            from,
            resource,
        } => import(&file, out.as_deref(), from, resource),
        Command::Gallery {
            scenarios,
            out,
            png,
        } => {
            let busy = Busy::new("regenerating the gallery");
            let result = firehose_sim::study::gallery::regenerate(&scenarios, &out, png);
            drop(busy);
            gallery_done(result, &out)
        }
    }
}

fn gallery_done(result: Result<String, String>, out: &Path) -> ExitCode {
    match result {
        Ok(_) => {
            say!("gallery written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!(
                "{}",
                if e.starts_with("error") {
                    e
                } else {
                    format!("error: {e}")
                }
            );
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn run(
    path: &Path,
    seed: Option<u64>,
    format: Format,
    out: Option<&Path>,
    stats: bool,
    no_trains: bool,
) -> ExitCode {
    let s = match scenario::load(path) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    warn_about(&s, path);
    let started = Instant::now();
    let busy = Busy::new("simulating");
    let output = match simulate(
        &s,
        &RunOptions {
            seed,
            trace: false,
            metrics: out.is_some(),
            focus: None,
            no_trains,
            report_when_stopped: true,
        },
    ) {
        Ok(o) => o,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(VIOLATION);
        }
    };
    drop(busy);
    let wall = started.elapsed().as_secs_f64();
    let json = Report::new(&output).to_json();
    let shown = match format {
        Format::Text => emit(&report::text(&output)),
        Format::Markdown => emit(&report::markdown(&output)),
        Format::Json => emit(&json),
    };
    if let Err(code) = shown {
        return code;
    }
    if let Some(dir) = out
        && let Err(e) = report::write_run(&output, dir, true)
    {
        say!("error: {e}");
        return ExitCode::from(VIOLATION);
    }
    if stats {
        let simulated = output.scenario.duration.as_secs_f64();
        say!(
            "stats: {} events ({} through the queue) in {:.3} s wall: {:.0} events/s, {:.0}x real time, peak memory {}",
            output.events,
            output.queue_events,
            wall,
            output.events as f64 / wall.max(1e-9),
            simulated / wall.max(1e-9),
            peak_memory().unwrap_or_else(|| "unknown".into())
        );
    }
    if let Some(why) = &output.stopped {
        // The report above covers the run up to the stop; the scenario asks for more than
        // the backlog bound allows.
        say!("error: {why}");
        return ExitCode::from(BAD_INPUT);
    }
    ExitCode::SUCCESS
}

fn explain(
    path: &Path,
    record: Option<u64>,
    at: Option<&str>,
    seed: Option<u64>,
    format: cli::ExplainFormat,
) -> ExitCode {
    use firehose_sim::model::Focus;
    use firehose_sim::study::explain;
    let mut s = match scenario::load(path) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    if let Some(seed) = seed {
        s.seed = seed;
    }
    let focus = match (record, at) {
        (Some(id), _) => Focus::Record(id),
        (None, Some(t)) => match firehose_sim::engine::SimDuration::parse(t) {
            Ok(d) => Focus::At(firehose_sim::engine::SimTime(d.0)),
            Err(e) => {
                say!("error: --at {t}: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        },
        (None, None) => {
            say!("error: give --record ID or --at TIME");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let busy = Busy::new("simulating");
    let explained = explain::explain(&s, focus);
    drop(busy);
    match explained {
        Ok(x) => {
            let out = match format {
                cli::ExplainFormat::Text => Ok(x.to_text()),
                cli::ExplainFormat::Json => Ok(x.to_json()),
                cli::ExplainFormat::Svg => x.to_svg(),
            };
            match out {
                Ok(text) => match emit(&text) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(code) => code,
                },
                Err(e) => {
                    say!("error: {e}");
                    ExitCode::from(VIOLATION)
                }
            }
        }
        Err(e) => {
            say!("error: {}: {e}", path.display());
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Merges the shards in `dirs` (see `study::shards`) and writes what `sweep` writes.
fn sweep_merge(dirs: &[std::path::PathBuf], out: Option<std::path::PathBuf>) -> ExitCode {
    let started = Instant::now();
    let (result, question) = match firehose_sim::study::shards::merge(dirs) {
        Ok(r) => r,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let dir = out.unwrap_or_else(|| dirs[0].clone());
    if let Err(e) = result.write(&dir, &question, true) {
        say!("error: {e}");
        return ExitCode::from(VIOLATION);
    }
    if let Err(code) = emit(&result.csv()) {
        return code;
    }
    say!(
        "sweep {}: merged {} points x {} seeds; charts and tables written to {} in {:.2} s",
        result.sweep.name,
        result.points.len(),
        result.seeds.len(),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

fn run_sweep(
    path: &Path,
    jobs: usize,
    out: Option<std::path::PathBuf>,
    slice: Option<firehose_sim::study::shards::Slice>,
) -> ExitCode {
    use firehose_sim::study::sweep::{self, SweepError};
    use std::io::IsTerminal;
    let started = Instant::now();
    if let Err(e) = firehose_sim::study::check_jobs(jobs) {
        say!("error: {e}");
        return ExitCode::from(BAD_INPUT);
    }
    let (sw, base, _) = match sweep::load(path) {
        Ok(l) => l,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let dir = out.unwrap_or_else(|| scratch_dir().join(&sw.name));
    if let Some(slice) = slice {
        let progress = std::io::stderr().is_terminal();
        return match firehose_sim::study::shards::run_slice(
            path, &sw, &base, slice, jobs, progress, &dir,
        ) {
            Ok((rows, manifest, points)) => {
                say!(
                    "sweep {}: shard {} of {}: {points} points x {} seeds ran in {:.2} s; wrote {} and {}",
                    sw.name,
                    slice.k,
                    slice.n,
                    sw.seeds,
                    started.elapsed().as_secs_f64(),
                    rows.display(),
                    manifest.display()
                );
                ExitCode::SUCCESS
            }
            Err(SweepError::Invalid(m)) => {
                say!("error: {m}");
                ExitCode::from(BAD_INPUT)
            }
            Err(e @ SweepError::Scenario(_)) => {
                say!("{e}");
                ExitCode::from(BAD_INPUT)
            }
            Err(e) => {
                say!("{e}");
                ExitCode::from(VIOLATION)
            }
        };
    }
    // Rows go to standard output and to DIR/sweep.csv as each block of points ends.
    let csv_path = dir.join("sweep.csv");
    // Made with the header, once every point is checked: a bad sweep leaves nothing.
    let mut csv: Option<std::fs::File> = None;
    let mut stdout_failed = None;
    let mut rows = |text: &str| -> Result<(), String> {
        use std::io::Write;
        let cannot = |e: std::io::Error| format!("cannot write {}: {e}", csv_path.display());
        if csv.is_none() {
            std::fs::create_dir_all(&dir).map_err(cannot)?;
            csv = Some(std::fs::File::create(&csv_path).map_err(cannot)?);
        }
        if let Some(f) = csv.as_mut() {
            f.write_all(text.as_bytes()).map_err(cannot)?;
        }
        if stdout_failed.is_none() {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => {}
                // A closed pipe (`| head`) stops the printing, not the sweep.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => stdout_failed = Some(None),
                Err(e) => stdout_failed = Some(Some(e)),
            }
        }
        Ok(())
    };
    let progress = std::io::stderr().is_terminal();
    let result = match sweep::run_streaming(&sw, &base, jobs, progress, None, &mut rows) {
        Ok(r) => r,
        Err(e @ SweepError::Run(_)) => {
            say!("{e}");
            return ExitCode::from(VIOLATION);
        }
        // A bad point or output: the message names the sweep file's line and column.
        Err(SweepError::Invalid(m)) => {
            say!("error: {m}");
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            say!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let ran = started.elapsed().as_secs_f64();
    if let Err(e) = result.write_summary(&dir, &sweep::question(path), true) {
        say!("error: {e}");
        return ExitCode::from(VIOLATION);
    }
    if let Some(Some(e)) = stdout_failed {
        say!("error: cannot write standard output: {e}");
        return ExitCode::from(VIOLATION);
    }
    say!(
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

/// The scenario at `path` with the search flags merged into its `check` section (flags win),
/// range-checked like the file's section.
fn with_search(path: &Path, search: cli::Search) -> Result<scenario::Scenario, ExitCode> {
    let s = scenario::load(path).map_err(|e| {
        say!("{e}");
        ExitCode::from(BAD_INPUT)
    })?;
    warn_about(&s, path);
    struct Given {
        cases: bool,
        max_faults: bool,
        max_probability: bool,
        max_outage: bool,
        targets: bool,
        kinds: bool,
    }
    let given = Given {
        cases: search.cases.is_some(),
        max_faults: search.max_faults.is_some(),
        max_probability: search.max_probability.is_some(),
        max_outage: search.max_outage.is_some(),
        targets: search.targets.is_some(),
        kinds: search.kinds.is_some(),
    };
    let mut c = s.check.clone().unwrap_or_default();
    c.targets = search.targets.or(c.targets);
    c.kinds = search.kinds.or(c.kinds);
    c.max_outage = search.max_outage.or(c.max_outage);
    c.max_probability = search.max_probability.or(c.max_probability);
    c.max_faults = search.max_faults.or(c.max_faults);
    c.cases = search.cases.or(c.cases);
    let check = scenario::Scenario {
        check: Some(scenario::CheckSpace {
            property: search.property.or(c.property.clone()),
            ..c
        }),
        ..s
    };
    if let Err(problems) = scenario::check(&check) {
        // A flag's value is named by its flag, not by the file's field.
        let flags = [
            ("check.cases", "--cases", given.cases),
            ("check.max_faults", "--max-faults", given.max_faults),
            (
                "check.max_probability",
                "--max-probability",
                given.max_probability,
            ),
            ("check.max_outage", "--max-outage", given.max_outage),
            ("check.targets", "--targets", given.targets),
            ("check.kinds", "--kinds", given.kinds),
        ];
        for p in problems {
            match flags.iter().find(|(f, _, on)| *on && p.starts_with(f)) {
                Some((f, flag, _)) => say!("error: {flag}{}", &p[f.len()..]),
                None => say!("error: {}: {p}", path.display()),
            }
        }
        return Err(ExitCode::from(BAD_INPUT));
    }
    Ok(check)
}

/// Where a property came from: the scenario file, and whether `--property` gave it (else the
/// file's `check.property`).
type PropertySource<'a> = (&'a Path, bool);

/// Says what is wrong with property `text` (`e` starts with its column): at `--property`, or at
/// the file, line and column of the `check.property` text; a long property is shortened.
fn property_error((path, flag): PropertySource, text: &str, e: &str) {
    let (col, why) = e
        .strip_prefix("column ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, why)| Some((n.parse::<usize>().ok()?, why)))
        .unwrap_or((1, e));
    let shown: String = if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text.to_string()
    };
    if flag {
        say!("error: --property \"{shown}\": column {col}: {why}");
        return;
    }
    // The column within the file's string: after its opening quote.
    let place = std::fs::read_to_string(path).ok().and_then(|src| {
        let at = scenario::locate::Locator::new(&src)
            .find("check.property")?
            .start;
        let (line, c) = scenario::locate::line_col(&src, at);
        Some(format!("{line}:{}", c + col))
    });
    match place {
        Some(place) => say!(
            "error: {}:{place}: check.property \"{shown}\": {why}",
            path.display()
        ),
        None => say!(
            "error: {}: check.property \"{shown}\": column {col}: {why}",
            path.display()
        ),
    }
}

/// The property of a merged `check` section, parsed; exit 2 with a message when missing or bad.
fn property_of(
    s: &scenario::Scenario,
    (path, flag): PropertySource,
) -> Result<(String, firehose_sim::study::check::Property), ExitCode> {
    let Some(text) = s.check.as_ref().and_then(|c| c.property.clone()) else {
        say!(
            "error: {}: no property: give --property (e.g. no-skip) or check.property",
            path.display()
        );
        return Err(ExitCode::from(BAD_INPUT));
    };
    match firehose_sim::study::check::Property::parse(&text) {
        Ok(p) => Ok((text, p)),
        Err(e) => {
            property_error((path, flag), &text, &e);
            Err(ExitCode::from(BAD_INPUT))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn advise(
    s: &scenario::Scenario,
    source: PropertySource,
    vary: &[String],
    seed: Option<u64>,
    jobs: usize,
    format: cli::AdviseFormat,
    out: Option<&Path>,
    shards: Shards,
) -> ExitCode {
    use firehose_sim::study::advise;
    use firehose_sim::study::shards as sh;
    let path = source.0;
    if let Err(e) = firehose_sim::study::check_jobs(jobs) {
        say!("error: {e}");
        return ExitCode::from(BAD_INPUT);
    }
    let (text, property) = match property_of(s, source) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let vary: Vec<String> = if vary.is_empty() {
        s.check
            .as_ref()
            .and_then(|c| c.vary.clone())
            .unwrap_or_default()
    } else {
        vary.to_vec()
    };
    if vary.is_empty() {
        say!(
            "error: {}: nothing to vary: give --vary PATH=V1,V2,... or check.vary",
            path.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    let axes = match vary
        .iter()
        .map(|v| advise::parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(a) => a,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let cases = s.check.as_ref().and_then(|c| c.cases).unwrap_or(256);
    let seed = seed.unwrap_or(s.seed);
    let started = Instant::now();
    let hash = sh::advise_hash(s, seed, &vary);
    let advice = match shards {
        Shards::None => advise::run(s, &axes, &property, cases, seed, jobs, true),
        Shards::Run(slice) => {
            let slice_of = Some((slice.k as usize, slice.n as usize));
            let dir = out.map_or_else(
                || scratch_dir().join(format!("{}-advise", s.name)),
                Path::to_path_buf,
            );
            let rows = advise::run_slice(s, &axes, &property, cases, seed, jobs, true, slice_of);
            let total = axes.iter().map(|a| a.values.len()).product();
            match rows.and_then(|r| sh::write_advise_shard(&dir, slice, hash, total, &r)) {
                Ok(file) => {
                    say!(
                        "advise {}: shard {} of {} ({:.1} s); wrote {}",
                        s.name,
                        slice.k,
                        slice.n,
                        started.elapsed().as_secs_f64(),
                        file.display()
                    );
                    return ExitCode::SUCCESS;
                }
                Err(e) => Err(e),
            }
        }
        Shards::Merge(dirs) => match sh::merge_advise(dirs, &hash) {
            Ok(rows) => Ok(advise::Advice::from_rows(rows)),
            Err(e) => {
                say!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        },
    };
    let advice = match advice {
        Ok(a) => a,
        Err(e) if e.starts_with("column") => {
            property_error(source, &text, &e);
            return ExitCode::from(BAD_INPUT);
        }
        Err(e)
            if e.starts_with("at ")
                || e.starts_with("axis")
                || e.contains("unknown field")
                || e.contains("no field") =>
        {
            say!("error: --vary: {e}");
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(VIOLATION);
        }
    };
    let head = advise::head(&s.name, &text, advice.rows.len(), cases, seed);
    say!("advise: {:.1} s", started.elapsed().as_secs_f64());
    let shown = match format {
        cli::AdviseFormat::Text => {
            format!("{head}\n{}\n\n{}", advice.verdict(), advice.table(false))
        }
        cli::AdviseFormat::Markdown => advice.markdown(&head),
        cli::AdviseFormat::Json => advice.json(),
        cli::AdviseFormat::Csv => advice.csv(),
    };
    if let Err(code) = emit(&shown) {
        return code;
    }
    if let Some(dir) = out
        && let Err(e) = advice.write(dir, &head, &s.name)
    {
        say!("error: {e}");
        return ExitCode::from(VIOLATION);
    }
    if advice.choice.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(VIOLATION)
    }
}

/// How a `check` runs: whole, as one slice of a sharded search, or merging the slices.
enum Shards<'a> {
    None,
    Run(firehose_sim::study::shards::Slice),
    Merge(&'a [std::path::PathBuf]),
}

fn run_check(
    s: &scenario::Scenario,
    source: PropertySource,
    seed: Option<u64>,
    out: Option<std::path::PathBuf>,
    default_out: std::path::PathBuf,
    shards: Shards,
) -> ExitCode {
    use firehose_sim::study::check;
    use firehose_sim::study::shards as sh;
    use firehose_sim::testing::FaultSpace;
    let c = s.check.clone().unwrap_or_default();
    let path = source.0;
    let (text, property) = match property_of(s, source) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let space = FaultSpace::for_scenario(s);
    let cases = c.cases.unwrap_or(256);
    let seed = seed.unwrap_or(s.seed);
    let started = Instant::now();
    let busy = Busy::new("searching fault schedules");
    let hash = sh::check_hash(s, seed);
    let outcome = match shards {
        Shards::None => check::run(s, &property, &space, cases, seed),
        Shards::Run(slice) => {
            let slice_of = Some((slice.k as usize, slice.n as usize));
            let outcome = check::run_slice(s, &property, &space, cases, seed, slice_of);
            drop(busy);
            let dir = out.unwrap_or_else(|| scratch_dir().join(format!("{}-check", s.name)));
            return match outcome
                .and_then(|o| sh::write_check_shard(&dir, slice, hash, &o).map(|p| (p, o)))
            {
                Ok((file, o)) => {
                    let found = if o.violation.is_some() {
                        format!("a violation at case {}", o.cases)
                    } else {
                        format!("no violation in its cases of {}", o.cases)
                    };
                    say!(
                        "check {}: shard {} of {}: {found} ({:.1} s); wrote {}",
                        s.name,
                        slice.k,
                        slice.n,
                        started.elapsed().as_secs_f64(),
                        file.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) if e.starts_with("column") => {
                    property_error(source, &text, &e);
                    ExitCode::from(BAD_INPUT)
                }
                Err(e) => {
                    say!("error: {e}");
                    ExitCode::from(VIOLATION)
                }
            };
        }
        Shards::Merge(dirs) => match sh::merge_check(dirs, &hash, s, &property) {
            Ok(o) => Ok(o),
            Err(e) => {
                say!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        },
    };
    let out = out.unwrap_or(default_out);
    drop(busy);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) if e.starts_with("column") => {
            property_error(source, &text, &e);
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(VIOLATION);
        }
    };
    let targets: Vec<String> = space.targets.iter().map(|t| format!("{t:?}")).collect();
    let kinds: Vec<String> = space.kinds.iter().map(|k| format!("{k:?}")).collect();
    let mut text_out = format!(
        "check {}: property `{text}`; faults on {} of kinds {}, windows up to {}, at most {} per case; seed {seed}\n",
        s.name,
        targets.join(","),
        kinds.join(","),
        space.max_outage,
        space.max_faults
    );
    let Some(v) = outcome.violation else {
        text_out.push_str(&format!(
            "no violation in {} cases ({:.1} s)\n",
            outcome.cases,
            started.elapsed().as_secs_f64()
        ));
        return match emit(&text_out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        };
    };
    if v.faults.is_empty() {
        text_out.push_str("VIOLATION: the scenario breaks the property with no added fault.\n");
    } else {
        text_out.push_str(&format!(
            "VIOLATION found at case {} and shrunk ({:.1} s). Minimal fault schedule, added to the scenario's own faults:\n",
            outcome.cases,
            started.elapsed().as_secs_f64()
        ));
        for f in &v.faults {
            text_out.push_str(&format!("  {}\n", check::describe(f)));
        }
    }
    text_out.push_str("Report fields of the property in that run:\n");
    for (field, value) in &v.values {
        text_out.push_str(&format!("  {field} = {value}\n"));
    }
    // Every setting of the search, so that the line reproduces it exactly.
    let found_by = format!(
        "firehose-sim check {} --property \"{}\" --seed {seed} --cases {cases} --targets {} --kinds {} --max-outage {} --max-probability {} --max-faults {}",
        path.display(),
        text.replace('"', "\\\""),
        targets.join(","),
        kinds.join(","),
        space.max_outage,
        space.max_probability,
        space.max_faults
    );
    let replay = format!(
        "// Counterexample: `{text}` does not hold for this scenario.\n// Found by: {found_by}\n// Replay:   firehose-sim run {}\n{}",
        out.display(),
        scenario::to_ron(&v.scenario)
    );
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(&out, replay) {
        // The violation comes first: its report and exit code 1; the failed write is said too.
        let _ = emit(&text_out);
        say!("error: cannot write the replay file {}: {e}", out.display());
        return ExitCode::from(VIOLATION);
    }
    text_out.push_str(&format!("Replay: firehose-sim run {}\n", out.display()));
    let _ = emit(&text_out);
    ExitCode::from(VIOLATION)
}

fn import(
    file: &Path,
    out: Option<&Path>,
    source: Option<firehose_sim::import::Source>,
    resource: Option<String>,
) -> ExitCode {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            say!(
                "error: {name}: the file is not UTF-8 text: expected JSON, YAML or HCL (Terraform)"
            );
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            say!("error: {name}: cannot read the configuration: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let options = firehose_sim::import::ImportOptions { source, resource };
    let imported = match firehose_sim::import::import(&name, &text, &options) {
        Ok(i) => i,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    {
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), "{}", imported.notes());
    }
    match out {
        Some(path) => match path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, &imported.scenario))
        {
            Ok(()) => {
                say!(
                    "scenario written to {} (check it with: firehose-sim validate {})",
                    path.display(),
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                say!("error: cannot write {}: {e}", path.display());
                ExitCode::from(VIOLATION)
            }
        },
        None => match emit(&imported.scenario) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
    }
}

/// Prints the scenario's warnings (legal, probably not meant) on stderr.
fn warn_about(s: &scenario::Scenario, path: &Path) {
    for w in scenario::warnings(s) {
        say!("warning: {}: {w}", path.display());
    }
}

/// A spinner on stderr for work that takes more than a second: shown only when stderr is a
/// terminal (indicatif hides it otherwise, so redirected output never has it), cleared when
/// dropped.
struct Busy(indicatif::ProgressBar);

impl Busy {
    fn new(what: &str) -> Busy {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(what.to_string());
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown.enable_steady_tick(std::time::Duration::from_millis(200));
            }
        });
        Busy(bar)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Where outputs go without `--out`: `firehose-sim/` in the system's temporary folder, never
/// the repository (only `gallery` writes `reports/`). Commands name what they wrote there.
fn scratch_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("firehose-sim")
}

/// Writes to standard output. A reader that went away (a closed pipe, `| head -1`) is not an
/// error; any other failed write is exit 1 with `error: cannot write standard output: ...`.
fn emit(text: &str) -> Result<(), ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            say!("error: cannot write standard output: {e}");
            Err(ExitCode::from(VIOLATION))
        }
    }
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib as f64 / 1024.0))
}
