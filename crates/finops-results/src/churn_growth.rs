//! Churn & Growth: who is new, growing, declining or gone; expansion candidates; plan mismatches; and
//! cohorts by first-seen date with their retention.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChurnGrowth {
    pub summary: Summary,
    pub daily: Vec<DayActivity>,
    pub churned: Vec<CustomerChange>,
    pub declining: Vec<CustomerChange>,
    pub growing: Vec<CustomerChange>,
    pub new_customers: Vec<CustomerChange>,
    pub expansion: Vec<Expansion>,
    pub tier_mismatch: Vec<Mismatch>,
    pub cohorts: Vec<Cohort>,
    /// Every customer's engagement, highest first.
    pub engagement: Vec<Engagement>,
    /// Customers per engagement level (high, medium, low).
    pub engagement_levels: Vec<(EngagementLevel, u64)>,
    pub feature_adoption: FeatureAdoption,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

crate::labels!(
    /// Engagement score bands (`churn_growth.engagement_high`, `engagement_medium`).
    EngagementLevel { High => "high", Medium => "medium", Low => "low" }
);

/// A customer's engagement score, 0-100, on rates (so it does not depend on how many days the data
/// covers): up to 40 points for calls a day, 30 for features used and 30 for monthly-equivalent AI
/// spend, each full at its `churn_growth.engagement_*` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub customer_id: String,
    pub subscription_tier: String,
    pub calls_per_day: f64,
    pub features: u64,
    pub monthly_spend_usd: f64,
    pub score: f64,
    pub level: EngagementLevel,
}

/// How many features customers use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureAdoption {
    /// (features used, customers).
    pub histogram: Vec<(u64, u64)>,
    pub avg_features: f64,
    pub single_feature_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub customers: u64,
    pub new_customers: u64,
    pub churned: u64,
    pub churn_rate_pct: f64,
    pub growing: u64,
    pub declining: u64,
    pub stable: u64,
    /// Calls in the second half of the period over the first half.
    pub volume_growth_pct: f64,
    pub revenue_at_risk_monthly_usd: f64,
    pub expansion_monthly_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayActivity {
    pub date: String,
    pub active_customers: u64,
    pub calls: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerChange {
    pub customer_id: String,
    pub subscription_tier: String,
    pub first_seen: String,
    pub last_seen: String,
    /// Calls in the first and second half of the customer's own active time (halves of equal traffic
    /// exposure), not of the period.
    pub calls_first_half: u64,
    pub calls_second_half: u64,
    pub growth_pct: f64,
    /// How significant the change between the halves is (standard deviations).
    pub z: f64,
    /// Hours with a call the customer would have had since its last call, at its own rate.
    pub expected_active_hours_while_silent: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Expansion {
    pub customer_id: String,
    pub subscription_tier: String,
    pub cost_to_revenue_pct: f64,
    pub suggested_tier: String,
    pub added_monthly_usd: f64,
}

crate::labels!(
    /// How a plan fails its customer.
    MismatchKind { Oversubscribed => "oversubscribed", Undersubscribed => "undersubscribed" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub customer_id: String,
    pub subscription_tier: String,
    pub calls_per_day: f64,
    pub kind: MismatchKind,
    /// The mismatch in words, with the rule's value.
    pub issue: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    pub first_seen: String,
    pub customers: u64,
    /// Customers of the cohort active at the end of the period (`churn_growth.retention_window_share`).
    pub retained: u64,
    pub retention_pct: f64,
}
