//! Real-Time Decision Making: cost anomalies against each dimension's own recent baseline, budget risk
//! per customer, error spikes, daily alerts and provider concentration.
use finops_core::units::thousands;
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{
    HOUR, Usd, customers, day_label, group_metrics, hhi, hour_label, hourly_series, median, pct, seasonal_anomalies,
};
use crate::engine::{Dataset, Result};

/// Robust z and minimum ratio a cost hour must exceed to be an anomaly.
pub const ANOMALY_Z: f64 = 4.0;
pub const ANOMALY_MIN_RATIO: f64 = 2.5;
/// Hours costing less than this are never flagged (noise on tiny amounts).
pub const ANOMALY_MIN_USD: f64 = 0.25;

#[derive(Debug, Clone, Serialize)]
pub struct Realtime {
    pub summary: Summary,
    pub cost_anomalies: Vec<CostAnomaly>,
    pub anomalies_by_dimension: Vec<(String, u64)>,
    pub budget_risk: Vec<CustomerRisk>,
    pub risk_levels: Vec<(String, u64)>,
    pub error_spikes: Vec<ErrorSpike>,
    pub daily_alerts: Vec<DailyAlert>,
    pub provider_concentration: Concentration,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub calls: u64,
    pub cost_usd: f64,
    pub anomalies: u64,
    pub anomalous_cost_usd: f64,
    pub customers_at_risk: u64,
    pub revenue_at_risk_usd: f64,
    pub health_score_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostAnomaly {
    pub dimension: &'static str,
    pub key: String,
    pub hour: String,
    pub cost_usd: f64,
    pub baseline_usd: f64,
    pub ratio: f64,
    pub robust_z: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerRisk {
    pub customer_id: String,
    pub subscription_tier: String,
    pub cost_usd: f64,
    pub revenue_usd: f64,
    /// AI cost as a share of the (prorated) plan revenue.
    pub cost_to_revenue_pct: f64,
    pub risk: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorSpike {
    pub hour: String,
    pub organization_id: String,
    pub calls: u64,
    pub errors: u64,
    pub error_rate_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DailyAlert {
    pub date: String,
    pub cost_usd: f64,
    pub median_day_usd: f64,
    pub ratio: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Concentration {
    pub shares_pct: Vec<(String, f64)>,
    /// 0-10,000; above 2,500 is highly concentrated (the antitrust convention).
    pub hhi: f64,
}

/// Risk levels by cost as a share of revenue (the seed's 50 / 80 / 100 %).
pub fn risk_level(cost_to_revenue_pct: f64) -> &'static str {
    if cost_to_revenue_pct > 100.0 {
        "critical"
    } else if cost_to_revenue_pct > 80.0 {
        "high"
    } else if cost_to_revenue_pct > 50.0 {
        "medium"
    } else {
        "low"
    }
}

const DIMS: [(&str, &str); 4] = [
    ("organization", "organization_id"),
    ("model", crate::common::MODEL),
    ("feature", "feature_id"),
    ("total", "'all'"),
];

pub fn analyze(ds: &Dataset) -> Result<Realtime> {
    let (first, last) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let (first_hour, last_hour) = (first.div_euclid(3_600_000) * 3_600_000, last.div_euclid(3_600_000) * 3_600_000);
    let mut cost_anomalies = Vec::new();
    let mut anomalies_by_dimension = Vec::new();
    for (name, expr) in DIMS {
        let (select, group_by) = crate::common::key_columns(expr, "k");
        let t = ds.sql(&format!(
            "SELECT {select}, {HOUR} * 3600000 AS h, sum(cost_usd) AS c FROM calls GROUP BY {group_by}, h"
        ))?;
        let (keys, hours, costs) = (crate::common::read_key(&t, expr, "k")?, t.i64("h")?, t.f64("c")?);
        // The table's timestamps are milliseconds, so the hour as BIGINT is Unix ms.
        let mut n = 0;
        for (key, series) in hourly_series(&keys, &hours, &costs, first_hour, last_hour) {
            for a in seasonal_anomalies(&series, 7, ANOMALY_Z, ANOMALY_MIN_RATIO, ANOMALY_MIN_USD) {
                n += 1;
                cost_anomalies.push(CostAnomaly {
                    dimension: name,
                    key: key.clone(),
                    hour: hour_label((first_hour + a.index as i64 * 3_600_000) / 3_600_000),
                    cost_usd: a.value,
                    baseline_usd: a.baseline,
                    ratio: a.ratio_to_baseline,
                    robust_z: a.robust_z,
                });
            }
        }
        anomalies_by_dimension.push((name.to_string(), n));
    }
    cost_anomalies.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd));

    let cust = customers(ds)?;
    let mut budget_risk: Vec<CustomerRisk> = cust
        .iter()
        .map(|c| {
            let r = pct(c.cost_usd, c.revenue_usd);
            CustomerRisk {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                cost_usd: c.cost_usd,
                revenue_usd: c.revenue_usd,
                cost_to_revenue_pct: r,
                risk: if c.revenue_usd > 0.0 { risk_level(r) } else { "critical" },
            }
        })
        .collect();
    budget_risk.sort_by(|a, b| b.cost_to_revenue_pct.total_cmp(&a.cost_to_revenue_pct));
    let risk_levels: Vec<(String, u64)> = ["critical", "high", "medium", "low"]
        .iter()
        .map(|l| (l.to_string(), budget_risk.iter().filter(|r| r.risk == *l).count() as u64))
        .collect();
    let at_risk: Vec<&CustomerRisk> = budget_risk.iter().filter(|r| r.risk == "critical" || r.risk == "high").collect();

    let e = ds.sql(&format!(
        "SELECT {HOUR} AS h, organization_id AS o, count(*) AS n, \
         count(*) FILTER (WHERE status <> 'success') AS e FROM calls GROUP BY h, o \
         HAVING count(*) >= 50 AND count(*) FILTER (WHERE status <> 'success') * 10 > count(*) ORDER BY e DESC, h"
    ))?;
    let (eh, eo, en, ee) = (e.i64("h")?, e.str("o")?, e.u64("n")?, e.u64("e")?);
    let error_spikes = (0..e.len())
        .map(|i| ErrorSpike {
            hour: hour_label(eh[i]),
            organization_id: eo[i].clone(),
            calls: en[i],
            errors: ee[i],
            error_rate_pct: pct(ee[i] as f64, en[i] as f64),
        })
        .collect();

    let days = crate::common::daily(ds)?;
    let med = median(&days.iter().map(|d| d.cost_usd).collect::<Vec<_>>());
    let daily_alerts = days
        .iter()
        .filter(|d| med > 0.0 && d.cost_usd > 1.5 * med)
        .map(|d| DailyAlert {
            date: day_label(d.day),
            cost_usd: d.cost_usd,
            median_day_usd: med,
            ratio: d.cost_usd / med,
        })
        .collect();

    // Most expensive provider first (the breakdown is sorted by cost).
    let by_provider = group_metrics(ds, &["provider"], "true")?;
    let total: f64 = by_provider.iter().map(|g| g.metrics.cost_usd).sum();
    let shares: Vec<(String, f64)> =
        by_provider.into_iter().map(|g| (g.key.concat(), pct(g.metrics.cost_usd, total))).collect();
    let provider_concentration =
        Concentration { hhi: hhi(&shares.iter().map(|s| s.1).collect::<Vec<_>>()), shares_pct: shares };

    let summary = Summary {
        calls: ds.rows(),
        cost_usd: total,
        anomalies: cost_anomalies.len() as u64,
        anomalous_cost_usd: cost_anomalies
            .iter()
            .filter(|a| a.dimension == "organization")
            .map(|a| a.cost_usd - a.baseline_usd)
            .sum(),
        customers_at_risk: at_risk.len() as u64,
        revenue_at_risk_usd: at_risk.iter().map(|r| r.revenue_usd).sum(),
        health_score_pct: pct(budget_risk.iter().filter(|r| r.risk == "low").count() as f64, budget_risk.len() as f64),
    };
    let recommendations = recommend(&summary, &cost_anomalies, &provider_concentration);
    Ok(Realtime {
        summary,
        cost_anomalies,
        anomalies_by_dimension,
        budget_risk,
        risk_levels,
        error_spikes,
        daily_alerts,
        provider_concentration,
        recommendations,
    })
}

/// The real-time rules.
pub fn recommend(s: &Summary, anomalies: &[CostAnomaly], c: &Concentration) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.customers_at_risk > 0 {
        out.push(Recommendation::new(
            "budget_risk",
            Severity::Critical,
            format!(
                "{} customers spend over 80% of their plan revenue on AI ({} of revenue at risk).",
                thousands(s.customers_at_risk),
                Usd(s.revenue_at_risk_usd)
            ),
        ));
    }
    if let Some(top) = anomalies.iter().find(|a| a.dimension == "organization") {
        let n = anomalies.iter().filter(|a| a.dimension == "organization").count();
        out.push(Recommendation::new(
            "cost_anomalies",
            Severity::Warning,
            format!(
                "{n} organization-hours cost far above their usual level; the largest: {} at {} spent {}, {:.1}x its baseline of {}.",
                top.key, top.hour, Usd(top.cost_usd), top.ratio, Usd(top.baseline_usd)),
        ));
    }
    if c.hhi > 2500.0 {
        out.push(Recommendation::new(
            "provider_concentration",
            Severity::Info,
            format!(
                "Provider spend is highly concentrated (HHI {}; above 2,500 is high).",
                thousands(c.hhi.round() as u64)
            ),
        ));
    }
    if s.calls > 0 && s.health_score_pct < 50.0 {
        out.push(Recommendation::new(
            "portfolio_health",
            Severity::Warning,
            format!("Only {:.1}% of customers are at low budget risk.", s.health_score_pct),
        ));
    }
    if out.is_empty() && s.calls > 0 {
        out.push(Recommendation::new("no_alerts", Severity::Success, "No anomaly, budget or concentration alert."));
    }
    out
}
