//! Abuse Detection page.
use finops_results::abuse_detection::{Abuse, Flag};

use super::Layout;
use crate::format::{Unit, int, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Series};

/// Customers on the most-flagged chart.
const MOST_FLAGGED: usize = 15;

/// The page's cards and sections.
pub fn layout(v: &Abuse) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Customers", int(s.customers as f64)),
        Card::new("Flags", int(s.flags as f64)),
        Card::new("Flagged customers", int(s.flagged_customers as f64)),
        Card::new("Cost of flagged customers", usd(s.flagged_cost_usd)),
    ];
    let kinds = v.by_kind();
    let counts: Vec<f64> = kinds.iter().map(|(_, flags)| flags.len() as f64).collect();
    let labels: Vec<String> = kinds.iter().map(|(k, _)| k.title().to_string()).collect();
    let mut per_customer: Vec<(&str, f64)> = Vec::new();
    for f in kinds.iter().flat_map(|(_, flags)| flags.iter()) {
        match per_customer.iter_mut().find(|x| x.0 == f.customer_id) {
            Some(x) => x.1 += 1.0,
            None => per_customer.push((&f.customer_id, 1.0)),
        }
    }
    per_customer.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    per_customer.truncate(MOST_FLAGGED);
    let mut sections = vec![
        Section::new("summary", "Flags by kind")
            .chart(svg::bars(
                "Flags by kind",
                &labels,
                &[Series::new("flags", counts.clone())],
                Unit::Count,
                "kind",
                "flags",
            ))
            .chart(svg::donut(
                "Share of flags by kind",
                &labels.iter().cloned().zip(counts).collect::<Vec<_>>(),
                Unit::Count,
            ))
            .chart(svg::hbars(
                "Most-flagged customers",
                &per_customer.iter().map(|c| c.0.to_string()).collect::<Vec<_>>(),
                &[Series::new("flags", per_customer.iter().map(|c| c.1).collect())],
                Unit::Count,
                "flags",
            ))
            .facts(vec![
                fact("Customers", int(s.customers as f64)),
                fact("Flagged customers", int(s.flagged_customers as f64)),
                fact("Flags", int(s.flags as f64)),
                fact("AI cost of flagged customers", usd(s.flagged_cost_usd)),
            ]),
    ];
    for (kind, flags) in kinds {
        sections.push(
            Section::new(kind.field(), kind.title())
                .table(
                    Table::new(flags, 25)
                        .text("Customer", |f: &Flag| f.customer_id.clone())
                        .text("When", |f| if f.when.is_empty() { "whole period".into() } else { f.when.clone() })
                        .text("Finding", |f| f.detail.clone())
                        .num("Value", Unit::Plain, |f| f.value)
                        .num("Baseline", Unit::Plain, |f| f.baseline)
                        .view(),
                )
                .empty_note(flags.is_empty()),
        );
    }
    (cards, sections)
}
