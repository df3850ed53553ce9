//! `finops sql`: any read-only SQL over the `calls` table of any input.
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use finops_analytics::datafusion::arrow::{csv, json, util::pretty};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::Catalog;

pub const ABOUT: &str = "Run a read-only SQL query over the `calls` table of any input.

The table has the call log's columns (see the README, \"Data schema\") with `timestamp` as a UTC
timestamp, plus `list_cost_usd` (the input's cost; `cost_usd` is the effective cost under --rates).
The dialect is DataFusion's (PostgreSQL-like): date_trunc, percentile_cont, approx_percentile_cont,
window functions. Queries cannot write files or change the session (no DDL, COPY or SET).
With --format csv, text that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) is prefixed with a single quote.

Examples:
  finops sql --input data/simulated_calls.csv \\
    \"SELECT provider, model, sum(cost_usd) AS cost FROM calls GROUP BY 1, 2 ORDER BY cost DESC LIMIT 10\"
  finops sql --input data/ --format csv \\
    \"SELECT date_trunc('day', timestamp) AS day, sum(cost_usd) AS cost FROM calls GROUP BY 1 ORDER BY 1\"
  finops --rates rates.toml sql --input data/calls.csv --format json \\
    \"SELECT provider, sum(list_cost_usd) AS list, sum(cost_usd) AS paid FROM calls GROUP BY 1\"";

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query (one statement).
    pub query: String,
    /// Input file or folder (.csv, .parquet, OTLP/JSON .json/.jsonl/.gz spans); repeat --input to read several
    /// as one table.
    #[arg(long, short, value_name = "PATH", required = true)]
    pub input: Vec<PathBuf>,
    /// Output format: an aligned table, CSV with a header, or JSON (one array of objects).
    #[arg(long, value_enum, default_value_t = SqlFormat::Table)]
    pub format: SqlFormat,
    /// Skip rows with unreadable values (counted on stderr) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SqlFormat {
    Table,
    Csv,
    Json,
}

pub fn run(args: &SqlArgs, load: LoadOptions, catalog: std::sync::Arc<Catalog>, rates: &NegotiatedRates) -> Result<()> {
    for p in &args.input {
        if !p.exists() {
            bail!("{}: no such file or folder", p.display());
        }
    }
    // Negotiated rates re-price every call (tokens, model, time): load it all. Otherwise only the
    // columns the query reads are parsed.
    let (batches, report) = if rates.is_empty() {
        finops_analytics::sql::query_files(&args.input, load, &args.query).context("the query failed")?
    } else {
        let ds = Dataset::open(&args.input, load)?.with_catalog(catalog).with_negotiated(rates)?;
        let batches = ds.query(&args.query).context("the query failed")?;
        (batches, ds.load)
    };
    if report.bad_rows > 0 {
        eprintln!("skipped {} unreadable rows (--skip-bad-rows)", report.bad_rows);
    }
    let mut out: Vec<u8> = Vec::new();
    match args.format {
        SqlFormat::Table => {
            writeln!(out, "{}", pretty::pretty_format_batches(&batches)?)?;
        }
        SqlFormat::Csv => {
            let mut w = csv::WriterBuilder::new().with_header(true).build(&mut out);
            for b in &batches {
                w.write(&formula_safe(b)?)?;
            }
        }
        SqlFormat::Json => {
            let mut w = json::ArrayWriter::new(&mut out);
            w.write_batches(&batches.iter().collect::<Vec<_>>())?;
            w.finish()?;
            if batches.iter().all(|b| b.num_rows() == 0) {
                out = b"[]".to_vec();
            }
            out.push(b'\n');
        }
    }
    crate::output::emit(&String::from_utf8_lossy(&out))
}

/// `b` with every text cell a spreadsheet would run as a formula prefixed with a quote (numbers stay).
fn formula_safe(
    b: &finops_analytics::datafusion::arrow::array::RecordBatch,
) -> Result<finops_analytics::datafusion::arrow::array::RecordBatch> {
    use finops_analytics::datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
    use finops_analytics::datafusion::arrow::compute::cast;
    use finops_analytics::datafusion::arrow::datatypes::{DataType, Field, Schema};
    let mut fields = Vec::with_capacity(b.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(b.num_columns());
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if matches!(c.data_type(), DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8) {
            let text = cast(c, &DataType::Utf8)?;
            let safe: StringArray = text.as_string::<i32>().iter().map(|v| v.map(crate::export::csv_safe)).collect();
            fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
            columns.push(std::sync::Arc::new(safe) as ArrayRef);
        } else {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
        }
        debug_assert_eq!(columns.last().map(|c| c.len()), Some(b.num_rows()));
    }
    Ok(finops_analytics::datafusion::arrow::array::RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        columns,
    )?)
}
