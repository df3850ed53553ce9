//! Rate Optimization: savings from a cheaper model of the same capability class, the batch API and
//! prompt caching, priced with the catalog on each call's date and size, each alone and combined in
//! sequence on the same calls (the plan, whose total is a real number), plus commitment and
//! volume-discount what-ifs.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Optimization {
    pub summary: Summary,
    /// The levers applied in sequence on the same calls: switch, then cache, then batch.
    pub plan: Vec<PlanStep>,
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
    /// Each lever alone, on today's calls.
    pub switching_savings_usd: f64,
    pub batch_savings_usd: f64,
    pub caching_savings_usd: f64,
    pub commitment_savings_usd: f64,
    /// The three levers applied in sequence on the same calls (below the sum of the levers alone).
    pub combined_savings_usd: f64,
    /// Switching + batch + caching alone, added up: what a report that adds overlapping levers shows.
    pub levers_alone_usd: f64,
    /// The combined saving as a share of cost.
    pub actionable_pct: f64,
}

/// One lever of the plan, applied after the ones before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// `model_switch`, `prompt_caching` or `batch_api`.
    pub lever: String,
    /// Calls it changes.
    pub calls: u64,
    /// What those calls cost before this step (after the earlier ones), and the saving.
    pub cost_before_usd: f64,
    pub savings_usd: f64,
    pub savings_pct: f64,
    /// The assumption the saving rests on.
    pub assumption: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    pub provider: String,
    pub from: String,
    pub to: String,
    /// The capability class both belong to.
    pub class: String,
    pub calls: u64,
    /// Calls of `from` left where they are: too long for `to`'s context window, or dearer on it.
    pub calls_kept: u64,
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
    /// Long prompts with nothing cached.
    pub calls: u64,
    pub uncached_input_tokens: u64,
    /// Calls that would write the prefix (the first in each customer-feature window) and read it.
    pub writes: u64,
    pub reads: u64,
    /// The cache-write premium paid on the writes (included in the saving).
    pub write_premium_usd: f64,
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
