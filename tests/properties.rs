//! Invariants on random scenarios and fault schedules: conservation (F2), determinism, common
//! random numbers (X2), and the monotonic effect of outage length on expiry (I4).

mod common;
use common::*;
use firehose_sim::engine::SimDuration;
use firehose_sim::report::Report;
use firehose_sim::scenario::{
    self, Backoff, BackupMode, BufferingHints, CallTime, ContentEncoding, ConversionOutput,
    DefaultedHints, Destination, DirectPut, DocumentIdOption, DynamicPartitioning, Endpoint, Fault,
    FormatConversion, HttpBackupMode, HttpEndpointDestination, HttpEndpointService, IndexRotation,
    KinesisStream, LambdaService, LambdaTransform, OpenSearchBackupMode, OpenSearchDestination,
    OpenSearchRetryOptions, OpenSearchService, PartitionKey, PartitionKeys, PauseRetryOptions,
    Quota, Rate, RedshiftDestination, RedshiftService, RetryBackoff, RetryOptions, S3Destination,
    Scenario, Services, SizeDist, Source, SplunkBackupMode, SplunkDestination, SplunkService,
    StreamConfig, StreamMode, StreamSource, Target, TimeDist, Transform,
};
use firehose_sim::{RunOptions, simulate};
use proptest::prelude::*;

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

fn ms(m: u64) -> SimDuration {
    SimDuration::from_millis(m)
}

fn rate() -> impl Strategy<Value = (Rate, u32)> {
    // Calls per second are kept small so that a case runs in milliseconds in a debug build.
    (1u32..=500, 1u64..=2000, 0usize..4).prop_flat_map(|(rpc, calls_milli, kind)| {
        let r = rpc as f64 * calls_milli as f64 / 1000.0;
        let rate = match kind {
            0 => Just(Rate::Constant(r)).boxed(),
            1 => Just(Rate::Poisson(r)).boxed(),
            2 => prop::collection::vec((1u64..3600, 0.0..=r), 1..4)
                .prop_map(move |mut steps| {
                    steps.sort_by_key(|s| s.0);
                    steps.dedup_by_key(|s| s.0);
                    let mut v = vec![(SimDuration::ZERO, r)];
                    v.extend(steps.into_iter().map(|(t, x)| (secs(t), x)));
                    Rate::Steps(v)
                })
                .boxed(),
            _ => (0.0..=1.0f64, 60u64..7200)
                .prop_map(move |(amplitude, p)| Rate::Diurnal {
                    mean: r,
                    amplitude,
                    period: secs(p),
                })
                .boxed(),
        };
        rate.prop_map(move |x| (x, rpc))
    })
}

fn sizes(rpc: u32) -> impl Strategy<Value = SizeDist> {
    let max = (4 * 1_048_576 / u64::from(rpc)).min(1_024_000);
    prop_oneof![
        (1..=max).prop_map(SizeDist::Fixed),
        (1..=max, 0..=max).prop_map(move |(a, w)| SizeDist::Uniform(a, (a + w).min(max))),
        (1u64..5000, 1u64..10).prop_map(move |(m, k)| {
            let p99 = (m * k).min(max);
            SizeDist::LogNormal {
                median: m.min(p99),
                p99,
            }
        }),
    ]
}

fn source(i: usize) -> impl Strategy<Value = Source> {
    rate().prop_flat_map(move |(rate, rpc)| {
        (sizes(rpc), 0u32..=5).prop_map(move |(record_bytes, max_retries)| {
            Source::DirectPut(DirectPut {
                name: format!("p{i}"),
                rate: rate.clone(),
                records_per_call: rpc,
                record_bytes,
                max_retries,
                backoff: Backoff::default(),
                partition_key: None,
            })
        })
    })
}

fn window(duration: u64) -> impl Strategy<Value = (Option<SimDuration>, Option<SimDuration>)> {
    (0..=duration, 1..=duration, any::<bool>()).prop_map(move |(from, len, open)| {
        if open {
            (None, None)
        } else {
            (Some(secs(from)), Some(secs(from + len)))
        }
    })
}

fn fault(duration: u64, targets: Vec<Target>) -> impl Strategy<Value = Fault> {
    let target = prop::sample::select(targets);
    let throttled = prop_oneof![Just(Target::Ingest), Just(Target::Lambda)];
    (
        0usize..5,
        target,
        throttled,
        window(duration),
        0.0..=1.0f64,
        0.1..20.0f64,
    )
        .prop_map(
            |(kind, target, throttled, (from, until), p, f)| match kind {
                0 => Fault::Outage {
                    target,
                    from,
                    until,
                },
                1 => Fault::Errors {
                    target,
                    probability: p,
                    from,
                    until,
                },
                2 => Fault::Slow {
                    target,
                    factor: f,
                    from,
                    until,
                },
                3 => Fault::AckLost {
                    target,
                    probability: p,
                    from,
                    until,
                },
                // Throttle acts on a quota or a concurrency: Ingest, or Lambda when present.
                _ => Fault::Throttle {
                    target: if target == Target::Lambda {
                        throttled
                    } else {
                        Target::Ingest
                    },
                    factor: p,
                    from,
                    until,
                },
            },
        )
}

fn time_dist() -> impl Strategy<Value = TimeDist> {
    prop_oneof![
        (0u64..5000).prop_map(|m| TimeDist::Fixed(ms(m))),
        (0u64..3000, 0u64..3000).prop_map(|(a, w)| TimeDist::Uniform(ms(a), ms(a + w))),
        (1u64..2000, 1u64..20).prop_map(|(m, k)| TimeDist::LogNormal {
            median: ms(m),
            p99: ms(m * k)
        }),
    ]
}

/// Random Lambda settings: buffer, retries, duration, timeout, concurrency, output size (up
/// to 3x, so that some responses pass 6 MB), per-record rates and retry delay.
fn lambda() -> impl Strategy<Value = (LambdaTransform, LambdaService)> {
    (
        (0.2..=3.0f64, 0u32..=900, 0u32..=5),
        time_dist(),
        (1u64..=300, 1u32..=10, 0.0..3.0f64),
        (0.0..0.5f64, 0.0..0.5f64, 0u64..10_000),
    )
        .prop_map(
            |((size, interval, retries), duration, (timeout, conc, ratio), (d, f, delay))| {
                (
                    LambdaTransform {
                        buffer_size_in_mbs: size,
                        buffer_interval_in_seconds: interval,
                        number_of_retries: retries,
                    },
                    LambdaService {
                        duration,
                        timeout: secs(timeout),
                        concurrency: conc,
                        size_ratio: ratio,
                        dropped: d,
                        processing_failed: f,
                        retry_delay: ms(delay),
                        ..LambdaService::default()
                    },
                )
            },
        )
}

/// Random Redshift settings: retry duration (0-7200 s), COPY time and an optional limit of
/// objects per COPY.
fn redshift() -> impl Strategy<Value = (u32, RedshiftService)> {
    (
        0u32..=7200,
        0u64..=600_000,
        0u64..=100_000,
        prop::option::of(1u32..5),
    )
        .prop_map(|(retry, base, per_mib, max)| {
            (
                retry,
                RedshiftService {
                    copy_time: CallTime {
                        base: ms(base),
                        per_mib: ms(per_mib),
                    },
                    max_objects_per_copy: max,
                },
            )
        })
}

/// Random OpenSearch settings: retry duration, document ids, rotation, bulk time, timeout,
/// per-document failures and backoff.
fn opensearch() -> impl Strategy<Value = (OpenSearchDestination, OpenSearchService)> {
    (
        (0u32..=7200, any::<bool>(), 0usize..5),
        (0u64..=5000, 0u64..=2000, 1u64..=120),
        (0.0..0.2f64, 1u64..=5000, 1u64..=120),
    )
        .prop_map(
            |((retry, no_id, rot), (base, per_mib, timeout), (p, initial, max))| {
                let rotation = [
                    IndexRotation::NoRotation,
                    IndexRotation::OneHour,
                    IndexRotation::OneDay,
                    IndexRotation::OneWeek,
                    IndexRotation::OneMonth,
                ][rot];
                (
                    OpenSearchDestination {
                        retry_options: OpenSearchRetryOptions {
                            duration_in_seconds: retry,
                        },
                        document_id: if no_id {
                            DocumentIdOption::NoDocumentId
                        } else {
                            DocumentIdOption::FirehoseDefault
                        },
                        index_rotation_period: rotation,
                        ..OpenSearchDestination::default()
                    },
                    OpenSearchService {
                        bulk_time: CallTime {
                            base: ms(base),
                            per_mib: ms(per_mib),
                        },
                        request_timeout: secs(timeout),
                        document_failure_rate: p,
                        backoff: RetryBackoff {
                            initial: ms(initial),
                            max: ms(initial).max(secs(max)),
                        },
                    },
                )
            },
        )
}

fn quota() -> impl Strategy<Value = Quota> {
    prop_oneof![
        Just(Quota::Large),
        Just(Quota::Standard),
        (50u64..3000, 1u64..50, 10_000u64..3_000_000).prop_map(|(r, q, b)| Quota::Custom {
            records_per_second: r,
            requests_per_second: q,
            bytes_per_second: b
        }),
    ]
}

/// Random scenarios: up to three producers of every rate shape, random quotas, retention,
/// buffering, call times, an optional Lambda transform, an optional source record backup, an
/// S3 or a Redshift destination, and up to five faults on every target present.
fn scenarios() -> impl Strategy<Value = Scenario> {
    (
        60u64..=7200,
        1usize..=3,
        prop::option::of(lambda()),
        any::<bool>(),
        prop::option::of(redshift()),
        prop::option::of(opensearch()),
    )
        .prop_flat_map(|(duration, n, lambda, backup, redshift, opensearch)| {
            // Redshift wins when both were drawn: one destination per scenario.
            let opensearch = if redshift.is_some() { None } else { opensearch };
            let sources = (0..n).map(source).collect::<Vec<_>>();
            let mut targets = vec![Target::Ingest, Target::S3];
            if lambda.is_some() {
                targets.push(Target::Lambda);
            }
            if backup {
                targets.push(Target::BackupS3);
            }
            if redshift.is_some() {
                targets.push(Target::Redshift);
            }
            if opensearch.is_some() {
                targets.push(Target::OpenSearch);
            }
            let parts = (
                sources,
                quota(),
                30u64..=86_400,
                (1u32..=8, 0u32..=900, 1u32..=8, 60u32..=900),
                (0u64..=50, 0u64..=2000, 0u64..=1000, 1u64..=60_000),
                prop::collection::vec(fault(duration, targets), 0..=5),
                any::<u64>(),
            );
            parts.prop_map(move |(sources, quota, retention, h, t, faults, seed)| {
                let (transform, lambda_service) = match &lambda {
                    Some((t, s)) => (Some(Transform::Lambda(t.clone())), s.clone()),
                    None => (None, LambdaService::default()),
                };
                let hints = BufferingHints {
                    size_in_mbs: h.0,
                    interval_in_seconds: h.1,
                };
                let backup_mode = if backup {
                    BackupMode::Enabled
                } else {
                    BackupMode::Disabled
                };
                let backup_hints = BufferingHints {
                    size_in_mbs: h.2,
                    interval_in_seconds: h.3,
                };
                let (destination, redshift_service) = match (&redshift, &opensearch) {
                    (None, Some((d, _))) => (
                        Destination::OpenSearch(OpenSearchDestination {
                            buffering_hints: BufferingHints {
                                size_in_mbs: hints.size_in_mbs.min(100),
                                ..hints
                            },
                            s3_backup_mode: if backup {
                                OpenSearchBackupMode::AllDocuments
                            } else {
                                OpenSearchBackupMode::FailedDocumentsOnly
                            },
                            s3_backup_buffering_hints: backup_hints,
                            ..d.clone()
                        }),
                        RedshiftService::default(),
                    ),
                    (Some((retry, service)), _) => (
                        Destination::Redshift(RedshiftDestination {
                            s3_buffering_hints: hints,
                            retry_options: RetryOptions {
                                duration_in_seconds: *retry,
                            },
                            s3_backup_mode: backup_mode,
                            s3_backup_buffering_hints: backup_hints,
                        }),
                        service.clone(),
                    ),
                    (None, None) => (
                        Destination::S3(S3Destination {
                            buffering_hints: DefaultedHints {
                                size_in_mbs: Some(hints.size_in_mbs),
                                interval_in_seconds: Some(hints.interval_in_seconds),
                            },
                            s3_backup_mode: backup_mode,
                            s3_backup_buffering_hints: backup_hints,
                            ..S3Destination::default()
                        }),
                        RedshiftService::default(),
                    ),
                };
                Scenario {
                    name: "prop".into(),
                    seed,
                    duration: secs(duration),
                    start_time: "2025-12-31T22:00:00Z".into(),
                    sources,
                    stream: StreamConfig {
                        source: StreamSource::DirectPut,
                        quota: Some(quota),
                        retention: Some(secs(retention)),
                    },
                    transform,
                    destination,
                    services: Services {
                        ingest: scenario::IngestService {
                            put_time: CallTime {
                                base: ms(t.0),
                                per_mib: ms(t.0),
                            },
                        },
                        s3: scenario::S3Service {
                            put_time: CallTime {
                                base: ms(t.1),
                                per_mib: ms(t.2),
                            },
                            retry_interval: ms(t.3),
                        },
                        lambda: lambda_service,
                        redshift: redshift_service,
                        opensearch: opensearch
                            .as_ref()
                            .map(|(_, s)| s.clone())
                            .unwrap_or_default(),
                        http_endpoint: Default::default(),
                        splunk: Default::default(),
                        format_conversion: Default::default(),
                    },
                    faults,
                    check: None,
                    pricing: Default::default(),
                }
            })
        })
}

/// A Kinesis data stream: 1-8 shards, 24-48 h, uniform or hot keys, other consumers, back
/// pressure from 0.5 to 20 MiB or the default.
fn kinesis_stream() -> impl Strategy<Value = KinesisStream> {
    (
        1u32..=8,
        24u32..=48,
        prop_oneof![
            Just(PartitionKeys::Uniform),
            (0.05f64..=1.0).prop_map(PartitionKeys::Hot)
        ],
        prop_oneof![Just(0.0), 0.0f64..=2.0],
        prop::option::of(0.5f64..=20.0),
    )
        .prop_map(|(shard_count, hours, keys, other, max)| KinesisStream {
            stream_mode: StreamMode::Provisioned,
            shard_count,
            retention_period_hours: hours,
            partition_keys: keys,
            other_consumers_read_mib_per_second: other,
            max_unsettled_mib: max,
        })
}

/// Faults on the data stream's reads (K3).
fn kinesis_fault() -> impl Strategy<Value = Fault> {
    (0usize..3, window(7200), 0.0..=1.0f64).prop_map(|(kind, (from, until), p)| {
        let target = Target::Kinesis;
        match kind {
            0 => Fault::Outage {
                target,
                from,
                until,
            },
            1 => Fault::Errors {
                target,
                probability: p,
                from,
                until,
            },
            _ => Fault::Throttle {
                target,
                factor: p,
                from,
                until,
            },
        }
    })
}

/// A random HTTP endpoint (H1-H7) or Splunk (SP1-SP2) destination and its services:
/// hints across their ranges, retry durations, backup modes, Gzip, response and
/// acknowledgement times around the timeouts, request limits small enough to give 413s,
/// jitter, de-duplication and the indexed-on-timeout probability.
fn request_destination() -> impl Strategy<Value = (Destination, HttpEndpointService, SplunkService)>
{
    (
        (
            any::<bool>(),
            1u32..=64,
            0u32..=900,
            0u32..=1200,
            any::<bool>(),
            any::<bool>(),
        ),
        (
            0u64..=250_000,
            0u64..=5_000,
            1u64..=80,
            0.0..=0.5f64,
            any::<bool>(),
        ),
        (180u32..=600, 0.0..=1.0f64, 0usize..11),
    )
        .prop_map(
            |(
                (http, size, interval, retry, backup, gzip),
                (base_ms, per_mib_ms, max_mib, jitter, dedup),
                (ack_timeout, p, endpoint),
            )| {
                let time = CallTime {
                    base: ms(base_ms),
                    per_mib: ms(per_mib_ms),
                };
                let retry_options = PauseRetryOptions {
                    duration_in_seconds: retry,
                };
                if http {
                    let endpoint = [
                        Endpoint::Custom,
                        Endpoint::Datadog,
                        Endpoint::NewRelic,
                        Endpoint::Dynatrace,
                        Endpoint::SplunkObservability,
                        Endpoint::SumoLogic,
                        Endpoint::MongoDb,
                        Endpoint::Coralogix,
                        Endpoint::Elastic,
                        Endpoint::LogicMonitor,
                        Endpoint::Honeycomb,
                    ][endpoint];
                    (
                        Destination::HttpEndpoint(HttpEndpointDestination {
                            endpoint,
                            buffering_hints: DefaultedHints {
                                size_in_mbs: Some(size),
                                interval_in_seconds: (interval % 2 == 0).then_some(interval),
                            },
                            retry_options,
                            s3_backup_mode: if backup {
                                HttpBackupMode::AllData
                            } else {
                                HttpBackupMode::FailedDataOnly
                            },
                            s3_backup_buffering_hints: BufferingHints::default(),
                            content_encoding: if gzip {
                                ContentEncoding::Gzip
                            } else {
                                ContentEncoding::None
                            },
                        }),
                        HttpEndpointService {
                            response_time: time,
                            max_request_bytes: max_mib * 1_048_576,
                            jitter,
                            deduplicates: dedup,
                            gzip_ratio: 0.3,
                        },
                        SplunkService::default(),
                    )
                } else {
                    (
                        Destination::Splunk(SplunkDestination {
                            buffering_hints: DefaultedHints {
                                size_in_mbs: Some(size.min(5)),
                                interval_in_seconds: Some(interval.min(60)),
                            },
                            hec_acknowledgment_timeout_in_seconds: ack_timeout,
                            retry_options,
                            s3_backup_mode: if backup {
                                SplunkBackupMode::AllEvents
                            } else {
                                SplunkBackupMode::FailedEventsOnly
                            },
                            s3_backup_buffering_hints: BufferingHints::default(),
                        }),
                        HttpEndpointService::default(),
                        SplunkService {
                            ack_time: time,
                            indexed_on_ack_timeout: p,
                            jitter,
                        },
                    )
                }
            },
        )
}

/// Every generated scenario is valid, and survives printing and parsing back.
fn round_trip(s: &Scenario) -> Result<(), TestCaseError> {
    let text = scenario::to_ron(s);
    let parsed = scenario::parse(&text, "generated.ron")
        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(&parsed, s);
    Ok(())
}

/// A random partition key (P1).
fn partition_key() -> impl Strategy<Value = Option<PartitionKey>> {
    prop_oneof![
        Just(None),
        Just(Some(PartitionKey::Constant)),
        (1u32..=200).prop_map(|n| Some(PartitionKey::Uniform(n))),
        (1u32..=300, 0.2f64..=3.0)
            .prop_map(|(count, exponent)| Some(PartitionKey::Zipf { count, exponent })),
        (60u64..=7200, 1u32..=50).prop_map(|(s, n)| Some(PartitionKey::PerInterval(secs(s), n))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// F2 with dynamic partitioning and format conversion on S3 (P1-P3), on random scenarios
    /// with random keys per producer, a limit of 1 to 60 active partitions and faults on
    /// every target: every record has exactly one fate, without a transform only records over
    /// the limit and failed conversions are `processing_failed`, the active count never
    /// passes the limit (and `PartitionCount` shows the peak), and the same seed gives the
    /// same JSON.
    #[test]
    fn f2_conservation_holds_with_dynamic_partitioning(
        base in scenarios(),
        keys in prop::collection::vec(partition_key(), 3),
        limit in 1u32..=60,
        size in 64u32..=128,
        interval in 0u32..=900,
        conversion in prop::option::of((any::<bool>(), 0.0f64..=0.2)),
    ) {
        let mut s = base;
        for (src, k) in s.sources.iter_mut().zip(keys) {
            let Source::DirectPut(p) = src;
            p.partition_key = k;
        }
        let backup = s.destination.backup();
        s.destination = Destination::S3(S3Destination {
            buffering_hints: DefaultedHints { size_in_mbs: Some(size), interval_in_seconds: Some(interval) },
            s3_backup_mode: backup.0,
            s3_backup_buffering_hints: backup.1,
            dynamic_partitioning: Some(DynamicPartitioning { enabled: true, retry_options: PauseRetryOptions::default() }),
            active_partitions_limit: limit,
            format_conversion: conversion.map(|(orc, failure_rate)| FormatConversion {
                output: if orc { ConversionOutput::Orc } else { ConversionOutput::Parquet },
                failure_rate,
            }),
        });
        s.services.redshift = RedshiftService::default();
        s.services.opensearch = OpenSearchService::default();
        s.faults.retain(|f| !matches!(f.target(), Target::Redshift | Target::OpenSearch));
        round_trip(&s)?;
        let observed = RunOptions { trace: true, metrics: true, ..Default::default() };
        let out = simulate(&s, &observed).map_err(TestCaseError::fail)?;
        let r = &out.records;
        prop_assert_eq!(r.fates_total(), r.produced);
        prop_assert_eq!(out.latency.count, r.delivered);
        let p = out.partitions.as_ref().ok_or_else(|| TestCaseError::fail("no partitions section"))?;
        prop_assert!(p.max_active <= u64::from(limit));
        if s.transform.is_none() {
            let failed = out.format_conversion.as_ref().map_or(0, |c| c.records_failed);
            prop_assert!(r.processing_failed <= p.partition_limit_exceeded + failed);
        }
        let m = out.metrics.as_ref().ok_or_else(|| TestCaseError::fail("no metrics"))?;
        let most = m
            .series(firehose_sim::outcome::metrics::Slot::PartitionCount)
            .iter()
            .cloned()
            .fold(0.0, f64::max);
        prop_assert_eq!(most as u64, p.max_active);
        let again = simulate(&s, &RunOptions::default()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&out).to_json(), Report::new(&again).to_json());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// F2 with an HTTP endpoint or Splunk destination (H1-H8, SP1-SP3) on random scenarios,
    /// with random faults on every target and on the endpoint: every record has exactly one
    /// fate, `lost` includes `discarded` (only an HTTP endpoint discards, H4), skips and
    /// failures never exceed the requests and attempts, no request is tried more often than
    /// the pause budget allows (H5), and the same seed gives the same JSON.
    #[test]
    fn f2_conservation_holds_with_http_and_splunk_destinations(
        base in scenarios(),
        dest in request_destination(),
        http_faults in prop::collection::vec(fault(7200, vec![Target::HttpEndpoint]), 0..=3),
        splunk_faults in prop::collection::vec(fault(7200, vec![Target::Splunk]), 0..=3),
    ) {
        let mut s = base;
        let (d, http, splunk) = dest;
        let target = if matches!(d, Destination::Splunk(_)) { Target::Splunk } else { Target::HttpEndpoint };
        let no_backup = d.backup().0 == BackupMode::Disabled;
        s.faults.retain(|f| match f.target() {
            Target::Redshift | Target::OpenSearch => false,
            Target::BackupS3 => !no_backup,
            _ => true,
        });
        s.faults.extend(if target == Target::Splunk { splunk_faults } else { http_faults });
        let retry = match &d {
            Destination::HttpEndpoint(h) => h.retry_options.duration_in_seconds,
            Destination::Splunk(sp) => sp.retry_options.duration_in_seconds,
            _ => 0,
        };
        s.destination = d;
        s.services.http_endpoint = http;
        s.services.splunk = splunk;
        round_trip(&s)?;
        let out = simulate(&s, &RunOptions::default()).map_err(TestCaseError::fail)?;
        let r = &out.records;
        prop_assert_eq!(r.fates_total(), r.produced);
        prop_assert_eq!(r.lost, r.rejected + r.expired + r.discarded);
        prop_assert_eq!(out.latency.count, r.delivered);
        let c = if target == Target::Splunk { &out.calls.splunk } else { &out.calls.http_endpoint };
        prop_assert!(c.attempts >= c.batches && c.failed <= c.attempts);
        prop_assert!(c.skipped_batches <= c.batches);
        if target == Target::Splunk {
            prop_assert_eq!(r.discarded, 0);
            prop_assert_eq!(out.calls.http_endpoint.attempts, 0);
        } else {
            let h = out.http_endpoint.as_ref().ok_or_else(|| TestCaseError::fail("no http_endpoint section"))?;
            prop_assert_eq!(h.records_discarded, r.discarded);
            prop_assert!(h.requests_too_large <= c.failed);
        }
        // H5: every pause is at least 0.5 s (1 s less 50% jitter) and they sum to at most the
        // duration: at most 1 + 2 * duration attempts, and exactly one for 0 s.
        let cap = 1 + 2 * u64::from(retry);
        prop_assert!(c.max_attempts_per_batch <= cap, "{} > {}", c.max_attempts_per_batch, cap);
        let observed = RunOptions { trace: true, metrics: true, ..Default::default() };
        let again = simulate(&s, &observed).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&out).to_json(), Report::new(&again).to_json());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// F2 with a Kinesis source (K1-K6) on random scenarios, with random faults on every
    /// target and on the data stream's reads: every record has exactly one fate, expiries
    /// split into unread and read, the reads never exceed the writes, and the same seed gives
    /// the same JSON.
    #[test]
    fn f2_conservation_holds_with_a_kinesis_source(
        base in scenarios(),
        k in kinesis_stream(),
        read_faults in prop::collection::vec(kinesis_fault(), 0..=3),
    ) {
        let mut s = base;
        s.stream = StreamConfig { source: StreamSource::KinesisStream(k), quota: None, retention: None };
        // AckLost on Ingest is not modelled with a Kinesis source.
        s.faults.retain(|f| !matches!(f, Fault::AckLost { target: Target::Ingest, .. }));
        s.faults.extend(read_faults);
        round_trip(&s)?;
        let out = simulate(&s, &RunOptions::default()).map_err(TestCaseError::fail)?;
        let r = &out.records;
        prop_assert_eq!(r.fates_total(), r.produced);
        prop_assert_eq!(r.lost, r.rejected + r.expired);
        prop_assert_eq!(out.calls.put_record_batch.attempts, 0);
        let ks = out.kinesis.as_ref().ok_or_else(|| TestCaseError::fail("no kinesis section"))?;
        // Expired after a read means it was read (expired_read is expired - expired_unread).
        prop_assert!(ks.expired_read <= ks.records_read);
        prop_assert!(ks.expired_unread <= r.expired);
        prop_assert!(ks.records_read <= ks.records_written);
        prop_assert!(ks.records_written <= r.ingested);
        prop_assert!(ks.put_records_failed <= ks.put_records_calls);
        prop_assert!(ks.throttled_get_records <= ks.get_records_calls);
        // K3: at most one call per shard per whole second.
        let shards = match &s.stream.source {
            StreamSource::KinesisStream(k) => u64::from(k.shard_count),
            StreamSource::DirectPut => 0,
        };
        prop_assert!(ks.get_records_calls <= shards * s.duration.0.div_ceil(1_000_000));
        let observed = RunOptions { trace: true, metrics: true, ..Default::default() };
        let again = simulate(&s, &observed).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&out).to_json(), Report::new(&again).to_json());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// F2 on random scenarios and fault schedules: every record has exactly one fate, the
    /// derived counts agree, no run panics, and the same seed gives the same JSON.
    #[test]
    fn f2_conservation_holds_on_random_scenarios(s in scenarios()) {
        round_trip(&s)?;
        let out = simulate(&s, &RunOptions::default()).map_err(TestCaseError::fail)?;
        let r = &out.records;
        prop_assert_eq!(r.fates_total(), r.produced);
        prop_assert_eq!(r.lost, r.rejected + r.expired);
        prop_assert_eq!(r.recoverable, r.processing_failed + r.skipped);
        prop_assert_eq!(r.ingested, r.produced - r.rejected);
        prop_assert_eq!(out.latency.count, r.delivered);
        prop_assert!(out.calls.s3_put.attempts >= out.calls.s3_put.batches);
        prop_assert!(out.calls.s3_put.failed <= out.calls.s3_put.attempts);
        prop_assert!(out.calls.s3_objects <= out.calls.s3_put.attempts);
        prop_assert!(out.calls.lambda.attempts >= out.calls.lambda.batches);
        prop_assert!(out.calls.lambda.failed <= out.calls.lambda.attempts);
        let rc = &out.calls.redshift_copy;
        prop_assert!(rc.attempts >= rc.batches && rc.failed <= rc.attempts);
        prop_assert!(rc.skipped_batches <= rc.batches);
        if let Destination::Redshift(d) = &s.destination {
            // R3: never more than max(1, ceil(duration / 300 s)) attempts for one batch.
            let cap = u64::from(d.retry_options.duration_in_seconds).div_ceil(300).max(1);
            prop_assert!(rc.max_attempts_per_batch <= cap, "{} > {}", rc.max_attempts_per_batch, cap);
        } else {
            prop_assert_eq!(rc.attempts, 0);
        }
        let oc = &out.calls.opensearch_bulk;
        prop_assert!(oc.attempts >= oc.batches && oc.failed <= oc.attempts);
        prop_assert!(oc.skipped_batches <= oc.batches);
        if let Some(os) = &out.opensearch {
            // E6: every first delivery is counted in exactly one index.
            prop_assert_eq!(os.indices.values().sum::<u64>(), r.delivered);
        }
        if matches!(s.destination, Destination::S3(_)) {
            prop_assert_eq!(r.skipped, 0);
        }
        if let Some(l) = &out.lambda {
            let f = &l.failures;
            prop_assert_eq!(f.error + f.timeout + f.throttled + f.response_too_large, out.calls.lambda.failed);
            // Dropped is only ever decided by the transform (which also sees resent copies,
            // whose results change no fate).
            prop_assert!(l.records.dropped >= r.dropped);
        } else {
            prop_assert_eq!(r.dropped + r.processing_failed, 0);
        }

        // Determinism, and collecting metrics and a trace observes without changing a thing.
        let observed = RunOptions { trace: true, metrics: true, ..Default::default() };
        let again = simulate(&s, &observed).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&out).to_json(), Report::new(&again).to_json());
        // M1: the metrics add up to the ledger's counts.
        let m = again.metrics.as_ref().ok_or_else(|| TestCaseError::fail("no metrics"))?;
        let delivered: f64 = m.series(firehose_sim::outcome::metrics::Slot::Delivered).iter().sum();
        prop_assert_eq!(delivered as u64, r.delivered);
        let incoming = m.total("IncomingRecords").unwrap_or(0.0) as u64;
        if !s.faults.iter().any(|f| matches!(f, Fault::AckLost { target: Target::Ingest, .. })) {
            // Without resent copies, what came in is what was ingested, less what producers
            // still held at the end.
            prop_assert!(incoming <= r.ingested);
        }
    }

    /// I4, monotone: with the same input, a longer S3 outage from the start never makes fewer
    /// records expire, nor more records delivered.
    #[test]
    fn i4_longer_outage_never_expires_less(
        rate in 1u32..50, interval in 0u32..=900, retention in 600u64..7200,
        a in 0u64..14_400, b in 0u64..14_400,
    ) {
        let (short, long) = (a.min(b), a.max(b));
        let run_with = |until: u64| {
            let extra = format!(
                "stream: (retention: \"{retention}s\"), faults: [Outage(target: S3, until: \"{}s\")],",
                until.max(1)
            );
            run_text(&s3_scenario("6h", &format!("Constant({rate}.0)"), 10, 200, 1, interval, &extra))
        };
        let (x, y) = (run_with(short), run_with(long));
        prop_assert!(x.records.expired <= y.records.expired, "{} > {}", x.records.expired, y.records.expired);
        prop_assert!(x.records.delivered >= y.records.delivered);
    }
}

const POISSON: &str = r#"#![enable(implicit_some)]
Scenario(
    name: "poisson", seed: 11, duration: "2h",
    sources: [DirectPut(name: "p", rate: Poisson(50.0), records_per_call: 10)],
    destination: S3(buffering_hints: (size_in_mbs: 1, interval_in_seconds: 60)),
    FAULTS
)"#;

/// Determinism: the same scenario and seed give byte-identical JSON; another seed changes a
/// Poisson scenario's numbers.
#[test]
fn determinism_same_seed_same_bytes_other_seed_other_numbers() {
    let s = scenario(&POISSON.replace("FAULTS", ""));
    let json = |seed: Option<u64>| {
        Report::new(
            &simulate(
                &s,
                &RunOptions {
                    seed,
                    ..Default::default()
                },
            )
            .unwrap(),
        )
        .to_json()
    };
    assert_eq!(json(None), json(None));
    assert_eq!(json(Some(11)), json(None));
    assert_ne!(json(Some(12)), json(None));
    let a = simulate(&s, &RunOptions::default()).unwrap();
    let b = simulate(
        &s,
        &RunOptions {
            seed: Some(12),
            ..Default::default()
        },
    )
    .unwrap();
    assert_ne!(a.records.produced, b.records.produced);
}

/// X2: adding an S3 fault leaves the producer's arrivals unchanged (each component draws from
/// its own stream): same calls, same records produced, same ingest.
#[test]
fn x2_an_s3_fault_leaves_producer_arrivals_unchanged() {
    let plain = run_text(&POISSON.replace("FAULTS", ""));
    let faulty = run_text(&POISSON.replace(
        "FAULTS",
        r#"faults: [Errors(target: S3, probability: 0.5), Slow(target: S3, factor: 3.0, from: "10m", until: "20m")],"#,
    ));
    assert!(faulty.calls.s3_put.failed > 0);
    assert_eq!(plain.records.produced, faulty.records.produced);
    assert_eq!(plain.records.ingested, faulty.records.ingested);
    assert_eq!(plain.calls.put_record_batch, faulty.calls.put_record_batch);
    assert_ne!(plain.calls.s3_put, faulty.calls.s3_put);
}

/// X1 `Errors`: a 0.5 failure probability fails about half the S3 attempts (binomial, five
/// standard deviations).
#[test]
fn x1_errors_fail_calls_with_their_probability() {
    let out = run_text(&POISSON.replace(
        "FAULTS",
        r#"faults: [Errors(target: S3, probability: 0.5)],"#,
    ));
    let n = out.calls.s3_put.attempts as f64;
    let failed = out.calls.s3_put.failed as f64;
    assert!(n > 100.0);
    assert!(
        (failed - n / 2.0).abs() < 5.0 * (n * 0.25).sqrt(),
        "{failed} of {n}"
    );
}

/// A producer whose calls can go as call trains (T1): a constant rate of up to 100 calls/s,
/// fixed record sizes.
fn regular_source() -> impl Strategy<Value = Source> {
    (1u32..=500, 1u64..=100_000, 0u32..=3).prop_flat_map(|(rpc, calls_milli, max_retries)| {
        let max = (4 * 1_048_576 / u64::from(rpc)).min(1_024_000);
        (1..=max).prop_map(move |b| {
            Source::DirectPut(DirectPut {
                name: "p0".into(),
                rate: Rate::Constant(f64::from(rpc) * calls_milli as f64 / 1000.0),
                records_per_call: rpc,
                record_bytes: SizeDist::Fixed(b),
                max_retries,
                backoff: Backoff::default(),
                partition_key: None,
            })
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// T1, T2, T6, X1: running regular calls as call trains changes no number. On random
    /// scenarios with one constant-rate producer (quotas that bind or not, every destination,
    /// transforms, backups, faults on every target, ingest included), the report, the
    /// per-minute metrics and the trace are the same as with every call its own step; with
    /// every call its own S3 object behind an outage, also when they queue as object runs.
    #[test]
    fn t1_call_trains_change_no_number(
        base in scenarios(),
        source in regular_source(),
        requests in prop::option::of(request_destination()),
        keep_lambda_runs in any::<bool>(),
        flush_every_call in prop::option::of(0u64..1800),
    ) {
        let mut s = base;
        s.sources = vec![source];
        s.duration = SimDuration(s.duration.0.min(1_800_000_000));
        s.services.ingest.put_time = CallTime { base: SimDuration::ZERO, per_mib: SimDuration::ZERO };
        if keep_lambda_runs {
            let l = &mut s.services.lambda;
            (l.dropped, l.processing_failed, l.size_ratio) = (0.0, 0.0, 1.0);
        }
        if let (Some(outage_until), Destination::S3(d)) = (flush_every_call, &mut s.destination) {
            // Every call its own object, behind a writer that an outage keeps busy: the
            // calls of a train queue as a run of objects.
            d.buffering_hints.interval_in_seconds = Some(0);
            d.s3_backup_mode = BackupMode::Disabled;
            s.transform = None;
            s.faults.retain(|f| !matches!(f.target(), Target::BackupS3 | Target::Lambda | Target::Ingest));
            s.stream.quota = Some(Quota::Large);
            s.faults.push(Fault::Outage { target: Target::S3, from: None, until: Some(secs(outage_until)) });
        }
        if let Some((d, http, splunk)) = requests {
            s.faults.retain(|f| !matches!(f.target(), Target::Redshift | Target::OpenSearch | Target::BackupS3));
            s.destination = d;
            s.services.http_endpoint = http;
            s.services.splunk = splunk;
        }
        round_trip(&s)?;
        let opts = |no_trains| RunOptions { trace: true, metrics: true, no_trains, ..Default::default() };
        let trains = simulate(&s, &opts(false)).map_err(TestCaseError::fail)?;
        let calls = simulate(&s, &opts(true)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&trains).to_json(), Report::new(&calls).to_json());
        let csv = |o: &firehose_sim::RunOutput| o.metrics.as_ref().map(|m| m.to_csv());
        prop_assert_eq!(csv(&trains), csv(&calls));
        // Without a trace, trains may also queue as runs of objects (T11).
        let untraced = simulate(&s, &RunOptions { metrics: true, ..Default::default() })
            .map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&untraced).to_json(), Report::new(&calls).to_json());
        prop_assert_eq!(csv(&untraced), csv(&calls));
        prop_assert_eq!(format!("{:?}", trains.trace), format!("{:?}", calls.trace));
        prop_assert_eq!(&trains.latency_cdf, &calls.latency_cdf);
        prop_assert!(trains.events <= calls.events);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// T2, T11, T12, L5: with `interval_in_seconds: 0` every call is its own S3 object; behind
    /// a writer that an outage keeps busy, a call train's objects queue as one run and are
    /// split only when they reach the head (expiring there one by one, T12). With a transform
    /// at `buffer_interval_in_seconds: 0` every call is its own invocation, and those that
    /// find every slot taken wait as runs. On random constant-rate producers, outages,
    /// retentions, transforms and faults, the report and the metrics are the same as call by
    /// call, with far fewer steps.
    #[test]
    fn t11_object_runs_change_no_number(
        source in regular_source(),
        duration in 60u64..=1800,
        outage in 0u64..=1800,
        retention in 30u64..=7200,
        retry_ms in 1u64..=30_000,
        faults in prop::collection::vec(fault(1800, vec![Target::S3, Target::Lambda]), 0..=2),
        lambda in prop::option::of(lambda()),
        seed in any::<u64>(),
    ) {
        let mut s = scenario(&format!(
            "#![enable(implicit_some)]\nScenario(name: \"runs\", seed: {seed}, duration: \"{duration}s\", sources: [DirectPut(name: \"p0\", rate: Constant(1.0))], stream: (quota: Large, retention: \"{retention}s\"), destination: S3(buffering_hints: (size_in_mbs: 5, interval_in_seconds: 0)), services: (s3: (retry_interval: \"{retry_ms}ms\")), faults: [Outage(target: S3, from: \"0s\", until: \"{}s\")])",
            outage.max(1)
        ));
        s.sources = vec![source];
        s.faults.extend(faults);
        if let Some((mut t, mut service)) = lambda {
            // Every call its own invocation; those that find every slot taken wait as runs
            // (L5).
            t.buffer_interval_in_seconds = 0;
            (service.dropped, service.processing_failed, service.size_ratio) = (0.0, 0.0, 1.0);
            s.transform = Some(Transform::Lambda(t));
            s.services.lambda = service;
        } else {
            s.faults.retain(|f| f.target() != Target::Lambda);
        }
        round_trip(&s)?;
        let run = |no_trains| simulate(&s, &RunOptions { metrics: true, no_trains, ..Default::default() });
        let runs = run(false).map_err(TestCaseError::fail)?;
        let calls = run(true).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&runs).to_json(), Report::new(&calls).to_json());
        let csv = |o: &firehose_sim::RunOutput| o.metrics.as_ref().map(|m| m.to_csv());
        prop_assert_eq!(csv(&runs), csv(&calls));
        prop_assert!(runs.events <= calls.events);
    }
}

/// A Kinesis data stream of 1-8 shards with uniform keys and a producer whose calls can go in
/// shard lanes (K2): calls of a multiple of the shard count, fixed sizes, a shard's write
/// capacity never reached in any second; with `long`, a slow producer for a run past the
/// retention.
fn lane_stream(long: bool) -> impl Strategy<Value = (KinesisStream, Source)> {
    (1u32..=8)
        .prop_flat_map(move |shards| {
            let per_shard_max = (500 / shards).min(60);
            (Just(shards), 1..=per_shard_max)
        })
        .prop_flat_map(move |(shards, m)| {
            // At most 1000 / m - 1 calls a second (and 2 for a long run).
            let calls_max = if long {
                2_000
            } else {
                (1_000 / u64::from(m) - 1) * 1_000
            };
            (Just((shards, m)), 1u64..=calls_max.max(1))
        })
        .prop_flat_map(|((shards, m), calls_milli)| {
            let per_second = calls_milli.div_ceil(1_000) + 1;
            let max = (1_048_576 / (per_second * u64::from(m))).clamp(1, 20_000);
            (Just((shards, m, calls_milli)), 1..=max, kinesis_stream())
        })
        .prop_map(|((shards, m, calls_milli), b, k)| {
            let rpc = m * shards;
            (
                KinesisStream {
                    shard_count: shards,
                    partition_keys: PartitionKeys::Uniform,
                    ..k
                },
                Source::DirectPut(DirectPut {
                    name: "p0".into(),
                    rate: Rate::Constant(f64::from(rpc) * calls_milli as f64 / 1000.0),
                    records_per_call: rpc,
                    record_bytes: SizeDist::Fixed(b),
                    max_retries: 3,
                    backoff: Backoff::default(),
                    partition_key: None,
                }),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// K2-K6, T1, T12: with a Kinesis source whose calls go in shard lanes (each shard's
    /// records of many calls held as one run, read and expired by cutting it), the report, the
    /// per-minute metrics and the trace are those of every call split into pieces one by one.
    /// On random scenarios (every destination, transforms, backups, faults on every target and
    /// on the reads) and, one case in four, runs past the retention with reads stopped by a
    /// `Kinesis` outage, so that unread records expire in the shards (K4).
    #[test]
    fn k2_shard_lanes_change_no_number(
        base in scenarios(),
        long in prop::bool::weighted(0.25),
        short in lane_stream(false),
        slow in lane_stream(true),
        read_faults in prop::collection::vec(kinesis_fault(), 0..=2),
        outage in (0u64..=3_600, 86_400u64..=93_600),
        keep_lambda_runs in prop::bool::weighted(0.8),
    ) {
        let mut s = base;
        let (k, source) = if long { slow } else { short };
        s.sources = vec![source];
        s.stream = StreamConfig { source: StreamSource::KinesisStream(k), quota: None, retention: None };
        s.services.ingest.put_time = CallTime { base: SimDuration::ZERO, per_mib: SimDuration::ZERO };
        s.faults.retain(|f| f.target() != Target::Ingest);
        s.faults.extend(read_faults);
        if long {
            // Reads stop past the data stream's retention: unread records expire (K4).
            if let StreamSource::KinesisStream(k) = &mut s.stream.source {
                k.retention_period_hours = 24;
            }
            s.duration = secs(outage.1 + 3_600);
            s.faults.push(Fault::Outage { target: Target::Kinesis, from: Some(secs(outage.0)), until: Some(secs(outage.1)) });
        }
        if keep_lambda_runs {
            let l = &mut s.services.lambda;
            (l.dropped, l.processing_failed, l.size_ratio) = (0.0, 0.0, 1.0);
        }
        round_trip(&s)?;
        let opts = |no_trains| RunOptions { trace: true, metrics: true, no_trains, ..Default::default() };
        let lanes = simulate(&s, &opts(false)).map_err(TestCaseError::fail)?;
        let pieces = simulate(&s, &opts(true)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(Report::new(&lanes).to_json(), Report::new(&pieces).to_json());
        let csv = |o: &firehose_sim::RunOutput| o.metrics.as_ref().map(|m| m.to_csv());
        prop_assert_eq!(csv(&lanes), csv(&pieces));
        prop_assert_eq!(format!("{:?}", lanes.trace), format!("{:?}", pieces.trace));
        prop_assert_eq!(&lanes.latency_cdf, &pieces.latency_cdf);
        prop_assert!(lanes.events <= pieces.events);
    }
}
