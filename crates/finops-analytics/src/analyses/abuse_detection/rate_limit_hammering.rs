//! Rate-limit hammering: a client that keeps retrying into its rate limit.
use finops_core::rules::AbuseDetection;
use finops_core::schema::Status;
use finops_core::units::thousands;

use super::Flag;
use crate::common::pct;
use crate::engine::{Dataset, Result};

/// Customers with at least `hammering_min_rate_limited` rate-limited calls making up more than
/// `hammering_share_pct` of their calls, most rate-limited first (ties by customer id).
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let limited = format!("count(*) FILTER (WHERE status = '{}')", Status::RateLimited);
    let t = ds.sql(&format!(
        "SELECT customer_id, count(*) AS n, {limited} AS rl FROM calls GROUP BY customer_id \
         HAVING {limited} >= {} AND CAST({limited} AS DOUBLE) * 100 > {} * count(*) ORDER BY rl DESC, customer_id",
        r.hammering_min_rate_limited, r.hammering_share_pct
    ))?;
    Ok(t.str("customer_id")?
        .into_iter()
        .zip(t.u64("n")?)
        .zip(t.u64("rl")?)
        .map(|((customer_id, n), rl)| Flag {
            customer_id,
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
