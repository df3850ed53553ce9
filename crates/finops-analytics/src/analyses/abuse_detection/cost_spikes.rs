//! Daily cost spikes: a day costing many times the customer's median day.
use finops_core::rules::AbuseDetection;

use super::{Flag, sort_flags};
use crate::common::{Usd, customer_bins, day_label, incident_bin_ms, median};
use crate::engine::{Dataset, Result};

/// Days costing over `cost_spike_ratio` times the customer's median day and over `cost_spike_min_usd`,
/// for customers active on at least `cost_spike_min_days` days.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    // Cost per (customer, UTC day) summed up from the shared (organization, customer, bin) counts, whose
    // bins divide a day, instead of a scan of its own; ordered by customer (byte order), then day.
    let bins = customer_bins(ds, incident_bin_ms(ds))?;
    let mut by_day: foldhash::HashMap<(u32, i64), f64> = Default::default();
    for i in 0..bins.bin.len() {
        *by_day.entry((bins.customer[i], bins.hour(i).div_euclid(24))).or_default() += bins.cost_usd[i];
    }
    let mut days: Vec<(&str, i64, f64)> =
        by_day.into_iter().map(|((c, d), cost)| (bins.customers[c as usize].as_str(), d, cost)).collect();
    days.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let mut out = Vec::new();
    for run in days.chunk_by(|a, b| a.0 == b.0) {
        if (run.len() as u64) < r.cost_spike_min_days {
            continue;
        }
        let costs: Vec<f64> = run.iter().map(|d| d.2).collect();
        let med = median(&costs);
        for &(customer, day, cost) in run {
            if cost > r.cost_spike_ratio * med && cost > r.cost_spike_min_usd {
                out.push(Flag {
                    customer_id: customer.to_string(),
                    when: day_label(day),
                    value: cost,
                    baseline: med,
                    detail: format!("{} in a day, {:.1}x the customer's median day", Usd(cost), cost / med.max(1e-9)),
                });
            }
        }
    }
    sort_flags(&mut out);
    Ok(out)
}
