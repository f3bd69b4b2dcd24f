//! For users' own property tests: proptest strategies for fault schedules and scenario
//! variations, and functions that run a scenario and return its report.
//!
//! ```no_run
//! use firehose_sim::scenario::{FaultKind, Target};
//! use firehose_sim::testing::{FaultSpace, fault_schedules, load, run_with_faults};
//! use proptest::prelude::*;
//!
//! let scenario = load("scenarios/check-redshift.ron").unwrap();
//! let space = FaultSpace {
//!     targets: vec![Target::Redshift],
//!     kinds: vec![FaultKind::Outage],
//!     max_outage: "1h".parse().unwrap(),
//!     max_faults: 1,
//!     ..FaultSpace::for_scenario(&scenario)
//! };
//! proptest!(|(faults in fault_schedules(&space))| {
//!     let report = run_with_faults(&scenario, &faults).unwrap();
//!     prop_assert_eq!(report.records.skipped, 0);
//! });
//! ```

use crate::engine::SimDuration;
use crate::report::Report;
use crate::scenario::{
    self, BackupMode, Destination, Fault, FaultKind, Rate, Scenario, Source, Target,
};
use crate::{RunOptions, simulate};
use proptest::prelude::*;

impl std::str::FromStr for SimDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SimDuration::parse(s)
    }
}

/// What a fault schedule may contain.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpace {
    /// Targets that may fail.
    pub targets: Vec<Target>,
    /// Kinds of fault.
    pub kinds: Vec<FaultKind>,
    /// Longest window.
    pub max_outage: SimDuration,
    /// Highest probability of `Errors` and `AckLost`.
    pub max_probability: f64,
    /// Most faults in one schedule.
    pub max_faults: usize,
    /// Windows start inside `[0, duration)`.
    pub duration: SimDuration,
}

/// The targets a scenario has.
pub fn targets_of(s: &Scenario) -> Vec<Target> {
    let mut t = vec![Target::Ingest, Target::S3];
    if s.transform.is_some() {
        t.push(Target::Lambda);
    }
    if s.destination.backup().0 == BackupMode::Enabled {
        t.push(Target::BackupS3);
    }
    match s.destination {
        Destination::Redshift(_) => t.push(Target::Redshift),
        Destination::OpenSearch(_) => t.push(Target::OpenSearch),
        Destination::HttpEndpoint(_) => t.push(Target::HttpEndpoint),
        Destination::Splunk(_) => t.push(Target::Splunk),
        Destination::S3(_) => {}
    }
    if matches!(
        s.stream.source,
        crate::scenario::StreamSource::KinesisStream(_)
    ) {
        t.push(Target::Kinesis);
    }
    t
}

impl FaultSpace {
    /// Every target of the scenario, every kind, windows up to its duration, probabilities up
    /// to 1, at most 3 faults; the scenario's `check` section narrows it.
    pub fn for_scenario(s: &Scenario) -> Self {
        let c = s.check.clone().unwrap_or_default();
        FaultSpace {
            targets: c.targets.unwrap_or_else(|| targets_of(s)),
            kinds: c.kinds.unwrap_or_else(|| {
                vec![
                    FaultKind::Outage,
                    FaultKind::Errors,
                    FaultKind::Slow,
                    FaultKind::AckLost,
                    FaultKind::Throttle,
                ]
            }),
            max_outage: c.max_outage.unwrap_or(s.duration),
            max_probability: c.max_probability.unwrap_or(1.0),
            max_faults: c.max_faults.unwrap_or(3) as usize,
            duration: s.duration,
        }
    }
}

/// Fault schedules, swarm-style: each case first draws which kinds are enabled, then 1 to
/// `max_faults` faults of those kinds. Windows shrink towards earlier starts and shorter
/// lengths (whole seconds), probabilities towards 0, slowdowns and throttles towards none.
pub fn fault_schedules(space: &FaultSpace) -> BoxedStrategy<Vec<Fault>> {
    let throttle_targets: Vec<Target> = space
        .targets
        .iter()
        .copied()
        .filter(|t| FaultKind::Throttle.applies_to(*t, false))
        .collect();
    let mut kinds = space.kinds.clone();
    kinds.sort();
    kinds.dedup();
    if throttle_targets.is_empty() {
        kinds.retain(|k| *k != FaultKind::Throttle);
    }
    if kinds.is_empty() || space.targets.is_empty() {
        return Just(Vec::new()).boxed();
    }
    let targets = space.targets.clone();
    // The Kinesis target exists only with a Kinesis source, where AckLost on Ingest is not
    // modelled; and GetRecords takes no time and acknowledges nothing (K3).
    let kinesis = targets.contains(&Target::Kinesis);
    let dur_s = (space.duration.0 / 1_000_000).max(1);
    let max_len = (space.max_outage.0 / 1_000_000).max(1);
    let max_milli = ((space.max_probability * 1000.0).round() as u32).max(1);
    let max_faults = space.max_faults.max(1);
    let n = kinds.len();
    prop::sample::subsequence(kinds, 1..=n)
        .prop_flat_map(move |enabled| {
            let targets = targets.clone();
            let throttle_targets = throttle_targets.clone();
            let one = (
                prop::sample::select(enabled),
                prop::sample::select(targets),
                0..dur_s,
                1..=max_len,
                1..=max_milli,
                1u32..=20,
                0u32..=100,
            )
                .prop_map(move |(kind, target, from, len, milli, slow, cut)| {
                    let from = Some(SimDuration::from_secs(from));
                    let until = Some(SimDuration::from_secs(
                        from.map_or(0, |f| f.0 / 1_000_000) + len,
                    ));
                    let probability = f64::from(milli) / 1000.0;
                    let invalid = kind != FaultKind::Throttle && !kind.applies_to(target, kinesis);
                    let kind = if invalid { FaultKind::Errors } else { kind };
                    match kind {
                        FaultKind::Outage => Fault::Outage {
                            target,
                            from,
                            until,
                        },
                        FaultKind::Errors => Fault::Errors {
                            target,
                            probability,
                            from,
                            until,
                        },
                        FaultKind::Slow => Fault::Slow {
                            target,
                            factor: f64::from(slow),
                            from,
                            until,
                        },
                        FaultKind::AckLost => Fault::AckLost {
                            target,
                            probability,
                            from,
                            until,
                        },
                        FaultKind::Throttle => Fault::Throttle {
                            target: if throttle_targets.contains(&target) {
                                target
                            } else {
                                throttle_targets[0]
                            },
                            factor: f64::from(100 - cut) / 100.0,
                            from,
                            until,
                        },
                    }
                });
            prop::collection::vec(one, 1..=max_faults)
        })
        .boxed()
}

/// Variations of a scenario: another seed, and every producer's rate scaled by 0.5-2.
pub fn scenario_variations(base: &Scenario) -> BoxedStrategy<Scenario> {
    let base = base.clone();
    (any::<u64>(), 50u32..=200)
        .prop_map(move |(seed, pct)| {
            let mut s = base.clone();
            s.seed = seed;
            let f = f64::from(pct) / 100.0;
            for src in &mut s.sources {
                let Source::DirectPut(p) = src;
                p.rate = match &p.rate {
                    Rate::Constant(r) => Rate::Constant((r * f).min(scenario::MAX_RATE)),
                    Rate::Poisson(r) => Rate::Poisson((r * f).min(scenario::MAX_RATE)),
                    Rate::Steps(v) => Rate::Steps(
                        v.iter()
                            .map(|(t, r)| (*t, (r * f).min(scenario::MAX_RATE)))
                            .collect(),
                    ),
                    Rate::Diurnal {
                        mean,
                        amplitude,
                        period,
                    } => Rate::Diurnal {
                        mean: (mean * f).min(scenario::MAX_RATE / 2.0),
                        amplitude: *amplitude,
                        period: *period,
                    },
                };
            }
            s
        })
        .boxed()
}

/// `s` with `faults` added to its own.
pub fn with_faults(s: &Scenario, faults: &[Fault]) -> Scenario {
    let mut s = s.clone();
    s.faults.extend_from_slice(faults);
    s
}

/// Reads a scenario file (errors as text, with file, line and column).
pub fn load(path: &str) -> Result<Scenario, String> {
    scenario::load(std::path::Path::new(path)).map_err(|e| e.to_string())
}

/// Runs a scenario and returns its report.
pub fn run(s: &Scenario) -> Result<Report, String> {
    Ok(Report::new(&simulate(s, &RunOptions::default())?))
}

/// Runs a scenario with `faults` added and returns its report.
pub fn run_with_faults(s: &Scenario, faults: &[Fault]) -> Result<Report, String> {
    run(&with_faults(s, faults))
}
