//! Token Economics: where tokens go (input, cached, output, reasoning), input/output balance, and
//! wasteful call patterns.
use finops_core::units::thousands;
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{Usd, pct, percentiles_of, ratio};
use crate::engine::{Dataset, Result};

#[derive(Debug, Clone, Serialize)]
pub struct TokenEconomics {
    pub summary: Summary,
    pub by_model: Vec<TokenRow>,
    pub by_feature: Vec<TokenRow>,
    pub by_archetype: Vec<TokenRow>,
    pub io_ratio: IoRatio,
    /// Models with at least [`RANKING_MIN_CALLS`] calls, best efficiency score first.
    pub efficiency_ranking: Vec<TokenRow>,
    pub wasteful_patterns: Vec<Pattern>,
    pub recommendations: Vec<Recommendation>,
}

/// Calls a model needs before it is ranked.
pub const RANKING_MIN_CALLS: u64 = 30;

/// The seed's token efficiency score, 0-100: 70% price (100 minus the cost per million tokens in
/// dollars, floored at 0) and 30% balance (100 minus 10 per unit the input/output ratio is away from 1).
pub fn efficiency_score(cost_per_1k_tokens: f64, io_ratio: f64) -> f64 {
    0.7 * (100.0 - cost_per_1k_tokens * 1000.0).max(0.0) + 0.3 * (100.0 - 10.0 * (io_ratio - 1.0).abs()).max(0.0)
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_input_tokens: u64,
    pub reasoning_tokens: u64,
    pub cache_hit_pct: f64,
    pub reasoning_share_of_output_pct: f64,
    pub input_output_ratio: f64,
    pub cost_usd: f64,
    pub cost_per_1k_tokens: f64,
    pub avg_input_per_call: f64,
    pub avg_output_per_call: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub key: String,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_pct: f64,
    pub reasoning_pct: f64,
    pub io_ratio: f64,
    pub cost_usd: f64,
    pub cost_per_1k_tokens: f64,
    pub cost_per_call: f64,
    /// [`efficiency_score`] of this row.
    pub efficiency_score: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct IoRatio {
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    /// Input/output between 0.5 and 2.
    pub balanced: u64,
    pub input_heavy: u64,
    pub output_heavy: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pattern {
    pub pattern: &'static str,
    pub rule: &'static str,
    pub calls: u64,
    pub cost_usd: f64,
}

/// The seed's wasteful-call rules, as SQL predicates over successful calls.
pub const PATTERNS: [(&str, &str, &str); 3] = [
    (
        "excessive_input",
        "input > 5x output and input > 500 tokens",
        "input_tokens > 5 * output_tokens AND input_tokens > 500",
    ),
    (
        "expensive_simple_task",
        "chat or translate call costing over $0.05",
        "feature_id IN ('chat', 'translate') AND cost_usd > 0.05",
    ),
    (
        "low_output_high_tokens",
        "over 2,000 tokens with under 100 output tokens",
        "total_tokens > 2000 AND output_tokens < 100",
    ),
];

fn rows(ds: &Dataset, key: &str) -> Result<Vec<TokenRow>> {
    let (select, group_by) = crate::common::key_columns(key, "k");
    let t = ds.sql(&format!(
        "SELECT {select}, count(*) AS n, sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cached_input_tokens) AS ci, \
         sum(reasoning_tokens) AS r, sum(cost_usd) AS c FROM calls GROUP BY {group_by}"
    ))?;
    let (k, n, i, o, ci, r, c) = (
        crate::common::read_key(&t, key, "k")?,
        t.u64("n")?,
        t.u64("i")?,
        t.u64("o")?,
        t.u64("ci")?,
        t.u64("r")?,
        t.f64("c")?,
    );
    let mut order: Vec<usize> = (0..t.len()).collect();
    order.sort_by(|&a, &b| c[b].total_cmp(&c[a]).then_with(|| k[a].cmp(&k[b])));
    Ok(order
        .into_iter()
        .map(|x| TokenRow {
            key: k[x].clone(),
            calls: n[x],
            input_tokens: i[x],
            output_tokens: o[x],
            cached_pct: pct(ci[x] as f64, i[x] as f64),
            reasoning_pct: pct(r[x] as f64, o[x] as f64),
            io_ratio: ratio(i[x] as f64, o[x] as f64),
            cost_usd: c[x],
            cost_per_1k_tokens: ratio(c[x] * 1000.0, (i[x] + o[x]) as f64),
            cost_per_call: ratio(c[x], n[x] as f64),
            efficiency_score: efficiency_score(
                ratio(c[x] * 1000.0, (i[x] + o[x]) as f64),
                ratio(i[x] as f64, o[x] as f64),
            ),
        })
        .collect())
}

pub fn analyze(ds: &Dataset) -> Result<TokenEconomics> {
    let by_model = rows(ds, crate::common::MODEL)?;
    let by_feature = rows(ds, "feature_id")?;
    let by_archetype = rows(ds, "customer_archetype")?;
    let sum = |f: fn(&TokenRow) -> u64| by_feature.iter().map(f).sum::<u64>();
    let (input, output, calls) = (sum(|r| r.input_tokens), sum(|r| r.output_tokens), sum(|r| r.calls));
    let t =
        ds.sql("SELECT sum(cached_input_tokens) AS ci, sum(reasoning_tokens) AS r, sum(cost_usd) AS c FROM calls")?;
    let (cached, reasoning, cost) = (t.u64("ci")?[0], t.u64("r")?[0], t.f64("c")?[0]);
    let summary = Summary {
        input_tokens: input,
        output_tokens: output,
        cached_input_tokens: cached,
        reasoning_tokens: reasoning,
        cache_hit_pct: pct(cached as f64, input as f64),
        reasoning_share_of_output_pct: pct(reasoning as f64, output as f64),
        input_output_ratio: ratio(input as f64, output as f64),
        cost_usd: cost,
        cost_per_1k_tokens: ratio(cost * 1000.0, (input + output) as f64),
        avg_input_per_call: ratio(input as f64, calls as f64),
        avg_output_per_call: ratio(output as f64, calls as f64),
    };
    // One scan of the successful calls: every call's input/output ratio (its quartiles are taken in
    // Rust) and the count and cost of each wasteful pattern.
    let patterns: Vec<String> = PATTERNS
        .iter()
        .enumerate()
        .map(|(i, (_, _, pred))| {
            format!("count(*) FILTER (WHERE {pred}) AS n{i}, coalesce(sum(cost_usd) FILTER (WHERE {pred}), 0) AS c{i}")
        })
        .collect();
    let q = ds.sql(&format!(
        "SELECT array_agg(CAST(input_tokens AS DOUBLE) / output_tokens) FILTER (WHERE output_tokens > 0) AS r, {} \
         FROM calls WHERE status = 'success'",
        patterns.join(", ")
    ))?;
    let mut r = q.f64_lists("r")?.into_iter().next().unwrap_or_default();
    let [p25, median, p75] = percentiles_of(&mut r, [0.25, 0.5, 0.75]);
    let count = |f: &dyn Fn(f64) -> bool| r.iter().filter(|&&x| f(x)).count() as u64;
    let io_ratio = IoRatio {
        p25,
        median,
        p75,
        balanced: count(&|x| (0.5..=2.0).contains(&x)),
        input_heavy: count(&|x| x > 2.0),
        output_heavy: count(&|x| x < 0.5),
    };
    let first = |v: Vec<f64>| v.first().copied().unwrap_or(0.0);
    let mut wasteful_patterns = Vec::new();
    for (i, (name, rule, _)) in PATTERNS.iter().enumerate() {
        let (calls, cost_usd) = (first(q.f64(&format!("n{i}"))?) as u64, first(q.f64(&format!("c{i}"))?));
        wasteful_patterns.push(Pattern { pattern: name, rule, calls, cost_usd });
    }
    let recommendations = recommend(&summary, &by_model, &wasteful_patterns, calls);
    let mut efficiency_ranking: Vec<TokenRow> =
        by_model.iter().filter(|r| r.calls >= RANKING_MIN_CALLS).cloned().collect();
    efficiency_ranking.sort_by(|a, b| b.efficiency_score.total_cmp(&a.efficiency_score).then(a.key.cmp(&b.key)));
    Ok(TokenEconomics {
        summary,
        by_model,
        by_feature,
        by_archetype,
        io_ratio,
        efficiency_ranking,
        wasteful_patterns,
        recommendations,
    })
}

/// The token rules.
pub fn recommend(s: &Summary, by_model: &[TokenRow], patterns: &[Pattern], calls: u64) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.input_output_ratio > 2.0 {
        out.push(Recommendation::new(
            "input_heavy",
            Severity::Info,
            format!(
                "Prompts are {:.1}x the size of answers; trim context or cache stable prefixes ({:.1}% cached now).",
                s.input_output_ratio, s.cache_hit_pct
            ),
        ));
    }
    for p in patterns.iter().filter(|p| pct(p.calls as f64, calls as f64) > 1.0) {
        out.push(Recommendation::new(
            "wasteful_pattern",
            Severity::Warning,
            format!(
                "{} calls ({:.1}%) match `{}` ({}), costing {}.",
                thousands(p.calls),
                pct(p.calls as f64, calls as f64),
                p.pattern,
                p.rule,
                Usd(p.cost_usd)
            ),
        ));
    }
    if s.reasoning_share_of_output_pct > 30.0 {
        let top = by_model.iter().filter(|m| m.calls >= 20).max_by(|a, b| a.reasoning_pct.total_cmp(&b.reasoning_pct));
        out.push(Recommendation::new(
            "reasoning_overhead",
            Severity::Info,
            format!(
                "{:.1}% of output tokens are hidden reasoning{}; lower the reasoning effort where answers are simple.",
                s.reasoning_share_of_output_pct,
                top.map(|m| format!(" ({} {:.0}%)", m.key, m.reasoning_pct)).unwrap_or_default()
            ),
        ));
    }
    let priced: Vec<&TokenRow> = by_model.iter().filter(|m| m.calls >= 20 && m.cost_per_1k_tokens > 0.0).collect();
    if let (Some(lo), Some(hi)) = (
        priced.iter().min_by(|a, b| a.cost_per_1k_tokens.total_cmp(&b.cost_per_1k_tokens)),
        priced.iter().max_by(|a, b| a.cost_per_1k_tokens.total_cmp(&b.cost_per_1k_tokens)),
    ) && ratio(hi.cost_per_1k_tokens, lo.cost_per_1k_tokens) > 10.0
    {
        out.push(Recommendation::new(
            "price_spread",
            Severity::Info,
            format!(
                "Cost per 1K tokens ranges {:.0}x, from {} to {}.",
                ratio(hi.cost_per_1k_tokens, lo.cost_per_1k_tokens),
                lo.key,
                hi.key
            ),
        ));
    }
    if out.is_empty() && calls > 0 {
        out.push(Recommendation::new(
            "tokens_ok",
            Severity::Success,
            "Token use is balanced with no wasteful pattern above 1% of calls.",
        ));
    }
    out
}
