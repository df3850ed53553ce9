//! Performance Tracking page.
use finops_results::performance::{Bucket, HourPoint, ModelPerformance, Performance, TaskChoice};

use super::{Layout, bars_of, metrics_facts, short_hour};
use crate::format::{Unit, fixed, int, ms, pct};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Point, Series};

/// The page's cards and sections.
pub fn layout(v: &Performance) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Successful standard calls", int(s.latency.calls as f64)),
        Card::new("p50 latency", ms(s.latency.p50_latency_ms)),
        Card::new("p95 latency", ms(s.latency.p95_latency_ms)),
        Card::new("p99 latency", ms(s.latency.p99_latency_ms)),
        Card::new("Time to first token p50", ms(s.ttft_p50_ms)),
        Card::new("Throughput", format!("{} tokens/s", fixed(s.throughput_tokens_per_s, 0))),
        Card::new("SLA compliance", pct(v.sla.compliant_pct))
            .note(format!("first token within {}", ms(v.sla.ttft_threshold_ms))),
    ];
    let name = |m: &ModelPerformance| format!("{}/{}", m.provider, m.model);
    let mut busiest: Vec<&ModelPerformance> = v.by_model.iter().collect();
    busiest.sort_by_key(|m| std::cmp::Reverse(m.metrics.calls));
    busiest.truncate(12);
    let points: Vec<Point> = v
        .by_model
        .iter()
        .filter(|m| m.ranked)
        .map(|m| Point { label: name(m), x: m.metrics.cost_per_1k_tokens, y: m.metrics.p50_latency_ms, group: 0 })
        .collect();
    let sections = vec![
        Section::new("by_model", "Latency by model")
            .chart(svg::hbars(
                "p50 and p95 latency, busiest models",
                &busiest.iter().map(|m| name(m)).collect::<Vec<_>>(),
                &[
                    Series::new("p50", busiest.iter().map(|m| m.metrics.p50_latency_ms).collect()),
                    Series::new("p95", busiest.iter().map(|m| m.metrics.p95_latency_ms).collect()),
                ],
                Unit::Ms,
                "latency",
            ))
            .chart(svg::scatter(
                "Cost against speed (one point per model)",
                &points,
                &["model"],
                (Unit::Usd, "cost per 1K tokens (USD)"),
                (Unit::Ms, "p50 latency"),
            ))
            .table(
                Table::new(&v.by_model, 50)
                    .text("Provider", |m: &ModelPerformance| m.provider.clone())
                    .text("Model", |m| m.model.clone())
                    .count("Calls", |m| m.metrics.calls)
                    .num("p50 latency", Unit::Ms, |m| m.metrics.p50_latency_ms)
                    .num("p95 latency", Unit::Ms, |m| m.metrics.p95_latency_ms)
                    .num("p99 latency", Unit::Ms, |m| m.metrics.p99_latency_ms)
                    .num("TTFT p50", Unit::Ms, |m| m.ttft_p50_ms)
                    .num("Tokens/s", Unit::Plain, |m| m.throughput_tokens_per_s)
                    .num("SLA", Unit::Pct, |m| m.sla_pct)
                    .num("Error rate (all calls)", Unit::Pct, |m| m.error_rate_all_pct)
                    .num("Cost per 1K tokens", Unit::Usd, |m| m.metrics.cost_per_1k_tokens)
                    .num("Tokens/s per $/1K", Unit::Plain, |m| m.efficiency_score)
                    .view(),
            ),
        Section::new("hourly", "Latency over time")
            .chart(svg::line(
                "Hourly p50 and p95 latency",
                &v.hourly.iter().map(|h| short_hour(&h.hour)).collect::<Vec<_>>(),
                &[
                    Series::new("p50", v.hourly.iter().map(|h| h.p50_ms).collect()),
                    Series::new("p95", v.hourly.iter().map(|h| h.p95_ms).collect()),
                ],
                Unit::Ms,
                "hour (UTC)",
                "latency",
            ))
            .table(
                Table::new(&v.hourly, 24)
                    .text("Hour", |h: &HourPoint| h.hour.clone())
                    .count("Calls", |h| h.calls)
                    .num("p50", Unit::Ms, |h| h.p50_ms)
                    .num("p95", Unit::Ms, |h| h.p95_ms)
                    .view(),
            ),
        Section::new("latency_buckets", "Latency distribution")
            .chart(bars_of(
                "Calls by latency band",
                &v.latency_buckets,
                |b| b.label.clone(),
                ("calls", &|b| b.calls as f64),
                Unit::Count,
                ("latency band", "calls"),
            ))
            .table(
                Table::new(&v.latency_buckets, 10)
                    .text("Band", |b: &Bucket| b.label.clone())
                    .count("Calls", |b| b.calls)
                    .num("Share", Unit::Pct, |b| b.pct)
                    .view(),
            ),
        Section::new("sla", "SLA").facts(vec![
            fact("First token within", ms(v.sla.ttft_threshold_ms)),
            fact("Compliant", pct(v.sla.compliant_pct)),
            fact("Calls with a first-token time", int(v.sla.calls as f64)),
        ]),
        Section::new("by_task", "Best model per task").table(
            Table::new(&v.by_task, 20)
                .text("Feature", |t: &TaskChoice| t.feature.clone())
                .text("Fastest", |t| t.fastest.clone().unwrap_or_else(|| "–".into()))
                .num("Its p50", Unit::Ms, |t| t.fastest_p50_ms)
                .text("Cheapest", |t| t.cheapest.clone().unwrap_or_else(|| "–".into()))
                .num("Its cost per call", Unit::Usd, |t| t.cheapest_cost_per_call)
                .view(),
        ),
        Section::new("rankings", "Rankings").facts(vec![
            fact("Fastest (p50)", v.rankings.fastest.join(", ")),
            fact("Cheapest per 1K tokens", v.rankings.cheapest_per_1k.join(", ")),
            fact("Best throughput per dollar", v.rankings.best_score.join(", ")),
        ]),
        Section::new("summary", "All summary figures").facts(
            metrics_facts(&s.latency)
                .into_iter()
                .chain([
                    fact("Time to first token p50", ms(s.ttft_p50_ms)),
                    fact("Time to first token p95", ms(s.ttft_p95_ms)),
                    fact("Throughput", format!("{} tokens/s", fixed(s.throughput_tokens_per_s, 0))),
                ])
                .collect(),
        ),
    ];
    (cards, sections)
}
