//! Token Economics page.
use finops_results::token_economics::{Pattern, TokenEconomics, TokenRow};

use super::{Layout, hbars_of, top};
use crate::format::{Unit, compact, fixed, int, pct, usd};
use crate::page::{Card, Section, Table, TableView, fact};
use crate::svg::{self, Series};

fn token_table(rows: &[TokenRow], limit: usize, key_header: &str) -> TableView {
    Table::new(rows, limit)
        .text(key_header, |r| r.key.clone())
        .count("Calls", |r| r.calls)
        .count("Input tokens", |r| r.input_tokens)
        .count("Output tokens", |r| r.output_tokens)
        .num("Cached input", Unit::Pct, |r| r.cached_pct)
        .num("Reasoning share of output", Unit::Pct, |r| r.reasoning_pct)
        .num("Input / output", Unit::Plain, |r| r.io_ratio)
        .num("Cost", Unit::Usd, |r| r.cost_usd)
        .num("Cost per 1K tokens", Unit::Usd, |r| r.cost_per_1k_tokens)
        .num("Cost per call", Unit::Usd, |r| r.cost_per_call)
        .num("Efficiency score", Unit::Plain, |r| r.efficiency_score)
        .view()
}

/// The page's cards and sections.
pub fn layout(v: &TokenEconomics) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Input tokens", compact(s.input_tokens as f64)),
        Card::new("Output tokens", compact(s.output_tokens as f64)),
        Card::new("Cached input", pct(s.cache_hit_pct)),
        Card::new("Reasoning share of output", pct(s.reasoning_share_of_output_pct)),
        Card::new("Cost per 1K tokens", usd(s.cost_per_1k_tokens)),
        Card::new("Input / output", fixed(s.input_output_ratio, 2)),
    ];
    let feats = &v.by_feature;
    let cached: Vec<f64> = feats.iter().map(|f| f.input_tokens as f64 * f.cached_pct / 100.0).collect();
    let fresh: Vec<f64> = feats.iter().zip(&cached).map(|(f, c)| f.input_tokens as f64 - c).collect();
    let feature_names: Vec<String> = feats.iter().map(|f| f.key.clone()).collect();
    let io = &v.io_ratio;
    let sections = vec![
        Section::new("by_model", "Per model")
            .chart(hbars_of(
                "Cost per 1K tokens, top 12 models by cost",
                top(&v.by_model, 12),
                |r| r.key.clone(),
                ("cost per 1K", &|r| r.cost_per_1k_tokens),
                Unit::Usd,
                "USD per 1K tokens",
            ))
            .table(token_table(&v.by_model, 25, "Model")),
        Section::new("by_feature", "Per feature")
            .chart(svg::stacked(
                "Tokens by feature",
                &feature_names,
                &[
                    Series::new("uncached input", fresh),
                    Series::new("cached input", cached),
                    Series::new("output", feats.iter().map(|f| f.output_tokens as f64).collect()),
                ],
                Unit::Count,
                "feature",
                "tokens",
            ))
            .chart(svg::donut(
                "Cost by feature",
                &feats.iter().map(|f| (f.key.clone(), f.cost_usd)).collect::<Vec<_>>(),
                Unit::Usd,
            ))
            .table(token_table(feats, 20, "Feature")),
        Section::new("by_archetype", "Per customer archetype").table(token_table(&v.by_archetype, 10, "Archetype")),
        Section::new("efficiency_ranking", "Token efficiency ranking")
            .intro("Score 0-100: a weighted mix of price (100 minus the dollars per million tokens) and input/output balance (100 minus a penalty per unit away from 1); models with enough calls. The weights and floors are under Rules applied.")
            .chart(hbars_of(
                "Efficiency score, best 12 models",
                top(&v.efficiency_ranking, 12),
                |r| r.key.clone(),
                ("score", &|r| r.efficiency_score),
                Unit::Plain,
                "score (0-100)",
            ))
            .table(
                Table::new(&v.efficiency_ranking, 50)
                    .text("Model", |r: &TokenRow| r.key.clone())
                    .num("Efficiency score", Unit::Plain, |r| r.efficiency_score)
                    .num("Cost per 1K tokens", Unit::Usd, |r| r.cost_per_1k_tokens)
                    .num("Input / output", Unit::Plain, |r| r.io_ratio)
                    .count("Calls", |r| r.calls)
                    .num("Cost", Unit::Usd, |r| r.cost_usd)
                    .view(),
            ),
        Section::new("io_ratio", "Input/output balance")
            .chart(svg::donut(
                "Calls by input/output balance",
                &[
                    ("input-heavy".into(), io.input_heavy as f64),
                    ("balanced".into(), io.balanced as f64),
                    ("output-heavy".into(), io.output_heavy as f64),
                ],
                Unit::Count,
            ))
            .facts(vec![
                fact("25th percentile", fixed(io.p25, 2)),
                fact("Median", fixed(io.median, 2)),
                fact("75th percentile", fixed(io.p75, 2)),
                fact("Balanced calls", int(io.balanced as f64)),
                fact("Input-heavy calls", int(io.input_heavy as f64)),
                fact("Output-heavy calls", int(io.output_heavy as f64)),
            ]),
        Section::new("wasteful_patterns", "Wasteful patterns").table(
            Table::new(&v.wasteful_patterns, 10)
                .text("Pattern", |p: &Pattern| p.pattern.to_string())
                .text("Rule", |p| p.rule.clone())
                .count("Calls", |p| p.calls)
                .num("Cost", Unit::Usd, |p| p.cost_usd)
                .view(),
        ),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Input tokens", int(s.input_tokens as f64)),
            fact("Output tokens", int(s.output_tokens as f64)),
            fact("Cached input tokens", int(s.cached_input_tokens as f64)),
            fact("Reasoning tokens", int(s.reasoning_tokens as f64)),
            fact("Cached share of input", pct(s.cache_hit_pct)),
            fact("Reasoning share of output", pct(s.reasoning_share_of_output_pct)),
            fact("Input / output", fixed(s.input_output_ratio, 2)),
            fact("Cost", usd(s.cost_usd)),
            fact("Cost per 1K tokens", usd(s.cost_per_1k_tokens)),
            fact("Input tokens per call", compact(s.avg_input_per_call)),
            fact("Output tokens per call", compact(s.avg_output_per_call)),
        ]),
    ];
    (cards, sections)
}
