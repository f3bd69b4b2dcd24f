//! The command line: every flag is defined here, once.

use clap::{Args, Parser, Subcommand, ValueEnum};
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

/// Formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// A timeline, one line per step.
    Text,
    /// The steps as JSON, for tools.
    Json,
    /// A swimlane chart (SVG): a lane per call, attempts coloured by outcome.
    Svg,
}

/// Formats of `advise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdviseFormat {
    /// The choice and the table.
    Text,
    /// The same in Markdown.
    Markdown,
    /// `{"choice": {...} or null, "rows": [...]}`.
    Json,
    /// One row per combination.
    Csv,
}

/// The property, fault space and search of `check` and `advise` (flags win over the
/// scenario's `check` section).
#[derive(Debug, Args)]
pub struct Search {
    /// The property (or the scenario's `check.property`).
    #[arg(long)]
    pub property: Option<String>,
    /// Cases to try (default 256, or `check.cases`).
    #[arg(long)]
    pub cases: Option<u32>,
    /// Seed of the search (default: the scenario's seed); the same seed replays it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Targets that may fail, e.g. Redshift,S3 (default: all the scenario has).
    #[arg(long, value_delimiter = ',')]
    pub targets: Option<Vec<firehose_sim::scenario::Target>>,
    /// Kinds of fault, e.g. Outage,Errors (default: all).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Option<Vec<firehose_sim::scenario::FaultKind>>,
    /// Longest fault window, e.g. 3h (default: the scenario's duration).
    #[arg(long)]
    pub max_outage: Option<firehose_sim::engine::SimDuration>,
    /// Highest probability of Errors and AckLost (default 1).
    #[arg(long)]
    pub max_probability: Option<f64>,
    /// Most generated faults per case (default 3).
    #[arg(long)]
    pub max_faults: Option<u32>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print its report.
    #[command(
        after_help = "Example:\n  firehose-sim run scenarios/quickstart.ron\n  firehose-sim run scenarios/quickstart.ron --seed 3 --format json --out /tmp/quickstart\n\nThe report ends with the run's cost (C1, C2) at AWS's us-east-1 list prices of 2026-12-01,\nunless the scenario's pricing section sets other prices (see the README)."
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
        /// Also write report.md (with the charts), report.json, metrics.csv and the charts (SVG
        /// and PNG) into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print wall-clock figures (events, events/s, speed-up, peak memory) on stderr.
        #[arg(long)]
        stats: bool,
        /// Handle every PutRecordBatch call as its own step, never as part of a call train:
        /// the same report, more slowly (to compare speed).
        #[arg(long)]
        no_trains: bool,
    },
    /// Run a parameter sweep: a grid of settings times several seeds, in parallel.
    #[command(
        after_help = "Example:\n  firehose-sim sweep scenarios/sweep-redshift-retry.ron --jobs 2\n\nA sweep file names a base scenario, axes (a field path and values), seeds and the report\nfields to tabulate; see the README. Writes sweep.csv, summary.md and charts to --out\n(default firehose-sim/<sweep name>/ in the temporary folder, named on stderr)."
    )]
    Sweep {
        /// The sweep file (RON).
        sweep: PathBuf,
        /// Threads; 0 (the default) means one per core. The results are the same for any value.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Output folder (default firehose-sim/<sweep name>/ in the temporary folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only slice K of N (the points whose number is K modulo N) and write
        /// shard-K-of-N.csv and its manifest to --out, for `sweep-merge`. Without it, a Slurm
        /// array task's SLURM_ARRAY_TASK_ID (with SLURM_ARRAY_TASK_COUNT or _MIN/_MAX) is used.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// The slice count for a Kubernetes Indexed Job: with JOB_COMPLETION_INDEX set, run
        /// slice JOB_COMPLETION_INDEX of N.
        #[arg(long, value_name = "N")]
        shards: Option<u32>,
    },
    /// Merge the shards of a sweep (`sweep --shard K/N`) into the outputs of an unsharded run.
    #[command(
        name = "sweep-merge",
        after_help = "Example:\n  for k in 0 1 2 3; do firehose-sim sweep scenarios/sweep-s3-buffering.ron --shard $k/4 --out shards; done\n  firehose-sim sweep-merge shards --out merged\n\nChecks that the folders hold every shard of one sweep exactly once (the same sweep hash),\nthen writes sweep.csv, summary.md and the charts as `sweep` does, and prints sweep.csv.\nExit 2 on a missing, duplicated or foreign shard."
    )]
    SweepMerge {
        /// Folders holding shard-K-of-N.csv and shard-K-of-N.manifest.json files.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder (default: the first folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Search fault schedules for one that breaks a property; shrink it to a minimal one.
    #[command(
        after_help = "Example (a CI step):\n  firehose-sim check scenarios/check-redshift.ron --property no-skip\n\nProperties compare report fields with numbers or durations, joined by && and ||:\n  \"records.lost == 0 && latency_seconds.p99 < \\\"15m\\\"\"\nShortcuts: no-loss, no-skip, no-duplicates, no-discard. Exit 1 on a violation (a replayable\nscenario is written), 0 when none is found, 2 on bad input."
    )]
    Check {
        /// The scenario file (RON); its `faults` stay, generated ones are added.
        scenario: PathBuf,
        /// The property, the fault space and the search.
        #[command(flatten)]
        search: Search,
        /// Where to write the replayable counterexample (default: firehose-sim/ in the temporary
        /// folder, as NAME.counterexample.ron).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists (without it, an existing file is an error).
        #[arg(long)]
        force: bool,
        /// Search only slice K of N of the cases (those whose number is K modulo N) and write
        /// check-shard-K-of-N.json to --out (a folder here), for --merge; exit 0 either way.
        #[arg(long, value_name = "K/N", conflicts_with = "merge")]
        shard: Option<String>,
        /// Merge the check shards in these folders (run with the same scenario, flags and seed)
        /// and report as the unsharded search does.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        merge: Vec<PathBuf>,
    },
    /// Check every combination of some settings against a property under the scenario's
    /// fault space, cost each, and name the cheapest that holds.
    #[command(
        after_help = "Example:\n  firehose-sim advise scenarios/advise-redshift.ron \\\n    --vary destination.retry_options.duration_in_seconds=1800,3600,5400,7200 \\\n    --vary destination.s3_buffering_hints.size_in_mbs=5,64 --cases 32\n\nEach combination is searched as `check` does, with the same seed for all (common random\nnumbers), and costed from the scenario's own run (C1, C2). The choice is the cheapest per\n30 days that holds; ties go to the lower p99 latency, then to the first listed. Exit 0 when\none holds, 1 when none does (the closest is marked), 2 on bad input."
    )]
    Advise {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// A setting and its values, PATH=V1,V2,... (field paths as in sweeps); repeat for
        /// more settings (default: the scenario's `check.vary`).
        #[arg(long)]
        vary: Vec<String>,
        /// The property, the fault space and the search.
        #[command(flatten)]
        search: Search,
        /// Threads; 0 (the default) means one per core. The result is the same for any value.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// Output format on standard output.
        #[arg(long, value_enum, default_value_t = AdviseFormat::Text)]
        format: AdviseFormat,
        /// Also write advise.md, advise.json, advise.csv and the chart (SVG) into this
        /// directory (with --shard: where advise-shard-K-of-N.json goes).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Check only slice K of N of the combinations (those whose number is K modulo N) and
        /// write advise-shard-K-of-N.json to --out, for --merge; exit 0 either way.
        #[arg(long, value_name = "K/N", conflicts_with = "merge")]
        shard: Option<String>,
        /// Merge the advise shards in these folders (run with the same scenario, --vary, flags
        /// and seed) and advise as the unsharded run does.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        merge: Vec<PathBuf>,
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
    /// Follow one record (or the records ingested at one instant) through a run: every
    /// buffer, attempt, pause and fault it met, and its fate.
    #[command(
        after_help = "Examples:\n  firehose-sim explain scenarios/s3-outage-25h.ron --record 0\n  firehose-sim explain scenarios/redshift-outage.ron --at 2h30m --format json\n\nRecord ids count from 0 in sending order (T1); --at takes the time of a call."
    )]
    Explain {
        /// The scenario file (RON).
        scenario: PathBuf,
        /// The record to follow (or give --at).
        #[arg(long, conflicts_with = "at", required_unless_present = "at")]
        record: Option<u64>,
        /// Follow every record ingested at this instant, the time of a call (e.g. 2h30m), instead
        /// of --record.
        #[arg(long)]
        at: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Write a scenario from a real delivery stream's configuration: the JSON of `aws firehose
    /// describe-delivery-stream`, a CloudFormation template (JSON or YAML) or Terraform (`.tf`
    /// or `terraform show -json`).
    #[command(
        after_help = "Examples:\n  aws firehose describe-delivery-stream --delivery-stream-name logs > logs.json\n  firehose-sim import logs.json --out /tmp/logs.ron\n  firehose-sim import template.yaml --resource LogsStream --out /tmp/logs.ron\n  firehose-sim import main.tf > /tmp/logs.ron\n\nThe format is detected from the content (a .tf file is HCL). Settings the model does not\nhave are listed at the top of the scenario and on stderr; the workload, the services and\nthe faults are not part of a configuration and get commented defaults to replace with what\nyou measure. Exit 2 on bad input."
    )]
    Import {
        /// The configuration file.
        file: PathBuf,
        /// Write the scenario here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The input format (default: detected from the content).
        #[arg(long, value_enum)]
        from: Option<firehose_sim::import::Source>,
        /// The delivery stream to import when the input has several (its CloudFormation
        /// logical id or Terraform resource name).
        #[arg(long)]
        resource: Option<String>,
    },
    /// Print a shell completion script (e.g. `firehose-sim completions bash >
    /// ~/.local/share/bash-completion/completions/firehose-sim`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `firehose-sim man > firehose-sim.1`.
    Man,
    /// Parse and check a scenario; print it with every default filled in.
    #[command(after_help = "Example:\n  firehose-sim validate scenarios/quickstart.ron")]
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
}
