//! Real-Time Decision Making: incidents (surges of an organization's traffic, see [`super::incidents`]),
//! budget risk per customer, error spikes, daily alerts and provider concentration.
use finops_core::rules;
use finops_core::units::thousands;
pub use finops_results::realtime::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{
    CustomerRow, MODEL, Usd, customers, day_label, group_metrics, hhi, hour_label, key_columns, median,
    org_windows_join, pct, read_key,
};
use crate::engine::{Dataset, Result};

/// Organizations whose model mix moved between the first and the last `model_shift_window_share` of the
/// period, leaving out their incidents (a runaway client calls one model: a surge, not a new mix), each
/// with the model that lost most share and the one that gained most. A mix has shifted when either
/// - its shares moved by more than `model_shift_min_pct` (half the sum of the absolute share changes)
///   and by more than chance (`model_shift_p`, see [`significant_shift`]): a migration, or
/// - its price moved by more than `model_shift_min_price_pct` and by more than chance (see
///   [`price_shift`]): a cost optimization spreads over many model pairs, each too small to count,
///   but all in one direction.
fn model_shifts(ds: &Dataset, r: &rules::Realtime, incidents: &[Incident]) -> Result<Vec<ModelShift>> {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let span = ((end - start) as f64 * r.model_shift_window_share) as i64;
    let (early, late) = (start + span, end - span);
    if span <= 0 || early > late {
        return Ok(Vec::new());
    }
    let ts = "CAST(timestamp AS BIGINT)";
    let surges: Vec<(&str, i64, i64)> =
        incidents.iter().map(|i| (i.organization_id.as_str(), i.start_ms, i.end_ms)).collect();
    let (model, model_group) = key_columns(MODEL, "m");
    let t = ds.sql(&format!(
        "SELECT organization_id AS o, {model}, CASE WHEN {ts} >= {late} THEN 1 ELSE 0 END AS after, count(*) AS n, \
         sum(cost_usd) AS c, sum(input_tokens + output_tokens) AS tk \
         FROM calls {} WHERE ({ts} < {early} OR {ts} >= {late}) GROUP BY o, {model_group}, after",
        org_windows_join("LEFT ANTI JOIN", &surges).unwrap_or_default()
    ))?;
    let (orgs, models, after, calls, costs, tokens) =
        (t.str("o")?, read_key(&t, MODEL, "m")?, t.i64("after")?, t.u64("n")?, t.f64("c")?, t.u64("tk")?);
    // Each model's cost per token over both parts and all organizations: the mix's price index.
    let mut price: std::collections::HashMap<&str, (f64, f64)> = Default::default();
    // Per organization: model -> (calls before, calls after), and (cost before, cost after).
    type Mix = std::collections::BTreeMap<String, (f64, f64)>;
    let mut by_org: std::collections::BTreeMap<&str, (Mix, (f64, f64))> = Default::default();
    for i in 0..t.len() {
        let p = price.entry(&models[i]).or_default();
        (p.0, p.1) = (p.0 + costs[i], p.1 + tokens[i] as f64);
        let (mix, cost) = by_org.entry(&orgs[i]).or_default();
        let e = mix.entry(models[i].clone()).or_default();
        if after[i] == 1 {
            e.1 += calls[i] as f64;
            cost.1 += costs[i];
        } else {
            e.0 += calls[i] as f64;
            cost.0 += costs[i];
        }
    }
    let log_price = |m: &str| price.get(m).filter(|p| p.0 > 0.0 && p.1 > 0.0).map(|p| (p.0 / p.1).ln());
    let mut out = Vec::new();
    for (org, (mix, cost)) in by_org {
        let (before, after): (f64, f64) = mix.values().fold((0.0, 0.0), |a, m| (a.0 + m.0, a.1 + m.1));
        if before < r.model_shift_min_calls as f64 || after < r.model_shift_min_calls as f64 {
            continue;
        }
        let change = |m: &(f64, f64)| m.1 / after - m.0 / before;
        // Total variation distance, in percent.
        let changed_pct = 50.0 * mix.values().map(|m| change(m).abs()).sum::<f64>();
        let scored: Vec<(f64, (f64, f64))> = mix.iter().filter_map(|(m, n)| log_price(m).map(|s| (s, *n))).collect();
        let (price_change, price_z) = price_shift(&scored, r.model_shift_dispersion);
        let mix_price_change_pct = 100.0 * price_change.exp_m1();
        let by_shares =
            changed_pct > r.model_shift_min_pct && significant_shift(&mix, r.model_shift_p, r.model_shift_dispersion);
        let by_price = mix_price_change_pct.abs() > r.model_shift_min_price_pct && two_sided(price_z) < r.model_shift_p;
        if !by_shares && !by_price {
            continue;
        }
        let by_change = |sign: f64| {
            mix.iter()
                .max_by(|a, b| (sign * change(a.1)).total_cmp(&(sign * change(b.1))))
                .map(|(k, v)| (k.clone(), *v))
        };
        let (Some((from, f)), Some((to, g))) = (by_change(-1.0), by_change(1.0)) else { continue };
        out.push(ModelShift {
            organization_id: org.to_string(),
            changed_pct,
            mix_price_change_pct,
            from_model: from,
            from_share_before_pct: pct(f.0, before),
            from_share_after_pct: pct(f.1, after),
            to_model: to,
            to_share_before_pct: pct(g.0, before),
            to_share_after_pct: pct(g.1, after),
            calls_before: before as u64,
            calls_after: after as u64,
            cost_per_call_before_usd: cost.0 / before,
            cost_per_call_after_usd: cost.1 / after,
        });
    }
    out.sort_by(|a, b| b.changed_pct.total_cmp(&a.changed_pct));
    Ok(out)
}

/// The probability of a standard normal at least `|z|` from 0.
fn two_sided(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    2.0 * Normal::standard().sf(z.abs())
}

/// How the mean log price of an organization's calls moved from before to after, and that move in
/// standard errors: each model scored by `ln(cost per token)`, `(score, (calls before, calls after))`.
/// The variance of the scores over all calls, times `dispersion` (a session keeps its model), over the
/// calls of each part. One degree of freedom instead of one per model: a shift of many small models all
/// towards cheaper (or dearer) ones stands out although no single model's share moved much.
///
/// ```
/// use finops_analytics::analyses::realtime::price_shift;
/// // Half the calls at a price of 1, half at e (score 1); after, three quarters at 1.
/// let mix = [(0.0, (500.0, 750.0)), (1.0, (500.0, 250.0))];
/// let (change, z) = price_shift(&mix, 1.0);
/// assert!((change + 0.25).abs() < 1e-12);
/// assert!(z < -8.0);
/// ```
pub fn price_shift(scored: &[(f64, (f64, f64))], dispersion: f64) -> (f64, f64) {
    let (before, after): (f64, f64) = scored.iter().fold((0.0, 0.0), |a, (_, n)| (a.0 + n.0, a.1 + n.1));
    if before <= 0.0 || after <= 0.0 {
        return (0.0, 0.0);
    }
    let mean_before = scored.iter().map(|(s, n)| s * n.0).sum::<f64>() / before;
    let mean_after = scored.iter().map(|(s, n)| s * n.1).sum::<f64>() / after;
    let mean = (mean_before * before + mean_after * after) / (before + after);
    let variance = scored.iter().map(|(s, n)| (n.0 + n.1) * (s - mean).powi(2)).sum::<f64>() / (before + after);
    let se = (variance * dispersion.max(1.0) * (1.0 / before + 1.0 / after)).sqrt();
    let change = mean_after - mean_before;
    (change, if se > 0.0 { change / se } else { 0.0 })
}

/// Whether the model counts before and after differ by more than sampling explains: a G-test of
/// independence (models x before/after) at level `p`, the statistic divided by `dispersion` because a
/// session keeps its model, so calls are not independent draws. Two samples of a hundred calls spread
/// over twenty models differ by a quarter of their mix by chance alone: the size of a shift is no
/// evidence on its own.
pub fn significant_shift(mix: &std::collections::BTreeMap<String, (f64, f64)>, p: f64, dispersion: f64) -> bool {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let (before, after): (f64, f64) = mix.values().fold((0.0, 0.0), |a, m| (a.0 + m.0, a.1 + m.1));
    let total = before + after;
    let used: Vec<&(f64, f64)> = mix.values().filter(|m| m.0 + m.1 > 0.0).collect();
    if used.len() < 2 || before <= 0.0 || after <= 0.0 {
        return false;
    }
    let term = |observed: f64, expected: f64| if observed > 0.0 { observed * (observed / expected).ln() } else { 0.0 };
    let g: f64 = 2.0
        * used
            .iter()
            .map(|m| {
                let row = m.0 + m.1;
                term(m.0, row * before / total) + term(m.1, row * after / total)
            })
            .sum::<f64>();
    ChiSquared::new((used.len() - 1) as f64).is_ok_and(|chi| g / dispersion.max(1.0) > chi.inverse_cdf(1.0 - p))
}

/// A customer's budget risk from AI cost as a share of its plan revenue (`realtime.risk_*_pct`).
pub fn risk_level(r: &rules::Realtime, cost_to_revenue_pct: f64) -> RiskLevel {
    if cost_to_revenue_pct > r.risk_critical_pct {
        RiskLevel::Critical
    } else if cost_to_revenue_pct > r.risk_high_pct {
        RiskLevel::High
    } else if cost_to_revenue_pct > r.risk_medium_pct {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    }
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Realtime> {
    let rules = &ds.rules.realtime;
    // The incidents (and the mix shifts that leave them out) are the longest chain of queries of all
    // analyses: the rest of this one runs beside it rather than after it.
    let ((incidents, detection, model_shifts), (customers, provider_concentration, error_spikes, daily_alerts)) =
        std::thread::scope(|scope| {
            let side = scope.spawn(|| -> Result<_> {
                Ok((customers(ds)?, provider_concentration(ds)?, error_spikes(ds, rules)?, daily_alerts(ds, rules)?))
            });
            let main = (|| -> Result<_> {
                let (incidents, detection) = super::incidents::detect(ds, rules)?;
                let model_shifts = model_shifts(ds, rules, &incidents)?;
                Ok((incidents, detection, model_shifts))
            })();
            let side =
                side.join().map_err(|_| crate::engine::AnalyticsError::Query("a query thread panicked".into()))?;
            Ok::<_, crate::engine::AnalyticsError>((main?, side?))
        })?;
    let budget_risk = budget_risk(rules, &customers);
    let risk_levels: Vec<(RiskLevel, u64)> =
        RiskLevel::ALL.iter().map(|l| (*l, budget_risk.iter().filter(|r| r.risk == *l).count() as u64)).collect();
    let at_risk: Vec<&CustomerRisk> =
        budget_risk.iter().filter(|r| matches!(r.risk, RiskLevel::Critical | RiskLevel::High)).collect();
    let summary = Summary {
        calls: ds.rows(),
        cost_usd: provider_concentration.1,
        incidents: incidents.len() as u64,
        incident_excess_cost_usd: incidents.iter().map(|i| i.excess_cost_usd).sum(),
        customers_at_risk: at_risk.len() as u64,
        revenue_at_risk_usd: at_risk.iter().map(|r| r.revenue_usd).sum(),
        health_score_pct: pct(
            budget_risk.iter().filter(|r| r.risk == RiskLevel::Low).count() as f64,
            budget_risk.len() as f64,
        ),
    };
    let budgets = super::budgets::statuses(ds)?;
    let mut recommendations = recommend(rules, &summary, &incidents, &provider_concentration.0);
    recommendations.extend(budget_alerts(&budgets));
    Ok(Realtime {
        summary,
        incidents,
        detection,
        model_shifts,
        budget_risk,
        risk_levels,
        error_spikes,
        daily_alerts,
        provider_concentration: provider_concentration.0,
        budgets,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Realtime.as_str()),
    })
}

/// Every customer's AI cost against its prorated plan revenue, riskiest first.
fn budget_risk(rules: &rules::Realtime, customers: &[CustomerRow]) -> Vec<CustomerRisk> {
    let mut out: Vec<CustomerRisk> = customers
        .iter()
        .map(|c| {
            let r = pct(c.cost_usd, c.revenue_usd);
            CustomerRisk {
                customer_id: c.customer_id.clone(),
                subscription_tier: c.subscription_tier.clone(),
                cost_usd: c.cost_usd,
                revenue_usd: c.revenue_usd,
                cost_to_revenue_pct: r,
                risk: if c.revenue_usd > 0.0 { risk_level(rules, r) } else { RiskLevel::Critical },
            }
        })
        .collect();
    out.sort_by(|a, b| b.cost_to_revenue_pct.total_cmp(&a.cost_to_revenue_pct));
    out
}

/// Organization-hours with enough calls and a high share of failures, most errors first (then by hour
/// and organization), summed up from the shared [`crate::common::customer_bins`].
fn error_spikes(ds: &Dataset, rules: &rules::Realtime) -> Result<Vec<ErrorSpike>> {
    let t = crate::common::customer_bins(ds, crate::common::incident_bin_ms(ds))?;
    // (hour, organization) -> (calls, errors)
    let mut hours: foldhash::HashMap<(i64, u32), (u64, u64)> = Default::default();
    for i in 0..t.bin.len() {
        let e = hours.entry((t.hour(i), t.organization[i])).or_default();
        e.0 += t.calls[i];
        e.1 += t.errors[i];
    }
    let mut spikes: Vec<(i64, &str, u64, u64)> = hours
        .into_iter()
        .filter(|(_, (n, e))| {
            *n >= rules.error_spike_min_calls && *e as f64 * 100.0 > rules.error_spike_rate_pct * *n as f64
        })
        .map(|((h, o), (n, e))| (h, t.organizations[o as usize].as_str(), n, e))
        .collect();
    spikes.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)).then_with(|| a.1.cmp(b.1)));
    Ok(spikes
        .into_iter()
        .map(|(h, o, n, e)| ErrorSpike {
            hour: hour_label(h),
            organization_id: o.to_string(),
            calls: n,
            errors: e,
            error_rate_pct: pct(e as f64, n as f64),
        })
        .collect())
}

/// Days costing well above the median day.
fn daily_alerts(ds: &Dataset, rules: &rules::Realtime) -> Result<Vec<DailyAlert>> {
    let days = crate::common::daily(ds)?;
    let med = median(&days.iter().map(|d| d.cost_usd).collect::<Vec<_>>());
    Ok(days
        .iter()
        .filter(|d| med > 0.0 && d.cost_usd > rules.daily_alert_ratio * med)
        .map(|d| DailyAlert {
            date: day_label(d.day),
            cost_usd: d.cost_usd,
            median_day_usd: med,
            ratio: d.cost_usd / med,
        })
        .collect())
}

/// Each provider's share of the spend (most expensive first) with its HHI, and the total spend.
fn provider_concentration(ds: &Dataset) -> Result<(Concentration, f64)> {
    let by_provider = group_metrics(ds, &["provider"], "true")?;
    let total: f64 = by_provider.iter().map(|g| g.metrics.cost_usd).sum();
    let shares: Vec<(String, f64)> =
        by_provider.into_iter().map(|g| (g.key.concat(), pct(g.metrics.cost_usd, total))).collect();
    Ok((Concentration { hhi: hhi(&shares.iter().map(|s| s.1).collect::<Vec<_>>()), shares_pct: shares }, total))
}

/// The real-time rules.
pub fn recommend(r: &rules::Realtime, s: &Summary, incidents: &[Incident], c: &Concentration) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.customers_at_risk > 0 {
        out.push(Recommendation::new(
            "budget_risk",
            Severity::Critical,
            format!(
                "{} customers spend over {}% of their plan revenue on AI ({} of revenue at risk).",
                thousands(s.customers_at_risk),
                r.risk_high_pct,
                Usd(s.revenue_at_risk_usd)
            ),
        ));
    }
    if let Some(top) = incidents.first() {
        out.push(Recommendation::new(
            "incidents",
            if incidents.iter().any(|i| i.severity == Severity::Critical) { Severity::Critical } else { Severity::Warning },
            format!(
                "{} incidents cost {} above the expected level; the largest: {} from {} for {:.0} minutes, {:.1}x its expected traffic at the peak, {} extra, mostly {} on {} ({}).",
                thousands(incidents.len() as u64),
                Usd(incidents.iter().map(|i| i.excess_cost_usd).sum()),
                top.organization_id,
                top.start,
                top.duration_minutes,
                top.peak_ratio,
                Usd(top.excess_cost_usd),
                top.root_customer_id,
                top.root_model,
                top.root_feature,
            ),
        ));
    }
    if c.hhi > r.hhi_high {
        out.push(Recommendation::new(
            "provider_concentration",
            Severity::Info,
            format!(
                "Provider spend is highly concentrated (HHI {}; above {} is high).",
                thousands(c.hhi.round() as u64),
                thousands(r.hhi_high.round() as u64)
            ),
        ));
    }
    if s.calls > 0 && s.health_score_pct < r.health_min_pct {
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

/// A budget already exceeded, or projected to be within its period.
fn budget_alerts(budgets: &[BudgetStatus]) -> Vec<Recommendation> {
    budgets
        .iter()
        .filter_map(|b| {
            if let Some(at) = &b.exceeded_at {
                Some(Recommendation::new(
                    "budget_exceeded",
                    Severity::Critical,
                    format!(
                        "Budget \"{}\" ({}) was exceeded at {at}: {} spent of {} ({:.0}%), {} forecast by {}.",
                        b.name,
                        Usd(b.amount_usd),
                        Usd(b.spent_usd),
                        Usd(b.amount_usd),
                        b.spent_pct,
                        Usd(b.forecast_end_usd),
                        b.period_end
                    ),
                ))
            } else {
                b.projected_exceed_date.as_ref().map(|d| {
                    Recommendation::new(
                        "budget_projected_overrun",
                        Severity::Warning,
                        format!(
                            "Budget \"{}\" ({}) is forecast to run out on {d} (between {} and {}), before its period ends on {}: {} forecast ({} to {}).",
                            b.name,
                            Usd(b.amount_usd),
                            b.projected_exceed_earliest.as_deref().unwrap_or(d),
                            b.projected_exceed_latest.as_deref().unwrap_or("after the period"),
                            b.period_end,
                            Usd(b.forecast_end_usd),
                            Usd(b.forecast_end_low_usd),
                            Usd(b.forecast_end_high_usd)
                        ),
                    )
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_shift_must_beat_chance() {
        let mix = |pairs: &[(f64, f64)]| -> std::collections::BTreeMap<String, (f64, f64)> {
            pairs.iter().enumerate().map(|(i, p)| (format!("m{i}"), *p)).collect()
        };
        // A migration: one model's calls move to another.
        assert!(significant_shift(&mix(&[(95.0, 5.0), (5.0, 95.0)]), 0.001, 4.0));
        // Twenty models, a hundred calls each side, shuffled a little: chance.
        let noise: Vec<(f64, f64)> = (0..20).map(|i| (5.0 + f64::from(i % 3), 5.0 + f64::from((i + 1) % 3))).collect();
        assert!(!significant_shift(&mix(&noise), 0.001, 1.0));
        // Nothing after: nothing to compare.
        assert!(!significant_shift(&mix(&[(10.0, 0.0), (5.0, 0.0)]), 0.001, 1.0));
    }
}
