//! Night-time automation: a customer whose calls come mostly at night, local time.
use finops_core::rules::AbuseDetection;

use super::{Flag, sort_flags};
use crate::common::{customer_scan, pct};
use crate::engine::{Dataset, Result};

/// Customers with at least `night_min_calls` calls of which more than `night_share_pct` fall between
/// `night_start_hour` and `night_end_hour` local time (the serving region's, see
/// [`crate::common::local_hour`]), most night calls first. The night calls are counted in the shared
/// customer scan ([`crate::common::CustomerActivity::night_calls`]).
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let (from, to) = (r.night_start_hour, r.night_end_hour);
    let scan = customer_scan(ds)?;
    let mut flags: Vec<Flag> = scan
        .rows
        .iter()
        .zip(&scan.activity.night_calls)
        .filter(|(c, night)| {
            c.calls >= r.night_min_calls && **night as f64 * 100.0 > r.night_share_pct * c.calls as f64
        })
        .map(|(c, &night)| Flag {
            customer_id: c.customer_id.clone(),
            when: String::new(),
            value: night as f64,
            baseline: c.calls as f64,
            detail: format!(
                "{:.0}% of {} calls between {from:02}:00 and {to:02}:00 local time",
                pct(night as f64, c.calls as f64),
                c.calls
            ),
        })
        .collect();
    // The recommendation names the first.
    sort_flags(&mut flags);
    Ok(flags)
}
