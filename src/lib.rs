//! # firehose-sim
//!
//! A deterministic discrete-event simulator of Amazon Data Firehose delivery semantics. A
//! virtual clock drives modelled producers, the delivery stream's quotas and buffer, and the
//! destination, with faults injected on purpose; every record ends in exactly one fate
//! (delivered, rejected, expired, ... see [`outcome::ledger::RecordCounts`]).
//!
//! ## A run in five lines
//!
//! ```
//! let text = r#"
//! #![enable(implicit_some)]
//! Scenario(
//!     name: "doc", seed: 7, duration: "2h",
//!     sources: [DirectPut(name: "app", rate: Constant(10.0), records_per_call: 10)],
//!     destination: S3(buffering_hints: (size_in_mbs: 1, interval_in_seconds: 60)),
//!     faults: [Outage(target: S3, from: "30m", until: "40m")],
//! )"#;
//! let scenario = firehose_sim::scenario::parse(text, "doc.ron").unwrap();
//! let out = firehose_sim::simulate(&scenario, &Default::default()).unwrap();
//! // Conservation (F2) holds in every run.
//! let r = &out.records;
//! assert_eq!(r.produced, 72_000);
//! assert_eq!(r.delivered + r.in_flight + r.expired + r.rejected, r.produced);
//! ```
//!
//! ## How it is built
//!
//! - [`engine`]: integer-microsecond time, an event queue ordered by (time, insertion
//!   sequence), and named random streams; it knows nothing of Firehose.
//! - [`scenario`]: the RON format, defaults, and validation against AWS's ranges, with errors
//!   that point at the file, line and column.
//! - [`model`]: producers, quotas, the buffer, S3 delivery, faults. Records travel as
//!   [`model::Chunk`]s (runs of consecutive records), so the cost of a run grows with the calls
//!   made, not with the records carried.
//! - [`outcome`]: the ledger of fates, duplicates and an HDR latency histogram (conservation is checked at the
//!   end of every run, in release builds too.
//! - [`report`]: the JSON report (a stable contract), text and Markdown, and the charts of
//!   runs and sweeps.
//! - [`study`]: the commands built on runs: sweeps, `check`, the gallery, `explain`.
//! - [`import`]: a scenario from a real stream's configuration (describe-delivery-stream
//!   JSON, CloudFormation, Terraform), with what it cannot model listed.

#![warn(missing_docs, unreachable_pub)]

pub mod engine;
pub mod import;
pub mod model;
pub mod outcome;
pub mod report;
pub mod scenario;
pub mod study;
pub mod testing;

pub use model::{RunOptions, RunOutput};

/// Runs `scenario` to its end. An `Err` means an invariant of the model broke (conservation,
/// F2): a bug, reported with the seed so that it can be replayed.
pub fn simulate(scenario: &scenario::Scenario, opts: &RunOptions) -> Result<RunOutput, String> {
    model::simulate(scenario, opts).map_err(|e| {
        format!(
            "internal error in scenario \"{}\" with seed {}: {e}",
            scenario.name,
            opts.seed.unwrap_or(scenario.seed)
        )
    })
}
