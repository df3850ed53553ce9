//! The layout of each report, one module per analysis: headline cards, then sections with charts,
//! tables and facts, all read from the analysis's typed result. A section's key is the result field it
//! shows (its anchor on the page).
use finops_results::common::{Group, Metrics};
use finops_results::{AnalysisResult, AppliedRule};

use crate::format::{Unit, compact, int, ms, pct, usd};
use crate::page::{Card, Section, Table, TableView, fact};
use crate::svg::{self, Series};

mod abuse_detection;
mod alignment;
mod churn_growth;
mod dataset_overview;
mod features;
mod geographic_latency;
mod optimization;
mod performance;
mod pricing;
mod profitability;
mod realtime;
mod token_economics;
mod understanding;

/// A report's cards and sections.
pub type Layout = (Vec<Card>, Vec<Section>);

/// Cards and sections of one result.
pub fn layout(result: &AnalysisResult) -> Layout {
    match result {
        AnalysisResult::DatasetOverview(r) => dataset_overview::layout(r),
        AnalysisResult::Understanding(r) => understanding::layout(r),
        AnalysisResult::Performance(r) => performance::layout(r),
        AnalysisResult::Realtime(r) => realtime::layout(r),
        AnalysisResult::Optimization(r) => optimization::layout(r),
        AnalysisResult::Alignment(r) => alignment::layout(r),
        AnalysisResult::Profitability(r) => profitability::layout(r),
        AnalysisResult::Pricing(r) => pricing::layout(r),
        AnalysisResult::Features(r) => features::layout(r),
        AnalysisResult::TokenEconomics(r) => token_economics::layout(r),
        AnalysisResult::GeographicLatency(r) => geographic_latency::layout(r),
        AnalysisResult::ChurnGrowth(r) => churn_growth::layout(r),
        AnalysisResult::AbuseDetection(r) => abuse_detection::layout(r),
    }
}

/// The values of the rules the analysis used, with why (and where a value came from when a rules
/// file changed it).
pub fn rules_section(rules: &[AppliedRule]) -> Section {
    let overridden = rules.iter().any(|r| r.source != finops_core::rules::BUILTIN_SOURCE);
    let mut table = Table::new(rules, rules.len())
        .text("Rule", |r| r.name.clone())
        .text("Value", |r| if r.unit == "%" { format!("{}%", r.value) } else { format!("{} {}", r.value, r.unit) });
    if overridden {
        table = table.text("Set by", |r| r.source.clone());
    }
    Section::new("rules_applied", "Rules applied")
        .intro("The thresholds behind this page's findings: \"finops rules\" lists them all, \"--rules FILE\" changes them.")
        .table(table.text("Why", |r| r.why.clone()).view())
}

/// `2026-09-01T05:00:00Z` -> `09-01 05:00`, for hourly axes.
fn short_hour(label: &str) -> String {
    match (label.get(5..10), label.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => label.to_string(),
    }
}

/// The first `n` items.
fn top<T>(items: &[T], n: usize) -> &[T] {
    &items[..items.len().min(n)]
}

/// A horizontal bar chart of one value per row: `series` is the value's name and how to read it.
fn hbars_of<T>(
    title: &str,
    rows: &[T],
    label: impl Fn(&T) -> String,
    series: (&str, &dyn Fn(&T) -> f64),
    unit: Unit,
    axis: &str,
) -> String {
    let labels: Vec<String> = rows.iter().map(label).collect();
    svg::hbars(title, &labels, &[Series::new(series.0, rows.iter().map(series.1).collect())], unit, axis)
}

/// A vertical bar chart of one value per row (see [`hbars_of`]).
fn bars_of<T>(
    title: &str,
    rows: &[T],
    label: impl Fn(&T) -> String,
    series: (&str, &dyn Fn(&T) -> f64),
    unit: Unit,
    axes: (&str, &str),
) -> String {
    let labels: Vec<String> = rows.iter().map(label).collect();
    svg::bars(title, &labels, &[Series::new(series.0, rows.iter().map(series.1).collect())], unit, axes.0, axes.1)
}

/// A daily line chart.
fn daily_chart(title: &str, dates: Vec<String>, series: Vec<Series>, unit: Unit, y: &str) -> String {
    svg::line(title, &dates, &series, unit, "day (UTC)", y)
}

/// The usual columns of a breakdown (calls, cost, tokens, cost per call and per 1K tokens, errors,
/// latency), after the key under `key_header`.
fn groups_table(groups: &[Group], limit: usize, key_header: &str) -> TableView {
    Table::new(groups, limit)
        .text(key_header, Group::label)
        .count("Calls", |g| g.metrics.calls)
        .num("Cost", Unit::Usd, |g| g.metrics.cost_usd)
        .count("Tokens", |g| g.metrics.total_tokens)
        .num("Cost per call", Unit::Usd, |g| g.metrics.avg_cost_per_call)
        .num("Cost per 1K tokens", Unit::Usd, |g| g.metrics.cost_per_1k_tokens)
        .num("Error rate", Unit::Pct, |g| g.metrics.error_rate_pct)
        .num("p50 latency", Unit::Ms, |g| g.metrics.p50_latency_ms)
        .num("p95 latency", Unit::Ms, |g| g.metrics.p95_latency_ms)
        .view()
}

/// Every figure of a [`Metrics`] as facts.
fn metrics_facts(m: &Metrics) -> Vec<(String, String)> {
    vec![
        fact("Calls", int(m.calls as f64)),
        fact("Cost", usd(m.cost_usd)),
        fact("Input tokens", int(m.input_tokens as f64)),
        fact("Output tokens", int(m.output_tokens as f64)),
        fact("Total tokens", int(m.total_tokens as f64)),
        fact("Cached input tokens", int(m.cached_input_tokens as f64)),
        fact("Failed calls", int(m.errors as f64)),
        fact("Error rate", pct(m.error_rate_pct)),
        fact("Average cost per call", usd(m.avg_cost_per_call)),
        fact("Average tokens per call", compact(m.avg_tokens_per_call)),
        fact("Cost per 1K tokens", usd(m.cost_per_1k_tokens)),
        fact("Average latency", ms(m.avg_latency_ms)),
        fact("p50 latency", ms(m.p50_latency_ms)),
        fact("p95 latency", ms(m.p95_latency_ms)),
        fact("p99 latency", ms(m.p99_latency_ms)),
    ]
}

/// `a: 1, b: 2` for a short list of labelled counts.
fn labelled<L: std::fmt::Display>(items: &[(L, u64)]) -> String {
    items.iter().map(|(l, n)| format!("{l}: {}", int(*n as f64))).collect::<Vec<_>>().join(", ")
}
