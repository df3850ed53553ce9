//! Pricing Strategy: the current flat subscriptions against three alternatives, each replayed on the
//! actual usage of the period (all monthly amounts prorated to it).
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    pub current: ModelResult,
    pub models: Vec<ModelResult>,
    pub segments: Vec<Segment>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

crate::labels!(
    /// The pricing models replayed.
    PricingModel { Flat => "flat", TieredOverage => "tiered_overage", Usage => "usage", Hybrid => "hybrid" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    pub model: PricingModel,
    pub description: String,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_usd: f64,
    pub margin_pct: f64,
    pub vs_flat_usd: f64,
}

impl Default for ModelResult {
    fn default() -> ModelResult {
        ModelResult {
            model: PricingModel::Flat,
            description: String::new(),
            revenue_usd: 0.0,
            cost_usd: 0.0,
            margin_usd: 0.0,
            margin_pct: 0.0,
            vs_flat_usd: 0.0,
        }
    }
}

crate::labels!(
    /// Customers by AI cost as a share of their revenue (`pricing.light_max_cost_share`, `heavy_min_cost_share`).
    UsageSegment { Light => "light", Medium => "medium", Heavy => "heavy" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub segment: UsageSegment,
    pub customers: u64,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_pct: f64,
}
