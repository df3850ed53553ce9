//! Customer Profitability page.
use finops_results::profitability::{Bucket, CustomerMargin, Profitability, TierMargin};

use super::Layout;
use crate::format::{Unit, fixed, int, pct, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Series};

/// The page's cards and sections.
pub fn layout(v: &Profitability) -> Layout {
    let s = &v.summary;
    let u = &v.unprofitable;
    let cards = vec![
        Card::new("Revenue (prorated)", usd(s.revenue_usd))
            .note(format!("{} days of plan fees", fixed(s.period_days, 1))),
        Card::new("AI cost", usd(s.cost_usd)),
        Card::new("Margin", usd(s.margin_usd)),
        Card::new("Margin %", pct(s.margin_pct)),
        Card::new("Unprofitable customers", int(u.count as f64)).note(format!("losing {}", usd(u.total_loss_usd))),
    ];
    let tiers = &v.by_tier;
    let losers: Vec<&CustomerMargin> = v.by_customer.iter().filter(|c| c.margin_usd < 0.0).collect();
    let sections = vec![
        Section::new("by_tier", "By plan tier")
            .chart(svg::bars(
                "Revenue and cost per tier",
                &tiers.iter().map(|t| t.tier.clone()).collect::<Vec<_>>(),
                &[
                    Series::new("revenue", tiers.iter().map(|t| t.revenue_usd).collect()),
                    Series::new("AI cost", tiers.iter().map(|t| t.cost_usd).collect()),
                ],
                Unit::Usd,
                "tier",
                "USD",
            ))
            .table(
                Table::new(tiers, 10)
                    .text("Tier", |t: &TierMargin| t.tier.clone())
                    .num("Price", Unit::Usd, |t| t.price_usd)
                    .count("Customers", |t| t.customers)
                    .num("Revenue", Unit::Usd, |t| t.revenue_usd)
                    .num("AI cost", Unit::Usd, |t| t.cost_usd)
                    .num("Margin", Unit::Pct, |t| t.margin_pct)
                    .view(),
            ),
        Section::new("margin_distribution", "Margin distribution")
            .chart(svg::donut(
                "Customers by margin band",
                &v.margin_distribution.iter().map(|b| (b.status.to_string(), b.customers as f64)).collect::<Vec<_>>(),
                Unit::Count,
            ))
            .table(
                Table::new(&v.margin_distribution, 10)
                    .text("Margin band", |b: &Bucket| b.status.to_string())
                    .count("Customers", |b| b.customers)
                    .view(),
            ),
        Section::new("unprofitable", "Unprofitable customers")
            .facts(vec![
                fact("Customers", int(u.count as f64)),
                fact("Share of customers", pct(u.pct_of_customers)),
                fact("Total loss", usd(u.total_loss_usd)),
            ])
            .table(
                Table::new(&losers, 25)
                    .text("Customer", |c: &&CustomerMargin| c.customer.customer_id.clone())
                    .text("Tier", |c| c.customer.subscription_tier.clone())
                    .num("Revenue", Unit::Usd, |c| c.customer.revenue_usd)
                    .num("AI cost", Unit::Usd, |c| c.customer.cost_usd)
                    .num("Margin", Unit::Usd, |c| c.margin_usd)
                    .num("Margin %", Unit::Pct, |c| c.margin_pct)
                    .count("Calls", |c| c.customer.calls)
                    .view(),
            ),
        Section::new("by_customer", "All customers").table(
            Table::new(&v.by_customer, 25)
                .text("Customer", |c: &CustomerMargin| c.customer.customer_id.clone())
                .text("Organization", |c| c.customer.organization_id.clone())
                .text("Tier", |c| c.customer.subscription_tier.clone())
                .text("Archetype", |c| c.customer.customer_archetype.clone())
                .count("Calls", |c| c.customer.calls)
                .num("Revenue", Unit::Usd, |c| c.customer.revenue_usd)
                .num("AI cost", Unit::Usd, |c| c.customer.cost_usd)
                .num("Margin", Unit::Usd, |c| c.margin_usd)
                .num("Margin %", Unit::Pct, |c| c.margin_pct)
                .text("Band", |c| c.status.to_string())
                .view(),
        ),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Revenue (prorated)", usd(s.revenue_usd)),
            fact("AI cost", usd(s.cost_usd)),
            fact("Margin", usd(s.margin_usd)),
            fact("Margin %", pct(s.margin_pct)),
            fact("Customers", int(s.customers as f64)),
            fact("Revenue per customer", usd(s.avg_revenue_per_customer)),
            fact("AI cost per customer", usd(s.avg_cost_per_customer)),
            fact("Period", format!("{} days", fixed(s.period_days, 1))),
        ]),
    ];
    (cards, sections)
}
