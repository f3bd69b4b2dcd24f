//! Helpers shared by the integration tests.
#![allow(dead_code)]

use firehose_sim::model::{Outcome, Stage, TraceEvent};
use firehose_sim::scenario::{self, Scenario};
use firehose_sim::{RunOptions, RunOutput, simulate};

/// Parses a scenario text, panicking with the full error message (tests only).
pub fn scenario(text: &str) -> Scenario {
    match scenario::parse(text, "test.ron") {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Runs with a trace.
pub fn run(s: &Scenario) -> RunOutput {
    match simulate(
        s,
        &RunOptions {
            seed: None,
            trace: true,
            metrics: true,
            focus: None,
            ..Default::default()
        },
    ) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

/// Parses and runs.
pub fn run_text(text: &str) -> RunOutput {
    run(&scenario(text))
}

/// A one-source S3 scenario: `rate` records/s in calls of `rpc` records of `bytes` bytes, the
/// given buffering hints, and `extra` RON fields appended inside `Scenario(...)`.
pub fn s3_scenario(
    duration: &str,
    rate: &str,
    rpc: u32,
    bytes: u64,
    size_mib: u32,
    interval_s: u32,
    extra: &str,
) -> String {
    format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "t", seed: 1, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: {rate}, records_per_call: {rpc}, record_bytes: Fixed({bytes}))],
    destination: S3(buffering_hints: (size_in_mbs: {size_mib}, interval_in_seconds: {interval_s})),
    {extra}
)"#
    )
}

/// Attempts of one stage's calls as (batch, attempt, start us, end us, records, outcome), in
/// the order they ended.
pub fn attempts(out: &RunOutput, stage: Stage) -> Vec<(u64, u32, u64, u64, u64, Outcome)> {
    out.trace
        .iter()
        .filter_map(TraceEvent::attempt)
        .filter(|a| a.stage == stage)
        .map(|a| (a.batch, a.attempt, a.start.0, a.end.0, a.records, a.outcome))
        .collect()
}

/// Attempts of the stream's bucket as (batch, attempt, start us, end us, outcome).
pub fn s3_attempts(out: &RunOutput) -> Vec<(u64, u32, u64, u64, Outcome)> {
    attempts(out, Stage::S3)
        .into_iter()
        .map(|a| (a.0, a.1, a.2, a.3, a.5))
        .collect()
}

/// Flushes as (at us, batch, records, reason).
pub fn flushes(out: &RunOutput) -> Vec<(u64, u64, u64, firehose_sim::model::FlushReason)> {
    out.trace
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Flush {
                at,
                batch,
                records,
                reason,
                ..
            } => Some((at.0, *batch, *records, *reason)),
            _ => None,
        })
        .collect()
}

/// Seconds to microseconds.
pub fn s(secs: f64) -> u64 {
    (secs * 1e6).round() as u64
}
