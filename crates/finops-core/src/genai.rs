//! List prices from pydantic's genai-prices database (its `prices.json`, as bundled in the Rust crate
//! `genai-prices` 0.2.1 and vendored here byte for byte, or a newer file a user downloaded), turned into
//! our dated price rows once, when the catalog is built: the simulator and the analyses then price
//! with exact integer rates and never match model names per call.
//!
//! What is read: per model, the prices in force from each `start_date` (and, for DeepSeek, in UTC
//! time-of-day windows), the long-context tier of each price (`{base, tiers}`), cache reads and writes
//! (5-minute and 1-hour), and the `processing = batch` and `service_tier = flex | priority` variants
//! with their start dates. Variants belong to the provider that defines them: a model found through a
//! fallback provider (Azure's OpenAI models) gets standard rates only, as genai-prices itself prices it.
//!
//! ```
//! use finops_core::genai::GenaiDb;
//! let db = GenaiDb::bundled();
//! let day = chrono::NaiveDate::from_ymd_opt(2026, 7, 24).unwrap();
//! let rows = db.rows("openai", "gpt-5", day).unwrap();
//! let last = rows.last().unwrap();
//! assert_eq!(last.input.usd_per_million(), 1.25);
//! assert_eq!(last.flex.unwrap().input.usd_per_million(), 0.625);
//! ```
use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;
use std::borrow::Cow;
use thiserror::Error;

use crate::cost::Rate;
use crate::pricing::{LongContext, PriceRow, TierRates, TimeWindow};

/// The genai-prices release whose data is vendored in `catalog/`.
pub const BUNDLED_VERSION: &str = "0.2.1";
const BUNDLED_JSON: &str = include_str!("../catalog/genai-prices-0.2.1.json");

/// A price database that could not be read or a model it cannot price.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GenaiError {
    #[error("not a genai-prices data file: {0}")]
    Format(String),
    #[error("genai-prices has no model `{model}` for provider `{provider}`")]
    UnknownModel { provider: String, model: String },
    #[error("genai-prices `{provider}/{model}`: {message}")]
    Unsupported { provider: String, model: String, message: String },
}

/// A price: flat, or a base with a higher rate for whole requests above a prompt size.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value2 {
    Flat(f64),
    Tiered { base: f64, above: u64, price: f64 },
}

impl Value2 {
    fn base(self) -> f64 {
        match self {
            Value2::Flat(v) | Value2::Tiered { base: v, .. } => v,
        }
    }
    fn long(self) -> Option<(u64, f64)> {
        match self {
            Value2::Flat(_) => None,
            Value2::Tiered { above, price, .. } => Some((above, price)),
        }
    }
}

type Prices = BTreeMap<String, Value2>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Constraint {
    From(NaiveDate),
    /// Seconds after midnight UTC; wraps past midnight when `to < from`.
    TimeOfDay(u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Batch,
    Flex,
    Priority,
}

#[derive(Debug, Clone)]
struct Model {
    id: String,
    /// In file order; the last active one applies (genai-prices' rule).
    prices: Vec<(Option<Constraint>, Prices)>,
    /// In file order; for each price key the first active matching variant applies.
    variants: Vec<(Variant, Option<NaiveDate>, Prices)>,
}

#[derive(Debug, Clone)]
struct Provider {
    id: String,
    fallback: Vec<String>,
    models: Vec<Model>,
}

/// A parsed genai-prices data file.
#[derive(Debug, Clone)]
pub struct GenaiDb {
    providers: Vec<Provider>,
    /// Where the data came from, for each row's `source`.
    pub source: String,
}

impl GenaiDb {
    /// The vendored data of genai-prices 0.2.1 (parsed once per process).
    pub fn bundled() -> &'static GenaiDb {
        static DB: OnceLock<GenaiDb> = OnceLock::new();
        DB.get_or_init(|| {
            GenaiDb::from_json(BUNDLED_JSON, &format!("genai-prices-{BUNDLED_VERSION}"))
                .expect("the vendored genai-prices data is valid (tested)")
        })
    }

    /// Parses a genai-prices `prices.json` (the v2 provider list); `source` names it in price rows.
    pub fn from_json(text: &str, source: &str) -> Result<GenaiDb, GenaiError> {
        // Typed, borrowing and skipping what we do not read (descriptions, match rules, extractors):
        // a third of the time of a generic JSON tree, paid at every start of the program.
        let raw: Vec<RawProvider<'_>> = serde_json::from_str(text).map_err(|e| GenaiError::Format(e.to_string()))?;
        let mut providers = Vec::with_capacity(raw.len());
        for p in raw {
            let mut models = Vec::with_capacity(p.models.len());
            for m in p.models {
                models.push(m.parse().map_err(|e| GenaiError::Format(format!("{}: {e}", p.id)))?);
            }
            providers.push(Provider { id: p.id.into_owned(), fallback: p.fallback_model_providers, models });
        }
        Ok(GenaiDb { providers, source: source.to_string() })
    }

    /// The model `model` of provider `provider` (or of one of its fallback providers), and whether it
    /// was found through a fallback.
    fn find(&self, provider: &str, model: &str) -> Option<(&Model, bool)> {
        let p = self.providers.iter().find(|p| p.id == provider)?;
        if let Some(m) = p.models.iter().find(|m| m.id == model) {
            return Some((m, false));
        }
        p.fallback.iter().find_map(|f| {
            let q = self.providers.iter().find(|q| &q.id == f)?;
            q.models.iter().find(|m| m.id == model).map(|m| (m, true))
        })
    }

    /// Whether the database lists `provider`/`model`.
    pub fn has(&self, provider: &str, model: &str) -> bool {
        self.find(provider, model).is_some()
    }

    /// The model's price rows from `listed_from` on: one row from that day and one from every later
    /// day a price or variant starts.
    pub fn rows(&self, provider: &str, model: &str, listed_from: NaiveDate) -> Result<Vec<PriceRow>, GenaiError> {
        let (m, via_fallback) = self
            .find(provider, model)
            .ok_or_else(|| GenaiError::UnknownModel { provider: provider.into(), model: model.into() })?;
        let unsupported =
            |message: String| GenaiError::Unsupported { provider: provider.into(), model: model.into(), message };
        let mut days = vec![listed_from];
        days.extend(m.prices.iter().filter_map(|(c, _)| match c {
            Some(Constraint::From(d)) => Some(*d),
            _ => None,
        }));
        if !via_fallback {
            days.extend(m.variants.iter().filter_map(|(_, d, _)| *d));
        }
        days.retain(|d| *d >= listed_from);
        days.sort();
        days.dedup();
        days.into_iter().map(|day| m.row_on(day, via_fallback, &self.source).map_err(&unsupported)).collect()
    }
}

impl Model {
    fn row_on(&self, day: NaiveDate, via_fallback: bool, source: &str) -> Result<PriceRow, String> {
        // The last entry active on `day` (time-of-day entries aside); time-of-day entries after it
        // override it within their windows.
        let active = |c: &Option<Constraint>| match c {
            None => true,
            Some(Constraint::From(d)) => *d <= day,
            Some(Constraint::TimeOfDay(..)) => false,
        };
        let base_at = self.prices.iter().rposition(|(c, _)| active(c)).unwrap_or(0);
        let base = &self.prices[base_at].1;
        let mut row = standard_row(base, day, source)?;
        for (c, p) in &self.prices[base_at + 1..] {
            if let Some(Constraint::TimeOfDay(from_s, to_s)) = c {
                let r = |k: &str| -> Result<Option<Rate>, String> { p.get(k).map(|v| rate(k, v.base())).transpose() };
                row.time_of_day.push(TimeWindow {
                    from_s: *from_s,
                    to_s: *to_s,
                    input: r("input_mtok")?.ok_or("a time-of-day price without input_mtok")?,
                    output: r("output_mtok")?.ok_or("a time-of-day price without output_mtok")?,
                    cached_input: r("cache_read_mtok")?,
                });
            }
        }
        if via_fallback {
            return Ok(row);
        }
        for kind in [Variant::Batch, Variant::Flex, Variant::Priority] {
            // Per price key, the first active variant of this kind that sets it.
            let mut merged: Prices = BTreeMap::new();
            for (k, from, p) in &self.variants {
                if *k == kind && from.is_none_or(|f| f <= day) {
                    for (key, v) in p {
                        merged.entry(key.clone()).or_insert(*v);
                    }
                }
            }
            if merged.is_empty() {
                continue;
            }
            let get = |key: &str| merged.get(key).or_else(|| base.get(key)).copied();
            let input = get("input_mtok").ok_or("a variant without input_mtok")?;
            let output = get("output_mtok").ok_or("a variant without output_mtok")?;
            let cached = merged.get("cache_read_mtok").copied();
            let long =
                |v: Value2| -> Result<Option<Rate>, String> { v.long().map(|(_, p)| rate("long", p)).transpose() };
            match kind {
                Variant::Batch => {
                    row.batch_input = Some(rate("batch input", input.base())?);
                    row.batch_output = Some(rate("batch output", output.base())?);
                    row.batch_cached_input = cached.map(|c| rate("batch cached", c.base())).transpose()?;
                    row.batch_cache_write =
                        merged.get("cache_write_mtok").map(|c| rate("batch cache write", c.base())).transpose()?;
                    if let Some(l) = row.long_context.as_mut() {
                        // A flat batch price holds for long requests too.
                        l.batch_input = Some(long(input)?.unwrap_or(rate("batch input", input.base())?));
                        l.batch_output = Some(long(output)?.unwrap_or(rate("batch output", output.base())?));
                        l.batch_cached_input = cached.map(long).transpose()?.flatten();
                    }
                }
                Variant::Flex | Variant::Priority => {
                    let t = TierRates {
                        input: rate("tier input", input.base())?,
                        output: rate("tier output", output.base())?,
                        cached_input: get("cache_read_mtok").map(|c| rate("tier cached", c.base())).transpose()?,
                        long_input: long(input)?,
                        long_output: long(output)?,
                        long_cached_input: get("cache_read_mtok").map(long).transpose()?.flatten(),
                    };
                    if kind == Variant::Flex {
                        row.flex = Some(t);
                    } else {
                        row.priority = Some(t);
                    }
                }
            }
        }
        Ok(row)
    }
}

/// The standard rates of one price set.
fn standard_row(p: &Prices, day: NaiveDate, source: &str) -> Result<PriceRow, String> {
    let get = |k: &str| p.get(k).copied();
    let input = get("input_mtok").ok_or("no input_mtok")?;
    let output = get("output_mtok").unwrap_or(Value2::Flat(0.0));
    let opt = |k: &str| get(k).map(|v| rate(k, v.base())).transpose();
    let thresholds: Vec<u64> = p.values().filter_map(|v| v.long().map(|(a, _)| a)).collect();
    if thresholds.windows(2).any(|w| w[0] != w[1]) {
        return Err("prices with different long-context thresholds".into());
    }
    let long_context = match thresholds.first() {
        None => None,
        Some(&above) => {
            let long = |k: &str| -> Result<Option<Rate>, String> {
                get(k).and_then(|v| v.long()).map(|(_, price)| rate(k, price)).transpose()
            };
            let either = |k: &str| -> Result<Rate, String> {
                Ok(match long(k)? {
                    Some(r) => r,
                    None => rate(k, get(k).map_or(0.0, |v| v.base()))?,
                })
            };
            Some(LongContext {
                above_input_tokens: above,
                input: either("input_mtok")?,
                output: either("output_mtok")?,
                cached_input: long("cache_read_mtok")?,
                cache_write: long("cache_write_mtok")?,
                cache_write_1h: long("cache_write_1h_mtok")?,
                batch_input: None,
                batch_output: None,
                batch_cached_input: None,
            })
        }
    };
    Ok(PriceRow {
        effective_from: day,
        input: rate("input_mtok", input.base())?,
        output: rate("output_mtok", output.base())?,
        cached_input: opt("cache_read_mtok")?,
        cache_write: opt("cache_write_mtok")?,
        cache_write_1h: opt("cache_write_1h_mtok")?,
        batch_input: None,
        batch_output: None,
        batch_cached_input: None,
        batch_cache_write: None,
        long_context,
        flex: None,
        priority: None,
        time_of_day: Vec::new(),
        source: source.to_string(),
    })
}

fn rate(what: &str, usd_per_million: f64) -> Result<Rate, String> {
    Rate::from_usd_per_million(usd_per_million)
        .ok_or_else(|| format!("{what} = {usd_per_million} is not a price we can hold exactly"))
}

#[derive(Deserialize)]
struct RawProvider<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default)]
    fallback_model_providers: Vec<String>,
    #[serde(default)]
    models: Vec<RawModel<'a>>,
}

#[derive(Deserialize)]
struct RawModel<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    prices: RawPrices<'a>,
    #[serde(default, borrow)]
    price_variants: Vec<RawVariant<'a>>,
}

/// A model's prices: one set, or a list of sets with constraints.
enum RawPrices<'a> {
    Conditional(Vec<RawConditional<'a>>),
    Direct(BTreeMap<Cow<'a, str>, RawValue>),
}

// Hand-written rather than `#[serde(untagged)]`, which buffers every value before trying each shape:
// this is read at every start of the program.
impl<'de: 'a, 'a> Deserialize<'de> for RawPrices<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = RawPrices<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a price set or a list of constrained price sets")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(RawPrices::Conditional)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(RawPrices::Direct)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct RawConditional<'a> {
    #[serde(default, borrow)]
    constraint: Option<RawConstraint<'a>>,
    #[serde(borrow)]
    prices: BTreeMap<Cow<'a, str>, RawValue>,
}

#[derive(Deserialize)]
struct RawConstraint<'a> {
    #[serde(default, borrow)]
    start_date: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    start_time: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    end_time: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawVariant<'a> {
    #[serde(default, borrow)]
    when: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(default, borrow)]
    prices: BTreeMap<Cow<'a, str>, RawValue>,
    #[serde(default, borrow)]
    constraint: Option<RawConstraint<'a>>,
}

/// A price as written: a number, or `{base, tiers}`; anything else (a price we do not read) is kept
/// as `Other` and ignored.
enum RawValue {
    Flat(f64),
    Tiered { base: f64, tiers: Vec<RawTier> },
    Other,
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a price: a number or {base, tiers}")
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
                Ok(RawValue::Flat(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
                Ok(RawValue::Flat(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
                Ok(RawValue::Flat(v as f64))
            }
            fn visit_unit<E>(self) -> Result<RawValue, E> {
                Ok(RawValue::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<RawValue, E> {
                Ok(RawValue::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<RawValue, E> {
                Ok(RawValue::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(RawValue::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
                let (mut base, mut tiers) = (None, None);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "base" => base = Some(map.next_value::<f64>()?),
                        "tiers" => tiers = Some(map.next_value::<Vec<RawTier>>()?),
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(match (base, tiers) {
                    (Some(base), Some(tiers)) => RawValue::Tiered { base, tiers },
                    (Some(base), None) => RawValue::Flat(base),
                    _ => RawValue::Other,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct RawTier {
    start: f64,
    price: f64,
}

impl RawValue {
    fn value(&self) -> Option<Value2> {
        match self {
            RawValue::Flat(v) => Some(Value2::Flat(*v)),
            RawValue::Tiered { base, tiers } => match tiers.as_slice() {
                [] => Some(Value2::Flat(*base)),
                [t] => Some(Value2::Tiered { base: *base, above: t.start as u64, price: t.price }),
                // More than one tier: only models outside our catalog use them; reading the first
                // tier would misprice, so the price is left out.
                _ => None,
            },
            RawValue::Other => None,
        }
    }
}

/// The token prices (`*_mtok`) of a price set.
fn token_prices(raw: &BTreeMap<Cow<'_, str>, RawValue>) -> Prices {
    raw.iter()
        .filter(|(k, _)| k.ends_with("_mtok"))
        .filter_map(|(k, v)| v.value().map(|v| (k.to_string(), v)))
        .collect()
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("start_date {s:?}: {e}"))
}

fn parse_time(s: &str) -> Result<u32, String> {
    let t =
        chrono::NaiveTime::parse_from_str(s.trim_end_matches('Z'), "%H:%M:%S").map_err(|e| format!("{s:?}: {e}"))?;
    Ok(chrono::Timelike::num_seconds_from_midnight(&t))
}

impl RawConstraint<'_> {
    fn parse(&self) -> Result<Constraint, String> {
        match (&self.start_date, &self.start_time, &self.end_time) {
            (Some(d), None, None) => Ok(Constraint::From(parse_date(d)?)),
            (None, Some(a), Some(b)) => Ok(Constraint::TimeOfDay(parse_time(a)?, parse_time(b)?)),
            _ => Err("a constraint is neither a start_date nor a start_time and end_time".into()),
        }
    }
}

impl RawModel<'_> {
    fn parse(&self) -> Result<Model, String> {
        let id = self.id.to_string();
        let prices = match &self.prices {
            RawPrices::Conditional(list) => list
                .iter()
                .map(|c| Ok((c.constraint.as_ref().map(RawConstraint::parse).transpose()?, token_prices(&c.prices))))
                .collect::<Result<Vec<_>, String>>()?,
            RawPrices::Direct(p) => vec![(None, token_prices(p))],
        };
        let mut variants = Vec::new();
        for v in &self.price_variants {
            let kind =
                match (v.when.get("processing").map(|c| c.as_ref()), v.when.get("service_tier").map(|c| c.as_ref())) {
                    (Some("batch"), _) => Variant::Batch,
                    (_, Some("flex")) => Variant::Flex,
                    (_, Some("priority")) => Variant::Priority,
                    _ => continue,
                };
            let from = match v.constraint.as_ref().map(RawConstraint::parse).transpose()? {
                None => None,
                Some(Constraint::From(d)) => Some(d),
                Some(Constraint::TimeOfDay(..)) => continue,
            };
            variants.push((kind, from, token_prices(&v.prices)));
        }
        Ok(Model { id, prices, variants })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{ServiceTier, Usage};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn bundled_rows_carry_every_billing_rule() {
        let db = GenaiDb::bundled();
        // gpt-5.4: long context above 272k, flex from 2026-10-12 with its own long rates, batch from
        // 2026-10-14.
        let rows = db.rows("openai", "gpt-5.4", d("2026-07-24")).unwrap();
        let days: Vec<String> = rows.iter().map(|r| r.effective_from.to_string()).collect();
        assert_eq!(days, ["2026-07-24", "2026-10-12", "2026-10-14"]);
        let last = rows.last().unwrap();
        let long = Usage { input: 300_000, output: 1_000, ..Usage::default() };
        assert_eq!(last.cost(&long, ServiceTier::Standard).unwrap().to_string(), "1.5225");
        assert_eq!(last.cost(&long, ServiceTier::Flex).unwrap().to_string(), "0.76125");
        assert_eq!(last.cost(&long, ServiceTier::Batch).unwrap().to_string(), "0.76125");
        assert!(rows[0].flex.is_none() && rows[0].batch_input.is_none());
        // Anthropic: 5-minute and 1-hour writes, doubled above 200k for Sonnet 4.5.
        let s = &db.rows("anthropic", "claude-sonnet-4-5", d("2026-07-24")).unwrap()[0];
        assert_eq!(s.cache_write_1h.unwrap().usd_per_million(), 6.0);
        assert_eq!(s.long_context.unwrap().cache_write.unwrap().usd_per_million(), 7.5);
        // DeepSeek V4 Pro: a dated price change and peak windows.
        let ds = db.rows("deepseek", "deepseek-v4-pro", d("2026-07-01")).unwrap();
        assert_eq!(ds.len(), 2);
        let peak = &ds[1].time_of_day;
        assert_eq!(peak.len(), 2);
        assert_eq!((peak[0].from_s, peak[0].to_s), (3600, 4 * 3600));
        // Azure's gpt-4o comes from the OpenAI entry through the fallback, without OpenAI's variants.
        let az = db.rows("azure", "gpt-4o", d("2026-07-24")).unwrap();
        assert!(az.iter().all(|r| r.batch_input.is_none() && r.priority.is_none()));
        assert!(matches!(db.rows("openai", "gpt-99", d("2026-07-24")), Err(GenaiError::UnknownModel { .. })));
    }
}
