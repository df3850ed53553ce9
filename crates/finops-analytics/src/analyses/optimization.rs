//! Rate Optimization: savings from cheaper sibling models, the batch API and prompt caching, priced
//! with the catalog on each call's date, plus commitment and volume-discount what-ifs. Savings are
//! signed (negative = the change would cost more).
use chrono::NaiveDate;
use finops_core::cost::{ServiceTier, Usage};
use finops_core::pricing::{Catalog, Model, PriceRow};
use finops_core::units::thousands;
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{DAY, Usd, day_date, pct, percentile};
use crate::engine::{DAYS_PER_MONTH, Dataset, Result};

/// Assumed discount on committed spend (the what-if; negotiate your own).
pub const COMMIT_DISCOUNT: f64 = 0.20;
/// Share of eligible prompt tokens assumed cacheable.
pub const CACHEABLE_SHARE: f64 = 0.5;
/// A sibling must cost at most this share of the model's blended price.
pub const SIBLING_MAX_PRICE_SHARE: f64 = 0.5;

#[derive(Debug, Clone, Serialize)]
pub struct Optimization {
    pub summary: Summary,
    pub model_switching: Vec<Switch>,
    pub batch: Vec<BatchSaving>,
    pub caching: Vec<CacheSaving>,
    pub commitments: Vec<Commitment>,
    pub unpriced_models: Vec<String>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub cost_usd: f64,
    pub switching_savings_usd: f64,
    pub batch_savings_usd: f64,
    pub caching_savings_usd: f64,
    pub commitment_savings_usd: f64,
    /// Switching + batch + caching, as a share of cost (each assumes the others are not done).
    pub actionable_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Switch {
    pub provider: String,
    pub from: String,
    pub to: String,
    pub calls: u64,
    pub current_cost_usd: f64,
    pub alternative_cost_usd: f64,
    pub savings_usd: f64,
    pub savings_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchSaving {
    pub provider: String,
    pub model: String,
    pub feature: String,
    pub calls: u64,
    pub current_cost_usd: f64,
    pub batch_cost_usd: f64,
    pub savings_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CacheSaving {
    pub provider: String,
    pub model: String,
    pub calls: u64,
    pub uncached_input_tokens: u64,
    pub savings_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Commitment {
    pub provider: String,
    pub cost_usd: f64,
    pub monthly_equivalent_usd: f64,
    /// 25th percentile of daily spend: a level the provider was paid on most days.
    pub committable_daily_usd: f64,
    pub savings_usd: f64,
    /// The seed's volume tiers on monthly-equivalent spend (>= $1k 5%, >= $5k 10%, >= $10k 15%).
    pub volume_discount_pct: f64,
    pub next_tier_gap_usd: Option<f64>,
}

fn blended(p: &PriceRow) -> f64 {
    (3.0 * p.input.usd_per_million() + p.output.usd_per_million()) / 4.0
}

/// The cheaper sibling of `m`: the most expensive current model of the same provider whose blended
/// price is at most half of `m`'s.
pub fn sibling<'a>(catalog: &'a Catalog, m: &Model, date: NaiveDate) -> Option<&'a Model> {
    let own = blended(m.price_on(date)?);
    catalog
        .models
        .iter()
        .filter(|c| c.provider == m.provider && c.name != m.name && c.popularity > 0.0)
        .filter_map(|c| c.price_on(date).map(|p| (c, blended(p))))
        .filter(|(_, b)| *b <= own * SIBLING_MAX_PRICE_SHARE)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

fn cost(p: &PriceRow, u: &Usage, tier: ServiceTier) -> Option<f64> {
    p.cost(u, tier).ok().map(|c| c.usd())
}

pub fn analyze(ds: &Dataset) -> Result<Optimization> {
    let cat = &ds.catalog;
    let t = ds.sql(&format!(
        "SELECT provider, model, feature_id AS f, environment AS env, service_tier AS st, \
         {DAY} AS d, count(*) AS n, sum(cost_usd) AS c, \
         sum(input_tokens) AS i, sum(cached_input_tokens) AS ci, sum(output_tokens) AS o, \
         sum(input_tokens) FILTER (WHERE input_tokens >= 1024 AND cached_input_tokens = 0) AS big_uncached \
         FROM calls GROUP BY provider, model, f, env, st, d"
    ))?;
    let (prov, model, feat, env, st, day) =
        (t.str("provider")?, t.str("model")?, t.str("f")?, t.str("env")?, t.str("st")?, t.i64("d")?);
    let (n, c, i, ci, o, big) =
        (t.u64("n")?, t.f64("c")?, t.u64("i")?, t.u64("ci")?, t.u64("o")?, t.u64("big_uncached")?);
    let mut switches: Vec<Switch> = Vec::new();
    let mut batch: Vec<BatchSaving> = Vec::new();
    let mut caching: Vec<CacheSaving> = Vec::new();
    let mut unpriced: Vec<String> = Vec::new();
    for r in 0..t.len() {
        let Some(date) = day_date(day[r]) else { continue };
        let Ok((m, price)) = cat.price_at(&prov[r], &model[r], date) else {
            unpriced.push(format!("{}/{}", prov[r], model[r]));
            continue;
        };
        let usage = Usage { input: i[r], cached_input: ci[r].min(i[r]), cache_write: 0, output: o[r] };
        if st[r] == "standard" {
            if let Some(alt) = sibling(cat, m, date)
                && let Some(alt_cost) = alt.price_on(date).and_then(|p| cost(p, &usage, ServiceTier::Standard))
            {
                match switches.iter_mut().find(|s| s.provider == prov[r] && s.from == model[r]) {
                    Some(s) => {
                        s.calls += n[r];
                        s.current_cost_usd += c[r];
                        s.alternative_cost_usd += alt_cost;
                    }
                    None => switches.push(Switch {
                        provider: prov[r].clone(),
                        from: model[r].clone(),
                        to: alt.name.clone(),
                        calls: n[r],
                        current_cost_usd: c[r],
                        alternative_cost_usd: alt_cost,
                        savings_usd: 0.0,
                        savings_pct: 0.0,
                    }),
                }
            }
            if env[r] == "production"
                && matches!(feat[r].as_str(), "summarize" | "extract")
                && price.has_batch()
                && let Some(bc) = cost(price, &usage, ServiceTier::Batch)
            {
                batch.push(BatchSaving {
                    provider: prov[r].clone(),
                    model: model[r].clone(),
                    feature: feat[r].clone(),
                    calls: n[r],
                    current_cost_usd: c[r],
                    batch_cost_usd: bc,
                    savings_usd: c[r] - bc,
                });
            }
            if let Some(cached_rate) = price.cached_input {
                let tokens = (big[r] as f64 * CACHEABLE_SHARE) as u64;
                let saving = tokens as f64 * (price.input.0.saturating_sub(cached_rate.0)) as f64 / 1e12;
                if tokens > 0 {
                    match caching.iter_mut().find(|x| x.provider == prov[r] && x.model == model[r]) {
                        Some(x) => {
                            x.calls += n[r];
                            x.uncached_input_tokens += big[r];
                            x.savings_usd += saving;
                        }
                        None => caching.push(CacheSaving {
                            provider: prov[r].clone(),
                            model: model[r].clone(),
                            calls: n[r],
                            uncached_input_tokens: big[r],
                            savings_usd: saving,
                        }),
                    }
                }
            }
        }
    }
    for s in &mut switches {
        s.savings_usd = s.current_cost_usd - s.alternative_cost_usd;
        s.savings_pct = pct(s.savings_usd, s.current_cost_usd);
    }
    switches.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    batch = merge_batch(batch);
    caching.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    unpriced.sort();
    unpriced.dedup();

    let d = ds.sql(&format!("SELECT provider, {DAY} AS d, sum(cost_usd) AS c FROM calls GROUP BY provider, d"))?;
    let (dp, dc) = (d.str("provider")?, d.f64("c")?);
    let mut providers: Vec<String> = dp.clone();
    providers.sort();
    providers.dedup();
    let days = ds.period.billing_days();
    let full_days = ds.period.days.floor().max(0.0);
    let mut commitments: Vec<Commitment> = providers
        .into_iter()
        .map(|p| {
            let daily: Vec<f64> = (0..d.len()).filter(|&k| dp[k] == p).map(|k| dc[k]).collect();
            let total: f64 = daily.iter().sum();
            let monthly = total / days * DAYS_PER_MONTH;
            let committable = if daily.len() >= 7 { percentile(&daily, 0.25) } else { 0.0 };
            let (disc, next) = volume_tier(monthly);
            Commitment {
                provider: p,
                cost_usd: total,
                monthly_equivalent_usd: monthly,
                committable_daily_usd: committable,
                savings_usd: committable * full_days * COMMIT_DISCOUNT,
                volume_discount_pct: disc,
                next_tier_gap_usd: next,
            }
        })
        .collect();
    commitments.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd));

    let total_cost: f64 = dc.iter().sum();
    let pos = |v: f64| v.max(0.0);
    // A sum of nothing is -0.0 here; the registry's JSON step writes it as 0.
    let summary = Summary {
        cost_usd: total_cost,
        switching_savings_usd: switches.iter().map(|s| pos(s.savings_usd)).sum(),
        batch_savings_usd: batch.iter().map(|b| pos(b.savings_usd)).sum(),
        caching_savings_usd: caching.iter().map(|c| c.savings_usd).sum(),
        commitment_savings_usd: commitments.iter().map(|c| c.savings_usd).sum(),
        actionable_pct: 0.0,
    };
    let summary = Summary {
        actionable_pct: pct(
            summary.switching_savings_usd + summary.batch_savings_usd + summary.caching_savings_usd,
            total_cost,
        ),
        ..summary
    };
    let recommendations = recommend(&summary, &switches, &batch, &commitments, &unpriced);
    Ok(Optimization {
        summary,
        model_switching: switches,
        batch,
        caching,
        commitments,
        unpriced_models: unpriced,
        recommendations,
    })
}

fn merge_batch(rows: Vec<BatchSaving>) -> Vec<BatchSaving> {
    let mut out: Vec<BatchSaving> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|x| x.provider == r.provider && x.model == r.model && x.feature == r.feature) {
            Some(x) => {
                x.calls += r.calls;
                x.current_cost_usd += r.current_cost_usd;
                x.batch_cost_usd += r.batch_cost_usd;
                x.savings_usd += r.savings_usd;
            }
            None => out.push(r),
        }
    }
    out.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    out
}

/// The seed's volume tiers: (discount %, dollars to the next tier).
pub fn volume_tier(monthly: f64) -> (f64, Option<f64>) {
    if monthly >= 10_000.0 {
        (15.0, None)
    } else if monthly >= 5_000.0 {
        (10.0, Some(10_000.0 - monthly))
    } else if monthly >= 1_000.0 {
        (5.0, Some(5_000.0 - monthly))
    } else {
        (0.0, Some(1_000.0 - monthly))
    }
}

/// The rate-optimization rules.
pub fn recommend(
    s: &Summary,
    switches: &[Switch],
    batch: &[BatchSaving],
    commitments: &[Commitment],
    unpriced: &[String],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if let Some(top) = switches.first().filter(|t| t.savings_usd > 0.05 * s.cost_usd.max(0.0) && t.savings_usd > 0.0) {
        out.push(Recommendation::new(
            "model_switch",
            Severity::Info,
            format!(
                "Moving {}/{} calls to {} would have cost {} instead of {} ({:.0}% less) at catalog prices; test its quality on your tasks first.",
                top.provider, top.from, top.to, Usd(top.alternative_cost_usd), Usd(top.current_cost_usd), top.savings_pct
            ),
        ));
    }
    if s.batch_savings_usd > 0.01 * s.cost_usd && s.batch_savings_usd > 0.0 {
        let calls: u64 = batch.iter().map(|b| b.calls).sum();
        out.push(Recommendation::new(
            "use_batch_api",
            Severity::Info,
            format!(
                "{} production summarize/extract calls could go through the batch API, saving {}.",
                thousands(calls),
                Usd(s.batch_savings_usd)
            ),
        ));
    }
    if s.caching_savings_usd > 0.01 * s.cost_usd && s.caching_savings_usd > 0.0 {
        out.push(Recommendation::new(
            "prompt_caching",
            Severity::Info,
            format!(
                "Long prompts that missed the cache: caching half of them would save {}.",
                Usd(s.caching_savings_usd)
            ),
        ));
    }
    if let Some(c) =
        commitments.iter().find(|c| c.next_tier_gap_usd.is_some_and(|g| g < 0.2 * c.monthly_equivalent_usd))
    {
        out.push(Recommendation::new(
            "volume_tier_close",
            Severity::Info,
            format!(
                "{} spend is ${:.0}/month, ${:.0} below the next volume tier.",
                c.provider,
                c.monthly_equivalent_usd,
                c.next_tier_gap_usd.unwrap_or(0.0)
            ),
        ));
    }
    if !unpriced.is_empty() {
        out.push(Recommendation::new(
            "unpriced_models",
            Severity::Warning,
            format!(
                "{} model(s) are not in the pricing catalog and were left out of savings: {}.",
                unpriced.len(),
                unpriced.join(", ")
            ),
        ));
    }
    if out.is_empty() && s.cost_usd > 0.0 {
        out.push(Recommendation::new("optimized", Severity::Success, "No material saving found at catalog prices."));
    }
    out
}
