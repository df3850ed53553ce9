//! Real-Time Decision Making page.
use finops_results::realtime::{BudgetStatus, CustomerRisk, DailyAlert, ErrorSpike, Incident, ModelShift, Realtime};

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
        Card::new("Incidents", int(s.incidents as f64))
            .note(format!("{} above expected", usd(s.incident_excess_cost_usd))),
        Card::new("Customers at risk", int(s.customers_at_risk as f64)),
        Card::new("Revenue at risk", usd(s.revenue_at_risk_usd)),
        Card::new("Health score", pct(s.health_score_pct)),
        Card::new("Provider concentration (HHI)", int(c.hhi)),
    ];
    let shown: Vec<&Incident> = v.incidents.iter().take(25).collect();
    let d = &v.detection;
    let sections = vec![
        Section::new("incidents", "Incidents")
            .intro(format!(
                "An incident is a surge of one organization's traffic: {}-minute bins holding far more calls than the organization's own share of everyone else's traffic predicts (its share over {} hours on each side, surges left out), merged over time. Everyone else's traffic carries the calendar, so the first day is judged like any other. The root cause is the customer, model and feature with the most calls above their usual share; excess cost is the cost above the expected calls at the organization's usual cost per call.",
                d.bin_minutes, d.baseline_hours
            ))
            .chart(svg::bars(
                "Excess cost per incident",
                &shown.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
                &[Series::new("excess cost", shown.iter().map(|i| i.excess_cost_usd).collect())],
                Unit::Usd,
                "incident",
                "USD above expected",
            ))
            .table(
                Table::new(&v.incidents, 25)
                    .text("Incident", |i: &Incident| i.id.clone())
                    .text("Severity", |i| i.severity.as_str().to_string())
                    .text("Organization", |i| i.organization_id.clone())
                    .text("Start (UTC)", |i| short_hour(&i.start))
                    .num("Minutes", Unit::Plain, |i| i.duration_minutes)
                    .num("Peak x expected", Unit::Plain, |i| i.peak_ratio)
                    .num("Excess calls", Unit::Count, |i| i.excess_calls)
                    .num("Rate-limited", Unit::Count, |i| i.rate_limited_calls as f64)
                    .num("Expected cost", Unit::Usd, |i| i.expected_cost_usd)
                    .num("Excess cost", Unit::Usd, |i| i.excess_cost_usd)
                    .text("Root customer", |i| format!("{} ({:.0}%)", i.root_customer_id, i.root_customer_share_pct))
                    .text("Root model", |i| i.root_model.clone())
                    .text("Root feature", |i| i.root_feature.clone())
                    .view(),
            )
            .empty_note(v.incidents.is_empty()),
        Section::new("model_shifts", "Model mix shifts")
            .intro("Organizations whose model mix moved between the first and the last quarter of the period, their incidents left out: a migration moves a large share of the mix, a cost optimization moves its price (each model at its cost per token over both quarters). How much of the mix changed (half the sum of the absolute share changes), how much its price moved, the model that lost most share and the one that gained most.")
            .table(
                Table::new(&v.model_shifts, 25)
                    .text("Organization", |m: &ModelShift| m.organization_id.clone())
                    .num("Mix changed", Unit::Pct, |m| m.changed_pct)
                    .text("Mix price", |m| format!("{:+.1}%", m.mix_price_change_pct))
                    .text("From", |m| m.from_model.clone())
                    .text("From share", |m| format!("{} -> {}", pct(m.from_share_before_pct), pct(m.from_share_after_pct)))
                    .text("To", |m| m.to_model.clone())
                    .text("To share", |m| format!("{} -> {}", pct(m.to_share_before_pct), pct(m.to_share_after_pct)))
                    .num("Cost per call before", Unit::Usd, |m| m.cost_per_call_before_usd)
                    .num("Cost per call after", Unit::Usd, |m| m.cost_per_call_after_usd)
                    .view(),
            )
            .empty_note(v.model_shifts.is_empty()),
        Section::new("detection", "How incidents were searched for").facts(vec![
            fact("Bin", format!("{} minutes", d.bin_minutes)),
            fact(
                "Baseline",
                format!(
                    "its share of everyone else's calls (their surges taken out) by customers' home region, over the {} hours ending {} hours before; its own surges left out",
                    d.baseline_hours, d.baseline_gap_hours
                ),
            ),
            fact("Organization-bins tested", int(d.bins_tested as f64)),
            fact("Anomalous bins", int(d.bins_flagged as f64)),
            fact("Judged from", d.judged_from.clone()),
        ]),
        budgets_section(&v.budgets),
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
            fact("Incidents", int(s.incidents as f64)),
            fact("Their cost above expected", usd(s.incident_excess_cost_usd)),
            fact("Customers at high or critical risk", int(s.customers_at_risk as f64)),
            fact("Their prorated revenue", usd(s.revenue_at_risk_usd)),
            fact("Customers at low risk", pct(s.health_score_pct)),
        ]),
    ];
    (cards, sections)
}

/// One line per threshold: when it fired, or when the forecast passes it.
fn thresholds_text(b: &BudgetStatus) -> String {
    b.thresholds
        .iter()
        .map(|t| match (&t.fired_at, &t.projected_date) {
            (Some(at), _) => format!("{:.0}% fired {}", t.pct, short_hour(at)),
            (None, Some(d)) => format!("{:.0}% forecast {d}", t.pct),
            (None, None) => format!("{:.0}% not in period", t.pct),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn budgets_section(budgets: &[BudgetStatus]) -> Section {
    let section = Section::new("budgets", "Budgets").intro(if budgets.is_empty() {
        "No budgets set: give `--budgets budgets.toml` (see the README, \"Budgets\") to track spend against them here."
            .to_string()
    } else {
        "Each budget's spend in its period hour by hour; a threshold fires once, in the hour the spend passes it. The period end and the exceed dates come from the Usage & Cost forecast method applied to the scope's own daily cost (earliest and latest from its interval).".to_string()
    });
    if budgets.is_empty() {
        return section;
    }
    section.table(
        Table::new(budgets, 50)
            .text("Budget", |b: &BudgetStatus| b.name.clone())
            .text("Scope", |b| match &b.value {
                Some(v) => format!("{} {v}", b.scope),
                None => b.scope.clone(),
            })
            .text("Period", |b| format!("{} to {}", b.period_start, b.period_end))
            .num("Amount", Unit::Usd, |b| b.amount_usd)
            .num("Spent", Unit::Usd, |b| b.spent_usd)
            .num("Spent %", Unit::Pct, |b| b.spent_pct)
            .num("Forecast at end", Unit::Usd, |b| b.forecast_end_usd)
            .num("Low", Unit::Usd, |b| b.forecast_end_low_usd)
            .num("High", Unit::Usd, |b| b.forecast_end_high_usd)
            .text("Exceeded", |b| match (&b.exceeded_at, &b.projected_exceed_date) {
                (Some(at), _) => format!("at {}", short_hour(at)),
                (None, Some(d)) => format!(
                    "forecast {d} ({} to {})",
                    b.projected_exceed_earliest.as_deref().unwrap_or(d),
                    b.projected_exceed_latest.as_deref().unwrap_or("after the period")
                ),
                (None, None) => "not within the period".to_string(),
            })
            .text("Thresholds", thresholds_text)
            .view(),
    )
}
