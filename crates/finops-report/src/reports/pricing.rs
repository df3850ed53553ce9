//! Pricing Strategy page.
use finops_results::pricing::{ModelResult, Pricing, Segment};

use super::{Layout, bars_of};
use crate::format::{Unit, pct, usd};
use crate::page::{Card, Section, Table};

/// The page's cards and sections.
pub fn layout(v: &Pricing) -> Layout {
    let c = &v.current;
    let best = v.models.iter().max_by(|a, b| a.margin_usd.total_cmp(&b.margin_usd));
    let cards = vec![
        Card::new("Current model", c.model.to_string()),
        Card::new("Revenue", usd(c.revenue_usd)),
        Card::new("Cost", usd(c.cost_usd)),
        Card::new("Margin %", pct(c.margin_pct)),
        Card::new("Best alternative", best.map(|b| b.model.to_string()).unwrap_or_else(|| "–".into()))
            .note(best.map(|b| format!("{} vs flat", usd(b.vs_flat_usd))).unwrap_or_default()),
    ];
    let models_table = |rows: &[ModelResult]| {
        Table::new(rows, 10)
            .text("Model", |m: &ModelResult| m.model.to_string())
            .text("How it charges", |m| m.description.clone())
            .num("Revenue", Unit::Usd, |m| m.revenue_usd)
            .num("Cost", Unit::Usd, |m| m.cost_usd)
            .num("Margin", Unit::Usd, |m| m.margin_usd)
            .num("Margin %", Unit::Pct, |m| m.margin_pct)
            .num("Against flat", Unit::Usd, |m| m.vs_flat_usd)
            .view()
    };
    let sections = vec![
        Section::new("models", "Pricing models replayed on actual usage")
            .chart(bars_of(
                "Margin per pricing model",
                &v.models,
                |m| m.model.to_string(),
                ("margin", &|m| m.margin_usd),
                Unit::Usd,
                ("pricing model", "margin (USD)"),
            ))
            .table(models_table(&v.models)),
        Section::new("current", "Current plans").table(models_table(std::slice::from_ref(c))),
        Section::new("segments", "Usage segments")
            .intro("Customers grouped by AI cost as a share of their plan revenue (pricing.light_max_cost_share and heavy_min_cost_share under Rules applied).")
            .chart(bars_of(
                "Customers by segment",
                &v.segments,
                |s| s.segment.to_string(),
                ("customers", &|s| s.customers as f64),
                Unit::Count,
                ("segment (AI cost / plan revenue)", "customers"),
            ))
            .chart(bars_of(
                "Margin % by segment",
                &v.segments,
                |s| s.segment.to_string(),
                ("margin %", &|s| s.margin_pct),
                Unit::Pct,
                ("segment (AI cost / plan revenue)", "margin %"),
            ))
            .table(
                Table::new(&v.segments, 10)
                    .text("Segment", |s: &Segment| s.segment.to_string())
                    .count("Customers", |s| s.customers)
                    .num("Revenue", Unit::Usd, |s| s.revenue_usd)
                    .num("AI cost", Unit::Usd, |s| s.cost_usd)
                    .num("Margin", Unit::Pct, |s| s.margin_pct)
                    .view(),
            ),
    ];
    (cards, sections)
}
