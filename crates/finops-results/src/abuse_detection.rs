//! Abuse Detection: customers whose usage departs from their own habits, their peers or their plan.
use serde::{Deserialize, Serialize};

use crate::common::Recommendation;
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Abuse {
    pub summary: Summary,
    pub usage_spikes: Vec<Flag>,
    pub minute_bursts: Vec<Flag>,
    pub rate_limit_hammering: Vec<Flag>,
    pub cost_spikes: Vec<Flag>,
    pub night_automation: Vec<Flag>,
    pub plan_abuse: Vec<Flag>,
    /// Customers far out of line with their peers (same tier and archetype).
    pub peer_outliers: Vec<Flag>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

impl Abuse {
    /// Every detector's findings with its kind, in report order.
    pub fn by_kind(&self) -> [(FlagKind, &[Flag]); 7] {
        [
            (FlagKind::UsageSpike, &self.usage_spikes),
            (FlagKind::MinuteBurst, &self.minute_bursts),
            (FlagKind::RateLimitHammering, &self.rate_limit_hammering),
            (FlagKind::CostSpike, &self.cost_spikes),
            (FlagKind::NightAutomation, &self.night_automation),
            (FlagKind::PlanAbuse, &self.plan_abuse),
            (FlagKind::PeerOutlier, &self.peer_outliers),
        ]
    }
}

crate::labels!(
    /// The abuse detectors.
    FlagKind {
        UsageSpike => "usage_spike",
        MinuteBurst => "minute_burst",
        RateLimitHammering => "rate_limit_hammering",
        CostSpike => "cost_spike",
        NightAutomation => "night_automation",
        PlanAbuse => "plan_abuse",
        PeerOutlier => "peer_outlier",
    }
);

impl FlagKind {
    /// The result field that lists this detector's findings.
    pub fn field(self) -> &'static str {
        match self {
            FlagKind::UsageSpike => "usage_spikes",
            FlagKind::MinuteBurst => "minute_bursts",
            FlagKind::RateLimitHammering => "rate_limit_hammering",
            FlagKind::CostSpike => "cost_spikes",
            FlagKind::NightAutomation => "night_automation",
            FlagKind::PlanAbuse => "plan_abuse",
            FlagKind::PeerOutlier => "peer_outliers",
        }
    }

    /// A heading for the detector.
    pub fn title(self) -> &'static str {
        match self {
            FlagKind::UsageSpike => "Usage spikes",
            FlagKind::MinuteBurst => "Minute bursts",
            FlagKind::RateLimitHammering => "Rate limit hammering",
            FlagKind::CostSpike => "Cost spikes",
            FlagKind::NightAutomation => "Night automation",
            FlagKind::PlanAbuse => "Plan abuse",
            FlagKind::PeerOutlier => "Peer outliers",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub customers: u64,
    pub flagged_customers: u64,
    pub flags: u64,
    pub flagged_cost_usd: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub customer_id: String,
    /// The hour, minute or day of the finding; empty for findings over the whole period.
    pub when: String,
    pub value: f64,
    pub baseline: f64,
    pub detail: String,
}
