//! The index's executive summary: up to five findings, each computed from this dataset's results.
use serde::Serialize;
use serde_json::Value;

use crate::Rendered;
use crate::format::{int, pct, usd};
use crate::page::{list, num, text};

/// One finding: what the data shows and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub title: String,
    pub finding: String,
    pub action: String,
    pub file: String,
    pub link: String,
}

fn data<'a>(results: &'a [Rendered<'_>], id: &str) -> Option<&'a Value> {
    results.iter().find(|r| r.meta.id == id).and_then(|r| r.data)
}

/// Findings in priority order: spend and trajectory, savings, margin, anomalies, churn.
pub fn findings(results: &[Rendered<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(u) = data(results, "understanding").filter(|u| num(u, "summary.calls") > 0.0) {
        let top = list(u, "by_provider").first();
        out.push(Finding {
            title: "Spend and trajectory".into(),
            finding: format!(
                "{} over {:.1} days ({} calls); at this pace the next 30 days cost {} ({} to {}).",
                usd(num(u, "summary.cost_usd")),
                num(u, "summary.period_days"),
                int(num(u, "summary.calls")),
                usd(num(u, "forecast.trend_30d")),
                usd(num(u, "forecast.trend_30d_low")),
                usd(num(u, "forecast.trend_30d_high")),
            ),
            action: top
                .map(|p| {
                    format!(
                        "{} carries {} of the spend: start cost reviews there.",
                        crate::page::cell("key", crate::page::at(p, "key")).text,
                        pct(100.0 * num(p, "cost_usd") / num(u, "summary.cost_usd").max(1e-12))
                    )
                })
                .unwrap_or_default(),
            file: crate::file_name("understanding"),
            link: "Usage & cost".into(),
        });
    }
    if let Some(o) = data(results, "optimization") {
        let s = |k: &str| num(o, &format!("summary.{k}"));
        let total = s("switching_savings_usd")
            + s("batch_savings_usd")
            + s("caching_savings_usd")
            + s("commitment_savings_usd");
        if total > 0.0 {
            let best = list(o, "model_switching").first();
            out.push(Finding {
                title: "Savings available".into(),
                finding: format!(
                    "At catalog prices, against {} of spend: cheaper sibling models would save {} ({}), batch {}, caching {}, commitments {} (levers overlap; not a sum).",
                    usd(s("cost_usd")),
                    usd(s("switching_savings_usd")),
                    pct(100.0 * s("switching_savings_usd") / s("cost_usd").max(1e-12)),
                    usd(s("batch_savings_usd")),
                    usd(s("caching_savings_usd")),
                    usd(s("commitment_savings_usd")),
                ),
                action: best
                    .map(|b| {
                        format!(
                            "Largest single lever: {} → {} ({}) saves {} on {} calls.",
                            text(b, "from"),
                            text(b, "to"),
                            text(b, "provider"),
                            usd(num(b, "savings_usd")),
                            int(num(b, "calls"))
                        )
                    })
                    .unwrap_or_default(),
                file: crate::file_name("optimization"),
                link: "Rate optimization".into(),
            });
        }
    }
    if let Some(p) = data(results, "profitability").filter(|p| num(p, "summary.customers") > 0.0) {
        let worst = list(p, "by_tier").iter().min_by(|a, b| num(a, "margin_pct").total_cmp(&num(b, "margin_pct")));
        out.push(Finding {
            title: "Customer margin".into(),
            finding: format!(
                "Margin {} ({}) on {} of prorated plan revenue; {} customers ({}) cost more than they pay, {} lost in the period.",
                pct(num(p, "summary.margin_pct")),
                usd(num(p, "summary.margin_usd")),
                usd(num(p, "summary.revenue_usd")),
                int(num(p, "unprofitable.count")),
                pct(num(p, "unprofitable.pct_of_customers")),
                usd(num(p, "unprofitable.total_loss_usd")),
            ),
            action: worst
                .map(|w| format!("Lowest-margin tier: {} at {}.", text(w, "tier"), pct(num(w, "margin_pct"))))
                .unwrap_or_default(),
            file: crate::file_name("profitability"),
            link: "Customer profitability".into(),
        });
    }
    if let Some(r) = data(results, "realtime")
        && let Some(a) = list(r, "cost_anomalies").first()
    {
        out.push(Finding {
            title: "Cost anomalies".into(),
            finding: format!(
                "{} anomalous hours cost {} above their baselines; the largest: {} {} at {}, {} against a usual {}.",
                int(num(r, "summary.anomalies")),
                usd(num(r, "summary.anomalous_cost_usd")),
                text(a, "dimension"),
                text(a, "key"),
                text(a, "hour"),
                usd(num(a, "cost_usd")),
                usd(num(a, "baseline_usd")),
            ),
            action: format!(
                "{} customers are at high or critical budget risk.",
                int(num(r, "summary.customers_at_risk"))
            ),
            file: crate::file_name("realtime"),
            link: "Real-time decisions".into(),
        });
    }
    if let Some(c) = data(results, "churn_growth").filter(|c| num(c, "summary.customers") > 0.0) {
        out.push(Finding {
            title: "Churn and growth".into(),
            finding: format!(
                "{} customers churned and {} are declining, {} a month of plan revenue at risk; {} are growing.",
                int(num(c, "summary.churned")),
                int(num(c, "summary.declining")),
                usd(num(c, "summary.revenue_at_risk_monthly_usd")),
                int(num(c, "summary.growing")),
            ),
            action: format!(
                "{} expansion candidates would add {} a month on a better-fitting plan.",
                int(list(c, "expansion").len() as f64),
                usd(num(c, "summary.expansion_monthly_usd"))
            ),
            file: crate::file_name("churn_growth"),
            link: "Churn & growth".into(),
        });
    }
    out.truncate(5);
    out
}
