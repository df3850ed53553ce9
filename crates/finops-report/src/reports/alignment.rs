//! Organizational Alignment page.
use finops_results::alignment::{Alignment, Chargeback, FeatureAdoption, OrgRow};

use super::{Layout, bars_of, groups_table, hbars_of, top};
use crate::format::{Unit, fixed, int, usd};
use crate::page::{Card, Section, Table, fact};

/// The page's cards and sections.
pub fn layout(v: &Alignment) -> Layout {
    let s = &v.summary;
    let e = &v.efficiency;
    let name = |o: &Option<String>| o.clone().unwrap_or_else(|| "–".into());
    let cards = vec![
        Card::new("Total cost", usd(s.cost_usd)),
        Card::new("Organizations", int(s.organizations as f64)),
        Card::new("Products", int(s.products as f64)),
        Card::new("Features", int(s.features as f64)),
        Card::new("Efficiency gap", format!("{}x", fixed(e.gap_ratio, 1))).note(format!(
            "{} vs {} per call",
            name(&e.costliest_org),
            name(&e.cheapest_org)
        )),
    ];
    let sections = vec![
        Section::new("by_organization", "Cost by organization")
            .chart(hbars_of(
                "Top 15 organizations by cost",
                top(&v.by_organization, 15),
                |o| o.organization_id.clone(),
                ("cost", &|o| o.cost_usd),
                Unit::Usd,
                "cost (USD)",
            ))
            .table(
                Table::new(&v.by_organization, 25)
                    .text("Organization", |o: &OrgRow| o.organization_id.clone())
                    .num("Cost", Unit::Usd, |o| o.cost_usd)
                    .num("Share of cost", Unit::Pct, |o| o.pct_of_cost)
                    .count("Calls", |o| o.calls)
                    .count("Customers", |o| o.customers)
                    .count("Products", |o| o.products)
                    .count("Features", |o| o.features)
                    .num("Cost per call", Unit::Usd, |o| o.avg_cost_per_call)
                    .num("Cost per customer", Unit::Usd, |o| o.avg_cost_per_customer)
                    .view(),
            ),
        Section::new("by_product", "Products and features")
            .chart(bars_of(
                "Cost by product",
                &v.by_product,
                |g| g.label(),
                ("cost", &|g| g.metrics.cost_usd),
                Unit::Usd,
                ("product", "cost (USD)"),
            ))
            .chart(bars_of(
                "Cost by feature",
                &v.by_feature,
                |f| f.feature.clone(),
                ("cost", &|f| f.cost_usd),
                Unit::Usd,
                ("feature", "cost (USD)"),
            ))
            .table(groups_table(&v.by_product, 10, "Product")),
        Section::new("by_feature", "Feature adoption").table(
            Table::new(&v.by_feature, 20)
                .text("Feature", |f: &FeatureAdoption| f.feature.clone())
                .num("Cost", Unit::Usd, |f| f.cost_usd)
                .count("Calls", |f| f.calls)
                .count("Customers", |f| f.customers)
                .num("Adoption", Unit::Pct, |f| f.adoption_pct)
                .view(),
        ),
        Section::new("chargeback", "Chargeback and showback")
            .intro("Direct cost per organization against an equal split of the total.")
            .table(
                Table::new(&v.chargeback, 25)
                    .text("Organization", |c: &Chargeback| c.organization_id.clone())
                    .num("Direct cost", Unit::Usd, |c| c.direct_cost_usd)
                    .num("Share", Unit::Pct, |c| c.share_pct)
                    .num("Equal split", Unit::Usd, |c| c.equal_split_usd)
                    .num("Over the equal split", Unit::Usd, |c| c.over_equal_split_usd)
                    .view(),
            ),
        Section::new("org_products", "Organization x product").table(groups_table(
            &v.org_products,
            25,
            "Organization / product",
        )),
        Section::new("efficiency", "Efficiency between tenants").facts(vec![
            fact(
                "Cheapest organization per call",
                format!("{} ({})", name(&e.cheapest_org), usd(e.cheapest_cost_per_call)),
            ),
            fact(
                "Costliest organization per call",
                format!("{} ({})", name(&e.costliest_org), usd(e.costliest_cost_per_call)),
            ),
            fact("Gap", format!("{}x", fixed(e.gap_ratio, 2))),
            fact("Assessment", e.assessment.to_string()),
        ]),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Cost", usd(s.cost_usd)),
            fact("Calls", int(s.calls as f64)),
            fact("Organizations", int(s.organizations as f64)),
            fact("Products", int(s.products as f64)),
            fact("Features", int(s.features as f64)),
            fact("Average cost per organization", usd(s.avg_cost_per_org)),
        ]),
    ];
    (cards, sections)
}
