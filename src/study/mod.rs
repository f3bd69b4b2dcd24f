//! The commands that run many simulations, each built on single runs ([`crate::simulate`])
//! and their JSON report:
//!
//! - [`sweep`]: a grid of settings times several seeds, in parallel, summarised with means,
//!   95% confidence intervals and charts (`firehose-sim sweep`);
//! - [`check`]: a search of fault schedules for one that breaks a property of the report,
//!   shrunk to a minimal one (`firehose-sim check`);
//! - [`advise`]: every combination of some settings checked against a property and
//!   costed; the cheapest that holds (`firehose-sim advise`);
//! - [`gallery`]: the reports of every bundled scenario and sweep, with an index
//!   (`firehose-sim gallery`);
//! - [`explain`]: the path of one record through a run (`firehose-sim explain`);
//! - [`fields`]: the field paths that sweeps' axes and outputs and check's properties name;
//! - [`shards`]: a sweep split into slices for batch engines, and the merge of their outputs.
//!
//! The strategies for users' own property tests stay in [`crate::testing`], which `check`
//! builds on.

pub mod advise;
pub mod check;
pub mod explain;
pub mod fields;
pub mod gallery;
pub mod shards;
pub mod sweep;

/// The most threads `--jobs` may ask for, per core of the machine.
pub const MAX_JOBS_PER_CORE: usize = 8;

/// Checks a `--jobs` count: 0 (one thread per core) up to [`MAX_JOBS_PER_CORE`] per core.
pub fn check_jobs(jobs: usize) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = MAX_JOBS_PER_CORE * cores;
    if jobs > max {
        return Err(format!(
            "--jobs {jobs}: allowed 0 (one thread per core) to {max} ({MAX_JOBS_PER_CORE} per core, {cores} cores here)"
        ));
    }
    Ok(())
}

/// Runs `work` on a pool of `jobs` threads (0: one per core), with a progress bar of
/// `steps` steps on stderr when `progress`, cleared at the end. A pool that cannot start is
/// an error that says so.
pub(crate) fn parallel<T: Send>(
    jobs: usize,
    steps: usize,
    progress: bool,
    work: impl FnOnce(&indicatif::ProgressBar) -> Result<T, String> + Send,
) -> Result<T, String> {
    let bar = if progress {
        indicatif::ProgressBar::new(steps as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))?;
    let out = pool.install(|| work(&bar));
    bar.finish_and_clear();
    out
}
