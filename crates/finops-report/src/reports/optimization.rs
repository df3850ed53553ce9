//! Rate Optimization page.
use finops_results::optimization::{BatchSaving, CacheSaving, Commitment, Optimization, Switch};

use super::{Layout, hbars_of};
use crate::format::{Unit, pct, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Point, Series};

/// The page's cards and sections.
pub fn layout(v: &Optimization) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Total cost", usd(s.cost_usd)),
        Card::new("Model switching", usd(s.switching_savings_usd)),
        Card::new("Batch API", usd(s.batch_savings_usd)),
        Card::new("Prompt caching", usd(s.caching_savings_usd)),
        Card::new("Commitments", usd(s.commitment_savings_usd)),
        Card::new("Actionable share", pct(s.actionable_pct))
            .note("switching + batch + caching against the spend, each priced as if done alone"),
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
        Section::new("summary", "Where the savings are")
            .intro("Each lever is priced against the current spend of the period; several can apply to the same calls (a switched model can also be batched or committed), so they are not added up.")
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
        Section::new("model_switching", "Cheaper sibling models")
            .intro("Each model's usage re-priced at the catalog price of its cheaper sibling from the same provider on the day of the call.")
            .chart(svg::scatter("Switch candidates: current cost against savings", &points, &["model switch"], (Unit::Usd, "current cost (USD)"), (Unit::Usd, "savings (USD)")))
            .table(
                Table::new(&v.model_switching, 30)
                    .text("Provider", |m: &Switch| m.provider.clone())
                    .text("From", |m| m.from.clone())
                    .text("To", |m| m.to.clone())
                    .count("Calls", |m| m.calls)
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
            .table(
                Table::new(&v.caching, 20)
                    .text("Provider", |c: &CacheSaving| c.provider.clone())
                    .text("Model", |c| c.model.clone())
                    .count("Calls", |c| c.calls)
                    .count("Uncached long-prompt input tokens", |c| c.uncached_input_tokens)
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
