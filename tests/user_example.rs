//! The example of the README: a user's own property test with the public `testing` API.

use firehose_sim::scenario::{FaultKind, Target};
use firehose_sim::testing::{
    FaultSpace, fault_schedules, load, run_with_faults, scenario_variations,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// With a two-hour COPY retry duration, no Redshift outage of up to an hour skips data.
    #[test]
    fn redshift_outages_up_to_an_hour_skip_nothing(
        faults in fault_schedules(&FaultSpace {
            targets: vec![Target::Redshift],
            kinds: vec![FaultKind::Outage],
            max_outage: "1h".parse().unwrap(),
            max_faults: 1,
            ..FaultSpace::for_scenario(&scenario())
        })
    ) {
        let report = run_with_faults(&scenario(), &faults).unwrap();
        prop_assert_eq!(report.records.skipped, 0);
        prop_assert_eq!(report.records.lost, 0);
    }

    /// Whatever the seed and a rate within half to twice the nominal one, nothing is lost
    /// without faults.
    #[test]
    fn nothing_is_lost_without_faults(s in scenario_variations(&scenario())) {
        let report = firehose_sim::testing::run(&s).unwrap();
        prop_assert_eq!(report.records.lost, 0);
    }
}

fn scenario() -> firehose_sim::scenario::Scenario {
    let mut s = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/check-redshift.ron"
    ))
    .unwrap();
    if let firehose_sim::scenario::Destination::Redshift(d) = &mut s.destination {
        d.retry_options.duration_in_seconds = 7200;
    }
    s
}
