//! Performance Tracking: latency percentiles, time to first token, throughput, SLA compliance, and the
//! best model per task. Latency statistics use successful standard-tier calls (batch jobs take minutes
//! by design; failed calls end early).
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{
    Group, HOUR, MODEL, Metrics, group_metrics, hour_label, pct, percentiles_of, ratio, total_metrics,
};
use crate::engine::{Dataset, Result};

/// The SLA: time to first token within 2,000 ms (the seed's threshold, applied where users feel it).
pub const SLA_TTFT_MS: f64 = 2000.0;
const OK: &str = crate::common::LATENCY_SAMPLE;

#[derive(Debug, Clone, Serialize)]
pub struct Performance {
    pub summary: Summary,
    pub by_model: Vec<ModelPerformance>,
    pub latency_buckets: Vec<Bucket>,
    pub sla: Sla,
    pub hourly: Vec<HourPoint>,
    pub by_task: Vec<TaskChoice>,
    pub rankings: Rankings,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    #[serde(flatten)]
    pub latency: Metrics,
    pub ttft_p50_ms: f64,
    pub ttft_p95_ms: f64,
    /// Output tokens per second of generation (latency minus time to first token), over all calls.
    pub throughput_tokens_per_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelPerformance {
    pub provider: String,
    pub model: String,
    #[serde(flatten)]
    pub metrics: Metrics,
    pub ttft_p50_ms: f64,
    pub throughput_tokens_per_s: f64,
    /// Throughput per dollar per 1K tokens (the seed's score: tokens/s / cost per 1K).
    pub efficiency_score: f64,
    /// Error rate over all the model's calls.
    pub error_rate_pct: f64,
    pub sla_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub calls: u64,
    pub pct: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Sla {
    pub ttft_threshold_ms: f64,
    pub compliant_pct: f64,
    pub calls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HourPoint {
    pub hour: String,
    pub calls: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// For one feature: the fastest, cheapest and best-scoring model (models with >= 20 calls on it).
#[derive(Debug, Clone, Serialize)]
pub struct TaskChoice {
    pub feature: String,
    pub fastest: Option<String>,
    pub fastest_p50_ms: f64,
    pub cheapest: Option<String>,
    pub cheapest_cost_per_call: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Rankings {
    pub fastest: Vec<String>,
    pub cheapest_per_1k: Vec<String>,
    pub best_score: Vec<String>,
}

const BUCKETS: [(&str, f64, f64); 6] = [
    ("< 1 s", 0.0, 1000.0),
    ("1-2 s", 1000.0, 2000.0),
    ("2-5 s", 2000.0, 5000.0),
    ("5-10 s", 5000.0, 10_000.0),
    ("10-30 s", 10_000.0, 30_000.0),
    (">= 30 s", 30_000.0, f64::INFINITY),
];

pub fn analyze(ds: &Dataset) -> Result<Performance> {
    let latency = total_metrics(ds, OK)?;
    let lat = group_metrics(ds, &["provider", "model"], OK)?;
    let all = group_metrics(ds, &["provider", "model"], "true")?;
    // Time to first token per model; the summary merges the models' samples and sums in Rust
    // instead of scanning again.
    let m = ds.sql(&format!(
        "SELECT provider, model, \
         array_agg(time_to_first_token_ms) FILTER (WHERE time_to_first_token_ms > 0) AS ttft, \
         sum(output_tokens) FILTER (WHERE latency_ms > time_to_first_token_ms) AS out_tokens, \
         sum(latency_ms - time_to_first_token_ms) FILTER (WHERE latency_ms > time_to_first_token_ms) AS gen_ms, \
         count(*) FILTER (WHERE time_to_first_token_ms > 0 AND time_to_first_token_ms <= {SLA_TTFT_MS}) AS sla_ok \
         FROM calls WHERE {OK} GROUP BY provider, model"
    ))?;
    let (mp, mm, mut ttft, outt, genms, slaok) = (
        m.str("provider")?,
        m.str("model")?,
        m.i64_lists("ttft")?,
        m.f64("out_tokens")?,
        m.f64("gen_ms")?,
        m.f64("sla_ok")?,
    );
    let slan: Vec<f64> = ttft.iter().map(|t| t.len() as f64).collect();
    let mut every_ttft: Vec<i64> = ttft.concat();
    let [t50_all, t95_all] = percentiles_of(&mut every_ttft, [0.5, 0.95]);
    let t50: Vec<f64> = ttft.iter_mut().map(|t| percentiles_of(t, [0.5])[0]).collect();
    let summary = Summary {
        latency,
        ttft_p50_ms: t50_all,
        ttft_p95_ms: t95_all,
        throughput_tokens_per_s: ratio(outt.iter().sum(), genms.iter().sum::<f64>() / 1000.0),
    };
    let sla = Sla {
        ttft_threshold_ms: SLA_TTFT_MS,
        compliant_pct: pct(slaok.iter().sum(), slan.iter().sum()),
        calls: every_ttft.len() as u64,
    };

    let mut by_model: Vec<ModelPerformance> = lat
        .iter()
        .map(|grp| {
            let i = (0..m.len()).find(|&i| mp[i] == grp.key[0] && mm[i] == grp.key[1]);
            let all_calls = all.iter().find(|a| a.key == grp.key).map(|a| a.metrics.clone()).unwrap_or_default();
            let tps = i.map_or(0.0, |i| ratio(outt[i], genms[i] / 1000.0));
            ModelPerformance {
                provider: grp.key[0].clone(),
                model: grp.key[1].clone(),
                metrics: grp.metrics.clone(),
                ttft_p50_ms: i.map_or(0.0, |i| t50[i]),
                throughput_tokens_per_s: tps,
                efficiency_score: ratio(tps, grp.metrics.cost_per_1k_tokens),
                error_rate_pct: all_calls.error_rate_pct,
                sla_pct: i.map_or(0.0, |i| pct(slaok[i], slan[i])),
            }
        })
        .collect();
    by_model.sort_by(|a, b| b.efficiency_score.total_cmp(&a.efficiency_score));

    let cases: Vec<String> = BUCKETS
        .iter()
        .map(|(l, lo, hi)| {
            let upper = if hi.is_finite() { format!(" AND latency_ms < {hi}") } else { String::new() };
            format!("count(*) FILTER (WHERE latency_ms >= {lo}{upper}) AS \"{l}\"")
        })
        .collect();
    let b = ds.sql(&format!("SELECT {} FROM calls WHERE {OK}", cases.join(", ")))?;
    let latency_buckets = BUCKETS
        .iter()
        .map(|(l, _, _)| {
            let n = b.u64(l).map(|v| v.first().copied().unwrap_or(0)).unwrap_or(0);
            Bucket { label: l, calls: n, pct: pct(n as f64, summary.latency.calls as f64) }
        })
        .collect();

    let h =
        ds.sql(&format!("SELECT {HOUR} AS h, array_agg(latency_ms) AS l FROM calls WHERE {OK} GROUP BY h ORDER BY h"))?;
    let hourly = h
        .i64("h")?
        .into_iter()
        .zip(h.i64_lists("l")?)
        .map(|(hour, mut l)| {
            let [p50_ms, p95_ms] = percentiles_of(&mut l, [0.5, 0.95]);
            HourPoint { hour: hour_label(hour), calls: l.len() as u64, p50_ms, p95_ms }
        })
        .collect();

    let per_task = group_metrics(ds, &["feature_id", MODEL], OK)?;
    let mut features: Vec<String> = per_task.iter().map(|g| g.key[0].clone()).collect();
    features.sort();
    features.dedup();
    let by_task = features
        .into_iter()
        .map(|f| {
            let cands: Vec<&Group> = per_task.iter().filter(|g| g.key[0] == f && g.metrics.calls >= 20).collect();
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
        .collect();

    let name = |p: &ModelPerformance| format!("{}/{}", p.provider, p.model);
    let ranked = |mut v: Vec<&ModelPerformance>, key: &dyn Fn(&ModelPerformance) -> f64| {
        v.sort_by(|a, b| key(a).total_cmp(&key(b)));
        v.into_iter().take(10).map(name).collect::<Vec<_>>()
    };
    let eligible: Vec<&ModelPerformance> = by_model.iter().filter(|p| p.metrics.calls >= 20).collect();
    let rankings = Rankings {
        fastest: ranked(eligible.clone(), &|p| p.metrics.p50_latency_ms),
        cheapest_per_1k: ranked(eligible.clone(), &|p| p.metrics.cost_per_1k_tokens),
        best_score: ranked(eligible, &|p| -p.efficiency_score),
    };
    let recommendations = recommend(&summary, &sla, &by_model, latency_buckets_of(&b, summary.latency.calls));
    Ok(Performance { summary, by_model, latency_buckets, sla, hourly, by_task, rankings, recommendations })
}

fn latency_buckets_of(b: &crate::engine::Table, total: u64) -> f64 {
    let slow = b.u64(">= 30 s").map(|v| v.first().copied().unwrap_or(0)).unwrap_or(0);
    pct(slow as f64, total as f64)
}

/// The performance rules. `slow_pct` is the share of calls taking 30 s or more.
pub fn recommend(s: &Summary, sla: &Sla, by_model: &[ModelPerformance], slow_pct: f64) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if sla.calls > 0 && sla.compliant_pct < 95.0 {
        let worst: Vec<String> = {
            let mut v: Vec<&ModelPerformance> = by_model.iter().filter(|m| m.metrics.calls >= 20).collect();
            v.sort_by(|a, b| a.sla_pct.total_cmp(&b.sla_pct));
            v.iter().take(3).map(|m| format!("{}/{} {:.1}%", m.provider, m.model, m.sla_pct)).collect()
        };
        out.push(Recommendation::new(
            "sla_breach",
            Severity::Warning,
            format!(
                "{:.1}% of calls got a first token within {:.0} ms (target 95%); lowest: {}.",
                sla.compliant_pct,
                sla.ttft_threshold_ms,
                worst.join(", ")
            ),
        ));
    }
    let scored: Vec<&ModelPerformance> =
        by_model.iter().filter(|m| m.metrics.calls >= 20 && m.efficiency_score > 0.0).collect();
    if let (Some(best), Some(worst)) = (scored.first(), scored.last()) {
        let r = ratio(best.efficiency_score, worst.efficiency_score);
        if r > 3.0 {
            out.push(Recommendation::new(
                "efficiency_gap",
                Severity::Info,
                format!(
                    "{}/{} delivers {r:.0}x the throughput per dollar of {}/{}; consider it where quality allows.",
                    best.provider, best.model, worst.provider, worst.model
                ),
            ));
        }
    }
    if slow_pct > 5.0 {
        out.push(Recommendation::new(
            "slow_calls",
            Severity::Warning,
            format!("{slow_pct:.1}% of calls take 30 s or more; stream responses or cap output length."),
        ));
    }
    let mut failing: Vec<&ModelPerformance> =
        by_model.iter().filter(|m| m.metrics.calls >= 50 && m.error_rate_pct > 3.0).collect();
    if !failing.is_empty() {
        failing.sort_by(|a, b| b.error_rate_pct.total_cmp(&a.error_rate_pct));
        let worst: Vec<String> =
            failing.iter().take(3).map(|m| format!("{}/{} {:.1}%", m.provider, m.model, m.error_rate_pct)).collect();
        out.push(Recommendation::new(
            "model_error_rate",
            Severity::Warning,
            format!(
                "{} model(s) fail more than 3% of calls (worst: {}); add retries with backoff or a fallback model.",
                failing.len(),
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
