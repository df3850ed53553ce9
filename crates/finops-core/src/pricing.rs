//! The dated pricing catalog: providers with market weights, models with simulator parameters, and
//! effective-dated price rows. Loaded from TOML (the built-in `catalog/pricing.toml` or a user file);
//! every validation error names the file and line.
use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

use crate::cost::{AppliedRates, Cost, CostError, Rate, ServiceTier, Usage};
use crate::negotiated::NegotiatedRates;

/// The catalog compiled into the binary.
pub const BUILTIN_TOML: &str = include_str!("../catalog/pricing.toml");
const BUILTIN_NAME: &str = "built-in catalog/pricing.toml";

/// A catalog that could not be loaded.
#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },
}

/// A price could not be found for a call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriceLookupError {
    #[error("model `{model}` of provider `{provider}` is not in the pricing catalog (unpriced)")]
    UnknownModel { provider: String, model: String },
    #[error("model `{provider}/{model}` has no price before {first} (call dated {at})")]
    BeforeFirstPrice { provider: String, model: String, first: NaiveDate, at: NaiveDate },
}

/// A provider and its share of simulated traffic.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    pub name: String,
    pub display: String,
    /// Market weight; the simulator normalises weights over all providers.
    pub weight: f64,
}

/// What a model can be trusted with: a switch to save money stays within one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Large reasoning models (o3, gpt-5, gemini-2.5-pro).
    Reasoning,
    /// The strongest non-reasoning models (gpt-4.1, Claude Sonnet and Opus, Mistral Large).
    Frontier,
    /// Mid-size and "mini" models (gpt-4o-mini, Claude Haiku, Gemini Flash, o4-mini).
    Mid,
    /// Small, cheap models (nano, lite, micro, 7B).
    Small,
    /// Embedding models.
    Embedding,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Reasoning => "reasoning",
            Capability::Frontier => "frontier",
            Capability::Mid => "mid",
            Capability::Small => "small",
            Capability::Embedding => "embedding",
        }
    }
}

/// One model of one provider.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub provider: String,
    pub name: String,
    /// The capability class; `None` in a user catalog that does not say, and such a model is never
    /// proposed as or replaced by a cheaper one.
    pub class: Option<Capability>,
    pub context_window: u64,
    pub ttft_ms: f64,
    pub tokens_per_s: f64,
    pub reasoning: bool,
    pub popularity: f64,
    pub seed_popularity: f64,
    /// Sorted by `effective_from`, strictly increasing.
    pub prices: Vec<PriceRow>,
}

impl Model {
    /// The price row in force on `date`, if any.
    pub fn price_on(&self, date: NaiveDate) -> Option<&PriceRow> {
        let idx = self.prices.partition_point(|p| p.effective_from <= date);
        idx.checked_sub(1).map(|i| &self.prices[i])
    }

    /// The popularity of this model within its provider in `mix`.
    pub fn popularity_in(&self, mix: Mix) -> f64 {
        match mix {
            Mix::Current => self.popularity,
            Mix::Seed => self.seed_popularity,
        }
    }
}

/// Rates that replace the base rates for a whole request once its prompt exceeds a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LongContext {
    pub above_input_tokens: u64,
    pub input: Rate,
    pub output: Rate,
    pub cached_input: Option<Rate>,
    /// Cache writes of a long request (Anthropic doubles them with the input rate).
    pub cache_write: Option<Rate>,
    pub cache_write_1h: Option<Rate>,
    /// The long-context rates of a batch request (required when the row has batch rates).
    pub batch_input: Option<Rate>,
    pub batch_output: Option<Rate>,
    pub batch_cached_input: Option<Rate>,
}

/// The rates of a service tier (OpenAI's flex and priority processing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierRates {
    pub input: Rate,
    pub output: Rate,
    pub cached_input: Option<Rate>,
    /// Above the row's long-context threshold; without them the tier's rates apply to long requests
    /// too (as the price databases list priority processing).
    pub long_input: Option<Rate>,
    pub long_output: Option<Rate>,
    pub long_cached_input: Option<Rate>,
}

/// A list price in force from `effective_from` (UTC date) until the next row of the same model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceRow {
    pub effective_from: NaiveDate,
    pub input: Rate,
    pub output: Rate,
    pub cached_input: Option<Rate>,
    pub cache_write: Option<Rate>,
    /// 1-hour cache writes (Anthropic: 2x input); without it they are billed as 5-minute writes.
    pub cache_write_1h: Option<Rate>,
    pub batch_input: Option<Rate>,
    pub batch_output: Option<Rate>,
    /// Cache reads and writes in a batch request (OpenAI and Anthropic halve them); without them the
    /// standard cached and cache-write rates apply (Google's rule).
    pub batch_cached_input: Option<Rate>,
    pub batch_cache_write: Option<Rate>,
    pub long_context: Option<LongContext>,
    pub flex: Option<TierRates>,
    pub priority: Option<TierRates>,
    pub source: String,
}

impl PriceRow {
    /// The rates that apply to a request of `input_tokens` prompt tokens in `tier`.
    ///
    /// Rules: above the long-context threshold the long rates apply to the whole request, in batch too
    /// (the long-context batch rates); batch calls use the batch rates, their cache reads and writes the
    /// batch cached and cache-write rates where the row has them, else the standard ones; flex and
    /// priority calls use their tier's rates (its long rates above the threshold where it lists them);
    /// cached input falls back to the input rate where the model lists no cached price (conservative:
    /// never under-charges); cache writes fall back likewise, 1-hour writes to the 5-minute rate.
    pub fn rates(&self, input_tokens: u64, tier: ServiceTier) -> Result<AppliedRates, CostError> {
        let long = self.long_context.filter(|l| input_tokens > l.above_input_tokens);
        let write = long.and_then(|l| l.cache_write).or(self.cache_write);
        let write_1h = long.and_then(|l| l.cache_write_1h).or(self.cache_write_1h);
        let missing = CostError::NoTierPrice(tier);
        let (input, output, cached, write, write_1h) = match (tier, long) {
            (ServiceTier::Standard, None) => (self.input, self.output, self.cached_input, write, write_1h),
            (ServiceTier::Standard, Some(l)) => {
                (l.input, l.output, l.cached_input.or(self.cached_input), write, write_1h)
            }
            (ServiceTier::Batch, None) => (
                self.batch_input.ok_or(missing)?,
                self.batch_output.ok_or(missing)?,
                self.batch_cached_input.or(self.cached_input),
                self.batch_cache_write.or(write),
                write_1h,
            ),
            // A long batch request: the long-context batch rates (the catalog requires them on a row
            // with both).
            (ServiceTier::Batch, Some(l)) => (
                l.batch_input.ok_or(missing)?,
                l.batch_output.ok_or(missing)?,
                l.batch_cached_input.or(self.batch_cached_input).or(l.cached_input).or(self.cached_input),
                self.batch_cache_write.or(write),
                write_1h,
            ),
            (ServiceTier::Flex | ServiceTier::Priority, _) => {
                let t = if tier == ServiceTier::Flex { self.flex } else { self.priority }.ok_or(missing)?;
                match long.and(t.long_input.zip(t.long_output)) {
                    Some((i, o)) => (i, o, t.long_cached_input.or(t.cached_input), write, write_1h),
                    None => (t.input, t.output, t.cached_input, write, write_1h),
                }
            }
        };
        let write = write.unwrap_or(input);
        Ok(AppliedRates {
            input,
            cached_input: cached.unwrap_or(input),
            cache_write: write,
            cache_write_1h: write_1h.unwrap_or(write),
            output,
        })
    }

    /// The exact cost of `usage` under this price row.
    pub fn cost(&self, usage: &Usage, tier: ServiceTier) -> Result<Cost, CostError> {
        self.rates(usage.input, tier)?.cost(usage)
    }

    pub fn has_batch(&self) -> bool {
        self.batch_input.is_some() && self.batch_output.is_some()
    }
}

/// Which popularity column drives the simulated model mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mix {
    /// Today's models (`popularity`).
    #[default]
    Current,
    /// The Python showcase's 22 models, uniform within a provider (`seed_popularity`).
    Seed,
}

/// Providers, models and their dated prices.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub providers: Vec<Provider>,
    pub models: Vec<Model>,
    #[serde(skip)]
    index: HashMap<(String, String), usize>,
}

impl Catalog {
    /// The catalog compiled into the binary. It is validated by the test suite, so this cannot fail at
    /// run time.
    pub fn builtin() -> Catalog {
        Catalog::from_toml_str(BUILTIN_TOML, BUILTIN_NAME).expect("built-in pricing catalog is valid")
    }

    /// Loads and validates a catalog file.
    pub fn from_path(path: &Path) -> Result<Catalog, CatalogError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io { file: file.clone(), source })?;
        Catalog::from_toml_str(&text, &file)
    }

    /// Parses and validates catalog TOML; `file` names the source in error messages.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            CatalogError::Invalid { file: file.to_string(), line, column, message }
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            at(offset, e.message().to_string())
        })?;

        let mut providers = Vec::with_capacity(raw.providers.len());
        for p in &raw.providers {
            let span = p.span().start;
            let p = p.get_ref();
            if p.name.trim().is_empty() {
                return Err(at(span, "provider name is empty".into()));
            }
            if providers.iter().any(|q: &Provider| q.name == p.name) {
                return Err(at(span, format!("provider `{}` is listed twice", p.name)));
            }
            if !p.weight.is_finite() || p.weight < 0.0 {
                return Err(at(span, format!("provider `{}`: weight must be a number >= 0", p.name)));
            }
            providers.push(Provider {
                name: p.name.clone(),
                display: p.display.clone().unwrap_or_else(|| p.name.clone()),
                weight: p.weight,
            });
        }

        let mut models = Vec::with_capacity(raw.models.len());
        let mut index = HashMap::new();
        for m in &raw.models {
            let span = m.span().start;
            let m = m.get_ref();
            let name = format!("{}/{}", m.provider, m.model);
            if !providers.iter().any(|p| p.name == m.provider) {
                return Err(at(
                    span,
                    format!("model `{name}`: provider `{}` is not listed in [[providers]]", m.provider),
                ));
            }
            if m.model.trim().is_empty() {
                return Err(at(span, "model name is empty".into()));
            }
            if index.insert((m.provider.clone(), m.model.clone()), models.len()).is_some() {
                return Err(at(span, format!("model `{name}` is listed twice")));
            }
            for (field, v) in [("popularity", m.popularity), ("seed_popularity", m.seed_popularity)] {
                if !v.is_finite() || v < 0.0 {
                    return Err(at(span, format!("model `{name}`: {field} must be a number >= 0")));
                }
            }
            for (field, v) in [("ttft_ms", m.ttft_ms), ("tokens_per_s", m.tokens_per_s)] {
                if !v.is_finite() || v <= 0.0 {
                    return Err(at(span, format!("model `{name}`: {field} must be a number > 0")));
                }
            }
            if m.context_window == 0 {
                return Err(at(span, format!("model `{name}`: context_window must be > 0")));
            }
            if m.prices.is_empty() {
                return Err(at(span, format!("model `{name}` has no price rows")));
            }
            let mut prices = Vec::with_capacity(m.prices.len());
            for p in &m.prices {
                let pspan = p.span().start;
                prices.push(p.get_ref().validate().map_err(|msg| at(pspan, format!("model `{name}`: {msg}")))?);
            }
            prices.sort_by_key(|p| p.effective_from);
            if let Some(w) = prices.windows(2).find(|w| w[0].effective_from == w[1].effective_from) {
                return Err(at(span, format!("model `{name}` has two prices from {}", w[0].effective_from)));
            }
            models.push(Model {
                provider: m.provider.clone(),
                name: m.model.clone(),
                class: m.class,
                context_window: m.context_window,
                ttft_ms: m.ttft_ms,
                tokens_per_s: m.tokens_per_s,
                reasoning: m.reasoning,
                popularity: m.popularity,
                seed_popularity: m.seed_popularity,
                prices,
            });
        }
        Ok(Catalog { providers, models, index })
    }

    /// Finds a model by provider and name.
    pub fn model(&self, provider: &str, model: &str) -> Option<(usize, &Model)> {
        let idx = *self.index.get(&(provider.to_string(), model.to_string()))?;
        Some((idx, &self.models[idx]))
    }

    /// The model and the price row in force on `date`.
    pub fn price_at(
        &self,
        provider: &str,
        model: &str,
        date: NaiveDate,
    ) -> Result<(&Model, &PriceRow), PriceLookupError> {
        let (_, m) = self.model(provider, model).ok_or_else(|| PriceLookupError::UnknownModel {
            provider: provider.to_string(),
            model: model.to_string(),
        })?;
        let row = m.price_on(date).ok_or_else(|| PriceLookupError::BeforeFirstPrice {
            provider: provider.to_string(),
            model: model.to_string(),
            first: m.prices[0].effective_from,
            at: date,
        })?;
        Ok((m, row))
    }

    /// The effective catalog of an organization: every price row split where a negotiated rate starts
    /// or ends, and the rule in force applied to it (see [`crate::negotiated`]). What-if pricing on it
    /// (model switches, batch, caching) is on the prices the organization really pays.
    pub fn with_negotiated(&self, rates: &NegotiatedRates) -> Catalog {
        let mut out = self.clone();
        if rates.is_empty() {
            return out;
        }
        for m in &mut out.models {
            let first = m.prices[0].effective_from;
            let mut days: Vec<NaiveDate> = m.prices.iter().map(|p| p.effective_from).collect();
            days.extend(rates.boundaries(&m.provider, &m.name).into_iter().filter(|d| *d > first));
            days.sort();
            days.dedup();
            let mut rows = Vec::with_capacity(days.len());
            for day in days {
                let Some(list) = m.price_on(day) else { continue };
                let mut row = match rates.rule_for(&m.provider, &m.name, day) {
                    Some(rule) => rule.apply(list),
                    None => list.clone(),
                };
                row.effective_from = day;
                rows.push(row);
            }
            m.prices = rows;
        }
        out
    }

    /// The provider entry of a model.
    pub fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// Joint probability of each model in simulated traffic: provider weight (normalised over providers)
    /// x model popularity (normalised within the provider). Models with probability 0 are left out.
    ///
    /// Fails if a provider has weight but no model with popularity in this mix.
    pub fn mix_weights(&self, mix: Mix) -> Result<Vec<(usize, f64)>, String> {
        let total_weight: f64 = self.providers.iter().map(|p| p.weight).sum();
        if total_weight <= 0.0 {
            return Err("no provider has a weight > 0".into());
        }
        let mut out = Vec::new();
        for p in self.providers.iter().filter(|p| p.weight > 0.0) {
            let members: Vec<(usize, f64)> = self
                .models
                .iter()
                .enumerate()
                .filter(|(_, m)| m.provider == p.name && m.popularity_in(mix) > 0.0)
                .map(|(i, m)| (i, m.popularity_in(mix)))
                .collect();
            let pop_total: f64 = members.iter().map(|(_, w)| w).sum();
            if pop_total <= 0.0 {
                return Err(format!(
                    "provider `{}` has weight {} but no model with popularity in the {mix:?} mix",
                    p.name, p.weight
                ));
            }
            out.extend(members.into_iter().map(|(i, w)| (i, p.weight / total_weight * w / pop_total)));
        }
        Ok(out)
    }
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    providers: Vec<Spanned<RawProvider>>,
    #[serde(default)]
    models: Vec<Spanned<RawModel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: String,
    display: Option<String>,
    weight: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    provider: String,
    model: String,
    #[serde(default)]
    class: Option<Capability>,
    context_window: u64,
    ttft_ms: f64,
    tokens_per_s: f64,
    #[serde(default)]
    reasoning: bool,
    #[serde(default)]
    popularity: f64,
    #[serde(default)]
    seed_popularity: f64,
    prices: Vec<Spanned<RawPrice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrice {
    effective_from: String,
    input: f64,
    output: f64,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    cache_write_1h: Option<f64>,
    batch_input: Option<f64>,
    batch_output: Option<f64>,
    batch_cached_input: Option<f64>,
    batch_cache_write: Option<f64>,
    long_context: Option<RawLongContext>,
    flex: Option<RawTier>,
    priority: Option<RawTier>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    input: f64,
    output: f64,
    cached_input: Option<f64>,
    long_input: Option<f64>,
    long_output: Option<f64>,
    long_cached_input: Option<f64>,
}

impl RawTier {
    fn validate(&self, name: &str) -> Result<TierRates, String> {
        if self.long_input.is_some() != self.long_output.is_some() {
            return Err(format!("{name}.long_input and {name}.long_output must be given together"));
        }
        Ok(TierRates {
            input: rate(&format!("{name}.input"), self.input)?,
            output: rate(&format!("{name}.output"), self.output)?,
            cached_input: opt_rate(&format!("{name}.cached_input"), self.cached_input)?,
            long_input: opt_rate(&format!("{name}.long_input"), self.long_input)?,
            long_output: opt_rate(&format!("{name}.long_output"), self.long_output)?,
            long_cached_input: opt_rate(&format!("{name}.long_cached_input"), self.long_cached_input)?,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLongContext {
    above_input_tokens: u64,
    input: f64,
    output: f64,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    cache_write_1h: Option<f64>,
    batch_input: Option<f64>,
    batch_output: Option<f64>,
    batch_cached_input: Option<f64>,
}

fn rate(field: &str, v: f64) -> Result<Rate, String> {
    Rate::from_usd_per_million(v)
        .ok_or_else(|| format!("{field} = {v}: a price must be >= 0 USD per 1M tokens with at most 6 decimals"))
}

fn opt_rate(field: &str, v: Option<f64>) -> Result<Option<Rate>, String> {
    v.map(|v| rate(field, v)).transpose()
}

impl RawPrice {
    fn validate(&self) -> Result<PriceRow, String> {
        let effective_from = NaiveDate::parse_from_str(&self.effective_from, "%Y-%m-%d")
            .map_err(|e| format!("effective_from = {:?} is not a YYYY-MM-DD date ({e})", self.effective_from))?;
        if self.batch_input.is_some() != self.batch_output.is_some() {
            return Err("batch_input and batch_output must be given together".into());
        }
        if self.batch_input.is_none() && (self.batch_cached_input.is_some() || self.batch_cache_write.is_some()) {
            return Err("batch_cached_input and batch_cache_write need batch_input and batch_output".into());
        }
        let long_context = match &self.long_context {
            None => None,
            Some(l) => {
                if l.batch_input.is_some() != l.batch_output.is_some() {
                    return Err("long_context.batch_input and batch_output must be given together".into());
                }
                if self.batch_input.is_some() && l.batch_input.is_none() {
                    return Err("a row with batch and long-context rates needs long_context.batch_input and \
                                long_context.batch_output (a long batch request is billed at both)"
                        .into());
                }
                Some(LongContext {
                    above_input_tokens: l.above_input_tokens,
                    input: rate("long_context.input", l.input)?,
                    output: rate("long_context.output", l.output)?,
                    cached_input: opt_rate("long_context.cached_input", l.cached_input)?,
                    cache_write: opt_rate("long_context.cache_write", l.cache_write)?,
                    cache_write_1h: opt_rate("long_context.cache_write_1h", l.cache_write_1h)?,
                    batch_input: opt_rate("long_context.batch_input", l.batch_input)?,
                    batch_output: opt_rate("long_context.batch_output", l.batch_output)?,
                    batch_cached_input: opt_rate("long_context.batch_cached_input", l.batch_cached_input)?,
                })
            }
        };
        Ok(PriceRow {
            effective_from,
            input: rate("input", self.input)?,
            output: rate("output", self.output)?,
            cached_input: opt_rate("cached_input", self.cached_input)?,
            cache_write: opt_rate("cache_write", self.cache_write)?,
            cache_write_1h: opt_rate("cache_write_1h", self.cache_write_1h)?,
            batch_input: opt_rate("batch_input", self.batch_input)?,
            batch_output: opt_rate("batch_output", self.batch_output)?,
            batch_cached_input: opt_rate("batch_cached_input", self.batch_cached_input)?,
            batch_cache_write: opt_rate("batch_cache_write", self.batch_cache_write)?,
            long_context,
            flex: self.flex.as_ref().map(|t| t.validate("flex")).transpose()?,
            priority: self.priority.as_ref().map(|t| t.validate("priority")).transpose()?,
            source: self.source.clone().unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn builtin_catalog_is_valid_and_complete() {
        let c = Catalog::builtin();
        let seven = ["openai", "anthropic", "google", "bedrock", "azure", "mistral", "cohere"];
        for p in seven {
            assert!(c.provider(p).is_some(), "{p} missing");
        }
        let weights: Vec<f64> = seven.iter().map(|p| c.provider(p).unwrap().weight).collect();
        assert_eq!(weights, vec![0.40, 0.25, 0.15, 0.10, 0.07, 0.02, 0.01]);
        let current = c.models.iter().filter(|m| m.popularity > 0.0).count();
        assert!(current >= 25, "only {current} current models");
        assert_eq!(c.models.iter().filter(|m| m.seed_popularity > 0.0).count(), 22, "the seed's 22 models");
        for mix in [Mix::Current, Mix::Seed] {
            let w = c.mix_weights(mix).unwrap();
            let total: f64 = w.iter().map(|(_, p)| p).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn landscape_prices_are_loaded_exactly() {
        let c = Catalog::builtin();
        let at = d("2026-09-01");
        let (_, p) = c.price_at("anthropic", "claude-sonnet-4-5", at).unwrap();
        assert_eq!(p.input, Rate(3_000_000));
        assert_eq!(p.output, Rate(15_000_000));
        assert_eq!(p.cached_input, Some(Rate(300_000)));
        assert_eq!(p.cache_write, Some(Rate(3_750_000)));
        let (_, p) = c.price_at("cohere", "command-r7b-12-2024", at).unwrap();
        assert_eq!(p.input, Rate(37_500));
        let (_, p) = c.price_at("openai", "gpt-4o-mini", at).unwrap();
        assert_eq!((p.batch_input, p.batch_output), (Some(Rate(75_000)), Some(Rate(300_000))));
    }

    #[test]
    fn prices_apply_by_date() {
        let c = Catalog::builtin();
        // o3 cut its price from 10/40 to 2/8 on 2025-06-10.
        let (_, before) = c.price_at("openai", "o3", d("2025-06-09")).unwrap();
        let (_, after) = c.price_at("openai", "o3", d("2025-06-10")).unwrap();
        assert_eq!(before.input, Rate(10_000_000));
        assert_eq!(after.input, Rate(2_000_000));
        assert!(matches!(c.price_at("openai", "o3", d("2025-01-01")), Err(PriceLookupError::BeforeFirstPrice { .. })));
        assert!(matches!(c.price_at("openai", "gpt-9", d("2026-01-01")), Err(PriceLookupError::UnknownModel { .. })));
    }

    #[test]
    fn cost_rules_hand_computed() {
        let c = Catalog::builtin();
        let at = d("2026-09-01");
        // claude-sonnet-4-5, 250,000-token prompt (above 200k): long rates 6 / 22.5 / cached 0.6 apply to all.
        // 200,000 uncached x 6 + 50,000 cached x 0.6 + 1,000 out x 22.5 = 1.2 + 0.03 + 0.0225 = 1.2525 USD
        let (_, p) = c.price_at("anthropic", "claude-sonnet-4-5", at).unwrap();
        let u = Usage { input: 250_000, cached_input: 50_000, cache_write: 0, cache_write_1h: 0, output: 1_000 };
        assert_eq!(p.cost(&u, ServiceTier::Standard).unwrap().to_string(), "1.2525");
        // The same request at 200,000 tokens stays on the base rates: 150k x 3 + 50k x 0.3 + 1k x 15.
        let u = Usage { input: 200_000, cached_input: 50_000, cache_write: 0, cache_write_1h: 0, output: 1_000 };
        assert_eq!(p.cost(&u, ServiceTier::Standard).unwrap().to_string(), "0.48");
        // Cache write at 3.75: 10,000 written + 0 other => 0.0375.
        let u = Usage { input: 10_000, cached_input: 0, cache_write: 10_000, cache_write_1h: 0, output: 0 };
        assert_eq!(p.cost(&u, ServiceTier::Standard).unwrap().to_string(), "0.0375");
        // gpt-4o batch: 2,000 in x 1.25 + 500 out x 5 = 0.0025 + 0.0025.
        let (_, p) = c.price_at("openai", "gpt-4o", at).unwrap();
        let u = Usage { input: 2_000, output: 500, ..Usage::default() };
        assert_eq!(p.cost(&u, ServiceTier::Batch).unwrap().to_string(), "0.005");
        assert_eq!(p.cost(&u, ServiceTier::Standard).unwrap().to_string(), "0.01");
        // gpt-5.4, 300,000-token batch request: the long-context batch rates, 300k x 2.5 + 1k x 11.25
        // = 0.76125 (standard: 300k x 5 + 1k x 22.5 = 1.5225); batch no longer undercuts the long tier.
        let (_, p) = c.price_at("openai", "gpt-5.4", at).unwrap();
        let long = Usage { input: 300_000, output: 1_000, ..Usage::default() };
        assert_eq!(p.cost(&long, ServiceTier::Batch).unwrap().to_string(), "0.76125");
        assert_eq!(p.cost(&long, ServiceTier::Standard).unwrap().to_string(), "1.5225");
        // Its batch cache reads are halved too: 2k x 1.25 + 8k x 0.125 + 500 x 7.5 = 0.00725.
        let cached = Usage { input: 10_000, cached_input: 8_000, output: 500, ..Usage::default() };
        assert_eq!(p.cost(&cached, ServiceTier::Batch).unwrap().to_string(), "0.00725");
        // No batch price: an error, not a guess.
        let (_, p) = c.price_at("openai", "o3", at).unwrap();
        assert_eq!(p.cost(&u, ServiceTier::Batch), Err(CostError::NoTierPrice(ServiceTier::Batch)));
        // Flex and priority (OpenAI): gpt-5 flex 2k in x 0.625 + 500 out x 5; gpt-5.4 flex long uses the
        // tier's long rates (300k x 2.5 + 1k x 11.25), priority lists none (300k x 5 + 1k x 30).
        let (_, p) = c.price_at("openai", "gpt-5", at).unwrap();
        let u2 = Usage { input: 2_000, output: 500, ..Usage::default() };
        assert_eq!(p.cost(&u2, ServiceTier::Flex).unwrap().to_string(), "0.00375");
        let (_, p) = c.price_at("openai", "gpt-5.4", d("2026-11-01")).unwrap();
        assert_eq!(p.cost(&long, ServiceTier::Flex).unwrap().to_string(), "0.76125");
        assert_eq!(p.cost(&long, ServiceTier::Priority).unwrap().to_string(), "1.53");
        let (_, p) = c.price_at("openai", "gpt-4.1-nano", at).unwrap();
        assert_eq!(p.cost(&u2, ServiceTier::Flex), Err(CostError::NoTierPrice(ServiceTier::Flex)));
        // Anthropic 1-hour cache writes at 2x input (sonnet 4.5: 6.00): 10k written = 0.06; above 200k
        // the long write rates: 200k x 6 + 50k x 7.5 (5-minute) = 1.575.
        let (_, p) = c.price_at("anthropic", "claude-sonnet-4-5", at).unwrap();
        let w1h = Usage { input: 10_000, cache_write_1h: 10_000, ..Usage::default() };
        assert_eq!(p.cost(&w1h, ServiceTier::Standard).unwrap().to_string(), "0.06");
        let long_write = Usage { input: 250_000, cache_write: 50_000, ..Usage::default() };
        assert_eq!(p.cost(&long_write, ServiceTier::Standard).unwrap().to_string(), "1.575");
        // Cached input without a cached price is charged at the input rate.
        let (_, p) = c.price_at("mistral", "codestral-latest", at).unwrap();
        let u = Usage { input: 1_000_000, cached_input: 500_000, ..Usage::default() };
        assert_eq!(p.cost(&u, ServiceTier::Standard).unwrap().to_string(), "0.3");
    }

    #[test]
    fn malformed_catalogs_name_the_line() {
        let bad_syntax = "[[providers]]\nname = \"x\"\nweight = \n";
        let e = Catalog::from_toml_str(bad_syntax, "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:3:"), "{e}");

        let unknown_provider = "[[providers]]\nname = \"a\"\nweight = 1.0\n\n[[models]]\nprovider = \"b\"\nmodel = \"m\"\ncontext_window = 10\nttft_ms = 1\ntokens_per_s = 1\nprices = [{ effective_from = \"2026-01-01\", input = 1, output = 1 }]\n";
        let e = Catalog::from_toml_str(unknown_provider, "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:5:") && e.contains("provider `b`"), "{e}");

        let bad_price = "[[providers]]\nname = \"a\"\nweight = 1.0\n[[models]]\nprovider = \"a\"\nmodel = \"m\"\ncontext_window = 10\nttft_ms = 1\ntokens_per_s = 1\nprices = [\n  { effective_from = \"2026-01-01\", input = 1, output = 1 },\n  { effective_from = \"2026-02-30\", input = 1, output = 1 },\n]\n";
        let e = Catalog::from_toml_str(bad_price, "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:12:") && e.contains("2026-02-30"), "{e}");

        let typo = "[[providers]]\nname = \"a\"\nwieght = 1.0\n";
        let e = Catalog::from_toml_str(typo, "p.toml").unwrap_err().to_string();
        assert!(e.contains("wieght"), "{e}");

        let negative = "[[providers]]\nname = \"a\"\nweight = 1.0\n[[models]]\nprovider = \"a\"\nmodel = \"m\"\ncontext_window = 10\nttft_ms = 1\ntokens_per_s = 1\nprices = [{ effective_from = \"2026-01-01\", input = -1, output = 1 }]\n";
        let e = Catalog::from_toml_str(negative, "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:10:") && e.contains("input = -1"), "{e}");
    }
}
