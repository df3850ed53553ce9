//! The page model the templates render: cards, sections, tables and fact lists, all plain text (the
//! templates escape it). Tables are built from typed rows with one closure per column, so a column
//! names a field the compiler knows; there is no lookup by field name and no default for a missing one.
use serde::Serialize;

use crate::format::Unit;

/// A headline number.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub label: String,
    pub value: String,
    pub note: Option<String>,
}

impl Card {
    pub fn new(label: &str, value: String) -> Card {
        Card { label: label.to_string(), value, note: None }
    }

    pub fn note(mut self, note: impl Into<String>) -> Card {
        self.note = Some(note.into());
        self
    }
}

/// A table cell: its text and whether it is a number (right-aligned).
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub numeric: bool,
}

/// A table, possibly showing only the first rows of a longer list.
#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    pub columns: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
    pub shown: usize,
    pub total: usize,
}

/// One section of a report: a heading, an optional sentence, charts (SVG markup from [`crate::svg`],
/// which escapes its own text), tables and key/value facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub title: String,
    pub intro: Option<String>,
    pub charts: Vec<String>,
    pub tables: Vec<TableView>,
    pub facts: Vec<(String, String)>,
    /// The anchor of the section: the result field it shows.
    pub key: String,
}

impl Section {
    pub fn new(key: &str, title: &str) -> Section {
        Section { title: title.to_string(), key: key.to_string(), ..Section::default() }
    }

    pub fn intro(mut self, s: impl Into<String>) -> Section {
        self.intro = Some(s.into());
        self
    }

    /// "None found in this data." when `empty`.
    pub fn empty_note(self, empty: bool) -> Section {
        if empty { self.intro("None found in this data.") } else { self }
    }

    pub fn chart(mut self, svg: String) -> Section {
        self.charts.push(svg);
        self
    }

    pub fn table(mut self, t: TableView) -> Section {
        self.tables.push(t);
        self
    }

    pub fn facts(mut self, f: Vec<(String, String)>) -> Section {
        self.facts.extend(f);
        self
    }
}

/// A (label, text) fact.
pub fn fact(label: &str, text: impl Into<String>) -> (String, String) {
    (label.to_string(), text.into())
}

/// How a column turns a row into a cell.
type CellFn<'a, T> = Box<dyn Fn(&T) -> Cell + 'a>;

/// A table of typed rows under construction: `Table::new(&rows, 25).text("Model", |r| r.model.clone())
/// .num("Cost", Unit::Usd, |r| r.cost_usd)`, then [`Table::view`].
pub struct Table<'a, T> {
    rows: &'a [T],
    limit: usize,
    columns: Vec<(String, bool, CellFn<'a, T>)>,
}

impl<'a, T> Table<'a, T> {
    /// A table of the first `limit` of `rows`.
    pub fn new(rows: &'a [T], limit: usize) -> Table<'a, T> {
        Table { rows, limit, columns: Vec::new() }
    }

    /// A left-aligned text column.
    pub fn text(mut self, header: &str, f: impl Fn(&T) -> String + 'a) -> Table<'a, T> {
        self.columns.push((header.into(), false, Box::new(move |r| Cell { text: f(r), numeric: false })));
        self
    }

    /// A number formatted in `unit`.
    pub fn num(mut self, header: &str, unit: Unit, f: impl Fn(&T) -> f64 + 'a) -> Table<'a, T> {
        self.columns.push((header.into(), true, Box::new(move |r| Cell { text: unit.full(f(r)), numeric: true })));
        self
    }

    /// A count.
    pub fn count(self, header: &str, f: impl Fn(&T) -> u64 + 'a) -> Table<'a, T> {
        self.num(header, Unit::Count, move |r| f(r) as f64)
    }

    /// A number that may be absent (shown as a dash).
    pub fn opt(mut self, header: &str, unit: Unit, f: impl Fn(&T) -> Option<f64> + 'a) -> Table<'a, T> {
        self.columns.push((
            header.into(),
            true,
            Box::new(move |r| Cell { text: f(r).map_or_else(|| "–".to_string(), |x| unit.full(x)), numeric: true }),
        ));
        self
    }

    pub fn view(self) -> TableView {
        let rows: Vec<Vec<Cell>> =
            self.rows.iter().take(self.limit).map(|r| self.columns.iter().map(|(_, _, f)| f(r)).collect()).collect();
        TableView {
            columns: self.columns.iter().map(|(h, numeric, _)| Cell { text: h.clone(), numeric: *numeric }).collect(),
            shown: rows.len(),
            total: self.rows.len(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        model: &'static str,
        p50_latency_ms: f64,
        calls: u64,
        share: Option<f64>,
    }

    #[test]
    fn typed_tables_format_by_unit_and_count_what_they_cut() {
        let rows: Vec<Row> = (0..100)
            .map(|i| Row { model: "m", p50_latency_ms: 812.0, calls: 1000 + i, share: (i > 0).then_some(12.5) })
            .collect();
        let t = Table::new(&rows, 25)
            .text("Model", |r| r.model.to_string())
            .num("p50 latency", Unit::Ms, |r| r.p50_latency_ms)
            .count("Calls", |r| r.calls)
            .opt("Share", Unit::Pct, |r| r.share)
            .view();
        assert_eq!((t.shown, t.total), (25, 100));
        assert_eq!(t.columns[1].text, "p50 latency");
        assert!(!t.columns[0].numeric && t.columns[1].numeric);
        assert_eq!(t.rows[0].iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["m", "812 ms", "1,000", "–"]);
        assert_eq!(t.rows[1][3].text, "12.5%");
    }
}
