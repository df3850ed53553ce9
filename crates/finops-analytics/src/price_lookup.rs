//! Pricing calls whose log carries no cost (OpenTelemetry spans): the model name as reported is matched to
//! the catalog, else priced by the genai-prices database it was built from, else left unpriced.
//!
//! Real logs name models as the API answered: `gpt-4o-mini-2024-07-18`, `claude-haiku-4-5-20251001`.
//! genai-prices matches such names to its entries; where that entry is one of our catalog's models the call
//! is renamed to it and priced by our cost function (so the what-if analyses know it). A dated snapshot
//! with prices of its own (`gpt-4o-2024-05-13`) keeps its name and is priced by genai-prices directly, as
//! are models our catalog does not list (embeddings). A name neither knows stays as reported, unpriced.
use std::collections::HashMap;

use chrono::DateTime;
use finops_core::cost::ServiceTier;
use finops_core::cost::Usage;
use finops_core::pricing::{Catalog, PriceLookupError, genai_provider};
use genai_prices::{PriceRequest, Usage as GUsage, UsageKey};
use serde::{Deserialize, Serialize};

/// Where a call's price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// Our catalog, under the model's own name.
    Catalog,
    /// Our catalog, under the catalog's name for the reported model (a dated or aliased name).
    CatalogRenamed,
    /// The genai-prices database (a model our catalog does not list).
    GenaiPrices,
    /// Nobody prices it: cost 0, listed in the load report.
    Unpriced,
}

impl PriceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceSource::Catalog => "catalog",
            PriceSource::CatalogRenamed => "catalog (renamed)",
            PriceSource::GenaiPrices => "genai-prices",
            PriceSource::Unpriced => "unpriced",
        }
    }
}

#[derive(Debug, Clone)]
enum Resolution {
    Ours(String),
    Genai,
    Unknown,
}

/// Prices calls by (provider, reported model), resolving each name once.
pub struct PriceLookup<'a> {
    catalog: &'a Catalog,
    resolved: HashMap<(String, String), Resolution>,
}

/// A priced call: the model name to record, its cost and where the price came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub model: String,
    pub cost_usd: f64,
    pub source: PriceSource,
}

impl<'a> PriceLookup<'a> {
    pub fn new(catalog: &'a Catalog) -> PriceLookup<'a> {
        PriceLookup { catalog, resolved: HashMap::new() }
    }

    /// The cost of one call at `ts_ms` (UTC milliseconds).
    pub fn price(&mut self, provider: &str, model: &str, usage: &Usage, tier: ServiceTier, ts_ms: i64) -> Priced {
        let key = (provider.to_string(), model.to_string());
        if !self.resolved.contains_key(&key) {
            let r = self.resolve(provider, model, ts_ms);
            self.resolved.insert(key.clone(), r);
        }
        let unpriced = |model: &str| Priced { model: model.to_string(), cost_usd: 0.0, source: PriceSource::Unpriced };
        match &self.resolved[&key] {
            Resolution::Ours(name) => {
                let Some(date) = DateTime::from_timestamp_millis(ts_ms).map(|t| t.date_naive()) else {
                    return unpriced(model);
                };
                match self.catalog.price_at(provider, name, date) {
                    Ok((_, row)) => match row.cost_at(usage, tier, ts_ms) {
                        Ok(c) => Priced {
                            model: name.clone(),
                            cost_usd: c.usd(),
                            source: if name == model { PriceSource::Catalog } else { PriceSource::CatalogRenamed },
                        },
                        Err(_) => unpriced(name),
                    },
                    // Before our first row for it: the database may know the older price.
                    Err(PriceLookupError::BeforeFirstPrice { .. }) => genai_cost(provider, model, usage, tier, ts_ms)
                        .map_or_else(
                            || unpriced(name),
                            |c| Priced { model: name.clone(), cost_usd: c, source: PriceSource::GenaiPrices },
                        ),
                    Err(PriceLookupError::UnknownModel { .. }) => unpriced(model),
                }
            }
            Resolution::Genai => genai_cost(provider, model, usage, tier, ts_ms).map_or_else(
                || unpriced(model),
                |c| Priced { model: model.to_string(), cost_usd: c, source: PriceSource::GenaiPrices },
            ),
            Resolution::Unknown => unpriced(model),
        }
    }

    fn resolve(&self, provider: &str, model: &str, ts_ms: i64) -> Resolution {
        if self.catalog.model(provider, model).is_some() {
            return Resolution::Ours(model.to_string());
        }
        let probe = GUsage::from([(UsageKey::INPUT_TOKENS, 1000.0), (UsageKey::OUTPUT_TOKENS, 1000.0)]);
        let gp = genai_provider(provider);
        let mut request = PriceRequest::new(model, &probe).with_provider_id(gp);
        if let Some(t) = DateTime::from_timestamp_millis(ts_ms) {
            request = request.with_timestamp(t);
        }
        if let Ok(found) = genai_prices::calculate(&request) {
            let id = format!("{}/{}", found.provider_id, found.model_id);
            let ours = self.catalog.models.iter().find(|m| {
                m.provider == provider
                    && match &m.genai {
                        Some(g) => *g == id,
                        None => genai_provider(&m.provider) == found.provider_id && m.name == found.model_id,
                    }
            });
            return match ours {
                Some(m) => Resolution::Ours(m.name.clone()),
                None => Resolution::Genai,
            };
        }
        // A dated name the database does not know: the undated model, if we list it.
        match strip_date(model) {
            Some(base) if self.catalog.model(provider, base).is_some() => Resolution::Ours(base.to_string()),
            _ => Resolution::Unknown,
        }
    }
}

/// `name` without a trailing release date (`-2024-07-18` or `-20251001`).
fn strip_date(name: &str) -> Option<&str> {
    let (base, tail) = name.rsplit_once('-')?;
    if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit()) {
        return Some(base);
    }
    let b = name.as_bytes();
    let n = b.len();
    let dated = n > 11
        && b[n - 11] == b'-'
        && b[n - 3] == b'-'
        && b[n - 6] == b'-'
        && [1, 2, 3, 4, 6, 7, 9, 10].iter().all(|&i| b[n - 11 + i].is_ascii_digit());
    dated.then(|| &name[..n - 11])
}

/// Our usage as genai-prices counts it: cache reads and all writes, the 1-hour writes among them.
pub fn genai_usage(usage: &Usage) -> GUsage {
    let mut u =
        GUsage::from([(UsageKey::INPUT_TOKENS, usage.input as f64), (UsageKey::OUTPUT_TOKENS, usage.output as f64)]);
    if usage.cached_input > 0 {
        u.insert("cache_read_tokens", usage.cached_input as f64);
    }
    if usage.cache_write + usage.cache_write_1h > 0 {
        u.insert("cache_write_tokens", (usage.cache_write + usage.cache_write_1h) as f64);
    }
    if usage.cache_write_1h > 0 {
        u.insert("cache_write_1h_tokens", usage.cache_write_1h as f64);
    }
    u
}

/// `request` priced at `tier` (genai-prices' price contexts for batch, flex and priority).
pub fn with_tier(request: PriceRequest<'_>, tier: ServiceTier) -> PriceRequest<'_> {
    match tier {
        ServiceTier::Batch => request.with_price_context("processing", "batch"),
        ServiceTier::Flex | ServiceTier::Priority => request.with_price_context("service_tier", tier.as_str()),
        ServiceTier::Standard => request,
    }
}

/// The genai-prices cost of a call, `None` when the database does not price it.
fn genai_cost(provider: &str, model: &str, usage: &Usage, tier: ServiceTier, ts_ms: i64) -> Option<f64> {
    let u = genai_usage(usage);
    let mut request = PriceRequest::new(model, &u).with_provider_id(genai_provider(provider));
    if let Some(t) = DateTime::from_timestamp_millis(ts_ms) {
        request = request.with_timestamp(t);
    }
    genai_prices::calculate(&with_tier(request, tier))
        .ok()
        .map(|c| c.total_price)
        .filter(|c| c.is_finite() && *c >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> Usage {
        Usage { input, output, ..Usage::default() }
    }

    #[test]
    fn dated_names() {
        assert_eq!(strip_date("gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
        assert_eq!(strip_date("claude-haiku-4-5-20251001"), Some("claude-haiku-4-5"));
        assert_eq!(strip_date("gpt-4o-mini"), None);
        assert_eq!(strip_date("gpt-5"), None);
    }

    #[test]
    fn reported_names_resolve_to_the_catalog_or_the_database() {
        let catalog = Catalog::builtin();
        let mut p = PriceLookup::new(&catalog);
        let ts = 1_796_167_922_000; // 2026-12-01
        let u = usage(1_000_000, 0);
        let mini = p.price("openai", "gpt-4o-mini-2024-07-18", &u, ServiceTier::Standard, ts);
        assert_eq!((mini.model.as_str(), mini.source), ("gpt-4o-mini", PriceSource::CatalogRenamed));
        assert!((mini.cost_usd - 0.15).abs() < 1e-9, "{mini:?}");
        let haiku = p.price("anthropic", "claude-haiku-4-5-20251001", &u, ServiceTier::Standard, ts);
        assert_eq!(haiku.model, "claude-haiku-4-5");
        assert!((haiku.cost_usd - 1.0).abs() < 1e-9, "{haiku:?}");
        // The May 2024 snapshot has prices of its own ($5 input), not gpt-4o's $2.50.
        let old = p.price("openai", "gpt-4o-2024-05-13", &u, ServiceTier::Standard, ts);
        assert_eq!((old.model.as_str(), old.source), ("gpt-4o-2024-05-13", PriceSource::GenaiPrices));
        assert!((old.cost_usd - 5.0).abs() < 1e-9, "{old:?}");
        let emb = p.price("openai", "text-embedding-3-small", &u, ServiceTier::Standard, ts);
        assert_eq!(emb.source, PriceSource::GenaiPrices);
        assert!((emb.cost_usd - 0.02).abs() < 1e-9, "{emb:?}");
        let unknown = p.price("openai", "acme-finetune-7b", &u, ServiceTier::Standard, ts);
        assert_eq!((unknown.cost_usd, unknown.source), (0.0, PriceSource::Unpriced));
    }
}
