//! Scenario files: the RON schema, its defaults, and validation against the AWS ranges.
//!
//! A [`Scenario`] has four parts, each in its own module and re-exported here: the
//! workload (`sources`, in `workload`), the Firehose configuration (`stream`, `transform`
//! and `destination`, in `stream`), the services model (`services`, in `services`) and the
//! faults (`faults` and the `check` fault space, in `faults`). Field names follow the
//! Firehose API in snake_case where one exists; every omitted field has the default
//! documented on it and in the README.
//!
//! [`parse`] and [`load`] turn a text into a checked [`Scenario`] or into a [`ScenarioError`]
//! that names the file, line and column, the field, the value and what is allowed.

mod faults;
pub mod locate;
mod pricing;
mod services;
mod stream;
mod validate;
mod workload;

pub use faults::*;
pub use pricing::*;
pub use services::*;
pub use stream::*;
pub use workload::*;

use crate::engine::SimDuration;
use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use locate::{Locator, line_col, offset_of};
use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Bytes in one MiB (T2: AWS's "MB" hints are read as MiB).
pub const MIB: u64 = 1_048_576;

/// A whole scenario: workload, stream configuration, services model and faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    pub name: String,
    /// Seed of every random stream (default 1); `run --seed` overrides it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time; nothing happens at or after it (T1).
    pub duration: SimDuration,
    /// The UTC date and time of the run's start, `YYYY-MM-DDTHH:MM:SSZ` (default
    /// 2025-01-01T00:00:00Z); it names S3 prefixes and OpenSearch indices (S3, E6).
    #[serde(default = "default_start_time")]
    pub start_time: String,
    /// The producers.
    pub sources: Vec<Source>,
    /// The delivery stream's own settings.
    #[serde(default)]
    pub stream: StreamConfig,
    /// An optional Lambda transform between the stream and the destination (L1-L6).
    #[serde(default)]
    pub transform: Option<Transform>,
    /// Where the stream delivers.
    pub destination: Destination,
    /// How the services around the stream behave (model assumptions).
    #[serde(default)]
    pub services: Services,
    /// What goes wrong.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The fault space and property of `firehose-sim check` (flags win over it).
    #[serde(default)]
    pub check: Option<CheckSpace>,
    /// Unit prices of the report's cost section (C1); us-east-1 list prices by default.
    #[serde(default)]
    pub pricing: Pricing,
}

fn default_seed() -> u64 {
    1
}

fn default_start_time() -> String {
    "2025-01-01T00:00:00Z".into()
}

/// One problem in a scenario, with its place in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line (0 when the problem is not in the text, e.g. an unreadable file).
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong and what is allowed.
    pub message: String,
    /// The span to underline, in bytes.
    span: Option<std::ops::Range<usize>>,
}

/// Why a scenario could not be used. Its `Display` is the full message for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The file name as given.
    pub file: String,
    /// Every problem found (at least one).
    pub problems: Vec<Problem>,
    source_text: Option<String>,
}

impl std::error::Error for ScenarioError {}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let renderer = Renderer::plain();
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line == 0 {
                write!(f, "error: {}: {}", self.file, p.message)?;
                continue;
            }
            let title = format!("{}:{}:{}: {}", self.file, p.line, p.col, p.message);
            match (&self.source_text, &p.span) {
                (Some(src), Some(span)) => {
                    let span = span.start.min(src.len())..span.end.min(src.len());
                    let report = &[Level::ERROR.primary_title(&title).element(
                        Snippet::source(src.as_str())
                            .path(self.file.as_str())
                            .annotation(AnnotationKind::Primary.span(span)),
                    )];
                    write!(f, "{}", renderer.render(report))?;
                }
                _ => write!(f, "error: {title}")?,
            }
        }
        Ok(())
    }
}

/// The RON options every scenario is read (and printed) with.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// The largest scenario or sweep file, in bytes (4 MiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Says why the file at `path` is too large to read, if it is.
pub fn too_large(path: &Path) -> Option<String> {
    let len = std::fs::metadata(path).ok()?.len();
    (len > MAX_FILE_BYTES)
        .then(|| format!("the file is {len} bytes: allowed at most {MAX_FILE_BYTES} (4 MiB)"))
}

/// Reads and checks the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    if let Some(why) = too_large(path) {
        return Err(ScenarioError {
            file,
            problems: vec![Problem {
                line: 0,
                col: 0,
                message: why,
                span: None,
            }],
            source_text: None,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| ScenarioError {
        file: file.clone(),
        problems: vec![Problem {
            line: 0,
            col: 0,
            message: format!("cannot read the scenario file: {e}"),
            span: None,
        }],
        source_text: None,
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let good = String::from_utf8_lossy(good);
            let (line, col) = line_col(&good, good.len());
            return Err(ScenarioError {
                file,
                problems: vec![Problem {
                    line,
                    col,
                    message: "the file is not UTF-8 text: a scenario is a RON text file".into(),
                    span: None,
                }],
                source_text: None,
            });
        }
    };
    parse(&text, &file)
}

/// Parses and checks a scenario text; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let err = |problems| ScenarioError {
        file: file.to_string(),
        problems,
        source_text: Some(text.to_string()),
    };
    if text.trim().is_empty() {
        return Err(err(vec![Problem {
            line: 1,
            col: 1,
            message: "the file is empty: a scenario starts with `Scenario(` (see the README)"
                .into(),
            span: None,
        }]));
    }
    let mut scenario: Scenario = match ron_options().from_str(text) {
        Ok(s) => s,
        Err(e) => {
            let start = offset_of(text, e.span.start.line, e.span.start.col);
            let end = offset_of(text, e.span.end.line, e.span.end.col).max(start);
            // An empty span underlines the character at `start` (whole, never a part of a
            // multi-byte character: the renderer panics on a span that splits one).
            let end = if end == start {
                text[start..]
                    .chars()
                    .next()
                    .map_or(start, |c| start + c.len_utf8())
            } else {
                end
            };
            return Err(err(vec![Problem {
                line: e.span.start.line.max(1),
                col: e.span.start.col.max(1),
                message: hint_for(text, start, e.code.to_string()),
                span: Some(start..end),
            }]));
        }
    };
    scenario.stream.fill_defaults();
    let invalid = validate::validate(&scenario);
    if invalid.is_empty() {
        return Ok(scenario);
    }
    let locator = Locator::new(text);
    let problems = invalid
        .into_iter()
        .map(|v| {
            let span = locator.find(&v.path);
            let (line, col) = span.as_ref().map_or((1, 1), |r| line_col(text, r.start));
            // The value as the user wrote it (`"367d"`), not as it prints (`"8808h"`).
            let mut message = v.message;
            if let Some(r) = &span
                && let Some(src) = text.get(r.clone())
                && src.starts_with('"')
                && message.starts_with('"')
                && let Some(end) = message[1..].find('"')
            {
                message = format!("{src}{}", &message[end + 2..]);
            }
            Problem {
                line,
                col,
                message: format!("{}: {message}", v.path),
                span,
            }
        })
        .collect();
    Err(err(problems))
}

/// What is legal but probably not meant: faults that start at or after the run's end, two
/// faults of one kind on one target that overlap (and how they combine), and `services`
/// settings for components the scenario does not have. `run`, `validate` and `check` print
/// them on stderr; they are not errors.
pub fn warnings(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (i, f) in s.faults.iter().enumerate() {
        let (from, _) = f.window();
        if from >= s.duration {
            out.push(format!(
                "faults[{i}]: starts at {from}, at or after the run's end ({}): it has no effect",
                s.duration
            ));
        }
    }
    for (i, a) in s.faults.iter().enumerate() {
        for (j, b) in s.faults.iter().enumerate().skip(i + 1) {
            let ((a0, a1), (b0, b1)) = (a.window(), b.window());
            if a.kind() == b.kind() && a.target() == b.target() && a0 < b1 && b0 < a1 {
                let how = match a.kind() {
                    "Outage" => "either fails the call",
                    "Errors" | "AckLost" => {
                        "each draws on its own, so a call fails if either draw does"
                    }
                    "Slow" => "their factors multiply",
                    _ => "their factors multiply (two halvings leave a quarter)",
                };
                out.push(format!(
                    "faults[{i}] and faults[{j}]: two {} faults on {:?} overlap from {} to {}: {how}",
                    a.kind(),
                    a.target(),
                    a0.max(b0),
                    a1.min(b1)
                ));
            }
        }
    }
    let d = &s.destination;
    let svc = &s.services;
    let unused = [
        (
            "redshift",
            !matches!(d, Destination::Redshift(_)) && svc.redshift != RedshiftService::default(),
        ),
        (
            "opensearch",
            !matches!(d, Destination::OpenSearch(_))
                && svc.opensearch != OpenSearchService::default(),
        ),
        (
            "http_endpoint",
            !matches!(d, Destination::HttpEndpoint(_))
                && svc.http_endpoint != HttpEndpointService::default(),
        ),
        (
            "splunk",
            !matches!(d, Destination::Splunk(_)) && svc.splunk != SplunkService::default(),
        ),
        (
            "lambda",
            s.transform.is_none() && svc.lambda != LambdaService::default(),
        ),
    ];
    for (name, set) in unused {
        if set {
            out.push(format!(
                "services.{name}: set, but the scenario has no {name}: it has no effect"
            ));
        }
    }
    out
}

/// Checks a scenario built in code (e.g. a sweep point): every problem as `path: message`.
pub fn check(s: &Scenario) -> Result<(), Vec<String>> {
    let invalid = validate::validate(s);
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(invalid
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect())
    }
}

/// Prints a scenario as RON with every default filled in (what `validate` shows); the text
/// parses back to the same scenario.
pub fn to_ron(s: &Scenario) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .extensions(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
    // A `check` section shows the defaults `check` uses for what it omits.
    let mut filled = s.clone();
    if let Some(c) = &mut filled.check {
        let space = crate::testing::FaultSpace::for_scenario(s);
        c.targets.get_or_insert(space.targets);
        c.kinds.get_or_insert(space.kinds);
        c.max_outage.get_or_insert(space.max_outage);
        c.max_probability.get_or_insert(space.max_probability);
        c.max_faults.get_or_insert(space.max_faults as u32);
        c.cases.get_or_insert(256);
    }
    let s = &filled;
    match ron_options().to_string_pretty(s, config) {
        Ok(body) => {
            let body = without_unused_services(&body, s);
            // The extensions line, then the body with the top-level struct named as users
            // write it.
            match body.split_once('\n') {
                Some((ext, rest)) if ext.starts_with("#![") => {
                    format!("{ext}\nScenario{rest}\n")
                }
                _ => format!("#![enable(implicit_some)]\nScenario{body}\n"),
            }
        }
        Err(e) => format!("// cannot print the scenario: {e}\n"),
    }
}

/// A RON error where named fields or a variant were expected gets the expected form: the
/// field (or variant) before the value at `at` names which one.
fn hint_for(text: &str, at: usize, message: String) -> String {
    // The RON parser's advice to write `r#5` never helps here.
    let message = match message.split_once(", try the raw identifier") {
        Some((m, _)) => m.to_string(),
        None => message,
    };
    // An internal type name reads as the field users write.
    let message = message
        .replace("in `DefaultedHints`", "in `buffering_hints`")
        .replace("in `BufferingHints`", "in the buffering hints");
    // `from: 1h`: a duration's quotes are missing.
    if message.contains("is a bare number")
        && let Some(rest) = text.get(at..)
    {
        let token: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        if token.chars().any(|c| c.is_ascii_alphabetic()) {
            return format!("a duration is a quoted string: write \"{token}\"");
        }
    }
    let before = text.get(..at).unwrap_or(text);
    if message.contains("Integer is out of bounds") {
        // The field and the whole-number range its type has (a minus sign is before `at`).
        let (before, sign) = match before.strip_suffix('-') {
            Some(b) => (b, "-"),
            None => (before, ""),
        };
        let field = word_before(before);
        let digits: String = text
            .get(at..)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '_')
            .collect();
        let max = match field.as_str() {
            "seed" | "bytes" | "records" | "requests" | "max_request_bytes" => u64::MAX,
            _ => u64::from(u32::MAX),
        };
        return format!("`{field}`: {sign}{digits} is out of range: allowed 0 to {max}");
    }
    if message.contains("Expected opening `(`") {
        let word = word_before(before);
        if word.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return format!(
                "`{word}` needs parentheses: write `{word}()` or `{word}(field: value, ...)`"
            );
        }
    }
    if message.contains("Expected integer") || message.contains("Expected float") {
        // Inside `Uniform(` the two bounds are plain numbers.
        let open = before.rfind('(').unwrap_or(0);
        let name = last_word(&before[..open]);
        if name == "Uniform" {
            return "`Uniform` takes two plain numbers, e.g. Uniform(500, 1500) (no field names)"
                .into();
        }
    }
    if !message.contains("invalid std identifier") && !message.contains("Expected identifier") {
        return message;
    }
    // The word before the value: `buffering_hints: (5` gives buffering_hints; `LogNormal(8`
    // gives LogNormal; `rate: 300` gives rate.
    let word = word_before(before);
    let expected = match word.as_str() {
        "buffering_hints" | "s3_buffering_hints" | "s3_backup_buffering_hints" => {
            "named fields, e.g. (size_in_mbs: 5, interval_in_seconds: 300)"
        }
        "put_time" | "copy_time" | "bulk_time" | "response_time" | "ack_time" => {
            "named fields, e.g. (base: \"100ms\", per_mib: \"10ms\")"
        }
        "backoff" => "named fields, e.g. (initial: \"100ms\", max: \"20s\")",
        "retry_options" => "named fields, e.g. (duration_in_seconds: 3600)",
        "rate" => {
            "a rate such as Constant(300.0), Poisson(300.0), Steps([(\"0s\", 300.0)]) or Diurnal(mean: 300.0, amplitude: 0.5, period: \"24h\")"
        }
        "record_bytes" => {
            "a size such as Fixed(1024), Uniform(500, 1500) or LogNormal(median: 800, p99: 4000)"
        }
        "LogNormal" => "named fields: LogNormal(median: ..., p99: ...)",
        "Zipf" => "named fields: Zipf(count: 100, exponent: 1.1)",
        "Diurnal" => "named fields: Diurnal(mean: 500.0, amplitude: 0.5, period: \"24h\")",
        _ => {
            return format!(
                "{message}: named fields were expected here, e.g. (field: value, ...); see the README's scenario reference"
            );
        }
    };
    if word.is_empty() {
        return message;
    }
    format!("`{word}` expects {expected}")
}

/// The printed scenario without the `services` entries of components it does not have, left
/// at their defaults: only what the scenario uses is shown.
fn without_unused_services(body: &str, s: &Scenario) -> String {
    let conversion = matches!(&s.destination, Destination::S3(d) if d.format_conversion.is_some());
    let v = &s.services;
    // An entry the scenario set to other values stays (the warnings say it has no effect),
    // so that the output still reads back as the same scenario.
    let used = |name: &str| match name {
        "lambda" => s.transform.is_some() || v.lambda != LambdaService::default(),
        "redshift" => {
            matches!(s.destination, Destination::Redshift(_))
                || v.redshift != RedshiftService::default()
        }
        "opensearch" => {
            matches!(s.destination, Destination::OpenSearch(_))
                || v.opensearch != OpenSearchService::default()
        }
        "http_endpoint" => {
            matches!(s.destination, Destination::HttpEndpoint(_))
                || v.http_endpoint != HttpEndpointService::default()
        }
        "splunk" => {
            matches!(s.destination, Destination::Splunk(_)) || v.splunk != SplunkService::default()
        }
        "format_conversion" => {
            conversion || v.format_conversion != FormatConversionService::default()
        }
        _ => true,
    };
    let mut out = String::with_capacity(body.len());
    let mut in_services = false;
    let mut skipping = false;
    for line in body.lines() {
        if line == "    services: (" {
            in_services = true;
        } else if in_services && line == "    )," {
            in_services = false;
        }
        if skipping {
            // A skipped entry ends at the line that closes it at its own indent.
            if line.starts_with("        )") && !line.starts_with("         ") {
                skipping = false;
            }
            continue;
        }
        if in_services
            && let Some(name) = line
                .strip_prefix("        ")
                .filter(|r| !r.starts_with(' '))
                .and_then(|r| r.strip_suffix(": ("))
            && !used(name)
        {
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// The identifier that ends `s`.
fn last_word(s: &str) -> String {
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(s.len(), |(i, _)| i);
    s[start..].to_string()
}

/// The field or variant name before a value: `buffering_hints: (` and `LogNormal(` give the
/// name.
fn word_before(before: &str) -> String {
    let b = before.trim_end().trim_end_matches('(').trim_end();
    last_word(b.trim_end_matches(':').trim_end())
}
