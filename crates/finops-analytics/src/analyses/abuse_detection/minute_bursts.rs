//! Minute-level bursts: more calls in one minute than an interactive user makes.
use finops_core::rules::AbuseDetection;

use super::Flag;
use crate::common::{MINUTE, minute_label};
use crate::engine::{Dataset, Result};

/// Customer-minutes with more than `burst_calls_per_minute` calls, busiest first.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let limit = r.burst_calls_per_minute;
    let m = ds.sql(&format!(
        "SELECT customer_id, m, n FROM (SELECT customer_id, {MINUTE} AS m, count(*) AS n \
         FROM calls GROUP BY customer_id, m) WHERE n > {limit} ORDER BY n DESC, m, customer_id"
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
