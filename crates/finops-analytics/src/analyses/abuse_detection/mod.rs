//! Abuse Detection: customers whose usage departs from their own habits, their peers or their plan.
//! Each detector is one module with one `detect` function; this module runs them and sums up.
use finops_core::units::thousands;
pub use finops_results::abuse_detection::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::customers;
use crate::engine::{Dataset, Result};

pub mod cost_spikes;
pub mod minute_bursts;
pub mod night_automation;
pub mod peer_outliers;
pub mod plan_abuse;
pub mod rate_limit_hammering;
pub mod usage_spikes;

pub use peer_outliers::peer_score;

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Abuse> {
    let rules = &ds.rules.abuse_detection;
    let rows = customers(ds)?;
    let mut abuse = Abuse {
        summary: Summary::default(),
        usage_spikes: usage_spikes::detect(ds, rules, &rows)?,
        minute_bursts: minute_bursts::detect(ds, rules)?,
        rate_limit_hammering: rate_limit_hammering::detect(ds, rules)?,
        cost_spikes: cost_spikes::detect(ds, rules)?,
        night_automation: night_automation::detect(ds, rules)?,
        plan_abuse: plan_abuse::detect(rules, &rows),
        peer_outliers: peer_outliers::detect(ds, rules, &rows)?,
        recommendations: Vec::new(),
        rules_applied: ds.rules.applied(AnalysisId::AbuseDetection.as_str()),
    };
    let all: Vec<&Flag> = abuse.by_kind().into_iter().flat_map(|(_, flags)| flags).collect();
    let mut flagged: Vec<&str> = all.iter().map(|f| f.customer_id.as_str()).collect();
    flagged.sort();
    flagged.dedup();
    abuse.summary = Summary {
        customers: rows.len() as u64,
        flagged_customers: flagged.len() as u64,
        flags: all.len() as u64,
        flagged_cost_usd: rows
            .iter()
            .filter(|r| flagged.binary_search(&r.customer_id.as_str()).is_ok())
            .map(|r| r.cost_usd)
            .sum(),
    };
    abuse.recommendations = recommend(rules, &abuse);
    Ok(abuse)
}

/// Sorts findings biggest value first, then by customer and time, so reruns list them identically.
/// Largest value first (equal to 12 significant digits: see [`crate::common::order_value`]), then by
/// customer and time.
fn sort_flags(flags: &mut [Flag]) {
    use crate::common::order_value;
    flags.sort_by(|a, b| {
        order_value(b.value)
            .total_cmp(&order_value(a.value))
            .then(a.customer_id.cmp(&b.customer_id))
            .then(a.when.cmp(&b.when))
    });
}

/// The abuse rules: one line per detector that found something.
pub fn recommend(r: &finops_core::rules::AbuseDetection, a: &Abuse) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for (kind, flags) in a.by_kind() {
        let Some(top) = flags.first() else { continue };
        let (severity, what) = describe(r, kind, flags.len());
        let mut ids: Vec<&str> = flags.iter().map(|f| f.customer_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        // Say how many customers only when some have several findings.
        let who = match ids.len() {
            n if n == flags.len() => String::new(),
            1 => " (1 customer)".to_string(),
            n => format!(" ({} customers)", thousands(n as u64)),
        };
        out.push(Recommendation::new(
            kind.as_str(),
            severity,
            format!("{} {what}{who}; largest: {} - {}.", thousands(flags.len() as u64), top.customer_id, top.detail),
        ));
    }
    if out.is_empty() && a.summary.customers > 0 {
        out.push(Recommendation::new("no_abuse", Severity::Success, "No customer departs from its habits or plan."));
    }
    out
}

/// How urgent a detector's findings are, and what `n` of them are called.
fn describe(r: &finops_core::rules::AbuseDetection, kind: FlagKind, n: usize) -> (Severity, String) {
    let one = n == 1;
    let pick = |singular: &str, plural: &str| if one { singular.to_string() } else { plural.to_string() };
    match kind {
        FlagKind::UsageSpike => (Severity::Warning, pick("hourly usage spike", "hourly usage spikes")),
        FlagKind::MinuteBurst => (Severity::Critical, pick("minute-level burst", "minute-level bursts")),
        FlagKind::RateLimitHammering => {
            (Severity::Warning, pick("customer retrying into rate limits", "customers retrying into rate limits"))
        }
        FlagKind::CostSpike => (Severity::Warning, pick("daily cost spike", "daily cost spikes")),
        FlagKind::NightAutomation => {
            (Severity::Info, pick("customer calling mostly at night", "customers calling mostly at night"))
        }
        FlagKind::PlanAbuse => {
            let tiers = r.plan_abuse_tiers.join("/");
            let x = r.plan_abuse_ratio;
            (
                Severity::Critical,
                pick(
                    &format!("{tiers} customer costing over {x}x the plan"),
                    &format!("{tiers} customers costing over {x}x their plan"),
                ),
            )
        }
        FlagKind::PeerOutlier => (
            Severity::Warning,
            pick(
                "customer far above its peers (same tier and archetype)",
                "customers far above their peers (same tier and archetype)",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(customer: &str, value: f64) -> Flag {
        Flag { customer_id: customer.into(), when: String::new(), value, baseline: 0.0, detail: String::new() }
    }

    /// Two days of equal cost summed in different orders (seen at 50 M calls): the same order either way.
    #[test]
    fn values_equal_but_for_summation_order_tie() {
        for (a, b) in [(2.24816935, 2.2481693499999995), (2.2481693499999995, 2.24816935)] {
            let mut flags = vec![flag("cust_6602", a), flag("cust_1843", b), flag("cust_9", 2.3), flag("cust_0", 2.2)];
            sort_flags(&mut flags);
            let order: Vec<&str> = flags.iter().map(|f| f.customer_id.as_str()).collect();
            assert_eq!(order, ["cust_9", "cust_1843", "cust_6602", "cust_0"]);
        }
    }
}
