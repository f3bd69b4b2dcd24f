//! Sweeps, metrics (M1) and charts.

mod common;
use common::*;
use firehose_sim::report::Report;
use firehose_sim::report::charts::{self, run_plots};
use firehose_sim::study::sweep::{self, Axis};
use std::path::Path;

fn quickstart() -> firehose_sim::scenario::Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    firehose_sim::scenario::load(&root.join("scenarios/quickstart.ron")).unwrap()
}

fn axis(field: &str, values: &[ron::Value]) -> Axis {
    Axis {
        field: field.into(),
        values: values.to_vec(),
        range: false,
    }
}

fn n(v: f64) -> ron::Value {
    ron::Value::Number(ron::value::Number::from(v))
}

fn s(v: &str) -> ron::Value {
    ron::Value::String(v.into())
}

/// Field paths set numbers, duration strings, enums and list elements, passing through enum
/// variants as the scenario file does.
#[test]
fn field_paths_set_every_kind_of_field() {
    let base = quickstart();
    let axes = [
        axis(
            "destination.buffering_hints.interval_in_seconds",
            &[n(60.0)],
        ),
        axis("faults[0].until", &[s("2h30m")]),
        axis("stream.quota", &[s("Standard")]),
        axis("sources[0].records_per_call", &[n(250.0)]),
        axis("sources[0].rate.Poisson", &[n(123.5)]),
    ];
    let values: Vec<&ron::Value> = axes.iter().map(|a| &a.values[0]).collect();
    let s2 = sweep::apply(&base, &axes, &values).unwrap();
    let text = firehose_sim::scenario::to_ron(&s2);
    assert!(text.contains("interval_in_seconds: 60"), "{text}");
    assert!(text.contains("until: \"2h30m\""));
    assert!(text.contains("quota: Standard"));
    assert!(text.contains("records_per_call: 250"));
    assert!(text.contains("rate: Poisson(123.5)"));
}

/// Unknown paths, wrongly typed values and out-of-range values are errors that name the path.
#[test]
fn bad_paths_and_values_are_named() {
    let base = quickstart();
    let cases = [
        (
            axis("destination.buffering_hints.colour", &[n(1.0)]),
            "colour",
        ),
        (
            axis("faults[3].until", &[s("1h")]),
            "index 3 is out of range",
        ),
        (axis("faults[0].until", &[n(5.0)]), "faults[0].until = 5"),
        (
            axis("destination.buffering_hints.size_in_mbs", &[n(999.0)]),
            "allowed 1 to 128",
        ),
        (axis("stream.quota", &[s("Huge")]), "Huge"),
    ];
    for (a, expected) in cases {
        let values = vec![&a.values[0]];
        let e = sweep::apply(&base, std::slice::from_ref(&a), &values).unwrap_err();
        assert!(
            e.contains(expected) && (e.contains(&a.field) || e.contains("`")),
            "{e}"
        );
    }
}

fn write_sweep(dir: &Path, body: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("scenarios/quickstart.ron");
    let path = dir.join("s.ron");
    std::fs::write(&path, body.replace("BASE", &base.display().to_string())).unwrap();
    path
}

const SWEEP: &str = r#"Sweep(
    name: "t",
    scenario: "BASE",
    axes: [
        (field: "destination.buffering_hints.size_in_mbs", values: [1, 5]),
        (field: "services.s3.retry_interval", values: ["1s", "10s"]),
    ],
    seeds: 3,
    outputs: ["records.produced", "records.delivered", "latency_seconds.p99"],
)"#;

/// Determinism: `--jobs 1` and `--jobs 2` give byte-identical `sweep.csv`. Common random
/// numbers (X2): points that differ only in S3 settings, which cannot touch the Poisson
/// producer, report the same `produced` for the same seed, and different seeds differ.
#[test]
fn jobs_do_not_change_results_and_seeds_are_common() {
    let dir = std::env::temp_dir().join(format!("fs-sweep-{}", std::process::id()));
    let path = write_sweep(&dir, SWEEP);
    let (sw, base, _) = sweep::load(&path).unwrap();
    let one = sweep::run(&sw, &base, 1, false).unwrap();
    let two = sweep::run(&sw, &base, 2, false).unwrap();
    assert_eq!(one.csv(), two.csv());
    assert_eq!(one.points.len(), 4);
    let produced: Vec<&Vec<f64>> = one.points.iter().map(|p| &p.values[0]).collect();
    assert!(produced.windows(2).all(|w| w[0] == w[1]), "{produced:?}");
    assert_ne!(produced[0][0], produced[0][1]);
    // Outputs are written, with a chart per output and a heatmap for two axes.
    one.write(&dir.join("out"), "Why?", false).unwrap();
    let summary = std::fs::read_to_string(dir.join("out/summary.md")).unwrap();
    assert!(summary.contains("| 1 | 1s |") && summary.contains("![t: records.produced"));
    assert!(dir.join("out/records_delivered-heatmap.svg").exists());
    // Only the charts asked for: `plots: ["heatmap"]` draws no line charts.
    let mut only = sw.clone();
    only.plots = Some(vec!["heatmap".into()]);
    let stems: Vec<String> = sweep::SweepResult {
        sweep: only,
        ..one.clone()
    }
    .plots()
    .into_iter()
    .map(|p| p.stem)
    .collect();
    assert_eq!(stems.len(), 3);
    assert!(stems.iter().all(|s| s.ends_with("-heatmap")));
    assert_eq!(
        std::fs::read_to_string(dir.join("out/sweep.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 4 * 3
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bad sweep is an error with exit code 2 before anything runs, naming the path.
#[test]
fn bad_sweeps_exit_2() {
    let dir = std::env::temp_dir().join(format!("fs-badsweep-{}", std::process::id()));
    for (body, expected) in [
        (
            SWEEP.replace("services.s3.retry_interval", "services.s3.retry_intervals"),
            "retry_intervals",
        ),
        (
            SWEEP.replace("latency_seconds.p99", "latency_seconds.p42"),
            "p42",
        ),
        (SWEEP.replace("[1, 5]", "[1, 500]"), "allowed 1 to 128"),
        (SWEEP.replace("seeds: 3", "seeds: 3, colour: 1"), ":"),
        (
            SWEEP.replace(
                "services.s3.retry_interval\", values: [\"1s\", \"10s\"]",
                "seed\", values: [1, 2]",
            ),
            "the seed is not an axis",
        ),
        (
            SWEEP.replace("name: \"t\"", "name: \"../escape\""),
            "names the output folder",
        ),
        (
            SWEEP.replace("seeds: 3,", "seeds: 3, plots: [\"pie\"],"),
            "unknown chart",
        ),
    ] {
        let path = write_sweep(&dir, &body);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
            .args([
                "sweep",
                &path.display().to_string(),
                "--out",
                &dir.join("o").display().to_string(),
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("error") && err.contains(expected), "{err}");
        assert!(!err.contains("panicked"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// M1: the metrics add up to the report: IncomingRecords to ingested, the first deliveries to
/// delivered, DeliveryToS3.Records to the records written; one row per minute.
#[test]
fn m1_metrics_totals_equal_the_report() {
    let out = run(&quickstart());
    let m = out.metrics.as_ref().unwrap();
    assert_eq!(m.minutes(), 360);
    let r = &out.records;
    assert_eq!(m.total("IncomingRecords").unwrap() as u64, r.ingested);
    assert_eq!(m.total("DeliveryToS3.Records").unwrap() as u64, r.delivered);
    let csv = m.to_csv();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "minute,IncomingRecords,IncomingBytes,IncomingPutRequests,ThrottledRecords,DeliveryToS3.Records,DeliveryToS3.Success,DeliveryToS3.DataFreshness"
    );
    assert_eq!(csv.lines().count(), 361);
    // During the outage (2 h - 3 h) the success ratio is 0 and DataFreshness climbs past 30 min.
    let row = csv.lines().nth(1 + 150).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[6], "0.0000");
    assert!(cells[7].parse::<f64>().unwrap() > 1800.0);
    assert_eq!(Report::new(&out).records.ingested, r.ingested);
}

/// The run's charts are produced and non-trivial: the SVGs parse as SVG and name their series;
/// the PNGs have the expected size.
#[test]
fn run_charts_are_drawn() {
    let out = run(&quickstart());
    let plots = run_plots(&out);
    let stems: Vec<&str> = plots.iter().map(|p| p.stem.as_str()).collect();
    assert_eq!(
        stems,
        [
            "records-per-minute",
            "incoming-per-minute",
            "data-freshness",
            "latency-cdf",
            "fates"
        ]
    );
    // The incoming line has a chart of its own when the burst after the outage dwarfs it.
    let alone = charts::svg(&plots[1]).unwrap();
    assert!(alone.contains("incoming") && !alone.contains(">\ndelivered\n<"));
    let svg = charts::svg(&plots[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for text in [
        "incoming",
        "delivered",
        "records per minute",
        "quickstart (seed 7)",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    assert!(svg.matches("<polyline").count() >= 2 || svg.matches("<path").count() >= 2);
    let dir = std::env::temp_dir().join(format!("fs-png-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    charts::write(&plots[4], &dir, true).unwrap();
    let png = std::fs::read(dir.join("fates.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), charts::SIZE);
    assert!(png.len() > 10_000);
    let _ = std::fs::remove_dir_all(&dir);
}

/// H1, H5, SP1 through sweep axes: the new destinations' fields (an omitted hint that takes
/// its preset, the content encoding, the retry duration) and their services are set by path,
/// and an out-of-range value names its path and range.
#[test]
fn http_endpoint_and_splunk_fields_are_sweepable() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = firehose_sim::scenario::load(&root.join("scenarios/http-413.ron")).unwrap();
    let axes = [
        axis(
            "destination.buffering_hints.interval_in_seconds",
            &[n(60.0)],
        ),
        axis("destination.content_encoding", &[s("Gzip")]),
        axis(
            "destination.retry_options.duration_in_seconds",
            &[n(7200.0)],
        ),
        axis(
            "services.http_endpoint.deduplicates",
            &[ron::Value::Bool(true)],
        ),
    ];
    let values: Vec<&ron::Value> = axes.iter().map(|a| &a.values[0]).collect();
    let s2 = sweep::apply(&base, &axes, &values).unwrap();
    let h = s2.destination.buffering_hints();
    assert_eq!((h.size_in_mbs, h.interval_in_seconds), (5, 60));
    let text = firehose_sim::scenario::to_ron(&s2);
    assert!(text.contains("content_encoding: Gzip"), "{text}");
    assert!(text.contains("duration_in_seconds: 7200"));
    assert!(text.contains("deduplicates: true"));
    let splunk =
        firehose_sim::scenario::load(&root.join("scenarios/splunk-ack-timeout.ron")).unwrap();
    let a = axis(
        "destination.hec_acknowledgment_timeout_in_seconds",
        &[n(700.0)],
    );
    let e = sweep::apply(&splunk, std::slice::from_ref(&a), &[&a.values[0]]).unwrap_err();
    assert!(e.contains("hec_acknowledgment_timeout_in_seconds"), "{e}");
    assert!(e.contains("180 to 600"), "{e}");
}

/// The CSV streams in point order: on one thread a block is 8 points, so a 20-point sweep
/// hands on its header and then three blocks (points 1-8, 9-16 and 17-20, two rows each),
/// and together they are the finished sweep's `sweep.csv`, byte for byte.
#[test]
fn the_csv_streams_in_blocks_of_points_in_point_order() {
    let dir = std::env::temp_dir().join(format!("fs-sweep-stream-{}", std::process::id()));
    let path = write_sweep(
        &dir,
        r#"Sweep(name: "t", scenario: "BASE", axes: [(field: "destination.buffering_hints.size_in_mbs", values: Range(1, 20, 1))], seeds: 2, outputs: ["s3.objects"])"#,
    );
    let (sw, base, _) = sweep::load(&path).unwrap();
    let mut parts: Vec<String> = Vec::new();
    let result = sweep::run_streaming(&sw, &base, 1, false, None, &mut |t| {
        parts.push(t.to_string());
        Ok(())
    })
    .unwrap();
    let lines: Vec<usize> = parts.iter().map(|p| p.lines().count()).collect();
    assert_eq!(lines, [1, 16, 16, 8]);
    assert_eq!(parts.concat(), result.csv());
    assert!(parts[3].starts_with("17,"), "{}", parts[3]);
    let _ = std::fs::remove_dir_all(&dir);
}
