//! Peer outliers: customers far out of line with customers like them (same plan tier and archetype).
use finops_core::rules::AbuseDetection;
use finops_core::units::thousands;

use super::Flag;
use crate::common::{CustomerRow, Usd, median};
use crate::engine::{Dataset, Result};

/// The showcase's outlier score against peers, compared with the peers' median rather than the mean of
/// all customers (which heavy users and the outliers themselves inflate): +50 for cost over
/// `peer_factor` times the median, +40 for calls over `peer_factor` times the median, +10 for an average
/// latency under `peer_fast_latency_ms` (scripted clients asking for tiny answers).
pub fn peer_score(
    r: &AbuseDetection,
    cost: f64,
    calls: f64,
    avg_latency_ms: Option<f64>,
    median_cost: f64,
    median_calls: f64,
) -> f64 {
    let mut score = 0.0;
    if median_cost > 0.0 && cost > r.peer_factor * median_cost {
        score += 50.0;
    }
    if median_calls > 0.0 && calls > r.peer_factor * median_calls {
        score += 40.0;
    }
    if avg_latency_ms.is_some_and(|l| l < r.peer_fast_latency_ms) {
        score += 10.0;
    }
    score
}

/// Customers scoring at least `peer_flag_score` within a peer group of at least `peer_min_group`
/// customers, highest score first.
pub fn detect(ds: &Dataset, r: &AbuseDetection, customers: &[CustomerRow]) -> Result<Vec<Flag>> {
    // Mean latencies from the shared customer scan, in `customers`' order.
    let scan = crate::common::customer_scan(ds)?;
    let latency: std::collections::HashMap<&str, Option<f64>> =
        scan.rows.iter().zip(&scan.activity.avg_latency_ms).map(|(c, l)| (c.customer_id.as_str(), *l)).collect();
    let mut groups: Vec<(&str, &str)> =
        customers.iter().map(|c| (c.subscription_tier.as_str(), c.customer_archetype.as_str())).collect();
    groups.sort();
    groups.dedup();
    let mut out = Vec::new();
    for (tier, archetype) in groups {
        let peers: Vec<&CustomerRow> =
            customers.iter().filter(|c| c.subscription_tier == tier && c.customer_archetype == archetype).collect();
        if (peers.len() as u64) < r.peer_min_group {
            continue;
        }
        let med_cost = median(&peers.iter().map(|c| c.cost_usd).collect::<Vec<_>>());
        let med_calls = median(&peers.iter().map(|c| c.calls as f64).collect::<Vec<_>>());
        for c in peers {
            let l = latency.get(c.customer_id.as_str()).copied().flatten();
            let score = peer_score(r, c.cost_usd, c.calls as f64, l, med_cost, med_calls);
            if score >= r.peer_flag_score {
                out.push(Flag {
                    customer_id: c.customer_id.clone(),
                    when: String::new(),
                    value: score,
                    baseline: med_cost,
                    detail: format!(
                        "score {score:.0}: {} of AI cost ({:.1}x the median {} of {archetype} {tier} customers), {} calls ({:.1}x the median){}",
                        Usd(c.cost_usd),
                        c.cost_usd / med_cost.max(1e-12),
                        Usd(med_cost),
                        thousands(c.calls),
                        c.calls as f64 / med_calls.max(1e-12),
                        l.filter(|l| *l < r.peer_fast_latency_ms)
                            .map(|l| format!(", average latency {l:.0} ms"))
                            .unwrap_or_default()
                    ),
                });
            }
        }
    }
    out.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.customer_id.cmp(&b.customer_id)));
    Ok(out)
}
