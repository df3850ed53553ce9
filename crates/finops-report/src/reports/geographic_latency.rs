//! Geographic & Latency page.
use finops_results::common::Group;
use finops_results::geographic_latency::{Geographic, PeakHour, RegionRow, Route};

use super::{Layout, bars_of};
use crate::format::{Unit, int, ms, pct};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Series};

/// Models shown as heat map columns.
const HEATMAP_MODELS: usize = 12;

/// The page's cards and sections.
pub fn layout(v: &Geographic) -> Layout {
    let s = &v.summary;
    let name = |o: &Option<String>| o.clone().unwrap_or_else(|| "–".into());
    let cards = vec![
        Card::new("Regions", int(s.regions as f64)),
        Card::new("p50 latency", ms(s.p50_latency_ms)),
        Card::new("p95 latency", ms(s.p95_latency_ms)),
        Card::new("Load balance", pct(s.balance_pct)).note(format!(
            "busiest {}, quietest {}",
            name(&s.busiest_region),
            name(&s.quietest_region)
        )),
    ];
    let regions = &v.by_region;
    let region_names: Vec<String> = regions.iter().map(|r| r.region.clone()).collect();
    // Heat map columns: the models with most calls across regions (keys are region, provider/model).
    let mut model_calls: Vec<(&str, u64)> = Vec::new();
    for h in &v.heatmap {
        let m = h.key[1].as_str();
        match model_calls.iter_mut().find(|x| x.0 == m) {
            Some(x) => x.1 += h.metrics.calls,
            None => model_calls.push((m, h.metrics.calls)),
        }
    }
    model_calls.sort_by_key(|m| std::cmp::Reverse(m.1));
    model_calls.truncate(HEATMAP_MODELS);
    let cols: Vec<String> = model_calls.iter().map(|m| m.0.to_string()).collect();
    let values: Vec<Vec<Option<f64>>> = region_names
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| v.heatmap.iter().find(|h| h.key[0] == *r && h.key[1] == *c).map(|h| h.metrics.p50_latency_ms))
                .collect()
        })
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let peak_series: Vec<Series> = v
        .peak_hours
        .iter()
        .map(|p| Series::new(p.region.clone(), p.by_hour.iter().map(|n| *n as f64).collect()))
        .collect();
    let sections = vec![
        Section::new("by_region", "Regions")
            .chart(bars_of(
                "Calls per region",
                regions,
                |r| r.region.clone(),
                ("calls", &|r| r.calls as f64),
                Unit::Count,
                ("region", "calls"),
            ))
            .chart(svg::bars(
                "Latency per region",
                &region_names,
                &[
                    Series::new("p50", regions.iter().map(|r| r.p50_latency_ms).collect()),
                    Series::new("p95", regions.iter().map(|r| r.p95_latency_ms).collect()),
                ],
                Unit::Ms,
                "region",
                "latency",
            ))
            .table(
                Table::new(regions, 20)
                    .text("Region", |r: &RegionRow| r.region.clone())
                    .count("Calls", |r| r.calls)
                    .num("Share of calls", Unit::Pct, |r| r.pct_calls)
                    .num("Cost", Unit::Usd, |r| r.cost_usd)
                    .num("p50 latency", Unit::Ms, |r| r.p50_latency_ms)
                    .num("p95 latency", Unit::Ms, |r| r.p95_latency_ms)
                    .num("p99 latency", Unit::Ms, |r| r.p99_latency_ms)
                    .num("TTFT p50", Unit::Ms, |r| r.ttft_p50_ms)
                    .num("Error rate", Unit::Pct, |r| r.error_rate_pct)
                    .view(),
            ),
        Section::new("heatmap", "Region x model latency")
            .chart(svg::heatmap(
                &format!("p50 latency by region and model ({HEATMAP_MODELS} busiest models)"),
                &region_names,
                &cols,
                &values,
                Unit::Ms,
            ))
            .table(
                Table::new(&v.heatmap, 25)
                    .text("Region", |g: &Group| g.key[0].clone())
                    .text("Model", |g| g.key[1].clone())
                    .count("Calls", |g| g.metrics.calls)
                    .num("p50 latency", Unit::Ms, |g| g.metrics.p50_latency_ms)
                    .num("p95 latency", Unit::Ms, |g| g.metrics.p95_latency_ms)
                    .num("Cost per call", Unit::Usd, |g| g.metrics.avg_cost_per_call)
                    .view(),
            ),
        Section::new("peak_hours", "Busiest hours")
            .chart(svg::line(
                "Calls by UTC hour of day, per region",
                &hours,
                &peak_series,
                Unit::Count,
                "hour of day (UTC)",
                "calls",
            ))
            .table(
                Table::new(&v.peak_hours, 20)
                    .text("Region", |p: &PeakHour| p.region.clone())
                    .text("Busiest UTC hour", |p| format!("{:02}:00", p.busiest_utc_hour))
                    .count("Calls in that hour", |p| p.calls_in_peak_hour)
                    .view(),
            ),
        Section::new("routing", "Fastest region per model")
            .table(
                Table::new(&v.routing, 25)
                    .text("Model", |r: &Route| r.model.clone())
                    .text("Fastest region", |r| r.fastest_region.clone())
                    .num("Its p50", Unit::Ms, |r| r.fastest_p50_ms)
                    .num("Overall p50", Unit::Ms, |r| r.overall_p50_ms)
                    .num("Gain", Unit::Pct, |r| r.gain_pct)
                    .view(),
            )
            .empty_note(v.routing.is_empty()),
        Section::new("provider_by_region", "Provider by region").table(
            Table::new(&v.provider_by_region, 30)
                .text("Region", |g: &Group| g.key[0].clone())
                .text("Provider", |g| g.key[1].clone())
                .count("Calls", |g| g.metrics.calls)
                .num("Cost", Unit::Usd, |g| g.metrics.cost_usd)
                .num("p50 latency", Unit::Ms, |g| g.metrics.p50_latency_ms)
                .num("Error rate", Unit::Pct, |g| g.metrics.error_rate_pct)
                .view(),
        ),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Regions", int(s.regions as f64)),
            fact("Calls", int(s.calls as f64)),
            fact("p50 latency", ms(s.p50_latency_ms)),
            fact("p95 latency", ms(s.p95_latency_ms)),
            fact("Busiest region", name(&s.busiest_region)),
            fact("Quietest region", name(&s.quietest_region)),
            fact("Quietest / busiest calls", pct(s.balance_pct)),
        ]),
    ];
    (cards, sections)
}
