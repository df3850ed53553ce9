//! Real-Time Decision Making page.
use finops_results::realtime::{CostAnomaly, CustomerRisk, DailyAlert, ErrorSpike, Realtime};

use super::{Layout, bars_of, labelled, short_hour};
use crate::format::{Unit, int, pct, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Series};

/// The page's cards and sections.
pub fn layout(v: &Realtime) -> Layout {
    let s = &v.summary;
    let c = &v.provider_concentration;
    let cards = vec![
        Card::new("Calls", int(s.calls as f64)),
        Card::new("Cost anomalies", int(s.anomalies as f64))
            .note(format!("{} above baseline", usd(s.anomalous_cost_usd))),
        Card::new("Customers at risk", int(s.customers_at_risk as f64)),
        Card::new("Revenue at risk", usd(s.revenue_at_risk_usd)),
        Card::new("Health score", pct(s.health_score_pct)),
        Card::new("Provider concentration (HHI)", int(c.hhi)),
    ];
    // Anomalies per hour, from the anomaly list itself.
    let mut per_hour: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for a in &v.cost_anomalies {
        *per_hour.entry(&a.hour).or_default() += 1.0;
    }
    let (hours, counts): (Vec<String>, Vec<f64>) = per_hour.into_iter().map(|(h, n)| (short_hour(h), n)).unzip();
    let by_dim = &v.anomalies_by_dimension;
    let sections = vec![
        Section::new("cost_anomalies", "Cost anomalies")
            .intro("An hour is anomalous when its cost is far above the same hour of the previous days for that organization, model, feature or in total (median and MAD; robust z).")
            .chart(svg::bars("Anomalies per hour", &hours, &[Series::new("anomalies", counts)], Unit::Count, "hour (UTC)", "anomalies"))
            .table(
                Table::new(&v.cost_anomalies, 25)
                    .text("Hour", |a: &CostAnomaly| a.hour.clone())
                    .text("Dimension", |a| a.dimension.to_string())
                    .text("Key", |a| a.key.clone())
                    .num("Cost", Unit::Usd, |a| a.cost_usd)
                    .num("Baseline", Unit::Usd, |a| a.baseline_usd)
                    .opt("Ratio", Unit::Plain, |a| a.ratio)
                    .num("Robust z", Unit::Plain, |a| a.robust_z)
                    .view(),
            )
            .empty_note(v.cost_anomalies.is_empty()),
        Section::new("anomalies_by_dimension", "Anomalies by dimension")
            .chart(bars_of(
                "Anomalies by dimension",
                by_dim,
                |(d, _)| d.to_string(),
                ("anomalies", &|(_, n)| *n as f64),
                Unit::Count,
                ("dimension", "anomalies"),
            ))
            .facts(vec![fact("Anomalous hours", labelled(by_dim))]),
        Section::new("risk_levels", "Budget risk")
            .chart(bars_of(
                "Customers per risk level",
                &v.risk_levels,
                |(l, _)| l.to_string(),
                ("customers", &|(_, n)| *n as f64),
                Unit::Count,
                ("risk level (AI cost as a share of plan revenue)", "customers"),
            ))
            .facts(vec![fact("Customers", labelled(&v.risk_levels))]),
        Section::new("budget_risk", "Customers by cost-to-revenue").table(
            Table::new(&v.budget_risk, 25)
                .text("Customer", |r: &CustomerRisk| r.customer_id.clone())
                .text("Tier", |r| r.subscription_tier.clone())
                .num("AI cost", Unit::Usd, |r| r.cost_usd)
                .num("Revenue", Unit::Usd, |r| r.revenue_usd)
                .num("Cost / revenue", Unit::Pct, |r| r.cost_to_revenue_pct)
                .text("Risk", |r| r.risk.to_string())
                .view(),
        ),
        Section::new("error_spikes", "Error spikes")
            .table(
                Table::new(&v.error_spikes, 25)
                    .text("Hour", |e: &ErrorSpike| e.hour.clone())
                    .text("Organization", |e| e.organization_id.clone())
                    .count("Calls", |e| e.calls)
                    .count("Errors", |e| e.errors)
                    .num("Error rate", Unit::Pct, |e| e.error_rate_pct)
                    .view(),
            )
            .empty_note(v.error_spikes.is_empty()),
        Section::new("daily_alerts", "Daily cost alerts")
            .table(
                Table::new(&v.daily_alerts, 25)
                    .text("Date", |d: &DailyAlert| d.date.clone())
                    .num("Cost", Unit::Usd, |d| d.cost_usd)
                    .num("Median day", Unit::Usd, |d| d.median_day_usd)
                    .num("Ratio", Unit::Plain, |d| d.ratio)
                    .view(),
            )
            .empty_note(v.daily_alerts.is_empty()),
        Section::new("provider_concentration", "Provider concentration")
            .chart(svg::donut("Cost share by provider", &c.shares_pct, Unit::Pct))
            .facts(
                std::iter::once(fact("HHI", int(c.hhi)))
                    .chain(c.shares_pct.iter().map(|(p, share)| fact(p, pct(*share))))
                    .collect(),
            ),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Calls", int(s.calls as f64)),
            fact("Cost", usd(s.cost_usd)),
            fact("Anomalies", int(s.anomalies as f64)),
            fact("Organization anomalies above baseline", usd(s.anomalous_cost_usd)),
            fact("Customers at high or critical risk", int(s.customers_at_risk as f64)),
            fact("Their prorated revenue", usd(s.revenue_at_risk_usd)),
            fact("Customers at low risk", pct(s.health_score_pct)),
        ]),
    ];
    (cards, sections)
}
