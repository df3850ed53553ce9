//! The index's executive summary: up to five findings, each computed from this dataset's results.
use finops_results::{AnalysisId, AnalysisResult};
use serde::Serialize;

use crate::Rendered;
use crate::format::{fixed, int, pct, usd};

/// One finding: what the data shows and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub title: String,
    pub finding: String,
    /// What to do, when the data names something to act on.
    pub action: Option<String>,
    pub file: String,
    pub link: String,
}

/// Findings in priority order: spend and trajectory, savings, margin, anomalies, churn.
pub fn findings(results: &[Rendered<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in results.iter().filter_map(|r| r.result) {
        let found = match r {
            AnalysisResult::Understanding(u) => spend(u),
            AnalysisResult::Optimization(o) => savings(o),
            AnalysisResult::Profitability(p) => margin(p),
            AnalysisResult::Realtime(r) => anomalies(r),
            AnalysisResult::ChurnGrowth(c) => churn(c),
            _ => None,
        };
        out.extend(found);
    }
    out.sort_by_key(|(priority, _)| *priority);
    out.into_iter().map(|(_, f)| f).take(5).collect()
}

fn finding(id: AnalysisId, title: &str, link: &str, finding: String, action: Option<String>) -> Finding {
    Finding { title: title.into(), finding, action, file: id.file_name(), link: link.into() }
}

fn spend(u: &finops_results::understanding::Understanding) -> Option<(u8, Finding)> {
    let s = &u.summary;
    if s.totals.calls == 0 {
        return None;
    }
    let f = &u.forecast;
    let action = u.by_provider.first().map(|p| {
        format!(
            "{} carries {} of the spend: start cost reviews there.",
            p.label(),
            pct(100.0 * p.metrics.cost_usd / s.totals.cost_usd.max(1e-12))
        )
    });
    Some((
        0,
        finding(
            AnalysisId::Understanding,
            "Spend and trajectory",
            "Usage & cost",
            format!(
                "{} over {} days ({} calls); the next 30 days are forecast at {}{} ({}).",
                usd(s.totals.cost_usd),
                fixed(s.period_days, 1),
                int(s.totals.calls as f64),
                usd(f.forecast_30d),
                if f.interval_pct > 0.0 {
                    format!(", {} to {}", usd(f.forecast_30d_low), usd(f.forecast_30d_high))
                } else {
                    String::new()
                },
                f.method.label(),
            ),
            action,
        ),
    ))
}

fn savings(o: &finops_results::optimization::Optimization) -> Option<(u8, Finding)> {
    let s = &o.summary;
    let total = s.switching_savings_usd + s.batch_savings_usd + s.caching_savings_usd + s.commitment_savings_usd;
    if total <= 0.0 {
        return None;
    }
    let action = o.model_switching.first().map(|b| {
        format!(
            "Largest single lever: {} → {} ({}) saves {} on {} calls.",
            b.from,
            b.to,
            b.provider,
            usd(b.savings_usd),
            int(b.calls as f64)
        )
    });
    Some((
        1,
        finding(
            AnalysisId::Optimization,
            "Savings available",
            "Rate optimization",
            format!(
                "At catalog prices, against {} of spend: a cheaper model of the same class, prompt caching and the batch API in sequence would save {} ({}); alone, switching {}, batch {}, caching {}; commitments {}.",
                usd(s.cost_usd),
                usd(s.combined_savings_usd),
                pct(s.actionable_pct),
                usd(s.switching_savings_usd),
                usd(s.batch_savings_usd),
                usd(s.caching_savings_usd),
                usd(s.commitment_savings_usd),
            ),
            action,
        ),
    ))
}

fn margin(p: &finops_results::profitability::Profitability) -> Option<(u8, Finding)> {
    let s = &p.summary;
    if s.customers == 0 {
        return None;
    }
    let u = &p.unprofitable;
    let worst = p.by_tier.iter().min_by(|a, b| a.margin_pct.total_cmp(&b.margin_pct));
    Some((
        2,
        finding(
            AnalysisId::Profitability,
            "Customer margin",
            "Customer profitability",
            format!(
                "Margin {} ({}) on {} of prorated plan revenue; {} customers ({}) cost more than they pay, {} lost in the period.",
                pct(s.margin_pct),
                usd(s.margin_usd),
                usd(s.revenue_usd),
                int(u.count as f64),
                pct(u.pct_of_customers),
                usd(u.total_loss_usd),
            ),
            worst.map(|w| format!("Lowest-margin tier: {} at {}.", w.tier, pct(w.margin_pct))),
        ),
    ))
}

fn anomalies(r: &finops_results::realtime::Realtime) -> Option<(u8, Finding)> {
    let a = r.incidents.first()?;
    Some((
        3,
        finding(
            AnalysisId::Realtime,
            "Incidents",
            "Real-time decisions",
            format!(
                "{} incidents cost {} above the expected level; the largest: {} from {} for {} minutes, {} extra, mostly {} on {}.",
                int(r.summary.incidents as f64),
                usd(r.summary.incident_excess_cost_usd),
                a.organization_id,
                a.start,
                int(a.duration_minutes),
                usd(a.excess_cost_usd),
                a.root_customer_id,
                a.root_model,
            ),
            Some(format!("{} customers are at high or critical budget risk.", int(r.summary.customers_at_risk as f64))),
        ),
    ))
}

fn churn(c: &finops_results::churn_growth::ChurnGrowth) -> Option<(u8, Finding)> {
    let s = &c.summary;
    if s.customers == 0 {
        return None;
    }
    Some((
        4,
        finding(
            AnalysisId::ChurnGrowth,
            "Churn and growth",
            "Churn & growth",
            format!(
                "{} customers churned and {} are declining, {} a month of plan revenue at risk; {} are growing.",
                int(s.churned as f64),
                int(s.declining as f64),
                usd(s.revenue_at_risk_monthly_usd),
                int(s.growing as f64),
            ),
            Some(format!(
                "{} expansion candidates would add {} a month on a better-fitting plan.",
                int(c.expansion.len() as f64),
                usd(s.expansion_monthly_usd)
            )),
        ),
    ))
}
