//! Night-time automation: a customer whose calls come mostly at night, local time.
use finops_core::rules::AbuseDetection;
use finops_core::schema::Region;

use super::{Flag, sort_flags};
use crate::common::{HOUR, pct};
use crate::engine::{Dataset, Result, sql_str};

/// SQL for a call's local hour of day by its serving region's UTC offset (the core crate's
/// [`Region::utc_offset_hours`]; unknown regions count as UTC).
fn local_hour() -> String {
    let cases: Vec<String> = Region::ALL
        .iter()
        .map(|r| format!("WHEN {} THEN {}", sql_str(r.as_str()), r.utc_offset_hours().rem_euclid(24)))
        .collect();
    format!("({HOUR} % 24 + CASE region {} ELSE 0 END) % 24", cases.join(" "))
}

/// Customers with at least `night_min_calls` calls of which more than `night_share_pct` fall between
/// `night_start_hour` and `night_end_hour` local time, most night calls first.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let (from, to) = (r.night_start_hour, r.night_end_hour);
    let night = if from > to { format!("h >= {from} OR h < {to}") } else { format!("h >= {from} AND h < {to}") };
    let t = ds.sql(&format!(
        "SELECT customer_id, count(*) AS n, count(*) FILTER (WHERE {night}) AS night \
         FROM (SELECT customer_id, {} AS h FROM calls) GROUP BY customer_id \
         HAVING count(*) >= {} AND CAST(count(*) FILTER (WHERE {night}) AS DOUBLE) * 100 > {} * count(*)",
        local_hour(),
        r.night_min_calls,
        r.night_share_pct
    ))?;
    let mut flags: Vec<Flag> = t
        .str("customer_id")?
        .into_iter()
        .zip(t.u64("n")?)
        .zip(t.u64("night")?)
        .map(|((customer_id, n), night)| Flag {
            customer_id,
            when: String::new(),
            value: night as f64,
            baseline: n as f64,
            detail: format!(
                "{:.0}% of {n} calls between {from:02}:00 and {to:02}:00 local time",
                pct(night as f64, n as f64)
            ),
        })
        .collect();
    // The grouping returns customers in no particular order; the recommendation names the first.
    sort_flags(&mut flags);
    Ok(flags)
}
