//! Customer Profitability: subscription revenue (prorated to the data's period) against AI cost.
use finops_core::rules;
pub use finops_results::profitability::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{CustomerRow, Usd, customers, pct};
use crate::engine::{Dataset, Result};

/// A customer's margin band (`profitability.high_margin_pct`, `medium_margin_pct`, above zero).
pub fn status(r: &rules::Profitability, margin_pct: f64) -> MarginStatus {
    if margin_pct >= r.high_margin_pct {
        MarginStatus::High
    } else if margin_pct >= r.medium_margin_pct {
        MarginStatus::Medium
    } else if margin_pct > 0.0 {
        MarginStatus::Low
    } else {
        MarginStatus::Unprofitable
    }
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Profitability> {
    let mut p = from_customers(&ds.rules.profitability, &customers(ds)?, ds.period.days);
    p.rules_applied = ds.rules.applied(AnalysisId::Profitability.as_str());
    Ok(p)
}

/// The analysis over per-customer rows (also used by tests).
pub fn from_customers(r: &rules::Profitability, rows: &[CustomerRow], period_days: f64) -> Profitability {
    let mut by_customer: Vec<CustomerMargin> = rows
        .iter()
        .cloned()
        .map(|c| {
            let margin_usd = c.revenue_usd - c.cost_usd;
            let margin_pct = pct(margin_usd, c.revenue_usd);
            CustomerMargin {
                status: status(r, if c.revenue_usd > 0.0 { margin_pct } else { -1.0 }),
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
    let margin_distribution = MarginStatus::ALL
        .iter()
        .map(|s| Bucket { status: *s, customers: by_customer.iter().filter(|c| c.status == *s).count() as u64 })
        .collect();
    let recommendations = recommend(r, &summary, &by_tier, &unprofitable, &by_customer);
    Profitability {
        summary,
        by_customer,
        by_tier,
        unprofitable,
        margin_distribution,
        recommendations,
        rules_applied: Vec::new(),
    }
}

/// The profitability rules.
pub fn recommend(
    r: &rules::Profitability,
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
    for t in tiers.iter().filter(|t| t.customers > 0 && t.margin_pct < r.thin_tier_margin_pct) {
        out.push(Recommendation::new(
            "thin_tier_margin",
            Severity::Warning,
            format!(
                "The {} tier (${:.0}/month) runs a {:.1}% margin over {} customers; raise its price or add usage limits.",
                t.tier, t.price_usd, t.margin_pct, t.customers
            ),
        ));
    }
    let low = customers.iter().filter(|c| matches!(c.status, MarginStatus::Low | MarginStatus::Unprofitable)).count();
    if low as f64 > r.low_margin_share_pct / 100.0 * s.customers as f64 {
        out.push(Recommendation::new(
            "many_low_margin",
            Severity::Warning,
            format!("{low} of {} customers have a margin under {}%.", s.customers, r.medium_margin_pct),
        ));
    }
    if s.margin_pct < r.target_margin_pct {
        out.push(Recommendation::new(
            "below_target_margin",
            Severity::Warning,
            format!(
                "Overall margin is {:.1}%, below the {}% target (revenue {}, cost {}).",
                s.margin_pct,
                r.target_margin_pct,
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
