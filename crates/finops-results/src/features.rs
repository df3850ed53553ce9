//! Feature Economics: what each feature costs, who uses it, where to invest, what sells together, and
//! features launched during the period with their adoption curve.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Features {
    pub summary: Summary,
    pub by_feature: Vec<FeatureRow>,
    pub bundles: Vec<Bundle>,
    pub launches: Vec<Launch>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub cost_usd: f64,
    pub calls: u64,
    pub features: u64,
    pub customers: u64,
    pub avg_cost_per_feature: f64,
}

crate::labels!(
    /// Share of customers using a feature (`features.adoption_high_pct`, `adoption_medium_pct`).
    AdoptionLevel { High => "high", Medium => "medium", Low => "low" }
);

crate::labels!(
    /// Where to put effort: by adoption (`features.quadrant_adoption_pct`) and cost (above the median).
    Quadrant { Invest => "invest", Maintain => "maintain", Optimize => "optimize", Sunset => "sunset" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRow {
    pub feature: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    pub adoption_pct: f64,
    pub adoption_level: AdoptionLevel,
    pub cost_per_customer: f64,
    pub cost_per_call: f64,
    pub first_seen: String,
    /// Calls at the end of the period over calls at its start (`features.growth_window_share` of it
    /// each; 0 if absent at first).
    pub growth_ratio: f64,
    /// invest (high adoption, low cost), maintain (high, high), optimize (low, high), sunset (low, low).
    pub quadrant: Quadrant,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub features: (String, String),
    pub customers: u64,
    pub pct_of_customers: f64,
}

/// A feature first used after `features.launch_after_share` of the period: its adoption day by day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    pub feature: String,
    pub first_seen: String,
    /// (date, customers who have used it so far).
    pub cumulative_adopters: Vec<(String, u64)>,
}
