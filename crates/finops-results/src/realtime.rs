//! Real-Time Decision Making: incidents (surges of an organization's traffic against its own baseline,
//! merged over time with their root cause and cost), budget risk per customer, error spikes, daily alerts
//! and provider concentration.
use serde::{Deserialize, Serialize};

use crate::common::{Recommendation, Severity};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Realtime {
    pub summary: Summary,
    /// Costliest first.
    pub incidents: Vec<Incident>,
    /// How the incidents were searched for: bin size, baseline, warm-up.
    pub detection: Detection,
    /// Organizations whose model mix changed between the start and the end of the period (a migration,
    /// a cost optimization), largest change first.
    pub model_shifts: Vec<ModelShift>,
    pub budget_risk: Vec<CustomerRisk>,
    pub risk_levels: Vec<(RiskLevel, u64)>,
    pub error_spikes: Vec<ErrorSpike>,
    pub daily_alerts: Vec<DailyAlert>,
    pub provider_concentration: Concentration,
    /// The budgets of `--budgets FILE`, in file order (empty without one).
    pub budgets: Vec<BudgetStatus>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub calls: u64,
    pub cost_usd: f64,
    pub incidents: u64,
    /// Cost above the expected level, summed over the incidents.
    pub incident_excess_cost_usd: f64,
    pub customers_at_risk: u64,
    pub revenue_at_risk_usd: f64,
    pub health_score_pct: f64,
}

/// A surge of one organization's traffic: consecutive time bins far above what the organization's own
/// share of everyone else's traffic predicts, merged into one event with its cause and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `INC-001`, costliest first.
    pub id: String,
    pub organization_id: String,
    /// First and last anomalous bin (start of the first, end of the last), ISO 8601 UTC.
    pub start: String,
    pub end: String,
    /// The bin with the highest ratio to its expectation.
    pub peak: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub peak_ms: i64,
    pub duration_minutes: f64,
    pub calls: u64,
    pub expected_calls: f64,
    pub excess_calls: f64,
    /// Calls over expected in the peak bin.
    pub peak_ratio: f64,
    pub cost_usd: f64,
    pub expected_cost_usd: f64,
    pub excess_cost_usd: f64,
    /// Calls the provider answered with 429 during the incident.
    pub rate_limited_calls: u64,
    /// The customer, model (`provider/model`) and feature carrying most of the excess, with their share
    /// of it.
    pub root_customer_id: String,
    pub root_customer_share_pct: f64,
    pub root_model: String,
    pub root_model_share_pct: f64,
    pub root_feature: String,
    pub root_feature_share_pct: f64,
    pub severity: Severity,
}

/// An organization's model mix, first against last part of the period: the model that lost most share
/// and the one that gained most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelShift {
    pub organization_id: String,
    /// Half the sum of the absolute share changes of all its models (0-100%).
    pub changed_pct: f64,
    /// How much the organization's cost per token moved from the change of mix alone: each model
    /// priced at its cost per token over both parts (negative: towards cheaper models).
    #[serde(default)]
    pub mix_price_change_pct: f64,
    pub from_model: String,
    pub from_share_before_pct: f64,
    pub from_share_after_pct: f64,
    pub to_model: String,
    pub to_share_before_pct: f64,
    pub to_share_after_pct: f64,
    pub calls_before: u64,
    pub calls_after: u64,
    pub cost_per_call_before_usd: f64,
    pub cost_per_call_after_usd: f64,
}

/// The detector's settings as applied to this dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub bin_minutes: u64,
    /// Hours whose share of traffic forms the organization's baseline...
    pub baseline_hours: u64,
    /// ...ending this many hours before the bin.
    #[serde(default)]
    pub baseline_gap_hours: u64,
    /// Bins tested (organizations x bins with a baseline).
    pub bins_tested: u64,
    pub bins_flagged: u64,
    /// From when the detector judges bins: the data's first hour (no warm-up beyond one baseline hour).
    pub judged_from: String,
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

/// A budget's burn, forecast and alerts over its period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub name: String,
    /// `total`, `organization`, `product`, `provider` or `model`.
    pub scope: String,
    pub value: Option<String>,
    /// First and last day of the period (UTC, inclusive).
    pub period_start: String,
    pub period_end: String,
    pub amount_usd: f64,
    /// Cost in the period up to the data's last call.
    pub spent_usd: f64,
    pub spent_pct: f64,
    /// The data's last call (`2026-09-07T21:00:00Z` hour).
    pub data_through: String,
    /// Spent plus the forecast for the rest of the period, with its interval.
    pub forecast_end_usd: f64,
    pub forecast_end_low_usd: f64,
    pub forecast_end_high_usd: f64,
    /// The forecast method used for the scope's daily cost.
    pub method: crate::common::ForecastMethod,
    /// The hour the spend passed the amount, if it has.
    pub exceeded_at: Option<String>,
    /// When the forecast passes the amount within the period: the date, and the earliest and latest
    /// dates the interval allows (`None`: not within the period).
    pub projected_exceed_date: Option<String>,
    pub projected_exceed_earliest: Option<String>,
    pub projected_exceed_latest: Option<String>,
    pub thresholds: Vec<BudgetThreshold>,
}

/// One alert threshold of a budget: fired once, at the hour the spend passed it, or projected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetThreshold {
    pub pct: f64,
    pub amount_usd: f64,
    /// The UTC hour (start) in which the period's spend passed the threshold.
    pub fired_at: Option<String>,
    /// For a threshold not yet passed: the date the forecast passes it within the period.
    pub projected_date: Option<String>,
}
