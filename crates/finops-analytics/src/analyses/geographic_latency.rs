//! Geographic & Latency: load and latency by serving region, region x model latency, each region's
//! busiest UTC hour, and the fastest region per model.
use finops_core::rules;
use finops_results::common::Group;
pub use finops_results::geographic_latency::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{MODEL, group_metrics, hour_of_day_sql, pct, percentiles_of_sorted_runs, ratio, total_metrics};
use crate::engine::{Dataset, Result};

const OK: &str = crate::common::LATENCY_SAMPLE;

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Geographic> {
    let rules = &ds.rules.geographic_latency;
    let overall = total_metrics(ds, OK)?;
    let by_region = regions(ds)?;
    let heatmap: Vec<Group> = group_metrics(ds, &["region", MODEL], OK)?
        .into_iter()
        .filter(|g| g.metrics.calls >= rules.heatmap_min_calls)
        .collect();
    let provider_by_region = group_metrics(ds, &["region", "provider"], "true")?;
    let peak_hours = peak_hours(ds, &by_region)?;
    let routing = routing(ds, rules, &heatmap)?;
    let busiest = by_region.first();
    let quietest = by_region.last();
    let summary = Summary {
        regions: by_region.len() as u64,
        calls: by_region.iter().map(|r| r.calls).sum(),
        p50_latency_ms: overall.p50_latency_ms,
        p95_latency_ms: overall.p95_latency_ms,
        busiest_region: busiest.map(|r| r.region.clone()),
        quietest_region: quietest.map(|r| r.region.clone()),
        balance_pct: match (busiest, quietest) {
            (Some(b), Some(q)) => pct(q.calls as f64, b.calls as f64),
            _ => 0.0,
        },
    };
    let recommendations = recommend(rules, &summary, &by_region, &routing);
    Ok(Geographic {
        summary,
        by_region,
        heatmap,
        provider_by_region,
        peak_hours,
        routing,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::GeographicLatency.as_str()),
    })
}

/// Calls, cost, latency and errors per region, busiest first.
fn regions(ds: &Dataset) -> Result<Vec<RegionRow>> {
    let all = group_metrics(ds, &["region"], "true")?;
    let lat = group_metrics(ds, &["region"], OK)?;
    // Time to first token per region, summed up from the shared cells.
    let cells = crate::common::ttft_cells(ds)?;
    let mut by_region = cells.roll_up(|c| cells.region[c].as_str());
    by_region.retain(|_, g| g.calls() > 0);
    let tr: Vec<&str> = by_region.keys().copied().collect();
    let t50: Vec<f64> = by_region.values().map(|g| percentiles_of_sorted_runs(&g.ttft, [0.5])[0]).collect();
    let total_calls: u64 = all.iter().map(|g| g.metrics.calls).sum();
    let mut by_region: Vec<RegionRow> = all
        .iter()
        .map(|g| {
            let l = lat.iter().find(|x| x.key == g.key).map(|x| x.metrics.clone()).unwrap_or_default();
            RegionRow {
                region: g.key[0].clone(),
                calls: g.metrics.calls,
                pct_calls: pct(g.metrics.calls as f64, total_calls as f64),
                cost_usd: g.metrics.cost_usd,
                p50_latency_ms: l.p50_latency_ms,
                p95_latency_ms: l.p95_latency_ms,
                p99_latency_ms: l.p99_latency_ms,
                ttft_p50_ms: tr.iter().position(|r| *r == g.key[0].as_str()).map_or(0.0, |i| t50[i]),
                error_rate_pct: g.metrics.error_rate_pct,
            }
        })
        .collect();
    by_region.sort_by_key(|r| std::cmp::Reverse(r.calls));
    Ok(by_region)
}

/// Calls per UTC hour of day for each region, with its busiest hour.
fn peak_hours(ds: &Dataset, by_region: &[RegionRow]) -> Result<Vec<PeakHour>> {
    let h =
        ds.sql(&format!("SELECT region, {} AS h, count(*) AS n FROM calls GROUP BY region, h", hour_of_day_sql(ds)))?;
    let (hr, hh, hn) = (h.str("region")?, h.i64("h")?, h.u64("n")?);
    Ok(by_region
        .iter()
        .map(|r| {
            let mut by_hour = vec![0u64; 24];
            for i in 0..h.len() {
                if hr[i] == r.region {
                    by_hour[hh[i].clamp(0, 23) as usize] += hn[i];
                }
            }
            let (busiest, n) =
                by_hour.iter().enumerate().max_by_key(|(_, n)| **n).map(|(h, n)| (h as u32, *n)).unwrap_or((0, 0));
            PeakHour { region: r.region.clone(), busiest_utc_hour: busiest, calls_in_peak_hour: n, by_hour }
        })
        .collect())
}

/// Each model's fastest region (with enough calls there) against its overall p50, biggest gain first.
fn routing(ds: &Dataset, rules: &rules::GeographicLatency, heatmap: &[Group]) -> Result<Vec<Route>> {
    let per_model = group_metrics(ds, &[MODEL], OK)?;
    let mut routing: Vec<Route> = per_model
        .iter()
        .filter_map(|m| {
            let best = heatmap
                .iter()
                .filter(|g| g.key[1] == m.key[0] && g.metrics.calls >= rules.routing_min_calls)
                .min_by(|a, b| a.metrics.p50_latency_ms.total_cmp(&b.metrics.p50_latency_ms))?;
            Some(Route {
                model: m.key[0].clone(),
                fastest_region: best.key[0].clone(),
                fastest_p50_ms: best.metrics.p50_latency_ms,
                overall_p50_ms: m.metrics.p50_latency_ms,
                gain_pct: pct(m.metrics.p50_latency_ms - best.metrics.p50_latency_ms, m.metrics.p50_latency_ms),
            })
        })
        .collect();
    routing.sort_by(|a, b| b.gain_pct.total_cmp(&a.gain_pct));
    Ok(routing)
}

/// The geographic rules.
pub fn recommend(
    r: &rules::GeographicLatency,
    s: &Summary,
    regions: &[RegionRow],
    routing: &[Route],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if regions.len() > 1 && s.balance_pct < r.imbalance_balance_pct {
        out.push(Recommendation::new(
            "region_imbalance",
            Severity::Info,
            format!(
                "{} serves {:.1}x the calls of {}; check capacity and rate limits there.",
                s.busiest_region.clone().unwrap_or_default(),
                ratio(100.0, s.balance_pct),
                s.quietest_region.clone().unwrap_or_default()
            ),
        ));
    }
    for region in regions.iter().filter(|x| {
        s.p95_latency_ms > 0.0
            && x.p95_latency_ms > r.slow_region_ratio * s.p95_latency_ms
            && x.calls >= r.slow_region_min_calls
    }) {
        out.push(Recommendation::new(
            "slow_region",
            Severity::Warning,
            format!(
                "{} has a p95 latency of {:.0} ms, {:.0}% above the overall {:.0} ms.",
                region.region,
                region.p95_latency_ms,
                pct(region.p95_latency_ms - s.p95_latency_ms, s.p95_latency_ms),
                s.p95_latency_ms
            ),
        ));
    }
    if let Some(route) = routing.first().filter(|x| x.gain_pct > r.routing_gain_pct) {
        out.push(Recommendation::new(
            "routing",
            Severity::Info,
            format!(
                "{} answers {:.0}% faster from {} (p50 {:.0} ms vs {:.0} ms overall).",
                route.model, route.gain_pct, route.fastest_region, route.fastest_p50_ms, route.overall_p50_ms
            ),
        ));
    }
    if out.is_empty() && s.calls > 0 {
        out.push(Recommendation::new("regions_ok", Severity::Success, "Regions are balanced with similar latency."));
    }
    out
}
