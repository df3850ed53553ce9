//! Dataset Overview page.
use finops_results::dataset_overview::{
    BadRow, DatasetOverview, EmitterCount, FileReport, PricingCount, Share, SpanReadout, StatusCount,
};

use super::{Layout, daily_chart, metrics_facts, top};
use crate::format::{Unit, compact, fixed, int, ms, pct, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Series};

/// The page's cards and sections.
pub fn layout(v: &DatasetOverview) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Calls", int(s.calls as f64)),
        Card::new("Total cost", usd(s.cost_usd)),
        Card::new("Tokens", compact(s.total_tokens as f64)),
        Card::new("Avg cost / call", usd(s.avg_cost_per_call)),
        Card::new("Avg tokens / call", int(s.avg_tokens_per_call)),
        Card::new("p50 latency", ms(s.p50_latency_ms)).note("successful standard-tier calls"),
        Card::new("Success rate", pct(v.quality.success_pct)),
        Card::new("Period", v.temporal.description.clone()),
    ];
    let t = &v.temporal;
    let dates: Vec<String> = t.daily.iter().map(|d| d.date.clone()).collect();
    let temporal = Section::new("temporal", "Period and daily volume")
        .intro(format!(
            "From {} to {} ({} hours).",
            t.start.as_deref().unwrap_or("–"),
            t.end.as_deref().unwrap_or("–"),
            fixed(t.duration_hours, 1)
        ))
        .chart(daily_chart(
            "Calls per day",
            dates.clone(),
            vec![Series::new("calls", t.daily.iter().map(|d| d.calls as f64).collect())],
            Unit::Count,
            "calls",
        ))
        .chart(daily_chart(
            "Cost per day",
            dates,
            vec![Series::new("cost", t.daily.iter().map(|d| d.cost_usd).collect())],
            Unit::Usd,
            "cost (USD)",
        ))
        .table(
            Table::new(&t.daily, 60)
                .text("Date", |d| d.date.clone())
                .count("Calls", |d| d.calls)
                .num("Cost", Unit::Usd, |d| d.cost_usd)
                .view(),
        );
    let mut dist = Section::new("distributions", "Distributions");
    for d in &v.distributions {
        let name = &d.dimension;
        let labels: Vec<String> = d.values.iter().map(|x| x.value.clone()).collect();
        let calls: Vec<f64> = d.values.iter().map(|x| x.calls as f64).collect();
        let chart = if d.values.len() > 8 {
            let t = top(&d.values, 15);
            svg::hbars(
                &format!("Calls by {name} (top {})", t.len()),
                &t.iter().map(|x| x.value.clone()).collect::<Vec<_>>(),
                &[Series::new("calls", t.iter().map(|x| x.calls as f64).collect())],
                Unit::Count,
                "calls",
            )
        } else if name == "provider" {
            svg::bars("Calls by provider", &labels, &[Series::new("calls", calls)], Unit::Count, "provider", "calls")
        } else {
            svg::donut(&format!("Calls by {name}"), &labels.into_iter().zip(calls).collect::<Vec<_>>(), Unit::Count)
        };
        dist = dist.chart(chart).table(
            Table::new(&d.values, 15)
                .text(name, |x: &Share| x.value.clone())
                .count("Calls", |x| x.calls)
                .num("Share of calls", Unit::Pct, |x| x.pct_calls)
                .num("Cost", Unit::Usd, |x| x.cost_usd)
                .num("Share of cost", Unit::Pct, |x| x.pct_cost)
                .num("Avg latency", Unit::Ms, |x| x.avg_latency_ms)
                .view(),
        );
    }
    let q = &v.quality;
    let quality = Section::new("quality", "Data quality")
        .facts(vec![
            fact("Successful calls", int(q.success as f64)),
            fact("Failed calls", int(q.errors as f64)),
            fact("Success rate", pct(q.success_pct)),
            fact("Bad rows skipped", int(q.bad_rows_skipped as f64)),
        ])
        .table(
            Table::new(&q.by_status, 20)
                .text("Status", |x: &StatusCount| x.status.clone())
                .text("Error type", |x| x.error_type.clone())
                .count("Calls", |x| x.calls)
                .num("Share", Unit::Pct, |x| x.pct)
                .view(),
        );
    let l = &v.load;
    let mut load = Section::new("load", "Files read")
        .facts(vec![
            fact("Files", int(l.files.len() as f64)),
            fact("Rows", int(l.rows as f64)),
            fact("Size", finops_core::units::format_size(l.bytes)),
            fact("Bad rows", int(l.bad_rows as f64)),
        ])
        .table(
            Table::new(&l.files, 50)
                .text("Path", |f: &FileReport| f.path.clone())
                .text("Format", |f| f.format.clone())
                .num("Size", Unit::Count, |f| f.bytes as f64)
                .count("Rows", |f| f.rows)
                .count("Bad rows", |f| f.bad_rows)
                .text("Defaulted columns", |f| f.defaulted_columns.join(", "))
                .view(),
        );
    if !l.bad_row_examples.is_empty() {
        load = load.table(
            Table::new(&l.bad_row_examples, 20)
                .text("File", |b: &BadRow| b.file.clone())
                .count("Line", |b| b.line)
                .text("Column", |b| b.column.clone())
                .text("Value", |b| b.value.clone())
                .text("Why", |b| b.reason.clone())
                .view(),
        );
    }
    if let Some(sp) = spans_of(&l.files) {
        let sp = &sp;
        load = load
            .facts(vec![
                fact("Spans read", int(sp.spans as f64)),
                fact("GenAI calls", int(sp.calls as f64)),
                fact("Application spans skipped", int(sp.other_spans as f64)),
                fact("Agent and tool spans skipped", int(sp.agent_or_tool_spans as f64)),
                fact("GenAI spans that are not client spans", int(sp.genai_not_client as f64)),
                fact("Duplicate spans of one call", int(sp.duplicates as f64)),
            ])
            .table(
                Table::new(&sp.emitters, 50)
                    .text("Instrumentation scope", |e: &EmitterCount| format!("{} {}", e.scope, e.version))
                    .text("Read as", |e| e.emitter.clone())
                    .text("Input tokens count", |e| e.input_tokens.clone())
                    .count("Calls", |e| e.calls)
                    .view(),
            )
            .table(
                Table::new(&sp.pricing, 100)
                    .text("Provider", |p: &PricingCount| p.provider.clone())
                    .text("Model reported", |p| p.reported_model.clone())
                    .text("Recorded as", |p| p.model.clone())
                    .text("Priced by", |p| p.source.clone())
                    .count("Calls", |p| p.calls)
                    .view(),
            );
    }
    let sc = &v.scale;
    let scale = Section::new("scale", "Scale").facts(vec![
        fact("Customers", int(sc.customers as f64)),
        fact("Organizations", int(sc.organizations as f64)),
        fact("Products", int(sc.products as f64)),
        fact("Features", int(sc.features as f64)),
        fact("Providers", int(sc.providers as f64)),
        fact("Models", int(sc.models as f64)),
    ]);
    let summary = Section::new("summary", "All summary figures").facts(metrics_facts(s));
    (cards, vec![temporal, scale, dist, quality, load, summary])
}

/// The span readouts of every OpenTelemetry file, summed (`None` without such files).
fn spans_of(files: &[FileReport]) -> Option<SpanReadout> {
    let mut all: Option<SpanReadout> = None;
    for sp in files.iter().filter_map(|f| f.spans.as_ref()) {
        let a = all.get_or_insert_with(SpanReadout::default);
        a.spans += sp.spans;
        a.calls += sp.calls;
        a.other_spans += sp.other_spans;
        a.genai_not_client += sp.genai_not_client;
        a.agent_or_tool_spans += sp.agent_or_tool_spans;
        a.duplicates += sp.duplicates;
        for e in &sp.emitters {
            match a.emitters.iter_mut().find(|x| (&x.scope, &x.version) == (&e.scope, &e.version)) {
                Some(x) => x.calls += e.calls,
                None => a.emitters.push(e.clone()),
            }
        }
        for p in &sp.pricing {
            let same = |x: &&mut PricingCount| {
                (&x.provider, &x.reported_model, &x.model, &x.source)
                    == (&p.provider, &p.reported_model, &p.model, &p.source)
            };
            match a.pricing.iter_mut().find(same) {
                Some(x) => x.calls += p.calls,
                None => a.pricing.push(p.clone()),
            }
        }
    }
    all
}
