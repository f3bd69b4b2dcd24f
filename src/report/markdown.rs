//! The Markdown report, for design documents: the sections of [`super::sections`] as
//! Markdown headings, tables and paragraphs.

use super::sections::{
    Align, Body, Document, Format, Row, Table, Words, md_head, md_value, statistics,
};
use crate::model::RunOutput;
use std::fmt::Write;

/// The Markdown report.
pub fn markdown(out: &RunOutput) -> String {
    render(&Document::new(out))
}

fn render(doc: &Document) -> String {
    let mut s = format!(
        "# {}\n\n**{}**\n\n{}.\n",
        doc.title, doc.verdict, doc.intro.markdown
    );
    for section in doc.sections(Format::Markdown) {
        let _ = writeln!(s, "\n## {}", section.title.markdown);
        for body in section.blocks(Format::Markdown) {
            s.push('\n');
            match body {
                Body::Table(t) => table(&mut s, t),
                Body::Statements(list) => {
                    let parts: Vec<&str> = list.iter().map(|w| w.markdown.as_str()).collect();
                    let _ = writeln!(s, "{}.", parts.join("; "));
                }
                Body::Durations(list) => {
                    let mut columns = vec![md_head("")];
                    let mut rows = Vec::new();
                    for (name, d) in list {
                        let figures = statistics(d);
                        if rows.is_empty() {
                            columns.extend(figures.iter().map(|(head, _)| md_value(head)));
                        }
                        let mut cells = vec![Words::from(*name)];
                        cells.extend(figures.iter().map(|(_, v)| format!("{v:.3} s").into()));
                        rows.push(Row {
                            cells,
                            strong: false,
                        });
                    }
                    table(&mut s, &Table::new(columns, rows));
                }
            }
        }
    }
    s
}

/// `| a | b |`, with an empty cell as `| |`.
fn line<'a>(s: &mut String, cells: impl Iterator<Item = &'a str>) {
    s.push('|');
    for c in cells {
        if c.is_empty() {
            s.push_str(" |");
        } else {
            let _ = write!(s, " {c} |");
        }
    }
    s.push('\n');
}

/// The heads, the alignment row, then the rows; a strong row's cells (but its note) in bold.
fn table(s: &mut String, t: &Table) {
    line(s, t.columns.iter().map(|c| c.head));
    s.push('|');
    for c in &t.columns {
        s.push_str(match c.align {
            Align::Right(_) => "---:|",
            Align::Left(_) | Align::Note => "---|",
        });
    }
    s.push('\n');
    for row in &t.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .zip(&t.columns)
            .map(|(cell, c)| {
                let w = &cell.markdown;
                if row.strong && !w.is_empty() && !matches!(c.align, Align::Note) {
                    format!("**{w}**")
                } else {
                    w.clone()
                }
            })
            .collect();
        line(s, cells.iter().map(String::as_str));
    }
}
