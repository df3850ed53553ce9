//! Token Economics: where tokens go (input, cached, output, reasoning), input/output balance, and
//! wasteful call patterns.
use finops_core::rules;
use finops_core::units::thousands;
pub use finops_results::token_economics::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{Usd, pct, percentiles_of, ratio};
use crate::engine::{Dataset, Result, Table, sql_str};

/// The showcase's token efficiency score, 0-100: `score_price_weight` on price (100 minus the cost per
/// million tokens in dollars, floored at 0) and the rest on balance (100 minus `score_balance_penalty`
/// per unit the input/output ratio is away from 1, floored at 0).
pub fn efficiency_score(r: &rules::TokenEconomics, cost_per_1k_tokens: f64, io_ratio: f64) -> f64 {
    r.score_price_weight * (100.0 - cost_per_1k_tokens * 1000.0).max(0.0)
        + (1.0 - r.score_price_weight) * (100.0 - r.score_balance_penalty * (io_ratio - 1.0).abs()).max(0.0)
}

/// Each wasteful pattern in words and as a SQL predicate over a call, with the rule values in force.
pub fn patterns(r: &rules::TokenEconomics) -> [(WastefulPattern, String, String); 3] {
    let features = r.simple_task_features.iter().map(|f| sql_str(f)).collect::<Vec<_>>();
    [
        (
            WastefulPattern::ExcessiveInput,
            format!(
                "input > {}x output and input > {} tokens",
                r.excessive_input_ratio,
                thousands(r.excessive_input_min_tokens)
            ),
            format!(
                "input_tokens > {} * output_tokens AND input_tokens > {}",
                r.excessive_input_ratio, r.excessive_input_min_tokens
            ),
        ),
        (
            WastefulPattern::ExpensiveSimpleTask,
            format!("{} call costing over ${}", r.simple_task_features.join(" or "), r.simple_task_max_usd),
            if features.is_empty() {
                "false".into()
            } else {
                format!("feature_id IN ({}) AND cost_usd > {}", features.join(", "), r.simple_task_max_usd)
            },
        ),
        (
            WastefulPattern::LowOutputHighTokens,
            format!(
                "over {} tokens with under {} output tokens",
                thousands(r.low_output_min_total_tokens),
                thousands(r.low_output_max_output_tokens)
            ),
            format!(
                "total_tokens > {} AND output_tokens < {}",
                r.low_output_min_total_tokens, r.low_output_max_output_tokens
            ),
        ),
    ]
}

/// Token totals and cost per (provider, model, feature, archetype): one scan that the breakdowns by
/// model, feature and archetype and the summary's totals all sum up (four scans before).
struct Cells {
    provider: Vec<String>,
    model: Vec<String>,
    feature: Vec<String>,
    archetype: Vec<String>,
    calls: Vec<u64>,
    input: Vec<u64>,
    output: Vec<u64>,
    cached: Vec<u64>,
    reasoning: Vec<u64>,
    cost: Vec<f64>,
}

impl Cells {
    fn query(ds: &Dataset) -> Result<Cells> {
        let t = ds.sql(
            "SELECT provider, model, feature_id AS f, customer_archetype AS a, count(*) AS n, sum(input_tokens) AS i, \
             sum(output_tokens) AS o, sum(cached_input_tokens) AS ci, sum(reasoning_tokens) AS r, sum(cost_usd) AS c \
             FROM calls GROUP BY provider, model, f, a",
        )?;
        Ok(Cells {
            provider: t.str("provider")?,
            model: t.str("model")?,
            feature: t.str("f")?,
            archetype: t.str("a")?,
            calls: t.u64("n")?,
            input: t.u64("i")?,
            output: t.u64("o")?,
            cached: t.u64("ci")?,
            reasoning: t.u64("r")?,
            cost: t.f64("c")?,
        })
    }

    /// The cells summed up by `key` (of a cell's index), costliest first (ties by key).
    fn rows(&self, r: &rules::TokenEconomics, key: impl Fn(usize) -> String) -> Vec<TokenRow> {
        // key -> (calls, input, output, cached, reasoning, cost)
        let mut groups: std::collections::BTreeMap<String, (u64, u64, u64, u64, u64, f64)> = Default::default();
        for x in 0..self.calls.len() {
            let g = groups.entry(key(x)).or_default();
            g.0 += self.calls[x];
            g.1 += self.input[x];
            g.2 += self.output[x];
            g.3 += self.cached[x];
            g.4 += self.reasoning[x];
            g.5 += self.cost[x];
        }
        let mut rows: Vec<TokenRow> = groups
            .into_iter()
            .map(|(key, (n, i, o, ci, rs, c))| {
                let cost_per_1k_tokens = ratio(c * 1000.0, (i + o) as f64);
                let io_ratio = ratio(i as f64, o as f64);
                TokenRow {
                    key,
                    calls: n,
                    input_tokens: i,
                    output_tokens: o,
                    cached_pct: pct(ci as f64, i as f64),
                    reasoning_pct: pct(rs as f64, o as f64),
                    io_ratio,
                    cost_usd: c,
                    cost_per_1k_tokens,
                    cost_per_call: ratio(c, n as f64),
                    efficiency_score: efficiency_score(r, cost_per_1k_tokens, io_ratio),
                }
            })
            .collect();
        rows.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd).then_with(|| a.key.cmp(&b.key)));
        rows
    }
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<TokenEconomics> {
    let rules = &ds.rules.token_economics;
    let cells = Cells::query(ds)?;
    let by_model = cells.rows(rules, |x| format!("{}/{}", cells.provider[x], cells.model[x]));
    let by_feature = cells.rows(rules, |x| cells.feature[x].clone());
    let by_archetype = cells.rows(rules, |x| cells.archetype[x].clone());
    let calls: u64 = by_feature.iter().map(|r| r.calls).sum();
    let summary = summary(&cells);
    let (io_ratio, wasteful_patterns) = balance_and_waste(ds, rules)?;
    let recommendations = recommend(rules, &summary, &by_model, &wasteful_patterns, calls);
    let mut efficiency_ranking: Vec<TokenRow> =
        by_model.iter().filter(|r| r.calls >= rules.ranking_min_calls).cloned().collect();
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
        rules_applied: ds.rules.applied(AnalysisId::TokenEconomics.as_str()),
    })
}

/// Token totals, cache and reasoning shares, and the cost per token.
fn summary(cells: &Cells) -> Summary {
    let sum = |col: &[u64]| col.iter().sum::<u64>();
    let (input, output, calls) = (sum(&cells.input), sum(&cells.output), sum(&cells.calls));
    let (cached, reasoning, cost) = (sum(&cells.cached), sum(&cells.reasoning), cells.cost.iter().sum::<f64>());
    Summary {
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
    }
}

/// One scan of the successful calls: every call's input/output ratio (its quartiles and balance
/// bands are taken in Rust) and the count and cost of each wasteful pattern.
fn balance_and_waste(ds: &Dataset, r: &rules::TokenEconomics) -> Result<(IoRatio, Vec<Pattern>)> {
    let patterns = patterns(r);
    let filters: Vec<String> = patterns
        .iter()
        .enumerate()
        .map(|(i, (_, _, pred))| {
            format!("count(*) FILTER (WHERE {pred}) AS n{i}, coalesce(sum(cost_usd) FILTER (WHERE {pred}), 0) AS c{i}")
        })
        .collect();
    let q = ds.sql(&format!(
        "SELECT values_list(CAST(input_tokens AS DOUBLE) / output_tokens) FILTER (WHERE output_tokens > 0) AS r, {} \
         FROM calls WHERE status = 'success'",
        filters.join(", ")
    ))?;
    let mut ratios = q.f64_lists("r")?.into_iter().next().unwrap_or_default();
    let [p25, median, p75] = percentiles_of(&mut ratios, [0.25, 0.5, 0.75]);
    let count = |f: &dyn Fn(f64) -> bool| ratios.iter().filter(|&&x| f(x)).count() as u64;
    let io_ratio = IoRatio {
        p25,
        median,
        p75,
        balanced: count(&|x| (r.balanced_min_ratio..=r.balanced_max_ratio).contains(&x)),
        input_heavy: count(&|x| x > r.balanced_max_ratio),
        output_heavy: count(&|x| x < r.balanced_min_ratio),
    };
    let first = |t: &Table, col: &str| -> Result<f64> { Ok(t.f64(col)?.first().copied().unwrap_or(0.0)) };
    let mut wasteful = Vec::with_capacity(patterns.len());
    for (i, (pattern, rule, _)) in patterns.into_iter().enumerate() {
        let (calls, cost_usd) = (first(&q, &format!("n{i}"))? as u64, first(&q, &format!("c{i}"))?);
        wasteful.push(Pattern { pattern, rule, calls, cost_usd });
    }
    Ok((io_ratio, wasteful))
}

/// The token rules.
pub fn recommend(
    r: &rules::TokenEconomics,
    s: &Summary,
    by_model: &[TokenRow],
    patterns: &[Pattern],
    calls: u64,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if s.input_output_ratio > r.input_heavy_ratio {
        out.push(Recommendation::new(
            "input_heavy",
            Severity::Info,
            format!(
                "Prompts are {:.1}x the size of answers; trim context or cache stable prefixes ({:.1}% cached now).",
                s.input_output_ratio, s.cache_hit_pct
            ),
        ));
    }
    for p in patterns.iter().filter(|p| pct(p.calls as f64, calls as f64) > r.wasteful_min_share_pct) {
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
    if s.reasoning_share_of_output_pct > r.reasoning_share_pct {
        let top = by_model
            .iter()
            .filter(|m| m.calls >= r.min_calls)
            .max_by(|a, b| a.reasoning_pct.total_cmp(&b.reasoning_pct));
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
    let priced: Vec<&TokenRow> =
        by_model.iter().filter(|m| m.calls >= r.min_calls && m.cost_per_1k_tokens > 0.0).collect();
    if let (Some(lo), Some(hi)) = (
        priced.iter().min_by(|a, b| a.cost_per_1k_tokens.total_cmp(&b.cost_per_1k_tokens)),
        priced.iter().max_by(|a, b| a.cost_per_1k_tokens.total_cmp(&b.cost_per_1k_tokens)),
    ) && ratio(hi.cost_per_1k_tokens, lo.cost_per_1k_tokens) > r.price_spread_ratio
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
            format!("Token use is balanced with no wasteful pattern above {}% of calls.", r.wasteful_min_share_pct),
        ));
    }
    out
}
