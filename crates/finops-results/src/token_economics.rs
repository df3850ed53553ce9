//! Token Economics: where tokens go (input, cached, output, reasoning), input/output balance, and
//! wasteful call patterns.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenEconomics {
    pub summary: Summary,
    pub by_model: Vec<TokenRow>,
    pub by_feature: Vec<TokenRow>,
    pub by_archetype: Vec<TokenRow>,
    pub io_ratio: IoRatio,
    /// Models with at least `token_economics.ranking_min_calls` calls, best efficiency score first.
    pub efficiency_ranking: Vec<TokenRow>,
    pub wasteful_patterns: Vec<Pattern>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_input_tokens: u64,
    pub reasoning_tokens: u64,
    pub cache_hit_pct: f64,
    pub reasoning_share_of_output_pct: f64,
    pub input_output_ratio: f64,
    pub cost_usd: f64,
    pub cost_per_1k_tokens: f64,
    pub avg_input_per_call: f64,
    pub avg_output_per_call: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenRow {
    pub key: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_pct: f64,
    pub reasoning_pct: f64,
    pub io_ratio: f64,
    pub cost_usd: f64,
    pub cost_per_1k_tokens: f64,
    pub cost_per_call: f64,
    /// The token efficiency score (0-100) of this row.
    pub efficiency_score: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IoRatio {
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    /// Input/output within `token_economics.balanced_min_ratio` and `balanced_max_ratio`.
    pub balanced: u64,
    pub input_heavy: u64,
    pub output_heavy: u64,
}

crate::labels!(
    /// The showcase's wasteful call patterns.
    WastefulPattern {
        ExcessiveInput => "excessive_input",
        ExpensiveSimpleTask => "expensive_simple_task",
        LowOutputHighTokens => "low_output_high_tokens",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    pub pattern: WastefulPattern,
    /// The pattern's rule in words, with the values in force.
    pub rule: String,
    pub calls: u64,
    pub cost_usd: f64,
}
