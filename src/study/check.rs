//! Property checks for users' CI: a small language of properties over report fields, and a
//! search of fault schedules that stops at the first violation and shrinks it to a minimal one
//! with proptest's runner.

use super::fields::output;
use crate::report::Report;
use crate::scenario::{Fault, Scenario};
use crate::testing::{FaultSpace, fault_schedules, with_faults};
use crate::{RunOptions, simulate};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use rayon::prelude::*;
use serde_json::Value as Json;
use std::cell::Cell;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A parsed property.
#[derive(Debug, Clone, PartialEq)]
pub enum Property {
    /// `field op value`; `col` is where the field starts (1-based).
    Cmp {
        /// Path into the JSON report.
        field: String,
        /// Column of the field in the text.
        col: usize,
        /// Operator.
        op: Op,
        /// Value (durations in seconds).
        value: f64,
    },
    /// Both hold.
    And(Box<Property>, Box<Property>),
    /// Either holds.
    Or(Box<Property>, Box<Property>),
}

/// The named shortcuts and what they mean.
pub const SHORTCUTS: [(&str, &str); 4] = [
    ("no-loss", "records.lost == 0"),
    ("no-skip", "records.skipped == 0"),
    ("no-duplicates", "records.duplicates == 0"),
    ("no-discard", "records.discarded == 0"),
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(String),
    Num(f64),
    Op(Op),
    And,
    Or,
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<(Tok, usize)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op = match two.as_str() {
            "==" => Some((Tok::Op(Op::Eq), 2)),
            "!=" => Some((Tok::Op(Op::Ne), 2)),
            "<=" => Some((Tok::Op(Op::Le), 2)),
            ">=" => Some((Tok::Op(Op::Ge), 2)),
            "&&" => Some((Tok::And, 2)),
            "||" => Some((Tok::Or, 2)),
            _ => match c {
                '<' => Some((Tok::Op(Op::Lt), 1)),
                '>' => Some((Tok::Op(Op::Gt), 1)),
                '(' => Some((Tok::Open, 1)),
                ')' => Some((Tok::Close, 1)),
                _ => None,
            },
        };
        if let Some((t, n)) = op {
            out.push((t, col));
            i += n;
            continue;
        }
        if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '"')
                .ok_or_else(|| format!("column {col}: a quoted duration is not closed"))?;
            let s: String = chars[i + 1..i + 1 + end].iter().collect();
            out.push((Tok::Num(duration_secs(&s, col)?), col));
            i += end + 2;
            continue;
        }
        if c == '=' {
            return Err(format!(
                "column {col}: `=` is not a comparison: use == to compare"
            ));
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric()
                || matches!(chars[i], '_' | '.' | '[' | ']' | '-' | '+'))
        {
            i += 1;
        }
        if i == start {
            return Err(format!("column {col}: unexpected `{c}`"));
        }
        let word: String = chars[start..i].iter().collect();
        if word.starts_with(|x: char| x.is_ascii_digit() || x == '-' || x == '.') {
            let v = match word.parse::<f64>() {
                Ok(v) => v,
                Err(_) => duration_secs(&word, col)?,
            };
            out.push((Tok::Num(v), col));
        } else {
            out.push((Tok::Field(word), col));
        }
    }
    Ok(out)
}

fn duration_secs(s: &str, col: usize) -> Result<f64, String> {
    crate::engine::SimDuration::parse(s)
        .map(|d| d.as_secs_f64())
        .map_err(|e| format!("column {col}: `{s}` is neither a number nor a duration ({e})"))
}

/// The longest property, in characters: a property is a few comparisons, and every step on
/// it (parse, check, evaluate) stays shallow and fast within this.
pub const MAX_PROPERTY_CHARS: usize = 4_096;
/// The deepest nesting of parentheses in a property.
pub const MAX_PROPERTY_DEPTH: usize = 32;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
    /// Parentheses open at the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.1)
    }
    fn or(&mut self) -> Result<Property, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            left = Property::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Property, String> {
        let mut left = self.atom()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            left = Property::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }
    fn atom(&mut self) -> Result<Property, String> {
        let col = self.col();
        match self.toks.get(self.pos).cloned() {
            Some((Tok::Open, _)) => {
                self.depth += 1;
                if self.depth > MAX_PROPERTY_DEPTH {
                    return Err(format!(
                        "column {col}: parentheses nested {} deep: allowed at most {MAX_PROPERTY_DEPTH}",
                        self.depth
                    ));
                }
                self.pos += 1;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(format!("column {}: expected `)`", self.col()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some((Tok::Field(field), _)) => {
                self.pos += 1;
                // A shortcut (`no-skip`) is a comparison of its own, also inside && and ||.
                if !matches!(self.peek(), Some(Tok::Op(_)))
                    && let Some((_, expr)) = SHORTCUTS.iter().find(|(name, _)| *name == field)
                    && let Some((f, v)) = expr.split_once(" == ")
                {
                    return Ok(Property::Cmp {
                        field: f.to_string(),
                        col,
                        op: Op::Eq,
                        value: v.parse().unwrap_or(0.0),
                    });
                }
                let op = match self.peek() {
                    Some(Tok::Op(op)) => *op,
                    next => {
                        // A misspelt shortcut, or a word where && or || belongs.
                        let shortcut = if field.starts_with("no") && !field.contains('.') {
                            super::fields::did_you_mean(&field, SHORTCUTS.iter().map(|(n, _)| *n))
                        } else {
                            String::new()
                        };
                        let word = match next {
                            Some(Tok::Field(w)) if w == "and" || w == "or" => {
                                "; join comparisons with && (and) or || (or)"
                            }
                            _ => "",
                        };
                        return Err(format!(
                            "column {}: expected a comparison (==, !=, <, <=, >, >=) after `{field}`{shortcut}{word}",
                            self.col()
                        ));
                    }
                };
                self.pos += 1;
                let value = match self.peek() {
                    Some(Tok::Num(v)) => *v,
                    _ => {
                        return Err(format!(
                            "column {}: expected a number or a duration such as \"15m\"",
                            self.col()
                        ));
                    }
                };
                self.pos += 1;
                Ok(Property::Cmp {
                    field,
                    col,
                    op,
                    value,
                })
            }
            _ => Err(format!("column {col}: expected a report field or `(`")),
        }
    }
}

impl Property {
    /// Parses a property or a named shortcut (`no-loss`, `no-skip`, `no-duplicates`,
    /// `no-discard`): at most [`MAX_PROPERTY_CHARS`] characters and [`MAX_PROPERTY_DEPTH`]
    /// levels of parentheses, so that no step on it recurses deeply.
    pub fn parse(text: &str) -> Result<Property, String> {
        let chars = text.chars().count();
        if chars > MAX_PROPERTY_CHARS {
            return Err(format!(
                "column {}: the property is {chars} characters long: allowed at most {MAX_PROPERTY_CHARS}",
                MAX_PROPERTY_CHARS + 1
            ));
        }
        let toks = tokens(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end_col: chars + 1,
            depth: 0,
        };
        let prop = p.or()?;
        if p.pos < p.toks.len() {
            let hint = match p.peek() {
                Some(Tok::Field(w)) if w == "and" || w == "or" => {
                    ": join comparisons with && (and) or || (or)"
                }
                _ => "",
            };
            return Err(format!(
                "column {}: unexpected text after the property{hint}",
                p.col()
            ));
        }
        Ok(prop)
    }

    /// Every (field, column) it reads.
    pub fn fields(&self) -> Vec<(String, usize)> {
        match self {
            Property::Cmp { field, col, .. } => vec![(field.clone(), *col)],
            Property::And(a, b) | Property::Or(a, b) => {
                let mut v = a.fields();
                v.extend(b.fields());
                v
            }
        }
    }

    /// Checks every field against a report's shape: an unknown field is an error at its column.
    pub fn check_fields(&self, report: &Json) -> Result<(), String> {
        for (f, col) in self.fields() {
            output(report, &f).map_err(|e| format!("column {col}: {e}"))?;
        }
        Ok(())
    }

    /// Whether the report satisfies the property.
    pub fn holds(&self, report: &Json) -> Result<bool, String> {
        Ok(match self {
            Property::Cmp {
                field, op, value, ..
            } => {
                let v = output(report, field)?;
                match op {
                    Op::Eq => v == *value,
                    Op::Ne => v != *value,
                    Op::Lt => v < *value,
                    Op::Le => v <= *value,
                    Op::Gt => v > *value,
                    Op::Ge => v >= *value,
                }
            }
            Property::And(a, b) => a.holds(report)? && b.holds(report)?,
            Property::Or(a, b) => a.holds(report)? || b.holds(report)?,
        })
    }
}

/// A fault as one line: kind, target, window and its parameter.
pub fn describe(f: &Fault) -> String {
    let (from, until) = f.window();
    let window = if until.0 == u64::MAX {
        format!("from {from}, no end")
    } else {
        format!(
            "from {from} until {until} ({})",
            crate::engine::SimDuration(until.0 - from.0)
        )
    };
    let param = match f {
        Fault::Errors { probability, .. } | Fault::AckLost { probability, .. } => {
            format!(", probability {probability}")
        }
        Fault::Slow { factor, .. } => format!(", calls {factor}x as long"),
        Fault::Throttle { factor, .. } => format!(", quota or concurrency x{factor}"),
        Fault::Outage { .. } => String::new(),
    };
    format!("{} on {:?} {window}{param}", f.kind(), f.target())
}

/// A schedule that breaks the property.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The minimal generated faults (after shrinking).
    pub faults: Vec<Fault>,
    /// The scenario with them added: what the replay file holds.
    pub scenario: Scenario,
    /// The report of that scenario.
    pub report: Json,
    /// The property's fields and their values in that report.
    pub values: Vec<(String, f64)>,
}

/// The property's fields and their values in `report` (`NaN` where a field has none).
fn field_values(property: &Property, report: &Json) -> Vec<(String, f64)> {
    property
        .fields()
        .into_iter()
        .map(|(f, _)| {
            let v = output(report, &f).unwrap_or(f64::NAN);
            (f, v)
        })
        .collect()
}

/// The violation that the generated `faults` make of `property` on `base`: the scenario with
/// them (what the replay file holds), its report and the property's values in it.
pub fn violation_of(
    base: &Scenario,
    property: &Property,
    faults: Vec<Fault>,
) -> Result<Violation, String> {
    let scenario = with_faults(base, &faults);
    let report = report_of(&scenario)?;
    let values = field_values(property, &report);
    Ok(Violation {
        faults,
        scenario: Scenario {
            check: None,
            ..scenario
        },
        report,
        values,
    })
}

/// The result of a check.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Cases run before stopping (not counting shrinking).
    pub cases: u32,
    /// The first violation found, shrunk; `None` when every case held.
    pub violation: Option<Violation>,
}

fn report_of(s: &Scenario) -> Result<Json, String> {
    let out = simulate(s, &RunOptions::default())?;
    serde_json::to_value(Report::new(&out)).map_err(|e| e.to_string())
}

/// Runs `base` under up to `cases` fault schedules drawn from `space` with `seed`, stops at the
/// first that breaks `property`, and shrinks it. The same seed gives the same result.
pub fn run(
    base: &Scenario,
    property: &Property,
    space: &FaultSpace,
    cases: u32,
    seed: u64,
) -> Result<CheckOutcome, String> {
    run_slice(base, property, space, cases, seed, None)
}

/// [`run`] over slice `(k, n)` of the cases only: those whose number (0-based, in the order
/// the search draws them) is `k` modulo `n`. The first violation of the slice is shrunk as the
/// whole search would shrink it, and `cases` counts up to it in the whole search's numbering,
/// so that the slice with the smallest count holds the whole search's violation (see
/// [`super::shards`]). Without a violation `cases` is the whole search's count.
pub fn run_slice(
    base: &Scenario,
    property: &Property,
    space: &FaultSpace,
    cases: u32,
    seed: u64,
    slice: Option<(usize, usize)>,
) -> Result<CheckOutcome, String> {
    property.check_fields(&report_of(&Scenario {
        duration: crate::engine::SimDuration::from_secs(1),
        ..base.clone()
    })?)?;
    // A scenario that breaks the property on its own needs no added fault.
    let own = report_of(base)?;
    if !property.holds(&own)? {
        let values = field_values(property, &own);
        return Ok(CheckOutcome {
            cases: 0,
            violation: Some(Violation {
                faults: Vec::new(),
                scenario: Scenario {
                    check: None,
                    ..base.clone()
                },
                report: own,
                values,
            }),
        });
    }
    let config = Config {
        cases,
        max_shrink_iters: 4096,
        failure_persistence: None,
        max_global_rejects: 100_000,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = (seed.rotate_left((i * 8) as u32 % 64) >> (i % 8)) as u8 ^ (i as u8).wrapping_mul(31);
    }
    let runner = || {
        TestRunner::new_with_rng(
            config.clone(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &key),
        )
    };
    let strategy = fault_schedules(space);
    // The cases in the order the runner draws them (its draws do not depend on the results),
    // run in parallel in blocks, in order: the first that breaks the property is the one a
    // case-by-case search stops at.
    let drawn = std::cell::RefCell::new(Vec::new());
    let _ = runner().run(&strategy, |faults| {
        drawn.borrow_mut().push(faults);
        Ok(())
    });
    let drawn = drawn.into_inner();
    let breaks = |faults: &Vec<Fault>| -> bool {
        report_of(&with_faults(base, faults))
            .and_then(|r| property.holds(&r))
            .map_or(true, |holds| !holds)
    };
    let block = 2 * rayon::current_num_threads().max(1);
    let mine: Vec<usize> = match slice {
        Some((k, n)) => (k..drawn.len()).step_by(n.max(1)).collect(),
        None => (0..drawn.len()).collect(),
    };
    let first_broken = mine.chunks(block).find_map(|chunk| {
        let broken: Vec<bool> = chunk.par_iter().map(|&i| breaks(&drawn[i])).collect();
        broken.iter().position(|&x| x).map(|j| chunk[j])
    });
    let Some(first_broken) = first_broken else {
        return Ok(CheckOutcome {
            cases: drawn.len() as u32,
            violation: None,
        });
    };
    // The same search again, skipping the cases known to hold, so that the violation is
    // shrunk exactly as a case-by-case search shrinks it.
    let tried = Cell::new(0u32);
    let shrinking = Cell::new(false);
    let result = runner().run(&strategy, |faults| {
        if !shrinking.get() {
            tried.set(tried.get() + 1);
            if (tried.get() as usize) <= first_broken {
                return Ok(());
            }
        }
        let s = with_faults(base, &faults);
        let report = report_of(&s).map_err(TestCaseError::fail)?;
        match property.holds(&report) {
            Ok(true) => Ok(()),
            Ok(false) => {
                shrinking.set(true);
                Err(TestCaseError::fail("property violated"))
            }
            Err(e) => Err(TestCaseError::fail(e)),
        }
    });
    match result {
        Ok(()) => Ok(CheckOutcome {
            cases: tried.get(),
            violation: None,
        }),
        Err(TestError::Fail(_, faults)) => Ok(CheckOutcome {
            cases: tried.get(),
            violation: Some(violation_of(base, property, faults)?),
        }),
        Err(TestError::Abort(reason)) => Err(format!("the search stopped: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, col: usize, op: Op, value: f64) -> Property {
        Property::Cmp {
            field: field.into(),
            col,
            op,
            value,
        }
    }

    /// `&&` binds tighter than `||`; parentheses override; durations are seconds.
    #[test]
    fn precedence_parentheses_and_durations() {
        let p = Property::parse("a == 1 || b < 2 && c >= \"15m\"").unwrap();
        assert_eq!(
            p,
            Property::Or(
                Box::new(cmp("a", 1, Op::Eq, 1.0)),
                Box::new(Property::And(
                    Box::new(cmp("b", 11, Op::Lt, 2.0)),
                    Box::new(cmp("c", 20, Op::Ge, 900.0))
                ))
            )
        );
        let text = "(a == 1 || b < 2) && c != 1h30m";
        let q = Property::parse(text).unwrap();
        assert!(matches!(q, Property::And(_, _)));
        assert_eq!(
            q.fields()[2],
            ("c".to_string(), text.find('c').unwrap() + 1)
        );
        let json = serde_json::json!({"a": 2, "b": 1, "c": 5400});
        assert!(!q.holds(&json).unwrap());
        assert!(
            Property::parse("a == 2 && c == 1h30m")
                .unwrap()
                .holds(&json)
                .unwrap()
        );
        assert_eq!(
            Property::parse("no-skip").unwrap(),
            cmp("records.skipped", 1, Op::Eq, 0.0)
        );
        // Shortcuts are terms of larger properties too.
        assert_eq!(
            Property::parse("no-skip && latency_seconds.p99 <= 3600").unwrap(),
            Property::And(
                Box::new(cmp("records.skipped", 1, Op::Eq, 0.0)),
                Box::new(cmp("latency_seconds.p99", 12, Op::Le, 3600.0))
            )
        );
    }

    /// Syntax errors name the column.
    #[test]
    fn syntax_errors_have_a_column() {
        for (text, col) in [
            ("records.lost = 0", "column 14"),
            ("records.lost == ", "column 17"),
            ("(records.lost == 0", "column 19"),
            ("records.lost == 0 &&", "column 21"),
            ("records.lost == 0 x", "column 19"),
            ("records.lost == \"5 parsecs\"", "column 17"),
            ("== 3", "column 1"),
        ] {
            let e = Property::parse(text).unwrap_err();
            assert!(e.starts_with(col), "{text}: {e}");
        }
    }
}
