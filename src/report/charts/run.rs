//! The charts of a run: records per minute with fault windows, the Kinesis read lag (with a
//! Kinesis source), active partitions (with dynamic partitioning), DataFreshness, the latency
//! distribution and the record fates.

use super::{Chart, Line, Plot};
use crate::model::RunOutput;
use crate::outcome::metrics::Slot;

/// The charts of a run (the first two need the run's metrics).
pub fn run_plots(out: &RunOutput) -> Vec<Plot> {
    let s = &out.scenario;
    let who = format!("{} (seed {})", s.name, s.seed);
    let hours = s.duration.as_secs_f64() > 3.0 * 3600.0;
    let (unit, per) = if hours {
        ("hours", 60.0)
    } else {
        ("minutes", 1.0)
    };
    let mut plots = Vec::new();
    if let Some(m) = &out.metrics {
        let line = |name: &str, slot: Slot| Line {
            name: name.into(),
            points: m
                .series(slot)
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64 / per, *v))
                .collect(),
            errors: None,
        };
        let end = s.duration.as_secs_f64() / 60.0 / per;
        let shade: Vec<(f64, f64)> = s
            .faults
            .iter()
            .map(|f| {
                let (a, b) = f.window();
                (
                    a.as_secs_f64() / 60.0 / per,
                    (b.as_secs_f64() / 60.0 / per).min(end),
                )
            })
            .collect();
        let over_time = |stem: &str, what: &str, y_desc: &str, lines, shade| Plot {
            stem: stem.into(),
            title: format!("{who}: {what}"),
            chart: Chart::Lines {
                x_desc: format!("time ({unit})"),
                y_desc: y_desc.into(),
                lines,
                shade,
                log_x: false,
                x_names: None,
            },
        };
        let incoming = if out.kinesis.is_some() {
            line("read from Kinesis", Slot::KinesisReadRecords)
        } else {
            line("incoming", Slot::IncomingRecords)
        };
        let delivered = line("delivered", Slot::Delivered);
        // After an outage the delivered burst can dwarf the incoming line: then the incoming
        // records get a chart of their own, on their own scale.
        let top =
            |l: &crate::report::charts::Line| l.points.iter().map(|p| p.1).fold(0.0, f64::max);
        let dwarfed = top(&delivered) > 10.0 * top(&incoming).max(1e-9);
        let alone = dwarfed.then(|| incoming.clone());
        plots.push(over_time(
            "records-per-minute",
            "records per minute (fault windows shaded)",
            "records per minute",
            vec![incoming, delivered],
            shade.clone(),
        ));
        if let Some(incoming) = alone {
            plots.push(over_time(
                "incoming-per-minute",
                "records in per minute, on their own scale (fault windows shaded)",
                "records per minute",
                vec![incoming],
                shade,
            ));
        }
        if out.kinesis.is_some() {
            // K6: the lag, in seconds, sampled just before each minute ends.
            let mut lag = line("KinesisMillisBehindLatest", Slot::KinesisMillisBehind);
            lag.points.iter_mut().for_each(|p| p.1 /= 1e3);
            plots.push(over_time(
                "kinesis-read-lag",
                "Kinesis read lag (KinesisMillisBehindLatest)",
                "read lag (s)",
                vec![lag],
                Vec::new(),
            ));
        }
        if let Some(p) = &out.partitions {
            // P2: the most partitions active in each minute, against the limit.
            let limit = p.active_partitions_limit as f64;
            let mut limit_line = line("ActivePartitionsLimit", Slot::PartitionCount);
            limit_line.points.iter_mut().for_each(|p| p.1 = limit);
            plots.push(over_time(
                "active-partitions",
                "active partitions (PartitionCount, most in each minute)",
                "active partitions",
                vec![line("PartitionCount", Slot::PartitionCount), limit_line],
                Vec::new(),
            ));
        }
        plots.push(over_time(
            "data-freshness",
            "DataFreshness at the end of each minute",
            "age of the oldest undelivered record (s)",
            vec![line("DataFreshness", Slot::Freshness)],
            Vec::new(),
        ));
    }
    plots.push(Plot {
        stem: "latency-cdf".into(),
        title: format!("{who}: latency of delivered records"),
        chart: Chart::Lines {
            x_desc: "latency, ingest to first delivery (s, log scale)".into(),
            y_desc: "fraction of delivered records".into(),
            lines: vec![Line {
                name: "latency".into(),
                points: out.latency_cdf.clone(),
                errors: None,
            }],
            shade: Vec::new(),
            log_x: true,
            x_names: None,
        },
    });
    let r = &out.records;
    plots.push(Plot {
        stem: "fates".into(),
        title: format!("{who}: record fates"),
        chart: Chart::Bars {
            y_desc: "records".into(),
            bars: crate::report::fate_rows(r)
                .iter()
                .map(|(name, n, _)| (name.to_string(), *n as f64))
                .collect(),
        },
    });
    plots
}
