//! The report's cost (C1, C2): bills computed by hand from the rules and the run's counts.

mod common;
use common::*;
use firehose_sim::report::Report;
use firehose_sim::report::cost::CostItem;

const GIB: f64 = 1_073_741_824.0;

fn item<'a>(r: &'a Report, name: &str) -> &'a CostItem {
    r.cost
        .items
        .iter()
        .find(|i| i.item == name)
        .unwrap_or_else(|| panic!("no {name} item"))
}

/// A Direct PUT scenario of `duration` at `rate` records/s in calls of `rpc` records of
/// `bytes` bytes to S3, with `extra` fields.
fn direct(duration: &str, rate: f64, rpc: u32, bytes: u64, extra: &str) -> Report {
    let text = format!(
        r#"#![enable(implicit_some)]
Scenario(
    name: "c", seed: 1, duration: "{duration}",
    sources: [DirectPut(name: "p", rate: Constant({rate:?}), records_per_call: {rpc}, record_bytes: Fixed({bytes}))],
    destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 60)),
    {extra}
)"#
    );
    Report::new(&run_text(&text))
}

/// C1: 1,000 records of 1 KB bill 5,000 KB (each rounded up to 5 KB), and 1,000 records of
/// 6 KB bill 10,000 KB; the amount is the GB (2^30 bytes) times $0.029.
#[test]
fn c1_records_are_billed_in_5_kb_units() {
    // 100 records/s for 10 s: calls at 0 s, ..., 9 s (T1), 1,000 records.
    for (bytes, kb) in [(1024u64, 5000.0), (6 * 1024, 10_000.0)] {
        let r = direct("10s", 100.0, 100, bytes, "");
        assert_eq!(r.records.produced, 1000);
        let ing = item(&r, "ingestion");
        assert!(
            (ing.quantity * GIB / 1024.0 - kb).abs() < 1e-6,
            "{}",
            ing.quantity
        );
        assert!((ing.unit_price_usd - 0.029).abs() < 1e-12);
        assert!((ing.amount_usd - kb * 1024.0 / GIB * 0.029).abs() < 1e-12);
        // C2: a 10 s run is 259,200 times shorter than 30 days.
        assert!((ing.monthly_usd - ing.amount_usd * 259_200.0).abs() < 1e-9);
    }
}

/// C1, against the worked example of the Firehose pricing page
/// (https://aws.amazon.com/firehose/pricing/, "Pricing examples"): 1,000 records per second
/// of 3 KB, each rounded up to 5 KB, are (1,000 x 5 KB) / 1,048,576 KB/GB = 0.004768 GB/s,
/// 12,359.62 GB a month at 30 days, and at $0.029 per GB for the first 500 TB,
/// 12,359.62 x $0.029 = $358.43 a month.
#[test]
fn c1_reproduces_the_pricing_pages_worked_example() {
    let r = direct("1h", 1000.0, 500, 3 * 1024, "");
    let ing = item(&r, "ingestion");
    let month_gb = ing.quantity * 720.0;
    assert!((month_gb - 12_359.62).abs() < 0.01, "{month_gb}");
    assert!(
        (ing.monthly_usd - 358.43).abs() < 0.005,
        "{}",
        ing.monthly_usd
    );
}

/// C1: S3 PUTs are the successful PUT attempts, per 1,000 at $0.005; the total is the sum of
/// the items.
#[test]
fn c1_s3_puts_count_successful_attempts() {
    let r = direct(
        "1h",
        1000.0,
        500,
        1024,
        r#"faults: [Outage(target: S3, from: "10m", until: "20m")],"#,
    );
    let puts = item(&r, "s3_put_requests");
    let ok = r.calls.s3_put.attempts - r.calls.s3_put.failed;
    assert!(r.calls.s3_put.failed > 0);
    assert!((puts.quantity - ok as f64 / 1000.0).abs() < 1e-12);
    assert!((puts.amount_usd - ok as f64 * 0.005 / 1000.0).abs() < 1e-12);
    let sum: f64 = r.cost.items.iter().map(|i| i.amount_usd).sum();
    assert!((r.cost.total_usd - sum).abs() < 1e-12);
}

/// C1: Lambda bills each invocation that ran and its duration in GB-seconds of configured
/// memory: a fixed 250 ms at 512 MB is 0.125 GB-s per invocation.
#[test]
fn c1_lambda_bills_requests_and_gb_seconds() {
    // 10 records/s of 1 KB fill the 1 MiB Lambda buffer in 102 s: the 60 s interval flushes.
    let r = direct(
        "1h",
        10.0,
        10,
        1024,
        r#"transform: Lambda(buffer_interval_in_seconds: 60),
    services: (lambda: (duration: Fixed("250ms"), memory_mb: 512)),"#,
    );
    let l = r.lambda.as_ref().unwrap();
    // 60 s Lambda buffers over 1 h: one invocation a minute.
    assert!(
        l.billed_invocations >= 59 && l.billed_invocations <= 60,
        "{}",
        l.billed_invocations
    );
    assert_eq!(l.billed_ms, l.billed_invocations * 250);
    let compute = item(&r, "lambda_compute");
    assert!((compute.quantity - l.billed_invocations as f64 * 0.125).abs() < 1e-12);
    let requests = item(&r, "lambda_requests");
    assert!((requests.amount_usd - l.billed_invocations as f64 * 0.20 / 1e6).abs() < 1e-15);
}

/// C1: a scenario's own tiers apply to the month's volume: with 1 GB a month at $1 and the
/// rest at $0.5, a month of 2.592 GB costs 1 + 1.592 x 0.5.
#[test]
fn c1_custom_tiers_apply_to_the_month_volume() {
    // 1 record/s of 1 KB (one 5 KB unit) for 1 h: 18,000 KB; a month is 720 times that.
    let r = direct(
        "1h",
        1.0,
        1,
        1024,
        "pricing: (ingestion_tiers: [(gb: 1.0, usd_per_gb: 1.0), (usd_per_gb: 0.5)]),",
    );
    let ing = item(&r, "ingestion");
    let month_gb = 3600.0 * 5120.0 * 720.0 / GIB;
    assert!((ing.quantity * 720.0 - month_gb).abs() < 1e-9);
    let expected = 1.0 + (month_gb - 1.0) * 0.5;
    assert!(
        (ing.monthly_usd - expected).abs() < 1e-9,
        "{}",
        ing.monthly_usd
    );
}

/// C1: dynamic partitioning bills the GB processed and the objects delivered, per 1,000.
#[test]
fn c1_dynamic_partitioning_bills_data_and_objects() {
    let text = r#"#![enable(implicit_some)]
Scenario(
    name: "p", seed: 1, duration: "1h",
    sources: [DirectPut(name: "p", rate: Constant(100.0), records_per_call: 100, record_bytes: Fixed(1024),
        partition_key: Uniform(4))],
    destination: S3(buffering_hints: (size_in_mbs: 64, interval_in_seconds: 60),
        dynamic_partitioning: (enabled: true)),
)"#;
    let r = Report::new(&run_text(text));
    let objects = r.partitions.as_ref().unwrap().objects;
    assert!(objects > 200);
    let o = item(&r, "dynamic_partitioning_objects");
    assert!((o.amount_usd - objects as f64 / 1000.0 * 0.005).abs() < 1e-12);
    let d = item(&r, "dynamic_partitioning_data");
    // 360,000 records of 1,024 bytes processed.
    assert!((d.quantity - 360_000.0 * 1024.0 / GIB).abs() < 1e-9);
}

/// C2: sweeps and properties read `cost.total_usd` and `cost.monthly_usd` from the report.
#[test]
fn c2_cost_fields_are_report_paths() {
    let r = direct("10s", 100.0, 100, 1024, "");
    let json = serde_json::to_value(&r).unwrap();
    let monthly = firehose_sim::study::fields::output(&json, "cost.monthly_usd").unwrap();
    assert!((monthly - r.cost.monthly_usd).abs() < 1e-12);
    let p = firehose_sim::study::check::Property::parse("cost.monthly_usd < 1000").unwrap();
    assert!(p.holds(&json).unwrap());
}

/// C1: `run --help` names the date of the default prices.
#[test]
fn c1_help_names_the_prices_date() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_firehose-sim"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains(firehose_sim::scenario::PRICES_DATE), "{help}");
}
