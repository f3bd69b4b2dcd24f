//! The three inputs, read into one [`Node`] tree each: the JSON of `aws firehose
//! describe-delivery-stream`, CloudFormation templates (JSON or YAML, short-form tags kept as
//! symbolic values), and Terraform (HCL files, evaluated where the variables' defaults allow,
//! or the JSON of `terraform show -json`).
//!
//! The describe output is renamed into the shape of the CloudFormation properties
//! (`...Description` keys become `...Configuration`) so that one mapping reads both; the
//! paths stay those of the input.

use super::tree::{Node, Value};
use super::{ImportError, Source};
use std::collections::HashMap;

/// The resource type of a delivery stream in CloudFormation.
pub(super) const CFN_STREAM: &str = "AWS::KinesisFirehose::DeliveryStream";
/// The resource type of a delivery stream in Terraform.
pub(super) const TF_STREAM: &str = "aws_kinesis_firehose_delivery_stream";

/// A parsed input: the tree and the format it was read as.
pub(super) struct Document {
    /// Which format.
    pub(super) source: Source,
    /// The whole input.
    pub(super) root: Node,
    /// The region of Terraform's `provider "aws"` (or a plan's provider configuration).
    pub(super) region: Option<String>,
}

/// Reads `text` as `source`, or detects the format from the content (a `.tf` name is HCL).
pub(super) fn read(
    file: &str,
    text: &str,
    source: Option<Source>,
) -> Result<Document, ImportError> {
    let fail = |place: &str, message: String| ImportError::new(file, place, message);
    match source {
        Some(Source::Describe) => {
            let json = json(text).map_err(|e| fail(&e.0, format!("not JSON: {}", e.1)))?;
            Ok(describe(json))
        }
        Some(Source::CloudFormation) => {
            let root = match json(text) {
                Ok(j) => cfn_json(&j, String::new()),
                Err(_) => {
                    let y = yaml(text).map_err(|e| fail(&e.0, format!("not YAML: {}", e.1)))?;
                    cfn_yaml(&y, String::new())
                }
            };
            Ok(Document {
                source: Source::CloudFormation,
                root,
                region: None,
            })
        }
        Some(Source::Terraform) => match json(text) {
            Ok(j) => Ok(terraform_json(&j)),
            Err(_) => hcl(text).map_err(|e| fail("", format!("not HCL: {e}"))),
        },
        None => detect(file, text),
    }
}

fn detect(file: &str, text: &str) -> Result<Document, ImportError> {
    if file.ends_with(".tf") {
        return hcl(text).map_err(|e| ImportError::new(file, "", format!("not HCL: {e}")));
    }
    let json_err = match json(text) {
        Ok(j) => {
            if j.get("DeliveryStreamDescription").is_some() {
                return Ok(describe(j));
            }
            if j.get("Resources").is_some() || j.get("AWSTemplateFormatVersion").is_some() {
                return Ok(Document {
                    source: Source::CloudFormation,
                    root: cfn_json(&j, String::new()),
                    region: None,
                });
            }
            if j.get("values").is_some() || j.get("planned_values").is_some() {
                return Ok(terraform_json(&j));
            }
            return Err(ImportError::new(
                file,
                "",
                "JSON, but no delivery stream in it: expected `DeliveryStreamDescription` (aws \
                 firehose describe-delivery-stream), `Resources` (a CloudFormation template) or \
                 `values` or `planned_values` (terraform show -json) at the top"
                    .into(),
            ));
        }
        Err(e) => e,
    };
    let mut yaml_place = String::new();
    let yaml_err = match yaml(text) {
        Ok(y) if y.get("Resources").is_some() || y.get("AWSTemplateFormatVersion").is_some() => {
            return Ok(Document {
                source: Source::CloudFormation,
                root: cfn_yaml(&y, String::new()),
                region: None,
            });
        }
        Ok(serde_yaml_ng::Value::Mapping(_)) => {
            return Err(ImportError::new(
                file,
                "",
                "YAML, but not a CloudFormation template: expected `Resources` at the top".into(),
            ));
        }
        Ok(_) => "not a mapping".to_string(),
        Err(e) => {
            yaml_place = e.0;
            e.1
        }
    };
    if text.trim().is_empty() {
        return Err(ImportError::new(
            file,
            "",
            "the file is empty: expected the JSON of aws firehose describe-delivery-stream, a \
             CloudFormation template or Terraform"
                .into(),
        ));
    }
    // The place of the error: JSON's for what looks like JSON, else YAML's.
    let looks_json = text.trim_start().starts_with(['{', '[']);
    match hcl(text) {
        Ok(doc) => Ok(doc),
        Err(hcl_err) => Err(ImportError::new(
            file,
            if looks_json { &json_err.0 } else { &yaml_place },
            format!(
                "not a delivery stream's configuration: expected the JSON of aws firehose \
                 describe-delivery-stream, a CloudFormation template (JSON or YAML) or Terraform \
                 (HCL or terraform show -json), but it is not JSON ({}), not YAML ({yaml_err}) \
                 and not HCL ({hcl_err})",
                json_err.1,
            ),
        )),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A parse error: where (`line L, column C`) and what.
struct ParseError(String, String);

fn json(text: &str) -> Result<serde_json::Value, ParseError> {
    serde_json::from_str(text).map_err(|e| {
        ParseError(
            format!("line {}, column {}", e.line(), e.column()),
            e.to_string(),
        )
    })
}

fn yaml(text: &str) -> Result<serde_yaml_ng::Value, ParseError> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let place = e.location().map_or(String::new(), |l| {
            format!("line {}, column {}", l.line(), l.column())
        });
        ParseError(place, e.to_string())
    })
}

/// A JSON value as a tree; `cfn` turns CloudFormation's intrinsic functions (`{"Ref": x}`,
/// `{"Fn::GetAtt": ...}`) into symbolic values.
fn json_node(v: &serde_json::Value, path: String, cfn: bool) -> Node {
    use serde_json::Value as J;
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| json_node(x, format!("{path}[{i}]"), cfn))
                .collect(),
        ),
        J::Object(map) => {
            if cfn
                && map.len() == 1
                && map
                    .keys()
                    .all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
            {
                Value::Symbolic(v.to_string())
            } else {
                Value::Map(
                    map.iter()
                        .map(|(k, x)| (k.clone(), json_node(x, Node::child_path(&path, k), cfn)))
                        .collect(),
                )
            }
        }
    };
    Node::new(path, value)
}

fn cfn_json(v: &serde_json::Value, path: String) -> Node {
    json_node(v, path, true)
}

fn cfn_yaml(v: &serde_yaml_ng::Value, path: String) -> Node {
    use serde_yaml_ng::Value as Y;
    let value = match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        Y::String(s) => Value::Str(s.clone()),
        Y::Sequence(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| cfn_yaml(x, format!("{path}[{i}]")))
                .collect(),
        ),
        Y::Mapping(map) => {
            let long_form = map.len() == 1
                && map.keys().all(|k| {
                    k.as_str()
                        .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
                });
            if long_form {
                Value::Symbolic(yaml_inline(v))
            } else {
                Value::Map(
                    map.iter()
                        .map(|(k, x)| {
                            let key = yaml_inline(k);
                            let child = cfn_yaml(x, Node::child_path(&path, &key));
                            (key, child)
                        })
                        .collect(),
                )
            }
        }
        Y::Tagged(t) => Value::Symbolic(format!("{} {}", t.tag, yaml_inline(&t.value))),
    };
    Node::new(path, value)
}

/// A YAML value on one line, as a flow-style rendering.
fn yaml_inline(v: &serde_yaml_ng::Value) -> String {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => "null".into(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::String(s) => s.clone(),
        Y::Sequence(items) => format!(
            "[{}]",
            items.iter().map(yaml_inline).collect::<Vec<_>>().join(", ")
        ),
        Y::Mapping(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{}: {}", yaml_inline(k), yaml_inline(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Y::Tagged(t) => format!("{} {}", t.tag, yaml_inline(&t.value)),
    }
}

/// Renames the describe output's keys to the CloudFormation properties' names.
fn describe_key(key: &str, top: bool) -> String {
    match key {
        "S3DestinationDescription" if top => "S3DestinationConfiguration".into(),
        "S3DestinationDescription" => "S3Configuration".into(),
        "S3BackupDescription" => "S3BackupConfiguration".into(),
        "VpcConfigurationDescription" => "VpcConfiguration".into(),
        _ => match key.strip_suffix("Description") {
            Some(stem) if stem.ends_with("Destination") || stem.ends_with("Source") => {
                format!("{stem}Configuration")
            }
            _ => key.to_string(),
        },
    }
}

fn renamed(v: &serde_json::Value, path: String) -> Node {
    use serde_json::Value as J;
    match v {
        J::Object(map) => Node::new(
            path.clone(),
            Value::Map(
                map.iter()
                    .map(|(k, x)| {
                        (
                            describe_key(k, false),
                            renamed(x, Node::child_path(&path, k)),
                        )
                    })
                    .collect(),
            ),
        ),
        J::Array(items) => Node::new(
            path.clone(),
            Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| renamed(x, format!("{path}[{i}]")))
                    .collect(),
            ),
        ),
        _ => json_node(v, path, false),
    }
}

/// The describe output as one stream node: `DeliveryStreamDescription`'s own keys, with the
/// source's and the first destination's keys lifted to the top (as CloudFormation has them).
fn describe(j: serde_json::Value) -> Document {
    let top = "DeliveryStreamDescription";
    let mut entries = Vec::new();
    if let Some(serde_json::Value::Object(d)) = j.get(top) {
        for (k, v) in d {
            let path = format!("{top}.{k}");
            match (k.as_str(), v) {
                ("Source", serde_json::Value::Object(src)) => {
                    for (sk, sv) in src {
                        entries.push((describe_key(sk, true), renamed(sv, format!("{path}.{sk}"))));
                    }
                }
                ("Destinations", serde_json::Value::Array(dests)) => {
                    for (i, dest) in dests.iter().enumerate() {
                        let Some(obj) = dest.as_object() else {
                            continue;
                        };
                        for (dk, dv) in obj {
                            entries.push((
                                describe_key(dk, true),
                                renamed(dv, format!("{path}[{i}].{dk}")),
                            ));
                        }
                    }
                }
                _ => entries.push((k.clone(), renamed(v, path))),
            }
        }
    }
    let stream = Node::new(top.into(), Value::Map(entries));
    Document {
        source: Source::Describe,
        root: stream,
        region: None,
    }
}

/// `terraform show -json` (state or plan): resources become `type.name` entries of the root,
/// each a map of its values.
fn terraform_json(j: &serde_json::Value) -> Document {
    let mut entries = Vec::new();
    let module = j
        .get("values")
        .or_else(|| j.get("planned_values"))
        .and_then(|v| v.get("root_module"));
    let mut stack: Vec<&serde_json::Value> = module.into_iter().collect();
    while let Some(m) = stack.pop() {
        for r in m
            .get("resources")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let (Some(ty), Some(name)) = (
                r.get("type").and_then(|t| t.as_str()),
                r.get("name").and_then(|t| t.as_str()),
            ) else {
                continue;
            };
            let address = r
                .get("address")
                .and_then(|a| a.as_str())
                .map_or_else(|| format!("{ty}.{name}"), str::to_string);
            let values = r.get("values").cloned().unwrap_or(serde_json::Value::Null);
            entries.push((format!("{ty}.{name}"), json_node(&values, address, false)));
        }
        if let Some(children) = m.get("child_modules").and_then(|c| c.as_array()) {
            stack.extend(children.iter().rev());
        }
    }
    let region = j
        .pointer("/configuration/provider_config/aws/expressions/region/constant_value")
        .and_then(|r| r.as_str())
        .map(str::to_string);
    Document {
        source: Source::Terraform,
        root: Node::new(String::new(), Value::Map(entries)),
        region,
    }
}

/// Terraform HCL: resources become `type.name` entries of the root; attributes are evaluated
/// with the variables' defaults and the locals, and stay symbolic when they cannot be.
fn hcl(text: &str) -> Result<Document, String> {
    let body = hcl::parse(text).map_err(|e| match e {
        hcl::Error::Parse(p) => format!(
            "line {}, column {}: {}",
            p.location().line(),
            p.location().column(),
            p.message()
        ),
        other => first_line(&other.to_string()),
    })?;
    let mut ctx = hcl::eval::Context::new();
    let mut vars = hcl::Map::new();
    for b in body.blocks().filter(|b| b.identifier() == "variable") {
        if let (Some(name), Some(default)) = (
            b.labels().first(),
            b.body()
                .attributes()
                .find(|a| a.key() == "default")
                .map(|a| a.expr()),
        ) && let Ok(v) = hcl::eval::Evaluate::evaluate(default, &ctx)
        {
            vars.insert(name.as_str().to_string(), v);
        }
    }
    ctx.declare_var("var", hcl::Value::Object(vars));
    let mut locals = hcl::Map::new();
    for b in body.blocks().filter(|b| b.identifier() == "locals") {
        for a in b.body().attributes() {
            if let Ok(v) = hcl::eval::Evaluate::evaluate(a.expr(), &ctx) {
                locals.insert(a.key().to_string(), v);
            }
        }
    }
    ctx.declare_var("local", hcl::Value::Object(locals));
    let mut entries = Vec::new();
    for b in body.blocks().filter(|b| b.identifier() == "module") {
        if let Some(name) = b.labels().first() {
            let path = format!("module.{}", name.as_str());
            entries.push((path.clone(), hcl_body(b.body(), path, &ctx)));
        }
    }
    for b in body.blocks().filter(|b| b.identifier() == "resource") {
        let [ty, name] = b.labels() else {
            continue;
        };
        let path = format!("{}.{}", ty.as_str(), name.as_str());
        entries.push((path.clone(), hcl_body(b.body(), path, &ctx)));
    }
    if entries.is_empty() && body.blocks().next().is_none() && body.attributes().next().is_none() {
        return Err("no blocks or attributes".into());
    }
    let region = body
        .blocks()
        .filter(|b| {
            b.identifier() == "provider" && b.labels().first().is_some_and(|l| l.as_str() == "aws")
        })
        .find_map(|b| b.body().attributes().find(|a| a.key() == "region"))
        .and_then(|a| match hcl::eval::Evaluate::evaluate(a.expr(), &ctx) {
            Ok(hcl::Value::String(r)) => Some(r),
            _ => None,
        });
    Ok(Document {
        source: Source::Terraform,
        root: Node::new(String::new(), Value::Map(entries)),
        region,
    })
}

fn hcl_body(body: &hcl::Body, path: String, ctx: &hcl::eval::Context) -> Node {
    let mut entries: Vec<(String, Node)> = body
        .attributes()
        .map(|a| {
            let p = Node::child_path(&path, a.key());
            (a.key().to_string(), hcl_attr(a.expr(), p, ctx))
        })
        .collect();
    // `dynamic "x" { for_each = ..., content { ... } }` becomes one `x` block per element,
    // with `x.key` and `x.value` bound, when `for_each` can be evaluated; else it stays as
    // written (and is listed as not modelled).
    let mut blocks: Vec<(&str, &hcl::Body, hcl::eval::Context)> = Vec::new();
    for b in body.blocks() {
        if b.identifier() == "dynamic"
            && let Some(label) = b.labels().first()
            && let Some(content) = b.body().blocks().find(|c| c.identifier() == "content")
            && let Some(items) = b
                .body()
                .attributes()
                .find(|a| a.key() == "for_each")
                .and_then(|a| hcl::eval::Evaluate::evaluate(a.expr(), ctx).ok())
        {
            let pairs: Vec<(hcl::Value, hcl::Value)> = match items {
                hcl::Value::Array(a) => a
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| (hcl::Value::from(i as u64), x))
                    .collect(),
                hcl::Value::Object(m) => m
                    .into_iter()
                    .map(|(k, x)| (hcl::Value::String(k), x))
                    .collect(),
                _ => Vec::new(),
            };
            for (key, value) in pairs {
                let mut scope = ctx.clone();
                let mut it = hcl::Map::new();
                it.insert("key".to_string(), key);
                it.insert("value".to_string(), value);
                scope.declare_var(label.as_str(), hcl::Value::Object(it));
                blocks.push((label.as_str(), content.body(), scope));
            }
            continue;
        }
        blocks.push((b.identifier(), b.body(), ctx.clone()));
    }
    // Blocks with the same name are a list (processors, parameters); a single one is a map.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (id, _, _) in &blocks {
        *counts.entry(id).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (id, b, scope) in &blocks {
        let i = seen.entry(id).or_default();
        if counts[id] == 1 {
            entries.push((
                id.to_string(),
                hcl_body(b, Node::child_path(&path, id), scope),
            ));
        } else {
            let child = hcl_body(b, format!("{}[{i}]", Node::child_path(&path, id)), scope);
            match entries.iter_mut().find(|(k, _)| k == id) {
                Some((
                    _,
                    Node {
                        value: Value::List(items),
                        ..
                    },
                )) => items.push(child),
                _ => entries.push((
                    id.to_string(),
                    Node::new(Node::child_path(&path, id), Value::List(vec![child])),
                )),
            }
        }
        *i += 1;
    }
    Node::new(path, Value::Map(entries))
}

fn hcl_attr(expr: &hcl::Expression, path: String, ctx: &hcl::eval::Context) -> Node {
    let literal = matches!(
        expr,
        hcl::Expression::Null
            | hcl::Expression::Bool(_)
            | hcl::Expression::Number(_)
            | hcl::Expression::String(_)
            | hcl::Expression::Array(_)
            | hcl::Expression::Object(_)
    );
    match hcl::eval::Evaluate::evaluate(expr, ctx) {
        Ok(v) => {
            let node = hcl_value(&v, path);
            if literal {
                node
            } else {
                node.resolved_from(expr.to_string())
            }
        }
        Err(_) => Node::new(path, Value::Symbolic(expr.to_string())),
    }
}

fn hcl_value(v: &hcl::Value, path: String) -> Node {
    let value = match v {
        hcl::Value::Null => Value::Null,
        hcl::Value::Bool(b) => Value::Bool(*b),
        hcl::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        hcl::Value::String(s) => Value::Str(s.clone()),
        hcl::Value::Array(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| hcl_value(x, format!("{path}[{i}]")))
                .collect(),
        ),
        hcl::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, x)| (k.clone(), hcl_value(x, Node::child_path(&path, k))))
                .collect(),
        ),
    };
    Node::new(path, value)
}
