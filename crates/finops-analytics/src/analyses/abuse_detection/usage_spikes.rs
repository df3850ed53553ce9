//! Hourly usage spikes: an hour in which a customer makes many times its average hourly calls.
use finops_core::rules::AbuseDetection;
use finops_core::units::thousands;

use super::{Flag, sort_flags};
use crate::common::{CustomerRow, HOUR, hour_label};
use crate::engine::{Dataset, Result};

/// Hours with at least `spike_min_calls` calls and over `spike_ratio` times the customer's average
/// hourly calls over the whole period.
pub fn detect(ds: &Dataset, r: &AbuseDetection, customers: &[CustomerRow]) -> Result<Vec<Flag>> {
    let hours = (ds.period.days * 24.0).max(1.0);
    let h = ds.sql(&format!("SELECT customer_id, {HOUR} AS h, count(*) AS n FROM calls GROUP BY customer_id, h"))?;
    let (hc, hh, hn) = (h.str("customer_id")?, h.i64("h")?, h.u64("n")?);
    let by_id: std::collections::HashMap<&str, &CustomerRow> =
        customers.iter().map(|c| (c.customer_id.as_str(), c)).collect();
    let mut out = Vec::new();
    for i in 0..h.len() {
        let Some(c) = by_id.get(hc[i].as_str()) else { continue };
        let mean = c.calls as f64 / hours;
        if hn[i] >= r.spike_min_calls && hn[i] as f64 > r.spike_ratio * mean {
            out.push(Flag {
                customer_id: hc[i].clone(),
                when: hour_label(hh[i]),
                value: hn[i] as f64,
                baseline: mean,
                detail: format!(
                    "{} calls in the hour, {:.1}x the customer's hourly average",
                    thousands(hn[i]),
                    hn[i] as f64 / mean
                ),
            });
        }
    }
    sort_flags(&mut out);
    Ok(out)
}
