//! Rate Optimization: savings from cheaper sibling models, the batch API and prompt caching, priced
//! with the catalog on each call's date, plus commitment and volume-discount what-ifs. Savings are
//! signed (negative = the change would cost more). Each lever is one function over the same usage
//! groups, so each can be read, tested and replaced alone.
use chrono::NaiveDate;
use finops_core::cost::{ServiceTier, Usage};
use finops_core::pricing::{Catalog, Model, PriceRow};
use finops_core::rules;
use finops_core::units::thousands;
pub use finops_results::optimization::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{DAY, Usd, day_date, pct, percentile};
use crate::engine::{DAYS_PER_MONTH, Dataset, Result};

/// The usage of one (provider, model, feature, environment, service tier, day).
struct UsageGroup {
    provider: String,
    model: String,
    feature: String,
    environment: String,
    service_tier: String,
    date: Option<NaiveDate>,
    calls: u64,
    cost_usd: f64,
    usage: Usage,
    /// Input tokens of prompts long enough to cache that had nothing cached.
    cacheable_input: u64,
}

impl UsageGroup {
    fn standard(&self) -> bool {
        self.service_tier == ServiceTier::Standard.as_str()
    }

    /// The price row in force on the group's day; `None` if the model or day is unpriced.
    fn price<'a>(&self, cat: &'a Catalog) -> Option<(&'a Model, &'a PriceRow, NaiveDate)> {
        let date = self.date?;
        let (m, p) = cat.price_at(&self.provider, &self.model, date).ok()?;
        Some((m, p, date))
    }
}

fn usage_groups(ds: &Dataset, rules: &rules::Optimization) -> Result<Vec<UsageGroup>> {
    let t = ds.sql(&format!(
        "SELECT provider, model, feature_id AS f, environment AS env, service_tier AS st, \
         {DAY} AS d, count(*) AS n, sum(cost_usd) AS c, \
         sum(input_tokens) AS i, sum(cached_input_tokens) AS ci, sum(output_tokens) AS o, \
         sum(input_tokens) FILTER (WHERE input_tokens >= {} AND cached_input_tokens = 0) AS big_uncached \
         FROM calls GROUP BY provider, model, f, env, st, d",
        rules.cache_min_prompt_tokens
    ))?;
    let (prov, model, feat, env, st, day) =
        (t.str("provider")?, t.str("model")?, t.str("f")?, t.str("env")?, t.str("st")?, t.i64("d")?);
    let (n, c, i, ci, o, big) =
        (t.u64("n")?, t.f64("c")?, t.u64("i")?, t.u64("ci")?, t.u64("o")?, t.u64("big_uncached")?);
    Ok((0..t.len())
        .map(|r| UsageGroup {
            provider: prov[r].clone(),
            model: model[r].clone(),
            feature: feat[r].clone(),
            environment: env[r].clone(),
            service_tier: st[r].clone(),
            date: day_date(day[r]),
            calls: n[r],
            cost_usd: c[r],
            usage: Usage { input: i[r], cached_input: ci[r].min(i[r]), cache_write: 0, output: o[r] },
            cacheable_input: big[r],
        })
        .collect())
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Optimization> {
    let rules = &ds.rules.optimization;
    let groups = usage_groups(ds, rules)?;
    let cat = &ds.catalog;
    let model_switching = model_switching(cat, rules, &groups);
    let batch = batch(cat, rules, &groups);
    let caching = caching(cat, rules, &groups);
    let (commitments, total_cost) = commitments(ds, rules)?;
    let mut unpriced_models: Vec<String> =
        groups.iter().filter(|g| g.price(cat).is_none()).map(|g| format!("{}/{}", g.provider, g.model)).collect();
    unpriced_models.sort();
    unpriced_models.dedup();
    let pos = |v: f64| v.max(0.0);
    let mut summary = Summary {
        cost_usd: total_cost,
        switching_savings_usd: model_switching.iter().map(|s| pos(s.savings_usd)).sum(),
        batch_savings_usd: batch.iter().map(|b| pos(b.savings_usd)).sum(),
        caching_savings_usd: caching.iter().map(|c| c.savings_usd).sum(),
        commitment_savings_usd: commitments.iter().map(|c| c.savings_usd).sum(),
        actionable_pct: 0.0,
    };
    summary.actionable_pct =
        pct(summary.switching_savings_usd + summary.batch_savings_usd + summary.caching_savings_usd, total_cost);
    let recommendations = recommend(rules, &summary, &model_switching, &batch, &commitments, &unpriced_models);
    Ok(Optimization {
        summary,
        model_switching,
        batch,
        caching,
        commitments,
        unpriced_models,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Optimization.as_str()),
    })
}

fn blended(rules: &rules::Optimization, p: &PriceRow) -> f64 {
    let w = rules.blend_input_weight;
    w * p.input.usd_per_million() + (1.0 - w) * p.output.usd_per_million()
}

/// The cheaper sibling of `m`: the most expensive current model of the same provider whose blended
/// price is at most `sibling_max_price_share` of `m`'s.
pub fn sibling<'a>(catalog: &'a Catalog, rules: &rules::Optimization, m: &Model, date: NaiveDate) -> Option<&'a Model> {
    let own = blended(rules, m.price_on(date)?);
    catalog
        .models
        .iter()
        .filter(|c| c.provider == m.provider && c.name != m.name && c.popularity > 0.0)
        .filter_map(|c| c.price_on(date).map(|p| (c, blended(rules, p))))
        .filter(|(_, b)| *b <= own * rules.sibling_max_price_share)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

fn cost(p: &PriceRow, u: &Usage, tier: ServiceTier) -> Option<f64> {
    p.cost(u, tier).ok().map(|c| c.usd())
}

/// Each model's standard-tier usage re-priced at its cheaper sibling's price on the same day, biggest
/// saving first.
fn model_switching(cat: &Catalog, rules: &rules::Optimization, groups: &[UsageGroup]) -> Vec<Switch> {
    let mut out: Vec<Switch> = Vec::new();
    for g in groups.iter().filter(|g| g.standard()) {
        let Some((m, _, date)) = g.price(cat) else { continue };
        let Some(alt) = sibling(cat, rules, m, date) else { continue };
        let Some(alt_cost) = alt.price_on(date).and_then(|p| cost(p, &g.usage, ServiceTier::Standard)) else {
            continue;
        };
        match out.iter_mut().find(|s| s.provider == g.provider && s.from == g.model) {
            Some(s) => {
                s.calls += g.calls;
                s.current_cost_usd += g.cost_usd;
                s.alternative_cost_usd += alt_cost;
            }
            None => out.push(Switch {
                provider: g.provider.clone(),
                from: g.model.clone(),
                to: alt.name.clone(),
                calls: g.calls,
                current_cost_usd: g.cost_usd,
                alternative_cost_usd: alt_cost,
                savings_usd: 0.0,
                savings_pct: 0.0,
            }),
        }
    }
    for s in &mut out {
        s.savings_usd = s.current_cost_usd - s.alternative_cost_usd;
        s.savings_pct = pct(s.savings_usd, s.current_cost_usd);
    }
    out.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    out
}

/// Standard-tier calls of batchable features and environments re-priced at the model's batch price,
/// per (provider, model, feature), biggest saving first.
fn batch(cat: &Catalog, rules: &rules::Optimization, groups: &[UsageGroup]) -> Vec<BatchSaving> {
    let mut out: Vec<BatchSaving> = Vec::new();
    let eligible = |g: &UsageGroup| {
        g.standard() && rules.batch_environments.contains(&g.environment) && rules.batch_features.contains(&g.feature)
    };
    for g in groups.iter().filter(|g| eligible(g)) {
        let Some((_, price, _)) = g.price(cat) else { continue };
        let Some(batch_cost) = price.has_batch().then(|| cost(price, &g.usage, ServiceTier::Batch)).flatten() else {
            continue;
        };
        match out.iter_mut().find(|x| x.provider == g.provider && x.model == g.model && x.feature == g.feature) {
            Some(x) => {
                x.calls += g.calls;
                x.current_cost_usd += g.cost_usd;
                x.batch_cost_usd += batch_cost;
                x.savings_usd += g.cost_usd - batch_cost;
            }
            None => out.push(BatchSaving {
                provider: g.provider.clone(),
                model: g.model.clone(),
                feature: g.feature.clone(),
                calls: g.calls,
                current_cost_usd: g.cost_usd,
                batch_cost_usd: batch_cost,
                savings_usd: g.cost_usd - batch_cost,
            }),
        }
    }
    out.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    out
}

/// Long standard-tier prompts that had nothing cached: the saving if `cacheable_share` of their input
/// had been read from the cache, per (provider, model), biggest first. Priced with the cost formula at
/// the model's base rates (the cache-write premium is not counted yet).
fn caching(cat: &Catalog, rules: &rules::Optimization, groups: &[UsageGroup]) -> Vec<CacheSaving> {
    let mut out: Vec<CacheSaving> = Vec::new();
    for g in groups.iter().filter(|g| g.standard()) {
        let Some((_, price, _)) = g.price(cat) else { continue };
        let tokens = (g.cacheable_input as f64 * rules.cacheable_share) as u64;
        if price.cached_input.is_none() || tokens == 0 {
            continue;
        }
        // Base rates: a zero-token prompt never reaches a long-context threshold.
        let Ok(rates) = price.rates(0, ServiceTier::Standard) else { continue };
        let uncached = rates.cost(&Usage { input: tokens, ..Usage::default() });
        let cached = rates.cost(&Usage { input: tokens, cached_input: tokens, ..Usage::default() });
        let (Ok(uncached), Ok(cached)) = (uncached, cached) else { continue };
        let saving = uncached.0.saturating_sub(cached.0) as f64 / finops_core::cost::PICO_PER_USD as f64;
        match out.iter_mut().find(|x| x.provider == g.provider && x.model == g.model) {
            Some(x) => {
                x.calls += g.calls;
                x.uncached_input_tokens += g.cacheable_input;
                x.savings_usd += saving;
            }
            None => out.push(CacheSaving {
                provider: g.provider.clone(),
                model: g.model.clone(),
                calls: g.calls,
                uncached_input_tokens: g.cacheable_input,
                savings_usd: saving,
            }),
        }
    }
    out.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
    out
}

/// Per provider: spend, a committable daily level and its discount, and the volume tier reached; with
/// the total spend.
fn commitments(ds: &Dataset, rules: &rules::Optimization) -> Result<(Vec<Commitment>, f64)> {
    let d = ds.sql(&format!("SELECT provider, {DAY} AS d, sum(cost_usd) AS c FROM calls GROUP BY provider, d"))?;
    let (dp, dc) = (d.str("provider")?, d.f64("c")?);
    let mut providers: Vec<String> = dp.clone();
    providers.sort();
    providers.dedup();
    let days = ds.period.billing_days();
    let full_days = ds.period.days.floor().max(0.0);
    let mut out: Vec<Commitment> = providers
        .into_iter()
        .map(|p| {
            let daily: Vec<f64> = (0..d.len()).filter(|&k| dp[k] == p).map(|k| dc[k]).collect();
            let total: f64 = daily.iter().sum();
            let monthly = total / days * DAYS_PER_MONTH;
            let committable = if daily.len() as u64 >= rules.commit_min_days {
                percentile(&daily, rules.commit_percentile / 100.0)
            } else {
                0.0
            };
            let (disc, next) = volume_tier(rules, monthly);
            Commitment {
                provider: p,
                cost_usd: total,
                monthly_equivalent_usd: monthly,
                committable_daily_usd: committable,
                savings_usd: committable * full_days * rules.commit_discount,
                volume_discount_pct: disc,
                next_tier_gap_usd: next,
            }
        })
        .collect();
    out.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd));
    Ok((out, dc.iter().sum()))
}

/// The volume tier of a monthly spend: (discount %, dollars to the next tier).
pub fn volume_tier(rules: &rules::Optimization, monthly: f64) -> (f64, Option<f64>) {
    let reached = rules.volume_tiers_usd.iter().rposition(|from| monthly >= *from);
    let discount = reached.map_or(0.0, |i| rules.volume_discounts_pct[i]);
    let next = rules.volume_tiers_usd.get(reached.map_or(0, |i| i + 1)).map(|from| from - monthly);
    (discount, next)
}

/// "production summarize/extract" from the batch rules.
fn batch_scope(rules: &rules::Optimization) -> String {
    format!("{} {}", rules.batch_environments.join("/"), rules.batch_features.join("/"))
}

/// The rate-optimization rules.
pub fn recommend(
    r: &rules::Optimization,
    s: &Summary,
    switches: &[Switch],
    batch: &[BatchSaving],
    commitments: &[Commitment],
    unpriced: &[String],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let material = |saving: f64, share_pct: f64| saving > share_pct / 100.0 * s.cost_usd.max(0.0) && saving > 0.0;
    if let Some(top) = switches.first().filter(|t| material(t.savings_usd, r.switch_min_share_pct)) {
        out.push(Recommendation::new(
            "model_switch",
            Severity::Info,
            format!(
                "Moving {}/{} calls to {} would have cost {} instead of {} ({:.0}% less) at catalog prices; test its quality on your tasks first.",
                top.provider, top.from, top.to, Usd(top.alternative_cost_usd), Usd(top.current_cost_usd), top.savings_pct
            ),
        ));
    }
    if material(s.batch_savings_usd, r.batch_min_share_pct) {
        let calls: u64 = batch.iter().map(|b| b.calls).sum();
        out.push(Recommendation::new(
            "use_batch_api",
            Severity::Info,
            format!(
                "{} {} calls could go through the batch API, saving {}.",
                thousands(calls),
                batch_scope(r),
                Usd(s.batch_savings_usd)
            ),
        ));
    }
    if material(s.caching_savings_usd, r.caching_min_share_pct) {
        let share =
            if r.cacheable_share == 0.5 { "half".to_string() } else { format!("{:.0}%", 100.0 * r.cacheable_share) };
        out.push(Recommendation::new(
            "prompt_caching",
            Severity::Info,
            format!(
                "Long prompts that missed the cache: caching {share} of them would save {}.",
                Usd(s.caching_savings_usd)
            ),
        ));
    }
    if let Some(c) = commitments
        .iter()
        .find(|c| c.next_tier_gap_usd.is_some_and(|g| g < r.volume_tier_close_pct / 100.0 * c.monthly_equivalent_usd))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_tiers_follow_the_rules() {
        let r = finops_core::rules::Rules::builtin().optimization;
        assert_eq!(volume_tier(&r, 500.0), (0.0, Some(500.0)));
        assert_eq!(volume_tier(&r, 1_000.0), (5.0, Some(4_000.0)));
        assert_eq!(volume_tier(&r, 7_500.0), (10.0, Some(2_500.0)));
        assert_eq!(volume_tier(&r, 12_000.0), (15.0, None));
        let none = rules::Optimization { volume_tiers_usd: vec![], volume_discounts_pct: vec![], ..r };
        assert_eq!(volume_tier(&none, 12_000.0), (0.0, None));
    }
}
