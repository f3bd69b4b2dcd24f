//! The text and Markdown reports as one model: a heading, then sections, each a title and
//! blocks (tables, statements, duration summaries). `content.rs` fills it in from a run, once;
//! the renderers, [`super::text`] and [`super::markdown`], know layout only, nothing of
//! Firehose.
//!
//! Where the two reports say a thing differently the model holds both ways ([`Words`]), and a
//! block or section that only one report has is marked with the format that shows it: the
//! text report is wordier and sums up in sentences, Markdown has more tables.

use crate::outcome::ledger::DurationSummary;

/// The two layouts of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Plain text, aligned in columns.
    Text,
    /// Markdown.
    Markdown,
}

/// Words as each format puts them; mostly the same, the text report's sometimes longer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Words {
    /// In the text report.
    pub text: String,
    /// In Markdown.
    pub markdown: String,
}

impl Words {
    /// `text` in the text report, `markdown` in Markdown.
    pub(super) fn new(text: impl Into<String>, markdown: impl Into<String>) -> Words {
        Words {
            text: text.into(),
            markdown: markdown.into(),
        }
    }

    /// `short` in Markdown; the text report adds `more`.
    pub(super) fn more(short: &str, more: &str) -> Words {
        Words::new(format!("{short}{more}"), short)
    }
}

impl From<String> for Words {
    fn from(s: String) -> Words {
        Words::new(s.clone(), s)
    }
}

impl From<&str> for Words {
    fn from(s: &str) -> Words {
        Words::new(s, s)
    }
}

/// A whole report: the heading, then the sections in order.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    /// Scenario and seed.
    pub title: String,
    /// One sentence on what was simulated, without its full stop.
    pub intro: Words,
    /// One sentence on what happened to the data.
    pub verdict: String,
    /// The sections.
    pub sections: Vec<Section>,
}

/// A titled part of the report.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// Title. The text report's may carry the heads of the columns below it.
    pub title: Words,
    /// The one format that shows the section, if only one does.
    pub only: Option<Format>,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The one format that shows the block, if only one does.
    pub only: Option<Format>,
    /// What it shows.
    pub body: Body,
}

/// What a block shows.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// Rows in columns.
    Table(Table),
    /// Short statements without full stops: a line each in text, one sentence in Markdown.
    Statements(Vec<Words>),
    /// Summaries of durations in seconds (mean, percentiles, maximum), with names.
    Durations(Vec<(&'static str, DurationSummary)>),
}

/// Rows in columns.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// A line the text report sets above the rows (Markdown has the column heads instead).
    pub caption: Option<&'static str>,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, a cell per column.
    pub rows: Vec<Row>,
}

/// A column of a table.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// Head, in Markdown (text tables have none; their section's title may name the columns).
    pub head: &'static str,
    /// How the column lines up.
    pub align: Align,
}

/// How a column lines up: Markdown aligns left or right, text also pads to the width.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Align {
    /// Left, padded to a width.
    Left(usize),
    /// Right, padded to a width.
    Right(usize),
    /// Free text last in the row: in text, set off by three spaces and left out when empty.
    Note,
}

/// A row of a table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Cells, one per column.
    pub cells: Vec<Words>,
    /// A row to stand out (bold in Markdown, its label in capitals in text).
    pub strong: bool,
}

impl Row {
    /// A plain row.
    pub(super) fn new<const N: usize>(cells: [Words; N]) -> Row {
        Row {
            cells: cells.into(),
            strong: false,
        }
    }
}

impl From<Body> for Block {
    fn from(body: Body) -> Block {
        Block { only: None, body }
    }
}

impl From<Table> for Block {
    fn from(t: Table) -> Block {
        Body::Table(t).into()
    }
}

impl Body {
    /// This body in `format` only.
    pub(super) fn only(self, format: Format) -> Block {
        Block {
            only: Some(format),
            body: self,
        }
    }
}

impl Table {
    /// A table without a caption.
    pub(super) fn new(columns: Vec<Column>, rows: Vec<Row>) -> Table {
        Table {
            caption: None,
            columns,
            rows,
        }
    }

    /// A two-column table: labels and values.
    pub(super) fn pairs<K: Into<Words>, V: Into<Words>>(
        columns: [Column; 2],
        rows: impl IntoIterator<Item = (K, V)>,
    ) -> Table {
        let rows = rows
            .into_iter()
            .map(|(k, v)| Row::new([k.into(), v.into()]))
            .collect();
        Table::new(columns.into(), rows)
    }
}

/// The figures of a duration summary in the order both reports show them, with their heads.
pub(super) fn statistics(d: &DurationSummary) -> [(&'static str, f64); 6] {
    [
        ("mean", d.mean),
        ("p50", d.p50),
        ("p90", d.p90),
        ("p99", d.p99),
        ("p99.9", d.p999),
        ("max", d.max),
    ]
}

/// A column.
pub(super) fn col(head: &'static str, align: Align) -> Column {
    Column { head, align }
}

/// The label column of a table that only Markdown shows (no width to pad to).
pub(super) fn md_head(head: &'static str) -> Column {
    col(head, Align::Left(0))
}

/// A value column of a table that only Markdown shows.
pub(super) fn md_value(head: &'static str) -> Column {
    col(head, Align::Right(0))
}

/// A block of statements.
pub(super) fn statements(list: impl IntoIterator<Item = Words>) -> Body {
    Body::Statements(list.into_iter().collect())
}

/// A block of one statement.
pub(super) fn statement(s: String) -> Body {
    statements([s.into()])
}

impl Document {
    /// The sections that `format` shows.
    pub(super) fn sections(&self, format: Format) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(move |s| s.only.is_none_or(|f| f == format))
    }
}

impl Section {
    /// The blocks that `format` shows.
    pub(super) fn blocks(&self, format: Format) -> impl Iterator<Item = &Body> {
        self.blocks
            .iter()
            .filter(move |b| b.only.is_none_or(|f| f == format))
            .map(|b| &b.body)
    }

    /// A section both formats show.
    pub(super) fn new(title: impl Into<Words>, blocks: Vec<Block>) -> Section {
        Section {
            title: title.into(),
            only: None,
            blocks,
        }
    }
}
