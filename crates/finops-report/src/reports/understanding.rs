//! Understanding Usage & Cost page.
use finops_results::understanding::{
    CustomerCost, ListVsEffective, ModelEfficiency, Negotiated, NegotiatedRule, OrgCost, Understanding,
};

use finops_results::common::{BacktestRow, Forecast, Group, GroupForecast, PartialDay};

use super::{Layout, bars_of, groups_table, hbars_of, metrics_facts, top};
use crate::format::{Unit, compact, fixed, int, pct, usd};
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
    let total = Card::new("Total cost", usd(s.totals.cost_usd));
    let total = match &v.negotiated {
        Some(n) => total.note(format!("list {}, {} saved by negotiated rates", usd(n.list_cost_usd), usd(n.saved_usd))),
        None => total,
    };
    let cards = vec![
        Card::new("Calls", int(s.totals.calls as f64)),
        total,
        Card::new("Tokens", compact(s.totals.total_tokens as f64)),
        Card::new("Customers", int(s.customers as f64)),
        Card::new("Avg cost per day", usd(s.avg_daily_cost)),
        Card::new("30-day forecast", usd(f.forecast_30d)).note(if f.interval_pct > 0.0 {
            format!("{} to {} ({})", usd(f.forecast_30d_low), usd(f.forecast_30d_high), f.method.label())
        } else {
            f.method.label().to_string()
        }),
    ];
    let mut labels: Vec<String> = v.daily.iter().map(|d| d.date.clone()).collect();
    let mut actual: Vec<f64> = v.daily.iter().map(|d| d.cost_usd).collect();
    let mut projected = vec![f64::NAN; actual.len()];
    let (mut low, mut high) = (projected.clone(), projected.clone());
    for x in &f.daily {
        labels.push(x.date.clone());
        actual.push(f64::NAN);
        projected.push(x.cost_usd);
        low.push(x.low_usd);
        high.push(x.high_usd);
    }
    let mut series = vec![Series::new("actual", actual), Series::new("forecast", projected).dashed()];
    if f.interval_pct > 0.0 {
        series.push(Series::new(format!("{:.0}% low", f.interval_pct), low).dashed());
        series.push(Series::new(format!("{:.0}% high", f.interval_pct), high).dashed());
    }
    let trend = svg::line("Daily cost and 30-day forecast", &labels, &series, Unit::Usd, "day (UTC)", "cost (USD)");
    let providers = &v.by_provider;
    let mut sections = vec![
        Section::new("daily", "Daily cost trend").chart(trend).table(
            Table::new(&v.daily, 60)
                .text("Date", |d| d.date.clone())
                .count("Calls", |d| d.calls)
                .num("Cost", Unit::Usd, |d| d.cost_usd)
                .view(),
        ),
        forecast_section(f),
        Section::new("forecasts_by_group", "Forecast by provider, model and organization")
            .intro("The same method on each group's own daily cost, for the costliest of each (understanding.forecast_groups).")
            .table(
                Table::new(&v.forecasts_by_group, 40)
                    .text("Dimension", |g: &GroupForecast| g.dimension.clone())
                    .text("Group", |g| g.key.clone())
                    .num("Last 7 days", Unit::Usd, |g| g.last_7d_usd)
                    .text("Method", |g| g.method.label().to_string())
                    .num("Next 30 days", Unit::Usd, |g| g.forecast_30d)
                    .num("Low", Unit::Usd, |g| g.forecast_30d_low)
                    .num("High", Unit::Usd, |g| g.forecast_30d_high)
                    .view(),
            ),
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
        Section::new("by_service_tier", "Cost by service tier")
            .intro("Standard calls, the batch API, and OpenAI's flex (slower, about half price) and priority (faster, at a premium) processing, each priced at its own rates.")
            .chart(svg::donut(
                "Cost share by service tier",
                &v.by_service_tier.iter().map(|g| (g.label(), g.metrics.cost_usd)).collect::<Vec<_>>(),
                Unit::Usd,
            ))
            .table(groups_table(&v.by_service_tier, 10, "Service tier")),
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
    if let Some(n) = &v.negotiated {
        sections.insert(1, negotiated_section(n));
    }
    (cards, sections)
}

/// List against effective cost, per rule of the rates file and per provider.
fn negotiated_section(n: &Negotiated) -> Section {
    Section::new("negotiated", "Negotiated rates")
        .intro("Every cost on this and the other pages is the effective one: the list cost of each call (the input's cost_usd) with the organization's negotiated rates (--rates) applied. A discount scales the call's list cost; a rule with rates of its own re-prices the call's tokens. The savings analyses price their what-ifs at the same effective rates.")
        .facts(vec![
            fact("List cost", usd(n.list_cost_usd)),
            fact("Effective cost", usd(n.effective_cost_usd)),
            fact("Saved by negotiated rates", format!("{} ({})", usd(n.saved_usd), pct(n.saved_pct))),
        ])
        .table(
            Table::new(&n.rules, 50)
                .text("Rate", |r: &NegotiatedRule| r.name.clone())
                .text("Scope", |r| r.scope.clone())
                .text("From", |r| if r.from.is_empty() { "–".into() } else { r.from.clone() })
                .text("Until", |r| if r.until.is_empty() { "–".into() } else { r.until.clone() })
                .text("Terms", |r| r.terms.clone())
                .count("Calls", |r| r.calls)
                .num("List cost", Unit::Usd, |r| r.list_cost_usd)
                .num("Effective cost", Unit::Usd, |r| r.effective_cost_usd)
                .num("Saved", Unit::Usd, |r| r.saved_usd)
                .view(),
        )
        .table(
            Table::new(&n.by_provider, 20)
                .text("Provider", |p: &ListVsEffective| p.provider.clone())
                .count("Calls", |p| p.calls)
                .num("List cost", Unit::Usd, |p| p.list_cost_usd)
                .num("Effective cost", Unit::Usd, |p| p.effective_cost_usd)
                .num("Saved", Unit::Pct, |p| p.saved_pct)
                .view(),
        )
}

/// The forecast: method and why, the 30 days with their interval, partial and outlier days, and the
/// backtest against the two naive baselines.
fn forecast_section(f: &Forecast) -> Section {
    let mut facts = vec![
        fact("Method", f.method.label()),
        fact("Why", f.method_reason.clone()),
        fact("Days of history", int(f.history_days as f64)),
        fact("Next 30 days", usd(f.forecast_30d)),
    ];
    if f.interval_pct > 0.0 {
        facts.push(fact(
            &format!("{:.0}% interval", f.interval_pct),
            format!("{} to {}", usd(f.forecast_30d_low), usd(f.forecast_30d_high)),
        ));
    }
    facts.push(fact("Run rate x 30 (the seed's method)", usd(f.run_rate_30d)));
    facts.push(fact("Week over week", f.week_over_week_pct.map_or("–".into(), |w| format!("{w:+.1}%"))));
    facts.push(fact(
        "Outlier days (replaced before fitting)",
        if f.outlier_days.is_empty() { "none".to_string() } else { f.outlier_days.join(", ") },
    ));
    let mut section = Section::new("forecast", "Forecast")
        .intro("Daily cost forecast on the log scale by the richest method the history supports: the average day under understanding.forecast_level_min_days days, then the median day, from a week on weekday/Saturday/Sunday levels with AutoETS, from two weeks on an MSTL decomposition with a weekly season and an AutoETS trend (augurs). Spikes and outages are replaced by their robust expectation before fitting (Hampel filter, understanding.forecast_outlier_mads); the interval adds the model's own and the spread of its errors on the raw days. A first or last day the data covers in part counts as its cost divided by the share of a typical day's cost its hours carry.")
        .facts(facts);
    if !f.partial_days.is_empty() {
        section = section.table(
            Table::new(&f.partial_days, 4)
                .text("Partial day", |p: &PartialDay| p.date.clone())
                .num("Covered share", Unit::Pct, |p| 100.0 * p.covered_share)
                .num("Cost", Unit::Usd, |p| p.cost_usd)
                .opt("Counted as", Unit::Usd, |p| p.full_day_usd)
                .view(),
        );
    }
    if let Some(b) = &f.backtest {
        section = section
            .facts(vec![fact(
                "Backtest",
                format!(
                    "{} origins from {} days of history, each forecasting up to {} days ahead with only the days before it",
                    b.origins, b.min_history_days, b.horizon_days
                ),
            )])
            .table(
                Table::new(&b.rows, 8)
                    .text("Method", |r: &BacktestRow| r.method.clone())
                    .count("Forecast days", |r| r.forecasts)
                    .num("MAPE", Unit::Pct, |r| r.mape_pct)
                    .num("MAE per day", Unit::Usd, |r| r.mae_usd)
                    .opt("Interval coverage", Unit::Pct, |r| r.coverage_pct)
                    .view(),
            );
    }
    section
}
