//! Hourly usage spikes: an hour in which a customer makes many times its average hourly calls.
use finops_core::rules::AbuseDetection;
use finops_core::units::thousands;

use super::{Flag, sort_flags};
use crate::common::{CustomerRow, hour_label};
use crate::engine::{Dataset, Result};

/// Hours with at least `spike_min_calls` calls and over `spike_ratio` times the customer's average
/// hourly calls over the whole period.
pub fn detect(ds: &Dataset, r: &AbuseDetection, customers: &[CustomerRow]) -> Result<Vec<Flag>> {
    let hours = (ds.period.days * 24.0).max(1.0);
    let per_hour = crate::common::customer_hours(ds)?;
    let mut out = Vec::new();
    for c in customers {
        let mean = c.calls as f64 / hours;
        for &(h, n) in per_hour.get(&c.customer_id).map_or(&[][..], |v| v) {
            if n >= r.spike_min_calls && n as f64 > r.spike_ratio * mean {
                out.push(Flag {
                    customer_id: c.customer_id.clone(),
                    when: hour_label(h),
                    value: n as f64,
                    baseline: mean,
                    detail: format!(
                        "{} calls in the hour, {:.1}x the customer's hourly average",
                        thousands(n),
                        n as f64 / mean
                    ),
                });
            }
        }
    }
    sort_flags(&mut out);
    Ok(out)
}
