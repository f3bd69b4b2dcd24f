//! What a run costs (C1, C2): each billed item's quantity from the run, its unit price from
//! the scenario's `pricing`, and its amount for the simulated duration and per 30-day month.

use crate::model::RunOutput;
use crate::scenario::{Destination, Pricing, SizeDist, Source, StreamSource};
use serde::Serialize;

/// Bytes of one ingestion billing unit: records are billed in 5 KB increments (C1).
pub const BILLING_UNIT: u64 = 5 * 1024;
/// Bytes in a billed GB (C1).
const GB: f64 = 1_073_741_824.0;
/// Seconds in the month costs are scaled to (C2).
const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

/// One billed item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostItem {
    /// What is billed, e.g. `ingestion` or `s3_put_requests`.
    pub item: &'static str,
    /// How much of it the run used, in `unit`s.
    pub quantity: f64,
    /// The unit, e.g. `GB` or `1,000 requests`.
    pub unit: &'static str,
    /// USD per unit (for tiered ingestion, the blended price of the month's volume).
    pub unit_price_usd: f64,
    /// USD for the simulated duration.
    pub amount_usd: f64,
    /// USD for a 30-day month at the run's pace.
    pub monthly_usd: f64,
}

/// The report's `cost` section (C2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    /// Every billed item.
    pub items: Vec<CostItem>,
    /// USD for the simulated duration.
    pub total_usd: f64,
    /// USD for a 30-day month at the run's pace.
    pub monthly_usd: f64,
}

/// The mean number of 5 KB units a record of this size distribution is billed for (C1),
/// `E[ceil(size / 5 KB)] = sum over k >= 0 of P(size > k * 5 KB)`: exact for `Fixed` and
/// `Uniform`, from the log-normal's distribution function (with the same clipping to
/// 1..=1,024,000 bytes as the producer) for `LogNormal`.
pub fn units_per_record(d: &SizeDist) -> f64 {
    let unit = BILLING_UNIT;
    match *d {
        SizeDist::Fixed(s) => s.max(1).div_ceil(unit) as f64,
        SizeDist::Uniform(a, b) => {
            let (a, b) = (a.min(b), a.max(b));
            let n = (b - a + 1) as f64;
            // Sizes in [a, b] above k * unit, for every k below the largest size's units.
            (0..b.max(1).div_ceil(unit))
                .map(|k| {
                    let t = k * unit;
                    let above = if t < a { b - a + 1 } else { b - t };
                    above as f64 / n
                })
                .sum()
        }
        SizeDist::LogNormal { median, p99 } => {
            let mu = (median.max(1) as f64).ln();
            let sigma = ((p99.max(1) as f64) / (median.max(1) as f64)).ln() / 2.326_348;
            let max = 1_024_000u64;
            (0..max.div_ceil(unit))
                .map(|k| {
                    let t = (k * unit) as f64;
                    if k == 0 {
                        return 1.0;
                    }
                    if sigma <= 0.0 {
                        return if (median as f64) > t { 1.0 } else { 0.0 };
                    }
                    // P(round(X) > t) = P(X >= t + 0.5).
                    let z = ((t + 0.5).ln() - mu) / sigma;
                    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
                })
                .sum()
        }
    }
}

/// The cost of a finished run.
pub fn cost(out: &RunOutput) -> CostReport {
    let s = &out.scenario;
    let p: &Pricing = &s.pricing;
    let seconds = (s.duration.0 as f64 / 1e6).max(1e-6);
    let month = MONTH_SECONDS / seconds;
    let mut items = Vec::new();
    let mut push = |item, quantity: f64, unit, unit_price: f64| {
        let amount = quantity * unit_price;
        items.push(CostItem {
            item,
            quantity,
            unit,
            unit_price_usd: unit_price,
            amount_usd: amount,
            monthly_usd: amount * month,
        });
    };

    // Ingestion: each producer's records at its mean billed units; with a Kinesis source,
    // the records Firehose read, at the producers' mix.
    let (by_source, ingested_bytes) = &out.ingested;
    let units: Vec<f64> = s
        .sources
        .iter()
        .map(|Source::DirectPut(d)| units_per_record(&d.record_bytes))
        .collect();
    let written: f64 = by_source.iter().map(|&n| n as f64).sum();
    let written_units: f64 = by_source
        .iter()
        .zip(&units)
        .map(|(&n, u)| n as f64 * u)
        .sum();
    let billed_units = match (&s.stream.source, &out.kinesis) {
        (StreamSource::KinesisStream(_), Some(k)) if written > 0.0 => {
            k.records_read as f64 * written_units / written
        }
        _ => written_units,
    };
    let billed_gb = billed_units * BILLING_UNIT as f64 / GB;
    let month_gb = billed_gb * month;
    let monthly = p.ingestion_month(month_gb);
    let blended = if month_gb > 0.0 {
        monthly / month_gb
    } else {
        p.ingestion_tiers.first().map_or(0.0, |t| t.usd_per_gb)
    };
    push("ingestion", billed_gb, "GB (5 KB per record)", blended);

    let processed_gb = *ingested_bytes as f64 / GB;
    if let Destination::S3(d) = &s.destination {
        if d.format_conversion.is_some() {
            push(
                "format_conversion",
                billed_gb,
                "GB (5 KB per record)",
                p.format_conversion_per_gb,
            );
        }
        if d.partitioned() {
            push(
                "dynamic_partitioning_data",
                processed_gb,
                "GB",
                p.dynamic_partitioning_per_gb,
            );
            let objects = out.partitions.as_ref().map_or(0, |r| r.objects);
            push(
                "dynamic_partitioning_objects",
                objects as f64 / 1000.0,
                "1,000 objects",
                p.dynamic_partitioning_per_1000_objects,
            );
        }
    }

    // S3 PUTs that succeeded: the stream's bucket (destination, intermediate and error
    // objects) and the backup bucket.
    let puts = out.calls.s3_put.attempts - out.calls.s3_put.failed
        + out.backup.as_ref().map_or(0, |b| b.attempts - b.failed);
    push(
        "s3_put_requests",
        puts as f64 / 1000.0,
        "1,000 requests",
        p.s3_put_per_1000,
    );

    if let Some(l) = &out.lambda {
        push(
            "lambda_requests",
            l.billed_invocations as f64 / 1e6,
            "million requests",
            p.lambda_per_million_requests,
        );
        let gb_seconds =
            l.billed_ms as f64 / 1000.0 * f64::from(s.services.lambda.memory_mb) / 1024.0;
        push(
            "lambda_compute",
            gb_seconds,
            "GB-second",
            p.lambda_per_gb_second,
        );
    }

    if matches!(s.destination, Destination::HttpEndpoint(_)) && p.http_endpoint_per_gb > 0.0 {
        push(
            "http_endpoint_data",
            processed_gb,
            "GB",
            p.http_endpoint_per_gb,
        );
    }

    if p.vpc_availability_zones > 0 && !matches!(s.destination, Destination::S3(_)) {
        push("vpc_data", processed_gb, "GB", p.vpc_per_gb);
        let hours = (seconds / 3600.0).ceil() * f64::from(p.vpc_availability_zones);
        push("vpc_hours", hours, "AZ-hour", p.vpc_per_az_hour);
    }

    let total_usd = items.iter().map(|i| i.amount_usd).sum();
    let monthly_usd = items.iter().map(|i| i.monthly_usd).sum();
    CostReport {
        items,
        total_usd,
        monthly_usd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C1: a record is billed in whole 5 KB units: 1 KB -> 1, 6 KB -> 2, exactly 5 KB -> 1.
    #[test]
    fn c1_fixed_sizes_round_up_to_5_kb() {
        assert_eq!(units_per_record(&SizeDist::Fixed(1024)), 1.0);
        assert_eq!(units_per_record(&SizeDist::Fixed(6 * 1024)), 2.0);
        assert_eq!(units_per_record(&SizeDist::Fixed(5120)), 1.0);
        assert_eq!(units_per_record(&SizeDist::Fixed(5121)), 2.0);
    }

    /// C1: Uniform(1, 10240): half the sizes are above 5,120 bytes, so 1.5 units on average;
    /// Uniform(500, 1500) is always 1.
    #[test]
    fn c1_uniform_sizes_bill_their_mean_units() {
        assert!((units_per_record(&SizeDist::Uniform(1, 10_240)) - 1.5).abs() < 1e-12);
        assert_eq!(units_per_record(&SizeDist::Uniform(500, 1500)), 1.0);
    }

    /// C1: a log-normal with median 2,000 and p99 20,000 bytes bills 1.2633 units a record
    /// (400,000 draws rounded and clipped as the producer does average 1.2638); one with
    /// almost no spread around 7,000 bytes bills 2.
    #[test]
    fn c1_lognormal_units_follow_the_distribution() {
        let u = units_per_record(&SizeDist::LogNormal {
            median: 2000,
            p99: 20_000,
        });
        assert!((u - 1.263_34).abs() < 1e-4, "{u}");
        let narrow = units_per_record(&SizeDist::LogNormal {
            median: 7000,
            p99: 7001,
        });
        assert!((narrow - 2.0).abs() < 1e-9, "{narrow}");
    }
}
