//! The page model the templates render (everything here is plain text; the templates escape it), and
//! helpers that turn analysis JSON into cards, tables and fact lists.
use serde::Serialize;
use serde_json::Value;

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
    /// The JSON field this section shows (for the "every section is rendered" check).
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

/// `a.b.c` inside a JSON value (Null when missing).
pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Object(m) => m.get(part).unwrap_or(&Value::Null),
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    cur
}

/// A number at `path` (0 when missing or not a number).
pub fn num(v: &Value, path: &str) -> f64 {
    at(v, path).as_f64().unwrap_or(0.0)
}

/// Text at `path` (numbers printed, empty when missing).
pub fn text(v: &Value, path: &str) -> String {
    match at(v, path) {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The array at `path` (empty when missing).
pub fn list<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    at(v, path).as_array().map_or(&[], |a| a.as_slice())
}

/// `error_rate_pct` → `Error rate %`.
pub fn humanize(key: &str) -> String {
    let words: Vec<String> = key
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "usd" => "$".to_string(),
            "pct" => "%".to_string(),
            "ms" => "(ms)".to_string(),
            "id" => "ID".to_string(),
            "p50" | "p95" | "p99" | "hhi" | "sla" | "ttft" => w.to_uppercase(),
            "1k" => "1K".to_string(),
            _ => w.to_string(),
        })
        .collect();
    let s = words.join(" ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// A JSON value as table text, formatted by its field name.
pub fn cell(key: &str, v: &Value) -> Cell {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            let unit = Unit::of_key(key);
            let text = if unit == Unit::Count && n.is_f64() && x.fract() != 0.0 {
                crate::format::compact(x)
            } else if key.ends_with("_ms") && (key == "first_ms" || key == "last_ms") {
                iso_ms(x as i64)
            } else {
                unit.full(x)
            };
            Cell { text, numeric: true }
        }
        Value::String(s) => Cell { text: s.clone(), numeric: false },
        Value::Bool(b) => Cell { text: if *b { "yes" } else { "no" }.to_string(), numeric: false },
        Value::Null => Cell { text: "–".to_string(), numeric: false },
        Value::Array(a) => Cell { text: compact_list(a), numeric: false },
        Value::Object(_) => Cell { text: v.to_string(), numeric: false },
    }
}

fn iso_ms(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `[["a", 1], ["b", 2]]` → `a: 1, b: 2`; other lists joined with commas (at most 12 items).
fn compact_list(a: &[Value]) -> String {
    let mut parts: Vec<String> = a
        .iter()
        .take(12)
        .map(|x| match x {
            Value::Array(pair) if pair.len() == 2 => format!("{}: {}", plain(&pair[0]), plain(&pair[1])),
            other => plain(other),
        })
        .collect();
    if a.len() > 12 {
        parts.push(format!("… {} more", a.len() - 12));
    }
    parts.join(", ")
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => crate::format::compact(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// A table of the first `limit` objects of `items`, with `columns` (all scalar fields when empty).
pub fn table(items: &[Value], columns: &[&str], limit: usize) -> TableView {
    let cols: Vec<String> = if columns.is_empty() {
        // Names and labels first, then the numbers (JSON objects come back in alphabetical order).
        let mut fields: Vec<(bool, String)> = items
            .first()
            .and_then(Value::as_object)
            .map(|o| o.iter().filter(|(_, v)| !v.is_object()).map(|(k, v)| (v.is_number(), k.clone())).collect())
            .unwrap_or_default();
        fields.sort_by_key(|f| f.0);
        fields.into_iter().map(|f| f.1).collect()
    } else {
        columns.iter().map(|c| c.to_string()).collect()
    };
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .take(limit)
        .map(|item| match item {
            Value::Object(_) => cols.iter().map(|c| cell(c, at(item, c))).collect(),
            Value::Array(pair) => {
                pair.iter().enumerate().map(|(i, v)| cell(if i == 0 { "key" } else { "calls" }, v)).collect()
            }
            other => vec![cell("value", other)],
        })
        .collect();
    let numeric: Vec<bool> =
        (0..cols.len()).map(|i| rows.first().and_then(|r| r.get(i)).is_some_and(|c| c.numeric)).collect();
    TableView {
        columns: cols.iter().zip(numeric).map(|(c, n)| Cell { text: humanize(c), numeric: n }).collect(),
        shown: rows.len(),
        total: items.len(),
        rows,
    }
}

/// Scalar fields of an object as (label, formatted value) pairs.
pub fn facts_of(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, x)| !x.is_object() && !x.is_array())
                .map(|(k, x)| (humanize(k), cell(k, x).text))
                .collect()
        })
        .unwrap_or_default()
}

/// A section for a field no report layout claims: a table for a list, facts for an object.
pub fn generic_section(key: &str, v: &Value) -> Option<Section> {
    let title = humanize(key);
    match v {
        Value::Array(items)
            if items.iter().any(Value::is_array)
                && items.iter().all(|i| i.as_array().is_some_and(|p| p.len() == 2)) =>
        {
            Some(Section::new(key, &title).facts(items.iter().map(|p| (plain(&p[0]), cell(key, &p[1]).text)).collect()))
        }
        Value::Array(items) if items.is_empty() => Some(Section::new(key, &title).intro("None found in this data.")),
        Value::Array(items) => Some(Section::new(key, &title).table(table(items, &[], 25))),
        Value::Object(o) => {
            let mut s = Section::new(key, &title).facts(facts_of(v));
            for (k, x) in o {
                if let Value::Array(items) = x {
                    if items.iter().any(Value::is_object) {
                        s = s.table(table(items, &[], 25));
                    } else if !items.is_empty() {
                        s.facts.push((humanize(k), compact_list(items)));
                    }
                } else if x.is_object() {
                    s.facts.extend(facts_of(x).into_iter().map(|(l, t)| (format!("{} · {l}", humanize(k)), t)));
                }
            }
            Some(s)
        }
        Value::Null => None,
        other => Some(Section::new(key, &title).facts(vec![(title.clone(), cell(key, other).text)])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_cells() {
        let v = json!({"summary": {"cost_usd": 12.5, "calls": 3}, "rows": [{"model": "m", "p50_latency_ms": 812.0}]});
        assert_eq!(num(&v, "summary.cost_usd"), 12.5);
        assert_eq!(text(&v, "rows.0.model"), "m");
        assert_eq!(num(&v, "missing.path"), 0.0);
        let t = table(list(&v, "rows"), &[], 10);
        assert_eq!(t.columns[1].text, "P50 latency (ms)");
        assert_eq!(t.rows[0][1].text, "812 ms");
        assert_eq!(humanize("error_rate_pct"), "Error rate %");
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let items: Vec<Value> = (0..100).map(|i| json!({"customer_id": format!("c{i}"), "cost_usd": i})).collect();
        let t = table(&items, &["customer_id", "cost_usd"], 25);
        assert_eq!((t.shown, t.total), (25, 100));
    }
}
