//! Minute-level bursts: more calls in one minute than an interactive user makes.
use std::collections::HashMap;

use finops_core::rules::AbuseDetection;

use super::Flag;
use crate::common::{CustomerBins, customer_bins, customer_hours, incident_bin_ms, minute_label, periods_sql};
use crate::engine::{Dataset, Result, sql_str};
use crate::key_hash::{KeyValue, hash_values};

/// The most (customer, bin) pairs a query names; with more, the busy customers are named instead. A
/// pair is about 20 characters of SQL, and planning an `IN` list of 16,574 of them took 0.1 s.
pub const MAX_BUSY_BINS: usize = 50_000;

/// Customer-minutes with more than `burst_calls_per_minute` calls, busiest first.
pub fn detect(ds: &Dataset, r: &AbuseDetection) -> Result<Vec<Flag>> {
    let limit = r.burst_calls_per_minute;
    // A minute over the limit lies in a time bin over it, so only the calls of the (customer, bin) pairs
    // over it in the shared counts are counted by minute, matched by the pair's `key_hash` (every call
    // of a pair has the same, so a minute is counted whole or not at all, and a pair that shares a hash
    // with a busy one only adds minutes that are counted right). At 10 million calls that is 1.0 M calls
    // in 16,574 pairs, where the customers with a busy hour had 7.3 M. With bins that are not whole
    // minutes, or too many pairs to name, the calls of the customers with an hour over the limit.
    let bins = customer_bins(ds, incident_bin_ms(ds))?;
    let filter = if bins.bin_ms % 60_000 == 0 && bins.bin_ms > 0 {
        let busy = busy_bins(&bins, limit);
        if busy.is_empty() {
            return Ok(Vec::new());
        }
        (busy.len() <= MAX_BUSY_BINS).then(|| {
            let mut hashes: Vec<i64> = busy
                .iter()
                .map(|&(c, b)| hash_values(&[KeyValue::Text(&bins.customers[c as usize]), KeyValue::Int(b)]))
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            // i64::MIN has no literal: its magnitude does not fit before the minus applies.
            let literal = |h: i64| if h == i64::MIN { format!("({} - 1)", i64::MIN + 1) } else { h.to_string() };
            format!(
                "key_hash(customer_id, {}) IN ({})",
                periods_sql(ds, bins.bin_ms),
                hashes.into_iter().map(literal).collect::<Vec<_>>().join(", ")
            )
        })
    } else {
        None
    };
    let filter = match filter {
        Some(f) => f,
        None => {
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
            format!("customer_id IN ({})", busy.join(", "))
        }
    };
    let m = ds.sql(&format!(
        "SELECT customer_id, m, n FROM (SELECT customer_id, {minute} AS m, count(*) AS n \
         FROM calls WHERE {filter} GROUP BY customer_id, m) WHERE n > {limit} \
         ORDER BY n DESC, m, customer_id",
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

/// The (customer, bin) pairs of `bins` with more than `limit` calls, as (index into `bins.customers`,
/// bin): a customer's calls summed over the organizations it called under (rows are per organization,
/// customer and bin; a customer under one organization, the rule, needs no summing).
pub fn busy_bins(bins: &CustomerBins, limit: u64) -> Vec<(u32, i64)> {
    let mut org: Vec<Option<u32>> = vec![None; bins.customers.len()];
    let mut several = vec![false; bins.customers.len()];
    for (&c, &o) in bins.customer.iter().zip(&bins.organization) {
        match org[c as usize] {
            None => org[c as usize] = Some(o),
            Some(first) if first != o => several[c as usize] = true,
            Some(_) => {}
        }
    }
    let mut busy = Vec::new();
    let mut summed: HashMap<(u32, i64), u64> = HashMap::new();
    for ((&c, &b), &n) in bins.customer.iter().zip(&bins.bin).zip(&bins.calls) {
        if several[c as usize] {
            *summed.entry((c, b)).or_default() += n;
        } else if n > limit {
            busy.push((c, b));
        }
    }
    busy.extend(summed.into_iter().filter(|(_, n)| *n > limit).map(|(pair, _)| pair));
    busy.sort_unstable();
    busy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_under_two_organizations_is_busy_on_their_sum() {
        let bins = CustomerBins {
            bin_ms: 600_000,
            organization: vec![0, 1, 0, 0, 1],
            customer: vec![0, 0, 1, 1, 2],
            organizations: vec!["o1".into(), "o2".into()],
            customers: vec!["a".into(), "b".into(), "c".into()],
            bin: vec![7, 7, 7, 8, 9],
            calls: vec![20, 20, 31, 30, 40],
            cost_usd: vec![0.0; 5],
            rate_limited: vec![0; 5],
            errors: vec![0; 5],
        };
        // a: 20 + 20 in bin 7 under two organizations; b: 31 in bin 7, 30 (not over) in bin 8; c: 40.
        assert_eq!(busy_bins(&bins, 30), vec![(0, 7), (1, 7), (2, 9)]);
        assert_eq!(busy_bins(&bins, 40), Vec::<(u32, i64)>::new());
    }
}
