//! Understanding Usage & Cost: where the money goes, how it trends, and where it is heading.
use finops_core::rules;
pub use finops_results::understanding::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{
    DaySeries, Forecast, Group, GroupForecast, Usd, day_label, group_metrics, pct, ratio, total_metrics,
};
use crate::engine::{Dataset, Result};
use crate::forecast::{Settings, backtest, project};

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Understanding> {
    let rules = &ds.rules.understanding;
    let totals = total_metrics(ds, "true")?;
    let counts = crate::common::distinct_counts(ds)?;
    let period_days = ds.period.billing_days();
    let summary = Summary {
        customers: counts.customers,
        organizations: counts.organizations,
        models: counts.models,
        period_days: ds.period.days,
        avg_daily_cost: if totals.calls == 0 { 0.0 } else { totals.cost_usd / period_days },
        totals,
    };
    let by_provider = group_metrics(ds, &["provider"], "true")?;
    let by_model = group_metrics(ds, &["provider", "model"], "true")?;
    let by_feature = group_metrics(ds, &["feature_id"], "true")?;
    let by_service_tier = group_metrics(ds, &["service_tier"], "true")?;

    let by_customer = customer_costs(ds, summary.totals.cost_usd)?;
    let by_organization = organization_costs(ds, summary.totals.cost_usd)?;
    let daily: Vec<DailyCost> = crate::common::daily(ds)?
        .iter()
        .map(|d| DailyCost { date: day_label(d.day), calls: d.calls, cost_usd: d.cost_usd })
        .collect();
    let series = crate::common::coverage(ds)?.series(
        &crate::common::daily(ds)?.iter().map(|d| (d.day, d.cost_usd)).collect::<Vec<_>>(),
        rules.forecast_partial_min_share_pct / 100.0,
    );
    let forecast = Box::new(forecast_of(rules, &series));
    let forecasts_by_group = group_forecasts(ds, rules)?;
    let efficiency = efficiency(rules, &summary, &by_model);
    let negotiated = negotiated(ds)?;
    let top_spenders: Vec<CustomerCost> = by_customer.iter().take(TOP_SPENDERS).cloned().collect();
    let recommendations = recommend(rules, &summary, &by_provider, &efficiency, &by_customer, &forecast);
    Ok(Understanding {
        summary,
        by_provider,
        by_model,
        by_customer,
        by_feature,
        by_service_tier,
        by_organization,
        daily,
        forecast,
        forecasts_by_group,
        efficiency,
        negotiated,
        top_spenders,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Understanding.as_str()),
    })
}

/// List against effective cost, when negotiated rates were applied.
fn negotiated(ds: &Dataset) -> Result<Option<Negotiated>> {
    if ds.negotiated.is_empty() {
        return Ok(None);
    }
    let t = ds.sql(
        "SELECT provider, count(*) AS calls, sum(list_cost_usd) AS list, sum(cost_usd) AS cost FROM calls \
         GROUP BY provider ORDER BY list DESC, provider",
    )?;
    let (prov, calls, list, cost) = (t.str("provider")?, t.u64("calls")?, t.f64("list")?, t.f64("cost")?);
    let by_provider: Vec<ListVsEffective> = (0..t.len())
        .map(|i| ListVsEffective {
            provider: prov[i].clone(),
            calls: calls[i],
            list_cost_usd: list[i],
            effective_cost_usd: cost[i],
            saved_pct: pct(list[i] - cost[i], list[i]),
        })
        .collect();
    let list_cost_usd: f64 = by_provider.iter().map(|p| p.list_cost_usd).sum();
    let effective_cost_usd: f64 = by_provider.iter().map(|p| p.effective_cost_usd).sum();
    let day = |d: Option<chrono::NaiveDate>| d.map_or_else(String::new, |d| d.to_string());
    let rules = ds
        .negotiated
        .iter()
        .map(|u| NegotiatedRule {
            name: u.rule.name.clone(),
            scope: u.rule.scope(),
            from: day(u.rule.from),
            until: day(u.rule.until),
            terms: u.rule.terms(),
            calls: u.calls,
            list_cost_usd: u.list_cost_usd,
            effective_cost_usd: u.effective_cost_usd,
            saved_usd: u.list_cost_usd - u.effective_cost_usd,
        })
        .collect();
    Ok(Some(Negotiated {
        list_cost_usd,
        effective_cost_usd,
        saved_usd: list_cost_usd - effective_cost_usd,
        saved_pct: pct(list_cost_usd - effective_cost_usd, list_cost_usd),
        rules,
        by_provider,
    }))
}

/// Every customer's calls and cost, costliest first, with the attributes of its latest call (the shared
/// [`crate::common::customers`]). Costs equal to the nano-dollar rank by customer id: sums in parallel
/// differ in their last bits from run to run, and the list must not reorder.
fn customer_costs(ds: &Dataset, total_cost: f64) -> Result<Vec<CustomerCost>> {
    let rows = crate::common::customers(ds)?;
    let nano = |usd: f64| (usd * 1e9).round();
    let mut order: Vec<&crate::common::CustomerRow> = rows.iter().collect();
    order.sort_by(|a, b| nano(b.cost_usd).total_cmp(&nano(a.cost_usd)).then_with(|| a.customer_id.cmp(&b.customer_id)));
    Ok(order
        .into_iter()
        .map(|c| CustomerCost {
            customer_id: c.customer_id.clone(),
            organization_id: c.organization_id.clone(),
            subscription_tier: c.subscription_tier.clone(),
            tier_price_usd: c.tier_price_usd,
            calls: c.calls,
            cost_usd: c.cost_usd,
            pct_of_cost: pct(c.cost_usd, total_cost),
        })
        .collect())
}

/// Every organization's customers, calls and cost, costliest first.
fn organization_costs(ds: &Dataset, total_cost: f64) -> Result<Vec<OrgCost>> {
    Ok(crate::common::organizations(ds)?
        .iter()
        .map(|o| OrgCost {
            organization_id: o.organization_id.clone(),
            customers: o.customers,
            calls: o.calls,
            cost_usd: o.cost_usd,
            pct_of_cost: pct(o.cost_usd, total_cost),
            avg_cost_per_customer: ratio(o.cost_usd, o.customers as f64),
        })
        .collect())
}

/// Customers listed as top spenders.
const TOP_SPENDERS: usize = 10;

/// The cheapest and costliest models per 1K tokens among those with enough calls to tell.
fn efficiency(rules: &rules::Understanding, summary: &Summary, by_model: &[Group]) -> Efficiency {
    let eligible: Vec<&Group> = by_model
        .iter()
        .filter(|g| g.metrics.calls >= rules.efficiency_min_calls && g.metrics.total_tokens > 0)
        .collect();
    let as_eff = |g: &Group| ModelEfficiency {
        provider: g.key[0].clone(),
        model: g.key[1].clone(),
        cost_per_1k_tokens: g.metrics.cost_per_1k_tokens,
        calls: g.metrics.calls,
    };
    Efficiency {
        overall_cost_per_1k_tokens: summary.totals.cost_per_1k_tokens,
        most_efficient: eligible
            .iter()
            .min_by(|a, b| a.metrics.cost_per_1k_tokens.total_cmp(&b.metrics.cost_per_1k_tokens))
            .map(|g| as_eff(g)),
        least_efficient: eligible
            .iter()
            .max_by(|a, b| a.metrics.cost_per_1k_tokens.total_cmp(&b.metrics.cost_per_1k_tokens))
            .map(|g| as_eff(g)),
    }
}

/// Days forecast ahead.
pub const FORECAST_DAYS: usize = 30;

/// The 30-day forecast of a daily series, with its backtest.
pub fn forecast_of(rules: &rules::Understanding, series: &DaySeries) -> Forecast {
    let settings = Settings::from_rules(rules);
    let y = &series.values;
    let n = y.len();
    let p = project(y, series.first_weekday(), FORECAST_DAYS, &settings);
    let mean = if n == 0 { 0.0 } else { y.iter().sum::<f64>() / n as f64 };
    let week_over_week_pct = (n >= 14).then(|| {
        let last: f64 = y[n - 7..].iter().sum();
        let prev: f64 = y[n - 14..n - 7].iter().sum();
        pct(last - prev, prev)
    });
    let day = |k: usize| day_label(series.first_day + k as i64);
    let total = p.sum(0..FORECAST_DAYS);
    Forecast {
        history_days: n,
        method: p.method,
        method_reason: p.reason.clone(),
        interval_pct: if p.has_interval() { rules.forecast_interval_pct } else { 0.0 },
        run_rate_30d: mean * FORECAST_DAYS as f64,
        forecast_30d: total.0,
        forecast_30d_low: total.1,
        forecast_30d_high: total.2,
        week_over_week_pct,
        outlier_days: p.outliers.iter().map(|i| day(*i)).collect(),
        partial_days: series.partial.clone(),
        daily: (0..FORECAST_DAYS)
            .map(|k| finops_results::common::ForecastDay {
                date: day(n + k),
                cost_usd: p.point[k],
                low_usd: p.low[k],
                high_usd: p.high[k],
            })
            .collect(),
        backtest: backtest(y, series.first_weekday(), &settings),
    }
}

/// 30-day forecasts for the costliest providers, models and organizations, from the shared cost per
/// (provider, model, organization, day) ([`crate::common::model_org_days`]), summed up per dimension here.
fn group_forecasts(ds: &Dataset, rules: &rules::Understanding) -> Result<Vec<GroupForecast>> {
    let coverage = crate::common::coverage(ds)?;
    let settings = Settings::from_rules(rules);
    let t = crate::common::model_org_days(ds)?;
    let (p, m, o, d, c) = (&t.provider, &t.model, &t.organization, &t.day, &t.cost_usd);
    let mut out = Vec::new();
    for dimension in ["provider", "model", "organization"] {
        let mut groups: std::collections::BTreeMap<String, std::collections::BTreeMap<i64, f64>> = Default::default();
        for i in 0..d.len() {
            let key = match dimension {
                "provider" => p[i].clone(),
                "model" => format!("{}/{}", p[i], m[i]),
                _ => o[i].clone(),
            };
            *groups.entry(key).or_default().entry(d[i]).or_insert(0.0) += c[i];
        }
        // (group, its cost, its days)
        type Ranked = (String, f64, Vec<(i64, f64)>);
        let mut ranked: Vec<Ranked> =
            groups.into_iter().map(|(k, days)| (k, days.values().sum::<f64>(), days.into_iter().collect())).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (key, _, days) in ranked.into_iter().take(rules.forecast_groups as usize) {
            let series = coverage.series(&days, rules.forecast_partial_min_share_pct / 100.0);
            let p = project(&series.values, series.first_weekday(), FORECAST_DAYS, &settings);
            let last_7d_usd = days.iter().filter(|(d, _)| *d > coverage.last_day - 7).map(|x| x.1).sum();
            let (forecast_30d, forecast_30d_low, forecast_30d_high) = p.sum(0..FORECAST_DAYS);
            out.push(GroupForecast {
                dimension: dimension.to_string(),
                key,
                last_7d_usd,
                method: p.method,
                forecast_30d,
                forecast_30d_low,
                forecast_30d_high,
            });
        }
    }
    Ok(out)
}

/// The Usage & Cost rules.
pub fn recommend(
    r: &rules::Understanding,
    s: &Summary,
    by_provider: &[Group],
    eff: &Efficiency,
    by_customer: &[CustomerCost],
    forecast: &Forecast,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if let Some(top) = by_provider.first() {
        let share = pct(top.metrics.cost_usd, s.totals.cost_usd);
        if share > r.provider_cost_share_pct {
            out.push(Recommendation::new(
                "provider_cost_concentration",
                Severity::Warning,
                format!(
                    "{} takes {share:.1}% of spend ({}); a second provider for some features would cut the risk.",
                    top.key[0],
                    Usd(top.metrics.cost_usd)
                ),
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (&eff.most_efficient, &eff.least_efficient) {
        let spread = ratio(hi.cost_per_1k_tokens, lo.cost_per_1k_tokens);
        if spread > r.efficiency_spread_ratio {
            out.push(Recommendation::new(
                "efficiency_spread",
                Severity::Info,
                format!(
                    "{}/{} costs ${:.4} per 1K tokens, {spread:.0}x {}/{} (${:.5}); route simple tasks to the cheaper model where quality allows.",
                    hi.provider, hi.model, hi.cost_per_1k_tokens, lo.provider, lo.model, lo.cost_per_1k_tokens
                ),
            ));
        }
    }
    let n = r.top_customers as usize;
    let top: f64 = by_customer.iter().take(n).map(|c| c.cost_usd).sum();
    let share = pct(top, s.totals.cost_usd);
    if by_customer.len() > n && share > r.top_customers_share_pct {
        out.push(Recommendation::new(
            "customer_cost_concentration",
            Severity::Warning,
            format!(
                "The top {n} customers cause {share:.1}% of cost; usage-based pricing would tie their price to it."
            ),
        ));
    }
    if let Some(wow) = forecast.week_over_week_pct.filter(|w| w.abs() > r.week_over_week_pct) {
        out.push(Recommendation::new(
            "cost_trend",
            if wow > 0.0 { Severity::Warning } else { Severity::Info },
            format!(
                "Daily cost changed {wow:+.1}% week over week; the forecast ({}) projects {} for the next 30 days ({} to {}; run rate: {}).",
                forecast.method.label(), Usd(forecast.forecast_30d), Usd(forecast.forecast_30d_low),
                Usd(forecast.forecast_30d_high), Usd(forecast.run_rate_30d)),
        ));
    }
    if out.is_empty() && s.totals.calls > 0 {
        out.push(Recommendation::new(
            "balanced",
            Severity::Success,
            "Spend is spread across providers and customers with no sharp trend.",
        ));
    }
    out
}
