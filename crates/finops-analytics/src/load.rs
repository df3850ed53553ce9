//! Loading call logs (CSV or Parquet files, or folders of them) into Arrow batches with the canonical
//! schema. CSV is parsed here rather than by the engine so that a bad value is reported with its file,
//! line, column and value, and so that `--skip-bad-rows` can count what it skips.
//!
//! Accepted besides finops's own output: the Python showcase's CSV unchanged (CRLF line ends, costs like
//! `9.4e-05`, naive timestamps with microseconds, no extension columns). Naive timestamps are read as
//! UTC. Missing columns get the defaults listed in [`default_for`].
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Builder, Int64Builder, RecordBatch, StringViewBuilder, TimestampMillisecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use finops_core::mapping::Mapping;
use finops_core::schema::{COLUMNS, ColumnType};
use rayon::prelude::*;
use thiserror::Error;

pub use finops_results::dataset_overview::{BadRow, FileReport, LoadReport};

/// The Arrow schema every input is converted to: the simulator's columns and types, with text as
/// `Utf8View` (most of our strings fit a view's 12 inline bytes, which DataFusion groups and compares
/// without touching a string heap).
pub fn canonical_schema() -> SchemaRef {
    use datafusion::arrow::datatypes::{Field, Schema};
    let core = finops_core::schema::arrow_schema();
    let fields: Vec<Field> = core
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The canonical schema restricted to the columns `keep` marks.
pub fn projected_schema(keep: &[bool]) -> SchemaRef {
    let all = canonical_schema();
    if keep.iter().all(|k| *k) {
        return all;
    }
    let idx: Vec<usize> = (0..all.fields().len()).filter(|i| keep.get(*i).copied().unwrap_or(false)).collect();
    Arc::new(all.project(&idx).expect("indices of the canonical schema"))
}

/// Columns an input must have; every other column has a default.
pub const REQUIRED: [&str; 6] = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd"];

/// The value used when an input lacks a column (documented in the README).
pub fn default_for(column: &str) -> &'static str {
    match column {
        "customer_id" | "organization_id" | "product_id" | "feature_id" | "region" | "subscription_tier"
        | "customer_archetype" => "unknown",
        "status" => "success",
        "environment" => "production",
        "error_type" => "",
        "service_tier" => "standard",
        // call_id is generated from the position; total_tokens from input + output.
        _ => "0",
    }
}

/// Why an input could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("no input files given")]
    NoInput,
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: no .csv, .parquet or OTLP/JSON (.json, .jsonl, .gz) files in this folder")]
    EmptyFolder { path: PathBuf },
    #[error(
        "{path}: unsupported file type (expected .csv, .parquet, or OpenTelemetry OTLP/JSON: .json, .jsonl, .ndjson, optionally .gz)"
    )]
    UnsupportedType { path: PathBuf },
    #[error("{path}: line 1: missing required column(s): {missing} (found: {found})")]
    MissingColumns { path: PathBuf, missing: String, found: String },
    #[error("{0}")]
    BadValue(BadRow),
    #[error(
        "{path}: line 1: column `{name}` appears twice in the header (fields {first} and {second}); rename or remove one"
    )]
    DuplicateColumn { path: PathBuf, name: String, first: usize, second: usize },
    #[error("{path}: {message}")]
    Parquet { path: PathBuf, message: String },
}

/// Options for [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Skip rows with unreadable values (counted and reported) instead of failing.
    pub skip_bad_rows: bool,
    /// The input's own layout (`--map FILE`): column names, units, time format, constants; for
    /// OpenTelemetry spans, the attribute names of the dimensions.
    pub mapping: Option<Arc<Mapping>>,
    /// Prices calls whose input carries no cost (OpenTelemetry spans); the built-in catalog if `None`.
    pub catalog: Option<Arc<finops_core::pricing::Catalog>>,
    /// Read only these canonical columns (by position in [`COLUMNS`]); batches then have
    /// [`projected_schema`]. Values of the other columns are not parsed, so not checked either.
    pub columns: Option<Arc<Vec<bool>>>,
    /// Analyze only the calls in this window (`--since` / `--until`); a partitioned dataset's day
    /// folders outside it are not read.
    pub window: crate::scan::TimeWindow,
    /// Memory the query engine may hold for a partitioned dataset before its sorts and aggregations
    /// spill to disk ([`crate::scan::default_memory_limit`] if `None`).
    pub memory_limit: Option<u64>,
}

impl LoadOptions {
    /// Which canonical columns are kept (all without a projection).
    fn keep(&self) -> Vec<bool> {
        match &self.columns {
            Some(c) => (0..COLUMNS.len()).map(|i| c.get(i).copied().unwrap_or(false)).collect(),
            None => vec![true; COLUMNS.len()],
        }
    }

    /// The mapping in force (the identity without `--map`).
    fn mapping(&self) -> &Mapping {
        static IDENTITY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        self.mapping.as_deref().unwrap_or_else(|| IDENTITY.get_or_init(Mapping::identity))
    }
}

/// Expands folders into their .csv/.parquet files (sorted) and loads everything.
pub fn load(paths: &[PathBuf], opts: LoadOptions) -> Result<(Vec<RecordBatch>, LoadReport), LoadError> {
    if paths.is_empty() {
        return Err(LoadError::NoInput);
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = fs::read_dir(p)
                .map_err(|source| LoadError::Io { path: p.clone(), source })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                // JSON in a folder (an answer key, a manifest) is read only when it holds OTLP spans.
                .filter(|f| match kind(f) {
                    Some(Kind::Otlp) => crate::otel::looks_like_otlp(f),
                    k => k.is_some(),
                })
                .collect();
            if inside.is_empty() {
                return Err(LoadError::EmptyFolder { path: p.clone() });
            }
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    let mut batches = Vec::new();
    let mut report = LoadReport::default();
    for f in &files {
        let (mut b, r, examples) = match kind(f) {
            Some(Kind::Csv) => load_csv(f, opts.clone(), report.rows)?,
            Some(Kind::Parquet) => load_parquet(f, opts.clone(), report.rows)?,
            Some(Kind::Otlp) => {
                let builtin;
                let catalog = match &opts.catalog {
                    Some(c) => c.as_ref(),
                    None => {
                        builtin = finops_core::pricing::Catalog::builtin();
                        &builtin
                    }
                };
                let (b, r, e) = crate::otel::load_otlp(f, opts.mapping(), catalog, opts.skip_bad_rows)?;
                let keep = opts.keep();
                let idx: Vec<usize> = (0..keep.len()).filter(|i| keep[*i]).collect();
                let b = b
                    .into_iter()
                    .map(|b| b.project(&idx))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| LoadError::Parquet { path: f.clone(), message: e.to_string() })?;
                (b, r, e)
            }
            None => return Err(LoadError::UnsupportedType { path: f.clone() }),
        };
        report.add_file(r, examples);
        batches.append(&mut b);
    }
    Ok((batches, report))
}

enum Kind {
    Csv,
    Parquet,
    /// OpenTelemetry spans as OTLP/JSON lines (`.json`, `.jsonl`, `.ndjson`, optionally gzipped).
    Otlp,
}

fn kind(p: &Path) -> Option<Kind> {
    let ext = p.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(Kind::Csv),
        "parquet" | "pq" => Some(Kind::Parquet),
        _ if crate::otel::is_otlp_path(p) => Some(Kind::Otlp),
        _ => None,
    }
}

/// Where each canonical column is in the input (None = defaulted).
fn map_header(path: &Path, header: &[String], mapping: &Mapping) -> Result<Vec<Option<usize>>, LoadError> {
    let map: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| {
            let name = mapping.source_of(c.name);
            header.iter().position(|h| h.trim().eq_ignore_ascii_case(name))
        })
        .collect();
    // A column we read named twice: which one holds the values is anyone's guess, so say so.
    for (c, m) in COLUMNS.iter().zip(&map) {
        let Some(first) = *m else { continue };
        let name = mapping.source_of(c.name);
        if let Some(second) = header.iter().skip(first + 1).position(|h| h.trim().eq_ignore_ascii_case(name)) {
            return Err(LoadError::DuplicateColumn {
                path: path.to_path_buf(),
                name: header[first].trim().to_string(),
                first: first + 1,
                second: first + second + 2,
            });
        }
    }
    // A required column given as a constant (e.g. one provider for the whole log) is not missing.
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| {
            map[COLUMNS.iter().position(|c| c.name == *r).unwrap_or(0)].is_none() && !mapping.constants.contains_key(*r)
        })
        .map(|r| mapping.source_of(r))
        .collect();
    if !missing.is_empty() {
        return Err(LoadError::MissingColumns {
            path: path.to_path_buf(),
            missing: missing.join(", "),
            found: header.join(", "),
        });
    }
    Ok(map)
}

/// The value of each column the input lacks: the mapping's constant, else the documented default.
fn defaults(mapping: &Mapping) -> Vec<&str> {
    COLUMNS.iter().map(|c| mapping.constants.get(c.name).map_or(default_for(c.name), String::as_str)).collect()
}

fn defaulted(map: &[Option<usize>]) -> Vec<String> {
    COLUMNS.iter().zip(map).filter(|(_, m)| m.is_none()).map(|(c, _)| c.name.to_string()).collect()
}

pub use finops_core::units::parse_iso_timestamp as parse_timestamp;

/// Column builders for one chunk of rows.
struct Builders {
    /// `None` for a column left out by the projection.
    cols: Vec<Option<ColBuilder>>,
}

enum ColBuilder {
    Text(StringViewBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Time(TimestampMillisecondBuilder),
}

impl Builders {
    fn new(capacity: usize, keep: &[bool]) -> Builders {
        let cols = COLUMNS
            .iter()
            .zip(keep)
            .map(|(c, keep)| {
                keep.then(|| match c.ty {
                    ColumnType::Text => ColBuilder::Text(StringViewBuilder::with_capacity(capacity)),
                    ColumnType::Integer => ColBuilder::Int(Int64Builder::with_capacity(capacity)),
                    ColumnType::Decimal => ColBuilder::Float(Float64Builder::with_capacity(capacity)),
                    ColumnType::Timestamp => ColBuilder::Time(TimestampMillisecondBuilder::with_capacity(capacity)),
                })
            })
            .collect();
        Builders { cols }
    }

    fn finish(self, schema: &SchemaRef) -> RecordBatch {
        let arrays: Vec<ArrayRef> = self
            .cols
            .into_iter()
            .flatten()
            .map(|b| -> ArrayRef {
                match b {
                    ColBuilder::Text(mut b) => Arc::new(b.finish()),
                    ColBuilder::Int(mut b) => Arc::new(b.finish()),
                    ColBuilder::Float(mut b) => Arc::new(b.finish()),
                    ColBuilder::Time(mut b) => Arc::new(b.finish().with_timezone("UTC")),
                }
            })
            .collect();
        RecordBatch::try_new(schema.clone(), arrays).expect("builders follow the canonical schema")
    }
}

/// A parsed row, held until every field has been read, so a bad row leaves no partial values.
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    Time(i64),
}

// Positions in COLUMNS of the columns a row's parsing treats specially (a test checks them).
const CALL_ID: usize = 0;
pub(crate) const INPUT_TOKENS: usize = 8;
const OUTPUT_TOKENS: usize = 9;
const TOTAL_TOKENS: usize = 10;
const LATENCY_MS: usize = 12;
const TTFT_MS: usize = 21;
/// Position of `cost_usd` in the canonical schema.
pub(crate) const COST_USD: usize = 11;

fn col_index(name: &str) -> usize {
    COLUMNS.iter().position(|c| c.name == name).unwrap_or(0)
}

/// A plain non-negative integer (ASCII digits, at most 18, optional surrounding spaces); anything else
/// goes through the general path, which reports it.
fn plain_uint(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    b.iter().try_fold(0i64, |v, &c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
}

/// One field of a record: text already known to be UTF-8 (the fast path splits a validated chunk) or
/// bytes from the csv crate, checked when read as text.
trait Field<'a>: Copy {
    const EMPTY: Self;
    fn bytes(self) -> &'a [u8];
    fn text(self) -> Option<&'a str>;
}

impl<'a> Field<'a> for &'a str {
    const EMPTY: Self = "";
    fn bytes(self) -> &'a [u8] {
        self.as_bytes()
    }
    fn text(self) -> Option<&'a str> {
        Some(self)
    }
}

impl<'a> Field<'a> for &'a [u8] {
    const EMPTY: Self = b"";
    fn bytes(self) -> &'a [u8] {
        self
    }
    fn text(self) -> Option<&'a str> {
        std::str::from_utf8(self).ok()
    }
}

/// Reads one record (its fields in input order) into values, or says which field is bad.
fn parse_record<'v, 'a: 'v, F: Field<'a>>(
    fields: &[F],
    file: &'v CsvFile<'v>,
    row_number: u64,
    call_id_buf: &'v mut String,
) -> Result<[Value<'v>; COLUMNS.len()], (usize, String, String)> {
    let map = file.map;
    let convert = file.convert;
    // On the stack: one row is parsed per call, hundreds of thousands of times.
    let mut out = [Value::Int(0); COLUMNS.len()];
    for (i, c) in COLUMNS.iter().enumerate() {
        if !file.parse[i] {
            continue;
        }
        // A short row (rows are read flexibly) has empty trailing fields.
        let raw: Option<F> = map[i].map(|j| fields.get(j).copied().unwrap_or(F::EMPTY));
        // Integers are read straight from the bytes (most of a row): no UTF-8 check needed for digits.
        if c.ty == ColumnType::Integer
            && !(convert && (i == LATENCY_MS || i == TTFT_MS))
            && let Some(f) = raw
            && let Some(v) = plain_uint(f.bytes())
        {
            out[i] = Value::Int(v);
            continue;
        }
        let text = match raw {
            Some(f) => f
                .text()
                .ok_or_else(|| (i, String::from_utf8_lossy(f.bytes()).into_owned(), "not valid UTF-8".to_string()))?,
            None => file.defaults[i],
        };
        let m = file.mapping;
        let v = match c.ty {
            ColumnType::Text => {
                if i == CALL_ID && raw.is_none() {
                    *call_id_buf = format!("row_{row_number}");
                    Value::Text("")
                } else {
                    Value::Text(text)
                }
            }
            ColumnType::Integer => {
                let t = text.trim();
                if i == TOTAL_TOKENS && raw.is_none() {
                    Value::Int(-1)
                } else if t.is_empty() && !c.seed {
                    Value::Int(0)
                } else if convert && (i == LATENCY_MS || i == TTFT_MS) {
                    // Seconds (decimals allowed) or microseconds into milliseconds.
                    match t.parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= 0.0 => Value::Int((v * m.latency_scale).round() as i64),
                        _ => return Err((i, text.to_string(), "expected a non-negative number".into())),
                    }
                } else {
                    match t.parse::<i64>() {
                        Ok(v) if v >= 0 => Value::Int(v),
                        _ => return Err((i, text.to_string(), "expected a non-negative integer".into())),
                    }
                }
            }
            ColumnType::Decimal => match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Value::Float(if convert { v * m.cost_scale } else { v }),
                _ => return Err((i, text.to_string(), "expected a non-negative number".into())),
            },
            ColumnType::Timestamp => match if convert { m.parse_time(text) } else { parse_timestamp(text.trim()) } {
                Some(t) => Value::Time(t),
                None => {
                    let expected = match &m.time {
                        finops_core::mapping::TimeFormat::Iso => "expected an ISO-8601 timestamp".to_string(),
                        finops_core::mapping::TimeFormat::UnixSeconds => "expected Unix seconds".to_string(),
                        finops_core::mapping::TimeFormat::UnixMillis => "expected Unix milliseconds".to_string(),
                        finops_core::mapping::TimeFormat::Format(f) => format!("expected a time as {f:?}"),
                    };
                    return Err((i, text.to_string(), expected));
                }
            },
        };
        out[i] = v;
    }
    // Derived defaults.
    if let (Value::Int(a), Value::Int(b)) = (&out[INPUT_TOKENS], &out[OUTPUT_TOKENS]) {
        let total = a + b;
        if let Value::Int(t) = &mut out[TOTAL_TOKENS]
            && *t < 0
        {
            *t = total;
        }
    }
    if map[CALL_ID].is_none() && file.parse[CALL_ID] {
        out[CALL_ID] = Value::Text(call_id_buf.as_str());
    }
    Ok(out)
}

struct ChunkResult {
    batch: RecordBatch,
    rows: u64,
    bad: Vec<BadRow>,
    bad_count: u64,
}

/// What every chunk of one CSV file shares.
struct CsvFile<'a> {
    /// Where each canonical column is in the input.
    map: &'a [Option<usize>],
    /// The value of each column the input lacks.
    defaults: &'a [&'a str],
    mapping: &'a Mapping,
    /// Whether values need units or a time format converted.
    convert: bool,
    /// The file's name in reports and errors.
    name: &'a str,
    schema: SchemaRef,
    opts: LoadOptions,
    /// Whether the body holds a quote anywhere (then it is one chunk, read by the csv crate).
    quoted: bool,
    /// The columns kept in the batches (the projection).
    keep: Vec<bool>,
    /// The columns parsed: the kept ones, and input and output tokens when a kept total is derived.
    parse: Vec<bool>,
    /// The header's names: every row has as many fields.
    header: &'a [String],
}

fn parse_chunk(bytes: &[u8], first_line: u64, rows_before: u64, csv_file: &CsvFile) -> Result<ChunkResult, LoadError> {
    let mut sink = RowSink {
        builders: Builders::new(bytes.len() / 180 + 16, &csv_file.keep),
        rows: 0,
        bad_count: 0,
        bad: Vec::new(),
        call_id: String::new(),
        rows_before,
        csv_file,
    };
    let text = if csv_file.quoted { None } else { plain_text(bytes) };
    if let Some(text) = text {
        // Fast path: no quotes and valid UTF-8, so a line is a record and a comma ends a field; one
        // pass finds both.
        let mut fields: Vec<&str> = Vec::with_capacity(csv_file.map.len());
        let (mut start, mut line) = (0, first_line);
        for i in memchr::memchr2_iter(b',', b'\n', bytes) {
            fields.push(&text[start..i]);
            start = i + 1;
            if bytes[i] == b'\n' {
                sink.line(&mut fields, line)?;
                line += 1;
            }
        }
        // A last line without a line end, including one that ends in a comma (an empty last field).
        if start < text.len() || !fields.is_empty() {
            fields.push(&text[start..]);
            sink.line(&mut fields, line)?;
        }
    } else {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut rec = csv::ByteRecord::new();
        let mut lines = LineCounter::default();
        loop {
            match reader.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = first_line + lines.line_at(bytes, e.position().map_or(0, |p| p.byte()));
                    let row = BadRow {
                        file: csv_file.name.into(),
                        line,
                        column: "-".into(),
                        value: String::new(),
                        reason: e.to_string(),
                    };
                    sink.bad(row)?;
                    continue;
                }
            }
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                continue;
            }
            let line = first_line + lines.line_at(bytes, rec.position().map_or(0, |p| p.byte()));
            let fields: Vec<&[u8]> = rec.iter().collect();
            sink.row(&fields, line)?;
        }
    }
    Ok(ChunkResult {
        batch: sink.builders.finish(&csv_file.schema),
        rows: sink.rows,
        bad: sink.bad,
        bad_count: sink.bad_count,
    })
}

/// Line numbers for the csv crate's records. Its own `Position::line` miscounts CRLF files and lines
/// after a blank one; its byte position is where reading of the record began, which may still be on
/// the previous line's end or blank lines. Counting line ends (LF, CRLF or a lone CR) up to the first
/// byte of the record gives the line it starts on.
#[derive(Default)]
struct LineCounter {
    scanned: usize,
    ends: u64,
}

impl LineCounter {
    /// The 0-based line of the record whose reading began at byte `from` (records come in order).
    fn line_at(&mut self, bytes: &[u8], from: u64) -> u64 {
        let mut start = usize::try_from(from).unwrap_or(usize::MAX).clamp(self.scanned, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        for i in self.scanned..start {
            if bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                self.ends += 1;
            }
        }
        self.scanned = start;
        self.ends
    }
}

/// A quote-free chunk as text when the fast path can split it: valid UTF-8 and every carriage return
/// part of a CRLF line end (the csv crate reads a lone CR as a line end too).
fn plain_text(bytes: &[u8]) -> Option<&str> {
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// Where a chunk's parsed rows go: the column builders, or the bad-row count and examples.
struct RowSink<'m> {
    builders: Builders,
    rows: u64,
    bad_count: u64,
    bad: Vec<BadRow>,
    call_id: String,
    /// Rows of the files read before this one: generated call ids continue after them.
    rows_before: u64,
    csv_file: &'m CsvFile<'m>,
}

impl RowSink<'_> {
    /// Takes the fields of one line of the fast path (the last one may end in the CR of a CRLF).
    fn line(&mut self, fields: &mut Vec<&str>, line: u64) -> Result<(), LoadError> {
        if let Some(last) = fields.last_mut() {
            *last = last.strip_suffix('\r').unwrap_or(last);
        }
        // Blank lines (e.g. a trailing CRLF) are not rows.
        let blank = fields.len() == 1 && fields[0].is_empty();
        let result = if blank { Ok(()) } else { self.row(fields, line) };
        fields.clear();
        result
    }

    fn row<'a, F: Field<'a>>(&mut self, fields: &[F], line: u64) -> Result<(), LoadError> {
        let header = self.csv_file.header;
        if fields.len() != header.len() {
            let row: Vec<String> = fields.iter().map(|f| String::from_utf8_lossy(f.bytes()).into_owned()).collect();
            let value = row.join(",");
            let (column, reason) = if fields.len() < header.len() {
                (
                    header[fields.len()].clone(),
                    format!(
                        "missing: the row has {} fields where the header has {} (a field is missing, or a quote is not closed)",
                        fields.len(),
                        header.len()
                    ),
                )
            } else {
                (
                    format!("field {}", header.len() + 1),
                    format!(
                        "the row has {} fields where the header has {} (a value holds an unquoted comma, or the row has extra fields)",
                        fields.len(),
                        header.len()
                    ),
                )
            };
            return self.bad(BadRow { file: self.csv_file.name.into(), line, column, value, reason });
        }
        // A generated id numbers the row by its line (header = row 0), the same whichever path reads it.
        match parse_record(fields, self.csv_file, self.rows_before + line - 1, &mut self.call_id) {
            Ok(values) => {
                for (col, v) in self.builders.cols.iter_mut().zip(values) {
                    let Some(col) = col else { continue };
                    match (col, v) {
                        (ColBuilder::Text(b), Value::Text(s)) => b.append_value(s),
                        (ColBuilder::Int(b), Value::Int(x)) => b.append_value(x),
                        (ColBuilder::Float(b), Value::Float(x)) => b.append_value(x),
                        (ColBuilder::Time(b), Value::Time(x)) => b.append_value(x),
                        _ => unreachable!("values follow the canonical schema"),
                    }
                }
                self.rows += 1;
                Ok(())
            }
            Err((col, value, reason)) => {
                // Name the input's own column when a mapping renamed it.
                let ours = COLUMNS[col].name;
                let theirs = self.csv_file.mapping.source_of(ours);
                let column = if theirs == ours { ours.into() } else { format!("{ours} ({theirs})") };
                self.bad(BadRow { file: self.csv_file.name.into(), line, column, value, reason })
            }
        }
    }

    /// Fails on a bad row, or counts it (and keeps the first few) with `--skip-bad-rows`.
    fn bad(&mut self, mut row: BadRow) -> Result<(), LoadError> {
        shorten(&mut row.value);
        if !self.csv_file.opts.skip_bad_rows {
            return Err(LoadError::BadValue(row));
        }
        self.bad_count += 1;
        if self.bad.len() < LoadReport::MAX_EXAMPLES {
            self.bad.push(row);
        }
        Ok(())
    }
}

/// Cuts a value shown in an error to 80 characters (a 10 MB field stays out of the message).
pub(crate) fn shorten(value: &mut String) {
    if value.len() > 80 {
        let total = value.len();
        let cut = (0..=80).rev().find(|i| value.is_char_boundary(*i)).unwrap_or(0);
        value.truncate(cut);
        value.push_str(&format!("... ({total} bytes)"));
    }
}

/// Loads the first `len` bytes of a CSV file that is still being written, such as the simulator's
/// `<out>.partial` with the length it last reported as written (always a row end). Anything after the
/// last line end within `len` is ignored. `name` is how the file is shown in reports and errors.
pub fn load_csv_prefix(
    path: &Path,
    len: u64,
    name: &str,
    opts: LoadOptions,
) -> Result<(Vec<RecordBatch>, LoadReport), LoadError> {
    let mut bytes = read_prefix(path, len).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    let whole = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
    bytes.truncate(whole);
    let (batches, file, examples) = parse_csv(Path::new(name), &bytes, opts, 0, false)?;
    let mut report = LoadReport::default();
    report.add_file(file, examples);
    Ok((batches, report))
}

fn load_csv(
    path: &Path,
    opts: LoadOptions,
    rows_before: u64,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let file = fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len < (64 << 20) {
        let bytes = read_prefix(path, len).map_err(io)?;
        return parse_csv(path, &bytes, opts, rows_before, false);
    }
    // A large file is mapped rather than copied: reading 1 GB into a fresh allocation cost 1.6 s of
    // system time (zeroing, page faults, the copy) against about 0.3 s to fault in the page cache's pages.
    // SAFETY: the mapping is only read, and only while this function runs; a file truncated meanwhile
    // by another process would fault, as with any reader that maps files (DuckDB, ripgrep).
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(io)?;
    parse_csv(path, &map, opts, rows_before, false)
}

/// The first `len` bytes of a file (fewer if it is shorter), read by one thread per core: copying 50 MB
/// out of the page cache into fresh memory takes about 27 ms on one core, a fifth of the whole load.
fn read_prefix(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let sequential = || -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        fs::File::open(path)?.take(len).read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    let threads = rayon::current_num_threads();
    let Ok(size) = usize::try_from(len) else { return sequential() };
    if threads < 2 || size < (4 << 20) {
        return sequential();
    }
    let mut bytes = vec![0u8; size];
    let part = size.div_ceil(threads);
    let read = bytes.par_chunks_mut(part).enumerate().try_for_each(|(k, slice)| {
        let mut f = fs::File::open(path)?;
        f.seek(SeekFrom::Start((k * part) as u64))?;
        f.read_exact(slice)
    });
    match read {
        Ok(()) => Ok(bytes),
        // Shorter than `len` (truncated meanwhile): whatever is there, as a plain read would give.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => sequential(),
        Err(e) => Err(e),
    }
}

/// Parses CSV bytes as if read from a file named `name`, by the fast path where it applies or, with
/// `csv_crate_only`, by the csv crate alone: the fuzz targets and tests check that the two agree.
#[doc(hidden)]
pub fn parse_csv_bytes(
    name: &str,
    bytes: &[u8],
    opts: LoadOptions,
    csv_crate_only: bool,
) -> Result<(Vec<RecordBatch>, LoadReport), LoadError> {
    let (batches, file, examples) = parse_csv(Path::new(name), bytes, opts, 0, csv_crate_only)?;
    let mut report = LoadReport::default();
    report.add_file(file, examples);
    Ok((batches, report))
}

/// Parses a whole CSV file's bytes; `path` names it in the report and in errors. `slow` forces the csv
/// crate's reader for every row (see [`parse_csv_bytes`]).
fn parse_csv(
    path: &Path,
    bytes: &[u8],
    opts: LoadOptions,
    rows_before: u64,
    slow: bool,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    let file = path.display().to_string();
    // The header ends at the first LF, CRLF or lone CR.
    let header_end = match memchr::memchr2(b'\n', b'\r', bytes) {
        Some(i) if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') => i + 2,
        Some(i) => i + 1,
        None => bytes.len(),
    };
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[..header_end])
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|s| s.trim_start_matches('\u{feff}').to_string()).collect())
        .unwrap_or_default();
    let mapping = opts.mapping();
    let map = map_header(path, &header, mapping)?;
    let defaults = defaults(mapping);
    let body = &bytes[header_end..];
    let keep = opts.keep();
    let mut parse = keep.clone();
    if keep[TOTAL_TOKENS] && map[TOTAL_TOKENS].is_none() {
        parse[INPUT_TOKENS] = true;
        parse[OUTPUT_TOKENS] = true;
    }
    let csv_file = CsvFile {
        map: &map,
        defaults: &defaults,
        mapping,
        convert: mapping.converts(),
        name: &file,
        schema: projected_schema(&keep),
        opts: opts.clone(),
        quoted: slow || memchr::memchr(b'"', body).is_some(),
        keep,
        parse,
        header: &header,
    };
    // Without quotes no field spans lines, so the body can be split at line ends and parsed in parallel.
    let chunks: Vec<(usize, usize)> = if csv_file.quoted {
        vec![(0, body.len())]
    } else {
        split_lines(body, (rayon::current_num_threads() * 4).max(1))
    };
    // Line ends as the csv crate reads them (and editors show them): LF, CRLF, or a lone CR.
    let line_counts: Vec<u64> = chunks
        .par_iter()
        .map(|&(a, b)| {
            let c = &body[a..b];
            let lone_cr = memchr::memchr_iter(b'\r', c).filter(|&i| body.get(a + i + 1) != Some(&b'\n')).count();
            (memchr::memchr_iter(b'\n', c).count() + lone_cr) as u64
        })
        .collect();
    let mut first_lines = Vec::with_capacity(chunks.len());
    let mut line = 2u64;
    for n in &line_counts {
        first_lines.push(line);
        line += n;
    }
    let results: Vec<Result<ChunkResult, LoadError>> = chunks
        .par_iter()
        .zip(&first_lines)
        .map(|(&(a, b), &first_line)| parse_chunk(&body[a..b], first_line, rows_before, &csv_file))
        .collect();
    let mut batches = Vec::new();
    let mut report = FileReport {
        path: file.clone(),
        format: "csv".into(),
        bytes: bytes.len() as u64,
        rows: 0,
        bad_rows: 0,
        defaulted_columns: defaulted(&map),
        spans: None,
    };
    let mut examples = Vec::new();
    for r in results {
        let r = r?;
        report.rows += r.rows;
        report.bad_rows += r.bad_count;
        examples.extend(r.bad);
        if r.rows > 0 {
            batches.push(r.batch);
        }
    }
    examples.truncate(LoadReport::MAX_EXAMPLES);
    Ok((batches, report, examples))
}

/// Splits `body` into about `n` ranges that end at line ends.
fn split_lines(body: &[u8], n: usize) -> Vec<(usize, usize)> {
    let target = body.len() / n + 1;
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < body.len() {
        let guess = (start + target).min(body.len());
        let end = match memchr::memchr(b'\n', &body[guess..]) {
            Some(i) => guess + i + 1,
            None => body.len(),
        };
        out.push((start, end));
        start = end;
    }
    out
}

fn load_parquet(
    path: &Path,
    opts: LoadOptions,
    rows_before: u64,
) -> Result<(Vec<RecordBatch>, FileReport, Vec<BadRow>), LoadError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let pq = |e: &dyn std::fmt::Display| LoadError::Parquet { path: path.to_path_buf(), message: e.to_string() };
    let f = fs::File::open(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    let bytes = f.metadata().map(|m| m.len()).unwrap_or(0);
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| pq(&e))?;
    let names: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mapping = opts.mapping();
    let map = map_header(path, &names, mapping)?;
    let defaults = defaults(mapping);
    let reader = builder.with_batch_size(64 * 1024).build().map_err(|e| pq(&e))?;
    let keep = opts.keep();
    let schema = projected_schema(&keep);
    let all = canonical_schema();
    let mut batches = Vec::new();
    let file = path.display().to_string();
    let mut report = FileReport {
        path: file.clone(),
        format: "parquet".into(),
        bytes,
        rows: 0,
        bad_rows: 0,
        defaulted_columns: defaulted(&map),
        spans: None,
    };
    let mut examples = Vec::new();
    // Rows of the file read so far (bad ones included), for row numbers in errors.
    let mut seen = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| pq(&e))?;
        let n = batch.num_rows();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
        for (i, field) in all.fields().iter().enumerate().filter(|(i, _)| keep[*i]) {
            let mut array: ArrayRef = match map[i] {
                Some(j) => parquet_column(i, batch.column(j), field.data_type(), mapping)
                    .map_err(|e| pq(&format!("column {}: {e}", field.name())))?,
                None => default_array(i, n, rows_before + report.rows, &batch, &map, &defaults)?,
            };
            // Negative counts and costs, NaN and infinity: as in CSV, a bad value, named by its row.
            if let Some((invalid, first, value, reason)) = out_of_range(&array) {
                if !opts.skip_bad_rows {
                    return Err(LoadError::BadValue(BadRow {
                        file: file.clone(),
                        line: seen + first as u64 + 1,
                        column: field.name().clone(),
                        value,
                        reason: format!("{reason} (line = row number in the Parquet file)"),
                    }));
                }
                array = datafusion::arrow::compute::nullif(&array, &invalid).map_err(|e| pq(&e))?;
            }
            if array.null_count() > 0 {
                let row = (0..n).find(|r| array.is_null(*r)).unwrap_or(0);
                let bad = BadRow {
                    file: file.clone(),
                    line: seen + row as u64 + 1,
                    column: field.name().clone(),
                    value: "null".into(),
                    reason: "missing or not convertible value (line = row number in the Parquet file)".into(),
                };
                if !opts.skip_bad_rows {
                    return Err(LoadError::BadValue(bad));
                }
            }
            arrays.push(array);
        }
        let mut out = RecordBatch::try_new(schema.clone(), arrays.clone()).or_else(|_| {
            // Nulls present in skip mode: drop those rows.
            let mut keep = vec![true; n];
            for a in &arrays {
                for (r, k) in keep.iter_mut().enumerate() {
                    *k &= !a.is_null(r);
                }
            }
            let mask = datafusion::arrow::array::BooleanArray::from(keep);
            let filtered: Vec<ArrayRef> = arrays
                .iter()
                .map(|a| datafusion::arrow::compute::filter(a, &mask).map_err(|e| pq(&e)))
                .collect::<Result<_, _>>()?;
            RecordBatch::try_new(schema.clone(), filtered).map_err(|e| pq(&e))
        })?;
        let dropped = (n - out.num_rows()) as u64;
        if dropped > 0 {
            report.bad_rows += dropped;
            if examples.len() < LoadReport::MAX_EXAMPLES {
                examples.push(BadRow {
                    file: file.clone(),
                    line: seen + 1,
                    column: "-".into(),
                    value: "null".into(),
                    reason: format!("{dropped} rows with missing values skipped in this batch"),
                });
            }
        }
        report.rows += out.num_rows() as u64;
        seen += n as u64;
        if out.num_rows() > 0 {
            out = out.with_schema(schema.clone()).map_err(|e| pq(&e))?;
            batches.push(out);
        }
    }
    Ok((batches, report, examples))
}

/// Rows of a converted column that CSV would refuse: a negative count, a negative, NaN or infinite cost.
/// `(invalid rows, first one, its value, why)`.
fn out_of_range(a: &ArrayRef) -> Option<(datafusion::arrow::array::BooleanArray, usize, String, &'static str)> {
    use datafusion::arrow::array::{AsArray, BooleanArray};
    use datafusion::arrow::datatypes::{Float64Type, Int64Type};
    let (invalid, reason): (BooleanArray, _) = match a.data_type() {
        DataType::Int64 => (
            a.as_primitive::<Int64Type>().iter().map(|v| Some(v.is_some_and(|v| v < 0))).collect(),
            "expected a non-negative integer",
        ),
        DataType::Float64 => (
            a.as_primitive::<Float64Type>()
                .iter()
                .map(|v| Some(v.is_some_and(|v| !v.is_finite() || v < 0.0)))
                .collect(),
            "expected a non-negative number",
        ),
        _ => return None,
    };
    let first = invalid.values().set_indices().next()?;
    let value = datafusion::arrow::util::display::array_value_to_string(a, first).unwrap_or_default();
    Some((invalid, first, value, reason))
}

/// A Parquet column as the canonical type, with the mapping's units and time format applied.
fn parquet_column(
    i: usize,
    source: &ArrayRef,
    target: &DataType,
    m: &Mapping,
) -> Result<ArrayRef, datafusion::arrow::error::ArrowError> {
    use datafusion::arrow::array::{AsArray, Float64Array, Int64Array, TimestampMillisecondArray};
    use datafusion::arrow::datatypes::Float64Type;
    use finops_core::mapping::TimeFormat;
    let floats = |a: &ArrayRef| -> Result<Float64Array, datafusion::arrow::error::ArrowError> {
        Ok(cast(a, &DataType::Float64)?.as_primitive::<Float64Type>().clone())
    };
    Ok(match i {
        COST_USD if m.cost_scale != 1.0 => Arc::new(floats(source)?.unary::<_, Float64Type>(|v| v * m.cost_scale)),
        LATENCY_MS | TTFT_MS if m.latency_scale != 1.0 => {
            let ms: Int64Array =
                floats(source)?.iter().map(|v| v.map(|v| (v * m.latency_scale).round() as i64)).collect();
            Arc::new(ms)
        }
        _ if matches!(target, DataType::Timestamp(..)) && m.time != TimeFormat::Iso => {
            let ms: TimestampMillisecondArray = match (&m.time, source.data_type()) {
                (TimeFormat::UnixSeconds | TimeFormat::UnixMillis, t) if t.is_numeric() => {
                    let per = if m.time == TimeFormat::UnixSeconds { 1000.0 } else { 1.0 };
                    floats(source)?.iter().map(|v| v.map(|v| (v * per).round() as i64)).collect()
                }
                _ => {
                    let text = cast(source, &DataType::Utf8)?;
                    text.as_string::<i32>().iter().map(|v| v.and_then(|v| m.parse_time(v))).collect()
                }
            };
            Arc::new(ms.with_timezone("UTC"))
        }
        _ => cast(source, target)?,
    })
}

fn default_array(
    i: usize,
    n: usize,
    first_row: u64,
    batch: &RecordBatch,
    map: &[Option<usize>],
    defaults: &[&str],
) -> Result<ArrayRef, LoadError> {
    use datafusion::arrow::array::{Int64Array, StringViewArray};
    let c = &COLUMNS[i];
    Ok(match (c.name, c.ty) {
        ("call_id", _) => {
            Arc::new(StringViewArray::from_iter_values((0..n).map(|r| format!("row_{}", first_row + r as u64 + 1))))
        }
        ("total_tokens", _) => {
            let get = |name: &str| -> Option<ArrayRef> {
                let j = map[col_index(name)]?;
                cast(batch.column(j), &DataType::Int64).ok()
            };
            match (get("input_tokens"), get("output_tokens")) {
                (Some(a), Some(b)) => datafusion::arrow::compute::kernels::numeric::add(&a, &b)
                    .unwrap_or_else(|_| Arc::new(Int64Array::from(vec![0; n]))),
                _ => Arc::new(Int64Array::from(vec![0; n])),
            }
        }
        (_, ColumnType::Text) => Arc::new(StringViewArray::from_iter_values(std::iter::repeat_n(defaults[i], n))),
        (_, ColumnType::Integer) => Arc::new(Int64Array::from(vec![defaults[i].parse::<i64>().unwrap_or(0); n])),
        _ => Arc::new(Int64Array::from(vec![0; n])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_accepted_form() {
        let ours = parse_timestamp("2026-09-01T14:03:27.123Z").unwrap();
        assert_eq!(ours, chrono::DateTime::parse_from_rfc3339("2026-09-01T14:03:27.123Z").unwrap().timestamp_millis());
        assert_eq!(parse_timestamp("2026-09-01T14:03:27.123456"), Some(ours));
        assert_eq!(parse_timestamp("2026-09-01 14:03:27.123"), Some(ours));
        assert_eq!(parse_timestamp("2026-09-01T16:03:27.123+02:00"), Some(ours));
        assert_eq!(parse_timestamp("2026-09-01T14:03:27"), Some(ours - 123));
        assert_eq!(parse_timestamp("2026-02-30T00:00:00.000Z"), None);
        assert!(parse_timestamp("2028-02-29T00:00:00.000Z").is_some());
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_timestamp("2000-03-01T00:00:00.000Z"), Some(11_017 * 86_400_000));
    }

    #[test]
    fn special_column_positions_match_the_schema() {
        assert_eq!(col_index("call_id"), CALL_ID);
        assert_eq!(col_index("input_tokens"), INPUT_TOKENS);
        assert_eq!(col_index("output_tokens"), OUTPUT_TOKENS);
        assert_eq!(col_index("total_tokens"), TOTAL_TOKENS);
        assert_eq!(col_index("cost_usd"), COST_USD);
        assert_eq!(col_index("latency_ms"), LATENCY_MS);
        assert_eq!(col_index("time_to_first_token_ms"), TTFT_MS);
    }

    #[test]
    fn split_lines_ends_chunks_at_line_ends() {
        let body = b"a\nbb\nccc\ndddd\n";
        let chunks = split_lines(body, 3);
        assert_eq!(chunks.first().unwrap().0, 0);
        assert_eq!(chunks.last().unwrap().1, body.len());
        for (a, b) in chunks {
            assert_eq!(body[b - 1], b'\n');
            assert!(a < b);
        }
    }
}
