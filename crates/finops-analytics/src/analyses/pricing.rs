//! Pricing Strategy: the current flat subscriptions against three alternatives, each replayed on the
//! actual usage of the period (all monthly amounts prorated to it).
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{CustomerRow, Usd, customers, pct, ratio};
use crate::engine::{Dataset, Result};

/// Tokens included per month per dollar of plan price in the tiered model (the seed: price/10 x 100K).
pub const ALLOWANCE_TOKENS_PER_USD: f64 = 10_000.0;
/// Overage price per 1K tokens above the allowance.
pub const OVERAGE_PER_1K: f64 = 0.01;
/// Pure usage price per 1K tokens.
pub const USAGE_PER_1K: f64 = 0.015;

#[derive(Debug, Clone, Serialize)]
pub struct Pricing {
    pub current: ModelResult,
    pub models: Vec<ModelResult>,
    pub segments: Vec<Segment>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    pub model: &'static str,
    pub description: &'static str,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_usd: f64,
    pub margin_pct: f64,
    pub vs_flat_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    /// light: cost/revenue < 0.3, medium: < 0.7, heavy: >= 0.7.
    pub segment: &'static str,
    pub customers: u64,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_pct: f64,
}

pub fn analyze(ds: &Dataset) -> Result<Pricing> {
    Ok(from_customers(&customers(ds)?))
}

/// Revenue of each pricing model for one customer.
fn revenues(c: &CustomerRow) -> [f64; 4] {
    let months = ratio(c.revenue_usd, c.tier_price_usd);
    let allowance = c.tier_price_usd * ALLOWANCE_TOKENS_PER_USD * months;
    let overage = (c.total_tokens as f64 - allowance).max(0.0) / 1000.0 * OVERAGE_PER_1K;
    [
        c.revenue_usd,
        c.revenue_usd + overage,
        c.total_tokens as f64 / 1000.0 * USAGE_PER_1K,
        0.5 * c.revenue_usd + 1.5 * c.cost_usd,
    ]
}

const MODELS: [(&str, &str); 4] = [
    ("flat", "the current plans: a fixed monthly price per tier"),
    ("tiered_overage", "plan price with an allowance of price x 10,000 tokens a month, then $0.01 per 1K tokens"),
    ("usage", "no plan: $0.015 per 1K tokens"),
    ("hybrid", "half the plan price plus 1.5 x the customer's AI cost"),
];

pub fn from_customers(rows: &[CustomerRow]) -> Pricing {
    let cost: f64 = rows.iter().map(|c| c.cost_usd).sum();
    let mut totals = [0.0; 4];
    for c in rows {
        for (t, r) in totals.iter_mut().zip(revenues(c)) {
            *t += r;
        }
    }
    let flat = totals[0];
    let mut models: Vec<ModelResult> = MODELS
        .iter()
        .zip(totals)
        .map(|((model, description), revenue)| ModelResult {
            model,
            description,
            revenue_usd: revenue,
            cost_usd: cost,
            margin_usd: revenue - cost,
            margin_pct: pct(revenue - cost, revenue),
            vs_flat_usd: revenue - flat,
        })
        .collect();
    let current = models[0].clone();
    models.sort_by(|a, b| b.margin_pct.total_cmp(&a.margin_pct));
    let segments: Vec<Segment> = [("light", 0.0, 0.3), ("medium", 0.3, 0.7), ("heavy", 0.7, f64::INFINITY)]
        .iter()
        .map(|(name, lo, hi)| {
            let m: Vec<&CustomerRow> =
                rows.iter().filter(|c| (*lo..*hi).contains(&ratio(c.cost_usd, c.revenue_usd))).collect();
            let rev: f64 = m.iter().map(|c| c.revenue_usd).sum();
            let cost: f64 = m.iter().map(|c| c.cost_usd).sum();
            Segment {
                segment: name,
                customers: m.len() as u64,
                revenue_usd: rev,
                cost_usd: cost,
                margin_pct: pct(rev - cost, rev),
            }
        })
        .collect();
    let recommendations = recommend(&current, &models, &segments);
    Pricing { current, models, segments, recommendations }
}

/// The pricing rules.
pub fn recommend(current: &ModelResult, models: &[ModelResult], segments: &[Segment]) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if current.revenue_usd <= 0.0 {
        return out;
    }
    if let Some(best) = models.first().filter(|m| m.model != "flat" && m.margin_pct > current.margin_pct + 5.0) {
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
    if let Some(h) = segments.iter().find(|s| s.segment == "heavy" && s.customers > 0 && s.margin_pct < 20.0) {
        out.push(Recommendation::new(
            "heavy_users_underpriced",
            Severity::Warning,
            format!("{} heavy users (AI cost >= 70% of their plan) run a {:.1}% margin; an allowance with overage would cover them.", h.customers, h.margin_pct),
        ));
    }
    if let Some(l) = segments.iter().find(|s| s.segment == "light" && s.customers > 0 && s.margin_pct > 70.0) {
        out.push(Recommendation::new(
            "light_users_profitable",
            Severity::Success,
            format!("{} light users carry a {:.1}% margin; keep their plan simple.", l.customers, l.margin_pct),
        ));
    }
    if let Some(h) = models
        .iter()
        .find(|m| m.model == "hybrid")
        .filter(|h| h.margin_usd > 1.1 * current.margin_usd && current.margin_usd > 0.0)
    {
        out.push(Recommendation::new(
            "hybrid_beats_flat",
            Severity::Info,
            format!(
                "A hybrid plan (half price + 1.5x cost) would raise margin dollars {:.0}% over flat plans.",
                pct(h.margin_usd - current.margin_usd, current.margin_usd)
            ),
        ));
    }
    out
}
