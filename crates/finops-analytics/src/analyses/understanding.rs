//! Understanding Usage & Cost: where the money goes, how it trends, and where it is heading.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{Forecast, Group, Metrics, Usd, day_label, forecast_30d, group_metrics, pct, ratio, total_metrics};
use crate::engine::{Dataset, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Understanding {
    pub summary: Summary,
    pub by_provider: Vec<Group>,
    pub by_model: Vec<Group>,
    pub by_customer: Vec<CustomerCost>,
    pub by_feature: Vec<Group>,
    pub by_organization: Vec<OrgCost>,
    pub daily: Vec<DailyCost>,
    pub forecast: Forecast,
    pub efficiency: Efficiency,
    pub top_spenders: Vec<CustomerCost>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    #[serde(flatten)]
    pub totals: Metrics,
    pub customers: u64,
    pub organizations: u64,
    pub models: u64,
    pub period_days: f64,
    pub avg_daily_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerCost {
    pub customer_id: String,
    pub organization_id: String,
    pub subscription_tier: String,
    pub tier_price_usd: f64,
    pub calls: u64,
    pub cost_usd: f64,
    pub pct_of_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgCost {
    pub organization_id: String,
    pub customers: u64,
    pub calls: u64,
    pub cost_usd: f64,
    pub pct_of_cost: f64,
    pub avg_cost_per_customer: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DailyCost {
    pub date: String,
    pub calls: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Efficiency {
    pub overall_cost_per_1k_tokens: f64,
    /// Among models with at least `MIN_CALLS` calls.
    pub most_efficient: Option<ModelEfficiency>,
    pub least_efficient: Option<ModelEfficiency>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelEfficiency {
    pub provider: String,
    pub model: String,
    pub cost_per_1k_tokens: f64,
    pub calls: u64,
}

/// Models with fewer calls are left out of efficiency extremes (their cost per 1K is noise).
pub const MIN_CALLS: u64 = 30;

pub fn analyze(ds: &Dataset) -> Result<Understanding> {
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

    let c = ds.sql(
        "SELECT customer_id, max(organization_id) AS org, max(subscription_tier) AS tier, max(tier_price_usd) AS price, \
         count(*) AS calls, sum(cost_usd) AS cost FROM calls GROUP BY customer_id ORDER BY cost DESC, customer_id",
    )?;
    let (ids, orgs, tiers, prices, calls, cost) =
        (c.str("customer_id")?, c.str("org")?, c.str("tier")?, c.f64("price")?, c.u64("calls")?, c.f64("cost")?);
    let total_cost = summary.totals.cost_usd;
    let by_customer: Vec<CustomerCost> = (0..c.len())
        .map(|i| CustomerCost {
            customer_id: ids[i].clone(),
            organization_id: orgs[i].clone(),
            subscription_tier: tiers[i].clone(),
            tier_price_usd: prices[i],
            calls: calls[i],
            cost_usd: cost[i],
            pct_of_cost: pct(cost[i], total_cost),
        })
        .collect();

    let o = ds.sql(
        "SELECT organization_id, count(DISTINCT customer_id) AS customers, count(*) AS calls, sum(cost_usd) AS cost \
         FROM calls GROUP BY organization_id ORDER BY cost DESC, organization_id",
    )?;
    let (oid, ocust, ocalls, ocost) = (o.str("organization_id")?, o.u64("customers")?, o.u64("calls")?, o.f64("cost")?);
    let by_organization = (0..o.len())
        .map(|i| OrgCost {
            organization_id: oid[i].clone(),
            customers: ocust[i],
            calls: ocalls[i],
            cost_usd: ocost[i],
            pct_of_cost: pct(ocost[i], total_cost),
            avg_cost_per_customer: ratio(ocost[i], ocust[i] as f64),
        })
        .collect();

    let daily: Vec<DailyCost> = crate::common::daily(ds)?
        .iter()
        .map(|d| DailyCost { date: day_label(d.day), calls: d.calls, cost_usd: d.cost_usd })
        .collect();
    let forecast = forecast_from_days(&daily);

    let eligible: Vec<&Group> =
        by_model.iter().filter(|g| g.metrics.calls >= MIN_CALLS && g.metrics.total_tokens > 0).collect();
    let as_eff = |g: &Group| ModelEfficiency {
        provider: g.key[0].clone(),
        model: g.key[1].clone(),
        cost_per_1k_tokens: g.metrics.cost_per_1k_tokens,
        calls: g.metrics.calls,
    };
    let efficiency = Efficiency {
        overall_cost_per_1k_tokens: summary.totals.cost_per_1k_tokens,
        most_efficient: eligible
            .iter()
            .min_by(|a, b| a.metrics.cost_per_1k_tokens.total_cmp(&b.metrics.cost_per_1k_tokens))
            .map(|g| as_eff(g)),
        least_efficient: eligible
            .iter()
            .max_by(|a, b| a.metrics.cost_per_1k_tokens.total_cmp(&b.metrics.cost_per_1k_tokens))
            .map(|g| as_eff(g)),
    };
    let top_spenders: Vec<CustomerCost> = by_customer.iter().take(10).cloned().collect();
    let recommendations = recommend(&summary, &by_provider, &efficiency, &by_customer, &forecast);
    Ok(Understanding {
        summary,
        by_provider,
        by_model,
        by_customer,
        by_feature,
        by_organization,
        daily,
        forecast,
        efficiency,
        top_spenders,
        recommendations,
    })
}

/// Forecast from daily totals. Partial first and last days are left out of the model when at least
/// three full days remain (a partial day would read as a drop).
pub fn forecast_from_days(daily: &[DailyCost]) -> Forecast {
    let mut days: Vec<&DailyCost> = daily.iter().collect();
    if days.len() >= 5 {
        days = days[1..days.len() - 1].to_vec();
    }
    let first_weekday = days
        .first()
        .and_then(|d| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok())
        .map_or(0, |d| d.weekday().num_days_from_monday() as usize);
    let series: Vec<f64> = days.iter().map(|d| d.cost_usd).collect();
    forecast_30d(&series, first_weekday)
}

/// The Usage & Cost rules.
pub fn recommend(
    s: &Summary,
    by_provider: &[Group],
    eff: &Efficiency,
    by_customer: &[CustomerCost],
    forecast: &Forecast,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if let Some(top) = by_provider.first() {
        let share = pct(top.metrics.cost_usd, s.totals.cost_usd);
        if share > 70.0 {
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
        let r = ratio(hi.cost_per_1k_tokens, lo.cost_per_1k_tokens);
        if r > 5.0 {
            out.push(Recommendation::new(
                "efficiency_spread",
                Severity::Info,
                format!(
                    "{}/{} costs ${:.4} per 1K tokens, {r:.0}x {}/{} (${:.5}); route simple tasks to the cheaper model where quality allows.",
                    hi.provider, hi.model, hi.cost_per_1k_tokens, lo.provider, lo.model, lo.cost_per_1k_tokens
                ),
            ));
        }
    }
    let top5: f64 = by_customer.iter().take(5).map(|c| c.cost_usd).sum();
    let share5 = pct(top5, s.totals.cost_usd);
    if by_customer.len() > 5 && share5 > 50.0 {
        out.push(Recommendation::new(
            "customer_cost_concentration",
            Severity::Warning,
            format!("The top 5 customers cause {share5:.1}% of cost; usage-based pricing would tie their price to it."),
        ));
    }
    if let Some(wow) = forecast.week_over_week_pct.filter(|w| w.abs() > 20.0) {
        out.push(Recommendation::new(
            "cost_trend",
            if wow > 0.0 { Severity::Warning } else { Severity::Info },
            format!(
                "Daily cost changed {wow:+.1}% week over week; the trend projects {} for the next 30 days (run rate: {}).",
                Usd(forecast.trend_30d), Usd(forecast.run_rate_30d)),
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
