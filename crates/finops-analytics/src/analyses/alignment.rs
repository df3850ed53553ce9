//! Organizational Alignment: cost by organization, product and feature, chargeback and showback,
//! and how differently organizations use AI.
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{Group, Usd, customer_features, distinct_counts, group_metrics, pair_counts, pct, ratio};
use crate::engine::{Dataset, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Alignment {
    pub summary: Summary,
    pub by_organization: Vec<OrgRow>,
    pub by_product: Vec<Group>,
    pub by_feature: Vec<FeatureAdoption>,
    /// Cost of each organization split by product.
    pub org_products: Vec<Group>,
    pub chargeback: Vec<Chargeback>,
    pub efficiency: EfficiencyGap,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub cost_usd: f64,
    pub calls: u64,
    pub organizations: u64,
    pub products: u64,
    pub features: u64,
    pub avg_cost_per_org: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgRow {
    pub organization_id: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    pub products: u64,
    pub features: u64,
    pub avg_cost_per_call: f64,
    pub avg_cost_per_customer: f64,
    pub pct_of_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureAdoption {
    pub feature: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    /// Customers using the feature / all customers.
    pub adoption_pct: f64,
}

/// Showback: each organization's direct cost, its share, and the gap to an equal split.
#[derive(Debug, Clone, Serialize)]
pub struct Chargeback {
    pub organization_id: String,
    pub direct_cost_usd: f64,
    pub share_pct: f64,
    pub equal_split_usd: f64,
    pub over_equal_split_usd: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct EfficiencyGap {
    pub cheapest_org: Option<String>,
    pub cheapest_cost_per_call: f64,
    pub costliest_org: Option<String>,
    pub costliest_cost_per_call: f64,
    pub gap_ratio: f64,
    /// > 3 significant, > 2 moderate, else similar.
    pub assessment: &'static str,
}

/// Organizations with fewer calls are left out of the efficiency gap.
pub const MIN_CALLS: u64 = 100;

pub fn analyze(ds: &Dataset) -> Result<Alignment> {
    let t = ds.sql(
        "SELECT organization_id, sum(cost_usd) AS c, count(*) AS n, count(DISTINCT customer_id) AS cu, \
         count(DISTINCT product_id) AS p, count(DISTINCT feature_id) AS f FROM calls GROUP BY organization_id ORDER BY c DESC, organization_id",
    )?;
    let (id, c, n, cu, p, f) =
        (t.str("organization_id")?, t.f64("c")?, t.u64("n")?, t.u64("cu")?, t.u64("p")?, t.u64("f")?);
    let total: f64 = c.iter().sum();
    let calls: u64 = n.iter().sum();
    let by_organization: Vec<OrgRow> = (0..t.len())
        .map(|i| OrgRow {
            organization_id: id[i].clone(),
            cost_usd: c[i],
            calls: n[i],
            customers: cu[i],
            products: p[i],
            features: f[i],
            avg_cost_per_call: ratio(c[i], n[i] as f64),
            avg_cost_per_customer: ratio(c[i], cu[i] as f64),
            pct_of_cost: pct(c[i], total),
        })
        .collect();
    let by_product = group_metrics(ds, &["product_id"], "true")?;
    let all_customers = distinct_counts(ds)?.customers;
    let pairs = customer_features(ds)?;
    let customers_of = pair_counts(&pairs, |p| &p.feature_id);
    let by_feature: Vec<FeatureAdoption> = group_metrics(ds, &["feature_id"], "true")?
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
        .collect();
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
    let eligible: Vec<&OrgRow> = by_organization.iter().filter(|o| o.calls >= MIN_CALLS).collect();
    let lo = eligible.iter().min_by(|a, b| a.avg_cost_per_call.total_cmp(&b.avg_cost_per_call));
    let hi = eligible.iter().max_by(|a, b| a.avg_cost_per_call.total_cmp(&b.avg_cost_per_call));
    let gap = match (lo, hi) {
        (Some(l), Some(h)) => ratio(h.avg_cost_per_call, l.avg_cost_per_call),
        _ => 0.0,
    };
    let efficiency = EfficiencyGap {
        cheapest_org: lo.map(|o| o.organization_id.clone()),
        cheapest_cost_per_call: lo.map_or(0.0, |o| o.avg_cost_per_call),
        costliest_org: hi.map(|o| o.organization_id.clone()),
        costliest_cost_per_call: hi.map_or(0.0, |o| o.avg_cost_per_call),
        gap_ratio: gap,
        assessment: if gap > 3.0 {
            "significant"
        } else if gap > 2.0 {
            "moderate"
        } else {
            "similar"
        },
    };
    let summary = Summary {
        cost_usd: total,
        calls,
        organizations: by_organization.len() as u64,
        products: by_product.len() as u64,
        features: by_feature.len() as u64,
        avg_cost_per_org: equal,
    };
    let recommendations = recommend(&summary, &by_organization, &by_feature, &efficiency);
    Ok(Alignment {
        summary,
        by_organization,
        by_product,
        by_feature,
        org_products,
        chargeback,
        efficiency,
        recommendations,
    })
}

/// The alignment rules.
pub fn recommend(s: &Summary, orgs: &[OrgRow], features: &[FeatureAdoption], e: &EfficiencyGap) -> Vec<Recommendation> {
    let mut out = Vec::new();
    // With a single organization, its 100% share is no finding.
    if let Some(top) = orgs.first().filter(|o| s.organizations > 1 && o.pct_of_cost > 50.0) {
        out.push(Recommendation::new(
            "org_concentration",
            Severity::Warning,
            format!(
                "{} accounts for {:.1}% of AI cost; give it its own budget and alerts.",
                top.organization_id, top.pct_of_cost
            ),
        ));
    }
    if e.gap_ratio > 2.0 {
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
    for f in features.iter().filter(|f| f.adoption_pct < 20.0 && f.cost_usd > 0.05 * s.cost_usd) {
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
