//! Rate Optimization: savings from cheaper sibling models, the batch API and prompt caching, priced
//! with the catalog on each call's date, plus commitment and volume-discount what-ifs. Savings are
//! signed (negative = the change would cost more).
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Optimization {
    pub summary: Summary,
    pub model_switching: Vec<Switch>,
    pub batch: Vec<BatchSaving>,
    pub caching: Vec<CacheSaving>,
    pub commitments: Vec<Commitment>,
    pub unpriced_models: Vec<String>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub cost_usd: f64,
    pub switching_savings_usd: f64,
    pub batch_savings_usd: f64,
    pub caching_savings_usd: f64,
    pub commitment_savings_usd: f64,
    /// Switching + batch + caching, as a share of cost (each assumes the others are not done).
    pub actionable_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchSaving {
    pub provider: String,
    pub model: String,
    pub feature: String,
    pub calls: u64,
    pub current_cost_usd: f64,
    pub batch_cost_usd: f64,
    pub savings_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheSaving {
    pub provider: String,
    pub model: String,
    pub calls: u64,
    pub uncached_input_tokens: u64,
    pub savings_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    pub provider: String,
    pub cost_usd: f64,
    pub monthly_equivalent_usd: f64,
    /// A low percentile of daily spend (`optimization.commit_percentile`): a level paid on most days.
    pub committable_daily_usd: f64,
    pub savings_usd: f64,
    /// The volume tier's discount on monthly-equivalent spend (`optimization.volume_tiers_usd`).
    pub volume_discount_pct: f64,
    pub next_tier_gap_usd: Option<f64>,
}
