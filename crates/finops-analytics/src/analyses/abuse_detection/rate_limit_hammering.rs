//! Rate-limit hammering: a client that keeps retrying into its rate limit.
use finops_core::rules::AbuseDetection;
use finops_core::units::thousands;

use super::Flag;
use crate::common::{customer_scan, pct};
use crate::engine::{Dataset, Result};

/// Customers with at least `hammering_min_rate_limited` rate-limited calls making up more than
/// `hammering_share_pct` of their calls, most rate-limited first (ties by customer id). The
/// rate-limited calls are counted in the shared customer scan
/// ([`crate::common::CustomerActivity::rate_limited`]).
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let scan = customer_scan(ds)?;
    let mut hits: Vec<(&str, u64, u64)> = scan
        .rows
        .iter()
        .zip(&scan.activity.rate_limited)
        .filter(|(c, rl)| {
            **rl >= r.hammering_min_rate_limited && **rl as f64 * 100.0 > r.hammering_share_pct * c.calls as f64
        })
        .map(|(c, &rl)| (c.customer_id.as_str(), c.calls, rl))
        .collect();
    hits.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
    Ok(hits
        .into_iter()
        .map(|(customer_id, n, rl)| Flag {
            customer_id: customer_id.to_string(),
            when: String::new(),
            value: rl as f64,
            baseline: n as f64,
            detail: format!(
                "{} of {} calls rate-limited ({:.1}%): the client keeps retrying into the limit",
                thousands(rl),
                thousands(n),
                pct(rl as f64, n as f64)
            ),
        })
        .collect())
}
