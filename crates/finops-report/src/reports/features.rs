//! Feature Economics page.
use finops_results::features::{Bundle, FeatureRow, Features, Quadrant};

use super::Layout;
use crate::format::{Unit, int, usd};
use crate::page::{Card, Section, Table, fact};
use crate::svg::{self, Point, Series};

/// The page's cards and sections.
pub fn layout(v: &Features) -> Layout {
    let s = &v.summary;
    let cards = vec![
        Card::new("Total cost", usd(s.cost_usd)),
        Card::new("Features", int(s.features as f64)),
        Card::new("Avg cost per feature", usd(s.avg_cost_per_feature)),
        Card::new("Customers", int(s.customers as f64)),
    ];
    let quadrants = Quadrant::ALL;
    let groups: Vec<&str> = quadrants.iter().map(|q| q.as_str()).collect();
    let points: Vec<Point> = v
        .by_feature
        .iter()
        .map(|x| Point { label: x.feature.clone(), x: x.adoption_pct, y: x.cost_usd, group: x.quadrant.index() })
        .collect();
    let counts: Vec<(String, f64)> = quadrants
        .iter()
        .map(|q| (q.to_string(), v.by_feature.iter().filter(|f| f.quadrant == *q).count() as f64))
        .collect();
    let mut launch = Section::new("launches", "Launches");
    for l in &v.launches {
        launch = launch.chart(svg::line(
            &format!("Adoption of {} since launch", l.feature),
            &l.cumulative_adopters.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
            &[Series::new("customers", l.cumulative_adopters.iter().map(|(_, n)| *n as f64).collect())],
            Unit::Count,
            "day (UTC)",
            "cumulative adopters",
        ));
    }
    if v.launches.is_empty() {
        launch = launch.intro("No feature first appeared late enough in the period to count as launched during it.");
    }
    let sections = vec![
        Section::new("by_feature", "Cost and adoption per feature")
            .chart(svg::scatter(
                "Adoption against cost",
                &points,
                &groups,
                (Unit::Pct, "adoption (% of customers)"),
                (Unit::Usd, "cost (USD)"),
            ))
            .chart(svg::donut("Features per investment quadrant", &counts, Unit::Count))
            .table(
                Table::new(&v.by_feature, 20)
                    .text("Feature", |f: &FeatureRow| f.feature.clone())
                    .count("Calls", |f| f.calls)
                    .num("Cost", Unit::Usd, |f| f.cost_usd)
                    .count("Customers", |f| f.customers)
                    .num("Adoption", Unit::Pct, |f| f.adoption_pct)
                    .text("Adoption level", |f| f.adoption_level.to_string())
                    .num("Cost per customer", Unit::Usd, |f| f.cost_per_customer)
                    .num("Cost per call", Unit::Usd, |f| f.cost_per_call)
                    .num("Growth (late / early)", Unit::Plain, |f| f.growth_ratio)
                    .text("Quadrant", |f| f.quadrant.to_string())
                    .text("First seen", |f| f.first_seen.clone())
                    .view(),
            ),
        launch,
        Section::new("bundles", "Feature bundles")
            .table(
                Table::new(&v.bundles, 10)
                    .text("Features", |b: &Bundle| format!("{} + {}", b.features.0, b.features.1))
                    .count("Customers", |b| b.customers)
                    .num("Share of customers", Unit::Pct, |b| b.pct_of_customers)
                    .view(),
            )
            .empty_note(v.bundles.is_empty()),
        Section::new("summary", "All summary figures").facts(vec![
            fact("Cost", usd(s.cost_usd)),
            fact("Calls", int(s.calls as f64)),
            fact("Features", int(s.features as f64)),
            fact("Customers", int(s.customers as f64)),
            fact("Average cost per feature", usd(s.avg_cost_per_feature)),
        ]),
    ];
    (cards, sections)
}
