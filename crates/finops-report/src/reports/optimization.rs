//! Rate Optimization page.
use finops_results::optimization::{BatchSaving, CacheSaving, Commitment, Optimization, PlanStep, Switch};

use super::{Layout, hbars_of};
use crate::format::{Unit, pct, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Point, Series};

/// The page's cards and sections.
pub fn layout(v: &Optimization) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Total cost", usd(s.cost_usd)),
        Card::new("Combined plan", usd(s.combined_savings_usd))
            .note(format!("switch, cache, batch in sequence; {} if the levers were added", usd(s.levers_alone_usd))),
        Card::new("Model switching alone", usd(s.switching_savings_usd)),
        Card::new("Batch API alone", usd(s.batch_savings_usd)),
        Card::new("Prompt caching alone", usd(s.caching_savings_usd)),
        Card::new("Commitments", usd(s.commitment_savings_usd)),
        Card::new("Actionable share", pct(s.actionable_pct)).note("the combined plan against the spend"),
    ];
    let points: Vec<Point> = v
        .model_switching
        .iter()
        .map(|m| Point {
            label: format!("{}: {} → {}", m.provider, m.from, m.to),
            x: m.current_cost_usd,
            y: m.savings_usd,
            group: 0,
        })
        .collect();
    let mut sections = vec![
        Section::new("plan", "The plan: levers in sequence on the same calls")
            .intro("Every standard-tier call priced at the catalog price of its date, call by call (calls are grouped only where they price alike: same model, day, feature and size band against every context window and long-context threshold). Each lever applies to the calls as the levers before it left them, so the savings add up to a real total; the lever tables below price each lever alone on today's calls.")
            .table(
                Table::new(&v.plan, 3)
                    .text("Lever", |p: &PlanStep| p.lever.replace('_', " "))
                    .count("Calls", |p| p.calls)
                    .num("Their cost before", Unit::Usd, |p| p.cost_before_usd)
                    .num("Saving", Unit::Usd, |p| p.savings_usd)
                    .num("Saving %", Unit::Pct, |p| p.savings_pct)
                    .text("Assumption", |p| p.assumption.clone())
                    .view(),
            )
            .facts(vec![
                fact("Combined saving", usd(s.combined_savings_usd)),
                fact("The three levers alone, added", usd(s.levers_alone_usd)),
            ]),
        Section::new("summary", "Each lever alone")
            .intro("Each lever priced alone against the current spend of the period; they overlap (a switched model's calls can also be batched), so these are not added up: the plan above is the total.")
            .chart(svg::hbars(
                "Savings by lever (period, catalog prices)",
                &["model switching", "batch API", "prompt caching", "commitments"].map(String::from),
                &[Series::new(
                    "savings",
                    vec![s.switching_savings_usd, s.batch_savings_usd, s.caching_savings_usd, s.commitment_savings_usd],
                )],
                Unit::Usd,
                "USD saved over the period",
            )),
        Section::new("model_switching", "Cheaper models of the same class")
            .intro("Each call re-priced on the dearest model of the same provider, capability class (the catalog's class: reasoning, frontier, mid, small, embedding) and kind (reasoning or not) at most optimization.sibling_max_price_share of its blended price, on the day of the call; calls longer than that model's context window, or dearer on it, stay (\"kept\").")
            .chart(svg::scatter("Switch candidates: current cost against savings", &points, &["model switch"], (Unit::Usd, "current cost (USD)"), (Unit::Usd, "savings (USD)")))
            .table(
                Table::new(&v.model_switching, 30)
                    .text("Provider", |m: &Switch| m.provider.clone())
                    .text("From", |m| m.from.clone())
                    .text("To", |m| m.to.clone())
                    .text("Class", |m| m.class.clone())
                    .count("Calls", |m| m.calls)
                    .count("Kept", |m| m.calls_kept)
                    .num("Current cost", Unit::Usd, |m| m.current_cost_usd)
                    .num("Alternative cost", Unit::Usd, |m| m.alternative_cost_usd)
                    .num("Savings", Unit::Usd, |m| m.savings_usd)
                    .num("Savings %", Unit::Pct, |m| m.savings_pct)
                    .view(),
            )
            .empty_note(v.model_switching.is_empty()),
        Section::new("batch", "Batch API")
            .table(
                Table::new(&v.batch, 20)
                    .text("Provider", |b: &BatchSaving| b.provider.clone())
                    .text("Model", |b| b.model.clone())
                    .text("Feature", |b| b.feature.clone())
                    .count("Calls", |b| b.calls)
                    .num("Current cost", Unit::Usd, |b| b.current_cost_usd)
                    .num("Batch cost", Unit::Usd, |b| b.batch_cost_usd)
                    .num("Savings", Unit::Usd, |b| b.savings_usd)
                    .view(),
            )
            .empty_note(v.batch.is_empty()),
        Section::new("caching", "Prompt caching")
            .intro("Long prompts (optimization.cache_min_prompt_tokens) that had nothing cached, on models with a cached price: optimization.cacheable_share of their input is taken as a stable prefix; per customer, feature and model, the first call in each optimization.cache_ttl_minutes window writes it at the cache-write price (Anthropic: 1.25x input, the premium shown), the others read it at the cached price.")
            .table(
                Table::new(&v.caching, 20)
                    .text("Provider", |c: &CacheSaving| c.provider.clone())
                    .text("Model", |c| c.model.clone())
                    .count("Calls", |c| c.calls)
                    .count("Uncached long-prompt input tokens", |c| c.uncached_input_tokens)
                    .count("Writes", |c| c.writes)
                    .count("Reads", |c| c.reads)
                    .num("Write premium", Unit::Usd, |c| c.write_premium_usd)
                    .num("Savings", Unit::Usd, |c| c.savings_usd)
                    .view(),
            )
            .empty_note(v.caching.is_empty()),
        Section::new("commitments", "Commitments and volume tiers")
            .chart(hbars_of(
                "Monthly-equivalent spend by provider",
                &v.commitments,
                |c| c.provider.clone(),
                ("monthly", &|c| c.monthly_equivalent_usd),
                Unit::Usd,
                "USD per month",
            ))
            .table(
                Table::new(&v.commitments, 20)
                    .text("Provider", |c: &Commitment| c.provider.clone())
                    .num("Cost", Unit::Usd, |c| c.cost_usd)
                    .num("Monthly equivalent", Unit::Usd, |c| c.monthly_equivalent_usd)
                    .num("Committable per day", Unit::Usd, |c| c.committable_daily_usd)
                    .num("Commitment savings", Unit::Usd, |c| c.savings_usd)
                    .num("Volume discount", Unit::Pct, |c| c.volume_discount_pct)
                    .opt("To the next tier", Unit::Usd, |c| c.next_tier_gap_usd)
                    .view(),
            ),
    ];
    let mut unpriced = Section::new("unpriced_models", "Unpriced models");
    unpriced = if v.unpriced_models.is_empty() {
        unpriced.intro("Every model in the data has a catalog price.")
    } else {
        unpriced
            .intro("Not in the pricing catalog, so left out of every saving above; add them with --pricing FILE.")
            .facts(vec![fact("Models", v.unpriced_models.join(", "))])
    };
    sections.push(unpriced);
    (cards, sections)
}
