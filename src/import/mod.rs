//! `firehose-sim import`: a scenario from a real delivery stream's configuration, the JSON of
//! `aws firehose describe-delivery-stream`, a CloudFormation template (JSON or YAML) or
//! Terraform (HCL or `terraform show -json`).
//!
//! Each input is read into one tree ([`tree::Node`], by `formats`), whose nodes remember
//! their path in the input; the mapping (`map`) reads the settings the model has under
//! their CloudFormation or Terraform names and marks them used. Everything left unused is
//! listed as not modelled, at the top of the scenario and on stderr, so nothing is dropped
//! silently. The scenario is checked with the same parser `validate` uses before it is
//! returned.

mod formats;
mod map;
mod tree;

use formats::{CFN_STREAM, Document, TF_STREAM};
use map::{Dialect, KinesisFacts, Mapper};
use std::fmt;
use tree::{Node, Value};

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// The JSON of `aws firehose describe-delivery-stream`.
    Describe,
    /// A CloudFormation template, JSON or YAML.
    #[value(name = "cloudformation")]
    CloudFormation,
    /// Terraform: HCL (`.tf`) or the JSON of `terraform show -json`.
    Terraform,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Describe => "the output of aws firehose describe-delivery-stream",
            Source::CloudFormation => "a CloudFormation template",
            Source::Terraform => "Terraform",
        }
    }
}

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format, or None to detect it from the content.
    pub source: Option<Source>,
    /// Which delivery stream, when the input has several (the logical id in CloudFormation,
    /// the resource name in Terraform).
    pub resource: Option<String>,
}

/// Bad input: the file, the place in it, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The input file.
    pub file: String,
    /// Where in it: a path such as `Resources.Stream.Properties`, or `line L, column C`.
    pub place: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ImportError {
    pub(super) fn new(file: &str, place: &str, message: String) -> Self {
        ImportError {
            file: file.to_string(),
            place: place.to_string(),
            message,
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "error: {}: {}", self.file, self.message)
        } else {
            write!(f, "error: {}: {}: {}", self.file, self.place, self.message)
        }
    }
}

impl std::error::Error for ImportError {}

/// An imported scenario.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario (RON), with the lists below as comments at the top; it passes
    /// `validate`.
    pub scenario: String,
    /// The format read.
    pub source: Source,
    /// The delivery stream's name in the input.
    pub resource: String,
    /// Settings the model does not have, as `(path in the input, value)`.
    pub unmodelled: Vec<(String, String)>,
    /// Symbolic references that got the default, as `(path in the input, what)`.
    pub symbolic: Vec<(String, String)>,
}

impl Imported {
    /// What `import` prints on stderr: the settings not modelled and the symbolic ones.
    pub fn notes(&self) -> String {
        let mut s = String::new();
        if !self.unmodelled.is_empty() {
            s.push_str(&format!(
                "{} not modelled and left out (path in the input = value):\n",
                plural(self.unmodelled.len(), "setting is", "settings are")
            ));
            for (p, v) in &self.unmodelled {
                s.push_str(&format!("  {p} = {v}\n"));
            }
        }
        if !self.symbolic.is_empty() {
            s.push_str(&format!(
                "{} symbolic and got the default:\n",
                plural(self.symbolic.len(), "setting is", "settings are")
            ));
            for (p, v) in &self.symbolic {
                s.push_str(&format!("  {p}: {v}\n"));
            }
        }
        s
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Imports the delivery stream in `text` (read from `file`, which names it in messages).
pub fn import(file: &str, text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let doc = formats::read(file, text, options.source)?;
    let (name, stream) = pick(file, &doc, options.resource.as_deref())?;
    let dialect = match doc.source {
        Source::Terraform => Dialect::Terraform,
        _ => Dialect::Aws,
    };
    let kinesis = |arn: &str| kinesis_stream(&doc, arn);
    let hint = |reference: &str| parameter_default(&doc, reference);
    let mapped = Mapper::new(file, dialect, stream, &kinesis, &hint)
        .with_region(doc.region.clone())
        .map(&name)?;
    let mut unmodelled = stream.unused();
    for (p, v) in unmodelled.iter_mut() {
        if doc.source == Source::Terraform
            && (p.ends_with(".count") || p.ends_with(".for_each"))
            && p.matches('.').count() == 2
        {
            v.push_str(" (the configuration makes this many such streams, or none; the scenario models one)");
        }
    }
    if doc.source == Source::CloudFormation
        && let Some(r) = doc.root.get("Resources").and_then(|r| r.get(&name))
    {
        for (k, n) in r.entries() {
            if k != "Type" && k != "Properties" {
                let why = if k == "Condition" {
                    " (the stream exists only when this condition holds)"
                } else {
                    ""
                };
                unmodelled.push((n.path.clone(), format!("{}{why}", n.brief())));
            }
        }
    }
    let header = header(file, &doc, &name, &unmodelled, &mapped.symbolic);
    let scenario = format!("{header}#![enable(implicit_some)]\n{}", mapped.body);
    if let Err(e) = crate::scenario::parse(&scenario, file) {
        // Each mapped field's line names its place in the input in a comment.
        let lines: Vec<&str> = scenario.lines().collect();
        let place = |line: usize| {
            let comment = lines.get(line.checked_sub(1)?)?.split_once(" // ")?.1;
            let rel = comment.split([' ', ':']).next()?;
            (!rel.is_empty() && !comment.starts_with("not set") && !comment.starts_with("measure"))
                .then(|| tree::Node::child_path(&stream.path, rel))
        };
        let first = e.problems.first();
        let at = first
            .and_then(|p| place(p.line))
            .unwrap_or_else(|| stream.path.clone());
        let problems: Vec<String> = e.problems.iter().map(|p| p.message.clone()).collect();
        return Err(ImportError::new(
            file,
            &at,
            format!(
                "outside what AWS (and the model) accepts: {}",
                problems.join("; ")
            ),
        ));
    }
    Ok(Imported {
        scenario,
        source: doc.source,
        resource: name,
        unmodelled,
        symbolic: mapped.symbolic,
    })
}

/// The delivery stream to import: the only one, or the one `--resource` names.
fn pick<'a>(
    file: &str,
    doc: &'a Document,
    resource: Option<&str>,
) -> Result<(String, &'a Node), ImportError> {
    let streams: Vec<(String, &Node)> = match doc.source {
        Source::Describe => {
            let name = match doc.root.get("DeliveryStreamName").map(|n| &n.value) {
                Some(Value::Str(s)) => s.clone(),
                _ => "imported".into(),
            };
            vec![(name, &doc.root)]
        }
        Source::CloudFormation => resources(&doc.root)
            .into_iter()
            .filter(|(_, ty, _)| *ty == CFN_STREAM)
            .map(|(name, _, r)| {
                if let Some(t) = r.get("Type") {
                    t.mark();
                }
                (name, r.get("Properties").unwrap_or(r))
            })
            .collect(),
        Source::Terraform => doc
            .root
            .entries()
            .iter()
            .filter_map(|(k, n)| {
                k.strip_prefix(TF_STREAM)
                    .and_then(|r| r.strip_prefix('.'))
                    .map(|r| (r.to_string(), n))
            })
            .collect(),
    };
    let kind = match doc.source {
        Source::Terraform => format!("resource \"{TF_STREAM}\""),
        _ => format!("resource of Type {CFN_STREAM}"),
    };
    let place = match doc.source {
        Source::CloudFormation => "Resources",
        _ => "",
    };
    let names = || {
        streams
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match resource {
        Some(r) => streams
            .iter()
            .find(|(n, _)| n == r)
            .map(|(n, s)| (n.clone(), *s))
            .ok_or_else(|| {
                ImportError::new(
                    file,
                    place,
                    if streams.is_empty() {
                        format!("--resource {r}: there is no delivery stream ({kind}) in it")
                    } else {
                        format!(
                            "--resource {r}: no such delivery stream; it has {}",
                            names()
                        )
                    },
                )
            }),
        None => match streams.as_slice() {
            [(n, s)] => Ok((n.clone(), *s)),
            [] => Err(ImportError::new(
                file,
                place,
                format!(
                    "no delivery stream in {}: expected a {kind}{}",
                    doc.source.describe(),
                    others(doc)
                ),
            )),
            _ => Err(ImportError::new(
                file,
                place,
                format!(
                    "{} delivery streams ({}): choose one with --resource NAME",
                    streams.len(),
                    names()
                ),
            )),
        },
    }
}

/// `(logical id, Type, resource)` of a CloudFormation template's resources.
fn resources(root: &Node) -> Vec<(String, &str, &Node)> {
    root.get("Resources")
        .map(|r| r.entries())
        .unwrap_or_default()
        .iter()
        .map(|(name, r)| {
            let ty = match r.get("Type").map(|t| &t.value) {
                Some(Value::Str(s)) => s.as_str(),
                _ => "",
            };
            (name.clone(), ty, r)
        })
        .collect()
}

/// What the input has instead, for the "no delivery stream" message.
fn others(doc: &Document) -> String {
    let found: Vec<String> = match doc.source {
        Source::CloudFormation => resources(&doc.root)
            .iter()
            .map(|(n, t, _)| format!("{n} ({t})"))
            .collect(),
        Source::Terraform => doc.root.entries().iter().map(|(k, _)| k.clone()).collect(),
        Source::Describe => Vec::new(),
    };
    let modules = if found.iter().any(|f| f.starts_with("module.")) {
        " (module blocks are not followed: import the module's own .tf files, or the JSON of \
         terraform show -json, which has the module's resources)"
    } else {
        ""
    };
    if found.is_empty() {
        String::new()
    } else {
        format!(", found only {}{modules}", found.join(", "))
    }
}

/// The target of a CloudFormation reference of kind `Ref` or `Fn::GetAtt`, in any of its
/// spellings: `!Ref X`, `{Ref: X}`, `{"Ref": "X"}`, `!GetAtt X.Arn`, `!GetAtt [X, Arn]`,
/// `{Fn::GetAtt: [X, Arn]}`, `{"Fn::GetAtt": ["X", "Arn"]}`.
fn cfn_target(text: &str, kind: &str) -> Option<String> {
    let flat: String = text
        .chars()
        .map(|c| if "{}[]\"".contains(c) { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    let rest = flat
        .strip_prefix(&format!("!{kind} "))
        .or_else(|| flat.strip_prefix(&format!("Fn::{kind}:")))
        .or_else(|| flat.strip_prefix(&format!("{kind}:")))?;
    let target = rest.trim().split(['.', ',', ' ']).next()?.trim();
    (!target.is_empty()).then(|| target.to_string())
}

/// The data stream a Kinesis source's ARN refers to, when the input defines it: a
/// `Fn::GetAtt` to an `AWS::Kinesis::Stream`, `aws_kinesis_stream.X.arn` in HCL, or (in
/// `terraform show -json`) the `aws_kinesis_stream` whose `arn` is that ARN.
fn kinesis_stream<'a>(doc: &'a Document, arn: &str) -> Option<KinesisFacts<'a>> {
    match doc.source {
        Source::CloudFormation => {
            let logical = cfn_target(arn, "GetAtt")?;
            resources(&doc.root)
                .into_iter()
                .find(|(n, t, _)| *n == logical && *t == "AWS::Kinesis::Stream")
                .map(|(n, _, r)| KinesisFacts {
                    node: r.get("Properties").unwrap_or(r),
                    name: n,
                })
        }
        Source::Terraform => {
            if let Some(rest) = arn.strip_prefix("aws_kinesis_stream.") {
                let name = rest.strip_suffix(".arn").unwrap_or(rest);
                let key = format!("aws_kinesis_stream.{name}");
                return doc
                    .root
                    .get(&key)
                    .map(|n| KinesisFacts { node: n, name: key });
            }
            doc.root
                .entries()
                .iter()
                .filter(|(k, _)| k.starts_with("aws_kinesis_stream."))
                .find(|(_, n)| matches!(n.get("arn").map(|a| &a.value), Some(Value::Str(a)) if a == arn))
                .map(|(k, n)| KinesisFacts {
                    node: n,
                    name: k.clone(),
                })
        }
        Source::Describe => None,
    }
}

/// For a `Ref` to a CloudFormation parameter with a `Default`: says so.
fn parameter_default(doc: &Document, reference: &str) -> Option<String> {
    if doc.source != Source::CloudFormation {
        return None;
    }
    let name = cfn_target(reference, "Ref")?;
    let p = doc.root.get("Parameters")?.get(&name)?;
    let default = p.get("Default")?;
    Some(format!(
        "parameter {name}, whose Default is {}: set it here if that is what you deploy",
        default.brief()
    ))
}

/// The comment block at the top of an imported scenario.
fn header(
    file: &str,
    doc: &Document,
    name: &str,
    unmodelled: &[(String, String)],
    symbolic: &[(String, String)],
) -> String {
    let mut s = String::new();
    let mut para = |text: &str| {
        for line in map::wrap(&map::one_line(text), 93) {
            s.push_str("// ");
            s.push_str(&line);
            s.push('\n');
        }
    };
    para(&format!(
        "Imported by `firehose-sim import` from {file} ({}, delivery stream {name}). The \
         stream's settings the model has are mapped below, each with a comment naming where \
         it came from.",
        doc.source.describe()
    ));
    let mut s2 = String::new();
    if unmodelled.is_empty() {
        s2.push_str("//\n// Every setting in the input is modelled.\n");
    } else {
        s2.push_str(
            "//\n// Not modelled: these settings do not change what the simulator computes and are \
             left out\n// (path in the input = value):\n",
        );
        for (p, v) in unmodelled {
            s2.push_str(&format!(
                "//   {} = {}\n",
                map::one_line(p),
                map::one_line(v)
            ));
        }
    }
    if !symbolic.is_empty() {
        s2.push_str(
            "//\n// Symbolic references (resolved only when deployed): the field has its default; \
             set\n// the value you deploy:\n",
        );
        for (p, v) in symbolic {
            s2.push_str(&format!(
                "//   {}: {}\n",
                map::one_line(p),
                map::one_line(v)
            ));
        }
    }
    s.push_str(&s2);
    s.push_str(
        "//\n// Not part of a delivery stream's configuration, so filled with defaults for you \
         to\n// replace with what you measure: duration, sources (the workload), services (how \
         the\n// services behave) and faults (what to ask about).\n",
    );
    s
}
