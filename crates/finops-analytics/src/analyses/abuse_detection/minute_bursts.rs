//! Minute-level bursts: more calls in one minute than an interactive user makes.
use finops_core::rules::AbuseDetection;

use super::Flag;
use crate::common::{customer_hours, minute_label, periods_sql};
use crate::engine::{Dataset, Result, sql_str};

/// Customer-minutes with more than `burst_calls_per_minute` calls, busiest first.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let limit = r.burst_calls_per_minute;
    // A minute over the limit lies in an hour over it, so only the customers with such an hour (from the
    // shared per-customer hours) are counted by minute: at 10 million calls half the calls and fewer
    // groups, where grouping every call by (customer, minute) made millions of groups.
    let hours = customer_hours(ds)?;
    let mut busy: Vec<String> = hours
        .iter()
        .filter(|(_, h)| h.iter().any(|(_, n)| *n > limit))
        .map(|(customer, _)| sql_str(customer))
        .collect();
    if busy.is_empty() {
        return Ok(Vec::new());
    }
    busy.sort_unstable();
    let m = ds.sql(&format!(
        "SELECT customer_id, m, n FROM (SELECT customer_id, {minute} AS m, count(*) AS n \
         FROM calls WHERE customer_id IN ({}) GROUP BY customer_id, m) WHERE n > {limit} \
         ORDER BY n DESC, m, customer_id",
        busy.join(", "),
        minute = periods_sql(ds, 60_000)
    ))?;
    Ok(m.str("customer_id")?
        .into_iter()
        .zip(m.i64("m")?.into_iter().map(minute_label))
        .zip(m.u64("n")?)
        .map(|((customer_id, when), n)| Flag {
            customer_id,
            when,
            value: n as f64,
            baseline: limit as f64,
            detail: format!("{n} calls in one minute"),
        })
        .collect())
}
