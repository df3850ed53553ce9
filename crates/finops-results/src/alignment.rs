//! Organizational Alignment: cost by organization, product and feature, chargeback and showback,
//! and how differently organizations use AI.
use serde::{Deserialize, Serialize};

use crate::common::{Group, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    pub summary: Summary,
    pub by_organization: Vec<OrgRow>,
    pub by_product: Vec<Group>,
    pub by_feature: Vec<FeatureAdoption>,
    /// Cost of each organization split by product.
    pub org_products: Vec<Group>,
    pub chargeback: Vec<Chargeback>,
    pub efficiency: EfficiencyGap,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub cost_usd: f64,
    pub calls: u64,
    pub organizations: u64,
    pub products: u64,
    pub features: u64,
    pub avg_cost_per_org: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgRow {
    pub organization_id: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    pub products: u64,
    pub features: u64,
    pub avg_cost_per_call: f64,
    pub avg_cost_per_customer: f64,
    pub pct_of_cost: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureAdoption {
    pub feature: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    /// Customers using the feature / all customers.
    pub adoption_pct: f64,
}

/// Showback: each organization's direct cost, its share, and the gap to an equal split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chargeback {
    pub organization_id: String,
    pub direct_cost_usd: f64,
    pub share_pct: f64,
    pub equal_split_usd: f64,
    pub over_equal_split_usd: f64,
}

crate::labels!(
    /// How far apart the costliest and cheapest organizations per call are.
    GapAssessment { Significant => "significant", Moderate => "moderate", Similar => "similar" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyGap {
    pub cheapest_org: Option<String>,
    pub cheapest_cost_per_call: f64,
    pub costliest_org: Option<String>,
    pub costliest_cost_per_call: f64,
    pub gap_ratio: f64,
    pub assessment: GapAssessment,
}

impl Default for EfficiencyGap {
    fn default() -> EfficiencyGap {
        EfficiencyGap {
            cheapest_org: None,
            cheapest_cost_per_call: 0.0,
            costliest_org: None,
            costliest_cost_per_call: 0.0,
            gap_ratio: 0.0,
            assessment: GapAssessment::Similar,
        }
    }
}
