//! The command line: every flag is defined here, once.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A deterministic simulator of Amazon Data Firehose delivery: what happens to every record
/// under your buffering, retry and quota settings when things fail.
#[derive(Debug, Parser)]
#[command(name = "firehose-sim", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable summary.
    Text,
    /// Markdown, for design documents.
    Markdown,
    /// The JSON report (a stable contract, byte-identical for the same scenario and seed).
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print its report.
    #[command(
        after_help = "Example:\n  firehose-sim run scenarios/quickstart.ron\n  firehose-sim run scenarios/quickstart.ron --seed 3 --format json --out reports/quickstart"
    )]
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Report format on standard output.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write report.md and report.json into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print wall-clock figures (events, events/s, speed-up, peak memory) on stderr.
        #[arg(long)]
        stats: bool,
    },
    /// Run a parameter sweep: a grid of settings times several seeds, in parallel.
    #[command(
        after_help = "Example:\n  firehose-sim sweep scenarios/sweep-redshift-retry.ron --jobs 2\n\nA sweep file names a base scenario, axes (a field path and values), seeds and the report\nfields to tabulate; see the README. Writes sweep.csv, summary.md and charts to --out\n(default reports/<sweep name>/)."
    )]
    Sweep {
        /// The sweep file (RON).
        sweep: PathBuf,
        /// Threads (default: one per core); the results are the same for any value.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Output folder (default reports/<sweep name>/).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Regenerate the report gallery of every bundled scenario and sweep.
    #[command(
        after_help = "Example:\n  firehose-sim gallery            # rewrites reports/ from scenarios/"
    )]
    Gallery {
        /// Folder of scenarios and sweeps.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Also write PNG copies of the charts (the Markdown embeds the SVGs).
        #[arg(long)]
        png: bool,
    },
    /// Parse and check a scenario; print it with every default filled in.
    #[command(after_help = "Example:\n  firehose-sim validate scenarios/quickstart.ron")]
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
}
