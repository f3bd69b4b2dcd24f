//! From a delivery stream's configuration to a scenario: each setting the model has is read
//! under its CloudFormation name (the describe output is renamed to it) or its Terraform name,
//! written as a scenario field with a comment naming where it came from, and marked as used;
//! what is left unused is listed as not modelled.

use super::ImportError;
use super::tree::{Node, Value};
use crate::scenario::{
    HttpEndpointService, LambdaService, OpenSearchService, RedshiftService, S3Service,
    SplunkService,
};
use serde::Serialize;
use std::fmt::Write as _;

/// How the input names things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// CloudFormation's property names (and the describe output, renamed to them).
    Aws,
    /// Terraform's `aws_kinesis_firehose_delivery_stream` arguments.
    Terraform,
}

/// A setting's key: its CloudFormation path and its Terraform path (dotted).
#[derive(Debug, Clone, Copy)]
pub(super) struct K(pub &'static str, pub &'static str);

/// The destination kinds the model has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    S3,
    Redshift,
    OpenSearch,
    HttpEndpoint,
    Splunk,
}

/// Destination keys: CloudFormation's, Terraform's block, Terraform's `destination` value,
/// and the kind (None: a destination the model lacks).
const DESTINATIONS: [(&str, &str, &str, Option<Kind>); 10] = [
    (
        "ExtendedS3DestinationConfiguration",
        "extended_s3_configuration",
        "extended_s3",
        Some(Kind::S3),
    ),
    (
        "S3DestinationConfiguration",
        "s3_configuration",
        "s3",
        Some(Kind::S3),
    ),
    (
        "RedshiftDestinationConfiguration",
        "redshift_configuration",
        "redshift",
        Some(Kind::Redshift),
    ),
    (
        "AmazonopensearchserviceDestinationConfiguration",
        "opensearch_configuration",
        "opensearch",
        Some(Kind::OpenSearch),
    ),
    (
        "ElasticsearchDestinationConfiguration",
        "elasticsearch_configuration",
        "elasticsearch",
        Some(Kind::OpenSearch),
    ),
    (
        "HttpEndpointDestinationConfiguration",
        "http_endpoint_configuration",
        "http_endpoint",
        Some(Kind::HttpEndpoint),
    ),
    (
        "SplunkDestinationConfiguration",
        "splunk_configuration",
        "splunk",
        Some(Kind::Splunk),
    ),
    (
        "AmazonOpenSearchServerlessDestinationConfiguration",
        "opensearchserverless_configuration",
        "opensearchserverless",
        None,
    ),
    (
        "SnowflakeDestinationConfiguration",
        "snowflake_configuration",
        "snowflake",
        None,
    ),
    (
        "IcebergDestinationConfiguration",
        "iceberg_configuration",
        "iceberg",
        None,
    ),
];

/// Keys of the describe output and of Terraform's state that are the stream's state (ids,
/// versions, times), not its settings.
const STATE: [&str; 14] = [
    "DeliveryStreamARN",
    "DeliveryStreamStatus",
    "VersionId",
    "CreateTimestamp",
    "LastUpdateTimestamp",
    "HasMoreDestinations",
    "DestinationId",
    "FailureDescription",
    "DeliveryStartTimestamp",
    "arn",
    "id",
    "destination_id",
    "version_id",
    "tags_all",
];

/// A value read from the input.
enum Got<T> {
    /// Not in the input: the AWS default applies.
    Absent,
    /// A value, with the comment that says where it came from.
    Set(T, String),
    /// A reference left symbolic: the default applies; the comment names it.
    Symbolic(String),
}

/// What a Kinesis data stream referenced by the configuration says, when the input defines
/// it (an `AWS::Kinesis::Stream` or `aws_kinesis_stream` resource).
pub(super) struct KinesisFacts<'a> {
    /// Its resource node (`Properties` for CloudFormation).
    pub(super) node: &'a Node,
    /// Its name in the input.
    pub(super) name: String,
}

/// The result of the mapping.
pub(super) struct Mapped {
    /// The scenario's body (from `Scenario(` to the end).
    pub(super) body: String,
    /// Symbolic references that got defaults: `(path, what)`.
    pub(super) symbolic: Vec<(String, String)>,
}

/// Reads the stream at `stream` and writes the scenario.
pub(super) struct Mapper<'a> {
    file: &'a str,
    dialect: Dialect,
    stream: &'a Node,
    /// Finds the data stream a Kinesis source's ARN refers to, if the input has it.
    kinesis: &'a dyn Fn(&str) -> Option<KinesisFacts<'a>>,
    /// How a symbolic reference can be explained (a CloudFormation parameter's Default).
    hint: &'a dyn Fn(&str) -> Option<String>,
    symbolic: Vec<(String, String)>,
    /// The provider's region, when the input sets it outside the stream.
    region: Option<String>,
    out: Ron,
}

impl<'a> Mapper<'a> {
    /// A mapper of `stream`, named in messages as `file`.
    pub(super) fn new(
        file: &'a str,
        dialect: Dialect,
        stream: &'a Node,
        kinesis: &'a dyn Fn(&str) -> Option<KinesisFacts<'a>>,
        hint: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Mapper {
            file,
            dialect,
            stream,
            kinesis,
            hint,
            symbolic: Vec::new(),
            region: None,
            out: Ron::default(),
        }
    }

    /// The region to use when the stream itself names none (Terraform's provider).
    pub(super) fn with_region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    fn key(&self, k: K) -> &'static str {
        match self.dialect {
            Dialect::Aws => k.0,
            Dialect::Terraform => k.1,
        }
    }

    fn find(&self, parent: &'a Node, k: K) -> Option<&'a Node> {
        parent.at(self.key(k))
    }

    /// The path of `n` relative to the stream, for comments.
    fn rel(&self, n: &Node) -> String {
        n.path
            .strip_prefix(&self.stream.path)
            .map(|p| p.trim_start_matches('.'))
            .filter(|p| !p.is_empty())
            .unwrap_or(&n.path)
            .to_string()
    }

    fn err(&self, n: &Node, message: String) -> ImportError {
        ImportError::new(self.file, &n.path, message)
    }

    /// Reads a value at `k` under `parent` with `parse`, marking it used.
    fn read<T>(
        &mut self,
        parent: Option<&'a Node>,
        k: K,
        expected: &str,
        parse: impl Fn(&Value) -> Option<T>,
    ) -> Result<Got<T>, ImportError> {
        let Some(n) = parent.and_then(|p| self.find(p, k)) else {
            return Ok(Got::Absent);
        };
        n.mark();
        if let Value::Null = n.value {
            return Ok(Got::Absent);
        }
        if let Value::Symbolic(s) = &n.value {
            let mut what = format!("`{s}` is symbolic");
            if let Some(h) = (self.hint)(s) {
                let _ = write!(what, " ({h})");
            }
            self.symbolic.push((n.path.clone(), what.clone()));
            return Ok(Got::Symbolic(format!(
                "{}: {what}; the default is used",
                self.rel(n)
            )));
        }
        match parse(&n.value) {
            Some(v) => {
                let mut comment = self.rel(n);
                if let Some(o) = &n.origin {
                    let _ = write!(comment, " (from `{o}`)");
                }
                Ok(Got::Set(v, comment))
            }
            None => Err(self.err(n, format!("{} is not {expected}", n.brief()))),
        }
    }

    fn number(&mut self, parent: Option<&'a Node>, k: K) -> Result<Got<f64>, ImportError> {
        self.read(parent, k, "a number", |v| match v {
            Value::Num(x) if x.is_finite() => Some(*x),
            Value::Str(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        })
    }

    fn whole(&mut self, parent: Option<&'a Node>, k: K) -> Result<Got<u32>, ImportError> {
        self.read(parent, k, "a whole number (0 or more)", |v| {
            let x = match v {
                Value::Num(x) => *x,
                Value::Str(s) => s.trim().parse::<f64>().ok()?,
                _ => return None,
            };
            (x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x)).then_some(x as u32)
        })
    }

    fn boolean(&mut self, parent: Option<&'a Node>, k: K) -> Result<Got<bool>, ImportError> {
        self.read(parent, k, "true or false", |v| match v {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        })
    }

    fn text(&mut self, parent: Option<&'a Node>, k: K) -> Result<Got<String>, ImportError> {
        self.read(parent, k, "a string", |v| match v {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        })
    }

    /// A string from a fixed set: `table` maps the input's spelling (case-insensitive) to the
    /// scenario's.
    fn choice(
        &mut self,
        parent: Option<&'a Node>,
        k: K,
        table: &[(&str, &'static str)],
    ) -> Result<Got<&'static str>, ImportError> {
        let allowed = table.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ");
        self.read(parent, k, &format!("one of {allowed}"), |v| match v {
            Value::Str(s) => table
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(s.trim()))
                .map(|(_, r)| *r),
            _ => None,
        })
    }

    /// Writes `name: value` from `got`, or `default` when absent or symbolic.
    fn field<T: std::fmt::Display>(&mut self, name: &str, got: Got<T>, default: T) {
        match got {
            Got::Set(v, c) => self.out.field(name, &v.to_string(), &c),
            Got::Absent => self
                .out
                .field(name, &default.to_string(), "not set: the default"),
            Got::Symbolic(c) => self.out.field(name, &default.to_string(), &c),
        }
    }

    fn value_of<T: Copy>(got: &Got<T>, default: T) -> T {
        match got {
            Got::Set(v, _) => *v,
            _ => default,
        }
    }

    /// Writes the whole scenario.
    pub(super) fn map(mut self, name: &str) -> Result<Mapped, ImportError> {
        let stream = self.stream;
        for key in STATE {
            if let Some(n) = stream.get(key) {
                n.mark();
            }
        }
        let (kind, dest) = self.destination()?;
        let stream_name = match self.text(Some(stream), K("DeliveryStreamName", "name"))? {
            Got::Set(s, _) => s,
            _ => name.to_string(),
        };
        let kinesis_arn = self.source()?;
        let processing = self.find(
            dest,
            K("ProcessingConfiguration", "processing_configuration"),
        );
        let lambda = self.lambda(processing)?;
        let has_lambda = lambda.is_some();

        self.out.open("Scenario(");
        self.out
            .field("name", &format!("{:?}", sanitize(&stream_name)), "");
        self.out.field("seed", "1", "");
        self.out.field(
            "duration",
            "\"6h\"",
            "how long to simulate: long enough for the outages you ask about and their recovery",
        );
        self.sources(kind, dest)?;
        self.stream_section(kinesis_arn.as_deref())?;
        if let Some((about, lines)) = lambda {
            self.out.comment(&about);
            self.out.open("transform: Lambda(");
            for (name, value, comment) in &lines {
                self.out.field(name, value, comment);
            }
            self.out.close("),");
        }
        match kind {
            Kind::S3 => self.s3(dest)?,
            Kind::Redshift => self.redshift(dest)?,
            Kind::OpenSearch => self.opensearch(dest)?,
            Kind::HttpEndpoint => self.http(dest)?,
            Kind::Splunk => self.splunk(dest)?,
        }
        self.services(kind, has_lambda)?;
        self.out.comment(
            "What goes wrong, e.g. Outage(target: S3, from: \"1h\", until: \"3h\"), \
             Errors(target: Lambda, from: \"0s\", until: \"2h\", probability: 0.2); see the README.",
        );
        self.out.field("faults", "[]", "");
        self.out.close(")");
        Ok(Mapped {
            body: self.out.text,
            symbolic: self.symbolic,
        })
    }

    /// The destination's kind and node; an error for none, several, or a kind the model
    /// lacks.
    fn destination(&mut self) -> Result<(Kind, &'a Node), ImportError> {
        let stream = self.stream;
        let mut found = Vec::new();
        for (aws, tf, _, kind) in DESTINATIONS {
            if let Some(n) = self.find(stream, K(aws, tf))
                && !n.items().is_empty()
            {
                found.push((aws, tf, kind, n));
            }
        }
        // Terraform names the destination; describe lists an extended S3 destination twice
        // (also as the plain S3 view of it).
        if self.dialect == Dialect::Terraform
            && let Some(d) = stream.get("destination")
        {
            d.mark();
            if let Value::Str(s) = &d.value {
                let named = DESTINATIONS.iter().find(|(_, _, v, _)| v == s);
                match named {
                    Some((_, tf, _, _)) => found.retain(|(_, t, _, _)| t == tf),
                    None => {
                        return Err(self.err(
                            d,
                            format!(
                                "destination {s:?} is not one the model has: expected one of \
                                 extended_s3, redshift, opensearch, elasticsearch, \
                                 http_endpoint, splunk"
                            ),
                        ));
                    }
                }
            }
        }
        if found.len() > 1
            && found
                .iter()
                .any(|(a, _, _, _)| *a == "ExtendedS3DestinationConfiguration")
        {
            for (a, _, _, n) in &found {
                if *a == "S3DestinationConfiguration" {
                    n.mark();
                }
            }
            found.retain(|(a, _, _, _)| *a != "S3DestinationConfiguration");
        }
        let names = |f: &[(&str, &str, Option<Kind>, &Node)]| {
            f.iter()
                .map(|(a, t, _, _)| match self.dialect {
                    Dialect::Aws => *a,
                    Dialect::Terraform => *t,
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match found.as_slice() {
            [(_, _, Some(kind), n)] => Ok((*kind, n)),
            [(a, t, None, n)] => Err(self.err(
                n,
                format!(
                    "a {} destination is not modelled: expected one of \
                     ExtendedS3DestinationConfiguration, RedshiftDestinationConfiguration, \
                     AmazonopensearchserviceDestinationConfiguration, \
                     ElasticsearchDestinationConfiguration, \
                     HttpEndpointDestinationConfiguration, SplunkDestinationConfiguration (or \
                     their Terraform blocks)",
                    match self.dialect {
                        Dialect::Aws => a,
                        Dialect::Terraform => t,
                    }
                ),
            )),
            [] => Err(self.err(
                stream,
                "no destination configuration: expected one of \
                 ExtendedS3DestinationConfiguration, RedshiftDestinationConfiguration, \
                 AmazonopensearchserviceDestinationConfiguration, \
                 ElasticsearchDestinationConfiguration, HttpEndpointDestinationConfiguration, \
                 SplunkDestinationConfiguration (or extended_s3_configuration, ... in Terraform)"
                    .into(),
            )),
            several => Err(self.err(
                stream,
                format!(
                    "{} destinations ({}): a delivery stream has one",
                    several.len(),
                    names(several)
                ),
            )),
        }
    }

    /// The source: None for Direct PUT, the stream ARN (or its reference) for Kinesis.
    fn source(&mut self) -> Result<Option<String>, ImportError> {
        let stream = self.stream;
        let ty = self.choice(
            Some(stream),
            K("DeliveryStreamType", ""),
            &[
                ("DirectPut", "DirectPut"),
                ("KinesisStreamAsSource", "KinesisStreamAsSource"),
                ("MSKAsSource", "MSKAsSource"),
                ("DatabaseAsSource", "DatabaseAsSource"),
            ],
        )?;
        let msk = self
            .find(
                stream,
                K("MSKSourceConfiguration", "msk_source_configuration"),
            )
            .filter(|n| !n.items().is_empty());
        if matches!(ty, Got::Set("MSKAsSource" | "DatabaseAsSource", _)) || msk.is_some() {
            let at = msk.unwrap_or(stream);
            return Err(self.err(
                at,
                "an Amazon MSK (or database) source is not modelled: expected DirectPut or a \
                 Kinesis data stream (KinesisStreamSourceConfiguration)"
                    .into(),
            ));
        }
        let ks = self.find(
            stream,
            K(
                "KinesisStreamSourceConfiguration",
                "kinesis_source_configuration",
            ),
        );
        let Some(ks) = ks.filter(|n| !n.items().is_empty()) else {
            return Ok(None);
        };
        ks.mark_presence();
        let arn = self.find(ks, K("KinesisStreamARN", "kinesis_stream_arn"));
        Ok(Some(match arn {
            Some(a) => {
                a.mark();
                match &a.value {
                    Value::Str(s) | Value::Symbolic(s) => s.clone(),
                    _ => a.brief(),
                }
            }
            None => "(no KinesisStreamARN)".into(),
        }))
    }

    fn sources(&mut self, kind: Kind, dest: &'a Node) -> Result<(), ImportError> {
        let partitioned = kind == Kind::S3
            && matches!(
                self.boolean(
                    self.find(
                        dest,
                        K(
                            "DynamicPartitioningConfiguration",
                            "dynamic_partitioning_configuration"
                        )
                    ),
                    K("Enabled", "enabled"),
                )?,
                Got::Set(true, _)
            );
        self.out.comment(
            "The workload is not part of a delivery stream's configuration: measure it and put \
             it here. rate: records per second (CloudWatch IncomingRecords, Sum per second); \
             record_bytes: IncomingBytes / IncomingRecords; records_per_call: what your \
             producers put in one PutRecordBatch (or PutRecords) call.",
        );
        self.out.open("sources: [");
        let producer = if self
            .find(
                self.stream,
                K(
                    "KinesisStreamSourceConfiguration",
                    "kinesis_source_configuration",
                ),
            )
            .is_some()
        {
            "Producer"
        } else {
            "DirectPut"
        };
        self.out.open(&format!("{producer}("));
        self.out.field("name", "\"producers\"", "");
        self.out.field("rate", "Poisson(100.0)", "measure");
        self.out.field("records_per_call", "100", "measure");
        self.out
            .field("record_bytes", "Uniform(500, 1500)", "measure");
        self.out
            .field("max_retries", "3", "your SDK's retries of a failed call");
        if partitioned {
            self.out.field(
                "partition_key",
                "Uniform(10)",
                "measure: how many partition keys (distinct prefixes) a buffer interval \
                 sees; the MetadataExtraction query or the Lambda decides them",
            );
        }
        self.out.close("),");
        self.out.close("],");
        Ok(())
    }

    fn stream_section(&mut self, kinesis_arn: Option<&str>) -> Result<(), ImportError> {
        // Terraform's `region` argument, else the region of an ARN, else the provider's.
        let named = self.stream.get("region").and_then(|r| {
            r.mark();
            match &r.value {
                Value::Str(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            }
        });
        let Some(arn) = kinesis_arn else {
            let found = named
                .or_else(|| region(self.stream))
                .or_else(|| self.region.clone());
            let (quota, why) = match found {
                Some(r) if ["us-east-1", "us-west-2", "eu-west-1"].contains(&r.as_str()) => {
                    ("Large", format!("region {r} (I2)"))
                }
                Some(r) => ("Standard", format!("region {r} (I2)")),
                None => (
                    "Large",
                    "the region is not in the input: Large in us-east-1, us-west-2 and \
                     eu-west-1, Standard elsewhere, or Custom(...) if AWS raised your quota (I2)"
                        .into(),
                ),
            };
            self.out.open("stream: (");
            self.out.field("quota", quota, &why);
            self.out.field(
                "retention",
                "\"24h\"",
                "Direct PUT keeps undelivered records for 24 hours (I4)",
            );
            self.out.close("),");
            return Ok(());
        };
        self.out
            .comment(&format!("The source: the Kinesis data stream {arn}."));
        self.out.open("stream: (");
        self.out.open("source: KinesisStream(");
        let facts = (self.kinesis)(arn);
        let node = facts.as_ref().map(|f| f.node);
        let shards = self.whole(node, K("ShardCount", "shard_count"))?;
        let retention = self.whole(node, K("RetentionPeriodHours", "retention_period"))?;
        let mode = self.choice(
            node.and_then(|n| self.find(n, K("StreamModeDetails", "stream_mode_details"))),
            K("StreamMode", "stream_mode"),
            &[("PROVISIONED", "Provisioned"), ("ON_DEMAND", "OnDemand")],
        )?;
        let measure = |what: &str| match &facts {
            Some(f) => format!("not set on {}: {what}", f.name),
            None => format!(
                "measure: the data stream is not in the input; `aws kinesis \
                 describe-stream-summary` gives its {what}"
            ),
        };
        match mode {
            Got::Set(m, c) => self.out.field("stream_mode", m, &c),
            _ => self
                .out
                .field("stream_mode", "Provisioned", &measure("StreamModeDetails")),
        }
        match shards {
            Got::Set(n, c) => self.out.field("shard_count", &n.to_string(), &c),
            Got::Symbolic(c) => self.out.field("shard_count", "1", &c),
            Got::Absent => self
                .out
                .field("shard_count", "1", &measure("OpenShardCount")),
        }
        match retention {
            Got::Set(n, c) => self.out.field("retention_period_hours", &n.to_string(), &c),
            Got::Symbolic(c) => self.out.field("retention_period_hours", "24", &c),
            Got::Absent => self.out.field(
                "retention_period_hours",
                "24",
                &measure("RetentionPeriodHours (24 by default)"),
            ),
        }
        self.out.field(
            "other_consumers_read_mib_per_second",
            "0.0",
            "measure: what other consumers read from each shard (K3)",
        );
        self.out.close("),");
        self.out.close("),");
        Ok(())
    }

    /// A comment on the Lambda processor and its fields `(name, value, comment)`, or None
    /// without an enabled Lambda processor.
    #[allow(clippy::type_complexity)]
    fn lambda(
        &mut self,
        processing: Option<&'a Node>,
    ) -> Result<Option<(String, Vec<(String, String, String)>)>, ImportError> {
        let Some(p) = processing else {
            return Ok(None);
        };
        let enabled = self.boolean(Some(p), K("Enabled", "enabled"))?;
        if matches!(enabled, Got::Set(false, _)) {
            return Ok(None);
        }
        let processors = match self.find(p, K("Processors", "processors")) {
            Some(n) => n.items(),
            None => Vec::new(),
        };
        // The first Lambda processor; other types (MetadataExtraction, RecordDeAggregation,
        // AppendDelimiterToRecord, ...) are not modelled and stay unused, so they are listed.
        let lambda = processors.into_iter().find(|proc| {
            self.find(proc, K("Type", "type")).is_some_and(|t| {
                let yes = matches!(&t.value, Value::Str(s) if s == "Lambda");
                if yes {
                    t.mark();
                }
                yes
            })
        });
        let Some(proc) = lambda else {
            return Ok(None);
        };
        let mut values: [Got<f64>; 3] = [Got::Absent, Got::Absent, Got::Absent];
        let mut arn = String::from("(no LambdaArn)");
        let params = match self.find(proc, K("Parameters", "parameters")) {
            Some(n) => n.items(),
            None => Vec::new(),
        };
        for param in params {
            let name = self.find(param, K("ParameterName", "parameter_name"));
            let Some(Value::Str(pname)) = name.map(|n| &n.value) else {
                continue;
            };
            let slot = match pname.as_str() {
                "BufferSizeInMBs" => 0,
                "BufferIntervalInSeconds" => 1,
                "NumberOfRetries" => 2,
                "LambdaArn" => {
                    if let Some(n) = name {
                        n.mark();
                    }
                    if let Got::Set(a, _) | Got::Symbolic(a) =
                        self.text(Some(param), K("ParameterValue", "parameter_value"))?
                    {
                        arn = a;
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(n) = name {
                n.mark();
            }
            values[slot] = self.number(Some(param), K("ParameterValue", "parameter_value"))?;
        }
        let how = match enabled {
            Got::Absent => " (ProcessingConfiguration.Enabled is not set: taken as enabled)",
            _ => "",
        };
        let comment = format!("The Lambda processor {arn}{how}.");
        let mut lines = Vec::new();
        let [size, interval, retries] = values;
        let mut push = |name: &str, got: Got<f64>, default: &str, whole: bool| {
            let (v, c) = match got {
                Got::Set(x, c) if whole => (format!("{}", x.round() as i64), c),
                Got::Set(x, c) => (format!("{x:?}"), c),
                Got::Absent => (default.to_string(), "not set: the default".to_string()),
                Got::Symbolic(c) => (default.to_string(), c),
            };
            lines.push((name.to_string(), v, c));
        };
        push("buffer_size_in_mbs", size, "1.0", false);
        push("buffer_interval_in_seconds", interval, "60", true);
        push("number_of_retries", retries, "3", true);
        Ok(Some((comment, lines)))
    }

    /// Buffering hints `(size, interval)` of `node`, where Terraform has them flat.
    fn hints(
        &mut self,
        name: &str,
        node: Option<&'a Node>,
        default: (u32, u32),
    ) -> Result<(u32, u32), ImportError> {
        let (size, interval) = match self.dialect {
            Dialect::Aws => {
                let h = node.and_then(|n| n.get("BufferingHints"));
                (
                    self.whole(h, K("SizeInMBs", ""))?,
                    self.whole(h, K("IntervalInSeconds", ""))?,
                )
            }
            Dialect::Terraform => (
                self.whole(node, K("", "buffering_size"))?,
                self.whole(node, K("", "buffering_interval"))?,
            ),
        };
        let values = (
            Self::value_of(&size, default.0),
            Self::value_of(&interval, default.1),
        );
        self.out.open(&format!("{name}: ("));
        self.field("size_in_mbs", size, default.0);
        self.field("interval_in_seconds", interval, default.1);
        self.out.close("),");
        Ok(values)
    }

    fn retry(&mut self, dest: &'a Node, default: u32) -> Result<(), ImportError> {
        let got = match self.dialect {
            Dialect::Aws => self.whole(dest.get("RetryOptions"), K("DurationInSeconds", ""))?,
            Dialect::Terraform => self.whole(Some(dest), K("", "retry_duration"))?,
        };
        self.out.open("retry_options: (");
        self.field("duration_in_seconds", got, default);
        self.out.close("),");
        Ok(())
    }

    fn backup_mode(
        &mut self,
        dest: &'a Node,
        table: &[(&str, &'static str)],
    ) -> Result<(), ImportError> {
        let got = self.choice(Some(dest), K("S3BackupMode", "s3_backup_mode"), table)?;
        let default = table[0].1;
        self.field("s3_backup_mode", got, default);
        Ok(())
    }

    fn s3(&mut self, dest: &'a Node) -> Result<(), ImportError> {
        let dp = self.find(
            dest,
            K(
                "DynamicPartitioningConfiguration",
                "dynamic_partitioning_configuration",
            ),
        );
        let dp_enabled = self.boolean(dp, K("Enabled", "enabled"))?;
        let partitioned = matches!(dp_enabled, Got::Set(true, _));
        let conversion = self.conversion(dest)?;
        let big = partitioned || conversion.is_some();
        self.out.open("destination: S3(");
        self.hints(
            "buffering_hints",
            Some(dest),
            (if big { 128 } else { 5 }, 300),
        )?;
        self.backup_mode(dest, &[("Disabled", "Disabled"), ("Enabled", "Enabled")])?;
        let backup = self.find(dest, K("S3BackupConfiguration", "s3_backup_configuration"));
        self.hints("s3_backup_buffering_hints", backup, (5, 300))?;
        if let Some(dp) = dp.filter(|_| partitioned) {
            self.out.open("dynamic_partitioning: (");
            self.field("enabled", dp_enabled, false);
            let got = match self.dialect {
                Dialect::Aws => self.whole(dp.get("RetryOptions"), K("DurationInSeconds", ""))?,
                Dialect::Terraform => self.whole(Some(dp), K("", "retry_duration"))?,
            };
            self.out.open("retry_options: (");
            self.field("duration_in_seconds", got, 300);
            self.out.close("),");
            self.out.close("),");
        }
        if let Some((output, comment)) = conversion {
            self.out.open("format_conversion: (");
            self.out.field("output", output, &comment);
            self.out.field(
                "failure_rate",
                "0.0",
                "measure: the share of records that do not match the schema (CloudWatch \
                 FailedConversion.Records / IncomingRecords)",
            );
            self.out.close("),");
        }
        self.out.close("),");
        Ok(())
    }

    /// Format conversion's output (`Parquet` or `Orc`) when enabled.
    fn conversion(
        &mut self,
        dest: &'a Node,
    ) -> Result<Option<(&'static str, String)>, ImportError> {
        let Some(c) = self.find(
            dest,
            K(
                "DataFormatConversionConfiguration",
                "data_format_conversion_configuration",
            ),
        ) else {
            return Ok(None);
        };
        if c.items().is_empty() {
            return Ok(None);
        }
        // CloudFormation and Terraform both default Enabled to true.
        if matches!(
            self.boolean(Some(c), K("Enabled", "enabled"))?,
            Got::Set(false, _)
        ) {
            return Ok(None);
        }
        let serializer = self.find(
            c,
            K(
                "OutputFormatConfiguration.Serializer",
                "output_format_configuration.serializer",
            ),
        );
        for (aws, tf, out) in [
            ("ParquetSerDe", "parquet_ser_de", "Parquet"),
            ("OrcSerDe", "orc_ser_de", "Orc"),
        ] {
            if let Some(n) = serializer.and_then(|s| self.find(s, K(aws, tf))) {
                n.mark_presence();
                return Ok(Some((out, self.rel(n))));
            }
        }
        Err(self.err(
            serializer.unwrap_or(c),
            "format conversion without an output serializer: expected \
             OutputFormatConfiguration.Serializer.ParquetSerDe or .OrcSerDe"
                .into(),
        ))
    }

    fn redshift(&mut self, dest: &'a Node) -> Result<(), ImportError> {
        self.out.open("destination: Redshift(");
        let s3 = self.find(dest, K("S3Configuration", "s3_configuration"));
        self.hints("s3_buffering_hints", s3, (5, 300))?;
        self.retry(dest, 3600)?;
        self.backup_mode(dest, &[("Disabled", "Disabled"), ("Enabled", "Enabled")])?;
        let backup = self.find(dest, K("S3BackupConfiguration", "s3_backup_configuration"));
        self.hints("s3_backup_buffering_hints", backup, (5, 300))?;
        self.out.close("),");
        Ok(())
    }

    fn opensearch(&mut self, dest: &'a Node) -> Result<(), ImportError> {
        self.out.open("destination: OpenSearch(");
        self.hints("buffering_hints", Some(dest), (5, 300))?;
        self.retry(dest, 300)?;
        self.backup_mode(
            dest,
            &[
                ("FailedDocumentsOnly", "FailedDocumentsOnly"),
                ("AllDocuments", "AllDocuments"),
            ],
        )?;
        let s3 = self.find(dest, K("S3Configuration", "s3_configuration"));
        self.hints("s3_backup_buffering_hints", s3, (5, 300))?;
        let doc = self.choice(
            self.find(dest, K("DocumentIdOptions", "document_id_options")),
            K("DefaultDocumentIdFormat", "default_document_id_format"),
            &[
                ("FIREHOSE_DEFAULT", "FirehoseDefault"),
                ("NO_DOCUMENT_ID", "NoDocumentId"),
            ],
        )?;
        self.field("document_id", doc, "FirehoseDefault");
        let index = self.text(Some(dest), K("IndexName", "index_name"))?;
        let index = match index {
            Got::Set(s, c) => Got::Set(format!("{:?}", sanitize(&s)), c),
            Got::Absent => Got::Absent,
            Got::Symbolic(c) => Got::Symbolic(c),
        };
        self.field("index_name", index, "\"firehose\"".to_string());
        let rotation = self.choice(
            Some(dest),
            K("IndexRotationPeriod", "index_rotation_period"),
            &[
                ("NoRotation", "NoRotation"),
                ("OneHour", "OneHour"),
                ("OneDay", "OneDay"),
                ("OneWeek", "OneWeek"),
                ("OneMonth", "OneMonth"),
            ],
        )?;
        self.field("index_rotation_period", rotation, "OneDay");
        self.out.close("),");
        Ok(())
    }

    fn http(&mut self, dest: &'a Node) -> Result<(), ImportError> {
        let (name, url) = match self.dialect {
            Dialect::Aws => {
                let e = dest.get("EndpointConfiguration");
                (self.text(e, K("Name", ""))?, self.text(e, K("Url", ""))?)
            }
            Dialect::Terraform => (
                self.text(Some(dest), K("", "name"))?,
                self.text(Some(dest), K("", "url"))?,
            ),
        };
        let name_text = match &name {
            Got::Set(s, _) => s.clone(),
            _ => String::new(),
        };
        let url_text = match &url {
            Got::Set(s, _) | Got::Symbolic(s) => s.clone(),
            Got::Absent => "(no URL)".into(),
        };
        let endpoint = partner(&name_text, &url_text);
        self.out
            .comment(&format!("The HTTP endpoint {url_text} ({name_text:?})."));
        self.out.open("destination: HttpEndpoint(");
        self.out.field(
            "endpoint",
            endpoint,
            "from the endpoint's name and URL: a partner AWS gives other default hints for (H1)",
        );
        let preset = match endpoint {
            "Datadog" => 4,
            "NewRelic" | "SumoLogic" => 1,
            _ => 5,
        };
        self.hints("buffering_hints", Some(dest), (preset, 300))?;
        self.retry(dest, 300)?;
        self.backup_mode(
            dest,
            &[("FailedDataOnly", "FailedDataOnly"), ("AllData", "AllData")],
        )?;
        let s3 = self.find(dest, K("S3Configuration", "s3_configuration"));
        self.hints("s3_backup_buffering_hints", s3, (5, 300))?;
        let enc = self.choice(
            self.find(dest, K("RequestConfiguration", "request_configuration")),
            K("ContentEncoding", "content_encoding"),
            &[("NONE", "None"), ("GZIP", "Gzip")],
        )?;
        self.field("content_encoding", enc, "None");
        self.out.close("),");
        Ok(())
    }

    fn splunk(&mut self, dest: &'a Node) -> Result<(), ImportError> {
        self.out.open("destination: Splunk(");
        self.hints("buffering_hints", Some(dest), (5, 60))?;
        let ack = self.whole(
            Some(dest),
            K(
                "HECAcknowledgmentTimeoutInSeconds",
                "hec_acknowledgment_timeout",
            ),
        )?;
        self.field("hec_acknowledgment_timeout_in_seconds", ack, 180);
        // The API's default is 300 s; the Terraform provider's schema defaults to 3600 s.
        let default = match self.dialect {
            Dialect::Aws => 300,
            Dialect::Terraform => 3600,
        };
        self.retry(dest, default)?;
        self.backup_mode(
            dest,
            &[
                ("FailedEventsOnly", "FailedEventsOnly"),
                ("AllEvents", "AllEvents"),
            ],
        )?;
        let s3 = self.find(dest, K("S3Configuration", "s3_configuration"));
        self.hints("s3_backup_buffering_hints", s3, (5, 300))?;
        self.out.close("),");
        Ok(())
    }

    /// The services the destination uses, at the model's defaults, with what to measure.
    fn services(&mut self, kind: Kind, lambda: bool) -> Result<(), ImportError> {
        self.out.comment(
            "How the services behave is not part of the configuration either: these are the \
             model's defaults. Measure and replace them (S3 PUT times, the cluster's COPY or \
             bulk times, the endpoint's response times, the Lambda's duration and \
             concurrency); see the README's services section.",
        );
        self.out.open("services: (");
        self.service(
            "s3",
            &S3Service::default(),
            "the S3 PUT time and retry interval",
        );
        if lambda {
            self.service(
                "lambda",
                &LambdaService::default(),
                "the function's duration and concurrency",
            );
        }
        match kind {
            Kind::S3 => {}
            Kind::Redshift => {
                self.service("redshift", &RedshiftService::default(), "the COPY time")
            }
            Kind::OpenSearch => self.service(
                "opensearch",
                &OpenSearchService::default(),
                "the bulk request time",
            ),
            Kind::HttpEndpoint => self.service(
                "http_endpoint",
                &HttpEndpointService::default(),
                "the endpoint's response time",
            ),
            Kind::Splunk => self.service(
                "splunk",
                &SplunkService::default(),
                "the acknowledgement time",
            ),
        }
        self.out.close("),");
        Ok(())
    }

    fn service<T: Serialize>(&mut self, name: &str, value: &T, what: &str) {
        let text = crate::scenario::ron_options()
            .to_string(value)
            .unwrap_or_else(|_| "()".into());
        self.out
            .field(name, &text, &format!("model defaults; measure {what}"));
    }
}

/// The region named in the stream's ARNs (`arn:aws:<service>:<region>:...`), if any.
fn region(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            (parts.len() > 4 && parts[0] == "arn" && !parts[3].is_empty())
                .then(|| parts[3].to_string())
        }
        Value::List(items) => items.iter().find_map(region),
        Value::Map(entries) => entries.iter().find_map(|(_, c)| region(c)),
        _ => None,
    }
}

/// The partner preset an endpoint's name or URL names (H1).
fn partner(name: &str, url: &str) -> &'static str {
    let text = format!("{name} {url}")
        .to_ascii_lowercase()
        .replace([' ', '-', '_'], "");
    [
        ("datadog", "Datadog"),
        ("newrelic", "NewRelic"),
        ("dynatrace", "Dynatrace"),
        ("splunkobservability", "SplunkObservability"),
        ("signalfx", "SplunkObservability"),
        ("sumologic", "SumoLogic"),
        ("mongodb", "MongoDb"),
        ("coralogix", "Coralogix"),
        ("logicmonitor", "LogicMonitor"),
        ("honeycomb", "Honeycomb"),
        ("elastic", "Elastic"),
    ]
    .iter()
    .find(|(k, _)| text.contains(k))
    .map_or("Custom", |(_, v)| v)
}

/// Text safe inside a RON string: printable, no quotes or backslashes.
pub(super) fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '"' || c == '\\' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Text safe in a `//` comment: one line.
pub(super) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A RON writer with one field per line and a trailing comment.
#[derive(Default)]
struct Ron {
    text: String,
    depth: usize,
}

impl Ron {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.text.push_str("    ");
        }
    }

    fn open(&mut self, head: &str) {
        self.indent();
        self.text.push_str(head);
        self.text.push('\n');
        self.depth += 1;
    }

    fn close(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.text.push_str(tail);
        self.text.push('\n');
    }

    fn field(&mut self, name: &str, value: &str, comment: &str) {
        self.indent();
        let _ = write!(self.text, "{name}: {value},");
        if !comment.is_empty() {
            let _ = write!(self.text, " // {}", one_line(comment));
        }
        self.text.push('\n');
    }

    fn comment(&mut self, text: &str) {
        let width = 96usize.saturating_sub(4 * self.depth + 3).max(40);
        for line in wrap(&one_line(text), width) {
            self.indent();
            let _ = writeln!(self.text, "// {line}");
        }
    }
}

/// Words of `text` in lines of at most `width` characters (a longer word gets its own line).
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
