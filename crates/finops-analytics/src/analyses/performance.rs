//! Performance Tracking: latency percentiles, time to first token, throughput, SLA compliance, and the
//! best model per task. Latency statistics use successful standard-tier calls (batch jobs take minutes
//! by design; failed calls end early).
use finops_core::rules;
pub use finops_results::performance::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{
    Group, MODEL, group_metrics, hour_label, pct, percentiles_of, percentiles_of_sorted_runs, periods_sql, ratio,
    sample_latencies_below, total_metrics, ttft_cells,
};
use crate::engine::{Dataset, Result};

const OK: &str = crate::common::LATENCY_SAMPLE;

/// Display bands of the latency histogram (not a rule: they only group the chart).
const BUCKETS: [(&str, f64, f64); 6] = [
    ("< 1 s", 0.0, 1000.0),
    ("1-2 s", 1000.0, 2000.0),
    ("2-5 s", 2000.0, 5000.0),
    ("5-10 s", 5000.0, 10_000.0),
    ("10-30 s", 10_000.0, 30_000.0),
    (">= 30 s", 30_000.0, f64::INFINITY),
];

/// Models listed per ranking.
const RANKED: usize = 10;

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Performance> {
    let rules = &ds.rules.performance;
    let per_model = ModelTimings::query(ds, rules)?;
    let summary = Summary {
        latency: total_metrics(ds, OK)?,
        ttft_p50_ms: per_model.all_ttft[0],
        ttft_p95_ms: per_model.all_ttft[1],
        throughput_tokens_per_s: ratio(
            per_model.out_tokens.iter().sum(),
            per_model.gen_ms.iter().sum::<f64>() / 1000.0,
        ),
    };
    let sla = Sla {
        ttft_threshold_ms: rules.sla_ttft_ms,
        compliant_pct: pct(per_model.sla_ok.iter().sum(), per_model.ttft_calls.iter().sum()),
        calls: per_model.ttft_calls.iter().sum::<f64>() as u64,
    };
    let by_model = model_rows(ds, rules, &per_model)?;
    let (latency_buckets, slow_pct) = latency_buckets(ds, rules, summary.latency.calls)?;
    let by_task = best_per_task(ds, rules)?;
    let rankings = rankings(&by_model);
    let recommendations = recommend(rules, &summary, &sla, &by_model, slow_pct);
    Ok(Performance {
        summary,
        by_model,
        latency_buckets,
        sla,
        hourly: hourly(ds)?,
        by_task,
        rankings,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Performance.as_str()),
    })
}

/// Time to first token, generation throughput and SLA counts per model, over the latency sample.
struct ModelTimings {
    provider: Vec<String>,
    model: Vec<String>,
    ttft_p50: Vec<f64>,
    /// p50 and p95 over every model's calls.
    all_ttft: [f64; 2],
    ttft_calls: Vec<f64>,
    out_tokens: Vec<f64>,
    gen_ms: Vec<f64>,
    sla_ok: Vec<f64>,
}

impl ModelTimings {
    /// Rolled up by model from the shared [`ttft_cells`]; the overall figures merge the models'
    /// samples and sums.
    fn query(ds: &Dataset, rules: &rules::Performance) -> Result<ModelTimings> {
        let cells = ttft_cells(ds)?;
        let groups = cells.roll_up(|c| (cells.provider[c].as_str(), cells.model[c].as_str()));
        let sla = rules.sla_ttft_ms;
        let every: Vec<&[i64]> = groups.values().flat_map(|g| g.ttft.iter().copied()).collect();
        Ok(ModelTimings {
            provider: groups.keys().map(|k| k.0.to_string()).collect(),
            model: groups.keys().map(|k| k.1.to_string()).collect(),
            all_ttft: percentiles_of_sorted_runs(&every, [0.5, 0.95]),
            ttft_calls: groups.values().map(|g| g.calls() as f64).collect(),
            out_tokens: groups.values().map(|g| g.out_tokens as f64).collect(),
            gen_ms: groups.values().map(|g| g.gen_ms as f64).collect(),
            sla_ok: groups.values().map(|g| g.at_most(sla) as f64).collect(),
            ttft_p50: groups.values().map(|g| percentiles_of_sorted_runs(&g.ttft, [0.5])[0]).collect(),
        })
    }

    fn find(&self, key: &[String]) -> Option<usize> {
        (0..self.provider.len()).find(|&i| self.provider[i] == key[0] && self.model[i] == key[1])
    }
}

/// Latency, throughput, SLA and error rate per model, best throughput per dollar first.
fn model_rows(ds: &Dataset, rules: &rules::Performance, t: &ModelTimings) -> Result<Vec<ModelPerformance>> {
    let lat = group_metrics(ds, &["provider", "model"], OK)?;
    let all = group_metrics(ds, &["provider", "model"], "true")?;
    let mut rows: Vec<ModelPerformance> = lat
        .iter()
        .map(|grp| {
            let i = t.find(&grp.key);
            let error_rate_all_pct = all.iter().find(|a| a.key == grp.key).map_or(0.0, |a| a.metrics.error_rate_pct);
            let tps = i.map_or(0.0, |i| ratio(t.out_tokens[i], t.gen_ms[i] / 1000.0));
            ModelPerformance {
                provider: grp.key[0].clone(),
                model: grp.key[1].clone(),
                metrics: grp.metrics.clone(),
                ttft_p50_ms: i.map_or(0.0, |i| t.ttft_p50[i]),
                throughput_tokens_per_s: tps,
                efficiency_score: ratio(tps, grp.metrics.cost_per_1k_tokens),
                error_rate_all_pct,
                sla_pct: i.map_or(0.0, |i| pct(t.sla_ok[i], t.ttft_calls[i])),
                ranked: grp.metrics.calls >= rules.min_calls,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.efficiency_score.total_cmp(&a.efficiency_score));
    Ok(rows)
}

/// Calls per latency band, and the share of calls slower than `performance.slow_call_ms`, over the
/// latency sample.
fn latency_buckets(ds: &Dataset, rules: &rules::Performance, total: u64) -> Result<(Vec<Bucket>, f64)> {
    // Calls below each band's bounds and below the slow threshold, from the shared cube's sorted latencies.
    let mut bounds = [rules.slow_call_ms; BUCKETS.len() * 2 + 1];
    for (i, (_, lo, hi)) in BUCKETS.iter().enumerate() {
        (bounds[2 * i], bounds[2 * i + 1]) = (*lo, *hi);
    }
    let below = sample_latencies_below(ds, bounds)?;
    let buckets = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| {
            let n = below[2 * i + 1] - below[2 * i];
            Bucket { label: label.to_string(), calls: n, pct: pct(n as f64, total as f64) }
        })
        .collect();
    // The last band has no upper bound: below it are all the sample's calls.
    let slow = below[BUCKETS.len() * 2 - 1] - below[BUCKETS.len() * 2];
    Ok((buckets, pct(slow as f64, total as f64)))
}

/// p50 and p95 latency per UTC hour.
fn hourly(ds: &Dataset) -> Result<Vec<HourPoint>> {
    let h = ds.sql_lists(&format!(
        "SELECT {} AS h, values_list(latency_ms) AS l FROM calls WHERE {OK} GROUP BY h",
        periods_sql(ds, 3_600_000)
    ))?;
    // Ordered here: an ORDER BY in the query copied every latency once more (arrow's `take` of the
    // lists), 1% of a run's CPU at 10 M calls.
    let mut rows: Vec<(i64, Vec<i64>)> = h.i64("h")?.into_iter().zip(h.i64_lists("l")?).collect();
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows
        .into_iter()
        .map(|(hour, mut l)| {
            let [p50_ms, p95_ms] = percentiles_of(&mut l, [0.5, 0.95]);
            HourPoint { hour: hour_label(hour), calls: l.len() as u64, p50_ms, p95_ms }
        })
        .collect())
}

/// For each feature, the fastest and the cheapest model among those with enough calls on it.
fn best_per_task(ds: &Dataset, rules: &rules::Performance) -> Result<Vec<TaskChoice>> {
    let per_task = group_metrics(ds, &["feature_id", MODEL], OK)?;
    let mut features: Vec<String> = per_task.iter().map(|g| g.key[0].clone()).collect();
    features.sort();
    features.dedup();
    Ok(features
        .into_iter()
        .map(|f| {
            let cands: Vec<&Group> =
                per_task.iter().filter(|g| g.key[0] == f && g.metrics.calls >= rules.min_calls).collect();
            let fastest = cands.iter().min_by(|a, b| a.metrics.p50_latency_ms.total_cmp(&b.metrics.p50_latency_ms));
            let cheapest =
                cands.iter().min_by(|a, b| a.metrics.avg_cost_per_call.total_cmp(&b.metrics.avg_cost_per_call));
            TaskChoice {
                feature: f.clone(),
                fastest: fastest.map(|g| g.key[1].clone()),
                fastest_p50_ms: fastest.map_or(0.0, |g| g.metrics.p50_latency_ms),
                cheapest: cheapest.map(|g| g.key[1].clone()),
                cheapest_cost_per_call: cheapest.map_or(0.0, |g| g.metrics.avg_cost_per_call),
            }
        })
        .collect())
}

/// The fastest, cheapest per 1K tokens and best-scoring models with enough calls.
fn rankings(by_model: &[ModelPerformance]) -> Rankings {
    let name = |p: &ModelPerformance| format!("{}/{}", p.provider, p.model);
    let ranked = |mut v: Vec<&ModelPerformance>, key: &dyn Fn(&ModelPerformance) -> f64| {
        v.sort_by(|a, b| key(a).total_cmp(&key(b)));
        v.into_iter().take(RANKED).map(name).collect::<Vec<_>>()
    };
    let eligible: Vec<&ModelPerformance> = by_model.iter().filter(|p| p.ranked).collect();
    Rankings {
        fastest: ranked(eligible.clone(), &|p| p.metrics.p50_latency_ms),
        cheapest_per_1k: ranked(eligible.clone(), &|p| p.metrics.cost_per_1k_tokens),
        best_score: ranked(eligible, &|p| -p.efficiency_score),
    }
}

/// The performance rules. `slow_pct` is the share of calls slower than `slow_call_ms`.
pub fn recommend(
    r: &rules::Performance,
    s: &Summary,
    sla: &Sla,
    by_model: &[ModelPerformance],
    slow_pct: f64,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if sla.calls > 0 && sla.compliant_pct < r.sla_target_pct {
        let worst: Vec<String> = {
            let mut v: Vec<&ModelPerformance> = by_model.iter().filter(|m| m.ranked).collect();
            v.sort_by(|a, b| a.sla_pct.total_cmp(&b.sla_pct));
            v.iter().take(3).map(|m| format!("{}/{} {:.1}%", m.provider, m.model, m.sla_pct)).collect()
        };
        out.push(Recommendation::new(
            "sla_breach",
            Severity::Warning,
            format!(
                "{:.1}% of calls got a first token within {:.0} ms (target {}%); lowest: {}.",
                sla.compliant_pct,
                sla.ttft_threshold_ms,
                r.sla_target_pct,
                worst.join(", ")
            ),
        ));
    }
    let scored: Vec<&ModelPerformance> = by_model.iter().filter(|m| m.ranked && m.efficiency_score > 0.0).collect();
    if let (Some(best), Some(worst)) = (scored.first(), scored.last()) {
        let gap = ratio(best.efficiency_score, worst.efficiency_score);
        if gap > r.efficiency_gap_ratio {
            out.push(Recommendation::new(
                "efficiency_gap",
                Severity::Info,
                format!(
                    "{}/{} delivers {gap:.0}x the throughput per dollar of {}/{}; consider it where quality allows.",
                    best.provider, best.model, worst.provider, worst.model
                ),
            ));
        }
    }
    if slow_pct > r.slow_share_pct {
        out.push(Recommendation::new(
            "slow_calls",
            Severity::Warning,
            format!(
                "{slow_pct:.1}% of calls take {} or more; stream responses or cap output length.",
                seconds(r.slow_call_ms)
            ),
        ));
    }
    let mut failing: Vec<&ModelPerformance> = by_model
        .iter()
        .filter(|m| m.metrics.calls >= r.error_min_calls && m.error_rate_all_pct > r.error_rate_pct)
        .collect();
    if !failing.is_empty() {
        failing.sort_by(|a, b| b.error_rate_all_pct.total_cmp(&a.error_rate_all_pct));
        let worst: Vec<String> = failing
            .iter()
            .take(3)
            .map(|m| format!("{}/{} {:.1}%", m.provider, m.model, m.error_rate_all_pct))
            .collect();
        out.push(Recommendation::new(
            "model_error_rate",
            Severity::Warning,
            format!(
                "{} model(s) fail more than {}% of calls (worst: {}); add retries with backoff or a fallback model.",
                failing.len(),
                r.error_rate_pct,
                worst.join(", ")
            ),
        ));
    }
    if out.is_empty() && s.latency.calls > 0 {
        out.push(Recommendation::new(
            "performance_ok",
            Severity::Success,
            "Latency, SLA and error rates are within targets.",
        ));
    }
    out
}

/// `30 s`, `2.5 s`, `800 ms`.
fn seconds(ms: f64) -> String {
    if ms >= 1000.0 { format!("{} s", ms / 1000.0) } else { format!("{ms} ms") }
}
