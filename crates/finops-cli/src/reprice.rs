//! `finops reprice`: recomputes `cost_usd` of a call log with the catalog (and `--rates`), streaming
//! row by row, keeping every other column and the column order as they are.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use finops_core::cost::{ServiceTier, Usage};
use finops_core::fsio::{create_parent, partial_path};
use finops_core::mapping::Mapping;
use finops_core::pricing::{Catalog, PriceLookupError};
use finops_core::units::thousands;

pub const ABOUT: &str = "Recompute cost_usd of a call log with the pricing catalog.

For logs that lack a cost (gateway exports, OpenTelemetry spans turned into rows) or were priced with
old rates. Each row is priced with the one cost function at the price in force on its UTC date:
input_tokens (cached_input_tokens and cache_write_tokens are subsets of it), output_tokens and
service_tier (standard, batch, flex or priority). With --rates the cost is the negotiated (effective)
one; with --map the log keeps its own layout (column names, cost unit, time format). Every other
column is kept as it is; cost_usd is replaced in place or appended as the last column.

A model the catalog does not price is unpriced: its rows keep the cost they had (empty if none) and
are listed, never priced at $0. The output is written to <out>.partial and renamed when complete, so
an error or Ctrl-C leaves no half-written file. A summary of what changed goes to stderr.

Examples:
  finops reprice --input gateway.csv --out priced.csv
  finops reprice --input calls.csv --out calls-2026-11.csv --only-missing
  finops --rates rates.toml reprice --input calls.csv --out effective.csv
  finops --map gateway-map.toml reprice --input gateway.csv --out priced.csv   # the input's own layout";

#[derive(Debug, Args)]
pub struct RepriceArgs {
    /// Call log to price (CSV with a header row).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the priced log (CSV).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Only fill rows whose cost_usd is empty; keep the others as they are.
    #[arg(long)]
    pub only_missing: bool,
}

/// Per model: rows and cost before and after.
#[derive(Default)]
struct Change {
    rows: u64,
    changed: u64,
    before: f64,
    after: f64,
}

pub fn run(args: &RepriceArgs, catalog: &Catalog, mapping: Option<&Mapping>) -> Result<()> {
    let identity = Mapping::identity();
    let mapping = mapping.unwrap_or(&identity);
    let input = &args.input;
    if input.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
        bail!("{}: reprice reads CSV (a Parquet file written by finops is priced already)", input.display());
    }
    if same_file(input, &args.out) {
        bail!("--out {} is the input; write to another file", args.out.display());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(input)
        .with_context(|| format!("{}: cannot read", input.display()))?;
    let header =
        reader.headers().with_context(|| format!("{}: line 1: cannot read the header", input.display()))?.clone();
    // Our column names, or the input's under --map.
    let find = |name: &str| header.iter().position(|h| h.trim() == mapping.source_of(name));
    let need = |name: &str| {
        find(name).with_context(|| {
            format!(
                "{}: line 1: missing column {} (found: {})",
                input.display(),
                mapping.source_of(name),
                header.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    // Provider and model may be constants of the mapping (a log of one provider).
    let text_of = |name: &'static str| -> Result<Result<usize, String>> {
        match (find(name), mapping.constants.get(name)) {
            (Some(c), _) => Ok(Ok(c)),
            (None, Some(v)) => Ok(Err(v.clone())),
            (None, None) => need(name).map(Ok),
        }
    };
    let (ts, provider, model) = (need("timestamp")?, text_of("provider")?, text_of("model")?);
    // Costs are read and written in the input's unit (cents: x100 of USD).
    let per_usd = (1.0 / mapping.cost_scale).round().max(1.0) as u64;
    let (inp, out_tokens) = (need("input_tokens")?, need("output_tokens")?);
    let (cached, write, tier, cost) =
        (find("cached_input_tokens"), find("cache_write_tokens"), find("service_tier"), find("cost_usd"));
    let write_1h = find("cache_write_1h_tokens");
    let mut out_header = header.clone();
    if cost.is_none() {
        out_header.push_field(mapping.source_of("cost_usd"));
    }

    create_parent(&args.out)?;
    let partial = partial_path(&args.out);
    let file = std::fs::File::create(&partial).with_context(|| format!("{}: cannot create", partial.display()))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    writer.write_record(&out_header)?;

    let mut per_model: BTreeMap<(String, String), Change> = BTreeMap::new();
    let mut unpriced: BTreeMap<String, u64> = BTreeMap::new();
    let (mut rows, mut kept) = (0u64, 0u64);
    let mut record = csv::StringRecord::new();
    let mut buf = Vec::with_capacity(32);
    let result: Result<()> = (|| {
        while reader.read_record(&mut record).with_context(|| format!("{}: cannot read", input.display()))? {
            rows += 1;
            let line = record.position().map_or(rows + 1, |p| p.line());
            let at = |col: usize, why: &str| {
                anyhow::anyhow!("{}:{line}:{}: {} = {:?}: {why}", input.display(), col + 1, &header[col], &record[col])
            };
            let old = cost.map(|c| record[c].trim()).filter(|s| !s.is_empty());
            let old_usd = match old {
                Some(s) => Some(
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| at(cost.unwrap_or(0), "expected a non-negative number"))?
                        * mapping.cost_scale,
                ),
                None => None,
            };
            if args.only_missing && old_usd.is_some() {
                kept += 1;
                writer.write_record(&record)?;
                continue;
            }
            let ms = mapping
                .parse_time(&record[ts])
                .ok_or_else(|| at(ts, "expected a timestamp (ISO-8601, or --map's time format)"))?;
            let count =
                |c: usize| record[c].trim().parse::<u64>().map_err(|_| at(c, "expected a non-negative integer"));
            let opt_count = |c: Option<usize>| match c {
                Some(c) if !record[c].trim().is_empty() => count(c),
                _ => Ok(0),
            };
            let usage = Usage {
                input: count(inp)?,
                cached_input: opt_count(cached)?,
                cache_write: opt_count(write)?,
                cache_write_1h: opt_count(write_1h)?,
                output: count(out_tokens)?,
            };
            let service: ServiceTier = match tier {
                Some(t) => record[t].trim().parse().map_err(|e: String| at(t, &e))?,
                None => ServiceTier::Standard,
            };
            let date = chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.date_naive())
                .ok_or_else(|| at(ts, "out of range"))?;
            let value = |c: &Result<usize, String>| match c {
                Ok(c) => record[*c].trim().to_string(),
                Err(constant) => constant.clone(),
            };
            let (p, m) = (value(&provider), value(&model));
            let priced = match catalog.price_at(&p, &m, date) {
                Ok((_, row)) => Some(row.cost_at(&usage, service, ms).map_err(|e| at(inp, &e.to_string()))?),
                Err(PriceLookupError::UnknownModel { .. } | PriceLookupError::BeforeFirstPrice { .. }) => None,
            };
            let Some(new) = priced else {
                *unpriced.entry(format!("{p}/{m}")).or_default() += 1;
                write_with_cost(&mut writer, &record, cost, old.unwrap_or(""))?;
                continue;
            };
            buf.clear();
            // Exact in the input's unit: cents are pico-dollars x 100, shifted.
            finops_core::cost::Cost(new.0.saturating_mul(per_usd)).write_decimal(&mut buf);
            let text = std::str::from_utf8(&buf).unwrap_or("0");
            write_with_cost(&mut writer, &record, cost, text)?;
            let c = per_model.entry((p, m)).or_default();
            c.rows += 1;
            c.before += old_usd.unwrap_or(0.0);
            c.after += new.usd();
            if old_usd.is_none_or(|o| (o - new.usd()).abs() > 1e-9) {
                c.changed += 1;
            }
        }
        writer.flush()?;
        Ok(())
    })();
    drop(writer);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("{}: cannot rename into place", args.out.display()))?;
    summary(rows, kept, &per_model, &unpriced, &args.out)
}

fn write_with_cost<W: Write>(
    w: &mut csv::Writer<W>,
    record: &csv::StringRecord,
    cost: Option<usize>,
    value: &str,
) -> Result<()> {
    match cost {
        Some(c) => w.write_record(record.iter().enumerate().map(|(i, f)| if i == c { value } else { f }))?,
        None => w.write_record(record.iter().chain(std::iter::once(value)))?,
    }
    Ok(())
}

fn summary(
    rows: u64,
    kept: u64,
    per_model: &BTreeMap<(String, String), Change>,
    unpriced: &BTreeMap<String, u64>,
    out: &Path,
) -> Result<()> {
    let mut s = String::new();
    let priced: u64 = per_model.values().map(|c| c.rows).sum();
    let changed: u64 = per_model.values().map(|c| c.changed).sum();
    let (before, after): (f64, f64) = per_model.values().fold((0.0, 0.0), |(b, a), c| (b + c.before, a + c.after));
    outln!(
        s,
        "Repriced {} of {} rows into {} ({} changed, {} kept with --only-missing, {} unpriced)",
        thousands(priced),
        thousands(rows),
        out.display(),
        thousands(changed),
        thousands(kept),
        thousands(unpriced.values().sum())
    );
    outln!(s, "Cost of the repriced rows: ${before:.2} before, ${after:.2} after ({:+.2})", after - before);
    let mut changes: Vec<(&(String, String), &Change)> = per_model.iter().filter(|(_, c)| c.changed > 0).collect();
    changes.sort_by(|a, b| (b.1.after - b.1.before).abs().total_cmp(&(a.1.after - a.1.before).abs()));
    if !changes.is_empty() {
        outln!(s, "{:<50} {:>10} {:>10} {:>12} {:>12} {:>11}", "model", "rows", "changed", "before", "after", "change");
        for ((p, m), c) in changes.iter().take(20) {
            outln!(
                s,
                "{:<50} {:>10} {:>10} {:>12.4} {:>12.4} {:>+11.4}",
                format!("{p}/{m}"),
                c.rows,
                c.changed,
                c.before,
                c.after,
                c.after - c.before
            );
        }
    }
    for (m, n) in unpriced {
        outln!(
            s,
            "unpriced: {m} ({} rows; not in the catalog or before its first price: cost kept as it was)",
            thousands(*n)
        );
    }
    eprint!("{s}");
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
