//! Organizational Alignment: cost by organization, product and feature, chargeback and showback,
//! and how differently organizations use AI.
use finops_core::rules;
pub use finops_results::alignment::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{Usd, customer_features, distinct_counts, group_metrics, pair_counts, pct, ratio};
use crate::engine::{Dataset, Result};

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Alignment> {
    let rules = &ds.rules.alignment;
    let by_organization = organizations(ds)?;
    let total: f64 = by_organization.iter().map(|o| o.cost_usd).sum();
    let calls: u64 = by_organization.iter().map(|o| o.calls).sum();
    let by_product = group_metrics(ds, &["product_id"], "true")?;
    let by_feature = feature_adoption(ds)?;
    let org_products = group_metrics(ds, &["organization_id", "product_id"], "true")?;
    let equal = ratio(total, by_organization.len() as f64);
    let chargeback = by_organization
        .iter()
        .map(|o| Chargeback {
            organization_id: o.organization_id.clone(),
            direct_cost_usd: o.cost_usd,
            share_pct: o.pct_of_cost,
            equal_split_usd: equal,
            over_equal_split_usd: o.cost_usd - equal,
        })
        .collect();
    let efficiency = efficiency_gap(rules, &by_organization);
    let summary = Summary {
        cost_usd: total,
        calls,
        organizations: by_organization.len() as u64,
        products: by_product.len() as u64,
        features: by_feature.len() as u64,
        avg_cost_per_org: equal,
    };
    let recommendations = recommend(rules, &summary, &by_organization, &by_feature, &efficiency);
    Ok(Alignment {
        summary,
        by_organization,
        by_product,
        by_feature,
        org_products,
        chargeback,
        efficiency,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Alignment.as_str()),
    })
}

/// Cost, calls, customers, products and features per organization, costliest first.
fn organizations(ds: &Dataset) -> Result<Vec<OrgRow>> {
    let orgs = crate::common::organizations(ds)?;
    let total: f64 = orgs.iter().map(|o| o.cost_usd).sum();
    Ok(orgs
        .iter()
        .map(|o| OrgRow {
            organization_id: o.organization_id.clone(),
            cost_usd: o.cost_usd,
            calls: o.calls,
            customers: o.customers,
            products: o.products,
            features: o.features,
            avg_cost_per_call: ratio(o.cost_usd, o.calls as f64),
            avg_cost_per_customer: ratio(o.cost_usd, o.customers as f64),
            pct_of_cost: pct(o.cost_usd, total),
        })
        .collect())
}

/// Cost, calls and adoption per feature.
fn feature_adoption(ds: &Dataset) -> Result<Vec<FeatureAdoption>> {
    let all_customers = distinct_counts(ds)?.customers;
    let pairs = customer_features(ds)?;
    let customers_of = pair_counts(&pairs, |p| &p.feature_id);
    Ok(group_metrics(ds, &["feature_id"], "true")?
        .into_iter()
        .map(|g| {
            let feature = g.key.concat();
            let customers = customers_of.get(feature.as_str()).copied().unwrap_or(0);
            FeatureAdoption {
                feature,
                cost_usd: g.metrics.cost_usd,
                calls: g.metrics.calls,
                customers,
                adoption_pct: pct(customers as f64, all_customers as f64),
            }
        })
        .collect())
}

/// The cheapest and costliest organizations per call among those with enough calls.
fn efficiency_gap(rules: &rules::Alignment, orgs: &[OrgRow]) -> EfficiencyGap {
    let eligible: Vec<&OrgRow> = orgs.iter().filter(|o| o.calls >= rules.efficiency_min_calls).collect();
    let lo = eligible.iter().min_by(|a, b| a.avg_cost_per_call.total_cmp(&b.avg_cost_per_call));
    let hi = eligible.iter().max_by(|a, b| a.avg_cost_per_call.total_cmp(&b.avg_cost_per_call));
    let gap = match (lo, hi) {
        (Some(l), Some(h)) => ratio(h.avg_cost_per_call, l.avg_cost_per_call),
        _ => 0.0,
    };
    EfficiencyGap {
        cheapest_org: lo.map(|o| o.organization_id.clone()),
        cheapest_cost_per_call: lo.map_or(0.0, |o| o.avg_cost_per_call),
        costliest_org: hi.map(|o| o.organization_id.clone()),
        costliest_cost_per_call: hi.map_or(0.0, |o| o.avg_cost_per_call),
        gap_ratio: gap,
        assessment: if gap > rules.gap_significant_ratio {
            GapAssessment::Significant
        } else if gap > rules.gap_moderate_ratio {
            GapAssessment::Moderate
        } else {
            GapAssessment::Similar
        },
    }
}

/// The alignment rules.
pub fn recommend(
    r: &rules::Alignment,
    s: &Summary,
    orgs: &[OrgRow],
    features: &[FeatureAdoption],
    e: &EfficiencyGap,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    // With a single organization, its 100% share is no finding.
    if let Some(top) = orgs.first().filter(|o| s.organizations > 1 && o.pct_of_cost > r.org_share_pct) {
        out.push(Recommendation::new(
            "org_concentration",
            Severity::Warning,
            format!(
                "{} accounts for {:.1}% of AI cost; give it its own budget and alerts.",
                top.organization_id, top.pct_of_cost
            ),
        ));
    }
    if e.gap_ratio > r.gap_moderate_ratio {
        out.push(Recommendation::new(
            "org_efficiency_gap",
            Severity::Info,
            format!(
                "{} pays ${:.4} per call, {:.1}x {} (${:.4}); compare their models and prompts.",
                e.costliest_org.clone().unwrap_or_default(),
                e.costliest_cost_per_call,
                e.gap_ratio,
                e.cheapest_org.clone().unwrap_or_default(),
                e.cheapest_cost_per_call
            ),
        ));
    }
    for f in features
        .iter()
        .filter(|f| f.adoption_pct < r.niche_adoption_pct && f.cost_usd > r.niche_cost_share_pct / 100.0 * s.cost_usd)
    {
        out.push(Recommendation::new(
            "costly_niche_feature",
            Severity::Info,
            format!(
                "`{}` is used by {:.1}% of customers yet costs {} ({:.1}% of spend).",
                f.feature,
                f.adoption_pct,
                Usd(f.cost_usd),
                pct(f.cost_usd, s.cost_usd)
            ),
        ));
    }
    if s.organizations > 1 && s.cost_usd > 0.0 {
        out.push(Recommendation::new(
            "chargeback",
            Severity::Info,
            format!(
                "Chargeback of {} over {} organizations is ready to export (average {}).",
                Usd(s.cost_usd),
                s.organizations,
                Usd(s.avg_cost_per_org)
            ),
        ));
    }
    out
}
