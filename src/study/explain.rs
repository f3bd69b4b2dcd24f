//! `firehose-sim explain`: the path of one record (or of the records ingested at one instant)
//! through a run: its ingest, every buffer flush, every attempt of every call that carried it
//! with its outcome and the fault that caused a failure, the pauses between attempts, and its
//! fate with latency.
//!
//! The scenario runs once with a focus ([`crate::model::Focus`]): the trace keeps only the
//! steps of batches that hold a followed record, and the ledger logs only their fates, so
//! memory is that of a plain run plus a few hundred steps.

use crate::engine::SimTime;
use crate::model::{Focus, Outcome, Refusal, RunOptions, Stage, TraceEvent};
use crate::scenario::{Scenario, StreamSource, Target};
use serde::Serialize;

/// One step of a followed record's path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// When it started, in seconds from the start of the run.
    pub at_seconds: f64,
    /// When it ended (attempts), in seconds.
    pub end_seconds: Option<f64>,
    /// `ingest`, `flush`, `wait`, `attempt`, `pause`, `expired` or `fate`.
    pub kind: &'static str,
    /// What happened, in words.
    pub what: String,
    /// The call, for attempts and pauses.
    pub stage: Option<Stage>,
    /// The batch, for flushes, attempts, pauses and expiries.
    pub batch: Option<u64>,
    /// The attempt number (1 for the first), for attempts.
    pub attempt: Option<u32>,
    /// How an attempt ended.
    pub outcome: Option<Outcome>,
}

/// The path of the followed records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// What was followed (`record 123` or `records ingested at 1h`).
    pub followed: String,
    /// The steps, in time order.
    pub steps: Vec<Step>,
    /// The fate of the followed records (the last one logged).
    pub fate: String,
    /// Latency of a delivered record in seconds (F4).
    pub latency_seconds: Option<f64>,
}

/// A time as `2h03m05.1s` (whole minutes and hours, seconds with up to 6 decimals).
pub fn clock(t: SimTime) -> String {
    let us = t.0;
    let (h, m) = (us / 3_600_000_000, (us / 60_000_000) % 60);
    let (whole, frac) = ((us % 60_000_000) / 1_000_000, us % 1_000_000);
    let mut frac = format!("{frac:06}");
    while frac.ends_with('0') {
        frac.pop();
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    match (h, m) {
        (0, 0) => format!("{whole}{frac}s"),
        (0, _) => format!("{m}m{whole:02}{frac}s"),
        _ => format!("{h}h{m:02}m{whole:02}{frac}s"),
    }
}

fn stage_name(s: Stage) -> &'static str {
    match s {
        Stage::Lambda => "Lambda invocation",
        Stage::S3 => "S3 PUT",
        Stage::BackupS3 => "backup S3 PUT",
        Stage::RedshiftCopy => "Redshift COPY",
        Stage::OpenSearchBulk => "OpenSearch bulk request",
        Stage::HttpEndpoint => "HTTP endpoint request",
        Stage::Splunk => "Splunk request",
    }
}

fn target_of(s: Stage) -> Target {
    match s {
        Stage::Lambda => Target::Lambda,
        Stage::S3 => Target::S3,
        Stage::BackupS3 => Target::BackupS3,
        Stage::RedshiftCopy => Target::Redshift,
        Stage::OpenSearchBulk => Target::OpenSearch,
        Stage::HttpEndpoint => Target::HttpEndpoint,
        Stage::Splunk => Target::Splunk,
    }
}

type Steps = Vec<(SimTime, u8, Step)>;

/// Adds a step at `at` (`order` breaks ties: ingest, flush, pause, attempt, expiry, fate).
fn add<'a>(
    steps: &'a mut Steps,
    at: SimTime,
    order: u8,
    kind: &'static str,
    end: Option<SimTime>,
    what: String,
) -> &'a mut Step {
    let secs = |t: SimTime| t.0 as f64 / 1e6;
    steps.push((
        at,
        order,
        Step {
            at_seconds: secs(at),
            end_seconds: end.map(secs),
            kind,
            what,
            stage: None,
            batch: None,
            attempt: None,
            outcome: None,
        },
    ));
    &mut steps.last_mut().expect("just pushed").2
}

/// `; fault ...` for the scenario's first fault on `target` whose window holds `at` (T3: a
/// call is judged at its start), or nothing.
fn fault_cause(scenario: &Scenario, target: Target, at: SimTime) -> String {
    scenario
        .faults
        .iter()
        .filter(|f| f.target() == target)
        .find(|f| {
            let (from, until) = f.window();
            at.0 >= from.0 && at.0 < until.0
        })
        .map_or(String::new(), |f| {
            format!("; fault {}", crate::report::fault_text(f))
        })
}

/// Runs `scenario` following `focus` and returns the path.
pub fn explain(scenario: &Scenario, focus: Focus) -> Result<Explanation, String> {
    let out = crate::simulate(
        scenario,
        &RunOptions {
            focus: Some(focus),
            ..Default::default()
        },
    )?;
    let followed = match focus {
        Focus::Record(id) => {
            if id >= out.records.produced {
                return Err(format!(
                    "no record {id}: the run produced {} records (ids 0 to {})",
                    out.records.produced,
                    out.records.produced.saturating_sub(1)
                ));
            }
            format!("record {id}")
        }
        Focus::At(t) => {
            if out.focus_log.is_empty() {
                let near: Vec<String> = [out.focus_near.0, out.focus_near.1]
                    .into_iter()
                    .flatten()
                    .map(clock)
                    .collect();
                let hint = if near.is_empty() {
                    format!("nothing was ingested in the run ({})", scenario.duration)
                } else {
                    format!("the nearest ingests were at {}", near.join(" and "))
                };
                return Err(format!(
                    "no record was ingested at {}: give the time of an ingest (T1); {hint}",
                    clock(t)
                ));
            }
            format!("records ingested at {}", clock(t))
        }
    };
    let secs = |t: SimTime| t.0 as f64 / 1e6;
    let mut steps: Steps = Vec::new();
    let mut last_end: std::collections::BTreeMap<(u8, u64), SimTime> = Default::default();
    let mut flushed: std::collections::BTreeMap<u64, SimTime> = Default::default();
    for e in &out.trace {
        match e {
            TraceEvent::Flush {
                at,
                buffer,
                batch,
                records,
                bytes,
                reason,
            } => {
                flushed.insert(*batch, *at);
                add(
        &mut steps,
                    *at,
                    1,
                    "flush",
                    None,
                    format!(
                        "{buffer:?} buffer flushed batch {batch} ({reason:?}): {records} records, {bytes} bytes"
                    ),
                )
                .batch = Some(*batch);
            }
            TraceEvent::Attempt(a) => {
                let key = (a.stage as u8, a.batch);
                // A first attempt that starts after its batch's flush waited in a queue.
                if a.attempt == 1
                    && let Some(&at) = flushed.get(&a.batch)
                    && a.start > at
                {
                    let why = match a.stage {
                        Stage::S3 | Stage::BackupS3 => {
                            "behind earlier objects: the bucket's writes are one queue (T11)"
                        }
                        Stage::Lambda => "for a free invocation (L5)",
                        _ => "behind earlier requests, sent one at a time",
                    };
                    let w = add(
                        &mut steps,
                        at,
                        2,
                        "wait",
                        Some(a.start),
                        format!(
                            "{} of batch {} waited {} after its flush, {why}",
                            stage_name(a.stage),
                            a.batch,
                            clock(SimTime(a.start.0 - at.0)),
                        ),
                    );
                    (w.stage, w.batch) = (Some(a.stage), Some(a.batch));
                }
                if let Some(prev) = last_end.get(&key)
                    && a.start > *prev
                {
                    let p = add(
                        &mut steps,
                        *prev,
                        2,
                        "pause",
                        Some(a.start),
                        format!(
                            "{} of batch {}: pause of {} before attempt {}",
                            stage_name(a.stage),
                            a.batch,
                            clock(SimTime(a.start.0 - prev.0)),
                            a.attempt
                        ),
                    );
                    (p.stage, p.batch) = (Some(a.stage), Some(a.batch));
                }
                last_end.insert(key, a.end);
                let cause = if a.outcome == Outcome::Ok {
                    String::new()
                } else {
                    fault_cause(scenario, target_of(a.stage), a.start)
                };
                let step = add(
                    &mut steps,
                    a.start,
                    3,
                    "attempt",
                    Some(a.end),
                    format!(
                        "{} of batch {}, attempt {}: {:?} at {} ({} records){cause}",
                        stage_name(a.stage),
                        a.batch,
                        a.attempt,
                        a.outcome,
                        clock(a.end),
                        a.records
                    ),
                );
                step.stage = Some(a.stage);
                step.batch = Some(a.batch);
                step.attempt = Some(a.attempt);
                step.outcome = Some(a.outcome);
            }
            TraceEvent::Refused {
                at,
                attempt,
                records,
                why,
            } => {
                let kinesis = matches!(scenario.stream.source, StreamSource::KinesisStream(_));
                let call = if kinesis {
                    "PutRecords"
                } else {
                    "PutRecordBatch"
                };
                let reason = match why {
                    Refusal::Throttled if kinesis => {
                        "over the shard's write capacity (K2)".to_string()
                    }
                    Refusal::Throttled => "over the stream's quota (I2)".to_string(),
                    Refusal::AckLost => {
                        "the records got in but the response was lost: resent as copies (F3)"
                            .to_string()
                    }
                    Refusal::Failed => format!(
                        "the call failed{}",
                        fault_cause(scenario, Target::Ingest, *at)
                    ),
                };
                add(
                    &mut steps,
                    *at,
                    0,
                    "ingest",
                    None,
                    format!("{call} attempt {attempt}: {records} records left out, {reason}"),
                )
                .attempt = Some(*attempt);
            }
            TraceEvent::Sharded {
                at,
                record,
                shard,
                id,
            } => {
                let text = if record == id {
                    format!("record {record} is written to shard {shard} (K2)")
                } else {
                    format!(
                        "record {record} is written to shard {shard} (K2); a call's records are renumbered shard by shard, so from here on it is id {id}, within the id ranges below"
                    )
                };
                add(&mut steps, *at, 0, "ingest", None, text);
            }
            TraceEvent::Resent {
                at,
                attempt,
                pause,
                records,
            } => {
                add(
                    &mut steps,
                    *at,
                    2,
                    "pause",
                    Some(*at + *pause),
                    format!(
                        "the producer resends {records} records after a pause of {} (attempt {attempt}, I3)",
                        clock(SimTime(pause.0))
                    ),
                )
                .attempt = Some(*attempt);
            }
            TraceEvent::Expired {
                at, batch, records, ..
            } => {
                add(
        &mut steps,
                    *at,
                    4,
                    "expired",
                    None,
                    format!(
                        "{records} records of batch {batch} expired at the start of an attempt (retention {}, T12)",
                        scenario.stream.retention_window()
                    ),
                )
                .batch = Some(*batch);
            }
        }
    }
    // After the trace: at one instant, a call's refusal or shard comes before the ingest.
    for e in &out.focus_log {
        if e.what.starts_with("ingested") {
            add(
                &mut steps,
                e.at,
                0,
                "ingest",
                None,
                format!(
                    "{} by the stream, in a run of {} records (ids {} to {})",
                    e.what,
                    e.records,
                    e.first_id,
                    e.first_id + u64::from(e.records) - 1
                ),
            );
        }
    }
    let mut fate = "in_flight".to_string();
    let mut latency = None;
    for e in &out.focus_log {
        if e.what.starts_with("ingested") {
            continue;
        }
        // F1: a first delivery decides; otherwise the first fate logged.
        if e.what == "delivered" && latency.is_none() {
            fate = e.what.to_string();
            latency = Some(secs(e.at) - secs(e.ingest));
        } else if fate == "in_flight" && !e.what.starts_with("delivered again") {
            fate = e.what.to_string();
        }
        let age = clock(SimTime(e.at.0.saturating_sub(e.ingest.0)));
        add(
            &mut steps,
            e.at,
            5,
            "fate",
            None,
            format!("{}: {} records, age {age}", e.what, e.records),
        );
    }
    steps.sort_by_key(|s| (s.0, s.1));
    Ok(Explanation {
        scenario: out.scenario.name.clone(),
        seed: out.scenario.seed,
        followed,
        steps: steps.into_iter().map(|s| s.2).collect(),
        fate,
        latency_seconds: latency,
    })
}

impl Explanation {
    /// The timeline as text, one line per step.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "firehose-sim explain: {} of {} (seed {})\n",
            self.followed, self.scenario, self.seed
        );
        for step in &self.steps {
            let at = clock(SimTime((step.at_seconds * 1e6).round() as u64));
            s.push_str(&format!("  {at:>16}  {:<8} {}\n", step.kind, step.what));
        }
        s.push_str(&format!("fate: {}", self.fate));
        if let Some(l) = self.latency_seconds {
            s.push_str(&format!(
                ", latency {}",
                clock(SimTime((l * 1e6).round() as u64))
            ));
        }
        s.push('\n');
        s
    }

    /// The path as an SVG swimlane chart: a lane per call (and one for buffers), its attempts
    /// as bars coloured by outcome, pauses in grey.
    pub fn to_svg(&self) -> Result<String, String> {
        crate::report::charts::svg(&self.to_plot())
    }

    /// The swimlane chart of [`Explanation::to_svg`].
    pub fn to_plot(&self) -> crate::report::charts::Plot {
        use crate::report::charts::{Chart, Plot};
        let mut lanes: Vec<String> = vec!["buffer".into()];
        let classes: Vec<String> = [
            "flush",
            "Failed",
            "Ok",
            "AckLost",
            "Timeout",
            "other failure",
            "pause",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut bars = Vec::new();
        for s in &self.steps {
            // A lane per call; the producer's refusals and resend pauses (I3) have one too.
            let name = match s.stage {
                Some(stage) => stage_name(stage),
                None if s.kind == "flush" => "buffer",
                None if s.attempt.is_some() => "producer",
                None => continue,
            };
            let lane = match lanes.iter().position(|l| l == name) {
                Some(i) => i,
                None => {
                    lanes.push(name.to_string());
                    lanes.len() - 1
                }
            };
            let class = match (s.kind, s.outcome) {
                ("flush", _) => 0,
                ("pause" | "wait", _) => 6,
                (_, Some(Outcome::Failed)) => 1,
                (_, Some(Outcome::Ok)) => 2,
                (_, Some(Outcome::AckLost)) => 3,
                (_, Some(Outcome::Timeout | Outcome::TimeoutIndexed)) => 4,
                _ => 5,
            };
            let end = s.end_seconds.unwrap_or(s.at_seconds);
            bars.push((lane, s.at_seconds / 60.0, end / 60.0, class));
        }
        Plot {
            stem: "explain".into(),
            title: format!("{}: {} ({})", self.scenario, self.followed, self.fate),
            chart: Chart::Lanes {
                x_desc: "time (min)".into(),
                lanes,
                classes,
                bars,
            },
        }
    }

    /// The path as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_hours_minutes_and_seconds() {
        assert_eq!(clock(SimTime(0)), "0s");
        assert_eq!(clock(SimTime(5_100_000)), "5.1s");
        assert_eq!(clock(SimTime(300_100_000)), "5m00.1s");
        assert_eq!(clock(SimTime(7_385_100_000)), "2h03m05.1s");
    }
}
