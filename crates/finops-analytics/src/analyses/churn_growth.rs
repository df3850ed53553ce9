//! Churn & Growth: who is new, growing, declining or gone; expansion candidates; plan mismatches; and
//! cohorts by first-seen date with their retention.
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{CustomerRow, customers, day_label, iso, pct, ratio};
use crate::engine::{Dataset, Result};

/// A customer silent for this share of the period (at least 2 days) before its end has churned.
pub const CHURN_SILENCE_SHARE: f64 = 0.15;

#[derive(Debug, Clone, Serialize)]
pub struct ChurnGrowth {
    pub summary: Summary,
    pub daily: Vec<DayActivity>,
    pub churned: Vec<CustomerChange>,
    pub declining: Vec<CustomerChange>,
    pub growing: Vec<CustomerChange>,
    pub new_customers: Vec<CustomerChange>,
    pub expansion: Vec<Expansion>,
    pub tier_mismatch: Vec<Mismatch>,
    pub cohorts: Vec<Cohort>,
    /// Every customer's engagement, highest first.
    pub engagement: Vec<Engagement>,
    /// Customers per engagement level (high, medium, low).
    pub engagement_levels: Vec<(String, u64)>,
    pub feature_adoption: FeatureAdoption,
    pub recommendations: Vec<Recommendation>,
}

/// A customer's engagement score, 0-100 (the seed's formula on rates, so the score does not depend
/// on how many days the data covers): up to 40 for calls (50 a day or more), 30 for features used
/// (5 or more) and 30 for AI spend (a monthly-equivalent $10 or more). High from 70, medium from 40.
#[derive(Debug, Clone, Serialize)]
pub struct Engagement {
    pub customer_id: String,
    pub subscription_tier: String,
    pub calls_per_day: f64,
    pub features: u64,
    pub monthly_spend_usd: f64,
    pub score: f64,
    pub level: &'static str,
}

/// Engagement of a customer active for `days` (at least one hour counts).
pub fn engagement_score(calls: u64, days: f64, features: u64, cost_usd: f64) -> (f64, f64, f64) {
    let days = days.max(1.0 / 24.0);
    let per_day = calls as f64 / days;
    let monthly = cost_usd / days * crate::engine::DAYS_PER_MONTH;
    let score = (per_day / 50.0 * 40.0).min(40.0)
        + (features as f64 / 5.0 * 30.0).min(30.0)
        + (monthly / 10.0 * 30.0).min(30.0);
    (score, per_day, monthly)
}

/// How many features customers use.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FeatureAdoption {
    /// (features used, customers).
    pub histogram: Vec<(u64, u64)>,
    pub avg_features: f64,
    pub single_feature_pct: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub customers: u64,
    pub new_customers: u64,
    pub churned: u64,
    pub churn_rate_pct: f64,
    pub growing: u64,
    pub declining: u64,
    pub stable: u64,
    /// Calls in the second half of the period over the first half.
    pub volume_growth_pct: f64,
    pub revenue_at_risk_monthly_usd: f64,
    pub expansion_monthly_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayActivity {
    pub date: String,
    pub active_customers: u64,
    pub calls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerChange {
    pub customer_id: String,
    pub subscription_tier: String,
    pub first_seen: String,
    pub last_seen: String,
    pub calls_first_half: u64,
    pub calls_second_half: u64,
    pub growth_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expansion {
    pub customer_id: String,
    pub subscription_tier: String,
    pub cost_to_revenue_pct: f64,
    pub suggested_tier: &'static str,
    pub added_monthly_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub customer_id: String,
    pub subscription_tier: String,
    pub calls_per_day: f64,
    pub issue: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    pub first_seen: String,
    pub customers: u64,
    /// Customers of the cohort active in the last quarter of the period.
    pub retained: u64,
    pub retention_pct: f64,
}

fn next_tier(tier: &str) -> Option<(&'static str, f64)> {
    match tier {
        "starter" => Some(("pro", 99.0)),
        "pro" => Some(("enterprise", 299.0)),
        _ => None,
    }
}

pub fn analyze(ds: &Dataset) -> Result<ChurnGrowth> {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let mid = start + (end - start) / 2;
    let span = (end - start).max(0);
    let silence = ((span as f64 * CHURN_SILENCE_SHARE) as i64).max(2 * 86_400_000);
    let newcomer_after = start + ((span as f64 * 0.1) as i64).max(86_400_000);
    let last_quarter = end - span / 4;
    let rows = customers(ds)?;
    let h = ds.sql(&format!(
        "SELECT customer_id, count(*) FILTER (WHERE CAST(timestamp AS BIGINT) < {mid}) AS a, count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {mid}) AS b, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {last_quarter}) AS lq FROM calls GROUP BY customer_id ORDER BY customer_id"
    ))?;
    let (hid, ha, hb, hlq) = (h.str("customer_id")?, h.u64("a")?, h.u64("b")?, h.u64("lq")?);
    let change = |c: &CustomerRow, i: usize| CustomerChange {
        customer_id: c.customer_id.clone(),
        subscription_tier: c.subscription_tier.clone(),
        first_seen: iso(c.first_ms),
        last_seen: iso(c.last_ms),
        calls_first_half: ha[i],
        calls_second_half: hb[i],
        growth_pct: if ha[i] == 0 { 0.0 } else { pct(hb[i] as f64 - ha[i] as f64, ha[i] as f64) },
    };
    let (mut churned, mut declining, mut growing, mut new_customers) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut stable = 0;
    for (i, c) in rows.iter().enumerate() {
        debug_assert_eq!(hid[i], c.customer_id);
        let ch = change(c, i);
        let is_new = c.first_ms > newcomer_after;
        if end - c.last_ms > silence && c.calls >= 5 {
            churned.push(ch);
        } else if is_new {
            new_customers.push(ch);
        } else if ha[i] >= 10 && ch.growth_pct < -20.0 {
            declining.push(ch);
        } else if ha[i] >= 10 && ch.growth_pct > 20.0 {
            growing.push(ch);
        } else {
            stable += 1;
        }
    }
    declining.sort_by(|a, b| a.growth_pct.total_cmp(&b.growth_pct));
    growing.sort_by(|a, b| b.growth_pct.total_cmp(&a.growth_pct));
    let days = ds.period.billing_days();
    let mut expansion: Vec<Expansion> = rows
        .iter()
        .filter_map(|c| {
            let r = pct(c.cost_usd, c.revenue_usd);
            let (tier, price) = next_tier(&c.subscription_tier)?;
            (r > 80.0 && c.revenue_usd > 0.0).then(|| Expansion {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                cost_to_revenue_pct: r,
                suggested_tier: tier,
                added_monthly_usd: price - c.tier_price_usd,
            })
        })
        .collect();
    expansion.sort_by(|a, b| b.cost_to_revenue_pct.total_cmp(&a.cost_to_revenue_pct));
    let tier_mismatch: Vec<Mismatch> = rows
        .iter()
        .filter_map(|c| {
            let per_day = c.calls as f64 / days;
            let issue = match c.subscription_tier.as_str() {
                "enterprise" if per_day < 5.0 => "oversubscribed: enterprise plan, under 5 calls a day",
                "starter" if per_day > 100.0 => "undersubscribed: starter plan, over 100 calls a day",
                _ => return None,
            };
            Some(Mismatch {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                calls_per_day: per_day,
                issue,
            })
        })
        .collect();
    let daily = crate::common::daily(ds)?
        .iter()
        .map(|d| DayActivity { date: day_label(d.day), active_customers: d.active_customers, calls: d.calls })
        .collect();
    let mut cohorts: Vec<Cohort> = Vec::new();
    for (i, c) in rows.iter().enumerate() {
        let key = iso(c.first_ms)[..10].to_string();
        let retained = u64::from(hlq[i] > 0);
        match cohorts.iter_mut().find(|x| x.first_seen == key) {
            Some(x) => {
                x.customers += 1;
                x.retained += retained;
            }
            None => cohorts.push(Cohort { first_seen: key, customers: 1, retained, retention_pct: 0.0 }),
        }
    }
    cohorts.sort_by(|a, b| a.first_seen.cmp(&b.first_seen));
    cohorts.iter_mut().for_each(|c| c.retention_pct = pct(c.retained as f64, c.customers as f64));
    let first_half: u64 = ha.iter().sum();
    let second_half: u64 = hb.iter().sum();
    let at_start = rows.iter().filter(|c| c.first_ms <= newcomer_after).count();
    let summary = Summary {
        customers: rows.len() as u64,
        new_customers: new_customers.len() as u64,
        churned: churned.len() as u64,
        churn_rate_pct: pct(churned.len() as f64, at_start as f64),
        growing: growing.len() as u64,
        declining: declining.len() as u64,
        stable,
        volume_growth_pct: if first_half == 0 {
            0.0
        } else {
            pct(second_half as f64 - first_half as f64, first_half as f64)
        },
        revenue_at_risk_monthly_usd: churned
            .iter()
            .chain(&declining)
            .filter_map(|c| rows.binary_search_by(|r| r.customer_id.cmp(&c.customer_id)).ok())
            .map(|i| rows[i].tier_price_usd)
            .sum(),
        expansion_monthly_usd: expansion.iter().map(|e| e.added_monthly_usd).sum(),
    };
    let recommendations = recommend(&summary, &tier_mismatch, ds.period.days);
    let end_ms = end;
    let mut engagement: Vec<Engagement> = rows
        .iter()
        .map(|c| {
            let days = (end_ms - c.first_ms) as f64 / 86_400_000.0;
            let (score, calls_per_day, monthly_spend_usd) = engagement_score(c.calls, days, c.features, c.cost_usd);
            Engagement {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                calls_per_day,
                features: c.features,
                monthly_spend_usd,
                score,
                level: if score >= 70.0 {
                    "high"
                } else if score >= 40.0 {
                    "medium"
                } else {
                    "low"
                },
            }
        })
        .collect();
    engagement.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.customer_id.cmp(&b.customer_id)));
    let engagement_levels = ["high", "medium", "low"]
        .iter()
        .map(|l| (l.to_string(), engagement.iter().filter(|e| e.level == *l).count() as u64))
        .collect();
    let mut histogram: Vec<(u64, u64)> = Vec::new();
    for c in rows.iter() {
        match histogram.iter_mut().find(|h| h.0 == c.features) {
            Some(h) => h.1 += 1,
            None => histogram.push((c.features, 1)),
        }
    }
    histogram.sort();
    let feature_adoption = FeatureAdoption {
        avg_features: ratio(rows.iter().map(|c| c.features as f64).sum(), rows.len() as f64),
        single_feature_pct: pct(rows.iter().filter(|c| c.features == 1).count() as f64, rows.len() as f64),
        histogram,
    };
    Ok(ChurnGrowth {
        summary,
        daily,
        churned,
        declining,
        growing,
        new_customers,
        expansion,
        tier_mismatch,
        cohorts,
        engagement,
        engagement_levels,
        feature_adoption,
        recommendations,
    })
}

/// The churn and growth rules.
pub fn recommend(s: &Summary, mismatches: &[Mismatch], period_days: f64) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.churned > 0 {
        out.push(Recommendation::new(
            "churn",
            Severity::Critical,
            format!(
                "{} customers stopped calling ({:.1}% of those present at the start); reach out before renewal.",
                s.churned, s.churn_rate_pct
            ),
        ));
    }
    if s.declining > 0 {
        out.push(Recommendation::new(
            "declining_usage",
            Severity::Warning,
            format!(
                "{} customers made over 20% fewer calls in the second half of the {:.1} days.",
                s.declining, period_days
            ),
        ));
    }
    if s.new_customers > 0 {
        out.push(Recommendation::new(
            "new_customers",
            Severity::Success,
            format!(
                "{} new customers appeared during the period; call volume changed {:+.1}% between halves.",
                s.new_customers, s.volume_growth_pct
            ),
        ));
    }
    if s.expansion_monthly_usd > 0.0 {
        out.push(Recommendation::new(
            "expansion",
            Severity::Info,
            format!(
                "Customers spending over 80% of their plan on AI could move up a tier: +${:.0} a month.",
                s.expansion_monthly_usd
            ),
        ));
    }
    let under = mismatches.iter().filter(|m| m.issue.starts_with("under")).count();
    let over = mismatches.len() - under;
    if !mismatches.is_empty() {
        out.push(Recommendation::new(
            "tier_mismatch",
            Severity::Info,
            format!("{under} customers outgrew the starter plan and {over} enterprise customers barely use theirs."),
        ));
    }
    out
}
