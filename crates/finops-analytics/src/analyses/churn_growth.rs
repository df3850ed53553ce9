//! Churn & Growth: who is new, growing, declining or gone; expansion candidates; plan mismatches;
//! cohorts by first-seen date with their retention; and each customer's engagement.
use finops_core::rules;
use finops_core::schema::Tier;
pub use finops_results::churn_growth::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{CustomerRow, customers, day_label, iso, pct, ratio};
use crate::engine::{DAYS_PER_MONTH, Dataset, Result};

/// Engagement of a customer active for `days` (at least one hour counts): (score, calls a day,
/// monthly-equivalent spend). Up to 40 points for calls, 30 for features and 30 for spend, each full at
/// its `churn_growth.engagement_*` rule.
pub fn engagement_score(
    r: &rules::ChurnGrowth,
    calls: u64,
    days: f64,
    features: u64,
    cost_usd: f64,
) -> (f64, f64, f64) {
    let days = days.max(1.0 / 24.0);
    let per_day = calls as f64 / days;
    let monthly = cost_usd / days * DAYS_PER_MONTH;
    let score = (per_day / r.engagement_calls_per_day * 40.0).min(40.0)
        + (features as f64 / r.engagement_features * 30.0).min(30.0)
        + (monthly / r.engagement_monthly_usd * 30.0).min(30.0);
    (score, per_day, monthly)
}

/// The moments that split the period: its halves, the churn silence, newcomers and the retention window.
struct Windows {
    end: i64,
    mid: i64,
    /// A customer silent longer than this before the end has churned.
    silence: i64,
    /// Customers first seen after this are new.
    newcomer_after: i64,
    /// Customers active from here on are retained.
    retention_from: i64,
}

impl Windows {
    fn of(ds: &Dataset, r: &rules::ChurnGrowth) -> Windows {
        let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
        let span = (end - start).max(0);
        let days = |d: f64| (d * 86_400_000.0) as i64;
        Windows {
            end,
            mid: start + (end - start) / 2,
            silence: ((span as f64 * r.churn_silence_share) as i64).max(days(r.churn_min_silence_days)),
            newcomer_after: start + ((span as f64 * r.new_after_share) as i64).max(days(r.new_min_days)),
            retention_from: end - (span as f64 * r.retention_window_share) as i64,
        }
    }
}

/// Calls per customer in each half of the period and in the retention window, by customer id.
struct Halves {
    first: Vec<u64>,
    second: Vec<u64>,
    recent: Vec<u64>,
}

fn halves(ds: &Dataset, w: &Windows) -> Result<Halves> {
    let h = ds.sql(&format!(
        "SELECT customer_id, count(*) FILTER (WHERE CAST(timestamp AS BIGINT) < {mid}) AS a, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {mid}) AS b, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {recent}) AS lq FROM calls GROUP BY customer_id ORDER BY customer_id",
        mid = w.mid,
        recent = w.retention_from
    ))?;
    Ok(Halves { first: h.u64("a")?, second: h.u64("b")?, recent: h.u64("lq")? })
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<ChurnGrowth> {
    let rules = &ds.rules.churn_growth;
    let w = Windows::of(ds, rules);
    let rows = customers(ds)?;
    // Both are sorted by customer id, one row per customer.
    let h = halves(ds, &w)?;
    let trends = trends(rules, &w, &rows, &h);
    let expansion = expansion(rules, &rows);
    let tier_mismatch = tier_mismatches(rules, ds.period.billing_days(), &rows);
    let first_half: u64 = h.first.iter().sum();
    let second_half: u64 = h.second.iter().sum();
    let at_start = rows.iter().filter(|c| c.first_ms <= w.newcomer_after).count();
    let summary = Summary {
        customers: rows.len() as u64,
        new_customers: trends.new_customers.len() as u64,
        churned: trends.churned.len() as u64,
        churn_rate_pct: pct(trends.churned.len() as f64, at_start as f64),
        growing: trends.growing.len() as u64,
        declining: trends.declining.len() as u64,
        stable: trends.stable,
        volume_growth_pct: if first_half == 0 {
            0.0
        } else {
            pct(second_half as f64 - first_half as f64, first_half as f64)
        },
        revenue_at_risk_monthly_usd: trends
            .churned
            .iter()
            .chain(&trends.declining)
            .filter_map(|c| rows.binary_search_by(|r| r.customer_id.cmp(&c.customer_id)).ok())
            .map(|i| rows[i].tier_price_usd)
            .sum(),
        expansion_monthly_usd: expansion.iter().map(|e| e.added_monthly_usd).sum(),
    };
    let recommendations = recommend(rules, &summary, &tier_mismatch, ds.period.days);
    let engagement = engagement(rules, w.end, &rows);
    let engagement_levels =
        EngagementLevel::ALL.iter().map(|l| (*l, engagement.iter().filter(|e| e.level == *l).count() as u64)).collect();
    Ok(ChurnGrowth {
        summary,
        daily: crate::common::daily(ds)?
            .iter()
            .map(|d| DayActivity { date: day_label(d.day), active_customers: d.active_customers, calls: d.calls })
            .collect(),
        churned: trends.churned,
        declining: trends.declining,
        growing: trends.growing,
        new_customers: trends.new_customers,
        expansion,
        tier_mismatch,
        cohorts: cohorts(&rows, &h),
        engagement,
        engagement_levels,
        feature_adoption: feature_adoption(&rows),
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::ChurnGrowth.as_str()),
    })
}

/// Every customer sorted into churned, new, declining, growing or stable (in that order of precedence).
struct Trends {
    churned: Vec<CustomerChange>,
    new_customers: Vec<CustomerChange>,
    declining: Vec<CustomerChange>,
    growing: Vec<CustomerChange>,
    stable: u64,
}

fn trends(r: &rules::ChurnGrowth, w: &Windows, rows: &[CustomerRow], h: &Halves) -> Trends {
    let mut t = Trends { churned: vec![], new_customers: vec![], declining: vec![], growing: vec![], stable: 0 };
    for (i, c) in rows.iter().enumerate() {
        let (a, b) = (h.first[i], h.second[i]);
        let change = CustomerChange {
            customer_id: c.customer_id.clone(),
            subscription_tier: c.subscription_tier.clone(),
            first_seen: iso(c.first_ms),
            last_seen: iso(c.last_ms),
            calls_first_half: a,
            calls_second_half: b,
            growth_pct: if a == 0 { 0.0 } else { pct(b as f64 - a as f64, a as f64) },
        };
        if w.end - c.last_ms > w.silence && c.calls >= r.churn_min_calls {
            t.churned.push(change);
        } else if c.first_ms > w.newcomer_after {
            t.new_customers.push(change);
        } else if a >= r.trend_min_calls && change.growth_pct < -r.trend_change_pct {
            t.declining.push(change);
        } else if a >= r.trend_min_calls && change.growth_pct > r.trend_change_pct {
            t.growing.push(change);
        } else {
            t.stable += 1;
        }
    }
    t.declining.sort_by(|a, b| a.growth_pct.total_cmp(&b.growth_pct));
    t.growing.sort_by(|a, b| b.growth_pct.total_cmp(&a.growth_pct));
    t
}

/// Customers spending most of their plan on AI, with the next plan up (the core crate's ladder and list
/// prices), closest to their limit first.
fn expansion(r: &rules::ChurnGrowth, rows: &[CustomerRow]) -> Vec<Expansion> {
    let mut out: Vec<Expansion> = rows
        .iter()
        .filter_map(|c| {
            let share = pct(c.cost_usd, c.revenue_usd);
            let next = c.subscription_tier.parse::<Tier>().ok()?.next()?;
            (share > r.expansion_cost_share_pct && c.revenue_usd > 0.0).then(|| Expansion {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                cost_to_revenue_pct: share,
                suggested_tier: next.as_str().to_string(),
                added_monthly_usd: f64::from(next.monthly_price_usd()) - c.tier_price_usd,
            })
        })
        .collect();
    out.sort_by(|a, b| b.cost_to_revenue_pct.total_cmp(&a.cost_to_revenue_pct));
    out
}

/// Top-tier customers who barely call and bottom-tier customers who call a lot.
fn tier_mismatches(r: &rules::ChurnGrowth, days: f64, rows: &[CustomerRow]) -> Vec<Mismatch> {
    let (top, bottom) = (Tier::Enterprise.as_str(), Tier::Starter.as_str());
    rows.iter()
        .filter_map(|c| {
            let per_day = c.calls as f64 / days;
            let (kind, issue) = if c.subscription_tier == top && per_day < r.oversubscribed_max_calls_per_day {
                (
                    MismatchKind::Oversubscribed,
                    format!("oversubscribed: {top} plan, under {} calls a day", r.oversubscribed_max_calls_per_day),
                )
            } else if c.subscription_tier == bottom && per_day > r.undersubscribed_min_calls_per_day {
                (
                    MismatchKind::Undersubscribed,
                    format!("undersubscribed: {bottom} plan, over {} calls a day", r.undersubscribed_min_calls_per_day),
                )
            } else {
                return None;
            };
            Some(Mismatch {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                calls_per_day: per_day,
                kind,
                issue,
            })
        })
        .collect()
}

/// Customers by first-seen day, with how many are still active at the end.
fn cohorts(rows: &[CustomerRow], h: &Halves) -> Vec<Cohort> {
    let mut out: Vec<Cohort> = Vec::new();
    for (i, c) in rows.iter().enumerate() {
        let key = day_label(c.first_ms.div_euclid(86_400_000));
        let retained = u64::from(h.recent[i] > 0);
        match out.iter_mut().find(|x| x.first_seen == key) {
            Some(x) => {
                x.customers += 1;
                x.retained += retained;
            }
            None => out.push(Cohort { first_seen: key, customers: 1, retained, retention_pct: 0.0 }),
        }
    }
    out.sort_by(|a, b| a.first_seen.cmp(&b.first_seen));
    out.iter_mut().for_each(|c| c.retention_pct = pct(c.retained as f64, c.customers as f64));
    out
}

/// Every customer's engagement, highest first.
fn engagement(r: &rules::ChurnGrowth, end_ms: i64, rows: &[CustomerRow]) -> Vec<Engagement> {
    let mut out: Vec<Engagement> = rows
        .iter()
        .map(|c| {
            let days = (end_ms - c.first_ms) as f64 / 86_400_000.0;
            let (score, calls_per_day, monthly_spend_usd) = engagement_score(r, c.calls, days, c.features, c.cost_usd);
            Engagement {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                calls_per_day,
                features: c.features,
                monthly_spend_usd,
                score,
                level: if score >= r.engagement_high {
                    EngagementLevel::High
                } else if score >= r.engagement_medium {
                    EngagementLevel::Medium
                } else {
                    EngagementLevel::Low
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.customer_id.cmp(&b.customer_id)));
    out
}

/// How many features customers use.
fn feature_adoption(rows: &[CustomerRow]) -> FeatureAdoption {
    let mut histogram: Vec<(u64, u64)> = Vec::new();
    for c in rows {
        match histogram.iter_mut().find(|h| h.0 == c.features) {
            Some(h) => h.1 += 1,
            None => histogram.push((c.features, 1)),
        }
    }
    histogram.sort();
    FeatureAdoption {
        avg_features: ratio(rows.iter().map(|c| c.features as f64).sum(), rows.len() as f64),
        single_feature_pct: pct(rows.iter().filter(|c| c.features == 1).count() as f64, rows.len() as f64),
        histogram,
    }
}

/// The churn and growth rules.
pub fn recommend(
    r: &rules::ChurnGrowth,
    s: &Summary,
    mismatches: &[Mismatch],
    period_days: f64,
) -> Vec<Recommendation> {
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
                "{} customers made over {}% fewer calls in the second half of the {:.1} days.",
                s.declining, r.trend_change_pct, period_days
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
                "Customers spending over {}% of their plan on AI could move up a tier: +${:.0} a month.",
                r.expansion_cost_share_pct, s.expansion_monthly_usd
            ),
        ));
    }
    let under = mismatches.iter().filter(|m| m.kind == MismatchKind::Undersubscribed).count();
    let over = mismatches.len() - under;
    if !mismatches.is_empty() {
        out.push(Recommendation::new(
            "tier_mismatch",
            Severity::Info,
            format!(
                "{under} customers outgrew the {} plan and {over} {} customers barely use theirs.",
                Tier::Starter,
                Tier::Enterprise
            ),
        ));
    }
    out
}
