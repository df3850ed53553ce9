//! Daily cost spikes: a day costing many times the customer's median day.
use finops_core::rules::AbuseDetection;

use super::{Flag, sort_flags};
use crate::common::{DAY, Usd, day_label, median};
use crate::engine::{Dataset, Result};

/// Days costing over `cost_spike_ratio` times the customer's median day and over `cost_spike_min_usd`,
/// for customers active on at least `cost_spike_min_days` days.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let d = ds.sql(&format!(
        "SELECT customer_id, {DAY} AS d, sum(cost_usd) AS c FROM calls GROUP BY customer_id, d ORDER BY customer_id, d"
    ))?;
    let (dc, dd, dv) = (d.str("customer_id")?, d.i64("d")?, d.f64("c")?);
    let mut out = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let j = (i..d.len()).find(|&k| dc[k] != dc[i]).unwrap_or(d.len());
        if (j - i) as u64 >= r.cost_spike_min_days {
            let med = median(&dv[i..j]);
            for k in i..j {
                if dv[k] > r.cost_spike_ratio * med && dv[k] > r.cost_spike_min_usd {
                    out.push(Flag {
                        customer_id: dc[k].clone(),
                        when: day_label(dd[k]),
                        value: dv[k],
                        baseline: med,
                        detail: format!(
                            "{} in a day, {:.1}x the customer's median day",
                            Usd(dv[k]),
                            dv[k] / med.max(1e-9)
                        ),
                    });
                }
            }
        }
        i = j;
    }
    sort_flags(&mut out);
    Ok(out)
}
