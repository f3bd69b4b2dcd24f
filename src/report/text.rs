//! The text report, what an architect pastes into a design review: the sections of
//! [`super::sections`] as plain text, aligned in columns.

use super::sections::{Align, Body, Document, Format, Table, statistics};
use crate::model::RunOutput;
use crate::outcome::ledger::DurationSummary;
use std::fmt::Write;

/// The plain-text report.
pub fn text(out: &RunOutput) -> String {
    render(&Document::new(out))
}

fn render(doc: &Document) -> String {
    let mut s = format!(
        "firehose-sim: {}\n{}.\n\n{}\n",
        doc.title, doc.intro.text, doc.verdict
    );
    for section in doc.sections(Format::Text) {
        let _ = writeln!(s, "\n{}", section.title.text);
        for body in section.blocks(Format::Text) {
            match body {
                Body::Table(t) => table(&mut s, t),
                Body::Statements(list) => {
                    for line in list {
                        let _ = writeln!(s, "  {}", line.text);
                    }
                }
                Body::Durations(list) => {
                    for (_, d) in list {
                        durations(&mut s, d);
                    }
                }
            }
        }
    }
    s
}

/// Cells padded to their column's width, a space apart; a caption sets the rows in further.
fn table(s: &mut String, t: &Table) {
    let indent = match t.caption {
        Some(c) => {
            let _ = writeln!(s, "  {c}:");
            "    "
        }
        None => "  ",
    };
    for row in &t.rows {
        s.push_str(indent);
        for (i, (column, cell)) in t.columns.iter().zip(&row.cells).enumerate() {
            // No bold in plain text: a strong row's label is in capitals.
            let word = if row.strong && i == 0 {
                cell.text.to_uppercase()
            } else {
                cell.text.clone()
            };
            let gap = if i == 0 { "" } else { " " };
            let _ = match column.align {
                Align::Left(w) => write!(s, "{gap}{word:<w$}"),
                Align::Right(w) => write!(s, "{gap}{word:>w$}"),
                Align::Note if word.is_empty() => Ok(()),
                Align::Note => write!(s, "   {word}"),
            };
        }
        s.push('\n');
    }
}

/// Three aligned lines: the heads, seconds, then the same in readable form.
fn durations(s: &mut String, d: &DurationSummary) {
    let figures = statistics(d);
    let _ = write!(s, "  {:<9}", "");
    for (head, _) in figures {
        let _ = write!(s, "{head:>11}");
    }
    let _ = write!(s, "\n  {:<9}", "seconds");
    for (_, v) in figures {
        let _ = write!(s, "{v:>11.3}");
    }
    let _ = write!(s, "\n  {:<9}", "");
    for (_, v) in figures {
        let _ = write!(s, "{:>11}", super::short(v));
    }
    s.push('\n');
}
