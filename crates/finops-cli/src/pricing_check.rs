//! `finops pricing check`: our list prices against a price database: the genai-prices crate's own
//! bundled data (through the crate's calculator, not our reader of it), a newer genai-prices
//! `prices.json`, or LiteLLM's `model_prices_and_context_window.json`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, TimeZone, Utc};
use clap::Args;
use finops_core::cost::{ServiceTier, Usage};
use finops_core::pricing::{Catalog, Model, check_mixes, genai_provider};
use genai_prices::{Calculator, PriceRequest};
use serde_json::Value;

pub const ABOUT: &str = "Compare the catalog's list prices with a price database.

Prices every model of the catalog that is listed on --at with 14 token mixes (plain, cached, 5-minute
and 1-hour cache writes, long context, batch, flex, priority) by our cost function and by the
database, and lists every price that differs, with the source of our row (an override names its
reason). Without --against the database is the genai-prices crate's bundled data, priced through the
crate itself; --against FILE takes a newer genai-prices prices.json or LiteLLM's
model_prices_and_context_window.json (per-token input, output, cache read and write rates; LiteLLM
has no dated prices, flex or priority variants, so only plain, cached and cache-write mixes are compared).

Exits 1 when a price differs and our row does not say why (no override, not a row of our own): the
database moved and the catalog should follow or document the difference.

Examples:
  finops pricing check
  finops pricing check --at 2026-12-15
  finops pricing check --against ~/Downloads/prices.json
  finops pricing check --against model_prices_and_context_window.json";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A genai-prices prices.json or LiteLLM model_prices_and_context_window.json to compare with.
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
    /// The day to compare on (YYYY-MM-DD); default today (UTC).
    #[arg(long, value_name = "DATE")]
    pub at: Option<NaiveDate>,
}

/// Where the other prices come from.
enum Source {
    Bundled(&'static Calculator),
    Genai(Box<Calculator>),
    LiteLlm(BTreeMap<String, Value>),
}

/// One price that differs.
struct Difference {
    model: String,
    mix: &'static str,
    ours: Option<f64>,
    theirs: Option<f64>,
    why: String,
    explained: bool,
}

pub fn run(args: &CheckArgs, catalog: &Catalog) -> Result<()> {
    let day = args.at.unwrap_or_else(|| Utc::now().date_naive());
    let (source, name) = match &args.against {
        None => (
            Source::Bundled(Calculator::bundled()),
            format!("genai-prices {} (bundled)", finops_core::genai::BUNDLED_VERSION),
        ),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let v: Value = serde_json::from_str(&text).with_context(|| {
                format!("{}: not JSON (expected a genai-prices or LiteLLM price file)", path.display())
            })?;
            match v {
                Value::Array(_) => (
                    Source::Genai(Box::new(
                        Calculator::from_json(text.as_bytes())
                            .map_err(|e| anyhow::anyhow!("{}: not genai-prices data: {e}", path.display()))?,
                    )),
                    format!("genai-prices file {}", path.display()),
                ),
                Value::Object(map) => {
                    (Source::LiteLlm(map.into_iter().collect()), format!("LiteLLM file {}", path.display()))
                }
                _ => bail!("{}: neither a genai-prices provider list nor a LiteLLM model map", path.display()),
            }
        }
    };
    let at = Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).context("a valid day")?);
    let mixes = check_mixes();
    let (mut compared, mut equal, mut missing) = (0, 0, Vec::new());
    let mut diffs: Vec<Difference> = Vec::new();
    let mut seed_only = 0;
    for m in catalog.models.iter().filter(|m| m.available_on(day)) {
        let Some(row) = m.price_on(day) else { continue };
        // The Python showcase's invented prices (`--mix seed`) are not list prices.
        if row.source == "seed" {
            seed_only += 1;
            continue;
        }
        let mut found = false;
        for (mix, usage, tier) in &mixes {
            let theirs = match &source {
                Source::Bundled(calc) => genai_price(calc, m, usage, *tier, at),
                Source::Genai(calc) => genai_price(calc, m, usage, *tier, at),
                Source::LiteLlm(map) => litellm_price(map, m, usage, *tier),
            };
            let Some(theirs) = theirs else { continue };
            found = true;
            let ours = row.cost_at(usage, *tier, at.timestamp_millis()).ok().map(|c| c.usd());
            compared += 1;
            let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
            match (ours, theirs) {
                (Some(a), Some(b)) if same(a, b) => equal += 1,
                // Neither prices this tier: the database falls back to standard, we refuse.
                (None, Some(b))
                    if row
                        .cost_at(usage, ServiceTier::Standard, at.timestamp_millis())
                        .is_ok_and(|s| same(s.usd(), b)) =>
                {
                    equal += 1
                }
                _ => {
                    let own = !row.source.starts_with("genai-prices");
                    diffs.push(Difference {
                        model: format!("{}/{}", m.provider, m.name),
                        mix,
                        ours,
                        theirs,
                        why: row.source.clone(),
                        explained: own || row.source.contains("override:"),
                    });
                }
            }
        }
        if !found {
            missing.push(format!("{}/{}", m.provider, m.name));
        }
    }
    let mut out = String::new();
    outln!(
        out,
        "Catalog list prices on {day} against {name}: {compared} prices compared, {equal} equal, {} differ.",
        diffs.len()
    );
    if !diffs.is_empty() {
        outln!(out);
        outln!(out, "{:<56} {:<32} {:>12} {:>12} {:>8}  our source", "model", "mix", "ours", "theirs", "diff");
        for d in &diffs {
            let f = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
            let pct = match (d.ours, d.theirs) {
                (Some(a), Some(b)) if b > 0.0 => format!("{:+.1}%", 100.0 * (a - b) / b),
                _ => "-".into(),
            };
            let mark = if d.explained { "" } else { "UNEXPLAINED " };
            outln!(
                out,
                "{:<56} {:<32} {:>12} {:>12} {:>8}  {mark}{}",
                d.model,
                d.mix,
                f(d.ours),
                f(d.theirs),
                pct,
                d.why
            );
        }
    }
    if seed_only > 0 {
        outln!(out);
        outln!(out, "{seed_only} models priced only with the seed's table (`--mix seed`) were left out.");
    }
    if !missing.is_empty() {
        outln!(out);
        outln!(out, "Not in {name}: {}", missing.join(", "));
    }
    crate::output::emit(&out)?;
    let unexplained = diffs.iter().filter(|d| !d.explained).count();
    if unexplained > 0 {
        bail!("{unexplained} price(s) differ from {name} without an override saying why");
    }
    Ok(())
}

/// The price of `usage` for catalog model `m` in genai-prices; `None` when it does not know the model,
/// `Some(None)` when it cannot price the mix.
fn genai_price(
    calc: &Calculator,
    m: &Model,
    usage: &Usage,
    tier: ServiceTier,
    at: chrono::DateTime<Utc>,
) -> Option<Option<f64>> {
    let ours = (genai_provider(&m.provider).to_string(), m.name.clone());
    // The calculator matches model references by its rules, not by entry id: try the entry our catalog
    // reads (`genai`), then our own name.
    let named = m.genai.as_deref().and_then(|id| id.split_once('/')).map(|(p, n)| (p.to_string(), n.to_string()));
    named
        .into_iter()
        .chain(std::iter::once(ours))
        .find_map(|(provider, model)| genai_price_of(calc, &provider, &model, usage, tier, at))
}

fn genai_price_of(
    calc: &Calculator,
    provider: &str,
    model: &str,
    usage: &Usage,
    tier: ServiceTier,
    at: chrono::DateTime<Utc>,
) -> Option<Option<f64>> {
    let u = finops_analytics::price_lookup::genai_usage(usage);
    let request = PriceRequest::new(model, &u).with_provider_id(provider).with_timestamp(at);
    let request = finops_analytics::price_lookup::with_tier(request, tier);
    match calc.calculate(&request) {
        Ok(c) => Some(Some(c.total_price)),
        Err(e)
            if matches!(
                e.kind(),
                genai_prices::ErrorKind::ModelNotFound | genai_prices::ErrorKind::ProviderNotFound
            ) =>
        {
            None
        }
        Err(_) => Some(None),
    }
}

/// The price of `usage` from LiteLLM's per-token rates (standard tier only; no long-context tiers).
fn litellm_price(map: &BTreeMap<String, Value>, m: &Model, usage: &Usage, tier: ServiceTier) -> Option<Option<f64>> {
    let prefix = match m.provider.as_str() {
        "google" => "gemini",
        other => other,
    };
    let entry = [format!("{prefix}/{}", m.name), m.name.clone()].iter().find_map(|k| map.get(k))?;
    let rate = |k: &str| entry.get(k).and_then(Value::as_f64);
    if tier != ServiceTier::Standard || usage.input > 200_000 || usage.cache_write_1h > 0 {
        return None;
    }
    let input = rate("input_cost_per_token")?;
    let output = rate("output_cost_per_token").unwrap_or(0.0);
    let cached = rate("cache_read_input_token_cost").unwrap_or(input);
    let write = rate("cache_creation_input_token_cost").unwrap_or(input);
    let uncached = usage.input.saturating_sub(usage.cached_input + usage.cache_write) as f64;
    Some(Some(
        uncached * input
            + usage.cached_input as f64 * cached
            + usage.cache_write as f64 * write
            + usage.output as f64 * output,
    ))
}
