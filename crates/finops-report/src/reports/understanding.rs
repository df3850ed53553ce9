//! Understanding Usage & Cost page.
use finops_results::understanding::{CustomerCost, ModelEfficiency, OrgCost, Understanding};

use finops_results::common::Group;

use super::{Layout, bars_of, groups_table, hbars_of, metrics_facts, top};
use crate::format::{Unit, compact, fixed, int, usd};
use crate::page::{Card, Section, Table, TableView, fact};
use crate::svg::{self, Series};

fn customers_table(rows: &[CustomerCost], limit: usize) -> TableView {
    Table::new(rows, limit)
        .text("Customer", |c| c.customer_id.clone())
        .text("Organization", |c| c.organization_id.clone())
        .text("Tier", |c| c.subscription_tier.clone())
        .num("Plan price", Unit::Usd, |c| c.tier_price_usd)
        .count("Calls", |c| c.calls)
        .num("Cost", Unit::Usd, |c| c.cost_usd)
        .num("Share of cost", Unit::Pct, |c| c.pct_of_cost)
        .view()
}

fn efficiency_fact(label: &str, m: &Option<ModelEfficiency>) -> (String, String) {
    fact(
        label,
        m.as_ref().map_or_else(
            || "–".to_string(),
            |m| {
                format!(
                    "{}/{}: {} per 1K tokens ({} calls)",
                    m.provider,
                    m.model,
                    usd(m.cost_per_1k_tokens),
                    int(m.calls as f64)
                )
            },
        ),
    )
}

/// The page's cards and sections.
pub fn layout(v: &Understanding) -> Layout {
    let s = &v.summary;
    let f = &v.forecast;
    let cards = vec![
        Card::new("Calls", int(s.totals.calls as f64)),
        Card::new("Total cost", usd(s.totals.cost_usd)),
        Card::new("Tokens", compact(s.totals.total_tokens as f64)),
        Card::new("Customers", int(s.customers as f64)),
        Card::new("Avg cost per day", usd(s.avg_daily_cost)),
        Card::new("30-day forecast", usd(f.trend_30d)).note(format!(
            "{} to {}",
            usd(f.trend_30d_low),
            usd(f.trend_30d_high)
        )),
    ];
    let mut labels: Vec<String> = v.daily.iter().map(|d| d.date.clone()).collect();
    let mut actual: Vec<f64> = v.daily.iter().map(|d| d.cost_usd).collect();
    let mut projected = vec![f64::NAN; actual.len()];
    if let (Some(last), Some(p)) = (actual.last(), projected.last_mut()) {
        *p = *last;
    }
    for (i, x) in f.daily.iter().enumerate() {
        labels.push(format!("+{}d", i + 1));
        actual.push(f64::NAN);
        projected.push(*x);
    }
    let trend = svg::line(
        "Daily cost and 30-day forecast",
        &labels,
        &[Series::new("actual", actual), Series::new("forecast", projected).dashed()],
        Unit::Usd,
        "day (UTC)",
        "cost (USD)",
    );
    let providers = &v.by_provider;
    let sections = vec![
        Section::new("daily", "Daily cost trend").chart(trend).table(
            Table::new(&v.daily, 60)
                .text("Date", |d| d.date.clone())
                .count("Calls", |d| d.calls)
                .num("Cost", Unit::Usd, |d| d.cost_usd)
                .view(),
        ),
        Section::new("forecast", "Forecast")
            .intro("Least-squares trend over the daily costs with day-of-week factors, extrapolated once enough days are known (understanding.forecast_min_trend_days; before that: the weekday-adjusted level); low and high bound an 80% interval from the residual spread. The run rate is the average day x 30.")
            .facts(vec![
                fact("Days of history", int(f.history_days as f64)),
                fact("Trend, next 30 days", usd(f.trend_30d)),
                fact("80% interval", format!("{} to {}", usd(f.trend_30d_low), usd(f.trend_30d_high))),
                fact("Run rate x 30", usd(f.run_rate_30d)),
                fact("Slope", format!("{} per day per day", usd(f.slope_per_day))),
                fact("Week over week", f.week_over_week_pct.map_or("–".into(), |w| format!("{w:+.1}%"))),
            ]),
        Section::new("by_provider", "Cost by provider")
            .chart(svg::donut(
                "Cost share by provider",
                &providers.iter().map(|g| (g.label(), g.metrics.cost_usd)).collect::<Vec<_>>(),
                Unit::Usd,
            ))
            .table(groups_table(providers, 20, "Provider")),
        Section::new("by_model", "Cost by model")
            .chart(hbars_of(
                "Top models by cost",
                top(&v.by_model, 15),
                Group::label,
                ("cost", &|g| g.metrics.cost_usd),
                Unit::Usd,
                "cost (USD)",
            ))
            .table(groups_table(&v.by_model, 25, "Model")),
        Section::new("by_feature", "Cost by feature")
            .chart(bars_of(
                "Cost by feature",
                &v.by_feature,
                Group::label,
                ("cost", &|g| g.metrics.cost_usd),
                Unit::Usd,
                ("feature", "cost (USD)"),
            ))
            .table(groups_table(&v.by_feature, 20, "Feature")),
        Section::new("by_organization", "Cost by organization")
            .chart(hbars_of(
                "Top organizations by cost",
                top(&v.by_organization, 15),
                |o| o.organization_id.clone(),
                ("cost", &|o| o.cost_usd),
                Unit::Usd,
                "cost (USD)",
            ))
            .table(
                Table::new(&v.by_organization, 25)
                    .text("Organization", |o: &OrgCost| o.organization_id.clone())
                    .count("Customers", |o| o.customers)
                    .count("Calls", |o| o.calls)
                    .num("Cost", Unit::Usd, |o| o.cost_usd)
                    .num("Share of cost", Unit::Pct, |o| o.pct_of_cost)
                    .num("Cost per customer", Unit::Usd, |o| o.avg_cost_per_customer)
                    .view(),
            ),
        Section::new("efficiency", "Cost efficiency").facts(vec![
            fact("Overall cost per 1K tokens", usd(v.efficiency.overall_cost_per_1k_tokens)),
            efficiency_fact("Cheapest model", &v.efficiency.most_efficient),
            efficiency_fact("Costliest model", &v.efficiency.least_efficient),
        ]),
        Section::new("top_spenders", "Top spenders").table(customers_table(&v.top_spenders, 10)),
        Section::new("by_customer", "Cost by customer").table(customers_table(&v.by_customer, 25)),
        Section::new("summary", "All summary figures").facts(
            metrics_facts(&s.totals)
                .into_iter()
                .chain([
                    fact("Customers", int(s.customers as f64)),
                    fact("Organizations", int(s.organizations as f64)),
                    fact("Models", int(s.models as f64)),
                    fact("Period", format!("{} days", fixed(s.period_days, 1))),
                    fact("Average cost per day", usd(s.avg_daily_cost)),
                ])
                .collect(),
        ),
    ];
    (cards, sections)
}
