//! Plan abuse: customers on a small plan whose AI cost is many times what they pay.
use finops_core::rules::AbuseDetection;

use super::Flag;
use crate::common::{CustomerRow, Usd};

/// Customers of the `plan_abuse_tiers` whose AI cost exceeds `plan_abuse_ratio` times their prorated
/// plan revenue.
pub fn detect(r: &AbuseDetection, customers: &[CustomerRow]) -> Vec<Flag> {
    customers
        .iter()
        .filter(|c| {
            r.plan_abuse_tiers.contains(&c.subscription_tier)
                && c.revenue_usd > 0.0
                && c.cost_usd > r.plan_abuse_ratio * c.revenue_usd
        })
        .map(|c| Flag {
            customer_id: c.customer_id.clone(),
            when: String::new(),
            value: c.cost_usd,
            baseline: c.revenue_usd,
            detail: format!(
                "{} plan: {} of AI cost against {} of revenue ({:.1}x)",
                c.subscription_tier,
                Usd(c.cost_usd),
                Usd(c.revenue_usd),
                c.cost_usd / c.revenue_usd
            ),
        })
        .collect()
}
