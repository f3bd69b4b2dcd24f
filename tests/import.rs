//! `firehose-sim import`: every fixture of `tests/fixtures/import/` (written from the AWS and
//! Terraform documentation's examples; `SOURCES.md` there lists each one's pages and values)
//! is imported, validated, run, and checked field by field against the values in the file.

use firehose_sim::import::{ImportOptions, Imported, Source, import};
use firehose_sim::scenario::{
    self, BackupMode, ContentEncoding, ConversionOutput, Destination, DocumentIdOption, Endpoint,
    HttpBackupMode, IndexRotation, OpenSearchBackupMode, Quota, Scenario, SplunkBackupMode,
    StreamMode, StreamSource, Transform,
};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_firehose-sim");

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Imports a fixture (with `--resource` when given) and parses the scenario back.
fn imported(name: &str, resource: Option<&str>) -> (Imported, Scenario) {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let options = ImportOptions {
        source: None,
        resource: resource.map(str::to_string),
    };
    let i = import(name, &text, &options).unwrap_or_else(|e| panic!("{e}"));
    let s = scenario::parse(&i.scenario, name).unwrap_or_else(|e| panic!("{e}\n{}", i.scenario));
    (i, s)
}

/// True when the not-modelled list names `path` (exactly).
fn unmodelled(i: &Imported, path: &str) -> bool {
    i.unmodelled.iter().any(|(p, _)| p == path)
}

fn lambda(s: &Scenario) -> (f64, u32, u32) {
    match &s.transform {
        Some(Transform::Lambda(l)) => (
            l.buffer_size_in_mbs,
            l.buffer_interval_in_seconds,
            l.number_of_retries,
        ),
        None => panic!("no transform"),
    }
}

#[test]
fn describe_s3_lambda_partitioning_maps_hints_lambda_partitioning_and_backup() {
    let (i, s) = imported("describe-s3-lambda-partitioning.json", None);
    assert_eq!(i.source, Source::Describe);
    assert_eq!(s.name, "clickstream-partitioned");
    // The stream ARN is in us-east-1: the Large quota (I2).
    assert_eq!(s.stream.quota, Some(Quota::Large));
    assert_eq!(s.stream.source, StreamSource::DirectPut);
    // NumberOfRetries "5", BufferSizeInMBs "2", BufferIntervalInSeconds "120" (L1-L3).
    assert_eq!(lambda(&s), (2.0, 120, 5));
    let Destination::S3(d) = &s.destination else {
        panic!("not S3")
    };
    assert_eq!(d.hints().size_in_mbs, 64);
    assert_eq!(d.hints().interval_in_seconds, 60);
    assert_eq!(d.s3_backup_mode, BackupMode::Enabled);
    assert_eq!(d.s3_backup_buffering_hints.size_in_mbs, 10);
    assert_eq!(d.s3_backup_buffering_hints.interval_in_seconds, 400);
    let dp = d.dynamic_partitioning.unwrap();
    assert!(dp.enabled);
    assert_eq!(dp.retry_options.duration_in_seconds, 600);
    // P1: producers get a partition key to measure.
    let firehose_sim::scenario::Source::DirectPut(p) = &s.sources[0];
    assert!(p.partition_key.is_some());
    // Not modelled, listed with their paths: compression, encryption, prefixes, logging, the
    // JQ processor and the Lambda's role; the legacy S3 view of the same destination is not.
    let dest = "DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription";
    for p in [
        "CompressionFormat",
        "EncryptionConfiguration",
        "Prefix",
        "ErrorOutputPrefix",
        "CloudWatchLoggingOptions",
        "ProcessingConfiguration.Processors[1]",
        "ProcessingConfiguration.Processors[0].Parameters[2]",
        "S3BackupDescription.Prefix",
    ] {
        assert!(unmodelled(&i, &format!("{dest}.{p}")), "{p} not listed");
    }
    assert!(
        !i.unmodelled
            .iter()
            .any(|(p, _)| p.contains("].S3DestinationDescription"))
    );
    assert!(
        !unmodelled(&i, &format!("{dest}.BufferingHints.SizeInMBs")),
        "a mapped setting is listed as not modelled"
    );
    assert!(
        i.scenario
            .contains(&format!("//   {dest}.CompressionFormat = \"GZIP\""))
    );
}

#[test]
fn describe_redshift_with_kinesis_source_maps_retry_and_staging_hints() {
    let (i, s) = imported("describe-redshift-kinesis.json", None);
    let StreamSource::KinesisStream(k) = &s.stream.source else {
        panic!("not a Kinesis source")
    };
    // K1: the describe output has the stream's ARN only: shard count and retention are
    // defaults to measure, and the ARN is in a comment.
    assert_eq!((k.shard_count, k.retention_period_hours), (1, 24));
    assert!(
        i.scenario
            .contains("arn:aws:kinesis:us-east-1:123456789012:stream/orders")
    );
    assert_eq!(s.stream.quota, None);
    let Destination::Redshift(r) = &s.destination else {
        panic!("not Redshift")
    };
    assert_eq!(r.retry_options.duration_in_seconds, 7200);
    assert_eq!(
        (
            r.s3_buffering_hints.size_in_mbs,
            r.s3_buffering_hints.interval_in_seconds
        ),
        (16, 120)
    );
    assert_eq!(r.s3_backup_mode, BackupMode::Disabled);
    // ProcessingConfiguration.Enabled false: no transform.
    assert!(s.transform.is_none());
    assert!(unmodelled(
        &i,
        "DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription.CopyCommand"
    ));
}

#[test]
fn describe_opensearch_maps_rotation_document_ids_and_backup() {
    let (i, s) = imported("describe-opensearch.json", None);
    let Destination::OpenSearch(o) = &s.destination else {
        panic!("not OpenSearch")
    };
    assert_eq!(o.index_name, "logs");
    assert_eq!(o.index_rotation_period, IndexRotation::OneHour);
    assert_eq!(
        (
            o.buffering_hints.size_in_mbs,
            o.buffering_hints.interval_in_seconds
        ),
        (20, 200)
    );
    assert_eq!(o.retry_options.duration_in_seconds, 900);
    assert_eq!(o.s3_backup_mode, OpenSearchBackupMode::AllDocuments);
    assert_eq!(o.document_id, DocumentIdOption::NoDocumentId);
    assert!(i.unmodelled.iter().any(|(p, _)| {
        p.ends_with("AmazonopensearchserviceDestinationDescription.VpcConfigurationDescription")
    }));
}

#[test]
fn describe_http_endpoint_recognises_datadog_and_gzip() {
    let (_, s) = imported("describe-http-endpoint.json", None);
    let Destination::HttpEndpoint(h) = &s.destination else {
        panic!("not HTTP")
    };
    assert_eq!(h.endpoint, Endpoint::Datadog);
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 4);
    assert_eq!(s.destination.buffering_hints().interval_in_seconds, 60);
    assert_eq!(h.retry_options.duration_in_seconds, 3600);
    assert_eq!(h.content_encoding, ContentEncoding::Gzip);
    assert_eq!(h.s3_backup_mode, HttpBackupMode::FailedDataOnly);
}

#[test]
fn describe_splunk_maps_ack_timeout_retry_and_all_events() {
    let (_, s) = imported("describe-splunk.json", None);
    let Destination::Splunk(d) = &s.destination else {
        panic!("not Splunk")
    };
    assert_eq!(d.hec_acknowledgment_timeout_in_seconds, 300);
    assert_eq!(d.retry_options.duration_in_seconds, 1800);
    assert_eq!(d.s3_backup_mode, SplunkBackupMode::AllEvents);
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 5);
    assert_eq!(s.destination.buffering_hints().interval_in_seconds, 60);
}

#[test]
fn cloudformation_json_s3_reads_string_numbers_and_keeps_getatt_symbolic() {
    let (i, s) = imported("cfn-s3.json", None);
    assert_eq!(i.source, Source::CloudFormation);
    let Destination::S3(d) = &s.destination else {
        panic!("not S3")
    };
    assert_eq!(d.hints().size_in_mbs, 50);
    assert_eq!(d.hints().interval_in_seconds, 120);
    // NumberOfRetries "2"; the others are not set (defaults 1 MiB, 60 s).
    assert_eq!(lambda(&s), (1.0, 60, 2));
    // The Lambda's ARN is a Fn::GetAtt, kept as written in the comment.
    assert!(i.scenario.contains("Fn::GetAtt"));
}

#[test]
fn cloudformation_json_elasticsearch_maps_one_week_rotation() {
    let (_, s) = imported("cfn-elasticsearch.json", None);
    let Destination::OpenSearch(o) = &s.destination else {
        panic!("not OpenSearch")
    };
    assert_eq!(o.index_rotation_period, IndexRotation::OneWeek);
    assert_eq!(o.retry_options.duration_in_seconds, 600);
    assert_eq!(o.s3_backup_mode, OpenSearchBackupMode::FailedDocumentsOnly);
    assert_eq!(
        (
            o.buffering_hints.size_in_mbs,
            o.buffering_hints.interval_in_seconds
        ),
        (10, 300)
    );
    // DocumentIdOptions is not set: FirehoseDefault (E5).
    assert_eq!(o.document_id, DocumentIdOption::FirehoseDefault);
}

#[test]
fn cloudformation_with_two_streams_needs_resource_and_imports_each() {
    let text = std::fs::read_to_string(fixture("cfn-two-streams.json")).unwrap();
    let e = import("cfn-two-streams.json", &text, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.place, "Resources");
    assert!(
        e.message
            .contains("2 delivery streams (ArchiveStream, MetricsStream)")
    );
    assert!(e.message.contains("--resource NAME"));
    let (_, s) = imported("cfn-two-streams.json", Some("ArchiveStream"));
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 128);
    let (_, s) = imported("cfn-two-streams.json", Some("MetricsStream"));
    let Destination::HttpEndpoint(h) = &s.destination else {
        panic!("not HTTP")
    };
    // "New Relic": the partner preset (H1), 1 MiB / 60 s, retry 60 s.
    assert_eq!(h.endpoint, Endpoint::NewRelic);
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 1);
    assert_eq!(h.retry_options.duration_in_seconds, 60);
    let missing = import(
        "cfn-two-streams.json",
        &text,
        &ImportOptions {
            source: None,
            resource: Some("Nope".into()),
        },
    )
    .unwrap_err();
    assert!(missing.message.contains("ArchiveStream, MetricsStream"));
}

#[test]
fn cloudformation_yaml_kinesis_source_reads_the_stream_resource_and_tags_stay_symbolic() {
    let (i, s) = imported("cfn-kinesis-s3.yaml", None);
    // K1, K4: ShardCount 4 and RetentionPeriodHours 48 of the AWS::Kinesis::Stream that
    // `!GetAtt InputStream.Arn` names.
    let StreamSource::KinesisStream(k) = &s.stream.source else {
        panic!("not Kinesis")
    };
    assert_eq!((k.shard_count, k.retention_period_hours), (4, 48));
    assert_eq!(k.stream_mode, StreamMode::Provisioned);
    let Destination::S3(d) = &s.destination else {
        panic!("not S3")
    };
    // `!Ref BufferSize` is symbolic: the default with partitioning (128, P1), and the
    // comment names the parameter's Default 64.
    assert_eq!(d.hints().size_in_mbs, 128);
    assert_eq!(d.hints().interval_in_seconds, 90);
    let (_, what) = i
        .symbolic
        .iter()
        .find(|(p, _)| p.ends_with("BufferingHints.SizeInMBs"))
        .unwrap();
    assert!(
        what.contains("!Ref BufferSize") && what.contains("Default is 64"),
        "{what}"
    );
    assert!(d.partitioned());
    assert_eq!(
        d.format_conversion.unwrap().output,
        ConversionOutput::Parquet
    );
    // The Parquet serializer's compression is listed; the serializer itself is modelled.
    assert!(
        i.unmodelled
            .iter()
            .any(|(p, _)| p.ends_with("ParquetSerDe.Compression"))
    );
    // A !Sub prefix is listed with its tag.
    assert!(i.unmodelled.iter().any(|(p, v)| {
        p.ends_with("ExtendedS3DestinationConfiguration.Prefix") && v.starts_with("!Sub")
    }));
}

#[test]
fn cloudformation_yaml_redshift_maps_backup_and_lists_if_and_ref() {
    let (i, s) = imported("cfn-redshift.yaml", None);
    let Destination::Redshift(r) = &s.destination else {
        panic!("not Redshift")
    };
    assert_eq!(r.retry_options.duration_in_seconds, 3600);
    assert_eq!(r.s3_backup_mode, BackupMode::Enabled);
    assert_eq!(
        (
            r.s3_backup_buffering_hints.size_in_mbs,
            r.s3_backup_buffering_hints.interval_in_seconds
        ),
        (32, 600)
    );
    assert!(
        i.unmodelled
            .iter()
            .any(|(p, v)| p.ends_with("S3BackupConfiguration.Prefix") && v.starts_with("!If"))
    );
    assert!(
        i.unmodelled
            .iter()
            .any(|(p, v)| p.ends_with("Password") && v == "!Ref RedshiftPassword")
    );
}

#[test]
fn cloudformation_yaml_splunk_maps_ack_and_hints() {
    let (_, s) = imported("cfn-splunk.yaml", None);
    let Destination::Splunk(d) = &s.destination else {
        panic!("not Splunk")
    };
    assert_eq!(d.hec_acknowledgment_timeout_in_seconds, 600);
    assert_eq!(d.retry_options.duration_in_seconds, 60);
    assert_eq!(d.s3_backup_mode, SplunkBackupMode::FailedEventsOnly);
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 2);
    assert_eq!(s.destination.buffering_hints().interval_in_seconds, 30);
}

#[test]
fn terraform_hcl_resolves_variable_defaults_and_keeps_references_symbolic() {
    let (i, s) = imported("tf-extended-s3.tf", None);
    assert_eq!(i.source, Source::Terraform);
    assert_eq!(s.name, "terraform-kinesis-firehose-extended-s3-test-stream");
    let Destination::S3(d) = &s.destination else {
        panic!("not S3")
    };
    // buffering_size = var.buffer_mb, whose default is 64.
    assert_eq!(d.hints().size_in_mbs, 64);
    assert!(i.scenario.contains("(from `var.buffer_mb`)"));
    assert_eq!(d.hints().interval_in_seconds, 60);
    // enabled = "true", retry_duration 300; orc_ser_de.
    let dp = d.dynamic_partitioning.unwrap();
    assert!(dp.enabled);
    assert_eq!(dp.retry_options.duration_in_seconds, 300);
    assert_eq!(d.format_conversion.unwrap().output, ConversionOutput::Orc);
    assert_eq!(lambda(&s).2, 4);
    // "${aws_lambda_function.lambda_processor.arn}:$LATEST" cannot be resolved.
    assert!(
        i.scenario
            .contains("aws_lambda_function.lambda_processor.arn")
    );
}

#[test]
fn terraform_hcl_two_streams_redshift_and_opensearch() {
    let (_, s) = imported("tf-redshift-opensearch.tf", Some("redshift_stream"));
    let Destination::Redshift(r) = &s.destination else {
        panic!("not Redshift")
    };
    assert_eq!(r.retry_options.duration_in_seconds, 1200);
    assert_eq!(
        (
            r.s3_buffering_hints.size_in_mbs,
            r.s3_buffering_hints.interval_in_seconds
        ),
        (10, 400)
    );
    assert_eq!(r.s3_backup_mode, BackupMode::Enabled);
    let (_, s) = imported("tf-redshift-opensearch.tf", Some("opensearch_stream"));
    let Destination::OpenSearch(o) = &s.destination else {
        panic!("not OpenSearch")
    };
    assert_eq!(o.index_rotation_period, IndexRotation::OneDay);
    assert_eq!(o.retry_options.duration_in_seconds, 300);
    assert_eq!(o.buffering_hints.size_in_mbs, 10);
    assert_eq!(o.s3_backup_mode, OpenSearchBackupMode::AllDocuments);
}

#[test]
fn terraform_hcl_http_endpoint_reads_the_kinesis_stream_resource() {
    let (i, s) = imported("tf-http-kinesis.tf", None);
    let StreamSource::KinesisStream(k) = &s.stream.source else {
        panic!("not Kinesis")
    };
    // aws_kinesis_stream.input: shard_count 2, retention_period 72 (K4).
    assert_eq!((k.shard_count, k.retention_period_hours), (2, 72));
    let Destination::HttpEndpoint(h) = &s.destination else {
        panic!("not HTTP")
    };
    assert_eq!(h.endpoint, Endpoint::NewRelic);
    assert_eq!(s.destination.buffering_hints().size_in_mbs, 1);
    assert_eq!(s.destination.buffering_hints().interval_in_seconds, 60);
    assert_eq!(h.retry_options.duration_in_seconds, 600);
    assert_eq!(h.s3_backup_mode, HttpBackupMode::AllData);
    assert_eq!(h.content_encoding, ContentEncoding::Gzip);
    // access_key = var.x without a default stays symbolic and is listed.
    assert!(
        i.unmodelled
            .iter()
            .any(|(p, v)| p.ends_with("access_key") && v.starts_with("var."))
    );
}

#[test]
fn terraform_show_json_state_and_plan() {
    let (i, s) = imported("tf-show-s3.json", None);
    assert_eq!(i.source, Source::Terraform);
    let Destination::S3(d) = &s.destination else {
        panic!("not S3")
    };
    assert_eq!(
        (d.hints().size_in_mbs, d.hints().interval_in_seconds),
        (32, 120)
    );
    assert_eq!(d.s3_backup_mode, BackupMode::Enabled);
    assert_eq!(lambda(&s).2, 6);
    // The state's ids and versions are not settings and are not listed.
    assert!(!i.unmodelled.iter().any(|(p, _)| p.ends_with(".version_id")));
    let (_, s) = imported("tf-show-splunk.json", None);
    let Destination::Splunk(d) = &s.destination else {
        panic!("not Splunk")
    };
    assert_eq!(d.hec_acknowledgment_timeout_in_seconds, 300);
    assert_eq!(d.retry_options.duration_in_seconds, 900);
    let (_, s) = imported("tf-show-elasticsearch.json", None);
    let Destination::OpenSearch(o) = &s.destination else {
        panic!("not OpenSearch")
    };
    assert!(o.retry_options.duration_in_seconds > 0);
}

/// The round trip a user makes: `import --out`, `validate`, `run`, for every fixture that
/// holds one delivery stream.
#[test]
fn import_validate_run_round_trip_on_every_fixture() {
    let dir = std::env::temp_dir().join(format!("firehose-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("describe-s3-lambda-partitioning.json", None, "s3"),
        ("describe-redshift-kinesis.json", None, "redshift"),
        ("describe-opensearch.json", None, "opensearch"),
        ("describe-http-endpoint.json", None, "http_endpoint"),
        ("describe-splunk.json", None, "splunk"),
        ("cfn-s3.json", None, "s3"),
        ("cfn-elasticsearch.json", None, "opensearch"),
        (
            "cfn-two-streams.json",
            Some("MetricsStream"),
            "http_endpoint",
        ),
        ("cfn-kinesis-s3.yaml", None, "s3"),
        ("cfn-redshift.yaml", None, "redshift"),
        ("cfn-splunk.yaml", None, "splunk"),
        ("tf-extended-s3.tf", None, "s3"),
        (
            "tf-redshift-opensearch.tf",
            Some("opensearch_stream"),
            "opensearch",
        ),
        ("tf-http-kinesis.tf", None, "http_endpoint"),
        ("tf-show-s3.json", None, "s3"),
        ("tf-show-splunk.json", None, "splunk"),
        ("tf-show-elasticsearch.json", None, "opensearch"),
    ];
    for (name, resource, dest) in cases {
        let out = dir.join(format!("{name}.ron"));
        let mut cmd = Command::new(BIN);
        cmd.arg("import").arg(fixture(name)).arg("--out").arg(&out);
        if let Some(r) = resource {
            cmd.args(["--resource", r]);
        }
        let o = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {stderr}");
        assert!(stderr.contains("scenario written to"), "{name}: {stderr}");
        let v = Command::new(BIN)
            .arg("validate")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&v.stderr)
        );
        let r = Command::new(BIN)
            .args(["run", "--format", "json"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(json["destination"], dest, "{name}");
        // 6 h of Poisson(100) records: about 2.16 million; with no faults none is lost.
        let produced = json["records"]["produced"].as_u64().unwrap();
        assert!(
            (2_100_000..2_220_000).contains(&produced),
            "{name}: {produced}"
        );
        assert_eq!(json["records"]["lost"], 0, "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad input: exit 2, the file, the place, and what was expected.
#[test]
fn bad_inputs_exit_2_naming_file_place_and_expectation() {
    let cases = [
        (
            "garbage.txt",
            vec![
                "garbage.txt: line 1, column 2:",
                "not JSON",
                "not YAML",
                "not HCL",
            ],
        ),
        (
            "not-a-stream.yaml",
            vec![
                "not-a-stream.yaml: Resources:",
                "expected a resource of Type AWS::KinesisFirehose::DeliveryStream",
                "AWS::S3::Bucket",
            ],
        ),
        (
            "cfn-two-streams.json",
            vec!["choose one with --resource NAME"],
        ),
        (
            "cfn-snowflake.yaml",
            vec![
                "Properties.SnowflakeDestinationConfiguration:",
                "is not modelled: expected one of ExtendedS3DestinationConfiguration",
            ],
        ),
    ];
    for (name, wanted) in cases {
        let o = Command::new(BIN)
            .arg("import")
            .arg(fixture(name))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        for w in wanted {
            assert!(stderr.contains(w), "{name}: {w:?} not in {stderr}");
        }
        assert!(o.stdout.is_empty());
    }
    // A value outside AWS's range is named with its path.
    let bad = r#"{"DeliveryStreamDescription": {"DeliveryStreamName": "x",
        "Destinations": [{"ExtendedS3DestinationDescription": {
            "BufferingHints": {"SizeInMBs": "lots", "IntervalInSeconds": 60}}}]}}"#;
    let e = import("bad.json", bad, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.place,
        "DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.BufferingHints.SizeInMBs"
    );
    assert!(
        e.message.contains("\"lots\" is not a whole number"),
        "{}",
        e.message
    );
    // --from forces a format: a template read as describe output has no stream in it.
    let o = Command::new(BIN)
        .arg("import")
        .arg(fixture("cfn-splunk.yaml"))
        .args(["--from", "describe"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

fn import_text(name: &str, text: &str) -> (Imported, Scenario) {
    let i = import(name, text, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let s = scenario::parse(&i.scenario, name).unwrap_or_else(|e| panic!("{e}\n{}", i.scenario));
    (i, s)
}

fn shards(s: &Scenario) -> (u32, u32) {
    match &s.stream.source {
        StreamSource::KinesisStream(k) => (k.shard_count, k.retention_period_hours),
        StreamSource::DirectPut => panic!("not Kinesis"),
    }
}

/// K1: the long-form `Fn::GetAtt` map in YAML finds the `AWS::Kinesis::Stream` as the short
/// form does; a resource-level `Condition` is listed.
#[test]
fn cloudformation_long_form_getatt_finds_the_stream_and_conditions_are_listed() {
    let text = r#"
Resources:
  Input: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 8, RetentionPeriodHours: 168}}
  Stream:
    Type: AWS::KinesisFirehose::DeliveryStream
    Condition: IsProd
    Properties:
      DeliveryStreamType: KinesisStreamAsSource
      KinesisStreamSourceConfiguration: {KinesisStreamARN: {Fn::GetAtt: [Input, Arn]}, RoleARN: r}
      ExtendedS3DestinationConfiguration: {BucketARN: b, RoleARN: r}
"#;
    let (i, s) = import_text("long.yaml", text);
    assert_eq!(shards(&s), (8, 168));
    assert!(
        i.unmodelled
            .iter()
            .any(|(p, v)| p == "Resources.Stream.Condition" && v.contains("only when"))
    );
}

/// `terraform show -json` of a state: the `aws_kinesis_stream` whose `arn` is the source's
/// ARN, in a child module, gives the shard count and retention (K1, K4).
#[test]
fn terraform_state_links_the_kinesis_stream_by_arn() {
    let arn = "arn:aws:kinesis:eu-west-1:1:stream/src";
    let text = format!(
        r#"{{"format_version": "1.0", "values": {{"root_module": {{
  "resources": [{{"address": "aws_kinesis_firehose_delivery_stream.s", "type": "aws_kinesis_firehose_delivery_stream", "name": "s",
    "values": {{"name": "s", "destination": "extended_s3",
      "kinesis_source_configuration": [{{"kinesis_stream_arn": "{arn}", "role_arn": "r"}}],
      "extended_s3_configuration": [{{"bucket_arn": "b", "role_arn": "r", "buffering_size": 5, "buffering_interval": 60}}]}}}}],
  "child_modules": [{{"resources": [{{"address": "module.m.aws_kinesis_stream.src", "type": "aws_kinesis_stream", "name": "src",
    "values": {{"arn": "{arn}", "shard_count": 6, "retention_period": 72}}}}]}}]}}}}}}"#
    );
    let (_, s) = import_text("state.json", &text);
    assert_eq!(shards(&s), (6, 72));
}

/// Terraform: a `dynamic` block is expanded over its `for_each` (here a local), and the
/// provider's region from a variable's default picks the quota (I2: Standard in sa-east-1).
#[test]
fn terraform_dynamic_blocks_and_provider_region() {
    let text = r#"
variable "region" { default = "sa-east-1" }
provider "aws" { region = var.region }
locals { processors = [{ type = "Lambda" }] }
resource "aws_kinesis_firehose_delivery_stream" "s" {
  name        = "s"
  destination = "extended_s3"
  extended_s3_configuration {
    role_arn   = "r"
    bucket_arn = "b"
    dynamic "processing_configuration" {
      for_each = local.processors
      content {
        enabled = true
        processors {
          type = processing_configuration.value.type
          parameters {
            parameter_name  = "NumberOfRetries"
            parameter_value = "7"
          }
        }
      }
    }
  }
}
"#;
    let (_, s) = import_text("main.tf", text);
    assert_eq!(lambda(&s).2, 7);
    assert_eq!(s.stream.quota, Some(Quota::Standard));
}

/// A value AWS does not accept is reported at its place in the input, with the range.
#[test]
fn out_of_range_values_name_the_input_path() {
    let text = r#"
Resources:
  S:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      ExtendedS3DestinationConfiguration:
        BucketARN: b
        RoleARN: r
        BufferingHints: {SizeInMBs: 500, IntervalInSeconds: 60}
"#;
    let e = import("big.yaml", text, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.place,
        "Resources.S.Properties.ExtendedS3DestinationConfiguration.BufferingHints.SizeInMBs"
    );
    assert!(
        e.message
            .contains("500 is out of range: allowed 1 to 128 MiB"),
        "{}",
        e.message
    );
}
