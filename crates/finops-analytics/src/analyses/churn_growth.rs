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

/// An organization's calls per hour as prefix sums: the traffic "exposure" of any span. A customer's
/// calls are judged against its organization's, so nights, weekends, holidays and a slower week of the
/// whole organization are no silence of the customer.
struct Exposure {
    first_hour: i64,
    /// prefix[i] = everyone's calls in the hours before first_hour + i.
    prefix: Vec<f64>,
}

impl Exposure {
    /// Each organization's calls per hour, from its customers' (`hours`, customers as in `rows`).
    fn of_organizations(
        rows: &[CustomerRow],
        hours: &std::collections::HashMap<String, Vec<(i64, u64)>>,
    ) -> std::collections::HashMap<String, Exposure> {
        let all = hours.values().flatten().map(|(h, _)| *h);
        let (first_hour, last_hour) = all.fold((i64::MAX, i64::MIN), |(a, b), h| (a.min(h), b.max(h)));
        let len = if last_hour >= first_hour { (last_hour - first_hour + 1) as usize } else { 0 };
        let mut per_hour: std::collections::HashMap<String, Vec<f64>> = std::collections::HashMap::new();
        for c in rows {
            let v = per_hour.entry(c.organization_id.clone()).or_insert_with(|| vec![0.0; len]);
            for (h, n) in hours.get(&c.customer_id).map_or(&[][..], |x| x) {
                v[(h - first_hour) as usize] += *n as f64;
            }
        }
        per_hour
            .into_iter()
            .map(|(org, v)| {
                let mut prefix = vec![0.0; len + 1];
                for (i, n) in v.iter().enumerate() {
                    prefix[i + 1] = prefix[i] + n;
                }
                (org, Exposure { first_hour, prefix })
            })
            .collect()
    }

    /// Everyone's calls before `t_ms` (the current hour pro rata).
    fn until(&self, t_ms: i64) -> f64 {
        let x = (t_ms as f64 / 3_600_000.0 - self.first_hour as f64).clamp(0.0, (self.prefix.len() - 1) as f64);
        let i = (x.floor() as usize).min(self.prefix.len().saturating_sub(2));
        let frac = x - i as f64;
        match (self.prefix.get(i), self.prefix.get(i + 1)) {
            (Some(a), Some(b)) => a + frac * (b - a),
            _ => 0.0,
        }
    }

    fn between(&self, a_ms: i64, b_ms: i64) -> f64 {
        (self.until(b_ms) - self.until(a_ms)).max(0.0)
    }

    /// The moment splitting [a, b) into two spans of equal exposure.
    fn midpoint(&self, a_ms: i64, b_ms: i64) -> i64 {
        let target = (self.until(a_ms) + self.until(b_ms)) / 2.0;
        let (mut lo, mut hi) = (a_ms, b_ms);
        while hi - lo > 60_000 {
            let m = lo + (hi - lo) / 2;
            if self.until(m) < target { lo = m } else { hi = m }
        }
        lo
    }
}

/// Per customer (sorted by id): calls in the retention window (the last `retention_window_share` of the
/// period); and everyone's calls in each half of the period. Counted in the shared customer scan
/// ([`crate::common::churn_split_ms`] places the two moments).
fn recent_calls(ds: &Dataset) -> Result<(Vec<u64>, (u64, u64))> {
    let scan = crate::common::customer_scan(ds)?;
    let a = &scan.activity;
    let first_half: u64 = a.first_half_calls.iter().sum();
    let all: u64 = scan.rows.iter().map(|c| c.calls).sum();
    Ok((a.recent_calls.clone(), (first_half, all - first_half)))
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<ChurnGrowth> {
    let rules = &ds.rules.churn_growth;
    let rows = customers(ds)?;
    let hours = crate::common::customer_hours(ds)?;
    let exposure = Exposure::of_organizations(&rows, &hours);
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let trends = trends(rules, &exposure, (start, end), &rows, &hours);
    let (recent, (first_half, second_half)) = recent_calls(ds)?;
    let expansion = expansion(rules, &rows);
    let tier_mismatch = tier_mismatches(rules, ds.period.billing_days(), &rows);
    let at_start = rows.len() - trends.new_customers.len();
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
    let engagement = engagement(rules, end, &rows);
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
        cohorts: cohorts(&rows, &recent),
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

/// Sorts every customer into churned, new, declining, growing or stable (in that order of precedence),
/// each judged against its own rate and the rest of its organization's traffic (the exposure):
/// - churned: silent since its last call for longer than its own rate explains (the hours with a call it
///   would have had since, at its rate in everyone's traffic, reach `churn_min_expected_hours`);
/// - new: first seen later than its rate explains (the active hours it would have had before, likewise);
/// - growing or declining: its own active time split into two halves of equal exposure, the change in
///   calls significant (|z| >= `trend_z` under a binomial with the sessions' overdispersion
///   `trend_dispersion`) and material (beyond `trend_change_pct`).
fn trends(
    r: &rules::ChurnGrowth,
    exposures: &std::collections::HashMap<String, Exposure>,
    (start, end): (i64, i64),
    rows: &[CustomerRow],
    hours: &std::collections::HashMap<String, Vec<(i64, u64)>>,
) -> Trends {
    let mut t = Trends { churned: vec![], new_customers: vec![], declining: vec![], growing: vec![], stable: 0 };
    let days = ((end - start) as f64 / 86_400_000.0).max(1.0);
    for c in rows {
        let Some(exposure) = exposures.get(&c.organization_id) else { continue };
        // The organization's traffic without the customer's own calls.
        let others = |a: i64, b: i64, own: f64| (exposure.between(a, b) - own).max(0.0);
        // A day of the organization's traffic: the prior weight that keeps a customer seen for an hour
        // from looking like one that calls every hour.
        let prior = others(start, end, c.calls as f64) / days;
        // The customer's rate: its active hours (calls come in sessions; hours with a call are closer to
        // independent events) per unit of the rest of its organization's traffic while it was active.
        let active_hours = hours.get(&c.customer_id).map_or(0, Vec::len) as f64;
        let rate = active_hours / (others(c.first_ms, c.last_ms, c.calls as f64) + prior).max(1.0);
        let silent_expected = rate * others(c.last_ms, end, 0.0);
        let unseen_expected = rate * others(start, c.first_ms, 0.0);
        let exposure = &exposure;
        // Its own halves: from its first call to the end (to its last call once it has churned).
        let churned = c.calls >= r.churn_min_calls && silent_expected >= r.churn_min_expected_hours;
        let until = if churned { c.last_ms } else { end };
        let mid = exposure.midpoint(c.first_ms, until);
        let (mut a, mut b) = (0u64, 0u64);
        for (h, n) in hours.get(&c.customer_id).map_or(&[][..], |v| v) {
            // Hours straddling the midpoint are split pro rata.
            let (h0, h1) = (h * 3_600_000, (h + 1) * 3_600_000);
            let before = ((mid - h0) as f64 / 3_600_000.0).clamp(0.0, 1.0);
            let k = (*n as f64 * before).round() as u64;
            a += if h1 <= mid { *n } else { k.min(*n) };
            b += if h1 <= mid { 0 } else { n - k.min(*n) };
        }
        let n = (a + b) as f64;
        let z = if n > 0.0 { (b as f64 - n / 2.0) / (n * 0.25 * r.trend_dispersion).sqrt() } else { 0.0 };
        let change = CustomerChange {
            customer_id: c.customer_id.clone(),
            subscription_tier: c.subscription_tier.clone(),
            first_seen: iso(c.first_ms),
            last_seen: iso(c.last_ms),
            calls_first_half: a,
            calls_second_half: b,
            growth_pct: if a == 0 { 0.0 } else { pct(b as f64 - a as f64, a as f64) },
            z,
            expected_active_hours_while_silent: silent_expected,
        };
        if churned {
            t.churned.push(change);
        } else if unseen_expected >= r.new_min_expected_hours {
            t.new_customers.push(change);
        } else if a >= r.trend_min_calls && z <= -r.trend_z && change.growth_pct < -r.trend_change_pct {
            t.declining.push(change);
        } else if a >= r.trend_min_calls && z >= r.trend_z && change.growth_pct > r.trend_change_pct {
            t.growing.push(change);
        } else {
            t.stable += 1;
        }
    }
    t.churned.sort_by(|a, b| b.expected_active_hours_while_silent.total_cmp(&a.expected_active_hours_while_silent));
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
fn cohorts(rows: &[CustomerRow], recent: &[u64]) -> Vec<Cohort> {
    let mut out: Vec<Cohort> = Vec::new();
    for (i, c) in rows.iter().enumerate() {
        let key = day_label(c.first_ms.div_euclid(86_400_000));
        let retained = u64::from(recent.get(i).copied().unwrap_or(0) > 0);
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
