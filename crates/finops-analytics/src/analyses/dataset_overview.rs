//! Dataset Overview: what the data holds, how it is distributed, and its quality.
use std::collections::HashMap;

use finops_core::rules;
use finops_core::schema::Status;
use finops_core::units::thousands;
pub use finops_results::dataset_overview::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{
    LATENCY_SAMPLE, Metrics, day_label, distinct_counts, group_metrics, iso, pct, ratio, total_metrics,
};
use crate::engine::{Dataset, Result};

/// Distributions summed up from one scan of their own (the others come from [`group_metrics`], which
/// rolls them up from the shared cubes): a few values each. The service tier is in a cube too, but adds
/// nothing to this scan's few dozen groups.
const OTHER_BREAKDOWNS: [&str; 4] = ["subscription_tier", "customer_archetype", "environment", "service_tier"];

const DIMENSIONS: [(&str, &str); 9] = [
    ("provider", "provider"),
    ("model", "model"),
    ("feature", "feature_id"),
    ("subscription_tier", "subscription_tier"),
    ("customer_archetype", "customer_archetype"),
    ("region", "region"),
    ("product", "product_id"),
    ("environment", "environment"),
    ("service_tier", "service_tier"),
];

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<DatasetOverview> {
    let summary = total_metrics(ds, "true")?;
    let distributions = distributions(ds, &summary)?;
    let quality = quality(ds, &summary)?;
    let recommendations = recommend(&ds.rules.dataset_overview, &summary, &distributions, &quality);
    Ok(DatasetOverview {
        load: ds.load.clone(),
        scale: *distinct_counts(ds)?,
        temporal: temporal(ds)?,
        summary,
        distributions,
        quality,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::DatasetOverview.as_str()),
    })
}

/// Calls, cost and latency by each of [`DIMENSIONS`], most calls first.
fn distributions(ds: &Dataset, summary: &Metrics) -> Result<Vec<Distribution>> {
    let mut others = other_breakdowns(ds)?;
    let mut distributions = Vec::new();
    for (name, col) in DIMENSIONS {
        let mut rows: Vec<ShareRow> = if let Some(rows) = others.remove(col) {
            rows
        } else {
            // Shared with other analyses, or summed up from the shared cube: no extra scan.
            group_metrics(ds, &[col], "true")?
                .into_iter()
                .map(|g| {
                    (
                        g.key.into_iter().next().unwrap_or_default(),
                        g.metrics.calls,
                        g.metrics.cost_usd,
                        g.metrics.avg_latency_ms,
                    )
                })
                .collect()
        };
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let values = rows
            .into_iter()
            .map(|(value, calls, cost_usd, avg_latency_ms)| Share {
                value,
                calls,
                pct_calls: pct(calls as f64, summary.calls as f64),
                cost_usd,
                pct_cost: pct(cost_usd, summary.cost_usd),
                avg_latency_ms,
            })
            .collect();
        distributions.push(Distribution { dimension: name.to_string(), values });
    }
    Ok(distributions)
}

/// The period and the calls and cost of each day.
fn temporal(ds: &Dataset) -> Result<Temporal> {
    let daily = crate::common::daily(ds)?
        .iter()
        .map(|d| DayPoint { date: day_label(d.day), calls: d.calls, cost_usd: d.cost_usd })
        .collect();
    let p = ds.period;
    let hours = p.days * 24.0;
    Ok(Temporal {
        start: p.start_ms.map(iso),
        end: p.end_ms.map(iso),
        duration_hours: hours,
        description: describe_duration(hours),
        daily,
    })
}

/// Calls per status and error type, and the rows the loader skipped.
fn quality(ds: &Dataset, summary: &Metrics) -> Result<Quality> {
    let s =
        ds.sql("SELECT status, error_type, count(*) AS n FROM calls GROUP BY status, error_type ORDER BY n DESC")?;
    let (st, et, n) = (s.str("status")?, s.str("error_type")?, s.u64("n")?);
    let by_status: Vec<StatusCount> = (0..s.len())
        .map(|i| StatusCount {
            status: st[i].clone(),
            error_type: et[i].clone(),
            calls: n[i],
            pct: pct(n[i] as f64, summary.calls as f64),
        })
        .collect();
    let success: u64 = by_status.iter().filter(|s| s.status == Status::Success.as_str()).map(|s| s.calls).sum();
    Ok(Quality {
        success,
        errors: summary.calls - success,
        success_pct: pct(success as f64, summary.calls as f64),
        by_status,
        bad_rows_skipped: ds.load.bad_rows,
    })
}

/// One value of a distribution: (value, calls, cost, average latency of the latency sample).
type ShareRow = (String, u64, f64, f64);

/// The distributions over [`OTHER_BREAKDOWNS`], from one scan grouped by
/// all of them (a few dozen combinations) and summed up per column: (value, calls, cost, average
/// latency of the latency sample) by column name.
fn other_breakdowns(ds: &Dataset) -> Result<HashMap<&'static str, Vec<ShareRow>>> {
    let cols = OTHER_BREAKDOWNS.join(", ");
    let t = ds.sql(&format!(
        "SELECT {cols}, count(*) AS n, sum(cost_usd) AS c, sum(latency_ms) FILTER (WHERE {LATENCY_SAMPLE}) AS ls, \
         count(*) FILTER (WHERE {LATENCY_SAMPLE}) AS ln FROM calls GROUP BY {cols}"
    ))?;
    let (n, c, ls, ln) = (t.u64("n")?, t.f64("c")?, t.i64("ls")?, t.u64("ln")?);
    let mut out = HashMap::new();
    for col in OTHER_BREAKDOWNS {
        // value -> (calls, cost, latency sum, latency calls)
        let mut sums: HashMap<String, (u64, f64, i64, u64)> = HashMap::new();
        for (i, value) in t.str(col)?.into_iter().enumerate() {
            let e = sums.entry(value).or_default();
            *e = (e.0 + n[i], e.1 + c[i], e.2 + ls[i], e.3 + ln[i]);
        }
        let rows = sums.into_iter().map(|(v, (n, c, ls, ln))| (v, n, c, ratio(ls as f64, ln as f64))).collect();
        out.insert(col, rows);
    }
    Ok(out)
}

fn describe_duration(hours: f64) -> String {
    if hours < 1.0 {
        format!("{:.0} minutes", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.1} hours")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

fn top<'a>(d: &'a [Distribution], dim: &str) -> Option<&'a Share> {
    d.iter().find(|x| x.dimension == dim).and_then(|x| x.values.first())
}

/// The overview's rules: concentration, regional balance, cost per call and data quality.
pub fn recommend(
    r: &rules::DatasetOverview,
    summary: &Metrics,
    d: &[Distribution],
    q: &Quality,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if summary.calls == 0 {
        out.push(Recommendation::new("empty", Severity::Info, "The dataset has no calls; nothing to analyze yet."));
        return out;
    }
    if let Some(p) = top(d, "provider").filter(|p| p.pct_calls > r.provider_share_pct) {
        out.push(Recommendation::new(
            "provider_concentration",
            Severity::Warning,
            format!(
                "{} carries {:.1}% of calls: a single-provider outage or price change would hit most traffic.",
                p.value, p.pct_calls
            ),
        ));
    }
    if let Some(regions) = d.iter().find(|x| x.dimension == "region") {
        let known: Vec<&Share> = regions.values.iter().filter(|s| s.value != "unknown").collect();
        if known.len() > 1 {
            let max = known.iter().map(|s| s.pct_calls).fold(f64::MIN, f64::max);
            let min = known.iter().map(|s| s.pct_calls).fold(f64::MAX, f64::min);
            if max - min > r.region_spread_points {
                out.push(Recommendation::new(
                    "region_imbalance",
                    Severity::Info,
                    format!(
                        "Regional load is uneven: the busiest region has {max:.1}% of calls, the quietest {min:.1}%."
                    ),
                ));
            }
        }
    }
    if summary.avg_cost_per_call > r.cost_per_call_usd {
        out.push(Recommendation::new(
            "high_cost_per_call",
            Severity::Warning,
            format!(
                "Average cost per call is ${:.4}, above ${}: check which models and features drive it.",
                summary.avg_cost_per_call, r.cost_per_call_usd
            ),
        ));
    }
    if let Some(f) = top(d, "feature").filter(|f| f.pct_calls > r.feature_share_pct) {
        out.push(Recommendation::new(
            "feature_concentration",
            Severity::Info,
            format!("Feature `{}` accounts for {:.1}% of calls.", f.value, f.pct_calls),
        ));
    }
    if q.success_pct < r.min_success_pct {
        out.push(Recommendation::new(
            "error_rate",
            Severity::Warning,
            format!(
                "{:.2}% of calls failed ({} calls); see the status breakdown.",
                100.0 - q.success_pct,
                thousands(q.errors)
            ),
        ));
    }
    if q.bad_rows_skipped > 0 {
        out.push(Recommendation::new(
            "bad_rows",
            Severity::Warning,
            format!("{} rows could not be read and were skipped; the numbers exclude them.", q.bad_rows_skipped),
        ));
    }
    if out.is_empty() {
        out.push(Recommendation::new(
            "healthy",
            Severity::Success,
            "No concentration, cost or quality issue stands out.",
        ));
    }
    out
}
