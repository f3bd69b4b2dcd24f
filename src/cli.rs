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
    /// Parse and check a scenario; print it with every default filled in.
    #[command(after_help = "Example:\n  firehose-sim validate scenarios/quickstart.ron")]
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
}
