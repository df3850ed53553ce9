//! Real-Time Decision Making: cost anomalies against each dimension's own recent baseline, budget risk
//! per customer, error spikes, daily alerts and provider concentration.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Realtime {
    pub summary: Summary,
    pub cost_anomalies: Vec<CostAnomaly>,
    pub anomalies_by_dimension: Vec<(AnomalyDimension, u64)>,
    pub budget_risk: Vec<CustomerRisk>,
    pub risk_levels: Vec<(RiskLevel, u64)>,
    pub error_spikes: Vec<ErrorSpike>,
    pub daily_alerts: Vec<DailyAlert>,
    pub provider_concentration: Concentration,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub calls: u64,
    pub cost_usd: f64,
    pub anomalies: u64,
    /// Cost above baseline of the organization anomalies.
    pub anomalous_cost_usd: f64,
    pub customers_at_risk: u64,
    pub revenue_at_risk_usd: f64,
    pub health_score_pct: f64,
}

crate::labels!(
    /// What an hourly cost series is kept for.
    AnomalyDimension { Organization => "organization", Model => "model", Feature => "feature", Total => "total" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostAnomaly {
    pub dimension: AnomalyDimension,
    pub key: String,
    pub hour: String,
    pub cost_usd: f64,
    pub baseline_usd: f64,
    /// Cost over baseline; `None` when the baseline is zero.
    pub ratio: Option<f64>,
    pub robust_z: f64,
}

crate::labels!(
    /// Budget risk by AI cost as a share of plan revenue.
    RiskLevel { Critical => "critical", High => "high", Medium => "medium", Low => "low" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRisk {
    pub customer_id: String,
    pub subscription_tier: String,
    pub cost_usd: f64,
    pub revenue_usd: f64,
    /// AI cost as a share of the (prorated) plan revenue.
    pub cost_to_revenue_pct: f64,
    pub risk: RiskLevel,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorSpike {
    pub hour: String,
    pub organization_id: String,
    pub calls: u64,
    pub errors: u64,
    pub error_rate_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyAlert {
    pub date: String,
    pub cost_usd: f64,
    pub median_day_usd: f64,
    pub ratio: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Concentration {
    pub shares_pct: Vec<(String, f64)>,
    /// 0-10,000; above `realtime.hhi_high` (2,500) is highly concentrated (the antitrust convention).
    pub hhi: f64,
}
