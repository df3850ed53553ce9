//! Understanding Usage & Cost: where the money goes, how it trends, and where it is heading.
use serde::{Deserialize, Serialize};

use crate::common::{Forecast, Group, GroupForecast, Metrics, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Understanding {
    pub summary: Summary,
    pub by_provider: Vec<Group>,
    pub by_model: Vec<Group>,
    pub by_customer: Vec<CustomerCost>,
    pub by_feature: Vec<Group>,
    /// Standard, batch, flex and priority processing.
    #[serde(default)]
    pub by_service_tier: Vec<Group>,
    pub by_organization: Vec<OrgCost>,
    pub daily: Vec<DailyCost>,
    pub forecast: Box<Forecast>,
    /// 30-day forecasts per provider, model and organization (the costliest of each).
    pub forecasts_by_group: Vec<GroupForecast>,
    pub efficiency: Efficiency,
    /// List against effective cost under the organization's negotiated rates (`--rates`); `None`
    /// without them (and then left out of the JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negotiated: Option<Negotiated>,
    pub top_spenders: Vec<CustomerCost>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub totals: Metrics,
    pub customers: u64,
    pub organizations: u64,
    pub models: u64,
    pub period_days: f64,
    pub avg_daily_cost: f64,
}

/// What the negotiated rates changed. Every other cost of every report is the effective one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Negotiated {
    /// The cost at list prices (the input's `cost_usd`).
    pub list_cost_usd: f64,
    pub effective_cost_usd: f64,
    pub saved_usd: f64,
    pub saved_pct: f64,
    /// One row per rule of the rates file, in file order (rules that covered no call included).
    pub rules: Vec<NegotiatedRule>,
    /// List and effective cost per provider.
    pub by_provider: Vec<ListVsEffective>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NegotiatedRule {
    pub name: String,
    /// `provider` or `provider/model`.
    pub scope: String,
    /// First and last day, empty when open-ended.
    pub from: String,
    pub until: String,
    /// The terms as written: the discount and any rates of its own.
    pub terms: String,
    pub calls: u64,
    pub list_cost_usd: f64,
    pub effective_cost_usd: f64,
    pub saved_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListVsEffective {
    pub provider: String,
    pub calls: u64,
    pub list_cost_usd: f64,
    pub effective_cost_usd: f64,
    pub saved_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerCost {
    pub customer_id: String,
    pub organization_id: String,
    pub subscription_tier: String,
    pub tier_price_usd: f64,
    pub calls: u64,
    pub cost_usd: f64,
    pub pct_of_cost: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgCost {
    pub organization_id: String,
    pub customers: u64,
    pub calls: u64,
    pub cost_usd: f64,
    pub pct_of_cost: f64,
    pub avg_cost_per_customer: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyCost {
    pub date: String,
    pub calls: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Efficiency {
    pub overall_cost_per_1k_tokens: f64,
    /// Among models with at least `understanding.efficiency_min_calls` calls.
    pub most_efficient: Option<ModelEfficiency>,
    pub least_efficient: Option<ModelEfficiency>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelEfficiency {
    pub provider: String,
    pub model: String,
    pub cost_per_1k_tokens: f64,
    pub calls: u64,
}
