//! Customer Profitability: subscription revenue (prorated to the data's period) against AI cost.
use serde::{Deserialize, Serialize};

use crate::common::{CustomerRow, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profitability {
    pub summary: Summary,
    pub by_customer: Vec<CustomerMargin>,
    pub by_tier: Vec<TierMargin>,
    pub unprofitable: Unprofitable,
    pub margin_distribution: Vec<Bucket>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_usd: f64,
    pub margin_pct: f64,
    pub customers: u64,
    pub avg_revenue_per_customer: f64,
    pub avg_cost_per_customer: f64,
    pub period_days: f64,
}

crate::labels!(
    /// A customer's margin band (`profitability.high_margin_pct`, `medium_margin_pct`, above zero).
    MarginStatus { High => "high", Medium => "medium", Low => "low", Unprofitable => "unprofitable" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerMargin {
    #[serde(flatten)]
    pub customer: CustomerRow,
    pub margin_usd: f64,
    pub margin_pct: f64,
    pub status: MarginStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TierMargin {
    pub tier: String,
    pub price_usd: f64,
    pub customers: u64,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Unprofitable {
    pub count: u64,
    pub pct_of_customers: f64,
    pub total_loss_usd: f64,
    /// Worst first.
    pub customers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub status: MarginStatus,
    pub customers: u64,
}
