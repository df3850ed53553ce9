//! Pricing Strategy: the current flat subscriptions against three alternatives, each replayed on the
//! actual usage of the period (all monthly amounts prorated to it). The alternatives' prices are the
//! `pricing.*` rules.
use finops_core::rules;
pub use finops_results::pricing::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{CustomerRow, Usd, customers, pct, ratio};
use crate::engine::{Dataset, Result};

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Pricing> {
    let mut p = from_customers(&ds.rules.pricing, &customers(ds)?);
    p.rules_applied = ds.rules.applied(AnalysisId::Pricing.as_str());
    Ok(p)
}

/// Revenue of each pricing model for one customer, in [`PricingModel::ALL`] order.
fn revenues(r: &rules::Pricing, c: &CustomerRow) -> [f64; 4] {
    let months = ratio(c.revenue_usd, c.tier_price_usd);
    let allowance = c.tier_price_usd * r.allowance_tokens_per_usd * months;
    let overage = (c.total_tokens as f64 - allowance).max(0.0) / 1000.0 * r.overage_usd_per_1k;
    [
        c.revenue_usd,
        c.revenue_usd + overage,
        c.total_tokens as f64 / 1000.0 * r.usage_usd_per_1k,
        r.hybrid_plan_share * c.revenue_usd + r.hybrid_cost_multiple * c.cost_usd,
    ]
}

/// A pricing model in words, with the rule values in force.
fn describe(r: &rules::Pricing, m: PricingModel) -> String {
    let per_1k = |x: f64| format!("${x} per 1K tokens");
    match m {
        PricingModel::Flat => "the current plans: a fixed monthly price per tier".into(),
        PricingModel::TieredOverage => format!(
            "plan price with an allowance of price x {} tokens a month, then {}",
            finops_core::units::thousands(r.allowance_tokens_per_usd.round() as u64),
            per_1k(r.overage_usd_per_1k)
        ),
        PricingModel::Usage => format!("no plan: {}", per_1k(r.usage_usd_per_1k)),
        PricingModel::Hybrid => {
            format!("{} the plan price plus {} x the customer's AI cost", plan_share(r), r.hybrid_cost_multiple)
        }
    }
}

/// The hybrid model's share of the plan price in words: `half`, `0.3x`.
fn plan_share(r: &rules::Pricing) -> String {
    if r.hybrid_plan_share == 0.5 { "half".into() } else { format!("{}x", r.hybrid_plan_share) }
}

/// The usage segment of a customer whose AI cost is `cost_share` of its revenue.
fn segment(r: &rules::Pricing, cost_share: f64) -> UsageSegment {
    if cost_share < r.light_max_cost_share {
        UsageSegment::Light
    } else if cost_share < r.heavy_min_cost_share {
        UsageSegment::Medium
    } else {
        UsageSegment::Heavy
    }
}

/// The analysis over per-customer rows (also used by tests).
pub fn from_customers(r: &rules::Pricing, rows: &[CustomerRow]) -> Pricing {
    let cost: f64 = rows.iter().map(|c| c.cost_usd).sum();
    let mut totals = [0.0; 4];
    for c in rows {
        for (t, rev) in totals.iter_mut().zip(revenues(r, c)) {
            *t += rev;
        }
    }
    let flat = totals[0];
    let mut models: Vec<ModelResult> = PricingModel::ALL
        .iter()
        .zip(totals)
        .map(|(model, revenue)| ModelResult {
            model: *model,
            description: describe(r, *model),
            revenue_usd: revenue,
            cost_usd: cost,
            margin_usd: revenue - cost,
            margin_pct: pct(revenue - cost, revenue),
            vs_flat_usd: revenue - flat,
        })
        .collect();
    let current = models[0].clone();
    models.sort_by(|a, b| b.margin_pct.total_cmp(&a.margin_pct));
    let segments: Vec<Segment> = UsageSegment::ALL
        .iter()
        .map(|name| {
            let m: Vec<&CustomerRow> =
                rows.iter().filter(|c| segment(r, ratio(c.cost_usd, c.revenue_usd)) == *name).collect();
            let rev: f64 = m.iter().map(|c| c.revenue_usd).sum();
            let cost: f64 = m.iter().map(|c| c.cost_usd).sum();
            Segment {
                segment: *name,
                customers: m.len() as u64,
                revenue_usd: rev,
                cost_usd: cost,
                margin_pct: pct(rev - cost, rev),
            }
        })
        .collect();
    let recommendations = recommend(r, &current, &models, &segments);
    Pricing { current, models, segments, recommendations, rules_applied: Vec::new() }
}

/// The pricing rules.
pub fn recommend(
    r: &rules::Pricing,
    current: &ModelResult,
    models: &[ModelResult],
    segments: &[Segment],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if current.revenue_usd <= 0.0 {
        return out;
    }
    if let Some(best) = models
        .first()
        .filter(|m| m.model != PricingModel::Flat && m.margin_pct > current.margin_pct + r.better_model_points)
    {
        out.push(Recommendation::new(
            "better_model",
            Severity::Info,
            format!(
                "`{}` pricing would have earned a {:.1}% margin against {:.1}% today ({}{} of revenue over the period).",
                best.model,
                best.margin_pct,
                current.margin_pct,
                if best.vs_flat_usd >= 0.0 { "+" } else { "" },
                Usd(best.vs_flat_usd)
            ),
        ));
    }
    if let Some(h) = segments
        .iter()
        .find(|s| s.segment == UsageSegment::Heavy && s.customers > 0 && s.margin_pct < r.heavy_margin_pct)
    {
        out.push(Recommendation::new(
            "heavy_users_underpriced",
            Severity::Warning,
            format!(
                "{} heavy users (AI cost >= {:.0}% of their plan) run a {:.1}% margin; an allowance with overage would cover them.",
                h.customers,
                100.0 * r.heavy_min_cost_share,
                h.margin_pct
            ),
        ));
    }
    if let Some(l) = segments
        .iter()
        .find(|s| s.segment == UsageSegment::Light && s.customers > 0 && s.margin_pct > r.light_margin_pct)
    {
        out.push(Recommendation::new(
            "light_users_profitable",
            Severity::Success,
            format!("{} light users carry a {:.1}% margin; keep their plan simple.", l.customers, l.margin_pct),
        ));
    }
    if let Some(h) = models
        .iter()
        .find(|m| m.model == PricingModel::Hybrid)
        .filter(|h| h.margin_usd > r.hybrid_margin_ratio * current.margin_usd && current.margin_usd > 0.0)
    {
        out.push(Recommendation::new(
            "hybrid_beats_flat",
            Severity::Info,
            format!(
                "A hybrid plan ({} price + {}x cost) would raise margin dollars {:.0}% over flat plans.",
                plan_share(r),
                r.hybrid_cost_multiple,
                pct(h.margin_usd - current.margin_usd, current.margin_usd)
            ),
        ));
    }
    out
}
