//! Customer Profitability: subscription revenue (prorated to the data's period) against AI cost.
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{CustomerRow, Usd, customers, pct};
use crate::engine::{Dataset, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Profitability {
    pub summary: Summary,
    pub by_customer: Vec<CustomerMargin>,
    pub by_tier: Vec<TierMargin>,
    pub unprofitable: Unprofitable,
    pub margin_distribution: Vec<Bucket>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
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

#[derive(Debug, Clone, Serialize)]
pub struct CustomerMargin {
    #[serde(flatten)]
    pub customer: CustomerRow,
    pub margin_usd: f64,
    pub margin_pct: f64,
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierMargin {
    pub tier: String,
    pub price_usd: f64,
    pub customers: u64,
    pub revenue_usd: f64,
    pub cost_usd: f64,
    pub margin_pct: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Unprofitable {
    pub count: u64,
    pub pct_of_customers: f64,
    pub total_loss_usd: f64,
    /// Worst first.
    pub customers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub status: &'static str,
    pub customers: u64,
}

/// Margin buckets (the seed's 50 / 20 / 0 %).
pub fn status(margin_pct: f64) -> &'static str {
    if margin_pct >= 50.0 {
        "high"
    } else if margin_pct >= 20.0 {
        "medium"
    } else if margin_pct > 0.0 {
        "low"
    } else {
        "unprofitable"
    }
}

pub fn analyze(ds: &Dataset) -> Result<Profitability> {
    Ok(from_customers(&customers(ds)?, ds.period.days))
}

/// The analysis over per-customer rows (also used by tests).
pub fn from_customers(rows: &[CustomerRow], period_days: f64) -> Profitability {
    let mut by_customer: Vec<CustomerMargin> = rows
        .iter()
        .cloned()
        .map(|c| {
            let margin_usd = c.revenue_usd - c.cost_usd;
            let margin_pct = pct(margin_usd, c.revenue_usd);
            CustomerMargin {
                status: status(if c.revenue_usd > 0.0 { margin_pct } else { -1.0 }),
                customer: c,
                margin_usd,
                margin_pct,
            }
        })
        .collect();
    by_customer.sort_by(|a, b| {
        a.margin_pct.total_cmp(&b.margin_pct).then(a.customer.customer_id.cmp(&b.customer.customer_id))
    });
    let revenue: f64 = by_customer.iter().map(|c| c.customer.revenue_usd).sum();
    let cost: f64 = by_customer.iter().map(|c| c.customer.cost_usd).sum();
    let n = by_customer.len() as u64;
    let summary = Summary {
        revenue_usd: revenue,
        cost_usd: cost,
        margin_usd: revenue - cost,
        margin_pct: pct(revenue - cost, revenue),
        customers: n,
        avg_revenue_per_customer: if n == 0 { 0.0 } else { revenue / n as f64 },
        avg_cost_per_customer: if n == 0 { 0.0 } else { cost / n as f64 },
        period_days,
    };
    let mut tiers: Vec<String> = by_customer.iter().map(|c| c.customer.subscription_tier.clone()).collect();
    tiers.sort();
    tiers.dedup();
    let mut by_tier: Vec<TierMargin> = tiers
        .into_iter()
        .map(|t| {
            let members: Vec<&CustomerMargin> =
                by_customer.iter().filter(|c| c.customer.subscription_tier == t).collect();
            let rev: f64 = members.iter().map(|c| c.customer.revenue_usd).sum();
            let cost: f64 = members.iter().map(|c| c.customer.cost_usd).sum();
            TierMargin {
                price_usd: members.iter().map(|c| c.customer.tier_price_usd).fold(0.0, f64::max),
                tier: t,
                customers: members.len() as u64,
                revenue_usd: rev,
                cost_usd: cost,
                margin_pct: pct(rev - cost, rev),
            }
        })
        .collect();
    by_tier.sort_by(|a, b| a.price_usd.total_cmp(&b.price_usd));
    let losers: Vec<&CustomerMargin> = by_customer.iter().filter(|c| c.margin_usd < 0.0).collect();
    let unprofitable = Unprofitable {
        count: losers.len() as u64,
        pct_of_customers: pct(losers.len() as f64, n as f64),
        total_loss_usd: -losers.iter().map(|c| c.margin_usd).sum::<f64>(),
        customers: losers.iter().map(|c| c.customer.customer_id.clone()).collect(),
    };
    let margin_distribution = ["high", "medium", "low", "unprofitable"]
        .iter()
        .map(|s| Bucket { status: s, customers: by_customer.iter().filter(|c| c.status == *s).count() as u64 })
        .collect();
    let recommendations = recommend(&summary, &by_tier, &unprofitable, &by_customer);
    Profitability { summary, by_customer, by_tier, unprofitable, margin_distribution, recommendations }
}

/// The profitability rules (target margin 40%, as the seed).
pub fn recommend(
    s: &Summary,
    tiers: &[TierMargin],
    u: &Unprofitable,
    customers: &[CustomerMargin],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.customers == 0 {
        return out;
    }
    if u.count > 0 {
        out.push(Recommendation::new(
            "unprofitable_customers",
            Severity::Critical,
            format!(
                "{} customers ({:.1}%) cost more than they pay: {} lost over {:.1} days.",
                u.count,
                u.pct_of_customers,
                Usd(u.total_loss_usd),
                s.period_days
            ),
        ));
    }
    for t in tiers.iter().filter(|t| t.customers > 0 && t.margin_pct < 20.0) {
        out.push(Recommendation::new(
            "thin_tier_margin",
            Severity::Warning,
            format!(
                "The {} tier (${:.0}/month) runs a {:.1}% margin over {} customers; raise its price or add usage limits.",
                t.tier, t.price_usd, t.margin_pct, t.customers
            ),
        ));
    }
    let low = customers.iter().filter(|c| c.status == "low" || c.status == "unprofitable").count();
    if low as f64 > 0.3 * s.customers as f64 {
        out.push(Recommendation::new(
            "many_low_margin",
            Severity::Warning,
            format!("{low} of {} customers have a margin under 20%.", s.customers),
        ));
    }
    if s.margin_pct < 40.0 {
        out.push(Recommendation::new(
            "below_target_margin",
            Severity::Warning,
            format!(
                "Overall margin is {:.1}%, below the 40% target (revenue {}, cost {}).",
                s.margin_pct,
                Usd(s.revenue_usd),
                Usd(s.cost_usd)
            ),
        ));
    } else {
        out.push(Recommendation::new(
            "healthy_margin",
            Severity::Success,
            format!(
                "Overall margin is {:.1}% (revenue {}, cost {}).",
                s.margin_pct,
                Usd(s.revenue_usd),
                Usd(s.cost_usd)
            ),
        ));
    }
    out
}
