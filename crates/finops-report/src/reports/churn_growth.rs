//! Churn & Growth page.
use finops_results::churn_growth::{ChurnGrowth, Cohort, CustomerChange, DayActivity, Engagement, Expansion, Mismatch};

use super::{Layout, bars_of, daily_chart, labelled};
use crate::format::{Unit, fixed, int, pct, usd};
use crate::page::{Card, Section, Table, TableView, fact};
use crate::svg::{self, Series};

fn changes(rows: &[CustomerChange]) -> TableView {
    Table::new(rows, 25)
        .text("Customer", |c| c.customer_id.clone())
        .text("Tier", |c| c.subscription_tier.clone())
        .text("First seen", |c| c.first_seen.clone())
        .text("Last seen", |c| c.last_seen.clone())
        .count("Calls, first half", |c| c.calls_first_half)
        .count("Calls, second half", |c| c.calls_second_half)
        .num("Change", Unit::Pct, |c| c.growth_pct)
        .view()
}

/// The page's cards and sections.
pub fn layout(v: &ChurnGrowth) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Customers", int(s.customers as f64)),
        Card::new("Churned", int(s.churned as f64)).note(format!("{} churn rate", pct(s.churn_rate_pct))),
        Card::new("Declining", int(s.declining as f64)),
        Card::new("Revenue at risk", usd(s.revenue_at_risk_monthly_usd)).note("monthly plan fees"),
        Card::new("Expansion", usd(s.expansion_monthly_usd)).note("monthly, from suggested upgrades"),
        Card::new("Volume growth", pct(s.volume_growth_pct)).note("second half against first half"),
    ];
    let sections = vec![
        Section::new("summary", "Customer movement")
            .chart(svg::donut(
                "Customers by trend",
                &[
                    ("new".into(), s.new_customers as f64),
                    ("growing".into(), s.growing as f64),
                    ("stable".into(), s.stable as f64),
                    ("declining".into(), s.declining as f64),
                    ("churned".into(), s.churned as f64),
                ],
                Unit::Count,
            ))
            .facts(vec![
                fact("Customers", int(s.customers as f64)),
                fact("New", int(s.new_customers as f64)),
                fact("Growing", int(s.growing as f64)),
                fact("Stable", int(s.stable as f64)),
                fact("Declining", int(s.declining as f64)),
                fact("Churned", int(s.churned as f64)),
                fact("Churn rate", pct(s.churn_rate_pct)),
                fact("Volume growth", pct(s.volume_growth_pct)),
                fact("Revenue at risk (monthly plan fees)", usd(s.revenue_at_risk_monthly_usd)),
                fact("Expansion (monthly)", usd(s.expansion_monthly_usd)),
            ]),
        Section::new("daily", "Daily activity")
            .chart(daily_chart(
                "Active customers per day",
                v.daily.iter().map(|d| d.date.clone()).collect(),
                vec![Series::new("active customers", v.daily.iter().map(|d| d.active_customers as f64).collect())],
                Unit::Count,
                "customers",
            ))
            .table(
                Table::new(&v.daily, 60)
                    .text("Date", |d: &DayActivity| d.date.clone())
                    .count("Active customers", |d| d.active_customers)
                    .count("Calls", |d| d.calls)
                    .view(),
            ),
        Section::new("cohorts", "Cohorts and retention")
            .chart(bars_of(
                "Retention by first-seen day",
                &v.cohorts,
                |c| c.first_seen.clone(),
                ("retention", &|c| c.retention_pct),
                Unit::Pct,
                ("cohort (first day seen)", "retained %"),
            ))
            .table(
                Table::new(&v.cohorts, 60)
                    .text("First seen", |c: &Cohort| c.first_seen.clone())
                    .count("Customers", |c| c.customers)
                    .count("Retained", |c| c.retained)
                    .num("Retention", Unit::Pct, |c| c.retention_pct)
                    .view(),
            ),
        Section::new("churned", "Churned").table(changes(&v.churned)).empty_note(v.churned.is_empty()),
        Section::new("declining", "Declining").table(changes(&v.declining)).empty_note(v.declining.is_empty()),
        Section::new("growing", "Growing").table(changes(&v.growing)).empty_note(v.growing.is_empty()),
        Section::new("new_customers", "New customers")
            .table(changes(&v.new_customers))
            .empty_note(v.new_customers.is_empty()),
        Section::new("expansion", "Expansion candidates")
            .table(
                Table::new(&v.expansion, 25)
                    .text("Customer", |e: &Expansion| e.customer_id.clone())
                    .text("Tier", |e| e.subscription_tier.clone())
                    .num("AI cost / revenue", Unit::Pct, |e| e.cost_to_revenue_pct)
                    .text("Suggested tier", |e| e.suggested_tier.clone())
                    .num("Added per month", Unit::Usd, |e| e.added_monthly_usd)
                    .view(),
            )
            .empty_note(v.expansion.is_empty()),
        Section::new("engagement", "Engagement")
            .intro("Score 0-100: up to 40 points for calls a day, 30 for features used and 30 for monthly-equivalent AI spend, each full at its churn_growth.engagement_* rule; the high and medium levels start at engagement_high and engagement_medium (values under Rules applied).")
            .chart(bars_of(
                "Customers by engagement level",
                &v.engagement_levels,
                |(l, _)| l.to_string(),
                ("customers", &|(_, n)| *n as f64),
                Unit::Count,
                ("engagement level", "customers"),
            ))
            .table(
                Table::new(&v.engagement, 25)
                    .text("Customer", |e: &Engagement| e.customer_id.clone())
                    .text("Tier", |e| e.subscription_tier.clone())
                    .num("Score", Unit::Plain, |e| e.score)
                    .text("Level", |e| e.level.to_string())
                    .num("Calls per day", Unit::Plain, |e| e.calls_per_day)
                    .count("Features", |e| e.features)
                    .num("Monthly spend", Unit::Usd, |e| e.monthly_spend_usd)
                    .view(),
            ),
        Section::new("engagement_levels", "Engagement levels")
            .facts(vec![fact("Customers", labelled(&v.engagement_levels))]),
        Section::new("feature_adoption", "Features per customer")
            .chart(bars_of(
                "Customers by number of features used",
                &v.feature_adoption.histogram,
                |(n, _)| n.to_string(),
                ("customers", &|(_, c)| *c as f64),
                Unit::Count,
                ("features used", "customers"),
            ))
            .facts(vec![
                fact("Average features", fixed(v.feature_adoption.avg_features, 2)),
                fact("Single-feature customers", pct(v.feature_adoption.single_feature_pct)),
            ]),
        Section::new("tier_mismatch", "Plan mismatches")
            .table(
                Table::new(&v.tier_mismatch, 25)
                    .text("Customer", |m: &Mismatch| m.customer_id.clone())
                    .text("Tier", |m| m.subscription_tier.clone())
                    .num("Calls per day", Unit::Plain, |m| m.calls_per_day)
                    .text("Mismatch", |m| m.issue.clone())
                    .view(),
            )
            .empty_note(v.tier_mismatch.is_empty()),
    ];
    (cards, sections)
}
