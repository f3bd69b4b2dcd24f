//! Fields by path, as sweep files and properties name them: `faults[0].until` or
//! `destination.retry_options.duration_in_seconds` in a scenario (a sweep's axes), and
//! `records.skipped` in the JSON report (a sweep's outputs, and what a `check` property
//! compares).

use serde_json::Value as Json;

/// A field path: keys and list indices.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && steps.is_empty() {
            return Err(format!("`{path}`: a path starts with a field name"));
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("`{path}`: `[` without `]`"))?;
            let n = r[..close]
                .parse()
                .map_err(|_| format!("`{path}`: `{}` is not a list index", &r[..close]))?;
            steps.push(Step::Index(n));
            rest = &r[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("`{path}`: unexpected `{rest}`"));
        }
    }
    Ok(steps)
}

/// An enum variant in the scenario's JSON form: an object with one capitalised key.
fn variant(v: &Json) -> Option<&str> {
    match v {
        Json::Object(m) if m.len() == 1 => m
            .keys()
            .next()
            .filter(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(String::as_str),
        _ => None,
    }
}

/// Follows `path` into `v`, passing through enum variants (`S3(...)`, `Outage(...)`) as the
/// scenario file does.
fn lookup<'a>(v: &'a mut Json, path: &str) -> Result<&'a mut Json, String> {
    let mut cur = v;
    for step in parse_path(path)? {
        loop {
            let direct = match (&step, &*cur) {
                (Step::Key(k), Json::Object(m)) => m.contains_key(k),
                (Step::Index(_), Json::Array(_)) => true,
                _ => false,
            };
            if direct {
                break;
            }
            match variant(cur).map(str::to_string) {
                Some(name) => {
                    cur = cur
                        .get_mut(&name)
                        .ok_or_else(|| format!("`{path}`: no field here"))?;
                }
                None => {
                    return Err(match step {
                        Step::Key(k) => {
                            let list: Vec<&str> = cur
                                .as_object()
                                .map(|m| m.keys().map(String::as_str).collect())
                                .unwrap_or_default();
                            format!(
                                "`{path}`: the scenario has no field `{k}` there{} (fields there: {})",
                                did_you_mean(&k, list.iter().copied()),
                                list.join(", ")
                            )
                        }
                        Step::Index(i) => format!("`{path}`: [{i}] is not a list element there"),
                    });
                }
            }
        }
        cur = match step {
            Step::Key(k) => cur
                .get_mut(&k)
                .ok_or_else(|| format!("`{path}`: no field `{k}`"))?,
            Step::Index(i) => {
                let len = cur.as_array().map_or(0, Vec::len);
                cur.get_mut(i).ok_or_else(|| {
                    format!("`{path}`: index {i} is out of range (the list has {len})")
                })?
            }
        };
    }
    Ok(cur)
}

/// Sets the field at `path` of a scenario in its JSON form to `value`.
pub(super) fn set(scenario: &mut Json, path: &str, value: &ron::Value) -> Result<(), String> {
    *lookup(scenario, path)? = to_json(value);
    Ok(())
}

fn to_json(v: &ron::Value) -> Json {
    match v {
        ron::Value::Bool(b) => Json::Bool(*b),
        ron::Value::Char(c) => Json::String(c.to_string()),
        ron::Value::String(s) => Json::String(s.clone()),
        ron::Value::Number(n) => {
            let f = n.into_f64();
            if f == f.trunc() && f.abs() < 9e15 {
                Json::from(f as i64)
            } else {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
        }
        ron::Value::Option(o) => o.as_deref().map_or(Json::Null, to_json),
        ron::Value::Seq(s) => Json::Array(s.iter().map(to_json).collect()),
        ron::Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ron::Value::String(s) => s.clone(),
                        other => label(other),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        ron::Value::Unit | ron::Value::Bytes(_) => Json::Null,
    }
}

/// A value as written in tables and charts.
pub fn label(v: &ron::Value) -> String {
    match v {
        ron::Value::String(s) => s.clone(),
        ron::Value::Number(n) => {
            let f = n.into_f64();
            if f == f.trunc() && f.abs() < 9e15 {
                format!("{}", f as i64)
            } else {
                format!("{f}")
            }
        }
        other => format!("{}", to_json(other)),
    }
}

/// `; did you mean `x`?` for the key of `keys` nearest to `k` (strsim: an edit distance of at
/// most a third of its length, or a key that starts with it), or nothing.
pub fn did_you_mean<'a>(k: &str, keys: impl IntoIterator<Item = &'a str>) -> String {
    keys.into_iter()
        .map(|c| {
            let d = strsim::damerau_levenshtein(k, c);
            let close = d <= 2.max(c.len() / 3) || (k.len() >= 3 && c.starts_with(k));
            (close, d, c)
        })
        .filter(|(close, _, _)| *close)
        .min_by_key(|(_, d, _)| *d)
        .map_or(String::new(), |(_, _, c)| format!("; did you mean `{c}`?"))
}

/// A field of the JSON report as a number.
pub fn output(report: &Json, path: &str) -> Result<f64, String> {
    let mut cur = report;
    for step in parse_path(path)? {
        cur = match step {
            Step::Key(k) => cur.get(&k).ok_or_else(|| {
                // The nearest field at that level (strsim), and the fields there.
                let list: Vec<&str> = cur
                    .as_object()
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let mean = did_you_mean(&k, list.iter().copied());
                format!(
                    "output `{path}`: the report has no field `{k}` there{mean} (fields there: {})",
                    list.join(", ")
                )
            })?,
            Step::Index(i) => cur
                .get(i)
                .ok_or_else(|| format!("output `{path}`: no element {i}"))?,
        };
    }
    match cur {
        Json::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("output `{path}` is not a number")),
        Json::Null => Ok(0.0),
        _ => Err(format!("output `{path}` is not a number but {cur}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("faults[0].until").unwrap(),
            vec![
                Step::Key("faults".into()),
                Step::Index(0),
                Step::Key("until".into())
            ]
        );
        assert!(parse_path("a[x]").is_err());
    }
}
