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
use crate::genai::GenaiDb;
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
    /// The day the provider stopped serving the model (calls from then on are not simulated).
    pub shut_down: Option<NaiveDate>,
    /// The genai-prices entry its list prices come from, as `provider/model` (models with
    /// `listed_from`).
    pub genai: Option<String>,
    /// Sorted by `effective_from`, strictly increasing.
    pub prices: Vec<PriceRow>,
}

impl Model {
    /// The price row in force on `date`, if any.
    pub fn price_on(&self, date: NaiveDate) -> Option<&PriceRow> {
        let idx = self.prices.partition_point(|p| p.effective_from <= date);
        idx.checked_sub(1).map(|i| &self.prices[i])
    }

    /// Whether the model can be called on `date`: priced, and not shut down.
    pub fn available_on(&self, date: NaiveDate) -> bool {
        self.price_on(date).is_some() && self.shut_down.is_none_or(|s| date < s)
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

/// Rates in force within a UTC time-of-day window (DeepSeek's peak and off-peak hours): they replace
/// the row's standard input, output and cached rates for calls that start inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeWindow {
    /// Seconds after midnight UTC, `from_s` inclusive, `to_s` exclusive; wraps past midnight when
    /// `to_s < from_s`.
    pub from_s: u32,
    pub to_s: u32,
    pub input: Rate,
    pub output: Rate,
    pub cached_input: Option<Rate>,
}

impl TimeWindow {
    pub fn covers(&self, second_of_day: u32) -> bool {
        if self.to_s < self.from_s {
            second_of_day >= self.from_s || second_of_day < self.to_s
        } else {
            second_of_day >= self.from_s && second_of_day < self.to_s
        }
    }
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
    /// Standard rates by UTC time of day (first matching window wins).
    pub time_of_day: Vec<TimeWindow>,
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

    /// The rates for a request that starts `ms_of_day` milliseconds after midnight UTC: a time-of-day
    /// window's rates replace the standard ones (the other tiers have none).
    pub fn rates_at(&self, input_tokens: u64, tier: ServiceTier, ms_of_day: u32) -> Result<AppliedRates, CostError> {
        let mut r = self.rates(input_tokens, tier)?;
        if tier == ServiceTier::Standard
            && let Some(w) = self.time_of_day.iter().find(|w| w.covers(ms_of_day / 1000))
        {
            r.input = w.input;
            r.output = w.output;
            r.cached_input = w.cached_input.unwrap_or(w.input);
        }
        Ok(r)
    }

    /// The exact cost of `usage` for a call at Unix milliseconds `ts_ms` (time-of-day prices apply).
    pub fn cost_at(&self, usage: &Usage, tier: ServiceTier, ts_ms: i64) -> Result<Cost, CostError> {
        let ms_of_day = ts_ms.rem_euclid(86_400_000) as u32;
        self.rates_at(usage.input, tier, ms_of_day)?.cost(usage)
    }

    /// The exact cost of `usage` under this price row, ignoring time-of-day windows (see
    /// [`PriceRow::cost_at`]).
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

/// Token mixes that exercise every billing rule (plain, cached, 5-minute and 1-hour cache writes, long
/// context, batch, flex, priority): `finops pricing check` and the genai-prices test price each model
/// with them.
pub fn check_mixes() -> Vec<(&'static str, Usage, ServiceTier)> {
    use ServiceTier::{Batch, Flex, Priority, Standard};
    let u = |input: u64, cached_input: u64, cache_write: u64, cache_write_1h: u64, output: u64| Usage {
        input,
        cached_input,
        cache_write,
        cache_write_1h,
        output,
    };
    vec![
        ("plain", u(1_000, 0, 0, 0, 500), Standard),
        ("cached", u(10_000, 8_000, 0, 0, 500), Standard),
        ("cache write", u(10_000, 0, 8_000, 0, 500), Standard),
        ("cache write 1h", u(10_000, 0, 0, 8_000, 500), Standard),
        ("long context", u(300_000, 0, 0, 0, 1_000), Standard),
        ("long context cached and written", u(300_000, 100_000, 50_000, 50_000, 1_000), Standard),
        ("batch", u(1_000, 0, 0, 0, 500), Batch),
        ("batch cached", u(10_000, 8_000, 0, 0, 500), Batch),
        ("batch long context", u(300_000, 0, 0, 0, 1_000), Batch),
        ("flex", u(1_000, 0, 0, 0, 500), Flex),
        ("flex cached", u(10_000, 8_000, 0, 0, 500), Flex),
        ("flex long context", u(300_000, 0, 0, 0, 1_000), Flex),
        ("priority", u(1_000, 0, 0, 0, 500), Priority),
        ("priority cached", u(10_000, 8_000, 0, 0, 500), Priority),
    ]
}

/// The mix from a day on: (first day, [(model index, probability)]).
pub type MixEpoch = (NaiveDate, Vec<(usize, f64)>);

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
        static BUILTIN: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Catalog::from_toml_str(BUILTIN_TOML, BUILTIN_NAME).expect("built-in pricing catalog is valid")
            })
            .clone()
    }

    /// Loads and validates a catalog file.
    pub fn from_path(path: &Path) -> Result<Catalog, CatalogError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io { file: file.clone(), source })?;
        Catalog::from_toml_str(&text, &file)
    }

    /// Parses and validates catalog TOML; `file` names the source in error messages. Models with
    /// `listed_from` take their list prices from the bundled genai-prices data.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_toml_with(text, file, GenaiDb::bundled())
    }

    /// [`Catalog::from_toml_str`] with list prices from `db` (e.g. a newer genai-prices file).
    pub fn from_toml_with(text: &str, file: &str, db: &GenaiDb) -> Result<Catalog, CatalogError> {
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
            if m.prices.is_empty() && m.listed_from.is_none() {
                return Err(at(span, format!("model `{name}` has no price rows and no listed_from (genai-prices)")));
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
            let mut genai_id = None;
            if let Some(listed) = &m.listed_from {
                let listed = NaiveDate::parse_from_str(listed, "%Y-%m-%d").map_err(|e| {
                    at(span, format!("model `{name}`: listed_from = {listed:?} is not a YYYY-MM-DD date ({e})"))
                })?;
                let (gp, gm) = match &m.genai {
                    Some(g) => g
                        .split_once('/')
                        .ok_or_else(|| at(span, format!("model `{name}`: genai = {g:?} is not \"provider/model\"")))?,
                    None => (genai_provider(&m.provider), m.model.as_str()),
                };
                let listed_rows = db.rows(gp, gm, listed).map_err(|e| at(span, format!("model `{name}`: {e}")))?;
                genai_id = Some(format!("{gp}/{gm}"));
                // A row of our own on the same day wins (stable sort keeps ours after theirs).
                prices.extend(listed_rows);
                prices.sort_by_key(|p| (p.effective_from, p.source.starts_with(&db.source)));
                prices.dedup_by(|later, earlier| later.effective_from == earlier.effective_from);
            }
            let mut overrides = Vec::with_capacity(m.overrides.len());
            for o in &m.overrides {
                let ospan = o.span().start;
                overrides.push(o.get_ref().validate().map_err(|msg| at(ospan, format!("model `{name}`: {msg}")))?);
            }
            let prices =
                apply_overrides(prices, &overrides).map_err(|msg| at(span, format!("model `{name}`: {msg}")))?;
            if let Some(p) = prices.iter().find(|p| {
                p.has_batch() && p.long_context.is_some_and(|l| l.batch_input.is_none() || l.batch_output.is_none())
            }) {
                return Err(at(
                    span,
                    format!(
                        "model `{name}`: the price from {} has batch and long-context rates but no long-context batch \
                         rates (a long batch request is billed at both)",
                        p.effective_from
                    ),
                ));
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
                shut_down: m
                    .shut_down
                    .as_deref()
                    .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
                    .transpose()
                    .map_err(|e| at(span, format!("model `{name}`: shut_down is not a YYYY-MM-DD date ({e})")))?,
                genai: genai_id,
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
            let boundaries = rates.boundaries(&m.provider, &m.name);
            let (provider, name) = (m.provider.clone(), m.name.clone());
            let Ok(prices) = resplit(&m.prices, boundaries, |day, list| {
                Ok::<_, std::convert::Infallible>(match rates.rule_for(&provider, &name, day) {
                    Some(rule) => rule.apply(list),
                    None => list.clone(),
                })
            });
            m.prices = prices;
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
        self.weights_where(mix, |_| true, true)
    }

    /// The mix among the models available on `date` (priced and not shut down): a provider with none
    /// that day drops out and the others share its weight. Fails if no model is available.
    pub fn mix_weights_on(&self, mix: Mix, date: NaiveDate) -> Result<Vec<(usize, f64)>, String> {
        let w = self.weights_where(mix, |m| m.available_on(date), false)?;
        if w.is_empty() {
            return Err(format!("no model of the {mix:?} mix is priced and served on {date}"));
        }
        Ok(w)
    }

    /// The mix from `from` on, as (first day, weights) for each stretch of days with the same available
    /// models: the days models are listed, change their first price or shut down.
    pub fn mix_epochs(&self, mix: Mix, from: NaiveDate) -> Result<Vec<MixEpoch>, String> {
        let mut days: Vec<NaiveDate> = vec![from];
        for m in self.models.iter().filter(|m| m.popularity_in(mix) > 0.0) {
            days.extend(m.prices.first().map(|p| p.effective_from));
            days.extend(m.shut_down);
        }
        days.retain(|d| *d >= from);
        days.sort();
        days.dedup();
        let mut out: Vec<MixEpoch> = Vec::new();
        for day in days {
            let w = self.mix_weights_on(mix, day)?;
            if out.last().is_none_or(|(_, last)| *last != w) {
                out.push((day, w));
            }
        }
        Ok(out)
    }

    fn weights_where(
        &self,
        mix: Mix,
        available: impl Fn(&Model) -> bool,
        strict: bool,
    ) -> Result<Vec<(usize, f64)>, String> {
        let mut groups = Vec::new();
        for p in self.providers.iter().filter(|p| p.weight > 0.0) {
            let members: Vec<(usize, f64)> = self
                .models
                .iter()
                .enumerate()
                .filter(|(_, m)| m.provider == p.name && m.popularity_in(mix) > 0.0 && available(m))
                .map(|(i, m)| (i, m.popularity_in(mix)))
                .collect();
            let pop_total: f64 = members.iter().map(|(_, w)| w).sum();
            if pop_total <= 0.0 {
                if strict {
                    return Err(format!(
                        "provider `{}` has weight {} but no model with popularity in the {mix:?} mix",
                        p.name, p.weight
                    ));
                }
                continue;
            }
            groups.push((p.weight, pop_total, members));
        }
        let total_weight: f64 = groups.iter().map(|g| g.0).sum();
        if total_weight <= 0.0 && strict {
            return Err("no provider has a weight > 0".into());
        }
        Ok(groups
            .into_iter()
            .flat_map(|(w, pop_total, members)| {
                members.into_iter().map(move |(i, p)| (i, w / total_weight * p / pop_total))
            })
            .collect())
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
    #[serde(default)]
    prices: Vec<Spanned<RawPrice>>,
    /// List prices from genai-prices from this day on (the day we know the model was listed).
    listed_from: Option<String>,
    /// The day the provider stopped serving it.
    shut_down: Option<String>,
    /// The model in genai-prices as `provider/model`, when its name differs from ours.
    genai: Option<String>,
    /// Dated corrections of the database's prices, each with why.
    #[serde(default)]
    overrides: Vec<Spanned<RawOverride>>,
}

/// A dated correction of list prices: every rate it names replaces the database's (or, with
/// `when_missing`, fills it where the database has none) on the days from `from` to `until`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    from: String,
    until: Option<String>,
    why: String,
    #[serde(default)]
    when_missing: bool,
    input: Option<f64>,
    output: Option<f64>,
    cached_input: Option<f64>,
    cache_write: Option<f64>,
    cache_write_1h: Option<f64>,
    batch_input: Option<f64>,
    batch_output: Option<f64>,
    batch_cached_input: Option<f64>,
    batch_cache_write: Option<f64>,
    long_cached_input: Option<f64>,
    long_batch_input: Option<f64>,
    long_batch_output: Option<f64>,
    long_batch_cached_input: Option<f64>,
    flex: Option<RawTier>,
    priority: Option<RawTier>,
}

/// A validated [`RawOverride`].
struct Override {
    from: NaiveDate,
    until: Option<NaiveDate>,
    why: String,
    when_missing: bool,
    /// (field, rate) pairs, applied in order.
    rates: Vec<(&'static str, Rate)>,
    flex: Option<TierRates>,
    priority: Option<TierRates>,
}

impl RawOverride {
    fn validate(&self) -> Result<Override, String> {
        let day = |field: &str, s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|e| format!("override {field} = {s:?} is not a YYYY-MM-DD date ({e})"))
        };
        if self.why.trim().is_empty() {
            return Err("an override needs a why".into());
        }
        let named = [
            ("input", self.input),
            ("output", self.output),
            ("cached_input", self.cached_input),
            ("cache_write", self.cache_write),
            ("cache_write_1h", self.cache_write_1h),
            ("batch_input", self.batch_input),
            ("batch_output", self.batch_output),
            ("batch_cached_input", self.batch_cached_input),
            ("batch_cache_write", self.batch_cache_write),
            ("long_cached_input", self.long_cached_input),
            ("long_batch_input", self.long_batch_input),
            ("long_batch_output", self.long_batch_output),
            ("long_batch_cached_input", self.long_batch_cached_input),
        ];
        let mut rates = Vec::new();
        for (field, v) in named {
            if let Some(v) = v {
                rates.push((field, rate(field, v)?));
            }
        }
        Ok(Override {
            from: day("from", &self.from)?,
            until: self.until.as_deref().map(|u| day("until", u)).transpose()?,
            why: self.why.clone(),
            when_missing: self.when_missing,
            rates,
            flex: self.flex.as_ref().map(|t| t.validate("flex")).transpose()?,
            priority: self.priority.as_ref().map(|t| t.validate("priority")).transpose()?,
        })
    }
}

impl Override {
    fn covers(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|u| day <= u)
    }

    fn apply(&self, row: &mut PriceRow) -> Result<(), String> {
        // Sets a rate (only a missing one with `when_missing`); says whether it changed.
        let fill = |slot: &mut Option<Rate>, r: Rate| {
            let before = *slot;
            if !(self.when_missing && slot.is_some()) {
                *slot = Some(r);
            }
            *slot != before
        };
        let set = |slot: &mut Rate, r: Rate| std::mem::replace(slot, r) != r;
        let mut changed = false;
        for &(field, r) in &self.rates {
            changed |= match field {
                "input" => set(&mut row.input, r),
                "output" => set(&mut row.output, r),
                "cached_input" => fill(&mut row.cached_input, r),
                "cache_write" => fill(&mut row.cache_write, r),
                "cache_write_1h" => fill(&mut row.cache_write_1h, r),
                "batch_input" => fill(&mut row.batch_input, r),
                "batch_output" => fill(&mut row.batch_output, r),
                "batch_cached_input" => fill(&mut row.batch_cached_input, r),
                "batch_cache_write" => fill(&mut row.batch_cache_write, r),
                long => {
                    let l = row.long_context.as_mut().ok_or_else(|| {
                        format!("override `{}`: {long} on a price without long-context rates", self.why)
                    })?;
                    match long {
                        "long_cached_input" => fill(&mut l.cached_input, r),
                        "long_batch_input" => fill(&mut l.batch_input, r),
                        "long_batch_output" => fill(&mut l.batch_output, r),
                        _ => fill(&mut l.batch_cached_input, r),
                    }
                }
            };
        }
        for (slot, t) in [(&mut row.flex, self.flex), (&mut row.priority, self.priority)] {
            if let Some(t) = t
                && !(self.when_missing && slot.is_some())
            {
                *slot = Some(t);
                changed = true;
            }
        }
        if changed {
            row.source = format!("{}; override: {}", row.source, self.why);
        }
        Ok(())
    }
}

/// `rows` split where an override starts or ends, each override applied on the days it covers.
fn apply_overrides(rows: Vec<PriceRow>, overrides: &[Override]) -> Result<Vec<PriceRow>, String> {
    if overrides.is_empty() {
        return Ok(rows);
    }
    let boundaries = overrides.iter().flat_map(|o| std::iter::once(o.from).chain(o.until.and_then(|u| u.succ_opt())));
    resplit(&rows, boundaries, |day, row| {
        let mut row = row.clone();
        for o in overrides.iter().filter(|o| o.covers(day)) {
            o.apply(&mut row)?;
        }
        Ok(row)
    })
}

/// A model's rows split on `boundaries` too (days on or before the first row are ignored): one row per
/// day that a row starts or a boundary falls, made by `make` from that day and the row in force then.
/// Negotiated rates and overrides both change prices from such days.
fn resplit<E>(
    rows: &[PriceRow],
    boundaries: impl IntoIterator<Item = NaiveDate>,
    make: impl Fn(NaiveDate, &PriceRow) -> Result<PriceRow, E>,
) -> Result<Vec<PriceRow>, E> {
    let Some(first) = rows.first().map(|r| r.effective_from) else { return Ok(Vec::new()) };
    let mut days: Vec<NaiveDate> = rows.iter().map(|r| r.effective_from).collect();
    days.extend(boundaries.into_iter().filter(|d| *d > first));
    days.sort();
    days.dedup();
    days.into_iter()
        .map(|day| {
            let in_force = &rows[rows.partition_point(|r| r.effective_from <= day) - 1];
            let mut row = make(day, in_force)?;
            row.effective_from = day;
            Ok(row)
        })
        .collect()
}

/// Our provider names in genai-prices (`bedrock` is `aws` there).
pub fn genai_provider(ours: &str) -> &str {
    match ours {
        "bedrock" => "aws",
        other => other,
    }
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
            time_of_day: Vec::new(),
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
