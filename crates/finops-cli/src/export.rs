//! `finops export focus`: the AI spend as a FOCUS cost-and-usage dataset (FinOps Open Cost and Usage
//! Specification 1.2 or 1.3), one row per charge period (hour or day), provider, model, organization and
//! service tier.
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Datelike, NaiveDate};
use clap::{Args, Subcommand, ValueEnum};
use finops_analytics::datafusion::arrow::array::{
    ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use finops_analytics::datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::Catalog;

pub const FOCUS_ABOUT: &str = "Export the AI spend as a FOCUS cost-and-usage dataset (CSV or Parquet).

One row per charge period (--granularity hourly or daily), provider, model, organization and service
tier, with every Mandatory column of FOCUS 1.2 (1.3 adds ServiceProviderName and HostProviderName),
typed as the specification says in Parquet (costs as Decimal(38, 12), periods as UTC timestamps), plus
x_-prefixed columns with the tokens by class and the request count. BilledCost, EffectiveCost and
ContractedCost are the cost actually paid (with --rates, the negotiated cost), ListCost the cost at list
prices. CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with a single quote.

Examples:
  finops export focus --input data/simulated_calls.csv --out focus.csv
  finops --rates rates.toml export focus --version 1.3 --granularity daily --input data/ --out focus.parquet";

#[derive(Debug, Subcommand)]
pub enum ExportKind {
    /// The AI spend as a FOCUS 1.2 / 1.3 cost-and-usage dataset.
    #[command(long_about = FOCUS_ABOUT, disable_version_flag = true)]
    Focus(FocusArgs),
}

#[derive(Debug, Args)]
pub struct FocusArgs {
    /// Call log to export (CSV, Parquet or OTLP/JSON spans file, or folder; repeatable).
    #[arg(long, short, value_name = "PATH", required = true)]
    pub input: Vec<PathBuf>,
    /// Where to write: `.csv` or `.parquet`.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// FOCUS version.
    #[arg(long, value_enum, default_value_t = FocusVersion::V1_2)]
    pub version: FocusVersion,
    /// Charge period of a row.
    #[arg(long, value_enum, default_value_t = Granularity::Hourly)]
    pub granularity: Granularity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FocusVersion {
    #[value(name = "1.2")]
    V1_2,
    #[value(name = "1.3")]
    V1_3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Granularity {
    Hourly,
    Daily,
}

/// A FOCUS column: name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Decimal,
    DateTime,
    String,
}

/// Who sells, who publishes the model, who invoices, and the service, per provider of the call log.
fn parties(provider: &str, model: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    let publisher_of = |m: &str| {
        if m.contains("anthropic") || m.contains("claude") {
            "Anthropic"
        } else if m.contains("llama") || m.contains("meta.") {
            "Meta"
        } else if m.contains("nova") || m.contains("amazon.") {
            "Amazon"
        } else if m.contains("mistral") {
            "Mistral AI"
        } else if m.contains("gpt") || m.starts_with('o') {
            "OpenAI"
        } else {
            "Unknown"
        }
    };
    match provider {
        "openai" => ("OpenAI", "OpenAI", "OpenAI", "OpenAI API"),
        "anthropic" => ("Anthropic", "Anthropic", "Anthropic", "Claude API"),
        "google" => ("Google", "Google", "Google", "Gemini API"),
        "bedrock" => ("Amazon Web Services", publisher_of(model), "Amazon Web Services", "Amazon Bedrock"),
        "azure" => ("Microsoft", publisher_of(model), "Microsoft", "Azure OpenAI"),
        "mistral" => ("Mistral AI", "Mistral AI", "Mistral AI", "Mistral API"),
        "cohere" => ("Cohere", "Cohere", "Cohere", "Cohere API"),
        "deepseek" => ("DeepSeek", "DeepSeek", "DeepSeek", "DeepSeek API"),
        _ => ("Unknown", "Unknown", "Unknown", "Unknown"),
    }
}

/// The host of the model for FOCUS 1.3's HostProviderName: the cloud for marketplace models.
fn host_of(provider: &str) -> &'static str {
    match provider {
        "bedrock" => "Amazon Web Services",
        "azure" => "Microsoft",
        _ => parties(provider, "").0,
    }
}

/// A CSV cell a spreadsheet would not run as a formula.
pub fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

pub fn run(kind: &ExportKind, load: LoadOptions, catalog: Arc<Catalog>, rates: &NegotiatedRates) -> Result<()> {
    let ExportKind::Focus(args) = kind;
    let ext = args.out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let parquet = match ext.as_deref() {
        Some("csv") => false,
        Some("parquet") => true,
        _ => bail!("--out {}: give a file ending in .csv or .parquet", args.out.display()),
    };
    for p in &args.input {
        if !p.exists() {
            bail!("{}: no such file or folder", p.display());
        }
    }
    let ds = Dataset::open(&args.input, load)?.with_catalog(catalog).with_negotiated(rates)?;
    let unit = match args.granularity {
        Granularity::Hourly => "hour",
        Granularity::Daily => "day",
    };
    let t = ds.sql(&format!(
        "SELECT CAST(date_trunc('{unit}', timestamp) AS BIGINT) AS period, provider, model, organization_id AS org, \
         service_tier AS tier, count(*) AS requests, sum(cost_usd) AS cost, sum(list_cost_usd) AS list, \
         sum(input_tokens) AS input, sum(cached_input_tokens) AS cached, sum(cache_write_tokens) AS written, \
         sum(output_tokens) AS output, sum(reasoning_tokens) AS reasoning FROM calls \
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    ))?;
    let (period, provider, model, org, tier) =
        (t.i64("period")?, t.str("provider")?, t.str("model")?, t.str("org")?, t.str("tier")?);
    let (requests, cost, list) = (t.u64("requests")?, t.f64("cost")?, t.f64("list")?);
    let (input, cached, written, output, reasoning) =
        (t.u64("input")?, t.u64("cached")?, t.u64("written")?, t.u64("output")?, t.u64("reasoning")?);
    let n = t.len();
    let step_ms = if args.granularity == Granularity::Hourly { 3_600_000 } else { 86_400_000 };
    let month = |ms: i64| -> Result<(i64, i64)> {
        let d = DateTime::from_timestamp_millis(ms).context("a charge period out of range")?.date_naive();
        let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).context("a month")?;
        let next = if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
        }
        .context("a month")?;
        let ms = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis());
        Ok((ms(first), ms(next)))
    };
    let mut billing = Vec::with_capacity(n);
    for &p in period.iter() {
        billing.push(month(p)?);
    }
    // Decimal(38, 12): exact to the pico-dollar, as our costs are.
    let dec = |v: &[f64]| -> Result<ArrayRef> {
        let a: Decimal128Array = v.iter().map(|x| Some((x * 1e12).round() as i128)).collect();
        Ok(Arc::new(a.with_precision_and_scale(38, 12)?))
    };
    let ts = |v: Vec<i64>| -> ArrayRef { Arc::new(TimestampMillisecondArray::from(v).with_timezone("UTC")) };
    let text = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef { Arc::new((0..n).map(f).collect::<StringArray>()) };
    let tokens: Vec<f64> = (0..n).map(|i| (input[i] + output[i]) as f64 / 1e6).collect();
    let party = |i: usize| parties(&provider[i], &model[i]);
    let mut columns: Vec<(&str, Kind, ArrayRef)> = vec![
        ("BilledCost", Kind::Decimal, dec(&cost)?),
        ("BillingAccountId", Kind::String, text(&|i| Some(format!("{}-account", provider[i])))),
        ("BillingAccountName", Kind::String, text(&|i| Some(format!("{} account", party(i).0)))),
        ("BillingCurrency", Kind::String, text(&|_| Some("USD".into()))),
        ("BillingPeriodEnd", Kind::DateTime, ts(billing.iter().map(|b| b.1).collect())),
        ("BillingPeriodStart", Kind::DateTime, ts(billing.iter().map(|b| b.0).collect())),
        ("ChargeCategory", Kind::String, text(&|_| Some("Usage".into()))),
        ("ChargeClass", Kind::String, text(&|_| None)),
        (
            "ChargeDescription",
            Kind::String,
            text(&|i| Some(format!("{} tokens, {} tier, organization {}", model[i], tier[i], org[i]))),
        ),
        ("ChargePeriodEnd", Kind::DateTime, ts(period.iter().map(|p| p + step_ms).collect())),
        ("ChargePeriodStart", Kind::DateTime, ts(period.to_vec())),
        ("ContractedCost", Kind::Decimal, dec(&cost)?),
        ("EffectiveCost", Kind::Decimal, dec(&cost)?),
        ("InvoiceIssuerName", Kind::String, text(&|i| Some(party(i).2.into()))),
        ("ListCost", Kind::Decimal, dec(&list)?),
        ("PricingQuantity", Kind::Decimal, dec(&tokens)?),
        ("PricingUnit", Kind::String, text(&|_| Some("1000000 Tokens".into()))),
        ("ProviderName", Kind::String, text(&|i| Some(party(i).0.into()))),
        ("PublisherName", Kind::String, text(&|i| Some(party(i).1.into()))),
        ("ServiceCategory", Kind::String, text(&|_| Some("AI and Machine Learning".into()))),
        ("ServiceName", Kind::String, text(&|i| Some(party(i).3.into()))),
    ];
    if args.version == FocusVersion::V1_3 {
        columns.push(("ServiceProviderName", Kind::String, text(&|i| Some(party(i).0.into()))));
        columns.push(("HostProviderName", Kind::String, text(&|i| Some(host_of(&provider[i]).into()))));
    }
    let count = |v: &[u64]| -> ArrayRef { Arc::new(Int64Array::from_iter_values(v.iter().map(|x| *x as i64))) };
    columns.extend([
        ("ServiceSubcategory", Kind::String, text(&|_| Some("Generative AI".into()))),
        ("SkuId", Kind::String, text(&|i| Some(format!("{}/{}", provider[i], model[i])))),
        ("SubAccountId", Kind::String, text(&|i| Some(org[i].clone()))),
        ("SubAccountName", Kind::String, text(&|i| Some(org[i].clone()))),
    ]);
    let mut extras: Vec<(&str, ArrayRef)> = vec![
        ("x_ServiceTier", text(&|i| Some(tier[i].clone()))),
        ("x_Requests", count(&requests)),
        ("x_InputTokens", count(&input)),
        ("x_CachedInputTokens", count(&cached)),
        ("x_CacheWriteTokens", count(&written)),
        ("x_OutputTokens", count(&output)),
        ("x_ReasoningTokens", count(&reasoning)),
    ];
    let mut fields: Vec<Field> = columns
        .iter()
        .map(|(name, kind, _)| {
            let ty = match kind {
                Kind::Decimal => DataType::Decimal128(38, 12),
                Kind::DateTime => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                Kind::String => DataType::Utf8,
            };
            Field::new(*name, ty, *name == "ChargeClass")
        })
        .collect();
    fields.extend(extras.iter().map(|(name, a)| Field::new(*name, a.data_type().clone(), false)));
    let mut arrays: Vec<ArrayRef> = columns.into_iter().map(|(_, _, a)| a).collect();
    arrays.extend(extras.drain(..).map(|(_, a)| a));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;

    finops_core::fsio::create_parent(&args.out)?;
    let partial = finops_core::fsio::partial_path(&args.out);
    let bytes = if parquet { parquet_bytes(&batch)? } else { csv_bytes(&batch)? };
    std::fs::write(&partial, &bytes).with_context(|| format!("{}: cannot write", partial.display()))?;
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("{}: cannot rename into place", args.out.display()))?;
    let total: f64 = cost.iter().sum();
    eprintln!(
        "Wrote {} FOCUS {} rows ({} charge periods) to {}: BilledCost ${total:.2}",
        n,
        if args.version == FocusVersion::V1_3 { "1.3" } else { "1.2" },
        unit,
        args.out.display()
    );
    Ok(())
}

fn parquet_bytes(batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(parquet::basic::ZstdLevel::default()))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(out)
}

fn csv_bytes(batch: &RecordBatch) -> Result<Vec<u8>> {
    use finops_analytics::datafusion::arrow::array::Array;
    use finops_analytics::datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let mut w = csv::Writer::from_writer(Vec::new());
    let schema = batch.schema();
    w.write_record(schema.fields().iter().map(|f| f.name().as_str()))?;
    let cells: Vec<Vec<String>> = batch
        .columns()
        .iter()
        .map(|c| -> Result<Vec<String>> {
            let fmt = ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default().with_null(""))?;
            // Only text can hold a formula; numbers and times are written as they are.
            let text = c.data_type() == &DataType::Utf8;
            Ok((0..c.len())
                .map(|i| {
                    let v = fmt.value(i).to_string();
                    if text { csv_safe(&v) } else { v }
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    for r in 0..batch.num_rows() {
        w.write_record(cells.iter().map(|col| col[r].as_str()))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("org_001"), "org_001");
    }

    #[test]
    fn month_boundaries_and_parties() {
        assert_eq!(parties("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0").1, "Anthropic");
        assert_eq!(parties("azure", "gpt-4o").1, "OpenAI");
        assert_eq!(host_of("bedrock"), "Amazon Web Services");
        assert_eq!(host_of("openai"), "OpenAI");
    }
}
