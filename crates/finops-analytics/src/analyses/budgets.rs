//! Budgets (`--budgets FILE`): each budget's spend in its period hour by hour, the hour each threshold
//! was passed (once), and the period end and exceed date from the Usage & Cost forecast of the scope's
//! own daily cost.
use chrono::{Datelike, NaiveDate};
use finops_core::budgets::{Budget, Scope};
use finops_results::realtime::{BudgetStatus, BudgetThreshold};

use crate::common::{Coverage, day_label, hour_label, pct, periods_sql};
use crate::engine::{Dataset, Result, sql_str};
use crate::forecast::{Settings, project};

const DAY_MS: i64 = 86_400_000;
const HOURS_PER_DAY: i64 = 24;

/// Every budget of `ds.rules.budgets`, in file order.
pub fn statuses(ds: &Dataset) -> Result<Vec<BudgetStatus>> {
    let budgets = &ds.rules.budgets.budgets;
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let Some(end_ms) = ds.period.end_ms else { return Ok(Vec::new()) };
    let coverage = crate::common::coverage(ds)?;
    budgets.iter().map(|b| status(ds, b, end_ms, &coverage)).collect()
}

/// The SQL condition selecting a budget's calls.
fn filter(b: &Budget) -> String {
    let v = b.value.as_deref().unwrap_or_default();
    match b.scope {
        Scope::Total => "true".into(),
        Scope::Organization => format!("organization_id = {}", sql_str(v)),
        Scope::Product => format!("product_id = {}", sql_str(v)),
        Scope::Provider => format!("provider = {}", sql_str(v)),
        Scope::Model => match v.split_once('/') {
            Some((p, m)) => format!("provider = {} AND model = {}", sql_str(p), sql_str(m)),
            None => format!("model = {}", sql_str(v)),
        },
    }
}

/// The period's first and last day: the budget's own, or the calendar month of `last_day`.
fn period(b: &Budget, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    if let (Some(s), Some(e)) = (b.start, b.end) {
        return (s, e);
    }
    let first = last_day.with_day(1).unwrap_or(last_day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    (first, next.and_then(|n| n.pred_opt()).unwrap_or(last_day))
}

fn day_number(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::default()).num_days()
}

fn status(ds: &Dataset, b: &Budget, end_ms: i64, coverage: &Coverage) -> Result<BudgetStatus> {
    let rules = &ds.rules.understanding;
    let t = ds.sql(&format!(
        "SELECT {} AS h, sum(cost_usd) AS c FROM calls WHERE {} GROUP BY h ORDER BY h",
        periods_sql(ds, 3_600_000),
        filter(b)
    ))?;
    let (hours, costs) = (t.i64("h")?, t.f64("c")?);
    let last_day = end_ms.div_euclid(DAY_MS);
    let (start, end) = period(b, crate::common::day_date(last_day).unwrap_or_default());
    let (p0, p1) = (day_number(start), day_number(end));
    let in_period = |day: i64| day >= p0 && day <= p1;

    // Spend and thresholds, hour by hour.
    let mut spent = 0.0;
    let mut thresholds: Vec<BudgetThreshold> = b
        .thresholds_pct
        .iter()
        .map(|p| BudgetThreshold { pct: *p, amount_usd: b.amount_usd * p / 100.0, ..BudgetThreshold::default() })
        .collect();
    let mut exceeded_at = None;
    for (h, c) in hours.iter().zip(&costs) {
        if !in_period(h.div_euclid(HOURS_PER_DAY)) {
            continue;
        }
        spent += c;
        for th in thresholds.iter_mut().filter(|t| t.fired_at.is_none() && spent >= t.amount_usd) {
            th.fired_at = Some(hour_label(*h));
        }
        if exceeded_at.is_none() && spent >= b.amount_usd {
            exceeded_at = Some(hour_label(*h));
        }
    }

    // The scope's daily cost, forecast to the end of the period.
    let mut daily: Vec<(i64, f64)> = Vec::new();
    for (h, c) in hours.iter().zip(&costs) {
        let d = h.div_euclid(HOURS_PER_DAY);
        match daily.last_mut() {
            Some((day, sum)) if *day == d => *sum += c,
            _ => daily.push((d, *c)),
        }
    }
    let series = coverage.series(&daily, rules.forecast_partial_min_share_pct / 100.0);
    let settings = Settings::from_rules(rules);
    // Day k of the projection is `next + k`; the part of the last day after the data counts too.
    let series_last = series.first_day + series.values.len() as i64 - 1;
    let next = if series.values.is_empty() { last_day } else { series_last + 1 };
    let horizon = (p1 - next + 1).max(0) as usize;
    let proj = project(&series.values, series.first_weekday(), horizon.max(1), &settings);
    // The hours of the last day after the data: from the scaled day in the series, or, when that day
    // covered too little to be in it, from its forecast (whose day is then not counted again).
    let unseen = (1.0 - coverage.share(last_day)).max(0.0);
    let (rest_of_last_day, skip) = if !in_period(last_day) {
        (0.0, 0)
    } else if series_last == last_day {
        (series.values.last().copied().unwrap_or(0.0) * unseen, 0)
    } else if next == last_day {
        (proj.point.first().copied().unwrap_or(0.0) * unseen, 1)
    } else {
        (0.0, 0)
    };
    let base = spent + rest_of_last_day;
    // Only the projected days inside the period count.
    let first_counted = ((p0 - next).max(0) as usize).max(skip);
    let upto = |k: usize| proj.sum(first_counted.min(k)..k);
    let (fc, fc_low, fc_high) = if horizon == 0 { (0.0, 0.0, 0.0) } else { upto(horizon) };
    let date_of = |k: usize| day_label(next + k as i64);
    // The first projected day on which `base + sum` reaches `target`, for the point and both bounds.
    let reach = |target: f64| -> (Option<String>, Option<String>, Option<String>) {
        if base >= target {
            return (None, None, None);
        }
        let (mut point, mut earliest, mut latest) = (None, None, None);
        for k in first_counted..horizon {
            let (p, lo, hi) = upto(k + 1);
            if earliest.is_none() && base + hi >= target {
                earliest = Some(date_of(k));
            }
            if point.is_none() && base + p >= target {
                point = Some(date_of(k));
            }
            if latest.is_none() && base + lo >= target {
                latest = Some(date_of(k));
            }
        }
        (point, earliest, latest)
    };
    for th in thresholds.iter_mut().filter(|t| t.fired_at.is_none()) {
        th.projected_date = reach(th.amount_usd).0;
    }
    let (projected_exceed_date, projected_exceed_earliest, projected_exceed_latest) =
        if exceeded_at.is_some() { (None, None, None) } else { reach(b.amount_usd) };
    Ok(BudgetStatus {
        name: b.name.clone(),
        scope: b.scope.as_str().to_string(),
        value: b.value.clone(),
        period_start: start.to_string(),
        period_end: end.to_string(),
        amount_usd: b.amount_usd,
        spent_usd: spent,
        spent_pct: pct(spent, b.amount_usd),
        data_through: hour_label(end_ms.div_euclid(3_600_000)),
        forecast_end_usd: base + fc,
        forecast_end_low_usd: base + fc_low,
        forecast_end_high_usd: base + fc_high,
        method: proj.method,
        exceeded_at,
        projected_exceed_date,
        projected_exceed_earliest,
        projected_exceed_latest,
        thresholds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monthly_budget_covers_the_calendar_month() {
        let b = Budget {
            name: "x".into(),
            scope: Scope::Total,
            value: None,
            amount_usd: 1.0,
            start: None,
            end: None,
            thresholds_pct: vec![100.0],
        };
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(period(&b, d("2026-12-07")), (d("2026-12-01"), d("2026-12-31")));
        assert_eq!(period(&b, d("2028-02-29")), (d("2028-02-01"), d("2028-02-29")));
        assert_eq!(
            filter(&Budget { scope: Scope::Model, value: Some("openai/o'3".into()), ..b }),
            "provider = 'openai' AND model = 'o''3'"
        );
    }
}
