//! The `pricing` part of a scenario (C1): the unit prices a run's cost is computed with.
//! The defaults are AWS's us-east-1 list prices as of [`PRICES_DATE`].

use serde::{Deserialize, Serialize};

/// The date the default prices were taken from AWS's pricing pages.
pub const PRICES_DATE: &str = "2026-12-01";

/// Unit prices in USD (C1). Every field has the us-east-1 list price as its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Ingestion (Direct PUT and Kinesis Data Streams sources), per GB of a month's volume,
    /// each record rounded up to 5 KB: tiers in order, the last one open-ended.
    #[serde(default = "default_tiers")]
    pub ingestion_tiers: Vec<Tier>,
    /// Record format conversion, per GB ingested (5 KB increments).
    #[serde(default = "default_conversion")]
    pub format_conversion_per_gb: f64,
    /// Dynamic partitioning, per GB processed.
    #[serde(default = "default_partitioning_gb")]
    pub dynamic_partitioning_per_gb: f64,
    /// Dynamic partitioning, per 1,000 S3 objects delivered.
    #[serde(default = "default_partitioning_objects")]
    pub dynamic_partitioning_per_1000_objects: f64,
    /// S3 PUT requests, per 1,000 (S3 Standard).
    #[serde(default = "default_s3_put")]
    pub s3_put_per_1000: f64,
    /// Lambda compute, per GB-second of configured memory (x86).
    #[serde(default = "default_lambda_gb_second")]
    pub lambda_per_gb_second: f64,
    /// Lambda requests, per million invocations.
    #[serde(default = "default_lambda_requests")]
    pub lambda_per_million_requests: f64,
    /// Delivery to an HTTP endpoint, per GB (default 0: AWS lists no separate charge on the
    /// price date; set it if your bill has one).
    #[serde(default)]
    pub http_endpoint_per_gb: f64,
    /// Delivery into a VPC (OpenSearch, Redshift, Splunk or an HTTP endpoint in a VPC), per
    /// GB delivered.
    #[serde(default = "default_vpc_gb")]
    pub vpc_per_gb: f64,
    /// Delivery into a VPC, per hour per Availability Zone (a started hour is a whole hour).
    #[serde(default = "default_vpc_az_hour")]
    pub vpc_per_az_hour: f64,
    /// Availability Zones of the destination's VPC subnets; 0 (default): not in a VPC.
    #[serde(default)]
    pub vpc_availability_zones: u32,
}

/// One ingestion price tier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// GB per month in this tier (omitted on the last, open-ended tier).
    #[serde(default)]
    pub gb: Option<f64>,
    /// USD per GB.
    pub usd_per_gb: f64,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            ingestion_tiers: default_tiers(),
            format_conversion_per_gb: default_conversion(),
            dynamic_partitioning_per_gb: default_partitioning_gb(),
            dynamic_partitioning_per_1000_objects: default_partitioning_objects(),
            s3_put_per_1000: default_s3_put(),
            lambda_per_gb_second: default_lambda_gb_second(),
            lambda_per_million_requests: default_lambda_requests(),
            http_endpoint_per_gb: 0.0,
            vpc_per_gb: default_vpc_gb(),
            vpc_per_az_hour: default_vpc_az_hour(),
            vpc_availability_zones: 0,
        }
    }
}

impl Pricing {
    /// The cost of `gb` GB in one month under the ingestion tiers.
    pub fn ingestion_month(&self, gb: f64) -> f64 {
        let mut left = gb;
        let mut usd = 0.0;
        for (i, t) in self.ingestion_tiers.iter().enumerate() {
            let last = i + 1 == self.ingestion_tiers.len();
            let here = match t.gb {
                Some(size) if !last => left.min(size),
                _ => left,
            };
            usd += here * t.usd_per_gb;
            left -= here;
            if left <= 0.0 {
                break;
            }
        }
        usd
    }
}

/// 500 TB, the next 1.5 PB, the next 3 PB, then beyond (1 TB = 1,024 GB).
fn default_tiers() -> Vec<Tier> {
    vec![
        Tier {
            gb: Some(500.0 * 1024.0),
            usd_per_gb: 0.029,
        },
        Tier {
            gb: Some(1536.0 * 1024.0),
            usd_per_gb: 0.025,
        },
        Tier {
            gb: Some(3072.0 * 1024.0),
            usd_per_gb: 0.020,
        },
        Tier {
            gb: None,
            usd_per_gb: 0.020,
        },
    ]
}
fn default_conversion() -> f64 {
    0.018
}
fn default_partitioning_gb() -> f64 {
    0.020
}
fn default_partitioning_objects() -> f64 {
    0.005
}
fn default_s3_put() -> f64 {
    0.005
}
fn default_lambda_gb_second() -> f64 {
    0.000_016_666_7
}
fn default_lambda_requests() -> f64 {
    0.20
}
fn default_vpc_gb() -> f64 {
    0.01
}
fn default_vpc_az_hour() -> f64 {
    0.01
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C1: tiers apply in order to the month's volume.
    #[test]
    fn c1_tiers_apply_in_order() {
        let p = Pricing::default();
        assert!((p.ingestion_month(100.0) - 2.9).abs() < 1e-9);
        let first = 512_000.0;
        let usd = p.ingestion_month(first + 1000.0);
        assert!(
            (usd - (first * 0.029 + 1000.0 * 0.025)).abs() < 1e-6,
            "{usd}"
        );
    }
}
